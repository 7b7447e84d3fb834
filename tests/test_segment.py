"""Tests for nlp.segment: rules, tiling properties, and accuracy on real Arabic/English data."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tarjama.nlp.segment import (
    Span,
    split_paragraphs,
    split_sentences,
    split_sentences_text,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def sentences(text: str) -> list[str]:
    return split_sentences_text(text)


# --- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "قال د. محمد إن الوضع مستقر.",
        "حضر أ. د. أحمد الاجتماع.",
        "وصل م. خالد إلى الموقع.",
        "انظر ص. 45 من التقرير.",
        "قال د.محمد إن الوضع مستقر.",  # no space after the abbreviation
        "بلغ النمو 3.5 في المئة.",
        "بلغ النمو ٣.٥ في المئة.",
        "بلغ النمو ٣٫٥ في المئة.",
        "بلغت القيمة 1,000.50 دولار.",
        "عقد الاجتماع في 25.11.2026 في القاهرة.",
        "عقد الاجتماع في 2026.11.25 في القاهرة.",
        "بدأ الاجتماع الساعة 10.30 صباحا.",
        "صدر الإصدار v1.2.3 أمس.",
        "زوروا الموقع https://www.example.com/a.b?x=1 للمزيد.",
        "زوروا www.aljazeera.net للمزيد.",
        "راسلونا على info@example.com للمزيد.",
        "افتح الملف report.pdf ثم الموقع example.com الآن.",
        "قال، ثم أضاف؛ وختم: نعم",
        "كان العد مستمرًا... هو اليوم الذي ولد فيه.",  # an Arabic ellipsis is a pause
        "قال نائب المفتش العام دي. كي. أريا إن التحقيق مستمر.",
        "يمكن أن تحدد مستقبل قضية روي في. وايد في المحكمة.",
        "Mr. Smith went to Washington.",
        "Dr. Jones met Prof. Brown.",
        "J. K. Rowling wrote the books.",
        "The U.S. economy grew.",
        "Fruit, e.g. apples, is healthy.",
        "Fruit, i.e. apples, is healthy.",
        "We bought apples, pears, etc. and went home.",
        "See No. 5 on the list.",
        "He left... and came back later.",
        '"Why?" he asked.',
        "The ruling in Roe v. Wade stands.",
        "Node.js is used at example.com by many.",
        "1. المقدمة",
    ],
)
def test_not_split(text: str) -> None:
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ماذا حدث؟ لا أحد يعرف.", ["ماذا حدث؟", "لا أحد يعرف."]),
        ("ماذا حدث؟!! لا أحد يعرف.", ["ماذا حدث؟!!", "لا أحد يعرف."]),
        ("انتهى الاجتماع.وقال الوزير إنه راض.", ["انتهى الاجتماع.", "وقال الوزير إنه راض."]),
        ("انتهى الاجتماع؟وقال الوزير", ["انتهى الاجتماع؟", "وقال الوزير"]),
        ("انتهى الاجتماع! وقال الوزير", ["انتهى الاجتماع!", "وقال الوزير"]),
        ("انتهى الاجتماع… وقال الوزير", ["انتهى الاجتماع… وقال الوزير"]),
        ('قال: "انتهى الأمر." ثم غادر.', ['قال: "انتهى الأمر."', "ثم غادر."]),
        ("وقال «انتهى الأمر.» وغادر.", ["وقال «انتهى الأمر.»", "وغادر."]),
        ('وقال "انتهى الأمر.".وغادر', ['وقال "انتهى الأمر.".', "وغادر"]),
        ("(انتهى الأمر.) ثم غادر.", ["(انتهى الأمر.)", "ثم غادر."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ("He said 'Stop!' Then he left.", ["He said 'Stop!'", "Then he left."]),
        ("Really?! Yes.", ["Really?!", "Yes."]),
        ("قال المتحدث: The meeting ended. Nothing else was said. ثم غادر.",
         ["قال المتحدث: The meeting ended.", "Nothing else was said.", "ثم غادر."]),
        ("زوروا www.aljazeera.net. وقال المدير", ["زوروا www.aljazeera.net.", "وقال المدير"]),
        ("Visit https://example.com/a. Then leave.", ["Visit https://example.com/a.", "Then leave."]),
        ("Write to info@example.com. Then wait.", ["Write to info@example.com.", "Then wait."]),
        ("ولد عام 300 ق.م. وبعد ذلك انتقل.", ["ولد عام 300 ق.م.", "وبعد ذلك انتقل."]),
        ("We bought apples, pears, etc. Then we left.", ["We bought apples, pears, etc.", "Then we left."]),
        ("He left... Then he came back.", ["He left...", "Then he came back."]),
        ("It grew in the U.S. The rest fell.", ["It grew in the U.S.", "The rest fell."]),
        ("The end.The next one.", ["The end.", "The next one."]),
        ("Flights go from A to B. Airlines know it.", ["Flights go from A to B.", "Airlines know it."]),
        ('"Is it?" Hammel asked. Then he left.', ['"Is it?" Hammel asked.', "Then he left."]),
        ('"هل يعتقدون ذلك؟" تساءلت. ثم غادرت.', ['"هل يعتقدون ذلك؟" تساءلت.', "ثم غادرت."]),
        ("قال مراسل بي بي سي. وأضاف أن", ["قال مراسل بي بي سي.", "وأضاف أن"]),
        ("عرض على قناة أي تي في. وقال", ["عرض على قناة أي تي في.", "وقال"]),
        ("  أولا.   ثانيا.  ", ["أولا.", "ثانيا."]),
        ("سطر أول.\nسطر ثان.", ["سطر أول.", "سطر ثان."]),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_spans_point_into_the_text() -> None:
    text = "  انتهى.  وقال الوزير؟ "
    assert split_sentences(text) == [Span(2, 8), Span(10, 22)]
    assert Span(2, 8).text(text) == "انتهى."


def test_empty_and_blank() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\t ") == []
    assert split_paragraphs("") == []
    assert split_paragraphs("\n \n\t\n") == []


def test_paragraphs_single_and_blank_line_breaks() -> None:
    text = "  عنوان الخبر  \nالفقرة الأولى. جملة.\n\n\n  الفقرة الثانية\r\nالثالثة\u2029الرابعة"
    paragraphs = [span.text(text) for span in split_paragraphs(text)]
    assert paragraphs == ["عنوان الخبر", "الفقرة الأولى. جملة.", "الفقرة الثانية", "الثالثة", "الرابعة"]


def test_span_rejects_negative_or_reversed() -> None:
    with pytest.raises(ValueError):
        Span(3, 2)
    with pytest.raises(ValueError):
        Span(-1, 2)


# --- properties ----------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    list("ابتثجحخدذرسشصضطظعغفقكلمنهويءأإآىةـ")
    + list("abcXYZ")
    + list("0123456789٠١٢٣٤٥٦٧٨٩")
    + list(".!?؟…،؛\"»«:()'@/,")
    + list(" \n\t\u00a0\r")
)
_TEXTS = st.text(_ALPHABET, max_size=80)


def assert_tiles(text: str, spans: list[Span]) -> None:
    """Spans are ordered, trimmed, non-overlapping, and cover every non-space char once."""
    position = 0
    for span in spans:
        assert position <= span.start < span.end <= len(text)
        assert text[position : span.start].strip() == "", "only whitespace between spans"
        assert not text[span.start].isspace() and not text[span.end - 1].isspace()
        position = span.end
    assert text[position:].strip() == ""


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_sentences_tile_the_text(text: str) -> None:
    assert_tiles(text, split_sentences(text))


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_paragraphs_tile_the_text(text: str) -> None:
    spans = split_paragraphs(text)
    assert_tiles(text, spans)
    assert all(len(span.text(text).splitlines()) == 1 for span in spans)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(_ALPHABET, min_size=1, max_size=30), max_size=6))
def test_paragraph_count_matches_nonblank_lines(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert len(split_paragraphs(text)) == sum(1 for line in text.splitlines() if line.strip())


# --- real data -----------------------------------------------------------------------------

# A line "ends with a sentence terminator" when it ends with one, optionally followed by closers.
_PUNCTUATED = re.compile(r"[.!?\u061f\u2026]['\"\u00bb\u201d\u2019)\]]*$")


@dataclass(frozen=True)
class Scores:
    """Boundary scores against line ends; `decidable` counts only punctuated line ends."""

    true_positives: int
    false_positives: int
    false_negatives: int
    decidable: int
    decidable_found: int

    @property
    def precision(self) -> float:
        return self.true_positives / max(1, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return self.true_positives / max(1, self.true_positives + self.false_negatives)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def decidable_recall(self) -> float:
        return self.decidable_found / max(1, self.decidable)


def _read_lines(path: Path, count: int) -> list[str]:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert len(lines) >= count, f"{path}: {len(lines)} lines, expected {count}"
    return [line.strip() for line in lines[:count]]


def _group(keys: list[str], lines: list[str]) -> list[list[str]]:
    """Consecutive lines with the same key form one document."""
    documents: list[list[str]] = []
    previous = None
    for key, line in zip(keys, lines, strict=True):
        if key != previous:
            documents.append([])
            previous = key
        documents[-1].append(line)
    return documents


def _require(*paths: Path) -> None:
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        pytest.skip(f"evaluation data not available: {', '.join(missing)}")


def _ntrex(name: str) -> tuple[list[str], list[list[str]]]:
    """(headlines, document bodies): the first line of each NTREX document is its headline."""
    ids_path, text_path = DATA / "ntrex128" / "DOCUMENT_IDS.tsv", DATA / "ntrex128" / name
    _require(ids_path, text_path)
    ids = [line for line in ids_path.read_text(encoding="utf-8").split("\n") if line.strip()]
    documents = _group(ids, _read_lines(text_path, len(ids)))
    return [d[0] for d in documents], [d[1:] for d in documents if len(d) > 1]


def _flores(name: str) -> tuple[list[str], list[list[str]]]:
    meta_path, text_path = DATA / "flores200" / "metadata_devtest.tsv", DATA / "flores200" / name
    _require(meta_path, text_path)
    rows = [row for row in meta_path.read_text(encoding="utf-8").split("\n")[1:] if row.strip()]
    urls = [row.split("\t")[0] for row in rows]
    return [], _group(urls, _read_lines(text_path, len(urls)))


def _as_published(bodies: list[list[str]]) -> list[list[str]]:
    """Paragraphs as an article lays them out: a line with no closing punctuation (a subheading,
    a dateline) is a paragraph of its own, never run into the next sentence."""
    paragraphs: list[list[str]] = []
    for lines in bodies:
        current: list[str] = []
        for line in lines:
            if not _PUNCTUATED.search(line):
                if current:
                    paragraphs.append(current)
                paragraphs.append([line])
                current = []
            else:
                current.append(line)
        if current:
            paragraphs.append(current)
    return paragraphs


def _score(headlines: list[str], bodies: list[list[str]]) -> Scores:
    tp = fp = fn = decidable = decidable_found = 0
    # A headline is its own paragraph with no boundary inside: any split there is wrong.
    for headline in headlines:
        fp += len(split_sentences(headline)) - 1
    for lines in bodies:
        text = " ".join(lines)
        gold: set[int] = set()
        punctuated: set[int] = set()
        position = 0
        for line in lines[:-1]:
            position += len(line)
            gold.add(position)
            if _PUNCTUATED.search(line):
                punctuated.add(position)
            position += 1
        predicted = {span.end for span in split_sentences(text)[:-1]}
        tp += len(gold & predicted)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
        decidable += len(punctuated)
        decidable_found += len(punctuated & predicted)
    return Scores(tp, fp, fn, decidable, decidable_found)


# F1 against line ends cannot reach 0.99 on these sets with any punctuation-based splitter:
# NTREX has unpunctuated subheadings inside documents (115 of 1,751 Arabic line ends), and
# FLORES lines often hold several sentences, whose real ends count as false positives. The
# thresholds below sit just under the measured figures (regression guards); the rule-quality
# checks are `decidable_recall` (every punctuated line end found) and precision on NTREX, whose
# lines are single sentences.
_SETS = {
    "ntrex-arb": (lambda: _ntrex("newstest2019-ref.arb.txt"), 0.955, 0.99),
    "flores-arb": (lambda: _flores("arb_Arab.devtest"), 0.92, None),
    "ntrex-eng": (lambda: _ntrex("newstest2019-src.eng.txt"), 0.985, 0.99),
    "flores-eng": (lambda: _flores("eng_Latn.devtest"), 0.91, None),
}


@pytest.mark.parametrize("name", list(_SETS))
def test_boundaries_on_real_data(name: str) -> None:
    load, min_f1, min_precision = _SETS[name]
    scores = _score(*load())
    print(
        f"\n{name}: P={scores.precision:.4f} R={scores.recall:.4f} F1={scores.f1:.4f} "
        f"(tp={scores.true_positives} fp={scores.false_positives} fn={scores.false_negatives}); "
        f"punctuated line ends found: {scores.decidable_found}/{scores.decidable} "
        f"= {scores.decidable_recall:.4f}"
    )
    assert scores.decidable_recall >= 0.99
    assert scores.f1 >= min_f1
    if min_precision is not None:
        assert scores.precision >= min_precision


# NTREX, whose lines are one sentence each, laid out as published (subheadings on their own
# lines): here line ends are the complete gold, and the F1 >= 0.99 applies as written.
@pytest.mark.parametrize("name", ["ntrex-arb", "ntrex-eng"])
def test_boundary_f1_on_published_layout(name: str) -> None:
    load, _, _ = _SETS[name]
    headlines, bodies = load()
    scores = _score(headlines, _as_published(bodies))
    print(
        f"\n{name} (published layout): P={scores.precision:.4f} R={scores.recall:.4f} "
        f"F1={scores.f1:.4f} (tp={scores.true_positives} fp={scores.false_positives} "
        f"fn={scores.false_negatives})"
    )
    assert scores.f1 >= 0.99


def _throughput(function, text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - started)
    return len(text.encode("utf-8")) / 1e6 / best


def test_split_sentences_has_no_quadratic_path() -> None:
    # As for normalize: a bound far below the measured rate (about 8 MB/s), against a
    # quadratic path on one long paragraph, not a speed figure.
    _require(DATA / "ntrex128" / "newstest2019-ref.arb.txt", DATA / "flores200" / "arb_Arab.devtest")
    arabic = (DATA / "ntrex128" / "newstest2019-ref.arb.txt").read_text(encoding="utf-8") + (
        DATA / "flores200" / "arb_Arab.devtest"
    ).read_text(encoding="utf-8")
    paragraph = arabic.replace("\n", " ")
    rate = _throughput(split_sentences, paragraph)
    print(f"\nsplit_sentences: {rate:.1f} MB/s on {len(paragraph.encode()) / 1e6:.2f} MB of Arabic")
    assert rate >= 0.1
