"""The public Python API: what ``import tarjama`` offers, and what every command runs.

    import tarjama
    tr = tarjama.Translator("opus-mt-ar-en")        # a registry name, hub id or directory
    article = tr.translate_article(text)            # paragraphs, sentences, flags, provenance
    print(article.text); article.to_json()
    tarjama.summarize(text, method="extractive", sentences=3)
    tarjama.score(hyps, refs, metrics=["bleu", "chrf"])

Everything raises the project's exceptions (tarjama.errors), never exits; the command line maps
them to one-line messages and exit codes. Options are the command line's, by the same names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TextIO

from tarjama import __version__
from tarjama.models.session import (
    SummarizationRequest,
    SummaryModels,
    TranslationRequest,
    open_summarizer,
    open_translator,
)
from tarjama.models.translator import Seq2SeqTranslator
from tarjama.nlp.boilerplate import SetAside, clean_article
from tarjama.nlp.checks import CheckSettings, Flag
from tarjama.nlp.checks.lines import CheckedLine, CheckReport, check_lines
from tarjama.nlp.checks.confidence import DEFAULT_MIN_CONFIDENCE
from tarjama.nlp.document import Line, paragraph_sentences, read_document
from tarjama.nlp.glossary import Glossary
from tarjama.nlp.extractive import SummaryLength
from tarjama.nlp.summarize import (
    SummaryPlan,
    SummaryResult,
    resolve_plan,
    summarize_document,
)
from tarjama.nlp.translate import (
    TranslatedParagraph,
    TranslatedSentence,
    TranslationStats,
    translate_articles,
    translate_lines,
    translate_sentences,
)

__all__ = ["CheckReport", "CheckedLine", "DigestRun", "Summarizer", "Summary",
           "TranslatedArticle", "Translator", "check", "digest", "evaluate", "iter_article_json",
           "lines_of", "load_glossary", "score", "split", "summarize", "write_article_json",
           "write_article_text"]

def lines_of(text: str) -> list[Line]:
    """Text in memory as input lines (one paragraph a line; \\r\\n and \\n both end a line)."""
    if not text:
        return []
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [Line(n, 0, p[:-1] if p.endswith("\r") else p) for n, p in enumerate(parts, start=1)]


# --- translation -----------------------------------------------------------------------------


@dataclass
class TranslatedArticle:
    """A translated article: its paragraphs in order, what ran, and the counts."""

    paragraphs: list[TranslatedParagraph]
    provenance: dict[str, Any]
    stats: TranslationStats
    name: str = "input"
    boilerplate: list[SetAside] = field(default_factory=list)  # set aside with drop_boilerplate

    @property
    def text(self) -> str:
        """The translation, one paragraph a line, blank lines where the input had them."""
        return "".join(text for _, text in _paired_text(self.paragraphs))

    @property
    def sentences(self) -> list[TranslatedSentence]:
        return [s for p in self.paragraphs for s in p.sentences]

    @property
    def warnings(self) -> list[str]:
        return self.stats.warnings(str(self.provenance.get("source_lang", "")), self.name)

    @property
    def checks(self) -> list[Flag]:
        """The article's own flags (its language); each sentence carries its own."""
        return list(self.stats.document_checks)

    def to_json(self) -> dict[str, Any]:
        """The record `tarjama translate --format json` writes."""
        return {"tarjama_version": __version__, **self.provenance,
                "paragraphs": [p.to_json() for p in self.paragraphs],
                "checks": [c.to_json() for c in self.stats.document_checks],
                "boilerplate": [b.to_json() for b in self.boilerplate],
                "stats": self.stats.to_json()}


