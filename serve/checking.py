"""The checks `POST /v1/check` runs on a source/translation pair given by the client.

:func:`check_pairs` is the one place the endpoint calls: sentences in, one tuple of
nlp.checks.Flag per sentence out. Until the per-sentence checker of nlp/checks (the
translation checks: numbers, untranslated text, length, glossary ...) lands, it runs the two
checks that need nothing but the text: an empty translation of a sentence that has words, and
text left in the source's script. Pointing the endpoint at that checker is replacing this
function's body with a call to it.
"""

from __future__ import annotations

from typing import Sequence

from tarjama.nlp.checks import ERROR, WARNING, Flag
from tarjama.nlp.script import SCRIPT_OF_LANG, count_scripts

__all__ = ["check_pairs"]

# Latin names and acronyms are normal in Arabic news text ("BBC", "NATO"); Arabic letters in
# an English translation are not. A translation into Arabic is flagged when most of its
# letters are still Latin.
_MAX_SOURCE_SCRIPT_SHARE = {"ar": 0.0, "en": 0.5}


def check_pairs(sources: Sequence[str], translations: Sequence[str], source_lang: str,
                target_lang: str) -> list[tuple[Flag, ...]]:
    """The flags of each (source, translation) pair, worst first."""
    return [_check(s, t, source_lang) for s, t in zip(sources, translations)]


def _check(source: str, translation: str, source_lang: str) -> tuple[Flag, ...]:
    src = count_scripts(source)
    if src.letters and not translation.strip():
        return (Flag("empty", ERROR, "the translation is empty"),)
    script = SCRIPT_OF_LANG.get(source_lang)
    out = count_scripts(translation)
    if script is None or not out.letters or not src.count(script):
        return ()
    share = out.count(script) / out.letters
    if share > _MAX_SOURCE_SCRIPT_SHARE.get(source_lang, 0.5):
        return (Flag("untranslated", WARNING,
                     f"{out.count(script)} of {out.letters} letters of the translation are in "
                     f"the source's script: part of it may be left untranslated"),)
    return ()
