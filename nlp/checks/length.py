"""`length`: the translation's length against the source's is outside what professional
translations show, a likely omission (too short) or addition (too long).

Lengths are letters and digits (any script); the ratio is smoothed, (out + 10) / (src + 10), so
that a three-word sentence is not judged as strictly as a forty-word one. The bounds are the
0.5 % and 99.5 % quantiles of that ratio over the 3,009 human translations of FLORES-200
devtest and NTREX-128 (both directions are the same pairs, inverted), measured with
`python scripts/check_bench.py --length-bounds --data-dir ../shared/data`.
"""

from __future__ import annotations

import re

from tarjama.nlp.checks.base import WARNING, Flag

CODE = "length"
SMOOTHING = 10
# (lowest, highest) output/source ratio per direction.
BOUNDS: dict[tuple[str, str], tuple[float, float]] = {
    ("ar", "en"): (0.608, 1.575),
    ("en", "ar"): (1 / 1.575, 1 / 0.608),
}
_CHAR = re.compile(r"[^\W_]")


def size(text: str) -> int:
    return len(_CHAR.findall(text))


def ratio(source: str, translation: str) -> float:
    return (size(translation) + SMOOTHING) / (size(source) + SMOOTHING)


def check(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    bounds = BOUNDS.get((source_lang, target_lang))
    if bounds is None or not translation.strip() or size(source) == 0:
        return []
    r = ratio(source, translation)
    low, high = bounds
    if r < low:
        return [Flag(CODE, WARNING, f"the translation is {r:.2f}x the source's length (human "
                                    f"translations: at least {low:.2f}x): something may be "
                                    "left out")]
    if r > high:
        return [Flag(CODE, WARNING, f"the translation is {r:.2f}x the source's length (human "
                                    f"translations: at most {high:.2f}x): something may be "
                                    "added or repeated")]
    return []
