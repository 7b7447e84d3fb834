"""BLEU, chrF, chrF++ and TER: translation metrics computed by sacrebleu itself, driven through
the same calls its CLI makes, so the figures agree with ``sacrebleu`` to the last digit.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import numpy as np
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER
from tarjama.eval.metrics.base import Metric, RefStreams, SegmentStats

__all__ = ["SacrebleuMetric", "make_bleu", "make_chrf", "make_ter", "sacrebleu_version"]


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


def sacrebleu_version() -> str:
    return sacrebleu.__version__