class Translator:
    """An article translator: a model loaded once, then any number of articles.

    ``model`` is a registry name (``tarjama models list``), a hub id or a local directory;
    None takes the registry's default for the language pair. The other options are those of
    ``tarjama translate``. Loading fails with ModelNotDownloadedError (exit code 5) and the
    command to run when the model is not in the cache and the hub cannot be reached.
    """

    def __init__(self, model: str | None = None, *, source_lang: str = "ar",
                 target_lang: str = "en", revision: str | None = None, beams: int | None = None,
                 max_segment_tokens: int = 256, batch_tokens: int | None = None,
                 device: str = "auto", dtype: str = "auto", threads: int | None = None,
                 quantize: str | None = None, backend: str = "torch", allow_pickle: bool = False,
                 offline: bool = False, glossary: str | Path | Glossary | None = None,
                 min_confidence: float = DEFAULT_MIN_CONFIDENCE, checks: bool = True) -> None:
        self.checks = _check_settings(source_lang, target_lang, glossary, min_confidence, checks)
        self.request = TranslationRequest(
            source_lang=source_lang, target_lang=target_lang, model=model, revision=revision,
            device=device, dtype=dtype, threads=threads, allow_pickle=allow_pickle,
            offline=offline, beams=beams, max_segment_tokens=max_segment_tokens,
            batch_tokens=batch_tokens, quantize=quantize, backend=backend,
        )
        self.model: Seq2SeqTranslator = open_translator(self.request)

    @classmethod
    def from_model(cls, model: Seq2SeqTranslator, *,
                   glossary: str | Path | Glossary | None = None,
                   min_confidence: float = DEFAULT_MIN_CONFIDENCE,
                   checks: bool = True) -> "Translator":
        """Wrap a model opened already (models.session.open_translator)."""
        self = cls.__new__(cls)
        self.request = TranslationRequest(source_lang=model.source_lang,
                                          target_lang=model.target_lang)
        self.model = model
        self.checks = _check_settings(model.source_lang, model.target_lang, glossary,
                                      min_confidence, checks)
        return self

    @property
    def source_lang(self) -> str:
        return self.model.source_lang

    @property
    def target_lang(self) -> str:
        return self.model.target_lang

    def provenance(self) -> dict[str, Any]:
        return self.model.provenance()

    def translate_lines(self, lines: Iterable[Line], stats: TranslationStats | None = None
                        ) -> Iterator[TranslatedParagraph]:
        """Paragraphs as they are translated (memory bounded by a window, not the article)."""
        return translate_lines(lines, self.model, source_lang=self.source_lang, stats=stats,
                               checks=self.checks)

    def translate_article(self, text: str | Iterable[Line], *, name: str = "input",
                          drop_boilerplate: bool = False) -> TranslatedArticle:
        """Translate an article: text with one paragraph a line (or lines read already).
        `drop_boilerplate` sets page furniture aside first (listed in the result)."""
        lines = lines_of(text) if isinstance(text, str) else text
        aside: list[SetAside] = []
        if drop_boilerplate:
            cleaned = clean_article([line.text for line in lines])
            lines, aside = cleaned.lines(), list(cleaned.set_aside)
        stats = TranslationStats()
        paragraphs = list(self.translate_lines(lines, stats))
        return TranslatedArticle(paragraphs, self.provenance(), stats, name, aside)

    def translate_sentences(self, texts: Sequence[str]) -> list[TranslatedSentence]:
        """Texts that are one sentence each (a headline, a summary), translated as they are."""
        return translate_sentences(texts, self.model, source_lang=self.source_lang,
                                   checks=self.checks)

    def translate_articles(self, texts: Sequence[str | Iterable[Line]], *,
                           names: Sequence[str] | None = None) -> list[TranslatedArticle]:
        """Several articles in one go: their sentences share the model's batches (fuller
        batches for short articles); each result is what translate_article gives."""
        lines = [lines_of(t) if isinstance(t, str) else t for t in texts]
        stats = [TranslationStats() for _ in lines]
        translated = translate_articles(lines, self.model, source_lang=self.source_lang,
                                        stats=stats, checks=self.checks)
        provenance = self.provenance()
        return [TranslatedArticle(paragraphs, provenance, s, name)
                for paragraphs, s, name in zip(translated, stats,
                                               names or ["input"] * len(lines))]


_NOTE_CODES = ("split",)


