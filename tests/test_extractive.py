"""Extractive summarization (nlp.extractive): real NTREX articles, and the ranking's invariants."""

from __future__ import annotations

import math
import random
import time
from pathlib import Path

import numpy as np
import pytest
from tarjama.nlp.document import Line, read_document
from tarjama.nlp.extractive import (
    ExtractiveSummary,
    SummaryLength,
    extract,
    lead,
    rank_sentences,
    repeated_sentences,
    sentence_terms,
    word_count,
)


def lines_of(*texts: str) -> list[Line]:
    return [Line(i + 1, 0, t) for i, t in enumerate(texts)]


def ntrex_documents(shared_data: Path, side: str) -> list[tuple[str, list[str]]]:
    """(headline, body lines) per NTREX document; the first line of each is its headline."""
    root = shared_data / "ntrex128"
    ids = [ln.split("\t")[0] for ln in (root / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()]
    text = (root / side).read_text(encoding="utf-8").splitlines()
    assert len(ids) == len(text)
    docs: dict[str, list[str]] = {}
    for doc_id, line in zip(ids, text):
        docs.setdefault(doc_id, []).append(line)
    return [(lines[0], lines[1:]) for lines in docs.values() if len(lines) > 1]


@pytest.fixture(scope="module", params=["newstest2019-ref.arb.txt", "newstest2019-src.eng.txt"],
                ids=["ar", "en"])
def ntrex(request: pytest.FixtureRequest, shared_data: Path) -> list[list[str]]:
    """The body sentences of every NTREX document (headline left out), and its raw lines."""
    lang = "ar" if ".arb." in request.param else "en"
    out = []
    for _headline, body in ntrex_documents(shared_data, request.param):
        doc = read_document(lines_of(*body), source_lang=lang)
        out.append(SentenceList([s.text for s in doc.sentences], body))
    return out


class SentenceList(list):
    def __init__(self, sentences: list[str], raw_lines: list[str]) -> None:
        super().__init__(sentences)
        self.raw_lines = raw_lines


def test_ntrex_summaries_are_verbatim_in_order_and_of_the_requested_length(ntrex) -> None:
    checked = 0
    for sentences in ntrex:
        for length in (SummaryLength(sentences=1), SummaryLength(sentences=3)):
            result = extract(sentences, length)
            # Verbatim: every picked sentence is one of the article's, character for character.
            assert list(result.sentences) == [sentences[i] for i in result.indices]
            assert all(any(s in raw for raw in sentences.raw_lines) for s in result.sentences)
            # Document order, no sentence twice.
            assert list(result.indices) == sorted(set(result.indices))
            if not result.short_input:
                assert len(result.indices) == length.sentences
            else:
                assert len(sentences) <= max(2, length.sentences or 0)
            checked += 1
    assert checked > 200


def test_ntrex_ratio_and_words(ntrex) -> None:
    for sentences in ntrex[:40]:
        by_ratio = extract(sentences, SummaryLength(ratio=0.25))
        if not by_ratio.short_input:
            assert len(by_ratio.indices) == math.ceil(0.25 * by_ratio.candidates)
        by_words = extract(sentences, SummaryLength(words=40))
        if not by_words.short_input:
            total = sum(word_count(s) for s in by_words.sentences)
            # Within the budget, except that the best sentence is always taken.
            assert total <= 40 or len(by_words.indices) == 1


def test_ntrex_deterministic(ntrex) -> None:
    for sentences in ntrex[:30]:
        first = extract(sentences, SummaryLength(sentences=3))
        again = extract(list(sentences), SummaryLength(sentences=3))
        assert first == again


def test_ntrex_lead_baseline_takes_the_first_sentences(ntrex) -> None:
    for sentences in ntrex[:30]:
        result = lead(sentences, SummaryLength(sentences=3))
        if result.short_input:
            continue
        long_enough = [i for i, s in enumerate(sentences) if word_count(s) >= 4]
        assert list(result.indices) == long_enough[:3]


def test_short_input_is_returned_whole() -> None:
    two = ["The plant opened on Monday in the capital.", "It will serve two million people."]
    result = extract(two, SummaryLength(sentences=1))
    assert result.short_input and result.sentences == tuple(two)
    three = two + ["Experts say saving water matters more than new plants."]
    asked_for_more = extract(three, SummaryLength(sentences=5))
    assert asked_for_more.short_input and asked_for_more.indices == (0, 1, 2)
    by_words = extract(three, SummaryLength(words=500))
    assert by_words.short_input


def test_near_duplicates_are_not_picked_twice() -> None:
    fact = "The government opened a new solar desalination plant on Monday in the capital."
    sentences = [
        fact,
        "The government opened a new solar desalination plant on Monday in the capital city.",
        "The energy minister said the plant will serve two million people on the coast.",
        "Experts said the plant's costs fell by forty percent against older plants.",
        "The plant is part of a national plan to cut emissions by 2030.",
    ]
    result = extract(sentences, SummaryLength(sentences=2))
    assert not {0, 1} <= set(result.indices)
    assert repeated_sentences([sentences[0], sentences[2], sentences[1]]) == [2]


def test_arabic_terms_are_normalized_stemmed_and_stop_words_dropped() -> None:
    # Harakat, hamza-on-alef and alef-maqsura spellings meet; so do affixed forms.
    assert sentence_terms(["الحكومة أعلنت مستشفى"]) == sentence_terms(["الحُكومَة اعلنت مستشفي"])
    assert sentence_terms(["الحكومة"]) == sentence_terms(["للحكومة"]) == sentence_terms(["حكومتها"])
    assert sentence_terms(["في من على إلى عن هذا"]) == [[]]
    (a,), (b,) = sentence_terms(["governments"]), sentence_terms(["Government"])
    assert a == b
    assert sentence_terms(["the of and"]) == [[]]
    assert sentence_terms(["3.5 مليون"])[0][0] == sentence_terms(["٣٫٥"])[0][0] == "3.5"


def test_read_document_sets_the_headline_apart() -> None:
    doc = read_document(lines_of(
        "افتتاح أكبر محطة لتحلية المياه", "", "24/11/2026",
        "افتتحت الحكومة محطة جديدة. وقال الوزير إنها تخدم مليوني نسمة."), source_lang="ar")
    assert doc.title == "افتتاح أكبر محطة لتحلية المياه"
    assert [s.text for s in doc.sentences] == [
        "24/11/2026", "افتتحت الحكومة محطة جديدة.", "وقال الوزير إنها تخدم مليوني نسمة."]
    assert [s.line for s in doc.sentences] == [3, 4, 4]
    assert doc.source_script_letters == doc.letters > 0
    only_title = read_document(lines_of("عنوان قصير"), source_lang="ar")
    assert only_title.title is None and [s.text for s in only_title.sentences] == ["عنوان قصير"]


def test_dates_and_bylines_are_never_picked() -> None:
    sentences = ["24/11/2026", "By staff", "The plant opened on Monday in the capital city.",
                 "It will serve two million people along the coast.",
                 "Experts say saving water matters more than building plants."]
    result = extract(sentences, SummaryLength(sentences=2))
    assert 0 not in result.indices and 1 not in result.indices


def test_sparse_lexrank_equals_the_dense_computation() -> None:
    rng = random.Random(7)
    words = [f"w{i}" for i in range(30)]
    terms = [[rng.choice(words) for _ in range(rng.randint(0, 8))] for _ in range(25)]
    fast = rank_sentences(terms, damping=0.85)
    # Dense reference: TF-IDF rows, cosine matrix without its diagonal, PageRank by power iteration.
    vocab = sorted({t for s in terms for t in s})
    n = len(terms)
    tf = np.zeros((n, len(vocab)))
    for i, s in enumerate(terms):
        for t in set(s):
            tf[i, vocab.index(t)] = 1 + math.log(s.count(t))
    df = (tf > 0).sum(axis=0)
    x = tf * (np.log((1 + n) / (1 + df)) + 1)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    sim = x @ x.T
    np.fill_diagonal(sim, 0.0)
    deg = sim.sum(axis=1)
    u = np.full(n, 1 / n)
    p = u.copy()
    for _ in range(500):
        walk = np.zeros(n)
        for i in range(n):
            if deg[i] > 1e-12:
                walk += p[i] * sim[i] / deg[i]
            else:
                walk += p[i] * u
        p = 0.85 * walk + 0.15 * u
    np.testing.assert_allclose(fast, p, atol=1e-8)
    assert fast.sum() == pytest.approx(1.0)


def test_ranking_cost_is_linear_in_the_article() -> None:
    rng = random.Random(3)
    words = [f"word{i}" for i in range(2000)]

    def timed(n: int) -> float:
        terms = [[rng.choice(words) for _ in range(12)] for _ in range(n)]
        started = time.perf_counter()
        rank_sentences(terms)
        return time.perf_counter() - started

    timed(500)  # warm-up
    small, big = timed(2_000), timed(20_000)
    # 10x the sentences: a quadratic similarity matrix would cost 100x.
    assert big < 30 * max(small, 0.01), (small, big)


def test_summary_length_validation() -> None:
    with pytest.raises(ValueError):
        SummaryLength(sentences=2, words=10)
    with pytest.raises(ValueError):
        SummaryLength(ratio=1.5)
    assert SummaryLength().to_json() == {"sentences": 3}
    assert SummaryLength(ratio=0.2).sentence_target(11) == 3
    assert isinstance(extract(["a b c d."] * 4), ExtractiveSummary)
