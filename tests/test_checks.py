"""The per-sentence checks: each check on hand-made cases, and the rates the README reports on
the real references (FLORES-200, NTREX-128: false flags, and recall on controlled faults)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Sequence

import pytest

from tarjama.api import check
from tarjama.nlp.checks import CheckSettings, check_sentence
from tarjama.nlp.checks import length, number, repetition, untranslated
from tarjama.nlp.checks.language import LanguageCheck
from tarjama.nlp.checks.names import NameConsistency
from tarjama.nlp.checks.summary import ArticleEvidence
from tarjama.nlp.checks.summary import check as summary_check
from tarjama.nlp.numbers import extract_numbers


def values(text: str, lang: str) -> list[float]:
    return [n.value for n in extract_numbers(text, lang) if not n.soft]


@pytest.mark.parametrize("text,lang,expected", [
    ("قتل ٢٥ شخصا وأصيب ۱۲ آخرون", "ar", [25, 12]),  # Eastern Arabic and Persian digits
    ("بنسبة ٣٫٥٪ من أصل ١٬٢٠٠", "ar", [3.5, 1200]),  # Arabic decimal and thousands separators
    ("ارتفع بـ12 نقطة و3 أهداف", "ar", [12, 3]),  # glued to Arabic letters
    ("بين 10-12 يوما", "ar", [10, 12]),  # a range
    ("سيخدم نحو مليوني نسمة", "ar", [2e6]),  # the dual of a scale word
    ("3 ملايين و500 ألف دولار", "ar", [3.5e6]),
    ("٢٫٥ مليار دولار", "ar", [2.5e9]),
    ("خمسة وعشرون قتيلا وثلاثة آلاف جريح", "ar", [25, 3000]),
    ("ثمانين في المئة", "ar", [80]),
    ("20.000 تلميذ", "ar", [20000]),  # a point grouping thousands in Arabic text
    ("in 2019, 1,200 people and 3.5 million dollars", "en", [2019, 1200, 3.5e6]),
    ("twenty-five dead, 40% and 10 percent", "en", [25, 40, 10]),
    ("£4m and 100m freestyle", "en", [4e6, 100]),  # m is a scale only after a currency sign
    ("a hundred-run partnership", "en", [100]),
])
def test_numbers_are_read_as_values(text: str, lang: str, expected: list[float]) -> None:
    assert values(text, lang) == pytest.approx(expected)


def test_soft_numbers_match_but_are_no_evidence_alone() -> None:
    soft = [(n.text, n.kind) for n in extract_numbers("one of the two sides, in the 1930s, 19th", "en")
            if n.soft]
    assert soft == [("one", "number"), ("two", "number"), ("1930s", "decade"), ("19th", "ordinal")]
    # English "one" for Arabic أحد, an Arabic dual for English "two": no flag.
    assert number.check("وقال أحد الطرفين", "One of the two sides said", "ar", "en") == []
    assert number.check("المركز الخامس في القرن التاسع عشر", "fifth place in the 19th century", "ar", "en") == []


@pytest.mark.parametrize("source,translation,src,tgt", [
    ("قتل ٢٥ شخصا في 24/11/2026", "25 people were killed on 24 November 2026", "ar", "en"),
    ("ارتفع بنسبة ٪٤٠", "rose by 40 percent", "ar", "en"),
    ("بدأ في الساعة ١٢:٠٠ بتوقيت جرينتش", "began at 1200 GMT", "ar", "en"),
    ("اتصل على الرقم 0800 555 111", "call 0800555111", "ar", "en"),
    ("10,000 people", "عشرة آلاف شخص", "en", "ar"),
    ("dozens of dead", "عشرات القتلى", "en", "ar"),
])
def test_same_figures_written_differently_pass(source: str, translation: str, src: str, tgt: str) -> None:
    assert number.check(source, translation, src, tgt) == []


def test_changed_dropped_and_added_numbers_are_flagged() -> None:
    (changed,) = number.check("قتل ٢٥ شخصا", "52 people were killed", "ar", "en")
    assert changed.severity == "error" and "'٢٥'" in changed.detail and "'52'" in changed.detail
    (dropped,) = number.check("قتل ٢٥ شخصا في عام 2019", "people were killed in 2019", "ar", "en")
    assert "missing" in dropped.detail
    (added,) = number.check("قتل أشخاص", "3 people were killed", "ar", "en")
    assert added.severity == "warning" and "states '3'" in added.detail
    (swapped,) = number.check("قتل ثلاثة أشخاص", "two people were killed", "ar", "en")
    assert "'ثلاثة'" in swapped.detail and "'two'" in swapped.detail


def test_untranslated_length_and_repetition() -> None:
    (left,) = untranslated.check("قال الوزير إن المحطة جاهزة", "The minister said المحطة جاهزة", "ar", "en")
    assert left.code == "untranslated" and "المحطة" in left.detail
    (copied,) = untranslated.check("قال الوزير", "قال الوزير", "ar", "en")
    assert copied.severity == "error"
    # Into Arabic, Latin names are fine; lowercase English words are not.
    assert untranslated.check("NATO met in Brussels", "اجتمع الناتو NATO في بروكسل", "en", "ar") == []
    assert untranslated.check("The talks failed", "فشلت the talks", "en", "ar")
    source = "افتتحت الحكومة يوم الاثنين محطة جديدة لتحلية مياه البحر تعمل بالطاقة الشمسية"
    assert length.check(source, "The government opened a new solar desalination plant on Monday", "ar", "en") == []
    assert length.check(source, "The government opened", "ar", "en")[0].code == "length"
    assert repetition.check("", "the talks on the war on the war ended")[0].code == "repeated"
    assert repetition.check("", "big, big news and CNN") == []


def test_check_sentence_orders_flags_worst_first_and_reports_confidence() -> None:
    settings = CheckSettings("ar", "en", min_confidence=-1.0)
    flags = check_sentence(settings, "قتل ٢٥ شخصا", "52 people were killed", score=-2.3)
    assert [f.code for f in flags] == ["number", "confidence"]
    assert check_sentence(settings, "قتل ٢٥ شخصا", "25 people were killed", score=-0.2) == ()


def test_a_name_rendered_two_ways_is_flagged_where_it_changes() -> None:
    names = NameConsistency("ar", "en")
    assert names.check("قال معمر القذافي إن", "Muammar Gaddafi said", "line 1") == []
    assert names.check("وأضاف القذافي أن", "Gaddafi added", "line 2") == []
    (flag,) = names.check("ورد القذافي على", "Qaddafi replied", "line 3")
    assert flag.code == "name-consistency" and "«Qaddafi» here, «Gaddafi» in line 1" in flag.detail
    # An ending is not a second rendering.
    assert names.check("وقالت إيران", "Iran said", "line 4") == []
    assert names.check("وقال مسؤول إيراني", "An Iranian official said", "line 5") == []
    into_arabic = NameConsistency("en", "ar")
    assert into_arabic.check("Trump said", "قال ترامب", "line 1") == []
    assert into_arabic.check("Trump added", "وأضاف ترمب", "line 2")[0].code == "name-consistency"


def test_language_of_the_input() -> None:
    from tarjama.models.langid import detector

    persian = LanguageCheck("ar", detector())
    persian.paragraph("این یک متن فارسی است که باید به درستی تشخیص داده شود و ترجمه نشود.", "line 1")
    (flag,) = persian.finish()
    assert flag.code == "language" and "Persian" in flag.detail and "--from ar" in flag.detail
    mixed = LanguageCheck("ar", detector())
    mixed.paragraph("افتتحت الحكومة يوم الاثنين محطة جديدة لتحلية مياه البحر تعمل بالطاقة الشمسية.", "line 1")
    mixed.paragraph("The minister said the project will serve about two million people in coastal cities.", "line 2")
    mixed.paragraph("وقال وزير الطاقة إن المشروع سيخدم نحو مليوني نسمة في المدن الساحلية الكبرى.", "line 3")
    (flag,) = mixed.finish()
    assert flag.severity == "info" and "line 2 reads as English" in flag.detail


def test_summary_checks_find_unsupported_numbers_and_names() -> None:
    evidence = ArticleEvidence([("The plant opened on Monday and will serve 2 million people in Gaza.", "en")])
    assert summary_check("The plant will serve 2 million people in Gaza.", "en", evidence) == []
    flags = summary_check("Mahmoud Abbas said 5 million people would be served.", "en", evidence)
    assert {f.code for f in flags} == {"unsupported-number", "unsupported-name"}
    arabic = ArticleEvidence([("افتتحت الحكومة محطة جديدة لتحلية المياه في غزة.", "ar")])
    assert summary_check("افتتحت الحكومة محطة في غزة.", "ar", arabic) == []
    (name,) = summary_check("قال محمود عباس إن الحكومة افتتحت محطة.", "ar", arabic)
    assert name.code == "unsupported-name" and "محمود عباس" in name.detail


# --- the real references -----------------------------------------------------------------


def _sets(shared: Path) -> dict[str, tuple[list[str], list[str], list[str]]]:
    flores, ntrex = shared / "flores200", shared / "ntrex128"
    meta = (flores / "metadata_devtest.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return {
        "flores": ((flores / "arb_Arab.devtest").read_text(encoding="utf-8").splitlines(),
                   (flores / "eng_Latn.devtest").read_text(encoding="utf-8").splitlines(),
                   [m.split("\t")[0] for m in meta]),
        "ntrex": ((ntrex / "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines(),
                  (ntrex / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines(),
                  (ntrex / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()),
    }


@pytest.fixture(scope="module")
def references(shared_data: Path) -> dict[str, tuple[list[str], list[str], list[str]]]:
    return _sets(shared_data)


@pytest.mark.parametrize("name", ["flores", "ntrex"])
@pytest.mark.parametrize("direction", ["ar-en", "en-ar"])
def test_false_flags_on_human_references(references, name: str, direction: str) -> None:  # type: ignore[no-untyped-def]
    ar, en, ids = references[name]
    src, hyp = (ar, en) if direction == "ar-en" else (en, ar)
    sl, tl = direction.split("-")
    report = check(src, hyp, source_lang=sl, target_lang=tl, doc_ids=ids, language=False)
    rates = report.rates
    assert rates.get("number", 0) <= 0.02, rates
    assert rates.get("length", 0) <= 0.011 and rates.get("untranslated", 0) <= 0.005, rates
    # Into English every check together stays under 3 %; into Arabic the human references
    # spell some names two ways in one article (فيرجينيا, فرجينيا), which the check reports.
    assert report.flagged / len(src) <= (0.03 if tl == "en" else 0.04), rates


def _corrupt_numbers(lines: Sequence[str], rng: random.Random) -> list[tuple[int, str]]:
    import re

    out = []
    for i, text in enumerate(lines):
        digits = list(re.finditer(r"\d+", text))
        if digits:
            m = rng.choice(digits)
            out.append((i, text[:m.start()] + str(int(m.group(0)) + 7) + text[m.end():]))
    return out


@pytest.mark.parametrize("direction", ["ar-en", "en-ar"])
def test_recall_of_changed_numbers_untranslated_and_repeated(references, direction: str) -> None:  # type: ignore[no-untyped-def]
    ar, en, _ = references["ntrex"]
    src, hyp = (ar, en) if direction == "ar-en" else (en, ar)
    sl, tl = direction.split("-")
    clean = {ln.line for ln in check(src, hyp, source_lang=sl, target_lang=tl, language=False).lines
             if ln.flags}
    rng = random.Random(7)
    rows = [(i, h) for i, h in _corrupt_numbers(hyp, rng) if i + 1 not in clean]
    corrupted = list(hyp)
    for i, h in rows:
        corrupted[i] = h
    report = check(src, corrupted, source_lang=sl, target_lang=tl, language=False)
    caught = sum(any(f.code == "number" for f in report.lines[i].flags) for i, _ in rows)
    assert caught / len(rows) >= 0.95
    copied = check(src[:300], src[:300], source_lang=sl, target_lang=tl, language=False)
    assert all(any(f.code == "untranslated" for f in ln.flags) for ln in copied.lines if ln.source.strip())
    looped = [" ".join(h.split()[:4] + h.split()[1:4] + h.split()[4:]) for h in hyp[:300]]
    report = check(src[:300], looped, source_lang=sl, target_lang=tl, language=False)
    assert sum(any(f.code == "repeated" for f in ln.flags) for ln in report.lines) / 300 >= 0.95