def load_glossary(glossary: str | Path | Glossary | None) -> Glossary | None:
    """A glossary from a TSV file (a one-line InputError naming the file and line when it does
    not parse), or the one given."""
    if glossary is None or isinstance(glossary, Glossary):
        return glossary
    from tarjama.inputs import read_text
    from tarjama.nlp.glossary import parse_glossary

    return parse_glossary(read_text(Path(glossary), role="glossary"), str(glossary))


def _check_settings(source_lang: str, target_lang: str, glossary: Any, min_confidence: float,
                    enabled: bool) -> CheckSettings | None:
    if not enabled:
        return None
    from tarjama.models.langid import detector

    return CheckSettings(source_lang, target_lang, glossary=load_glossary(glossary),
                         min_confidence=min_confidence, detect=detector())



def write_article_text(out: TextIO, paragraphs: Iterable[TranslatedParagraph],
                       advance: Callable[[int], None] = lambda line: None, *,
                       mark: bool = False) -> None:
    """The translation as text, streamed paragraph by paragraph. With `mark`, each flagged
    sentence gets a [n] marker and the notes follow the article, so the reader knows which
    sentences to check and why."""
    notes: list[str] = []

    def marked(para: TranslatedParagraph) -> TranslatedParagraph:
        parts = []
        for s in para.sentences:
            shown = [f for f in s.checks if f.code not in _NOTE_CODES]
            if shown and s.translation:
                notes.append(f"[{len(notes) + 1}] line {para.line}: " + "; ".join(
                    f"{f.code}: {f.detail}" for f in shown))
                parts.append(f"{s.translation} [{len(notes)}]")
            elif s.translation:
                parts.append(s.translation)
        return replace(para, translation=" ".join(parts))

    for para, text in _paired_text(marked(p) if mark else p for p in paragraphs):
        out.write(text)
        advance(para.line)
    if notes:
        out.write("\n" + "".join(n + "\n" for n in notes))


def _paired_text(paragraphs: Iterable[TranslatedParagraph]
                 ) -> Iterator[tuple[TranslatedParagraph, str]]:
    first = True
    for para in paragraphs:
        yield para, "\n" * (0 if first else para.blank_lines_before) + para.translation + "\n"
        first = False


def write_article_json(out: TextIO, paragraphs: Iterable[TranslatedParagraph],
                       provenance: Mapping[str, Any], stats: TranslationStats,
                       advance: Callable[[int], None] = lambda line: None,
                       boilerplate: Sequence[SetAside] = ()) -> None:
    """TranslatedArticle.to_json(), streamed by hand so a long article never sits in memory
    as one JSON tree (the stats are complete once the last paragraph is out)."""

    def written() -> Iterator[TranslatedParagraph]:
        for para in paragraphs:
            yield para
            advance(para.line)  # asked for the next one: this one is written

    for chunk in iter_article_json(written(), provenance, stats, boilerplate):
        out.write(chunk)


def iter_article_json(paragraphs: Iterable[TranslatedParagraph], provenance: Mapping[str, Any],
                      stats: TranslationStats, boilerplate: Sequence[SetAside] = ()
                      ) -> Iterator[str]:
    """The text of TranslatedArticle.to_json() in pieces: the head, each paragraph as it comes
    (the server streams them), then the article's checks, what was set aside, and the stats."""
    head = json.dumps({"tarjama_version": __version__, **provenance}, ensure_ascii=False, indent=1)
    yield head[:-2] + ',\n "paragraphs": [\n'
    for i, para in enumerate(paragraphs):
        yield (",\n" if i else "") + json.dumps(para.to_json(), ensure_ascii=False)
    checks = json.dumps([c.to_json() for c in stats.document_checks], ensure_ascii=False)
    aside = json.dumps([b.to_json() for b in boilerplate], ensure_ascii=False)
    yield ('\n ],\n "checks": ' + checks + ',\n "boilerplate": ' + aside
           + ',\n "stats": ' + json.dumps(stats.to_json()) + "\n}\n")


