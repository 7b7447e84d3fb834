"""`language`: the input is not in the language the command was told (Persian or Urdu given as
Arabic; English given as Arabic), or a paragraph mixes languages.

The detector is injected (models.langid wraps lingua, which needs no download), so this module
stays text in, text out. An article is judged on its first paragraphs as a whole; each
paragraph long enough to judge (40 letters) on its own, so one quoted in English inside an
Arabic article is reported as mixed rather than as the article's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from tarjama.nlp.checks.base import INFO, WARNING, Flag
from tarjama.nlp.script import count_scripts

CODE = "language"
NAMES = {"ar": "Arabic", "fa": "Persian", "ur": "Urdu", "en": "English", "fr": "French"}
Detect = Callable[[str], list[tuple[str, float]]]
_MIN_LETTERS = 40
_ARTICLE_SAMPLE = 4000  # letters: enough to judge an article by


@dataclass
class LanguageCheck:
    source_lang: str
    detect: Detect
    sample: list[str] = field(default_factory=list)
    sampled: int = 0
    mixed: list[Flag] = field(default_factory=list)

    def paragraph(self, text: str, where: str) -> None:
        letters = count_scripts(text).letters
        if letters < _MIN_LETTERS:
            return
        if self.sampled < _ARTICLE_SAMPLE:
            self.sample.append(text)
            self.sampled += letters
        found = self.detect(text)
        if found and found[0][0] != self.source_lang and found[0][1] >= 0.5 and len(self.mixed) < 5:
            self.mixed.append(Flag(CODE, INFO, f"{where} reads as {NAMES.get(found[0][0], found[0][0])}"
                                               f", not {NAMES.get(self.source_lang, self.source_lang)}"))

    def finish(self) -> list[Flag]:
        if not self.sample:
            return []
        found = self.detect("\n".join(self.sample))
        if found and found[0][0] != self.source_lang and found[0][1] >= 0.5:
            lang = NAMES.get(found[0][0], found[0][0])
            told = NAMES.get(self.source_lang, self.source_lang)
            return [Flag(CODE, WARNING, f"the text reads as {lang} ({found[0][1]:.0%} sure), but "
                                        f"--from {self.source_lang} ({told}) was given; the "
                                        f"{told} model will mistranslate it")]
        return self.mixed
