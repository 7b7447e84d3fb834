"""Metric objects: each one computes sufficient statistics per segment and carries its signature.

The design follows sacrebleu: a metric turns (hypotheses, references) into one row of
statistics per segment; the corpus score, per-segment and per-document scores and every
resampled score (bootstrap, paired tests) are computed from those rows. BLEU, chrF, chrF++ and
TER *are* sacrebleu's metrics, driven through the same calls its CLI makes, so the figures agree
with ``sacrebleu`` to the last digit. ROUGE lives in :mod:`eval.rouge`.

References follow sacrebleu's layout: ``refs[k][i]`` is the k-th reference of segment i (a
reference may be ``None`` where a segment has fewer references than others).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import numpy as np
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER

from tarjama.nlp.errors import DataError

log = logging.getLogger(__name__)

RefStreams = Sequence[Sequence[Optional[str]]]

__all__ = [
    "ConfidenceInterval",
    "DEFAULT_SUMMARY_METRICS",
    "DEFAULT_TRANSLATION_METRICS",
    "METRIC_NAMES",
    "Metric",
    "RefStreams",
    "Score",
    "SegmentStats",
    "build_metrics",
    "parse_metric_names",
]

# The names users type (case-insensitive). "rouge" stands for all four ROUGE variants.
METRIC_NAMES: tuple[str, ...] = (
    "bleu", "chrf", "chrf++", "ter", "rouge", "rouge1", "rouge2", "rougeL", "rougeLsum",
)
ROUGE_VARIANTS: tuple[str, ...] = ("rouge1", "rouge2", "rougeL", "rougeLsum")
DEFAULT_TRANSLATION_METRICS: tuple[str, ...] = ("bleu", "chrf", "chrf++", "ter")
DEFAULT_SUMMARY_METRICS: tuple[str, ...] = ("rouge",)


@dataclass(frozen=True)
class ConfidenceInterval:
    """A bootstrap 95% interval.

    ``mean`` and ``half_width`` are what sacrebleu prints as ``μ = mean ± half_width``
    (bootstrap mean, half the distance between the 2.5th and 97.5th percentile resample);
    ``low``/``high`` are those percentiles themselves.
    """

    low: float
    high: float
    mean: float
    half_width: float
    n_resamples: int
    seed: int
    level: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return {
            "low": self.low, "high": self.high, "mean": self.mean, "half_width": self.half_width,
            "n_resamples": self.n_resamples, "seed": self.seed, "level": self.level,
            "method": "bootstrap",
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ConfidenceInterval":
        return cls(low=d["low"], high=d["high"], mean=d["mean"], half_width=d["half_width"],
                   n_resamples=d["n_resamples"], seed=d["seed"], level=d.get("level", 0.95))


@dataclass(frozen=True)
class Score:
    """One corpus-level figure with everything needed to reproduce and interpret it."""

    key: str  # the metric's registry name, e.g. "chrf++"
    name: str  # what sacrebleu calls it, e.g. "chrF2++"
    score: float
    signature: str
    details: str = ""  # sacrebleu's "verbose" part, e.g. n-gram precisions and BP for BLEU
    higher_is_better: bool = True
    n_segments: int = 0
    ci: Optional[ConfidenceInterval] = None
    warnings: tuple[str, ...] = ()

    def format(self, width: int = 1, *, score_only: bool = False, signature: bool = True) -> str:
        """The line sacrebleu's CLI prints (``-f text``) for the same score and signature."""
        sc = f"{self.score:.{width}f}"
        # sacrebleu hides the interval when the bootstrap mean is 0; mirror it so lines match.
        if self.ci is not None and self.ci.mean > 0:
            sc += f" (μ = {self.ci.mean:.{width}f} ± {self.ci.half_width:.{width}f})"
        if score_only:
            return sc
        head = f"{self.name}|{self.signature}" if signature and self.signature else self.name
        line = f"{head} = {sc}"
        return f"{line} {self.details}" if self.details else line

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "score": self.score,
            "signature": self.signature,
            "details": self.details,
            "higher_is_better": self.higher_is_better,
            "n_segments": self.n_segments,
            "ci": self.ci.to_dict() if self.ci else None,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Score":
        return cls(
            key=d["key"], name=d["name"], score=d["score"], signature=d["signature"],
            details=d.get("details", ""), higher_is_better=d.get("higher_is_better", True),
            n_segments=d.get("n_segments", 0),
            ci=ConfidenceInterval.from_dict(d["ci"]) if d.get("ci") else None,
            warnings=tuple(d.get("warnings", ())),
        )