def split(lines: Iterable[Line] | str, *, normalized: bool = False
          ) -> Iterator[tuple[Line, list[Any]]]:
    """Each non-blank input line with its sentences (offsets into the line), as `tarjama split`."""
    for line in lines_of(lines) if isinstance(lines, str) else lines:
        if line.text.strip():
            yield line, paragraph_sentences(line.text, normalized=normalized)


# --- summaries -------------------------------------------------------------------------------


@dataclass
class Summary:
    """A summary, with the plan that made it, the models it used, and the page furniture set
    aside before summarizing (masthead, repeated headlines, bylines, ...)."""

    result: SummaryResult
    provenance: dict[str, Any]
    name: str = "input"
    boilerplate: list[SetAside] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.result.text

    @property
    def sentences(self) -> list[str]:
        return [s.text for s in self.result.sentences]

    @property
    def warnings(self) -> list[str]:
        return list(self.result.warnings)

    def to_json(self) -> dict[str, Any]:
        """The record `tarjama summarize --format json` writes."""
        return {"tarjama_version": __version__, "source": self.name,
                **self.result.to_json(self.provenance),
                "boilerplate": [b.to_json() for b in self.boilerplate]}


@dataclass
class Summarizer:
    """Summaries of any number of articles with the same settings; models load on first use
    and only when the plan needs them (an extractive summary never loads a model).

    The options are those of ``tarjama summarize``: ``method`` extractive, lead, abstractive or
    auto; ``strategy`` across languages; the length (``sentences``, ``ratio`` or ``words``) for
    extractive and lead summaries; ``model`` the summarizer, ``mt_model`` the translator.
    """

    source_lang: str = "ar"
    target_lang: str = "en"
    method: str = "auto"
    strategy: str | None = None
    sentences: int | None = None
    ratio: float | None = None
    words: int | None = None
    model: str | None = None
    mt_model: str | None = None
    revision: str | None = None
    mt_revision: str | None = None
    beams: int | None = None
    max_summary_tokens: int | None = None
    max_input_tokens: int | None = None
    device: str = "auto"
    dtype: str = "auto"
    threads: int | None = None
    allow_pickle: bool = False
    offline: bool = False
    glossary: str | Path | Glossary | None = None
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    checks: bool = True
    keep_boilerplate: bool = False
    plan: SummaryPlan = field(init=False)
    length: SummaryLength = field(init=False)
    models: SummaryModels = field(init=False)

    def __post_init__(self) -> None:
        from tarjama.errors import UsageError
        from tarjama.models.registry import DEFAULT_CROSS_LINGUAL_STRATEGIES

        self.plan = resolve_plan(
            self.source_lang, self.target_lang, self.method, self.strategy,
            default_strategy=DEFAULT_CROSS_LINGUAL_STRATEGIES.get((self.source_lang, self.target_lang)),
            model_given=self.model is not None,
        )
        given = [v for v in (self.sentences, self.ratio, self.words) if v is not None]
        if len(given) > 1:
            raise UsageError("give only one of --sentences, --ratio and --words")
        if self.plan.method == "abstractive" and given:
            raise UsageError("--sentences, --ratio and --words set extractive and lead summaries; "
                             "an abstractive summary's length is --max-summary-tokens")
        if self.ratio is not None and not 0 < self.ratio <= 1:
            raise UsageError("--ratio must be above 0 and at most 1")
        self.length = SummaryLength(sentences=self.sentences, ratio=self.ratio, words=self.words)
        self._checks = _check_settings(self.source_lang, self.target_lang, self.glossary,
                                       self.min_confidence, self.checks)
        common = dict(device=self.device, dtype=self.dtype, threads=self.threads,
                      allow_pickle=self.allow_pickle, offline=self.offline)
        self.models = SummaryModels.for_plan(
            self.plan,
            summarizer=SummarizationRequest(
                lang=self.plan.summary_lang, model=self.model, revision=self.revision,
                beams=self.beams, max_summary_tokens=self.max_summary_tokens,
                max_input_tokens=self.max_input_tokens, **common),
            translator=TranslationRequest(
                source_lang=self.source_lang, target_lang=self.target_lang, model=self.mt_model,
                revision=self.mt_revision, beams=self.beams, **common),
        )

    def summarize(self, text: str | Iterable[Line], *, name: str = "input") -> Summary:
        """Summarize an article: text with one paragraph a line (or lines read already); a
        short first line without closing punctuation is its headline."""
        lines = lines_of(text) if isinstance(text, str) else list(text)
        cleaned = None
        if not self.keep_boilerplate:
            cleaned = clean_article([line.text for line in lines])
            lines = cleaned.lines()
        doc = read_document(lines, source_lang=self.source_lang)
        result = summarize_document(doc, self.plan, self.models, length=self.length, name=name,
                                    checks=self._checks)
        return Summary(result, self.models.provenance(), name,
                       cleaned.set_aside if cleaned is not None else [])


