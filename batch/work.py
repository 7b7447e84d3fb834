"""The work on one shard, the same in a local run and in a Ray actor: no second pipeline.

``batch translate`` runs each article through the translator of ``tarjama translate`` (the
article's layout from news.sources, its sentences from nlp.document, decoding by
models.translator) and writes the JSON ``tarjama translate --format json`` writes, with the
article's id. All the sentences of a shard go to the model in one call (nlp.translate
.translate_articles): sorted by length and cut into batches across the shard's articles.

``batch digest`` runs news.digest.run_digest over the shard's items, one digest batch per
shard, so each record has the digest's schema.

A :class:`ShardWorker` opens its models once, in the process that uses them (for Ray: in the
actor's ``__init__``; a loaded CTranslate2 translator must never be forked), and then
processes any number of shards. An article that fails (unreadable, no text, a model error on
it alone) becomes an error record and the others go on; a failure of the model as a whole
(it cannot load) is a TarjamaError and stops the job.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from tarjama.api import TranslatedArticle, Translator
from tarjama.batch.shards import ShardResult
from tarjama.errors import InputError, TarjamaError, one_line
from tarjama.models.session import (
    SummarizationRequest,
    TranslationRequest,
    open_summarizer,
    open_translator,
)
from tarjama.models.translator import Seq2SeqTranslator
from tarjama.news.cache import describe
from tarjama.news.digest import DigestOptions, digest_summarizer, run_digest
from tarjama.news.feeds import Item
from tarjama.news.fetch import FetchLimits
from tarjama.nlp.checks import CheckSettings
from tarjama.nlp.checks.confidence import DEFAULT_MIN_CONFIDENCE
from tarjama.nlp.glossary import Glossary
from tarjama.news.journal import MemoryJournal
from tarjama.news.sources import article_lines
from tarjama.nlp.webtext import Extracted, extract_html, text_paragraphs

__all__ = ["TASKS", "JobSpec", "ShardWorker"]

log = logging.getLogger("tarjama")

TASKS = ("translate", "digest")


@dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs, on any machine: picklable, no open files or models."""

    task: str  # translate | digest
    output: str  # the output folder (local path or URI)
    output_format: str  # jsonl | parquet
    run: int
    translation: TranslationRequest
    summarization: SummarizationRequest = field(default_factory=SummarizationRequest)
    method: str = "extractive"  # digest: extractive, lead or abstractive
    sentences: int = 3  # digest: extractive/lead summary length
    fetch_articles: bool = False
    fetch_workers: int = 4
    limits: FetchLimits = field(default_factory=FetchLimits)
    # The checks of `tarjama translate`/`digest` (nlp.checks); the glossary is parsed on the
    # driver, so workers need not reach its file.
    checks: bool = True
    glossary: Glossary | None = None
    min_confidence: float = DEFAULT_MIN_CONFIDENCE


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ShardWorker:
    """Models opened once; then ``process(name, items)`` for each shard."""

    def __init__(self, spec: JobSpec) -> None:
        started = time.monotonic()
        self.spec = spec
        self._translation_model: Seq2SeqTranslator | None = None
        self._summarizer: Any = None
        if spec.task == "translate":
            self._translation_model = open_translator(spec.translation)
        else:
            # The translator loads on the first Arabic article (an English feed needs none);
            # the abstractive summarizer per language on first use; both once per worker.
            self._summarizer = digest_summarizer(spec.method, spec.sentences, self._open_summarizer)
        self._unreported_load = time.monotonic() - started

    def _open_summarizer(self, lang: str) -> Any:
        return open_summarizer(replace(self.spec.summarization, lang=lang))

    def _translator(self) -> Seq2SeqTranslator:
        if self._translation_model is None:
            started = time.monotonic()
            self._translation_model = open_translator(self.spec.translation)
            self._unreported_load += time.monotonic() - started
        return self._translation_model

    def process(self, name: str, items: list[Item]) -> ShardResult:
        started = time.monotonic()
        load_before = self._unreported_load
        if self.spec.task == "translate":
            records, errors = self._translate(items)
        else:
            records, errors = self._digest(items)
        for error in errors:
            error.update(shard=name, run=self.spec.run)
        load = self._unreported_load  # includes a model loaded while processing this shard
        self._unreported_load = 0.0
        return ShardResult(name, self.spec.run, records, errors,
                           seconds=time.monotonic() - started + load_before, load_seconds=load,
                           models=self._models())

    def _models(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self._translation_model is not None:
            out["translator"] = self._translation_model.provenance()
        if self._summarizer is not None:
            out["summarizer"] = describe(self._summarizer) or {"summarizer": self.spec.method}
        return out

    # translate -------------------------------------------------------------------------------

    def _translate(self, items: list[Item]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        errors: list[dict[str, Any]] = []
        ready: list[tuple[Item, Extracted, str, float]] = []
        for item in items:
            t0 = time.monotonic()
            try:
                extracted, lines = _article(item)
            except TarjamaError as exc:
                errors.append(_error(item, "input" if item.error else "extract", exc.message))
                continue
            except Exception as exc:  # hostile HTML can break parsers in any way; one article only
                errors.append(_error(item, "extract", one_line(exc)))
                continue
            ready.append((item, extracted, "\n".join(lines) + "\n", time.monotonic() - t0))
        if not ready:
            return [], errors
        translator = Translator.from_model(self._translator(), checks=self.spec.checks,
                                           glossary=self.spec.glossary,
                                           min_confidence=self.spec.min_confidence)
        t0 = time.monotonic()
        articles: list[TranslatedArticle | None]
        try:
            articles = list(translator.translate_articles([text for _, _, text, _ in ready],
                                                          names=[i.id for i, _, _, _ in ready]))
        except TarjamaError:
            raise  # the model itself cannot run: every article would fail the same way
        except Exception as exc:
            log.info("translating shard failed (%s); retrying its articles one by one", one_line(exc))
            articles = []
            for item, _, text, _ in ready:
                try:
                    articles.append(translator.translate_article(text, name=item.id))
                except TarjamaError:
                    raise
                except Exception as one:
                    errors.append(_error(item, "translate", one_line(one)))
                    articles.append(None)
        share = (time.monotonic() - t0) / len(ready)
        records = []
        for (item, extracted, _, prepare_s), article in zip(ready, articles):
            if article is None:
                continue
            records.append({
                "id": item.id, "source": item.source, "url": item.url,
                "title": item.title or extracted.title or None, "published": item.published,
                **article.to_json(), "translation": article.text, "warnings": article.warnings,
                "timings": {"prepare_s": round(prepare_s, 4), "translate_s": round(share, 4)},
            })
        return records, errors

    # digest ----------------------------------------------------------------------------------

    def _digest(self, items: list[Item]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        spec = self.spec
        journal = MemoryJournal()
        # The whole shard is one digest batch: summarized per language in one call, titles and
        # summaries translated in one window. Every id gets a record or an error (dedupe off).
        options = DigestOptions(batch_size=max(1, len(items)), fetch_articles=spec.fetch_articles,
                                fetch_workers=spec.fetch_workers, limits=spec.limits,
                                method=spec.method, dedupe=False,
                                checks=CheckSettings("ar", "en", glossary=spec.glossary,
                                                     min_confidence=spec.min_confidence)
                                if spec.checks else None)
        run_digest(items, journal, self._summarizer, translator=self._translator, options=options)
        errors = [{"id": e.get("id"), "source": e.get("source"), "url": e.get("url"),
                   "stage": e.get("stage"), "error": e.get("error"), "at": e.get("at")}
                  for e in journal.errors]
        return journal.records, errors


def _article(item: Item) -> tuple[Extracted, list[str]]:
    """The article's headline and the lines `tarjama translate` reads (news.sources)."""
    if item.error is not None:
        raise InputError(item.error)
    if item.text is not None:
        extracted = Extracted(item.title, tuple(text_paragraphs(item.text)))
    elif item.html is not None:
        page = extract_html(item.html, item.url)
        extracted = Extracted(item.title or page.title, page.paragraphs)
    else:
        raise InputError("the item has no text")
    lines = article_lines(extracted)
    if not lines:
        raise InputError("no article text (empty, or nothing but a headline)")
    return extracted, lines


def _error(item: Item, stage: str, error: str) -> dict[str, Any]:
    return {"id": item.id, "source": item.source, "url": item.url, "stage": stage,
            "error": error, "at": _utc_now()}
