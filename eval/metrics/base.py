"""What every metric is made of: :class:`Metric`, its per-segment :class:`SegmentStats`, and the
:class:`Score` (with its :class:`ConfidenceInterval` and signature) it produces.

The design follows sacrebleu: a metric turns (hypotheses, references) into one row of
statistics per segment; the corpus score, per-segment and per-document scores and every
resampled score (bootstrap, paired tests) are computed from those rows.

References follow sacrebleu's layout: ``refs[k][i]`` is the k-th reference of segment i (a
reference may be ``None`` where a segment has fewer references than others).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import numpy as np

RefStreams = Sequence[Sequence[Optional[str]]]

__all__ = ["ConfidenceInterval", "Metric", "RefStreams", "Score", "SegmentStats"]


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
