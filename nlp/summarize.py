"""Summarizing an article, in its language or across languages, as pure text logic.

Which steps run is a :class:`SummaryPlan`: a method (extractive, lead, abstractive) and, when
the summary's language differs from the article's, a strategy:

* ``summarize-then-translate``: summarize the article in its language, translate the summary;
* ``translate-then-summarize``: translate the article, summarize the translation;
* ``extractive-then-translate``: pick sentences, translate those (the only route needing no
  summarization model).

Models come from an injected :class:`ModelSource` and are asked for only when a step needs
them, so an extractive summary, or an article too short to condense, never loads a summarizer.
Guards: an article of fewer than three sentences, or shorter than the summary asked for, is
returned as it is (translated if asked), never padded out by a model; repeated summary
sentences and a summary in the wrong script are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol, Sequence

from tarjama.errors import UsageError
from tarjama.nlp.checks import CheckSettings, Flag
from tarjama.nlp.checks import summary as summary_checks
from tarjama.nlp.checks.language import LanguageCheck
from tarjama.nlp.document import Document, paragraph_sentences, word_count
from tarjama.nlp.extractive import (
    MIN_SENTENCES_TO_SUMMARIZE,
    ExtractiveSummary,
    SummaryLength,
    extract,
    lead,
    repeated_sentences,
)
from tarjama.nlp.mapreduce import MapReduceResult, SummarizationModel, map_reduce
from tarjama.nlp.script import SCRIPT_OF_LANG, count_scripts, is_mostly_script
from tarjama.nlp.translate import TranslationModel, translate_sentences

__all__ = ["METHODS", "STRATEGIES", "ModelSource", "SummaryFlags", "SummaryPlan",
           "SummaryResult", "SummarySentence", "resolve_plan", "summarize_document"]

METHODS = ("auto", "extractive", "lead", "abstractive")
STRATEGIES = ("summarize-then-translate", "translate-then-summarize", "extractive-then-translate")
_LANG_NAMES = {"ar": "Arabic", "en": "English"}
# Below this share of letters in the source language's script, --from is probably wrong.
_MIN_SOURCE_SCRIPT_SHARE = 0.5


@dataclass(frozen=True)
class SummaryPlan:
    source_lang: str
    target_lang: str
    method: str  # extractive | lead | abstractive
    strategy: str | None = None  # None when the summary is in the article's language

    @property
    def translate_first(self) -> bool:
        return self.strategy == "translate-then-summarize"

    @property
    def translate_after(self) -> bool:
        return self.strategy in ("summarize-then-translate", "extractive-then-translate")

    @property
    def summary_lang(self) -> str:
        """The language the summarization step reads and writes."""
        return self.target_lang if self.translate_first else self.source_lang


def resolve_plan(source_lang: str, target_lang: str, method: str = "auto",
                 strategy: str | None = None, *, default_strategy: str | None = None,
                 model_given: bool = False) -> SummaryPlan:
    """Turn the command line's method/strategy choices into a plan, or a one-line UsageError.

    ``auto`` means: across languages, the strategy's method (abstractive unless the strategy is
    extractive-then-translate); within one language, extractive (no download) unless a
    summarization model was named.
    """
    for lang in (source_lang, target_lang):
        if lang not in SCRIPT_OF_LANG:
            raise UsageError(f"unsupported language '{lang}' (supported: {', '.join(SCRIPT_OF_LANG)})")
    if method not in METHODS:
        raise UsageError(f"unknown method '{method}' (use {', '.join(METHODS)})")
    if strategy is not None and strategy not in STRATEGIES:
        raise UsageError(f"unknown strategy '{strategy}' (use {', '.join(STRATEGIES)})")
    extractive = method in ("extractive", "lead")
    if extractive and model_given:
        raise UsageError(f"--model names a summarization model, but --method {method} uses none")
    if source_lang == target_lang:
        if strategy is not None:
            raise UsageError("--strategy is for summaries in another language (--to differs from --from)")
        if method == "auto":
            method = "abstractive" if model_given else "extractive"
        return SummaryPlan(source_lang, target_lang, method, None)
    if method == "auto":
        strategy = strategy or default_strategy or "extractive-then-translate"
        method = "extractive" if strategy == "extractive-then-translate" else "abstractive"
    elif extractive:
        strategy = strategy or "extractive-then-translate"
        if strategy == "summarize-then-translate":
            raise UsageError(f"--method {method} picks sentences; use --strategy "
                             "extractive-then-translate (or translate-then-summarize)")
    else:
        strategy = strategy or default_strategy or "summarize-then-translate"
        if strategy == "extractive-then-translate":
            raise UsageError("--strategy extractive-then-translate needs --method extractive or lead")
    return SummaryPlan(source_lang, target_lang, method, strategy)


class ModelSource(Protocol):
    """Opens models on first use (models.session.SummaryModels)."""

    def summarizer(self) -> SummarizationModel: ...

    def translator(self) -> TranslationModel: ...


@dataclass(frozen=True)
class SummarySentence:
    text: str  # in the summary's language
    source: str | None = None  # what it was translated from, when it was
    source_index: int | None = None  # extractive: the article sentence it is (or translates)
    checks: tuple[Flag, ...] = ()  # its translation's checks and the summary checks

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"text": self.text}
        if self.source is not None:
            out["source"] = self.source
        if self.source_index is not None:
            out["source_index"] = self.source_index
        out["checks"] = [c.to_json() for c in self.checks]
        return out


@dataclass(frozen=True)
class SummaryFlags:
    short_input: bool = False  # too short to condense: returned (translated) as it is
    repeated: bool = False  # a summary sentence repeats another, or the decoder looped
    repeated_sentences: tuple[int, ...] = ()
    wrong_script: bool = False  # e.g. an "English" summary that is mostly Arabic script
    hit_max_length: bool = False  # the summarizer stopped at its length bound
    translation_hit_max_length: bool = False
    empty: bool = False  # the model produced no text

    def to_json(self) -> dict[str, object]:
        return {
            "short_input": self.short_input, "repeated": self.repeated,
            "repeated_sentences": list(self.repeated_sentences),
            "wrong_script": self.wrong_script, "hit_max_length": self.hit_max_length,
            "translation_hit_max_length": self.translation_hit_max_length, "empty": self.empty,
        }


@dataclass(frozen=True)
class SummaryResult:
    plan: SummaryPlan
    length: SummaryLength | None  # extractive and lead only
    title: str | None
    sentences: tuple[SummarySentence, ...]
    flags: SummaryFlags
    extractive: ExtractiveSummary | None
    chunk_plan: MapReduceResult | None
    source_sentences: int
    source_words: int
    warnings: tuple[str, ...] = ()
    checks: tuple[Flag, ...] = ()  # the article's own (its language)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences if s.text)

    @property
    def check_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for sentence in self.sentences:
            for code in {f.code for f in sentence.checks}:
                counts[code] = counts.get(code, 0) + 1
        return dict(sorted(counts.items()))

    def summary_line(self) -> str:
        flagged = sum(1 for s in self.sentences if any(f.code != "split" for f in s.checks))
        counts = {k: v for k, v in self.check_counts.items() if k != "split"}
        parts = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        head = f"{flagged} of {len(self.sentences)} summary sentences flagged"
        return f"{head}: {parts}" if parts else head

    def to_json(self, provenance: dict[str, object] | None = None) -> dict[str, object]:
        words = word_count(self.text)
        return {
            "source_lang": self.plan.source_lang,
            "target_lang": self.plan.target_lang,
            "method": self.plan.method,
            "strategy": self.plan.strategy,
            **(provenance or {}),
            "length": self.length.to_json() if self.length is not None else None,
            "title": self.title,
            "summary": self.text,
            "sentences": [s.to_json() for s in self.sentences],
            "extractive": self.extractive.to_json() if self.extractive is not None else None,
            "chunk_plan": self.chunk_plan.to_json() if self.chunk_plan is not None else None,
            "flags": self.flags.to_json(),
            "checks": [c.to_json() for c in self.checks],
            "check_counts": self.check_counts,
            "stats": {
                "source_sentences": self.source_sentences,
                "source_words": self.source_words,
                "summary_sentences": len(self.sentences),
                "summary_words": words,
                "compression": round(words / self.source_words, 4) if self.source_words else None,
            },
            "warnings": list(self.warnings),
        }


def language_warnings(doc: Document, source_lang: str, name: str) -> list[str]:
    """A warning when the article is mostly not in the script of --from."""
    if doc.letters == 0:
        return [f"{name} has no letters to summarize"]
    share = doc.source_script_letters / doc.letters
    if share < _MIN_SOURCE_SCRIPT_SHARE:
        lang = _LANG_NAMES.get(source_lang, source_lang)
        return [f"{name} is {100 * share:.0f}% {lang} script; is --from {source_lang} right?"]
    return []


@dataclass
class _Run:
    """One summary's run: where translations are checked, and what they flagged."""

    checks: CheckSettings | None
    flags: dict[str, tuple[Flag, ...]]

    def translate(self, texts: Sequence[str], translator: TranslationModel, source_lang: str
                  ) -> tuple[list[str], bool]:
        """Translate sentences (each one sentence already); translations and 'hit the bound'."""
        results = translate_sentences(texts, translator, source_lang=source_lang,
                                      checks=self.checks)
        for r in results:
            self.flags[r.translation] = r.checks
        return [s.translation for s in results], any(s.hit_max_length for s in results)


