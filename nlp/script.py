"""Which script a piece of text is written in, and whether it needs translating at all."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Arabic letters proper (not Arabic punctuation or digits): the blocks Arabic, Arabic Supplement,
# Arabic Extended-A and the presentation forms.
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06ff"
                            r"\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_ANY_LETTER = re.compile(r"[^\W\d_]")

SCRIPT_OF_LANG = {"ar": "arabic", "en": "latin"}


@dataclass(frozen=True, slots=True)
class ScriptCounts:
    arabic: int
    latin: int
    letters: int  # letters of any script

    def count(self, script: str) -> int:
        return self.arabic if script == "arabic" else self.latin


_PATTERNS = {"arabic": _ARABIC_LETTER, "latin": _LATIN_LETTER}
_RUNS = {
    name: re.compile(pattern.pattern + "+")
    for name, pattern in (("arabic", _ARABIC_LETTER), ("latin", _LATIN_LETTER), ("any", _ANY_LETTER))
}


def _count(name: str, text: str) -> int:
    # Matching runs, not single letters: far fewer match objects on long text.
    return sum(map(len, _RUNS[name].findall(text)))


def count_scripts(text: str) -> ScriptCounts:
    return ScriptCounts(
        arabic=_count("arabic", text), latin=_count("latin", text), letters=_count("any", text)
    )


def has_script(text: str, lang: str) -> bool:
    """True if `text` has at least one letter of `lang`'s script (False for unknown languages)."""
    script = SCRIPT_OF_LANG.get(lang)
    return script is not None and _PATTERNS[script].search(text) is not None


def arabic_ratio(text: str) -> float:
    """Share of letters that are Arabic: 0.0 for text with no letters."""
    counts = count_scripts(text)
    return counts.arabic / counts.letters if counts.letters else 0.0


def passthrough_reason(text: str, source_lang: str) -> str | None:
    """Why a segment should be copied rather than translated, or None if it needs the model.

    A segment with no letters (punctuation, numbers, dates) or with no letter of the source
    language's script (an English quote inside an Arabic article) has nothing for the model to do,
    and models tend to hallucinate on such input.
    """
    if not text.strip():
        return "empty"
    if _ANY_LETTER.search(text) is None:
        return "no-letters"
    if source_lang in SCRIPT_OF_LANG and not has_script(text, source_lang):
        return "not-source-script"
    return None


def is_mostly_script(text: str, lang: str, threshold: float = 0.5) -> bool:
    """True when at least `threshold` of the letters belong to `lang`'s script."""
    counts = count_scripts(text)
    script = SCRIPT_OF_LANG.get(lang)
    if script is None or counts.letters == 0:
        return False
    return counts.count(script) / counts.letters >= threshold