def summarize(text: str | Iterable[Line], *, name: str = "input", **options: Any) -> Summary:
    """One article's summary; ``options`` as :class:`Summarizer` takes them."""
    return Summarizer(**options).summarize(text, name=name)


# --- scores ----------------------------------------------------------------------------------


def score(hyps: Sequence[str], refs: Sequence[str] | Sequence[Sequence[str]], *,
          metrics: str | Sequence[str] = ("bleu", "chrf", "chrf++", "ter"),
          lang: str | None = None, bootstrap: int = 1000, seed: int = 12345,
          sources: Sequence[str] | None = None, doc_ids: Sequence[str] | None = None,
          rouge_stem: bool | None = None, rouge_protocol: str | None = None) -> Any:
    """Score hypotheses against references, as `tarjama eval score` does (an
    eval.scoring.ScoreReport: corpus scores with signatures and bootstrap CIs, per-segment and
    per-document scores). ``refs`` is one reference per hypothesis, or several lists of them.
    ROUGE scores under ``rouge_protocol``: tarjama (default), xlsum or rouge-score."""
    from tarjama.eval.scoring import score_texts

    streams = [list(refs)] if refs and isinstance(refs[0], str) else [list(r) for r in refs]
    return score_texts(list(hyps), streams, metrics=metrics, lang=lang, n_bootstrap=bootstrap,
                       seed=seed, sources=sources, doc_ids=doc_ids, rouge_stem=rouge_stem,
                       rouge_protocol=rouge_protocol)


# --- digests ---------------------------------------------------------------------------------


@dataclass
class DigestRun:
    """What a digest run did: its counts, and the files it wrote."""

    stats: Any  # news.digest.DigestStats, or None when only pages were rendered
    output: Path
    errors: Path
    pages: list[Path]

    @property
    def interrupted(self) -> bool:
        return self.stats is not None and self.stats.interrupted

    @property
    def all_ok(self) -> bool:
        return self.stats is None or self.stats.all_ok


