"""What the server does for each request, apart from HTTP: the models loaded once and shared,
and the work of each endpoint as plain calls (serve.app and serve.libretranslate turn requests
into these calls and their results into responses).

Every call that runs a model takes the request's RequestScope: its sentences go through the
shared batching translator, bounded by the request's deadline.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

from tarjama import __version__
from tarjama.api import Summarizer, iter_article_json, lines_of
from tarjama.errors import ClientGoneError, InputError, RequestTooLargeError, UsageError, one_line
from tarjama.models.session import SummaryModels
from tarjama.models.summarizer import Seq2SeqSummarizer
from tarjama.models.translator import Seq2SeqTranslator
from tarjama.news.fetch import FetchLimits
from tarjama.nlp.document import Line
from tarjama.nlp.markup import translate_html
from tarjama.nlp.script import SCRIPT_OF_LANG, count_scripts
from tarjama.models.langid import detector
from tarjama.nlp.checks import CheckSettings
from tarjama.nlp.translate import TranslationStats, translate_lines
from tarjama.serve.batching import BatchingTranslator, RequestModel, RequestScope
from tarjama.serve.checking import check_pairs
from tarjama.serve.metrics import Metrics

__all__ = ["LANG_NAMES", "Service", "ServeSettings", "detect_languages"]

LANG_NAMES = {"ar": "Arabic", "en": "English"}


@dataclass(frozen=True)
class ServeSettings:
    """The server's limits and switches (`tarjama serve` options)."""

    max_chars: int = 100_000  # characters of text in one request (413 beyond)
    max_queue: int = 1024  # sentences waiting for a model when a new request arrives (503 beyond)
    timeout: float = 120.0  # seconds for one request, streaming included (504 beyond)
    batch_wait_ms: float = 5.0  # how long an idle model waits for more requests to batch
    dynamic_batching: bool = True
    api_keys: frozenset[str] = frozenset()
    cors: tuple[str, ...] = ()
    fetch_urls: bool = True  # may clients ask the server to fetch an article URL?
    fetch_limits: FetchLimits = field(default_factory=lambda: FetchLimits(max_bytes=5 << 20))
    # Segments per window of a streamed /v1/translate: the first paragraphs go out once the
    # first window is translated, the rest follow window by window.
    stream_window: int = 16
    max_in_flight: int = 256  # requests answered at once (503 beyond)

    @property
    def max_body_bytes(self) -> int:
        # JSON may escape every character as \uXXXX (six bytes); room for the other fields.
        return 6 * self.max_chars + (64 << 10)


def detect_languages(text: str, langs: Sequence[str]) -> list[dict[str, Any]]:
    """LibreTranslate's /detect answer for the languages served: each language whose script
    the text's letters are in, with the share of the letters as its confidence (0-100).

    Arabic and English have scripts of their own, so the share of Arabic letters tells them
    apart; it does not tell Arabic from Persian or Urdu (same script).
    """
    counts = count_scripts(text)
    found = []
    for lang in langs:
        n = counts.count(SCRIPT_OF_LANG[lang]) if lang in SCRIPT_OF_LANG else 0
        if n and counts.letters:
            found.append({"confidence": round(100.0 * n / counts.letters, 1), "language": lang})
    found.sort(key=lambda d: -d["confidence"])
    # As LibreTranslate: nothing recognisable is English with no confidence.
    return found or [{"confidence": 0.0, "language": "en"}]


