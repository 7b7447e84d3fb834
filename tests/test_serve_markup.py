"""HTML in, HTML out (nlp.markup, the API's format=html): sentences are translated whole
across inline tags, and the markup comes back complete, well nested and in place."""

from __future__ import annotations

import re
from collections import Counter
from typing import Callable, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from tarjama.nlp.markup import translate_html
from tarjama.nlp.translate import Segment, SegmentOutput


class WordModel:
    """Stand-in translator: each word of a sentence becomes `word_map(word)`; records the
    sentences it was given."""

    max_segment_tokens = 200

    def __init__(self, word_map: Callable[[str], str] = lambda w: f"w{len(w)}",
                 sentence_map: Callable[[str], str] | None = None) -> None:
        self.word_map = word_map
        self.sentence_map = sentence_map
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return [[1] * (len(t.split()) + 1) for t in texts]

    def translate(self, segments: Sequence[Segment]) -> list[SegmentOutput]:
        self.calls.append([s.text for s in segments])
        if self.sentence_map is not None:
            return [SegmentOutput(self.sentence_map(s.text)) for s in segments]
        return [SegmentOutput(" ".join(self.word_map(w) for w in s.text.split()))
                for s in segments]


def tr(html: str, model: WordModel | None = None, **kw: str) -> str:
    return translate_html([html], model or WordModel(), source_lang=kw.get("source", "ar"),
                          target_lang=kw.get("target", "en"))[0]


def tags(html: str) -> Counter[str]:
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    return Counter(f"{el.tag}{sorted(el.attrib.items())}" for el in root.iter()
                   if isinstance(el.tag, str))


def test_a_sentence_is_translated_whole_across_inline_tags() -> None:
    model = WordModel()
    src = ('<p>قال <a href="https://example.org/?a=1&amp;b=2">وزير الطاقة</a> إن <b>المشروع '
           '<i>مهم</i></b>. وأضاف أن التكلفة انخفضت!</p>')
    out = tr(src, model)
    # The model saw two whole sentences, markup-free: never a piece cut at a tag.
    assert model.calls == [["قال وزير الطاقة إن المشروع مهم.", "وأضاف أن التكلفة انخفضت!"]]
    # Every element is back, with its attributes (the URL's & still escaped), well nested.
    assert tags(out) == tags(src)
    assert 'href="https://example.org/?a=1&amp;b=2"' in out
    # Same number of words on both sides: every word lands where its source word was.
    assert out == ('<p>w3 <a href="https://example.org/?a=1&amp;b=2">w4 w6</a> w2 <b>w7 '
                   '<i>w4</i></b> w5 w2 w7 w7</p>')


def test_words_found_verbatim_anchor_their_markup() -> None:
    english = "The BBC said on Monday that 12 people died and many more were hurt"
    model = WordModel(sentence_map=lambda s: english)
    out = tr('<p>قالت <a href="https://bbc.co.uk">BBC</a> يوم الاثنين إن بـ<b>12</b> شخصا لقوا '
             'حتفهم و<i>أصيب</i> آخرون</p>', model)
    assert '<a href="https://bbc.co.uk">BBC</a>' in out
    assert "<b>12</b>" in out  # glued to an Arabic clitic in the source, exact in the output
    assert out.count("<i>") == 1 and out.count("</i>") == 1
    assert re.sub("<[^>]+>", "", out) == f"<p>{english}</p>".replace("<p>", "").replace("</p>", "")


def test_markup_survives_translations_of_any_length() -> None:
    src = "<li><em>أ</em> ب <strong>ج د</strong> هـ <a href='#x'>و</a></li>"
    for words in (1, 2, 3, 7, 30):
        out = tr(src, WordModel(sentence_map=lambda s, n=words: " ".join(["x"] * n)))
        assert re.sub("<[^>]+>", " ", out).split() == ["x"] * words
        # Three marked-up spans: with fewer words than that, some cannot be placed.
        assert tags(out) == tags(src) if words >= 3 else not tags(out) - tags(src), (words, out)


def test_whole_sentence_markup_covers_its_whole_translation() -> None:
    out = tr("<p><b>الجملة الأولى كلها.</b> <i>والثانية.</i></p>",
             WordModel(sentence_map=lambda s: "one two three four five"))
    assert out == "<p><b>one two three four five</b> <i>one two three four five</i></p>"


