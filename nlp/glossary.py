"""A user's glossary: Arabic terms and how they must be rendered in English (and, read the other
way round, English terms and their Arabic), applied by masking.

File format (UTF-8 TSV): ``Arabic term <TAB> English rendering [<TAB> note]``, one entry a line;
blank lines and lines starting with ``#`` are skipped. A do-not-translate entry gives the term
itself as its rendering (``NATO<TAB>NATO``).

Terms match after the pipeline's own folding: alef, yeh and teh-marbuta variants, diacritics
and tatweel; in Arabic also behind the clitics و ف ب ل ك and the article (وبالأمم المتحدة holds
الأمم المتحدة); in English case-insensitively on word boundaries.

Masking: each term found in a sentence is replaced by a placeholder (``XZ1``, ``XZ2`` ...) that
translation models copy through, and the rendering is put back in its place after
translation. :func:`restore` returns None when a placeholder was lost, repeated or mangled;
the pipeline then translates the sentence without masking and flags it, so a term is never
lost silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tarjama.errors import InputError

__all__ = ["Glossary", "Masked", "Term", "parse_glossary", "restore"]

_AR_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                          "ـ": None, **{chr(c): None for c in range(0x064B, 0x0653)}, "\u0670": None})
_AR_CLITICS = ("وبال", "وال", "فال", "بال", "كال", "لل", "وب", "ول", "ال", "و", "ف", "ب", "ل", "ك")
_AR_WORD = re.compile(r"[\u0621-\u064a\u0640\u064b-\u0652\u0670\u0671]+")
_PLACEHOLDER = "XZ{}"
_PLACEHOLDER_OUT = re.compile(r"X\s*Z\s*(\d+)", re.I)


@dataclass(frozen=True)
class Term:
    ar: str
    en: str
    note: str
    line: int  # in the glossary file


@dataclass(frozen=True)
class Masked:
    """A sentence with its glossary terms replaced by placeholders."""

    text: str
    terms: tuple[Term, ...]  # the term behind placeholder i + 1
    target_lang: str

    def renderings(self) -> list[str]:
        return [t.en if self.target_lang == "en" else t.ar for t in self.terms]


def _fold(text: str) -> str:
    return text.translate(_AR_FOLD).lower()


def _bare(word: str) -> list[str]:
    """A folded Arabic word and what it may be without its clitics."""
    w = _fold(word)
    out = [w]
    for prefix in _AR_CLITICS:
        if w.startswith(prefix) and len(w) - len(prefix) >= 2:
            out.append(w[len(prefix):])
    return out


class Glossary:
    def __init__(self, terms: list[Term], name: str = "glossary") -> None:
        self.terms = tuple(terms)
        self.name = name
        self._ar = sorted(((tuple(_bare(w)[-1] if i == 0 else _fold(w)
                                  for i, w in enumerate(_AR_WORD.findall(t.ar))), t)
                           for t in terms), key=lambda x: -len(x[0]))
        self._en = sorted(((t.en.lower(), t) for t in terms), key=lambda x: -len(x[0]))

    def __len__(self) -> int:
        return len(self.terms)

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "terms": len(self.terms)}

    def find(self, text: str, lang: str) -> list[tuple[int, int, Term]]:
        """Non-overlapping (start, end, term) of the terms in `text` (a source in `lang`),
        longest terms first; for Arabic the span leaves a clitic prefix outside the term."""
        return self._find_ar(text) if lang == "ar" else self._find_en(text)

    def _find_ar(self, text: str) -> list[tuple[int, int, Term]]:
        words = [(m.start(), m.end(), _bare(m.group(0))) for m in _AR_WORD.finditer(text)]
        taken: set[int] = set()
        found = []
        for key, term in self._ar:
            if not key:
                continue
            for i in range(len(words) - len(key) + 1):
                if any(j in taken for j in range(i, i + len(key))):
                    continue
                first = words[i][2]
                if key[0] not in first:
                    continue
                if all(words[i + k][2][0] == key[k] for k in range(1, len(key))):
                    # Keep a clitic prefix (و, ب, ...) outside the masked span, but not the
                    # article, which belongs to the term's rendering.
                    written = _fold(text[words[i][0]:words[i][1]])
                    lead = written[: len(written) - len(key[0])] if written.endswith(key[0]) else ""
                    lead = lead[:-2] if lead.endswith("ال") else lead
                    found.append((words[i][0] + len(lead), words[i + len(key) - 1][1], term))
                    taken.update(range(i, i + len(key)))
        return sorted(found, key=lambda x: x[0])

    def _find_en(self, text: str) -> list[tuple[int, int, Term]]:
        low = text.lower()
        taken = [False] * len(text)
        found = []
        for key, term in self._en:
            for m in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", low):
                if not any(taken[m.start():m.end()]):
                    found.append((m.start(), m.end(), term))
                    for i in range(m.start(), m.end()):
                        taken[i] = True
        return sorted(found, key=lambda x: x[0])

    def mask(self, text: str, source_lang: str, target_lang: str) -> Masked | None:
        """The sentence with placeholders, or None when no term occurs in it."""
        spans = self.find(text, source_lang)
        if not spans:
            return None
        parts, last, terms = [], 0, []
        for start, end, term in spans:
            terms.append(term)
            left = text[last:start]
            # A placeholder glued to an Arabic clitic would not be read as one token.
            glue = " " if left and not left[-1].isspace() else ""
            parts += [left, glue, _PLACEHOLDER.format(len(terms))]
            last = end
        parts.append(text[last:])
        return Masked("".join(parts), tuple(terms), target_lang)

    def missing(self, source: str, translation: str, source_lang: str, target_lang: str
                ) -> list[Term]:
        """Terms of the source whose rendering the translation does not contain."""
        wanted = [t for _, _, t in self.find(source, source_lang)]
        if not wanted:
            return []
        if target_lang == "en":
            low = translation.lower()
            return [t for t in wanted if t.en.lower() not in low]
        folded = _fold(translation)
        out = []
        for t in wanted:
            key = _fold(t.ar)
            key = key[2:] if key.startswith("ال") else key  # و/ب/ل before it are fine
            if key not in folded:
                out.append(t)
        return out


def restore(translation: str, masked: Masked) -> str | None:
    """Put each rendering back in place of its placeholder; None when the model did not give
    back every placeholder exactly once."""
    found = [int(m.group(1)) for m in _PLACEHOLDER_OUT.finditer(translation)]
    if sorted(found) != list(range(1, len(masked.terms) + 1)):
        return None
    renderings = masked.renderings()
    return _PLACEHOLDER_OUT.sub(lambda m: renderings[int(m.group(1)) - 1], translation)


def parse_glossary(text: str, name: str) -> Glossary:
    """Read a glossary file's text; a bad line is a one-line InputError naming file and line."""
    terms: list[Term] = []
    seen: dict[str, Term] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) not in (2, 3):
            raise InputError(f"{name}, line {number}: expected 2 or 3 tab-separated columns "
                             f"(Arabic term, English rendering, optional note), found {len(cells)}")
        ar, en = cells[0].strip(), cells[1].strip()
        note = cells[2].strip() if len(cells) == 3 else ""
        if not ar or not en:
            raise InputError(f"{name}, line {number}: the {'term' if not ar else 'rendering'} is empty")
        if not _AR_WORD.search(ar) and ar != en:
            raise InputError(f"{name}, line {number}: the first column must be the Arabic term "
                             "(or the term itself, for a do-not-translate entry)")
        key = " ".join(_fold(w) for w in _AR_WORD.findall(ar)) or ar.lower()
        if key in seen:
            if seen[key].en != en:
                raise InputError(f"{name}, line {number}: «{ar}» is already rendered "
                                 f"«{seen[key].en}» on line {seen[key].line}")
            continue
        term = Term(ar, en, note, number)
        seen[key] = term
        terms.append(term)
    if not terms:
        raise InputError(f"{name}: no glossary entries (expected lines of: Arabic term<TAB>"
                         "English rendering)")
    return Glossary(terms, name)
