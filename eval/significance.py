"""Bootstrap confidence intervals and paired significance tests, for any :class:`Metric`.

The procedures are sacrebleu's (``sacrebleu.significance``): same resampling of segment
indices with ``numpy.random.default_rng(seed)``, same statistics dtype, same interval and
p-value rules. They are re-stated here rather than called because sacrebleu reads its seed from
the ``SACREBLEU_SEED`` environment variable (global state) and only knows its own metrics; the
tests check that the numbers equal ``sacrebleu --confidence`` / ``--paired-bs`` / ``--paired-ar``.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

import numpy as np
from tarjama.eval.metrics.base import ConfidenceInterval, Metric, RefStreams

log = logging.getLogger(__name__)

__all__ = ["Comparison", "SystemResult", "bootstrap_ci", "compare_systems", "paired_ar_pvalue",
           "paired_bootstrap_pvalue", "DEFAULT_SEED"]

DEFAULT_SEED = 12345  # sacrebleu's default SACREBLEU_SEED, so default intervals match its CLI
DEFAULT_SAMPLES = {"bs": 1000, "ar": 10000}


def _indices(n: int, n_samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice(n, size=(n_samples, n), replace=True)


def _resampled_scores(metric: Metric, rows: Sequence[Sequence[float]],
                      idxs: np.ndarray) -> list[Any]:
    stats = np.array(rows, dtype=metric.resample_dtype)
    # One sum per resample, over a (n, k) block, exactly as sacrebleu does: the float32 sum of
    # the same values in the same order gives the same score.
    return [metric.from_summed(stats[i].sum(0)) for i in idxs]


def bootstrap_ci(metric: Metric, rows: Sequence[Sequence[float]], *, n_samples: int = 1000,
                 seed: int = DEFAULT_SEED) -> ConfidenceInterval:
    """95% bootstrap interval over segments (sacrebleu's ``--confidence``)."""
    if n_samples < 2:
        raise ValueError("bootstrap needs at least 2 resamples")
    if not rows:
        raise ValueError("bootstrap needs at least one segment")
    scores = sorted(_resampled_scores(metric, rows, _indices(len(rows), n_samples, seed)))
    lower_idx = n_samples // 40
    upper_idx = n_samples - lower_idx - 1
    low, high = scores[lower_idx], scores[upper_idx]
    # statistics.mean on the raw values, as sacrebleu's Score.estimate_ci does (for float32
    # scores it rounds the exact mean to float32). sacrebleu crashes when a metric returns
    # float32 for some resamples and a Python 0.0 for others; float64 holds both exactly.
    same_type = len({type(s) for s in scores}) == 1
    mean = statistics.mean(scores if same_type else [float(s) for s in scores])
    return ConfidenceInterval(low=float(low), high=float(high), mean=float(mean),
                              half_width=float(0.5 * (high - low)), n_resamples=n_samples,
                              seed=seed)


def _p_value(sample_stats: np.ndarray, real_difference: float) -> float:
    # No difference at all cannot be significant: P(|delta| >= 0) = 1. (sacrebleu would count
    # nothing and report 1/(n+1), i.e. "significant", for a system compared with itself.)
    if real_difference == 0:
        return 1.0
    # The "+1" keeps the false-rejection rate at or below the nominal level (multeval / sacrebleu).
    count = int(np.sum(sample_stats > real_difference))
    return (count + 1) / (len(sample_stats) + 1)


def paired_bootstrap_pvalue(metric: Metric, base_rows: Sequence[Sequence[float]],
                            sys_rows: Sequence[Sequence[float]], *, n_samples: int = 1000,
                            seed: int = DEFAULT_SEED) -> float:
    """Paired bootstrap resampling (Koehn 2004; as Moses' bootstrap-hypothesis-difference-
    significance.pl and sacrebleu --paired-bs)."""
    idxs = _indices(len(base_rows), n_samples, seed)
    diff = abs(metric.corpus(base_rows)[0] - metric.corpus(sys_rows)[0])
    scores_bl = np.array(_resampled_scores(metric, base_rows, idxs))
    scores_sys = np.array(_resampled_scores(metric, sys_rows, idxs))
    sample_diffs = np.abs(scores_sys - scores_bl)
    return _p_value(sample_diffs - sample_diffs.mean(), diff)


def paired_ar_pvalue(metric: Metric, base_rows: Sequence[Sequence[float]],
                     sys_rows: Sequence[Sequence[float]], *, n_samples: int = 10000,
                     seed: int = DEFAULT_SEED) -> float:
    """Paired approximate randomization: swap each segment's outputs between systems at random."""
    rng = np.random.default_rng(seed)
    pos_sel = rng.integers(2, size=(n_samples, len(base_rows)), dtype=bool)
    neg_sel = ~pos_sel
    diff = abs(metric.corpus(base_rows)[0] - metric.corpus(sys_rows)[0])
    bl, sy = np.asarray(base_rows), np.asarray(sys_rows)
    shuf_a = pos_sel @ bl + neg_sel @ sy
    shuf_b = neg_sel @ bl + pos_sel @ sy
    scores_a = np.array([metric.from_summed(x) for x in shuf_a])
    scores_b = np.array([metric.from_summed(x) for x in shuf_b])
    return _p_value(np.abs(scores_a - scores_b), diff)


@dataclass(frozen=True)
class SystemResult:
    system: str
    metric: str  # the score's display name, e.g. "BLEU"
    score: float
    ci: Optional[ConfidenceInterval]
    delta: Optional[float]  # system minus baseline; None for the baseline itself
    p_value: Optional[float]  # None for the baseline

    def to_dict(self) -> dict[str, Any]:
        return {"system": self.system, "metric": self.metric, "score": self.score,
                "ci": self.ci.to_dict() if self.ci else None, "delta": self.delta,
                "p_value": self.p_value}


@dataclass(frozen=True)
class Comparison:
    """Every system against the first (the baseline), for every metric."""

    baseline: str
    systems: tuple[str, ...]  # the baseline first
    metrics: tuple[str, ...]
    higher_is_better: Mapping[str, bool]
    method: str  # "bs" (paired bootstrap) or "ar" (approximate randomization)
    n_samples: int
    seed: int
    signatures: Mapping[str, str]
    results: tuple[SystemResult, ...]

    def get(self, system: str, metric: str) -> SystemResult:
        for r in self.results:
            if r.system == system and r.metric == metric:
                return r
        raise KeyError((system, metric))

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline, "systems": list(self.systems), "metrics": list(self.metrics),
            "higher_is_better": dict(self.higher_is_better),
            "method": self.method, "n_samples": self.n_samples, "seed": self.seed,
            "signatures": dict(self.signatures), "results": [r.to_dict() for r in self.results],
        }


