"""`name-consistency`: within one article, one name gets one rendering.

A name is followed by its skeleton (nlp.names): an English capitalised word whose skeleton is
also the skeleton of a word of its Arabic sentence is the rendering of that Arabic name. When a
later sentence renders the same skeleton differently (Qaddafi where an earlier sentence had
Gaddafi), the later sentence is flagged, naming the earlier rendering; renderings that differ
only by case, dots, an "al-" article or an ending (Iran, Iranian) are one. Into Arabic the
same holds the other way round: an English name of the source, the Arabic word of the
translation with its skeleton.

Sentences are seen in order, so a translation streams: a flag always points back. Glossary
terms are checked exactly by the `glossary` check instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tarjama.nlp.checks.base import WARNING, Flag
from tarjama.nlp.names import arabic_skeletons, english_names, english_skeleton, same_name

CODE = "name-consistency"
_MIN_SKELETON = 3
# An Arabic word of a translation shares a three-letter skeleton with many common words
# (الكوارث and Jakarta); there a name needs four.
_MIN_SKELETON_AR = 4
_ARABIC_WORD = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u064b-\u065f\u0670\u0640]{3,}")


@dataclass
class NameConsistency:
    source_lang: str
    target_lang: str
    # skeleton -> (rendering, where it was first seen)
    seen: dict[str, tuple[str, str]] = field(default_factory=dict)

    def check(self, source: str, translation: str, where: str) -> list[Flag]:
        if (self.source_lang, self.target_lang) == ("ar", "en"):
            pairs = self._renderings(english_names(translation), source)
        elif (self.source_lang, self.target_lang) == ("en", "ar"):
            pairs = self._arabic_renderings(source, translation)
        else:
            return []
        flags = []
        same = same_name if self.target_lang == "en" else _same_arabic
        for skeleton, rendering in pairs:
            earlier = self.seen.get(skeleton)
            if earlier is None:
                self.seen[skeleton] = (rendering, where)
            elif not same(earlier[0], rendering):
                flags.append(Flag(CODE, WARNING, f"«{rendering}» here, «{earlier[0]}» in "
                                                 f"{earlier[1]}: the same name rendered two ways"))
        return flags[:3]

    @staticmethod
    def _renderings(names: list[tuple[int, int, str]], arabic: str) -> list[tuple[str, str]]:
        skeletons = set().union(*(arabic_skeletons(w) for w in _ARABIC_WORD.findall(arabic))) \
            if arabic else set()
        out = []
        for _, _, word in names:
            sk = english_skeleton(word)
            if len(sk) >= _MIN_SKELETON and sk in skeletons:
                out.append((sk, word))
        return out

    @staticmethod
    def _arabic_renderings(english: str, arabic: str) -> list[tuple[str, str]]:
        wanted = {english_skeleton(w) for _, _, w in english_names(english)}
        wanted = {sk for sk in wanted if len(sk) >= _MIN_SKELETON_AR}
        out = []
        for word in _ARABIC_WORD.findall(arabic):
            hits = arabic_skeletons(word) & wanted
            if hits:
                out.append((min(hits), word))
        return out


_AR_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                          "ـ": None, **{chr(c): None for c in range(0x064B, 0x0653)}})


def _arabic_forms(word: str) -> set[str]:
    """Readings of a word without its clitics and without an adjective's or a country's ending
    (بريطانيا, البريطانية; تركيا, تركية are one name)."""
    w = word.translate(_AR_FOLD)
    forms = {w}
    for prefix in ("وال", "فال", "بال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك"):
        if w.startswith(prefix) and len(w) - len(prefix) >= 3:
            forms.add(w[len(prefix):])
    for form in list(forms):
        for ending in ("يون", "يين", "يه", "ي", "يا", "ه", "ا"):
            if form.endswith(ending) and len(form) - len(ending) >= 3:
                forms.add(form[: -len(ending)])
    return forms


def _same_arabic(a: str, b: str) -> bool:
    """One rendering if some reading of both, without clitics and spelling variants, agrees."""
    return bool(_arabic_forms(a) & _arabic_forms(b))
