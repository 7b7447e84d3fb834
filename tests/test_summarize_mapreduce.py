"""Map-reduce over long articles and the strategy plans, driven by stand-in models (no torch)."""

from __future__ import annotations

from typing import Sequence

import pytest
from tarjama.errors import UsageError
from tarjama.nlp.document import Line, read_document
from tarjama.nlp.extractive import SummaryLength
from tarjama.nlp.mapreduce import map_bound, map_reduce
from tarjama.nlp.summarize import resolve_plan, summarize_document
from tarjama.nlp.translate import Segment, SegmentOutput


class WordSummarizer:
    """One token per word plus an end token; a "summary" is the input's first words."""

    def __init__(self, window: int = 40, max_summary_tokens: int = 12) -> None:
        self.max_input_tokens = window
        self.max_summary_tokens = max_summary_tokens
        self.calls: list[int] = []  # input tokens of every call

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def summarize(self, texts: Sequence[str], max_new_tokens: Sequence[int]) -> list[SegmentOutput]:
        out = []
        for text, bound in zip(texts, max_new_tokens):
            n = self.count_tokens([text])[0]
            assert n <= self.max_input_tokens, "map-reduce sent more than the window"
            self.calls.append(n)
            words = text.split()[:bound]
            out.append(SegmentOutput(" ".join(words), len(words) >= bound, False, len(words)))
        return out


class UpperTranslator:
    """Marks translations by upper-casing them."""

    max_segment_tokens = 200

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return [[0] * (len(t.split()) + 1) for t in texts]

    def translate(self, segments: Sequence[Segment]) -> list[SegmentOutput]:
        self.seen.extend(s.text for s in segments)
        return [SegmentOutput(s.text.upper()) for s in segments]


class Models:
    def __init__(self, summarizer: WordSummarizer | None = None) -> None:
        self._summarizer = summarizer or WordSummarizer()
        self._translator = UpperTranslator()
        self.opened: list[str] = []

    def summarizer(self) -> WordSummarizer:
        self.opened.append("summarizer")
        return self._summarizer

    def translator(self) -> UpperTranslator:
        self.opened.append("translator")
        return self._translator


def sentences(n: int, words: int = 9) -> list[str]:
    return [" ".join(f"s{i}w{j}" for j in range(words)) + "." for i in range(n)]


def test_short_input_is_one_call() -> None:
    model = WordSummarizer(window=40)
    result = map_reduce(sentences(3), model)
    assert result.levels == () and result.calls == 1 == len(model.calls)
    assert result.summary.text.startswith("s0w0")


def test_long_input_is_chunked_by_sentence_and_reduced_level_by_level() -> None:
    model = WordSummarizer(window=40, max_summary_tokens=12)
    units = sentences(30)  # 30 x 10 tokens: 7.5x the window
    result = map_reduce(units, model)
    first = result.levels[0]
    # Every sentence is read, in order, by exactly one level-0 chunk (none cut: all fit).
    covered = [i for c in first for i in range(c.start, c.end)]
    assert covered == list(range(30))
    assert all(c.input_tokens <= 40 for lv in result.levels for c in lv)
    assert len(result.levels) >= 2  # the partial summaries overflowed the window once more
    assert all(c.output_tokens <= map_bound(40, 12) for lv in result.levels for c in lv)
    assert result.input_tokens == 30 * 10 and result.final_input_tokens <= 40
    plan = result.to_json()
    assert plan["calls"] == result.calls == len(model.calls)
    assert [lv["level"] for lv in plan["levels"]] == list(range(len(result.levels)))


def test_a_sentence_longer_than_the_window_is_split_not_truncated() -> None:
    model = WordSummarizer(window=40)
    giant = " ".join(f"g{j}," for j in range(150))
    result = map_reduce(["A short one here.", giant, "And another short one."], model)
    first = result.levels[0]
    read = sum(c.input_tokens for c in first)
    assert read >= 153  # every word of the giant sentence reached the model
    assert sum(c.pieces for c in first) >= 4
    assert first[0].start == 0 and first[-1].end == 3


def test_cost_grows_linearly_with_length() -> None:
    costs = []
    for n in (100, 200, 400, 800):
        model = WordSummarizer(window=64, max_summary_tokens=20)
        map_reduce(sentences(n), model)
        costs.append(sum(model.calls))
    article = [n * 10 for n in (100, 200, 400, 800)]
    ratios = [c / a for c, a in zip(costs, article)]
    # Total tokens read stays a bounded multiple of the article (geometric series, under 4x).
    assert max(ratios) < 4 and max(ratios) / min(ratios) < 1.3, ratios


def test_empty_model_output_gives_an_empty_summary() -> None:
    class Silent(WordSummarizer):
        def summarize(self, texts, max_new_tokens):  # type: ignore[override]
            return [SegmentOutput("", False, False, 0) for _ in texts]

    result = map_reduce(sentences(20), Silent(window=40))
    assert result.summary.text == "" and len(result.levels) == 1


# --- plans -----------------------------------------------------------------------------------