def digest(sources: Sequence[str], output: Path, *, render: Sequence[Path] = (),
           since: str | None = None, limit: int | None = None, fetch_articles: bool = False,
           method: str = "extractive", sentences: int = 3, batch_size: int = 16,
           timeout: float = 20.0, max_bytes: int = 10 << 20, max_redirects: int = 5,
           fetch_workers: int = 4, cache: bool = True, model: str | None = None,
           revision: str | None = None, summary_model: str | None = None,
           beams: int | None = None, batch_tokens: int | None = None,
           quantize: str | None = None, backend: str = "torch", device: str = "auto",
           dtype: str = "auto", threads: int | None = None, allow_pickle: bool = False,
           offline: bool = False, glossary: str | Path | Glossary | None = None,
           min_confidence: float = DEFAULT_MIN_CONFIDENCE,
           should_stop: Callable[[], bool] = lambda: False, progress: Any = None) -> DigestRun:
    """Digest the new articles of feeds, JSONL files and folders into `output` (JSONL, one
    record per article, exactly once), then render `render` pages from the whole output.

    Rerunning the same call finishes an interrupted run; failures go to the errors file. The
    options are those of `tarjama digest`; `should_stop` is checked between batches.
    """
    from tarjama.errors import UsageError
    from tarjama.news.cache import ContentCache
    from tarjama.news.digest import DigestOptions, digest_summarizer, run_digest
    from tarjama.news.feeds import iter_items, parse_published, resolve_sources
    from tarjama.news.fetch import FetchLimits
    from tarjama.news.journal import Journal, cache_path_for, errors_path_for
    from tarjama.news.render import check_render_target, write_digest_pages
    from tarjama.outputs import check_output

    output = Path(output)
    if not sources and not render:
        raise UsageError("give feeds, JSONL files or folders to digest (or only --render to render the output)")
    since_at = None
    if since is not None:
        try:
            since_at = parse_published(since)
        except ValueError:
            raise UsageError(f"--since {since!r}: expected a date, YYYY-MM-DD or ISO 8601") from None
    if method not in ("extractive", "lead", "abstractive"):
        raise UsageError(f"--method {method!r}: use extractive, lead or abstractive")
    limits = FetchLimits(timeout=timeout, max_bytes=max_bytes, max_redirects=max_redirects)
    common = dict(device=device, dtype=dtype, threads=threads, allow_pickle=allow_pickle,
                  offline=offline)
    stats = None
    # Every target is checked before any feed is read or model loaded: none may be an input,
    # and a render target of the wrong kind fails now, not after the whole digest.
    resolved = resolve_sources(sources) if sources else []
    inputs = [*sources, *(s.location for s in resolved)]
    if sources:
        check_output(output, inputs=inputs)
        check_output(errors_path_for(output), inputs=inputs)
    for target in render:
        check_render_target(Path(target), inputs=[*inputs, output])
    if sources:
        summarizer = digest_summarizer(method, sentences, lambda lang: open_summarizer(
            SummarizationRequest(lang=lang, model=summary_model, **common)))

        def open_model() -> Seq2SeqTranslator:
            return open_translator(TranslationRequest(
                source_lang="ar", target_lang="en", model=model, revision=revision, beams=beams,
                batch_tokens=batch_tokens, quantize=quantize, backend=backend, **common))

        checks = CheckSettings("ar", "en", glossary=load_glossary(glossary),
                               min_confidence=min_confidence)
        options = DigestOptions(batch_size=batch_size, since=since_at, limit=limit,
                                fetch_articles=fetch_articles, fetch_workers=fetch_workers,
                                limits=limits, method=method, checks=checks)
        with Journal.open(output) as journal:
            content_cache = ContentCache(cache_path_for(output) if cache else None)
            try:
                stats = run_digest(iter_items(resolved, limits, cancel=should_stop), journal, summarizer,
                                   translator=open_model, options=options, cache=content_cache,
                                   should_stop=should_stop, progress=progress)
            finally:
                content_cache.close()
    pages = [page for target in render for page in write_digest_pages(output, Path(target))]
    return DigestRun(stats, output, errors_path_for(output), pages)


# --- benchmark runs --------------------------------------------------------------------------