def _split(text: str) -> list[str]:
    return [s.text for s in paragraph_sentences(text)] if text.strip() else []


def summarize_document(doc: Document, plan: SummaryPlan, models: ModelSource, *,
                       length: SummaryLength = SummaryLength(), name: str = "input",
                       checks: CheckSettings | None = None) -> SummaryResult:
    """Summarize `doc` as `plan` says; the one entry point of the CLI and of evaluation runs.

    With `checks`, translated sentences carry the translation checks (the glossary applied),
    an abstractive summary's sentences the summary checks, and the result the article's own
    (its language, when `checks.detect` is given).
    """
    run = _Run(checks, {})
    result = _summarize(doc, plan, models, length, name, run)
    return _checked(result, doc, plan, run)


def _summarize(doc: Document, plan: SummaryPlan, models: ModelSource, length: SummaryLength,
               name: str, run: _Run) -> SummaryResult:
    warnings = language_warnings(doc, plan.source_lang, name)
    originals = [s.text for s in doc.sentences]
    normalized = [s.normalized for s in doc.sentences]
    extractive = plan.method in ("extractive", "lead")
    extractive_result: ExtractiveSummary | None = None
    chunk_plan: MapReduceResult | None = None
    translation_hit = False
    hit = repeated_by_model = False

    if len(doc.sentences) < MIN_SENTENCES_TO_SUMMARIZE:
        sentences, translation_hit = _whole(originals, plan, models, run)
        return _finish(doc, plan, length if extractive else None, sentences, warnings,
                       short=True, translation_hit=translation_hit)

    if plan.translate_first:
        summarizer = None if extractive else models.summarizer()  # fail before translating
        units, translation_hit = run.translate(normalized, models.translator(), plan.source_lang)
        if extractive:
            extractive_result = _pick(plan.method, units, length)
            sentences = [SummarySentence(units[i], originals[i], i)
                         for i in extractive_result.indices]
        else:
            assert summarizer is not None
            if sum(summarizer.count_tokens(units)) <= summarizer.max_summary_tokens:
                sentences = [SummarySentence(u, o) for u, o in zip(units, originals)]
                return _finish(doc, plan, None, sentences, warnings, short=True,
                               translation_hit=translation_hit)
            chunk_plan = map_reduce(units, summarizer)
            sentences = [SummarySentence(s) for s in _split(chunk_plan.summary.text)]
    elif extractive:
        extractive_result = _pick(plan.method, originals, length)
        picked = list(extractive_result.sentences)
        if plan.translate_after:
            texts, translation_hit = run.translate(picked, models.translator(), plan.source_lang)
            sentences = [SummarySentence(t, o, i)
                         for t, o, i in zip(texts, picked, extractive_result.indices)]
        else:
            sentences = [SummarySentence(o, None, i)
                         for o, i in zip(picked, extractive_result.indices)]
    else:
        summarizer = models.summarizer()
        if sum(summarizer.count_tokens(normalized)) <= summarizer.max_summary_tokens:
            sentences, translation_hit = _whole(originals, plan, models, run)
            return _finish(doc, plan, None, sentences, warnings, short=True,
                           translation_hit=translation_hit)
        chunk_plan = map_reduce(normalized, summarizer)
        summary = _split(chunk_plan.summary.text)
        if plan.translate_after and summary:
            texts, translation_hit = run.translate(summary, models.translator(), plan.source_lang)
            sentences = [SummarySentence(t, s) for t, s in zip(texts, summary)]
        else:
            sentences = [SummarySentence(s) for s in summary]
    if chunk_plan is not None:
        hit, repeated_by_model = chunk_plan.hit_max_length, chunk_plan.repeated
    short = extractive_result.short_input if extractive_result is not None else False
    return _finish(doc, plan, length if extractive else None, sentences, warnings, short=short,
                   translation_hit=translation_hit, hit=hit, repeated_by_model=repeated_by_model,
                   extractive_result=extractive_result, chunk_plan=chunk_plan)