def test_plan_defaults() -> None:
    same = resolve_plan("ar", "ar")
    assert (same.method, same.strategy) == ("extractive", None)
    assert resolve_plan("ar", "ar", model_given=True).method == "abstractive"
    cross = resolve_plan("ar", "en", default_strategy="translate-then-summarize")
    assert (cross.method, cross.strategy) == ("abstractive", "translate-then-summarize")
    assert cross.translate_first and cross.summary_lang == "en"
    ext = resolve_plan("ar", "en", "extractive")
    assert (ext.strategy, ext.translate_after, ext.summary_lang) == ("extractive-then-translate", True, "ar")
    auto_ext = resolve_plan("ar", "en", strategy="extractive-then-translate")
    assert auto_ext.method == "extractive"


@pytest.mark.parametrize("args", [
    dict(source_lang="ar", target_lang="ar", strategy="translate-then-summarize"),
    dict(source_lang="ar", target_lang="en", method="abstractive", strategy="extractive-then-translate"),
    dict(source_lang="ar", target_lang="en", method="extractive", strategy="summarize-then-translate"),
    dict(source_lang="ar", target_lang="fr"),
    dict(source_lang="ar", target_lang="ar", method="extractive", model_given=True),
])
def test_plan_contradictions_are_usage_errors(args: dict) -> None:
    with pytest.raises(UsageError):
        resolve_plan(**args)


# --- the pipeline with stand-ins ---------------------------------------------------------------


def doc_of(texts: list[str], lang: str = "en"):
    return read_document([Line(i + 1, 0, t) for i, t in enumerate(texts)], source_lang=lang)


def test_extractive_needs_no_model_and_translates_only_the_picks() -> None:
    models = Models()
    doc = doc_of(sentences(8))
    same = summarize_document(doc, resolve_plan("en", "en"), models)
    assert models.opened == [] and len(same.sentences) == 3
    cross = summarize_document(doc, resolve_plan("en", "ar", "extractive"), models)
    assert models.opened == ["translator"]
    assert [s.text for s in cross.sentences] == [s.source.upper() for s in cross.sentences]
    assert [s.source_index for s in cross.sentences] == list(cross.extractive.indices)
    assert len(models._translator.seen) == 3  # the picks, not the article


def test_short_article_is_returned_translated_without_the_summarizer() -> None:
    models = Models()
    doc = doc_of(["One short sentence here.", "And a second one."])
    plan = resolve_plan("en", "ar", default_strategy="summarize-then-translate")
    result = summarize_document(doc, plan, models)
    assert result.flags.short_input and models.opened == ["translator"]
    assert [s.text for s in result.sentences] == ["ONE SHORT SENTENCE HERE.", "AND A SECOND ONE."]


def test_abstractive_input_under_the_summary_length_is_returned() -> None:
    models = Models(WordSummarizer(window=40, max_summary_tokens=84))
    doc = doc_of(["A b c.", "D e f.", "G h i.", "J k l."])
    result = summarize_document(doc, resolve_plan("en", "en", "abstractive"), models)
    assert result.flags.short_input and result.chunk_plan is None
    assert [s.text for s in result.sentences] == ["A b c.", "D e f.", "G h i.", "J k l."]


def test_translate_then_summarize_opens_the_summarizer_before_translating() -> None:
    models = Models(WordSummarizer(window=40, max_summary_tokens=12))
    doc = doc_of(sentences(12))
    plan = resolve_plan("en", "ar", strategy="translate-then-summarize")
    result = summarize_document(doc, plan, models)
    assert models.opened[:2] == ["summarizer", "translator"]
    assert result.chunk_plan is not None and result.chunk_plan.levels
    assert result.text.isupper()  # the summarizer read the translation


def test_flags_repeats_and_wrong_script() -> None:
    class Echo(WordSummarizer):
        def summarize(self, texts, max_new_tokens):  # type: ignore[override]
            return [SegmentOutput("الخبر هنا. الخبر هنا.", True, False, 6) for _ in texts]

    models = Models(Echo(window=400, max_summary_tokens=12))
    result = summarize_document(doc_of(sentences(6)), resolve_plan("en", "en", "abstractive"), models)
    assert result.flags.repeated and result.flags.repeated_sentences == (1,)
    assert result.flags.wrong_script and result.flags.hit_max_length
    as_json = result.to_json()
    assert as_json["flags"]["wrong_script"] is True and as_json["chunk_plan"]["calls"] == 1


def test_wrong_language_warns() -> None:
    doc = doc_of(sentences(5), lang="ar")
    result = summarize_document(doc, resolve_plan("ar", "ar"), Models(), name="x.txt")
    assert result.warnings and "is --from ar right?" in result.warnings[0]


def test_length_reaches_the_extractive_summary() -> None:
    doc = doc_of(sentences(10))
    result = summarize_document(doc, resolve_plan("en", "en"), Models(),
                                length=SummaryLength(sentences=2))
    assert len(result.sentences) == 2 and result.to_json()["length"] == {"sentences": 2}
