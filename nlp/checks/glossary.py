"""`glossary`: a glossary term of the source is not rendered as the glossary says, or its
placeholder was lost by the model and the sentence had to be translated without masking."""

from __future__ import annotations

from tarjama.nlp.checks.base import WARNING, Flag
from tarjama.nlp.glossary import Glossary

CODE = "glossary"


def check(glossary: Glossary | None, source: str, translation: str, source_lang: str,
          target_lang: str, *, fell_back: bool = False) -> list[Flag]:
    if glossary is None:
        return []
    flags = []
    if fell_back:
        flags.append(Flag(CODE, WARNING, "the model lost a glossary placeholder; the sentence was "
                                         "translated again without masking"))
    for term in glossary.missing(source, translation, source_lang, target_lang)[:3]:
        want = term.en if target_lang == "en" else term.ar
        have = term.ar if target_lang == "en" else term.en
        flags.append(Flag(CODE, WARNING, f"«{have}» should be rendered «{want}» "
                                         f"({glossary.name}, line {term.line})"))
    return flags
