"""`repeated`, on the text: a phrase of the translation said twice that the source says once,
the mark of a decoder stuck in a loop ("the talks the talks", "of the war of the war"). The
decoder reports its own loops on tokens (nlp.checks.base.decoder_flags); this one reads any
system's output."""

from __future__ import annotations

import re
from collections import Counter

from tarjama.nlp.checks.base import WARNING, Flag

CODE = "repeated"
_WORD = re.compile(r"\w+", re.U)


def check(source: str, translation: str) -> list[Flag]:  # noqa: ARG001 (the source is part of every check)
    words = [w.lower() for w in _WORD.findall(translation)]
    # A phrase of two to six words said twice back to back ("of the war of the war"); a
    # single word only three times in a row, since writers double one for emphasis ("big,
    # big") and Arabic spells acronyms in doubled letters (سي إن إن).
    for n in range(1, 7):
        times = 3 if n == 1 else 2
        for i in range(len(words) - times * n + 1):
            phrase = words[i:i + n]
            if all(words[i + k * n:i + (k + 1) * n] == phrase for k in range(1, times)):
                return [Flag(CODE, WARNING, f"«{' '.join(phrase)}» is repeated")]
    # A phrase of seven words or more that occurs twice in one sentence.
    grams = Counter(tuple(words[i:i + 7]) for i in range(len(words) - 6))
    doubled = [g for g, c in grams.items() if c > 1]
    if doubled:
        return [Flag(CODE, WARNING, f"«{' '.join(doubled[0])}» occurs twice")]
    return []