class Service:
    """The loaded models and the work of each endpoint."""

    def __init__(self, translators: Mapping[tuple[str, str], Seq2SeqTranslator],
                 settings: ServeSettings | None = None, *, metrics: Metrics | None = None,
                 summarizers: Mapping[str, Seq2SeqSummarizer] | None = None) -> None:
        if not translators:
            raise UsageError("tarjama serve needs at least one translation model")
        self.settings = settings or ServeSettings()
        self.metrics = metrics or Metrics()
        self.batchers: dict[tuple[str, str], BatchingTranslator] = {}
        for (source, target), model in translators.items():
            batcher = BatchingTranslator(
                model, max_wait=self.settings.batch_wait_ms / 1000.0,
                max_queued=self.settings.max_queue, dynamic=self.settings.dynamic_batching,
                observer=self.metrics.for_direction(f"{source}-{target}"))
            self.metrics.queued.labels(batcher.direction).set_function(lambda b=batcher: b.queued)
            self.batchers[(source, target)] = batcher
        self.summarizers = dict(summarizers or {})  # by the language they summarize
        # One abstractive summary at a time: its model has no batching of its own here.
        self._summary_lock = threading.Lock()

    def close(self) -> None:
        for batcher in self.batchers.values():
            batcher.close()

    # --- languages --------------------------------------------------------------------------

    @property
    def languages(self) -> list[str]:
        codes = {lang for pair in self.batchers for lang in pair}
        return sorted(codes, key=lambda c: (c != "ar", c))

    def targets(self, source: str) -> list[str]:
        # Every language also "translates" to itself (the text comes back unchanged), as in
        # LibreTranslate.
        return sorted({source, *(t for s, t in self.batchers if s == source)},
                      key=lambda c: (c != "ar", c))

    def language_list(self) -> list[dict[str, Any]]:
        return [{"code": c, "name": LANG_NAMES.get(c, c), "targets": self.targets(c)}
                for c in self.languages]

    def detect(self, text: str) -> list[dict[str, Any]]:
        return detect_languages(text, self.languages)

    def model(self, source: str, target: str, scope: RequestScope) -> RequestModel:
        batcher = self.batchers.get((source, target))
        if batcher is None:
            raise UsageError(f"{LANG_NAMES.get(target, target)} ({target}) is not available as "
                             f"a target language from {LANG_NAMES.get(source, source)} ({source})")
        return batcher.for_request(scope)

    def abstractive_directions(self) -> list[str]:
        from tarjama.models.registry import DEFAULT_CROSS_LINGUAL_STRATEGIES
        from tarjama.nlp.summarize import resolve_plan

        out = []
        for source, target in self.batchers:
            plan = resolve_plan(source, target, "abstractive", default_strategy=
                                DEFAULT_CROSS_LINGUAL_STRATEGIES.get((source, target)))
            if plan.summary_lang in self.summarizers:
                out.append(f"{source}-{target}")
        return out

    def info(self) -> dict[str, Any]:
        """GET /healthz: what the page and an operator need to know."""
        return {
            "status": "ok", "tarjama_version": __version__,
            "directions": [f"{s}-{t}" for s, t in self.batchers],
            "abstractive": self.abstractive_directions(),
            "api_key_required": bool(self.settings.api_keys),
            "url_fetch": self.settings.fetch_urls, "max_chars": self.settings.max_chars,
            "queued": {b.direction: b.queued for b in self.batchers.values()},
        }

    # --- input ------------------------------------------------------------------------------

    def article_lines(self, text: str | None, url: str | None) -> tuple[list[Line], str]:
        """The article a request gives: text (one paragraph a line) or a URL to fetch, with
        the same limits as the digest. Returns the lines and a name for the article."""
        if (text is None) == (url is None):
            raise UsageError("give either text or url")
        if url is not None:
            from tarjama.news.sources import is_url, open_article_source

            if not self.settings.fetch_urls:
                raise UsageError("this server does not fetch URLs (started with --no-fetch); "
                                 "send the article's text")
            if not is_url(url):
                raise InputError(f"{url[:200]}: only http(s) URLs can be fetched")
            with open_article_source(url, self.settings.fetch_limits) as source:
                lines = list(source)
            self.check_size(sum(len(line.text) for line in lines))
            return lines, url
        self.check_size(len(text or ""))
        if not (text or "").strip():
            raise InputError("the text is empty")
        return lines_of(text or ""), "input"

    def check_size(self, chars: int) -> None:
        if chars > self.settings.max_chars:
            raise RequestTooLargeError(chars, self.settings.max_chars)

    # --- translation ------------------------------------------------------------------------

    def translate_texts(self, texts: Sequence[str], source: str, target: str, fmt: str,
                        scope: RequestScope) -> list[str]:
        """LibreTranslate's /translate: each text translated with its lines kept (format
        text), or its markup kept (format html). All texts share the model's batches."""
        if source == target:
            return list(texts)
        model = self.model(source, target, scope)
        stats = TranslationStats()
        if fmt == "html":
            out = translate_html(texts, model, source_lang=source, target_lang=target,
                                 stats=stats)
        else:
            out = _translate_keeping_lines(texts, model, source, stats)
        self._count(source, target, stats)
        return out

    def translate_article(self, lines: Sequence[Line], source: str, target: str,
                          scope: RequestScope) -> Iterator[str]:
        """/v1/translate: TranslatedArticle.to_json() as chunks of JSON text, the first once
        the first window of sentences is translated (errors until then are raised, so the
        response can still say so with its status), then paragraph by paragraph.

        An error after that ends the JSON with an "error" member in place of "stats".
        """
        model = self.model(source, target, scope)
        stats = TranslationStats()
        paragraphs = translate_lines(lines, model, source_lang=source,
                                     window_segments=self.settings.stream_window, stats=stats,
                                     checks=CheckSettings(source, target, detect=detector()))
        first = next(paragraphs, None)

        def all_paragraphs() -> Iterator[Any]:
            if first is not None:
                yield first
                yield from paragraphs

        chunks = iter_article_json(all_paragraphs(), model.provenance(), stats)
        head = next(chunks) + next(chunks, "")  # the record's head and the first paragraph
        return self._stream(head, chunks, source, target, stats)

    def _stream(self, head: str, chunks: Iterator[str], source: str, target: str,
                stats: TranslationStats) -> Iterator[str]:
        yield head
        try:
            yield from chunks
        except ClientGoneError:
            return
        except Exception as exc:  # the status line is sent: the record itself says what failed
            yield '\n ],\n "error": ' + json.dumps(one_line(exc), ensure_ascii=False) + "\n}\n"
        finally:
            self._count(source, target, stats)

    def _count(self, source: str, target: str, stats: TranslationStats) -> None:
        self.metrics.sentences.labels(f"{source}-{target}").inc(stats.translated)

    # --- summaries and checks ---------------------------------------------------------------

    def summarize(self, lines: Sequence[Line], *, source: str, target: str, method: str,
                  strategy: str | None, sentences: int | None, ratio: float | None,
                  words: int | None, name: str, scope: RequestScope) -> dict[str, Any]:
        """/v1/summarize: tarjama.api.Summarizer's record, with this server's models."""
        summarizer = Summarizer(source_lang=source, target_lang=target, method=method,
                                strategy=strategy, sentences=sentences, ratio=ratio, words=words)
        plan = summarizer.plan
        summary_model = None
        if plan.method == "abstractive":
            summary_model = self.summarizers.get(plan.summary_lang)
            if summary_model is None:
                raise UsageError(f"this server has no abstractive summarizer for "
                                 f"{LANG_NAMES.get(plan.summary_lang, plan.summary_lang)} text "
                                 "(start it with --abstractive); use method extractive")
        translator = self.model(source, target, scope) if plan.strategy is not None else None
        summarizer.models = SummaryModels(None, None, summarizer=summary_model,
                                          translator=translator)  # type: ignore[arg-type]
        if summary_model is None:
            return summarizer.summarize(lines, name=name).to_json()
        with self._summary_lock:
            scope.check()
            return summarizer.summarize(lines, name=name).to_json()

    def check(self, sources: Sequence[str], translations: Sequence[str], source: str,
              target: str) -> dict[str, Any]:
        """/v1/check: the per-sentence checks on a given source/translation pair."""
        if len(sources) != len(translations):
            raise UsageError(f"{len(sources)} sources but {len(translations)} translations; "
                             "give one translation per source")
        for lang in (source, target):
            if lang not in LANG_NAMES:
                raise UsageError(f"{lang} is not supported")
        flags = check_pairs(sources, translations, source, target)
        counts: dict[str, int] = {}
        for found in flags:
            for flag in found:
                counts[flag.code] = counts.get(flag.code, 0) + 1
        return {
            "source_lang": source, "target_lang": target,
            "sentences": [{"index": i, "source": s, "translation": t,
                           "checks": [f.to_json() for f in found]}
                          for i, (s, t, found) in enumerate(zip(sources, translations, flags))],
            "stats": {"sentences": len(sources), "flagged": sum(1 for f in flags if f),
                      "checks": dict(sorted(counts.items()))},
        }


def _translate_keeping_lines(texts: Sequence[str], model: RequestModel, source: str,
                             stats: TranslationStats) -> list[str]:
    """Texts translated line by line (a subtitle's two lines stay two), all in one stream of
    lines so that many short texts fill the same batches."""
    lines: list[Line] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        for line in lines_of(text):
            lines.append(Line(len(lines) + 1, 0, line.text))
            owner.append(i)
    translated = {p.line: p.translation for p in translate_lines(lines, model, source_lang=source,
                                                                 stats=stats)}
    parts: list[list[str]] = [[] for _ in texts]
    for line, i in zip(lines, owner):
        parts[i].append(translated.get(line.number, line.text))  # blank lines as they were
    return ["\n".join(p) + ("\n" if t.endswith(("\n", "\r")) else "") for p, t in zip(parts, texts)]