@dataclass(frozen=True)
class SegmentStats:
    """Sufficient statistics, one row per segment, as produced by :meth:`Metric.extract`."""

    rows: list[list[float]]
    nrefs: int  # references per segment; -1 when it varies (sacrebleu writes "var")
    warnings: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.rows)


class Metric(ABC):
    """A metric as the harness sees it: statistics per segment, scores from (sums of) them."""

    key: str
    name: str
    higher_is_better: bool = True
    # Resampled statistics are summed in this dtype. sacrebleu resamples in float32; its metrics
    # keep that so intervals and p-values equal sacrebleu's own output.
    resample_dtype: type = np.float64

    @abstractmethod
    def extract(self, hyps: Sequence[str], refs: RefStreams) -> SegmentStats:
        """Per-segment sufficient statistics."""

    @abstractmethod
    def corpus(self, rows: Sequence[Sequence[float]]) -> tuple[float, str]:
        """The exact score of a set of segments, and its human-readable details."""

    @abstractmethod
    def from_summed(self, summed: np.ndarray) -> float:
        """Score from statistics already summed over a (resampled) set of segments."""

    @abstractmethod
    def segment(self, row: Sequence[float]) -> float:
        """Score of one segment (may use a sentence-level variant: BLEU's effective order)."""

    @abstractmethod
    def signature(self, nrefs: int, extra: Optional[Mapping[str, Any]] = None) -> str:
        """Reproducibility signature; ``extra`` adds e.g. bootstrap size and seed."""

    def segment_signature(self, nrefs: int) -> str:
        return self.signature(nrefs)


def _one_line(text: Optional[str]) -> Optional[str]:
    # sacrebleu's CLI never sees a newline inside a segment (it reads line files); documents
    # joined with "\n" are scored as the one line they would be in a file.
    if text is None or "\n" not in text:
        return text
    return " ".join(text.split("\n"))


class SacrebleuMetric(Metric):
    """BLEU, chrF(++) or TER, computed by sacrebleu itself."""

    resample_dtype = np.float32

    def __init__(self, key: str, corpus_metric: Any, segment_metric: Any = None,
                 higher_is_better: bool = True) -> None:
        self.key = key
        self._corpus = corpus_metric
        # Sentence-level BLEU needs effective order (sacrebleu -sl switches it on too).
        self._segment = segment_metric if segment_metric is not None else corpus_metric
        self.higher_is_better = higher_is_better
        # Ask sacrebleu for the display name (chrF2++, TER, ...) rather than re-deriving it.
        self.name = corpus_metric._compute_score_from_stats(
            [0] * _stat_width(corpus_metric)).name

    # The underscore methods are sacrebleu's own statistics API, the one its significance module
    # is built on; sacrebleu's version is part of every signature, so a change would show.
    def extract(self, hyps: Sequence[str], refs: RefStreams) -> SegmentStats:
        hyps = [_one_line(h) or "" for h in hyps]
        refs = [[_one_line(r) for r in stream] for stream in refs]
        rows = self._corpus._extract_corpus_statistics(hyps, refs)
        return SegmentStats(rows=[list(r) for r in rows], nrefs=int(self._corpus.num_refs))

    def corpus(self, rows: Sequence[Sequence[float]]) -> tuple[float, str]:
        # _aggregate_and_compute is exactly what Metric.corpus_score (and so the CLI) does.
        result = self._corpus._aggregate_and_compute([list(r) for r in rows])
        return float(result.score), result._verbose

    def from_summed(self, summed: np.ndarray) -> float:
        return self._corpus._compute_score_from_stats(summed).score

    def segment(self, row: Sequence[float]) -> float:
        return float(self._segment._compute_score_from_stats(list(row)).score)

    def _sig(self, metric: Any, nrefs: int, extra: Optional[Mapping[str, Any]]) -> str:
        # sacrebleu's Signature reads the reference count from the metric object.
        metric.num_refs = nrefs
        sig = metric.get_signature()
        for k, v in (extra or {}).items():
            sig.update(k, v)
        return sig.format()

    def signature(self, nrefs: int, extra: Optional[Mapping[str, Any]] = None) -> str:
        return self._sig(self._corpus, nrefs, extra)

    def segment_signature(self, nrefs: int) -> str:
        return self._sig(self._segment, nrefs, None)


