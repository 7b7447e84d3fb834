"""The document model every part reads: lines of input, an article's headline and sentences.

An article arrives as lines, one paragraph a line (the layout web articles and `tarjama split`
use). :func:`paragraph_sentences` normalizes a paragraph and splits it into sentences that map
back to the original text; :func:`read_document` turns lines into a :class:`Document`, with the
headline set apart. Translation, summaries and the digest all start from these, so a sentence
is split once and means the same thing everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from tarjama.nlp.normalize import normalize
from tarjama.nlp.script import SCRIPT_OF_LANG, count_scripts
from tarjama.nlp.segment import split_sentences

__all__ = ["DocSentence", "Document", "Line", "Sentence", "is_title", "paragraph_sentences",
           "read_document", "word_count"]


@dataclass(frozen=True, slots=True)
class Line:
    """One line of input text."""

    number: int  # 1-based
    byte_offset: int  # of the line's first byte in the input
    text: str  # without its line terminator (\n or \r\n)


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int  # offsets in the original paragraph
    end: int
    text: str  # original text, or normalized text when asked for
    normalized: str


def paragraph_sentences(paragraph: str, *, normalized: bool = False) -> list[Sentence]:
    """Normalize a paragraph, split it into sentences, and map each back to the original text."""
    norm = normalize(paragraph)
    out = []
    for span in split_sentences(norm.text):
        a, b = norm.original_span(span.start, span.end)
        text = norm.text[span.start : span.end]
        out.append(Sentence(a, b, text if normalized else paragraph[a:b], text))
    return out


_SENTENCE_END = (".", "!", "?", "؟", "…", ":", "\"", "»", "”", ")")
_TITLE_MAX_WORDS = 20


def is_title(text: str, index: int) -> bool:
    """A short first line without closing punctuation is the article's headline."""
    stripped = text.strip()
    return index == 0 and len(stripped.split()) <= _TITLE_MAX_WORDS and not stripped.endswith(
        _SENTENCE_END
    )


# Arabic combining marks (harakat, Quranic marks, superscript alef): not \w to Python's re.
MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
# Words: numbers with their decimal and thousands separators ("3.5", "1,200", "٣٫٥"), else
# runs of letters and digits with the marks on them (a vocalized word is one word).
WORD = re.compile(f"\\d+(?:[.,\u066b\u066c]\\d+)*|(?:[^\\W_]|[{MARKS}])+")


def word_count(text: str) -> int:
    return len(WORD.findall(text))


@dataclass(frozen=True, slots=True)
class DocSentence:
    index: int  # 0-based among the body's sentences (the headline is not counted)
    paragraph: int  # 0-based among non-blank input lines
    line: int  # 1-based input line
    text: str  # the original text, verbatim
    normalized: str  # nlp.normalize.normalize() of it: what models are given


@dataclass(frozen=True)
class Document:
    """An article: an optional headline and the body's sentences."""

    sentences: tuple[DocSentence, ...]
    title: str | None = None
    paragraphs: int = 0
    letters: int = 0  # letters of any script in the body
    source_script_letters: int = 0  # letters of the source language's script in the body

    @property
    def words(self) -> int:
        return sum(word_count(s.text) for s in self.sentences)

    @classmethod
    def from_paragraphs(cls, paragraphs: Iterable[str], *, source_lang: str,
                        title: str | None = None) -> "Document":
        """A document whose headline is already known (a feed item's title), so no paragraph
        is taken for it."""
        lines = [Line(n, 0, text) for n, text in enumerate(paragraphs, start=1)]
        return _read(lines, source_lang, title_from_first_line=False, title=title or None)


def read_document(lines: Iterable[Line], *, source_lang: str) -> Document:
    """Split an article (one paragraph a line) into sentences, setting its headline apart.

    The headline is a short first line without closing punctuation (:func:`is_title`), as in
    `translate`; it is not a candidate for the summary, which should say more than the headline
    does. A document that is nothing but such a line keeps it as its body.
    """
    return _read(lines, source_lang, title_from_first_line=True, title=None)


def _read(lines: Iterable[Line], source_lang: str, *, title_from_first_line: bool,
          title: str | None) -> Document:
    script = SCRIPT_OF_LANG.get(source_lang)
    sentences: list[DocSentence] = []
    paragraph = 0
    letters = source_letters = 0
    for line in lines:
        if not line.text.strip():
            continue
        if title_from_first_line and paragraph == 0 and is_title(line.text, 0):
            title = line.text.strip()
            paragraph += 1
            continue
        for s in paragraph_sentences(line.text):
            counts = count_scripts(s.normalized)
            letters += counts.letters
            source_letters += counts.count(script) if script else counts.letters
            sentences.append(DocSentence(len(sentences), paragraph, line.number, s.text,
                                         s.normalized))
        paragraph += 1
    if not sentences and title is not None and title_from_first_line:
        counts = count_scripts(title)
        return Document((DocSentence(0, 0, 1, title, title),), None, 1, counts.letters,
                        counts.count(script) if script else counts.letters)
    return Document(tuple(sentences), title, paragraph, letters, source_letters)
