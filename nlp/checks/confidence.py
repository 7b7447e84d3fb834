"""`confidence`: the decoder's length-normalised log-probability of the translation it chose
(the mean log-probability of its tokens, from tarjama's beam search or CTranslate2's scores),
reported on every translated sentence and flagged below a threshold.

The threshold is a setting (`--min-confidence`, `Translator(min_confidence=...)`), because a
good one depends on the model and the text: calibrate it with `tarjama eval run`, which records
each segment's confidence next to its chrF (see the README, "Calibrating confidence"). The
default, -1.5 (an average token probability of about 0.22), is a starting point, not a
measurement: no real weights were available to measure one.
"""

from __future__ import annotations

import math

from tarjama.nlp.checks.base import WARNING, Flag

CODE = "confidence"
DEFAULT_MIN_CONFIDENCE = -1.5


def check(confidence: float | None, threshold: float) -> list[Flag]:
    if confidence is None or confidence >= threshold:
        return []
    return [Flag(CODE, WARNING, f"the model was unsure of this translation (mean token "
                                f"log-probability {confidence:.2f}, about "
                                f"{math.exp(confidence):.0%} per token; threshold {threshold:g})")]
