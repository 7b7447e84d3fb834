"""The checks `POST /v1/check` runs on source/translation pairs a client gives: the translation
checks of nlp.checks (numbers, untranslated text, length, repetition, glossary, names across
the pairs of one request), plus one the server needs and a decoder never produces: an empty
translation of a sentence that has words."""

from __future__ import annotations

from typing import Sequence

from tarjama.nlp.checks import ERROR, CheckSettings, Flag
from tarjama.nlp.checks.lines import check_lines
from tarjama.nlp.glossary import Glossary
from tarjama.nlp.script import count_scripts

__all__ = ["check_pairs"]


def check_pairs(sources: Sequence[str], translations: Sequence[str], source_lang: str,
                target_lang: str, glossary: Glossary | None = None) -> list[tuple[Flag, ...]]:
    """The flags of each (source, translation) pair, worst first; the pairs of one call are one
    article (name consistency)."""
    report = check_lines(sources, translations, CheckSettings(source_lang, target_lang,
                                                              glossary=glossary))
    out = []
    for line, source, translation in zip(report.lines, sources, translations):
        flags = line.flags
        if count_scripts(source).letters and not translation.strip():
            flags = (Flag("empty", ERROR, "the translation is empty"), *flags)
        out.append(flags)
    return out