def _stat_width(metric: Any) -> int:
    if isinstance(metric, BLEU):
        return 2 + 2 * metric.max_ngram_order
    if isinstance(metric, CHRF):
        return 3 * (metric.char_order + metric.word_order)
    return 2  # TER: edits, reference length


def make_bleu() -> SacrebleuMetric:
    return SacrebleuMetric("bleu", BLEU(), BLEU(effective_order=True))


def make_chrf(word_order: int = 0) -> SacrebleuMetric:
    return SacrebleuMetric("chrf++" if word_order == 2 else "chrf", CHRF(word_order=word_order))


def make_ter() -> SacrebleuMetric:
    return SacrebleuMetric("ter", TER(), higher_is_better=False)


def parse_metric_names(spec: str | Sequence[str]) -> tuple[str, ...]:
    """``"bleu,chrf++"`` or ``["BLEU", "rouge"]`` → canonical names; unknown ones: DataError."""
    items = spec.split(",") if isinstance(spec, str) else [p for s in spec for p in s.split(",")]
    canon = {n.lower(): n for n in METRIC_NAMES}
    out: list[str] = []
    for raw in items:
        name = raw.strip()
        if not name:
            continue
        real = canon.get(name.lower())
        if real is None:
            raise DataError(f"unknown metric '{name}'; valid metrics: {', '.join(METRIC_NAMES)}")
        expanded = ROUGE_VARIANTS if real == "rouge" else (real,)
        out.extend(n for n in expanded if n not in out)
    if not out:
        raise DataError(f"no metric given; valid metrics: {', '.join(METRIC_NAMES)}")
    return tuple(out)


def build_metrics(names: str | Sequence[str], *, lang: Optional[str] = None,
                  rouge_stem: Optional[bool] = None,
                  rouge_tokenizer: Optional[str] = None) -> list[Metric]:
    """Metric objects for the given names. ROUGE needs ``lang`` ("en", "ar", ...)."""
    wanted = parse_metric_names(names)
    metrics: list[Metric] = []
    rouge_wanted = [n for n in wanted if n in ROUGE_VARIANTS]
    for name in wanted:
        if name == "bleu":
            metrics.append(make_bleu())
        elif name == "chrf":
            metrics.append(make_chrf(0))
        elif name == "chrf++":
            metrics.append(make_chrf(2))
        elif name == "ter":
            metrics.append(make_ter())
    if rouge_wanted:
        if lang is None:
            raise DataError("ROUGE needs the language of the texts (e.g. --lang ar or --lang en)")
        # Imported here: rouge-score pulls in nltk and absl, which a BLEU-only run need not load.
        from tarjama.eval.rouge import make_rouge_metrics

        metrics.extend(make_rouge_metrics(rouge_wanted, lang=lang, stem=rouge_stem,
                                          tokenizer=rouge_tokenizer))
    # Keep the user's order.
    order = {n: i for i, n in enumerate(wanted)}
    return sorted(metrics, key=lambda m: order[m.key])


def sacrebleu_version() -> str:
    return sacrebleu.__version__