def evaluate(output: Path, *, task: str = "translate", dataset: str | None = None,
             src: Path | None = None, ref: Sequence[Path] = (), data_dir: Path | None = None,
             level: str | None = None, limit: int | None = None, metrics: str | None = None,
             source_lang: str = "ar", target_lang: str = "en", model: str | None = None,
             revision: str | None = None, beams: int | None = None,
             batch_tokens: int | None = None, quantize: str | None = None,
             backend: str = "torch", device: str = "auto", dtype: str = "auto",
             threads: int | None = None, allow_pickle: bool = False, offline: bool = False,
             bootstrap: int = 1000, method: str = "auto", strategy: str | None = None,
             sentences: int | None = None, mt_model: str | None = None,
             mt_revision: str | None = None, rouge_protocol: str | None = None,
             rouge_stem: bool | None = None) -> Any:
    """Run a model over a benchmark into the results folder `output`, then score it, as
    `tarjama eval run` does (an eval.run.RunResult). A rerun with the same settings reuses
    finished outputs; a different configuration on the same folder is refused. `limit` takes a
    fixed seeded sample (documents at document level), recorded in the provenance.
    `method="oracle"` (summarize) is the greedy extractive oracle under `rouge_protocol`."""
    from tarjama.errors import UsageError
    from tarjama.eval.datasets import load_dataset, load_plain
    from tarjama.eval.run import run_benchmark
    from tarjama.eval.systems import OracleSystem, SummarizationSystem, TranslationSystem

    if task not in ("translate", "summarize"):
        raise UsageError(f"--task {task!r}: use translate or summarize")
    if (dataset is None) == (src is None):
        raise UsageError("give either --dataset NAME|FILE.jsonl or --src FILE --ref FILE")
    if dataset is not None:
        data = load_dataset(dataset, data_dir=data_dir)
    else:
        assert src is not None
        data = load_plain(src, list(ref), source_lang=source_lang, target_lang=target_lang,
                          task=task)
    if limit is not None:
        data = data.sample(limit, unit="documents" if level == "document" or data.level == "document"
                           else "segments")
    langs = (data.source_lang if data.source_lang not in ("", "und") else source_lang,
             data.target_lang if data.target_lang not in ("", "und") else target_lang)
    common = dict(device=device, dtype=dtype, threads=threads, allow_pickle=allow_pickle,
                  offline=offline)
    system: Any
    if task == "summarize" and method == "oracle":
        if strategy or model or mt_model:
            raise UsageError("--method oracle uses no model and no --strategy")
        system = OracleSystem(langs[0], SummaryLength(sentences=sentences), protocol=rouge_protocol,
                              stem=rouge_stem, target_lang=langs[1])
    elif task == "summarize":
        summarizer = Summarizer(source_lang=langs[0], target_lang=langs[1], method=method,
                                strategy=strategy, sentences=sentences, model=model,
                                mt_model=mt_model, revision=revision, mt_revision=mt_revision,
                                beams=beams, **common)
        plan = summarizer.plan
        label = plan.method + (f"+{plan.strategy}" if plan.strategy else "")
        system = SummarizationSystem(plan, summarizer.models, summarizer.length, name=label)
    else:
        if method != "auto" or strategy or sentences or mt_model:
            raise UsageError("--method, --strategy, --sentences and --mt-model are for --task summarize")
        translator = Translator(model, source_lang=langs[0], target_lang=langs[1],
                                revision=revision, beams=beams, batch_tokens=batch_tokens,
                                quantize=quantize, backend=backend, **common)
        system = TranslationSystem(translator.model, langs[0], translator.checks)
    return run_benchmark(data, system, Path(output), level=level, task=task, metrics=metrics,
                         n_bootstrap=bootstrap, rouge_protocol=rouge_protocol,
                         rouge_stem=rouge_stem)


# --- checks of any system's output -----------------------------------------------------------


def check(sources: Sequence[str], hypotheses: Sequence[str], *, source_lang: str = "ar",
          target_lang: str = "en", glossary: str | Path | Glossary | None = None,
          doc_ids: Sequence[str] | None = None, language: bool = True) -> CheckReport:
    """The translation checks on any system's output, line by line (as `tarjama check`).

    Lines with the same document id (consecutive or not) form one article, for the checks
    that need one (name consistency, the input's language); without ids all lines do.
    The decoder's own checks (confidence, length bound, loops) need the decoder and are not
    run here.
    """
    from tarjama.errors import UsageError

    for lang in (source_lang, target_lang):
        if lang not in ("ar", "en"):
            raise UsageError(f"unsupported language '{lang}' (supported: ar, en)")
    if source_lang == target_lang:
        raise UsageError(f"--from and --to are both '{source_lang}'")
    settings = _check_settings(source_lang, target_lang, glossary, DEFAULT_MIN_CONFIDENCE, True)
    assert settings is not None
    if not language:
        settings = replace(settings, detect=None)
    return check_lines(sources, hypotheses, settings, doc_ids)
