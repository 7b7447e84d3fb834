"""ROUGE: identical to Google's rouge-score on English, correct on Arabic."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer
from tarjama.errors import DataError
from tarjama.eval.metrics.rouge import (
    RougeScoreTokenizer,
    UnicodeTokenizer,
    detect_lang,
    make_tokenizer,
)
from tarjama.eval.scoring import score_texts

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FLORES = SHARED / "flores200"
TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
NAMES = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "rougeLsum": "ROUGE-Lsum"}
needs_data = pytest.mark.skipif(not (FLORES / "eng_Latn.devtest").is_file(),
                                reason="../shared/data not present")


def perturb(lines: list[str]) -> list[str]:
    out = []
    for i, line in enumerate(lines):
        w = [x for j, x in enumerate(line.split()) if (j + i) % 6 != 2]
        if i % 4 == 0 and len(w) > 3:
            w[0], w[3] = w[3], w[0]
        out.append(" ".join(w))
    return out


@needs_data
def test_english_equals_rouge_score_with_stemming_exactly() -> None:
    refs = (FLORES / "eng_Latn.devtest").read_text(encoding="utf-8").split("\n")[:150]
    hyps = perturb(refs)
    rep = score_texts(hyps, [refs], metrics="rouge", lang="en", n_bootstrap=0)
    google = rouge_scorer.RougeScorer(TYPES, use_stemmer=True)
    expected = [google.score(r, h) for r, h in zip(refs, hyps)]
    for t in TYPES:
        f = [e[t].fmeasure for e in expected]
        # Per segment: the very same float (not approximately).
        assert list(rep.segment_scores[NAMES[t]]) == [100.0 * x for x in f]
        # Corpus: the mean F (correctly rounded, math.fsum), on sacrebleu's 0-100 scale.
        assert rep.get(NAMES[t]).score == 100.0 * (math.fsum(f) / len(f))
    # FLORES English has accented names (e.g. "Müller"); parity holds on them too, because
    # English keeps rouge-score's own tokenizer.
    assert any(any(ord(c) > 127 for c in r) for r in refs)


@needs_data
def test_english_lsum_splits_on_newlines_like_rouge_score() -> None:
    lines = (FLORES / "eng_Latn.devtest").read_text(encoding="utf-8").split("\n")[:60]
    # Six-sentence "summaries", sentences on their own lines, hypothesis sentences reordered.
    refs = ["\n".join(lines[i:i + 6]) for i in range(0, 60, 6)]
    hyps = ["\n".join(reversed(perturb(lines[i:i + 6]))) for i in range(0, 60, 6)]
    rep = score_texts(hyps, [refs], metrics="rougeL,rougeLsum", lang="en", n_bootstrap=0)
    google = rouge_scorer.RougeScorer(["rougeL", "rougeLsum"], use_stemmer=True)
    exp = [google.score(r, h) for r, h in zip(refs, hyps)]
    assert list(rep.segment_scores["ROUGE-Lsum"]) == [100 * e["rougeLsum"].fmeasure for e in exp]
    assert list(rep.segment_scores["ROUGE-L"]) == [100 * e["rougeL"].fmeasure for e in exp]
    # Summary-level LCS differs from plain LCS once sentences are reordered.
    assert rep.get("ROUGE-Lsum").score > rep.get("ROUGE-L").score


def test_english_equals_rouge_score_on_synthetic_text() -> None:
    # Runs without ../shared/data: inflected words (stemming), digits, punctuation, non-ASCII.
    import random

    rng = random.Random(11)
    vocab = ("The minister said says saying economies economy grows grew growing café Zürich "
             "naïve 2019 3.5% reports reported reporting news (Reuters) - it's U.S.").split()
    refs = [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 25))) for _ in range(80)]
    hyps = [" ".join(w for w in r.split() if rng.random() > 0.3) for r in refs]
    hyps[0], refs[1] = "", "..."  # empty after tokenization: warned about, and still exact
    rep = score_texts(hyps, [refs], metrics="rouge", lang="en", n_bootstrap=0)
    google = rouge_scorer.RougeScorer(TYPES, use_stemmer=True)
    for t in TYPES:
        f = [google.score(r, h)[t].fmeasure for r, h in zip(refs, hyps)]
        assert list(rep.segment_scores[NAMES[t]]) == [100.0 * x for x in f]
    assert any("hypotheses tokenize to nothing" in w for w in rep.warnings)
    assert any("references tokenize to nothing" in w for w in rep.warnings)


def test_multiple_references_take_the_best_like_score_multi() -> None:
    hyp = ["the cat was sitting on the mat today"]
    refs = [["a dog ran in the park"], ["the cat sat on the mat"]]
    rep = score_texts(hyp, refs, metrics="rouge", lang="en", n_bootstrap=0)
    best = rouge_scorer.RougeScorer(TYPES, use_stemmer=True).score_multi(
        ["a dog ran in the park", "the cat sat on the mat"], hyp[0])
    for t in TYPES:
        assert rep.segment_scores[NAMES[t]][0] == 100 * best[t].fmeasure
    assert "nrefs:2" in rep.get("ROUGE-1").signature


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_unicode_tokenizer_equals_rouge_score_on_ascii(text: str) -> None:
    assert UnicodeTokenizer(stemmer="porter").tokenize(text) == \
        RougeScoreTokenizer(stem=True).tokenize(text)
    assert UnicodeTokenizer().tokenize(text) == RougeScoreTokenizer(stem=False).tokenize(text)


# Hand-checked Arabic pairs. rouge-score deletes every Arabic letter, so it scores all of them 0.0.
AR_REF_1 = "ذهبَ الولدُ إلى المدرسة"  # with harakat, hamza on the alef, teh marbuta
AR_HYP_1 = "ذهب الولد الى المدرسه"  # the same words as commonly typed
AR_REF_2 = "قال الرئيس إن الاقتصاد ينمو بسرعة"
AR_HYP_2 = "الرئيس قال ان الاقتصاد ينمو"


def test_arabic_hand_checked_pairs() -> None:
    google = rouge_scorer.RougeScorer(TYPES, use_stemmer=True)
    for ref, hyp in [(AR_REF_1, AR_HYP_1), (AR_REF_2, AR_HYP_2)]:
        assert all(google.score(ref, hyp)[t].fmeasure == 0.0 for t in TYPES)

    # Pair 1: after normalization (harakat removed, إ→ا, ى→ي, ة→ه) both sides are
    #   [ذهب, الولد, الي, المدرسه]  → every n-gram matches: ROUGE-1 = ROUGE-2 = ROUGE-L = 1.
    rep = score_texts([AR_HYP_1], [[AR_REF_1]], metrics="rouge", lang="ar", n_bootstrap=0)
    for t in TYPES:
        assert rep.segment_scores[NAMES[t]][0] == 100.0

    # Pair 2: ref [قال, الرئيس, ان, الاقتصاد, ينمو, بسرعه] (6 tokens),
    #         hyp [الرئيس, قال, ان, الاقتصاد, ينمو] (5 tokens)
    #   ROUGE-1: 5 common unigrams; P = 5/5, R = 5/6, F = 2PR/(P+R) = (10/6)/(11/6) = 10/11
    #   ROUGE-2: ref bigrams 5, hyp bigrams 4, common (ان الاقتصاد), (الاقتصاد ينمو) = 2;
    #            P = 2/4, R = 2/5, F = 2*(1/5)/(9/10) = 4/9
    #   ROUGE-L: LCS = (قال or الرئيس) + ان الاقتصاد ينمو = 4;
    #            P = 4/5, R = 4/6, F = (16/15)/(22/15) = 8/11
    rep = score_texts([AR_HYP_2], [[AR_REF_2]], metrics="rouge", lang="ar", n_bootstrap=0)
    expected = {"ROUGE-1": Fraction(10, 11), "ROUGE-2": Fraction(4, 9),
                "ROUGE-L": Fraction(8, 11), "ROUGE-Lsum": Fraction(8, 11)}
    for name, f in expected.items():
        assert rep.segment_scores[name][0] == pytest.approx(100 * float(f), abs=1e-12)
    assert rep.get("ROUGE-1").details == "(P = 100.00 R = 83.33)"


def test_arabic_light_stemming_is_optional() -> None:
    # ref [الكتاب, في, المدرسه], hyp [كتاب, بالمدرسه]: no common token without stemming → 0
    # (a real 0, not a tokenizer artefact). snowball's Arabic stemmer gives ref [كتاب, في, مدرسه],
    # hyp [كتاب, مدرسه]: ROUGE-1 P = 2/2, R = 2/3, F = 0.8; no common bigram; LCS 2 → F = 0.8.
    ref, hyp = "الكتاب في المدرسة", "كتاب بالمدرسة"
    plain = score_texts([hyp], [[ref]], metrics="rouge1", lang="ar", n_bootstrap=0)
    stemmed = score_texts([hyp], [[ref]], metrics="rouge", lang="ar", rouge_stem=True,
                          n_bootstrap=0)
    assert plain.get("ROUGE-1").score == 0.0
    assert stemmed.get("ROUGE-1").score == pytest.approx(80.0)
    assert stemmed.get("ROUGE-2").score == 0.0
    assert stemmed.get("ROUGE-L").score == pytest.approx(80.0)
    assert "stem:no" in plain.get("ROUGE-1").signature
    assert "stem:snowball-arabic-" in stemmed.get("ROUGE-1").signature


def test_arabic_digits_presentation_forms_and_tatweel() -> None:
    tok = make_tokenizer("ar")
    assert tok.tokenize("عام ٢٠١٩") == tok.tokenize("عام 2019") == ["عام", "2019"]
    assert tok.tokenize("ﻻ") == tok.tokenize("لا")  # NFKC undoes the lam-alef ligature
    assert tok.tokenize("جمـــيل") == ["جميل"]  # tatweel is only stretching


def test_signature_records_tokenizer_stemmer_version_and_bootstrap() -> None:
    rep = score_texts([AR_HYP_2], [[AR_REF_2]], metrics="rouge1", lang="ar", n_bootstrap=50, seed=7)
    sig = rep.get("ROUGE-1").signature
    assert sig.startswith(
        "protocol:tarjama|nrefs:1|bs:50|seed:7|lang:ar|tok:unicode|norm:nfkc+ar|stem:no|")
    assert sig.endswith("|version:rouge-score-0.1.2")
    en = score_texts(["a cat"], [["the cat"]], metrics="rouge1", lang="en", n_bootstrap=0)
    assert "tok:rouge-score|norm:ascii|stem:porter" in en.get("ROUGE-1").signature


def test_nothing_to_tokenize_is_an_error_or_a_warning_never_silent() -> None:
    # Arabic through the English (rouge-score) tokenizer: every reference vanishes → error.
    with pytest.raises(DataError) as exc:
        score_texts([AR_HYP_1, AR_HYP_2], [[AR_REF_1, AR_REF_2]], metrics="rouge", lang="en",
                    n_bootstrap=0)
    assert "all 2 references tokenize to nothing" in exc.value.message
    assert "looks like lang 'ar'" in exc.value.message
    # One hypothesis that is only punctuation: scored 0 and reported.
    rep = score_texts(["...", AR_HYP_2], [[AR_REF_1, AR_REF_2]], metrics="rouge", lang="ar",
                      n_bootstrap=0)
    assert rep.segment_scores["ROUGE-1"][0] == 0.0
    assert any("1 of 2 hypotheses tokenize to nothing" in w and "lines 1" in w
               for w in rep.warnings)
    assert rep.get("ROUGE-1").warnings  # kept with the score in scores.json too


def test_language_is_detected_when_not_given() -> None:
    assert detect_lang([AR_REF_1, "MWPs"]) == "ar"
    assert detect_lang(["The cat", "ذهب"]) == "en"
    rep = score_texts([AR_HYP_1], [[AR_REF_1]], metrics="rouge1", n_bootstrap=0)
    assert rep.lang == "ar" and rep.get("ROUGE-1").score == 100.0


def test_rouge_score_protocol_refused_for_arabic_in_one_line() -> None:
    with pytest.raises(DataError) as exc:
        make_tokenizer("ar", protocol="rouge-score")
    msg = exc.value.message
    assert "English-only" in msg and "scoring 0" in msg and "\n" not in msg
    assert "--rouge-protocol xlsum" in msg
    with pytest.raises(DataError, match="unknown ROUGE protocol 'rouge'"):
        make_tokenizer("en", protocol="rouge")
