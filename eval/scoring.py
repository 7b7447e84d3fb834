"""Scoring hypotheses against references: the library behind ``tarjama eval score`` and
``tarjama eval compare``.

:func:`score_texts` gives corpus scores (each with a bootstrap CI and a signature), per-segment
and per-document scores; :func:`score_files` and :func:`compare_files` do the same from line
files, with the file checks (UTF-8, empty, line counts) users need.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from tarjama.nlp.checks import CheckSettings
from tarjama.nlp.checks.lines import check_lines
from tarjama.nlp.script import count_scripts
from tarjama.errors import DataError, InputError, UsageError
from tarjama.eval.metrics import (
    DEFAULT_ROUGE_PROTOCOL,
    DEFAULT_TRANSLATION_METRICS,
    ROUGE_VARIANTS,
    build_metrics,
    parse_metric_names,
)
from tarjama.eval.metrics.base import RefStreams, Score
from tarjama.eval.significance import (
    DEFAULT_SEED,
    Comparison,
    bootstrap_ci,
    compare_systems,
)
from tarjama.inputs import check_same_length, read_lines
from tarjama.outputs import write_json

log = logging.getLogger(__name__)

__all__ = ["ScoreReport", "compare_files", "resolve_lang", "score_files", "score_texts"]

SCORES_FORMAT = "tarjama-eval-scores/1"


@dataclass(frozen=True)
class ScoreReport:
    """Corpus scores plus per-segment and per-document scores (all keyed by score name)."""

    scores: tuple[Score, ...]
    segment_ids: tuple[str, ...]
    segment_scores: Mapping[str, tuple[float, ...]]
    segment_signatures: Mapping[str, str]
    doc_ids: Optional[tuple[str, ...]] = None  # per segment
    document_scores: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    lengths: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # "hyp"/"ref"/"src"
    lang: Optional[str] = None
    warnings: tuple[str, ...] = ()
    rouge_protocol: Optional[str] = None  # set when ROUGE was scored
    # With sources: the share of lines each translation check flags (nlp.checks).
    checks: Optional[Mapping[str, Any]] = None

    def save(self, path: Path) -> None:
        """Write :meth:`to_dict` as JSON (what ``eval score --json`` should write)."""
        write_json(Path(path), self.to_dict())

    def get(self, name_or_key: str) -> Score:
        for s in self.scores:
            if name_or_key in (s.name, s.key):
                return s
        raise KeyError(name_or_key)

    def documents(self) -> list[str]:
        return list(OrderedDict.fromkeys(self.doc_ids)) if self.doc_ids else []

    def to_dict(self) -> dict[str, Any]:
        names = [s.name for s in self.scores]
        segments = []
        for i, sid in enumerate(self.segment_ids):
            seg: dict[str, Any] = {"id": sid}
            if self.doc_ids:
                seg["doc_id"] = self.doc_ids[i]
            for k, v in self.lengths.items():
                seg[f"{k}_len"] = v[i]
            seg["scores"] = {n: self.segment_scores[n][i] for n in names}
            segments.append(seg)
        documents = []
        if self.doc_ids:
            counts: dict[str, int] = {}
            for d in self.doc_ids:
                counts[d] = counts.get(d, 0) + 1
            for d in self.documents():
                documents.append({"doc_id": d, "n_segments": counts[d],
                                  "scores": {n: self.document_scores[n][d] for n in names}})
        return {
            "format": SCORES_FORMAT,
            "lang": self.lang,
            "rouge_protocol": self.rouge_protocol,
            "scores": [s.to_dict() for s in self.scores],
            "segment_signatures": dict(self.segment_signatures),
            "segments": segments,
            "documents": documents,
            "warnings": list(self.warnings),
            **({"checks": dict(self.checks)} if self.checks is not None else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ScoreReport":
        if d.get("format") != SCORES_FORMAT:
            raise DataError(f"unsupported scores format {d.get('format')!r} "
                            f"(expected {SCORES_FORMAT})")
        scores = tuple(Score.from_dict(s) for s in d["scores"])
        names = [s.name for s in scores]
        segs = d["segments"]
        has_docs = bool(segs) and "doc_id" in segs[0]
        length_keys = [k[:-4] for k in (segs[0] if segs else {}) if k.endswith("_len")]
        return cls(
            scores=scores,
            segment_ids=tuple(s["id"] for s in segs),
            segment_scores={n: tuple(s["scores"][n] for s in segs) for n in names},
            segment_signatures=dict(d.get("segment_signatures", {})),
            doc_ids=tuple(s["doc_id"] for s in segs) if has_docs else None,
            document_scores={n: {doc["doc_id"]: doc["scores"][n] for doc in d.get("documents", [])}
                             for n in names},
            lengths={k: tuple(s[f"{k}_len"] for s in segs) for k in length_keys},
            lang=d.get("lang"),
            warnings=tuple(d.get("warnings", ())),
            rouge_protocol=d.get("rouge_protocol") or _protocol_of(scores),
            checks=d.get("checks"),
        )


def _protocol_of(scores: Sequence[Score]) -> Optional[str]:
    """The ROUGE protocol a score's signature names; "tarjama" for ROUGE scored before
    protocols had names (that was its behaviour); None without ROUGE."""
    for s in scores:
        if s.key in ROUGE_VARIANTS:
            parts = dict(p.split(":", 1) for p in s.signature.split("|") if ":" in p)
            return parts.get("protocol", DEFAULT_ROUGE_PROTOCOL)
    return None


def resolve_lang(lang: Optional[str], refs: RefStreams,
                 metric_names: Sequence[str]) -> Optional[str]:
    """The language ROUGE tokenizes for: as given, or guessed from the references (logged)."""
    if lang is not None or not any(n in ROUGE_VARIANTS for n in metric_names):
        return lang
    from tarjama.eval.metrics.rouge import detect_lang

    guessed = detect_lang([r for stream in refs for r in stream if r])
    log.info("ROUGE language not given; the references look like '%s'", guessed)
    return guessed


def _word_len(text: Optional[str]) -> int:
    return len(text.split()) if text else 0


def _validate(hyps: Sequence[str], refs: RefStreams, hyp_name: str,
              ref_names: Sequence[str]) -> None:
    if len(hyps) == 0:
        raise InputError(f"{hyp_name} is empty")
    if len(refs) == 0:
        raise InputError("no reference given")
    check_same_length([(hyp_name, hyps), *zip(ref_names, refs)])


def score_texts(hyps: Sequence[str], refs: RefStreams, *,
                metrics: str | Sequence[str] = DEFAULT_TRANSLATION_METRICS,
                lang: Optional[str] = None,
                n_bootstrap: int = 1000,
                seed: int = DEFAULT_SEED,
                segment_ids: Optional[Sequence[str]] = None,
                doc_ids: Optional[Sequence[str]] = None,
                sources: Optional[Sequence[str]] = None,
                rouge_stem: Optional[bool] = None,
                rouge_protocol: Optional[str] = None,
                hyp_name: str = "hypotheses",
                ref_names: Optional[Sequence[str]] = None) -> ScoreReport:
    """Score ``hyps`` against one or more reference streams (``refs[k][i]``).

    ``n_bootstrap`` resamples (0 or 1: none) give each corpus score a seeded 95% CI; the
    resample count and seed enter the signature, as in sacrebleu. ROUGE scores under
    ``rouge_protocol`` (default ``tarjama``), named in its signature.
    """
    ref_names = list(ref_names or [f"reference {k + 1}" for k in range(len(refs))])
    _validate(hyps, refs, hyp_name, ref_names)
    n = len(hyps)
    if segment_ids is not None and len(segment_ids) != n:
        raise DataError(f"{len(segment_ids)} segment ids for {n} hypotheses")
    if doc_ids is not None and len(doc_ids) != n:
        raise DataError(f"{len(doc_ids)} document ids for {n} hypotheses")
    names = parse_metric_names(metrics)
    lang = resolve_lang(lang, refs, names)
    metric_objs = build_metrics(names, lang=lang, rouge_stem=rouge_stem,
                                rouge_protocol=rouge_protocol)

    warnings: list[str] = []
    empty = [i for i, h in enumerate(hyps) if not h.strip()]
    if empty:
        shown = ", ".join(str(i + 1) for i in empty[:5]) + (", ..." if len(empty) > 5 else "")
        warnings.append(f"{len(empty)} of {n} hypotheses are empty (lines {shown})")

    scores: list[Score] = []
    seg_scores: dict[str, tuple[float, ...]] = {}
    seg_sigs: dict[str, str] = {}
    doc_scores: dict[str, dict[str, float]] = {}
    doc_rows: dict[str, list[int]] = OrderedDict()
    for i, d in enumerate(doc_ids or ()):
        doc_rows.setdefault(d, []).append(i)

    for metric in metric_objs:
        st = metric.extract(hyps, refs)
        value, details = metric.corpus(st.rows)
        ci = None
        extra: dict[str, Any] = {}
        if n_bootstrap > 1:
            ci = bootstrap_ci(metric, st.rows, n_samples=n_bootstrap, seed=seed)
            extra = {"bs": n_bootstrap, "seed": seed}
        for w in st.warnings:
            if w not in warnings:
                warnings.append(w)
        scores.append(Score(
            key=metric.key, name=metric.name, score=float(value),
            signature=metric.signature(st.nrefs, extra), details=details,
            higher_is_better=metric.higher_is_better, n_segments=n, ci=ci, warnings=st.warnings,
        ))
        seg_scores[metric.name] = tuple(metric.segment(r) for r in st.rows)
        seg_sigs[metric.name] = metric.segment_signature(st.nrefs)
        # A document's score is the corpus score of its segments (for BLEU: pooled n-grams).
        doc_scores[metric.name] = {
            d: float(metric.corpus([st.rows[i] for i in rows])[0]) for d, rows in doc_rows.items()}

    for w in warnings:
        log.warning(w)
    lengths: dict[str, tuple[int, ...]] = {
        "hyp": tuple(_word_len(h) for h in hyps),
        # The first reference's length; the report's length ratio uses it.
        "ref": tuple(_word_len(r) for r in refs[0]),
    }
    if sources is not None:
        lengths["src"] = tuple(_word_len(s) for s in sources)
    return ScoreReport(
        scores=tuple(scores),
        segment_ids=tuple(segment_ids) if segment_ids is not None else tuple(
            str(i + 1) for i in range(n)),
        segment_scores=seg_scores,
        segment_signatures=seg_sigs,
        doc_ids=tuple(doc_ids) if doc_ids is not None else None,
        document_scores=doc_scores,
        lengths=lengths,
        lang=lang,
        warnings=tuple(warnings),
        rouge_protocol=_protocol_of(scores),
        checks=_check_rates(sources, hyps, doc_ids) if sources is not None else None,
    )


def _check_rates(sources: Sequence[str], hyps: Sequence[str],
                 doc_ids: Optional[Sequence[str]]) -> Optional[dict[str, Any]]:
    """The translation checks' rates on a translation between Arabic and English (the
    language of each side read from its script); None for anything else."""
    source_lang, target_lang = _lang_of(sources), _lang_of(hyps)
    if {source_lang, target_lang} != {"ar", "en"}:
        return None
    report = check_lines(sources, hyps, CheckSettings(source_lang, target_lang), doc_ids)
    return {"lines": len(report.lines), "source_lang": source_lang, "target_lang": target_lang,
            "flagged": report.flagged, "counts": report.counts,
            "rates": {k: round(v, 6) for k, v in report.rates.items()}}


def _lang_of(texts: Sequence[str]) -> Optional[str]:
    counts = count_scripts(" ".join(texts[:500]))
    if not counts.letters:
        return None
    return "ar" if counts.arabic * 2 >= counts.letters else "en" if counts.latin * 2 >= counts.letters else None


def _read_refs(ref_paths: Sequence[Path]) -> list[list[str]]:
    if not ref_paths:
        raise InputError("no reference file given (--ref)")
    return [read_lines(Path(p), role="reference file") for p in ref_paths]


def read_doc_ids(path: Path) -> list[str]:
    """One document id per line (NTREX's DOCUMENT_IDS.tsv layout; the first column if tabbed)."""
    return [line.split("\t")[0] for line in read_lines(Path(path), role="document-id file")]


def score_files(hyp: Path, refs: Sequence[Path], *,
                metrics: str | Sequence[str] = DEFAULT_TRANSLATION_METRICS,
                lang: Optional[str] = None, n_bootstrap: int = 1000, seed: int = DEFAULT_SEED,
                doc_ids: Optional[Path] = None, src: Optional[Path] = None,
                rouge_stem: Optional[bool] = None,
                rouge_protocol: Optional[str] = None) -> ScoreReport:
    """``tarjama eval score``: score a hypothesis file against one or more reference files."""
    names = parse_metric_names(metrics)  # unknown names fail before any file is read
    hyp_lines = read_lines(Path(hyp), role="hypothesis file")
    ref_streams = _read_refs(refs)
    ids = read_doc_ids(doc_ids) if doc_ids is not None else None
    sources = read_lines(Path(src), role="source file") if src is not None else None
    hyp_name = f"hypothesis file {hyp}"
    ref_names = [f"reference file {p}" for p in refs]
    _validate(hyp_lines, ref_streams, hyp_name, ref_names)
    if ids is not None:
        check_same_length([(hyp_name, hyp_lines), (f"document-id file {doc_ids}", ids)])
    if sources is not None:
        check_same_length([(hyp_name, hyp_lines), (f"source file {src}", sources)])
    return score_texts(hyp_lines, ref_streams, metrics=names, lang=lang, n_bootstrap=n_bootstrap,
                       seed=seed, doc_ids=ids, sources=sources, rouge_stem=rouge_stem,
                       rouge_protocol=rouge_protocol, hyp_name=hyp_name, ref_names=ref_names)


def compare_files(refs: Sequence[Path], systems: Sequence[Path], *,
                  metrics: str | Sequence[str] = DEFAULT_TRANSLATION_METRICS,
                  lang: Optional[str] = None, method: str = "bs", n_samples: Optional[int] = None,
                  n_bootstrap: int = 1000, seed: int = DEFAULT_SEED,
                  names: Optional[Sequence[str]] = None,
                  rouge_stem: Optional[bool] = None,
                  rouge_protocol: Optional[str] = None) -> Comparison:
    """``tarjama eval compare``: paired significance of each system file against the first."""
    metric_names = parse_metric_names(metrics)
    if n_samples is not None and n_samples < 2:
        # 0 must not quietly mean "the default", nor a negative count reach numpy.
        raise UsageError(f"--samples {n_samples}: give at least 2 resamples (or leave it out "
                         "for sacrebleu's default)")
    if method not in ("bs", "ar"):
        raise InputError(f"unknown paired test '{method}'; valid: bs (paired bootstrap), "
                         "ar (approximate randomization)")
    if len(systems) < 2:
        raise InputError(f"compare needs at least two system files (got {len(systems)}); "
                         "the first is the baseline")
    labels = list(names) if names else [str(p) for p in systems]
    if len(set(labels)) != len(labels):
        raise InputError(f"system names must differ: {', '.join(labels)}")
    ref_streams = _read_refs(refs)
    ref_names = [f"reference file {p}" for p in refs]
    hyps = [read_lines(Path(p), role="system file") for p in systems]
    for path, h in zip(systems, hyps):
        _validate(h, ref_streams, f"system file {path}", ref_names)
    lang = resolve_lang(lang, ref_streams, metric_names)
    metric_objs = build_metrics(metric_names, lang=lang, rouge_stem=rouge_stem,
                                rouge_protocol=rouge_protocol)
    return compare_systems(list(zip(labels, hyps)), ref_streams, metric_objs, method=method,
                           n_samples=n_samples, n_bootstrap=n_bootstrap, seed=seed)