def test_verbatim_elements_line_breaks_and_images_stay_put() -> None:
    src = ('<div lang="ar" dir="rtl"><p>نص <img src="a.png" alt="صورة"> آخر<br>سطر <code>x &lt; 2</code> '
           'ثان<!-- note --></p><pre>لا   تترجم</pre><p translate="no">اتركه</p>'
           '<p class="lead notranslate">وهذا</p><script>var a = "<b>";</script></div>')
    model = WordModel()
    out = tr(src, model)
    assert model.calls == [["نص آخر", "سطر ثان"]]  # code, pre, translate=no and scripts untouched
    assert '<div lang="en" dir="ltr">' in out
    for kept in ('<img src="a.png" alt="صورة">', "<br>", "<code>x &lt; 2</code>", "<!-- note -->",
                 "<pre>لا   تترجم</pre>", '<p translate="no">اتركه</p>',
                 '<p class="lead notranslate">وهذا</p>', 'var a = "<b>";'):
        assert kept in out, kept
    # The break still separates the two lines' sentences.
    assert re.search(r"<p>w2 <img [^>]+> w3<br>w3 <code>x &lt; 2</code> w3<!-- note --></p>", out), out


def test_lists_tables_and_headings_are_separate_runs() -> None:
    model = WordModel()
    src = ("<h2>عنوان</h2><ul><li>أول <b>بند</b></li><li>ثان</li></ul>"
           "<table><tr><td>خلية</td><td>أخرى</td></tr></table>")
    out = tr(src, model)
    assert model.calls == [["عنوان", "أول بند", "ثان", "خلية", "أخرى"]]
    assert out == ("<h2>w5</h2><ul><li>w3 <b>w3</b></li><li>w3</li></ul>"
                   "<table><tr><td>w4</td><td>w4</td></tr></table>")


def test_text_is_escaped_and_passthrough_keeps_the_source_exactly() -> None:
    model = WordModel(sentence_map=lambda s: "a < b & c")
    assert tr("<p>أ &amp; ب</p>", model) == "<p>a &lt; b &amp; c</p>"
    # Text with nothing to translate (Latin only in an Arabic document) is kept as it was,
    # spacing and markup included.
    assert tr("<p>See <a href='u'>the <b>BBC</b></a>, 2026.</p>") == \
        '<p>See <a href="u">the <b>BBC</b></a>, 2026.</p>'


def test_documents_and_odd_input() -> None:
    page = ('<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>عنوان</title>'
            '</head><body><p>مرحبا</p></body></html>')
    out = tr(page)
    assert out.startswith("<!DOCTYPE html>") and '<html lang="en" dir="ltr">' in out
    assert "<title>w5</title>" in out and "<p>w5</p>" in out
    assert tr("") == "" and tr("   ") == "   "
    assert tr("نص بلا وسوم") == "w2 w3 w4"
    assert tr("<p></p><br>") == "<p></p><br>"
    # Many documents, one batch of sentences.
    model = WordModel()
    outs = translate_html(["<b>أ</b>", "<i>ب ج</i>", "د"], model, source_lang="ar", target_lang="en")
    assert outs == ["<b>w1</b>", "<i>w1 w1</i>", "w1"] and len(model.calls) == 1


_WORDS = st.sampled_from(["قال", "الوزير", "إن", "المشروع", "مهم", "12", "BBC", "و", "."])
_TAGS = st.sampled_from(["b", "i", "a", "span", "em"])


@st.composite
def fragments(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 3 and draw(st.booleans()):
            tag = draw(_TAGS)
            attrs = ' href="#"' if tag == "a" else ""
            parts.append(f"<{tag}{attrs}>{draw(fragments(depth + 1))}</{tag}>")
        else:
            parts.append(" ".join(draw(st.lists(_WORDS, min_size=1, max_size=4))))
        parts.append(draw(st.sampled_from(["", " "])))
    return "".join(parts)


@settings(max_examples=150, deadline=None)
@given(fragments(), st.integers(1, 12))
def test_any_inline_markup_comes_back_complete_and_well_nested(fragment: str, n: int) -> None:
    src = f"<p>{fragment}</p>"
    model = WordModel(sentence_map=lambda s: " ".join(["x"] * n))
    out = tr(src, model)
    root = lxml_html.fragment_fromstring(out, create_parent="div")
    assert lxml_html.tostring(root, encoding="unicode") == f"<div>{out}</div>"  # well formed
    # Each sentence the model saw is n words; the others (numbers, Latin) are as they were.
    translated = len(model.calls[0]) if model.calls else 0
    assert re.sub("<[^>]+>", " ", out).split().count("x") == n * translated
    # No element is invented; none is lost while the translation has a word for each.
    assert not tags(out) - tags(src)
    if n >= sum(tags(src).values()):
        assert tags(out) == tags(src), (src, out)
