"""Per-sentence checks: what a reader should look at, and why.

Each check is a small named unit with a stable code (one module each, over nlp.checks.base);
what it finds on a sentence is a Flag (code, severity, short detail), listed in JSON as the
sentence's ``checks`` and counted per document:

=====================  ===============================================================
``number``             a figure of the source missing, changed or added (nlp.numbers)
``untranslated``       source-script text left in the translation
``length``             output/source length outside what human translations show
``confidence``         the decoder's mean token log-probability under a threshold
``glossary``           a glossary term not rendered as the glossary says
``name-consistency``   one name rendered two ways in one article
``language``           the input is not in the language given (per article)
``repeated``           a phrase said twice (from the decoder's tokens, or the text)
``split``, ``hit_max_length``: the decoder's own observations
``unsupported-number``, ``unsupported-name``: a summary sentence the article does not back
=====================  ===============================================================

:class:`ArticleChecker` runs them over one article's sentences in order (name consistency and
the input's language need the article); :func:`check_sentence` runs those that need only the
pair. Checks never change a translation.
"""

from __future__ import annotations

from dataclasses import dataclass

from tarjama.nlp.checks import confidence, glossary, length, number, repetition, untranslated
from tarjama.nlp.checks.base import ERROR, INFO, SEVERITIES, WARNING, Flag, decoder_flags
from tarjama.nlp.checks.language import Detect, LanguageCheck
from tarjama.nlp.checks.names import NameConsistency
from tarjama.nlp.glossary import Glossary

__all__ = ["CODES", "ERROR", "INFO", "SEVERITIES", "WARNING", "ArticleChecker", "CheckSettings",
           "Flag", "check_sentence", "decoder_flags"]

CODES = ("number", "untranslated", "length", "confidence", "glossary", "name-consistency",
         "language", "split", "hit_max_length", "repeated", "unsupported-number",
         "unsupported-name")
_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class CheckSettings:
    source_lang: str
    target_lang: str
    glossary: Glossary | None = None
    min_confidence: float = confidence.DEFAULT_MIN_CONFIDENCE
    detect: Detect | None = None  # language identification; None: the input is not judged


def check_sentence(settings: CheckSettings, source: str, translation: str, *,
                   score: float | None = None, decoder: tuple[Flag, ...] = (),
                   glossary_fell_back: bool = False) -> tuple[Flag, ...]:
    """The checks of one (source, translation) pair that need nothing else, worst first."""
    s, t = settings.source_lang, settings.target_lang
    looped = any(f.code == repetition.CODE for f in decoder)
    flags = [*decoder, *number.check(source, translation, s, t),
             *([] if looped else repetition.check(source, translation)),
             *untranslated.check(source, translation, s, t), *length.check(source, translation, s, t),
             *confidence.check(score, settings.min_confidence),
             *glossary.check(settings.glossary, source, translation, s, t,
                             fell_back=glossary_fell_back)]
    return tuple(sorted(flags, key=lambda f: _ORDER.get(f.severity, 3)))


class ArticleChecker:
    """All checks over one article's sentences, seen in order (a translation streams)."""

    def __init__(self, settings: CheckSettings) -> None:
        self.settings = settings
        self.names = NameConsistency(settings.source_lang, settings.target_lang)
        self.language = (LanguageCheck(settings.source_lang, settings.detect)
                         if settings.detect is not None else None)

    def paragraph(self, text: str, line: int) -> None:
        if self.language is not None:
            self.language.paragraph(text, f"line {line}")

    def sentence(self, source: str, translation: str, *, line: int, score: float | None = None,
                 decoder: tuple[Flag, ...] = (), glossary_fell_back: bool = False
                 ) -> tuple[Flag, ...]:
        flags = list(check_sentence(self.settings, source, translation, score=score,
                                    decoder=decoder, glossary_fell_back=glossary_fell_back))
        flags += self.names.check(source, translation, f"line {line}")
        return tuple(sorted(flags, key=lambda f: _ORDER.get(f.severity, 3)))

    def finish(self) -> list[Flag]:
        """The article's own flags (its language), once every sentence is through."""
        return self.language.finish() if self.language is not None else []
