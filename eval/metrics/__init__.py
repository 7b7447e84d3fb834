"""Metrics by name: the table users pick from (``--metrics bleu,chrf,rouge``), one module per
family: :mod:`.translation` (sacrebleu's BLEU, chrF, chrF++, TER) and :mod:`.rouge` (ROUGE that
works on Arabic), both built on :mod:`.base`.
"""

from __future__ import annotations

from typing import Optional, Sequence

from tarjama.errors import DataError
from tarjama.eval.metrics.base import (
    ConfidenceInterval,
    Metric,
    RefStreams,
    Score,
    SegmentStats,
)
from tarjama.eval.metrics.rouge import (
    DEFAULT_ROUGE_PROTOCOL,
    ROUGE_PROTOCOLS,
    check_protocol,
    make_rouge_metrics,
)
from tarjama.eval.metrics.translation import make_bleu, make_chrf, make_ter

__all__ = [
    "ConfidenceInterval", "DEFAULT_ROUGE_PROTOCOL", "DEFAULT_SUMMARY_METRICS", "ROUGE_PROTOCOLS",
    "DEFAULT_TRANSLATION_METRICS", "METRIC_NAMES",
    "Metric", "ROUGE_VARIANTS", "RefStreams", "Score", "SegmentStats", "build_metrics",
    "check_protocol", "parse_metric_names",
]

# The names users type (case-insensitive). "rouge" stands for all four ROUGE variants.
METRIC_NAMES: tuple[str, ...] = (
    "bleu", "chrf", "chrf++", "ter", "rouge", "rouge1", "rouge2", "rougeL", "rougeLsum",
)
ROUGE_VARIANTS: tuple[str, ...] = ("rouge1", "rouge2", "rougeL", "rougeLsum")
DEFAULT_TRANSLATION_METRICS: tuple[str, ...] = ("bleu", "chrf", "chrf++", "ter")
DEFAULT_SUMMARY_METRICS: tuple[str, ...] = ("rouge",)


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
                  rouge_protocol: Optional[str] = None) -> list[Metric]:
    """Metric objects for the given names. ROUGE needs ``lang`` ("en", "ar", ...) and scores
    under ``rouge_protocol`` (``tarjama`` unless given; see :mod:`.rouge`)."""
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
        metrics.extend(make_rouge_metrics(rouge_wanted, lang=lang, stem=rouge_stem,
                                          protocol=rouge_protocol))
    # Keep the user's order.
    order = {n: i for i, n in enumerate(wanted)}
    return sorted(metrics, key=lambda m: order[m.key])