def _pick(method: str, texts: Sequence[str], length: SummaryLength) -> ExtractiveSummary:
    return lead(texts, length) if method == "lead" else extract(texts, length)


def _whole(originals: Sequence[str], plan: SummaryPlan, models: ModelSource, run: _Run
           ) -> tuple[list[SummarySentence], bool]:
    """The article itself as its summary, translated when the summary's language differs."""
    if plan.strategy is None:
        return [SummarySentence(o, None, i) for i, o in enumerate(originals)], False
    texts, hit = run.translate(originals, models.translator(), plan.source_lang)
    return [SummarySentence(t, o, i) for i, (t, o) in enumerate(zip(texts, originals))], hit


def _checked(result: SummaryResult, doc: Document, plan: SummaryPlan, run: _Run
             ) -> SummaryResult:
    """The result with each sentence's flags: its translation's, and for an abstractive summary
    the summary checks against the article (and the article's translation, when made)."""
    if run.checks is None:
        return result
    abstractive = plan.method == "abstractive" and not result.flags.short_input
    evidence = None
    if abstractive:
        texts = [(" ".join(s.text for s in doc.sentences), plan.source_lang)]
        translated = [t for t in run.flags if t] if plan.translate_first else []
        if translated:
            texts.append((" ".join(translated), plan.target_lang))
        evidence = summary_checks.ArticleEvidence(texts)
    sentences = []
    for s in result.sentences:
        flags = list(run.flags.get(s.text, ()))
        if evidence is not None:
            # What the summarizer wrote: the source-language summary before its translation.
            written, lang = ((s.source, plan.source_lang) if plan.translate_after and s.source
                             else (s.text, plan.summary_lang if plan.translate_first else plan.target_lang))
            flags += summary_checks.check(written, lang, evidence)
        sentences.append(replace(s, checks=tuple(flags)))
    document: tuple[Flag, ...] = ()
    if run.checks.detect is not None:
        language = LanguageCheck(plan.source_lang, run.checks.detect)
        for i, s in enumerate(doc.sentences):
            language.paragraph(s.text, f"sentence {i + 1}")
        document = tuple(f for f in language.finish() if f.severity != "info")
    return replace(result, sentences=tuple(sentences), checks=document)


def _finish(doc: Document, plan: SummaryPlan, length: SummaryLength | None,
            sentences: Sequence[SummarySentence], warnings: Sequence[str], *, short: bool,
            translation_hit: bool = False, hit: bool = False, repeated_by_model: bool = False,
            extractive_result: ExtractiveSummary | None = None,
            chunk_plan: MapReduceResult | None = None) -> SummaryResult:
    texts = [s.text for s in sentences]
    repeats = tuple(repeated_sentences(texts))
    joined = " ".join(texts)
    counts = count_scripts(joined)
    wrong_script = counts.letters > 0 and not is_mostly_script(joined, plan.target_lang)
    flags = SummaryFlags(
        short_input=short, repeated=bool(repeats) or repeated_by_model,
        repeated_sentences=repeats, wrong_script=wrong_script, hit_max_length=hit,
        translation_hit_max_length=translation_hit, empty=not joined.strip(),
    )
    return SummaryResult(plan, length, doc.title, tuple(sentences), flags, extractive_result,
                         chunk_plan, len(doc.sentences), doc.words, tuple(warnings))