def compare_systems(named_hyps: Sequence[tuple[str, Sequence[str]]], refs: RefStreams,
                    metrics: Sequence[Metric], *, method: str = "bs",
                    n_samples: Optional[int] = None, n_bootstrap: int = 1000,
                    seed: int = DEFAULT_SEED) -> Comparison:
    """Paired test of each system against ``named_hyps[0]``, with a bootstrap CI for every score.

    With ``method="bs"`` the intervals come from the same resamples as the test (as sacrebleu
    prints them); with ``"ar"`` from a separate ``n_bootstrap``-sample bootstrap.
    """
    if method not in DEFAULT_SAMPLES:
        raise ValueError(f"unknown paired test {method!r}; use 'bs' or 'ar'")
    if len(named_hyps) < 2:
        raise ValueError("a comparison needs a baseline and at least one other system")
    n = DEFAULT_SAMPLES[method] if n_samples is None else n_samples
    if n < 2:
        raise ValueError(f"n_samples must be at least 2, got {n}")
    ci_n = n if method == "bs" else n_bootstrap
    results: list[SystemResult] = []
    signatures: dict[str, str] = {}
    hib: dict[str, bool] = {}
    # Systems in the outer loop: metrics that share work (the ROUGE variants) reuse it.
    stats = {(i, m.name): m.extract(hyps, refs) for i, (_, hyps) in enumerate(named_hyps)
             for m in metrics}
    for metric in metrics:
        per_system = [(name, stats[(i, metric.name)]) for i, (name, _) in enumerate(named_hyps)]
        base = per_system[0][1]
        base_score = metric.corpus(base.rows)[0]
        extra: dict[str, Any] = {method: n, "seed": seed}
        if method == "ar" and ci_n > 1:
            extra["bs"] = ci_n
        signatures[metric.name] = metric.signature(base.nrefs, extra)
        hib[metric.name] = metric.higher_is_better
        for idx, (name, st) in enumerate(per_system):
            score = metric.corpus(st.rows)[0]
            ci = bootstrap_ci(metric, st.rows, n_samples=ci_n, seed=seed) if ci_n > 1 else None
            if idx == 0:
                results.append(SystemResult(name, metric.name, score, ci, None, None))
                continue
            log.info("paired %s test for %s on %s", method, name, metric.name)
            if method == "bs":
                p = paired_bootstrap_pvalue(metric, base.rows, st.rows, n_samples=n, seed=seed)
            else:
                p = paired_ar_pvalue(metric, base.rows, st.rows, n_samples=n, seed=seed)
            results.append(SystemResult(name, metric.name, score, ci, score - base_score, p))
    return Comparison(
        baseline=named_hyps[0][0], systems=tuple(n for n, _ in named_hyps),
        metrics=tuple(m.name for m in metrics), higher_is_better=hib, method=method,
        n_samples=n, seed=seed, signatures=signatures, results=tuple(results),
    )
