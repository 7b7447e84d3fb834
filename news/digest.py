"""Batch digest of news items: clean, de-duplicate, summarize, translate, append one record each.

The models are injected: a :class:`DigestSummarizer` (``summarize_many(documents, lang)``) and,
for Arabic items, a factory of an :class:`nlp.translate.TranslationModel`, opened only when the
first Arabic item needs it. So this module runs without torch, and tests drive it with stand-ins.
Each item's text is split into sentences once (an nlp.document.Document); summaries come back as
sentences, and those sentences (with the title) are translated as they are.

A run has two phases. The scan reads every source (feeds are small) and drops what is already
in the output, duplicates (same id, feed GUID or canonical URL), items older than ``since``
and those beyond ``limit``; what is left is the run's exact total, for progress and ETA. Then
items go through in batches of ``batch_size``: texts are fetched and extracted (in threads when
article pages are fetched), de-duplicated by content hash, summarized per language in one call,
and their titles and summaries translated in one window, so the model sees full batches. Each
finished item is appended to the journal at once; a failed one goes to the errors file and the
run goes on. A stop request (Ctrl-C) is honoured between batches.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from tarjama.errors import InputError, TarjamaError, one_line
from tarjama.news.cache import (
    ContentCache,
    TranslationCache,
    cache_key,
    describe,
    translator_identity,
)
from tarjama.news.feeds import (
    Item,
    SourceFailure,
    canonical_url,
    content_hash,
    parse_published,
)
from tarjama.news.fetch import Fetched, FetchLimits, fetch_url
from tarjama.news.journal import Journal, MemoryJournal
from tarjama.news.sources import read_article_file
from tarjama.nlp.boilerplate import strip_boilerplate
from tarjama.nlp.checks import CheckSettings
from tarjama.nlp.document import Document, paragraph_sentences
from tarjama.nlp.extractive import SummaryLength, extract, lead
from tarjama.nlp.mapreduce import SummarizationModel, map_reduce
from tarjama.nlp.script import count_scripts
from tarjama.nlp.translate import TranslationModel, translate_sentences
from tarjama.nlp.webtext import extract_html, extract_page, text_paragraphs

__all__ = [
    "AbstractiveDigestSummarizer", "DigestOptions", "DigestStats", "DigestSummarizer",
    "ExtractiveDigestSummarizer", "ProgressSink", "detect_language", "digest_summarizer",
    "run_digest",
    "stop_requested_on_signals", "summary_sentences",
]

log = logging.getLogger("tarjama")


class DigestSummarizer(Protocol):
    """Summaries of many articles of one language in one call.

    Each result may be a string, a list of sentences, or an object with ``sentences`` (strings
    or objects with ``text``) or ``text``/``summary``. A summarizer that can say what it is
    (``provenance()`` or ``describe()`` returning a dict) gets its results cached.
    """

    def summarize_many(self, documents: list[Document], lang: str) -> list[Any]: ...


class ProgressSink(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, completed: int, failed: int) -> None:
        """`completed` items of the total are through, whatever became of them; `failed` failed."""


@dataclass(frozen=True)
class DigestOptions:
    batch_size: int = 16
    since: datetime | None = None  # aware; items published before it are left out
    limit: int | None = None  # new items per run; the rest wait for the next run
    fetch_articles: bool = False
    fetch_workers: int = 4
    limits: FetchLimits = field(default_factory=FetchLimits)
    method: str = "extractive"  # recorded with every item
    checks: CheckSettings | None = None  # the translation checks (and glossary) for Arabic items
    # Drop repeats by feed GUID, canonical URL and content hash. A batch job (tarjama.batch)
    # turns it off: there every id gets exactly one record, whatever else it shares.
    dedupe: bool = True


@dataclass(frozen=True)
class DigestStats:
    done: int = 0
    failed: int = 0
    skipped: int = 0  # already in the output
    duplicates: int = 0
    older: int = 0  # published before --since
    deferred: int = 0  # beyond --limit
    sources_failed: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    cache_hits: int = 0

    @property
    def per_minute(self) -> float:
        return 60.0 * self.done / self.seconds if self.seconds > 0 else 0.0

    def summary_line(self, output: Path, errors: Path) -> str:
        parts = [f"{self.done} done"]
        if self.failed or self.sources_failed:
            what = [f"{self.failed} failed"] if self.failed else []
            if self.sources_failed:
                what.append(f"{self.sources_failed} source{'s' * (self.sources_failed != 1)} unreadable")
            parts.append(f"{', '.join(what)} (see {errors})")
        parts.append(f"{self.skipped} already in {output}")
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicates")
        if self.older:
            parts.append(f"{self.older} older than --since")
        if self.deferred:
            parts.append(f"{self.deferred} left for the next run (--limit)")
        if self.cache_hits:
            parts.append(f"{self.cache_hits} cache hits")
        return (f"digest: {', '.join(parts)}; {self.seconds:.1f} s "
                f"({self.per_minute:.1f} articles/min)")

    @property
    def all_ok(self) -> bool:
        return not self.failed and not self.sources_failed


# --- language and summaries ------------------------------------------------------------------


def detect_language(text: str) -> str | None:
    """The language of a text by the script of most of its letters: "ar", "en", or None."""
    counts = count_scripts(text)
    if counts.letters == 0:
        return None
    if counts.arabic * 2 >= counts.letters:
        return "ar"
    if counts.latin * 2 >= counts.letters:
        return "en"
    return None


def summary_sentences(result: Any) -> list[str]:
    """The sentences of one summarizer result, whatever shape it comes in (see DigestSummarizer)."""
    if isinstance(result, str):
        return text_paragraphs(result)
    if isinstance(result, (list, tuple)):
        return [" ".join(str(getattr(s, "text", s)).split()) for s in result if str(getattr(s, "text", s)).strip()]
    sentences = getattr(result, "sentences", None)
    if sentences is not None:
        return summary_sentences(list(sentences))
    for name in ("text", "summary"):
        value = getattr(result, name, None)
        if isinstance(value, str):
            return text_paragraphs(value)
    raise TypeError(f"cannot read a summary from {type(result).__name__}")


class ExtractiveDigestSummarizer:
    """LexRank (or the lead-N baseline) from nlp.extractive, as a DigestSummarizer."""

    def __init__(self, sentences: int = 3, algorithm: str = "lexrank") -> None:
        if algorithm not in ("lexrank", "lead"):
            raise ValueError(f"unknown extractive algorithm {algorithm!r}")
        self.sentences = sentences
        self.algorithm = algorithm

    def describe(self) -> dict[str, Any]:
        return {"summarizer": self.algorithm, "sentences": self.sentences}

    def summarize_many(self, documents: list[Document], lang: str) -> list[list[str]]:
        pick = extract if self.algorithm == "lexrank" else lead
        length = SummaryLength(sentences=self.sentences)
        out = []
        for doc in documents:
            sentences = [s.text for s in doc.sentences]
            out.append(list(pick(sentences, length).sentences) if sentences else [])
        return out


class AbstractiveDigestSummarizer:
    """A seq2seq summarizer per language (nlp.mapreduce.SummarizationModel), opened on first use.

    Articles that fit the model's window are summarized together in one batched call; longer
    ones go through nlp.mapreduce.map_reduce, so nothing is truncated.
    """

    def __init__(self, open_model: Callable[[str], SummarizationModel]) -> None:
        self._open = open_model
        self._models: dict[str, SummarizationModel] = {}

    def _model(self, lang: str) -> SummarizationModel:
        if lang not in self._models:
            self._models[lang] = self._open(lang)
        return self._models[lang]

    def describe_for(self, lang: str) -> dict[str, Any]:
        # Opens the model: what it is decides the cache key, and a model that cannot load
        # should stop the run before any item is tried.
        return {"summarizer": "abstractive", **(describe(self._model(lang)) or {})}

    def summarize_many(self, documents: list[Document], lang: str) -> list[list[str]]:
        model = self._model(lang)
        units = [[s.text for s in doc.sentences] for doc in documents]
        joined = [" ".join(u) for u in units]
        sizes = model.count_tokens(joined) if joined else []
        fits = [i for i, n in enumerate(sizes) if n <= model.max_input_tokens and units[i]]
        out: list[list[str]] = [[] for _ in documents]
        if fits:
            # A summary is never allowed to be longer than what it summarizes.
            bounds = [max(1, min(model.max_summary_tokens, sizes[i])) for i in fits]
            for i, result in zip(fits, model.summarize([joined[i] for i in fits], bounds)):
                out[i] = _sentences_of(result.text)
        fitting = set(fits)
        for i in range(len(documents)):
            if i not in fitting and units[i]:
                out[i] = _sentences_of(map_reduce(units[i], model).summary.text)
        return out


def digest_summarizer(method: str, sentences: int,
                      open_model: Callable[[str], SummarizationModel]) -> DigestSummarizer:
    """The summarizer of a digest's --method: extractive (LexRank), lead, or abstractive (a
    model per language, `open_model(lang)`, opened on first use)."""
    if method == "abstractive":
        return AbstractiveDigestSummarizer(open_model)
    return ExtractiveDigestSummarizer(sentences, "lexrank" if method == "extractive" else "lead")


def _sentences_of(text: str) -> list[str]:
    """The sentences of text a model wrote (split here once; translated as they are)."""
    return [s.text for line in text_paragraphs(text) for s in paragraph_sentences(line)]


# --- the run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    item: Item
    title: str
    paragraphs: tuple[str, ...]
    document: Document
    language: str
    published: str | None
    keys: tuple[str, ...]
    warnings: tuple[str, ...]
    prepare_s: float


@dataclass
class _Translated:
    """An item's English: its title, its summary (and that summary's sentences), the
    decoder's notes and the checks' flags."""

    title: str
    summary: str
    sentences: list[str]
    notes: list[str]
    checks: list[dict[str, Any]]


@dataclass(frozen=True)
class _Failure:
    item: Item
    stage: str
    error: str


# Fewer words than this is a menu or a caption that extraction fell back to, not an article.
_MIN_WORDS = 3


def _pre_keys(item: Item) -> list[str]:
    keys = [f"id:{item.id}"]
    if item.guid:
        keys.append(f"guid:{item.guid}")
    if item.url:
        keys.append(f"url:{canonical_url(item.url)}")
    return keys


def _timings(prep: _Prepared, summarize_s: float, translate_s: float) -> dict[str, float]:
    # Model time is per batch; each item is charged an equal share of it.
    return {"prepare_s": round(prep.prepare_s, 4), "summarize_s": round(summarize_s, 4),
            "translate_s": round(translate_s, 4)}


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Run:
    """One digest run's state; run_digest is its only user."""

    def __init__(self, journal: Journal | MemoryJournal, summarizer: DigestSummarizer,
                 translator: Callable[[], TranslationModel] | None, options: DigestOptions,
                 cache: ContentCache | None, fetch: Callable[[str], Fetched],
                 should_stop: Callable[[], bool], progress: ProgressSink | None) -> None:
        self.journal = journal
        self.summarizer = summarizer
        self.open_translator = translator
        self.options = options
        self.cache = cache
        self.fetch = fetch
        self.should_stop = should_stop
        self.progress = progress
        self.seen: set[str] = set(journal.state.keys)
        self.counts = {k: 0 for k in ("done", "failed", "skipped", "duplicates", "older",
                                      "deferred", "sources_failed")}
        self.started = _utc_now()
        # Set when the run is torn down by an exception (a second Ctrl-C in the API): article
        # fetches in flight stop at once instead of at their deadline.
        self.abort = threading.Event()
        self._translator: TranslationCache | None = None
        self._translator_ident: dict[str, Any] | None = None
        self._summarizer_idents: dict[str, dict[str, Any] | None] = {}
        self.interrupted = False

    # scan ------------------------------------------------------------------------------------

    def scan(self, entries: Iterable[Item | SourceFailure]) -> list[Item]:
        pending: list[Item] = []
        done_ids = self.journal.state.done_ids
        since = self.options.since
        for entry in entries:
            if self.should_stop():  # reading feeds can take a while: honour Ctrl-C here too
                self.interrupted = True
                break
            if isinstance(entry, SourceFailure):
                log.warning("%s", entry.error)  # the message names the source
                self.counts["sources_failed"] += 1
                self.journal.append_error({"id": None, "source": entry.source, "stage": "source",
                                           "error": entry.error, "at": _utc_now(), "run": self.started})
                continue
            if entry.id in done_ids:
                self.counts["skipped"] += 1
                continue
            keys = _pre_keys(entry)
            if self.options.dedupe and any(k in self.seen for k in keys):
                self.counts["duplicates"] += 1
                continue
            if since is not None and entry.published is not None:
                try:
                    if parse_published(entry.published) < since:
                        self.counts["older"] += 1
                        continue
                except ValueError:
                    pass
            if self.options.limit is not None and len(pending) >= self.options.limit:
                self.counts["deferred"] += 1
                continue
            self.seen.update(keys)
            pending.append(entry)
        if self.should_stop():  # a stop request cut a feed fetch short: the scan is incomplete
            self.interrupted = True
        return pending

    # batches ---------------------------------------------------------------------------------

    def process(self, pending: list[Item]) -> None:
        if self.progress is not None:
            self.progress.start(len(pending))
        size = max(1, self.options.batch_size)
        with ThreadPoolExecutor(max_workers=max(1, self.options.fetch_workers)) as pool:
            try:
                for start in range(0, len(pending), size):
                    if self.interrupted or self.should_stop():
                        self.interrupted = True
                        break
                    batch = pending[start : start + size]
                    self._batch(batch, pool)
                    if self.progress is not None:
                        self.progress.advance(start + len(batch), self.counts["failed"])
            except BaseException:
                self.abort.set()  # before the pool waits for its threads
                raise

    def _batch(self, batch: list[Item], pool: ThreadPoolExecutor) -> None:
        if self.options.fetch_articles and len(batch) > 1:
            results = list(pool.map(self._prepare, batch))
        else:
            results = [self._prepare(item) for item in batch]
        ready: list[_Prepared] = []
        for result in results:
            if isinstance(result, _Failure):
                self._fail(result)
                continue
            # Content duplicates are found only now, with the text in hand, in item order.
            sha_key = next(k for k in result.keys if k.startswith("sha256:"))
            if self.options.dedupe and sha_key in self.seen:
                self.counts["duplicates"] += 1
                continue
            self.seen.add(sha_key)
            ready.append(result)
        if not ready:
            return
        t0 = time.monotonic()
        summaries = self._summarize(ready)
        summarize_s = (time.monotonic() - t0) / len(ready)
        summarized = [p for p in ready if p.item.id in summaries]
        # English items are finished now: whatever happens to the model later, they are kept.
        for prep in summarized:
            if prep.language != "ar":
                summary = " ".join(summaries[prep.item.id])
                self._write(prep, summaries[prep.item.id], _Translated(
                    prep.title, summary, summaries[prep.item.id], [], []),
                    _timings(prep, summarize_s, 0.0))
        arabic = [p for p in summarized if p.language == "ar"]
        if not arabic:
            return
        t0 = time.monotonic()
        translations = self._translate(arabic, summaries)
        translate_s = (time.monotonic() - t0) / len(arabic)
        for prep in arabic:
            if prep.item.id in translations:
                self._write(prep, summaries[prep.item.id], translations[prep.item.id],
                            _timings(prep, summarize_s, translate_s))

    # prepare ---------------------------------------------------------------------------------

    def _prepare(self, item: Item) -> _Prepared | _Failure:
        t0 = time.monotonic()
        try:
            return self._prepare_inner(item, t0)
        except TarjamaError as exc:
            return _Failure(item, "extract", exc.message)
        except Exception as exc:  # hostile HTML can break parsers in any way; one item only
            return _Failure(item, "extract", one_line(exc))

    def _prepare_inner(self, item: Item, t0: float) -> _Prepared | _Failure:
        if item.error is not None:
            return _Failure(item, "input", item.error)
        warnings: list[str] = []
        title, paragraphs, published = item.title, [], item.published
        fetched_text = False
        if self.options.fetch_articles and item.url and item.url.lower().startswith(("http://", "https://")):
            try:
                page = self.fetch(item.url)
                extracted = extract_page(page.data, page.final_url)
                paragraphs = list(extracted.paragraphs)
                title = title or extracted.title
                published = published or extracted.published
                fetched_text = True
            except TarjamaError as exc:
                if not (item.text or item.html):
                    return _Failure(item, "fetch", exc.message)
                warnings.append(f"article page not used ({exc.message}); summarized the feed's text")
        if not fetched_text:
            if item.text is not None:
                paragraphs = text_paragraphs(item.text)
            elif item.html is not None:
                extracted = extract_html(item.html, item.url)
                paragraphs = list(extracted.paragraphs)
                title = title or extracted.title
            elif item.path is not None:
                try:
                    extracted = read_article_file(Path(item.path))
                except InputError as exc:
                    raise InputError(f"{item.path}: {exc.message}") from None
                paragraphs = list(extracted.paragraphs)
                title = title or extracted.title
            else:
                hint = "; use --fetch-articles to read the linked page" if item.url else ""
                return _Failure(item, "extract", f"the item has no text{hint}")
        title = " ".join(title.split())
        paragraphs = strip_boilerplate(paragraphs, title)
        if not paragraphs:
            return _Failure(item, "extract", "no article text left after removing boilerplate")
        body = "\n".join(paragraphs)
        if len(body.split()) < _MIN_WORDS:
            return _Failure(item, "extract", f"too little text to summarize ({len(body.split())} words)")
        language = detect_language(body) or detect_language(title)
        if language is None:
            return _Failure(item, "extract", "text is neither mostly Arabic nor mostly Latin script")
        if item.language and item.language not in (language,) and item.language in ("ar", "en"):
            warnings.append(f"the source says language '{item.language}', the text looks '{language}'")
        if not title:
            warnings.append("no title")
        keys = [*_pre_keys(item), f"sha256:{content_hash(title, body)}"]
        document = Document.from_paragraphs(paragraphs, source_lang=language, title=title)
        return _Prepared(item, title, tuple(paragraphs), document, language, published,
                         tuple(keys), tuple(warnings), time.monotonic() - t0)

    # summarize -------------------------------------------------------------------------------

    def _summarize(self, ready: list[_Prepared]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for lang in sorted({p.language for p in ready}):
            group = [p for p in ready if p.language == lang]
            ident = self._summarizer_ident(lang)
            keys = [cache_key("summary", {**(ident or {}), "lang": lang}, "\n".join(p.paragraphs))
                    for p in group]
            cached = self.cache.get_many(keys) if self.cache is not None and ident else {}
            todo = [i for i, k in enumerate(keys) if not isinstance(cached.get(k), list)]
            results: dict[int, list[str]] = {i: cached[keys[i]] for i in range(len(group)) if i not in todo}
            fresh = self._summarize_group([group[i] for i in todo], lang)
            for i, sentences in zip(todo, fresh):
                if sentences is not None:
                    results[i] = sentences
            if self.cache is not None and ident:
                self.cache.put_many({keys[i]: results[i] for i in todo if i in results})
            for i, prep in enumerate(group):
                sentences = results.get(i)
                if sentences is None:
                    continue
                if not sentences:
                    self._fail(_Failure(prep.item, "summarize", "the summary is empty"))
                    continue
                out[prep.item.id] = sentences
        return out

    def _summarizer_ident(self, lang: str) -> dict[str, Any] | None:
        if lang not in self._summarizer_idents:
            per_lang = getattr(self.summarizer, "describe_for", None)
            self._summarizer_idents[lang] = per_lang(lang) if callable(per_lang) else describe(self.summarizer)
        return self._summarizer_idents[lang]

    def _summarize_group(self, group: list[_Prepared], lang: str) -> list[list[str] | None]:
        if not group:
            return []
        try:
            return [summary_sentences(r) for r in self._call_summarizer(group, lang)]
        except TarjamaError:
            raise  # a model that cannot load or run at all: every item would fail the same way
        except Exception as exc:
            if len(group) == 1:
                self._fail(_Failure(group[0].item, "summarize", one_line(exc)))
                return [None]
            log.info("summarizing a batch failed (%s); retrying its items one by one", one_line(exc))
        return [s for p in group for s in self._summarize_group([p], lang)]

    def _call_summarizer(self, group: list[_Prepared], lang: str) -> list[Any]:
        results = list(self.summarizer.summarize_many([p.document for p in group], lang))
        if len(results) != len(group):
            raise RuntimeError(f"summarizer returned {len(results)} results for {len(group)} texts")
        return results

    # translate -------------------------------------------------------------------------------

    def _translator_for(self) -> TranslationCache:
        if self._translator is None:
            if self.open_translator is None:
                raise InputError("Arabic items need a translation model, and none was given")
            inner = self.open_translator()  # a model that cannot load stops the run: not per item
            self._translator_ident = translator_identity(inner)
            self._translator = TranslationCache(inner, self.cache, self._translator_ident)
        return self._translator

    def _translate(self, group: list[_Prepared], summaries: Mapping[str, list[str]]
                   ) -> dict[str, _Translated]:
        translator = self._translator_for()
        try:
            return self._translate_group(translator, group, summaries)
        except TarjamaError:
            raise
        except Exception as exc:
            if len(group) == 1:
                self._fail(_Failure(group[0].item, "translate", one_line(exc)))
                return {}
            log.info("translating a batch failed (%s); retrying its items one by one", one_line(exc))
        out: dict[str, _Translated] = {}
        for prep in group:
            out.update(self._translate([prep], summaries))
        return out

    def _translate_group(self, translator: TranslationCache, group: list[_Prepared],
                         summaries: Mapping[str, list[str]]) -> dict[str, _Translated]:
        texts: list[str] = []
        owners: list[tuple[str, str]] = []  # (item id, "title" | "summary") per text
        for prep in group:
            parts = ([("title", prep.title)] if prep.title else []) + [
                ("summary", s) for s in summaries[prep.item.id]]
            for kind, text in parts:
                text = " ".join(text.split())
                if text:
                    texts.append(text)
                    owners.append((prep.item.id, kind))
        # One window for the whole batch: the translator batches across articles.
        results = translate_sentences(texts, translator, source_lang="ar",
                                      checks=self.options.checks)
        out = {p.item.id: _Translated("", "", [], [], []) for p in group}
        for (ident, kind), sentence in zip(owners, results):
            item = out[ident]
            if kind == "title":
                item.title = sentence.translation
            else:
                item.sentences.append(sentence.translation)
            for flag in ("split", "hit_max_length", "repeated"):
                if getattr(sentence, flag) and f"{kind}: {flag.replace('_', ' ')}" not in item.notes:
                    item.notes.append(f"{kind}: {flag.replace('_', ' ')}")
            index = None if kind == "title" else len(item.sentences) - 1
            item.checks += [{"part": kind, "sentence": index, **f.to_json()}
                            for f in sentence.checks if f.code != "split"]
        for item in out.values():
            item.summary = " ".join(t for t in item.sentences if t)
            item.notes.sort()
        return out

    # output ----------------------------------------------------------------------------------

    def _write(self, prep: _Prepared, summary: list[str], english: "_Translated",
               timings: dict[str, float]) -> None:
        item = prep.item
        dedupe = {"guid": item.guid, "url": canonical_url(item.url) if item.url else None,
                  "sha256": next(k[7:] for k in prep.keys if k.startswith("sha256:"))}
        record = {
            "id": item.id, "source": item.source, "feed": item.feed, "url": item.url,
            "published": prep.published, "language": prep.language,
            "title": prep.title, "title_en": english.title,
            "summary": " ".join(summary), "summary_en": english.summary,
            "summary_en_sentences": english.sentences,
            "method": self.options.method,
            "models": {"summarizer": self._summarizer_idents.get(prep.language),
                       "translator": self._translator_ident if prep.language == "ar" else None},
            "timings": timings,
            "warnings": [*prep.warnings, *(f"translation {f}" for f in english.notes)],
            "checks": english.checks,
            "dedupe": dedupe, "digested_at": _utc_now(),
        }
        self.journal.append(record)
        self.counts["done"] += 1

    def _fail(self, failure: _Failure) -> None:
        item = failure.item
        log.info("%s: %s failed: %s", item.id, failure.stage, failure.error)
        self.journal.append_error({
            "id": item.id, "source": item.source, "url": item.url, "title": item.title or None,
            "stage": failure.stage, "error": failure.error, "at": _utc_now(), "run": self.started,
        })
        self.counts["failed"] += 1


def run_digest(
    entries: Iterable[Item | SourceFailure],
    journal: Journal | MemoryJournal,
    summarizer: DigestSummarizer,
    *,
    translator: Callable[[], TranslationModel] | None = None,
    options: DigestOptions = DigestOptions(),
    cache: ContentCache | None = None,
    fetch: Callable[[str], Fetched] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    progress: ProgressSink | None = None,
) -> DigestStats:
    """Digest every new item of `entries` into `journal`; see the module docstring."""
    started = time.monotonic()
    limits = options.limits
    run = _Run(journal, summarizer, translator, options, cache,
               fetch or (lambda url: fetch_url(url, limits, cancel=run.abort.is_set)),
               should_stop, progress)
    pending = run.scan(entries)
    run.process(pending)
    c = run.counts
    return DigestStats(
        done=c["done"], failed=c["failed"], skipped=c["skipped"], duplicates=c["duplicates"],
        older=c["older"], deferred=c["deferred"], sources_failed=c["sources_failed"],
        seconds=time.monotonic() - started, interrupted=run.interrupted,
        cache_hits=cache.hits if cache is not None else 0,
    )


@contextmanager
def stop_requested_on_signals(signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
                              ) -> Iterator[Callable[[], bool]]:
    """Turn the first Ctrl-C (or SIGTERM, SIGHUP) into a stop request the run checks between
    batches.

    A second one ends the process at once, exit code 130 (128 + the signal's number for the
    others), without a traceback from whatever was running (torch, a thread's join): for a user
    who does not want to wait for the batch. What is in the output stays (each record is one
    whole line, already written); the batch in progress is done again by the next run; after a
    stop request this holds until the process has exited. SIGHUP ignored (nohup) stays ignored. Outside the main thread, signals cannot be handled and the
    yielded check is always False.
    """
    event = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield event.is_set
        return
    # SIGHUP ignored (nohup) stays ignored; Ctrl-C and SIGTERM are always taken, even where a
    # shell started the run in the background with SIGINT ignored.
    taken = [sig for sig in signals
             if sig != signal.SIGHUP or signal.getsignal(sig) is not signal.SIG_IGN]
    previous = {sig: signal.getsignal(sig) for sig in taken}

    def again(signum: int, frame: Any) -> None:
        os.write(2, b"tarjama: interrupted; stopped at once (run the same command again to resume)\n")
        os._exit(128 + signum)

    def handler(signum: int, frame: Any) -> None:
        event.set()
        for sig in taken:
            signal.signal(sig, again)
        log.warning("stopping after the current batch (press Ctrl-C again to stop at once)")

    for sig in taken:
        signal.signal(sig, handler)
    try:
        yield event.is_set
    finally:
        # After a stop request the next signal still ends the process at once, up to its very
        # exit: giving back Python's own handler would let a Ctrl-C raise KeyboardInterrupt
        # inside torch's exit hooks, with a traceback.
        if not event.is_set():
            for sig, old in previous.items():
                signal.signal(sig, old)
