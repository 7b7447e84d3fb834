"""`untranslated`: text of the source's script left in the translation.

Into English: any run of Arabic letters is left-over source (names come out in Latin script).
Into Arabic: Latin-script names, acronyms and brands are normal in Arabic news, so only
lowercase Latin words of three letters or more count (outside URLs and e-mail addresses).
A sentence that comes back as it went in (and had something to translate) is an error.
"""

from __future__ import annotations

import re

from tarjama.nlp.checks.base import ERROR, WARNING, Flag
from tarjama.nlp.script import count_scripts

CODE = "untranslated"

_ARABIC_RUN = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f"
                         r"\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc][\u0620-\u06ff\u0750-\u077f"
                         r"\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc\s]*")
_LATIN_WORD = re.compile(r"(?<![\w@/.])[a-z]{3,}(?:['’][a-z]+)?(?![\w@/])")
_URLISH = re.compile(r"\S*(?:https?://|www\.|@|\.com|\.org|\.net)\S*", re.I)


def check(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    text = translation.strip()
    if not text:
        return []
    if text == source.strip() and count_scripts(text).count(
            "arabic" if source_lang == "ar" else "latin"):
        return [Flag(CODE, ERROR, "the sentence came back as it went in, untranslated")]
    if target_lang == "en":
        runs = [r.strip() for r in _ARABIC_RUN.findall(text) if len(r.strip()) >= 2]
        share = count_scripts(text).arabic
    elif target_lang == "ar":
        runs = _LATIN_WORD.findall(_URLISH.sub(" ", text))
        share = sum(len(r) for r in runs)
    else:
        return []
    if not runs:
        return []
    letters = max(1, count_scripts(text).letters)
    shown = ", ".join(f"«{r[:40]}»" for r in runs[:3])
    if share / letters >= 0.5:
        return [Flag(CODE, ERROR, f"mostly left in the source language: {shown}")]
    return [Flag(CODE, WARNING, f"source-language text left in the translation: {shown}")]
