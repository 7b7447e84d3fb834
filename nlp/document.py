"""The article pipeline, as pure text logic: which segments go to the model, and how the
translations are put back together. The model itself is injected (`SegmentTranslator`), so this
module runs without torch and tests can drive it with any stand-in.

Layout contract: every input line is one paragraph (web articles put one paragraph per line);
blank lines are kept where they were. Every source sentence appears exactly once in the output,
either translated or passed through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, Protocol, Sequence

from tarjama.nlp.normalize import normalize
from tarjama.nlp.packing import split_to_budget
from tarjama.nlp.script import passthrough_reason
from tarjama.nlp.segment import Span, split_sentences
from tarjama.nlp.textio import Line


@dataclass(frozen=True, slots=True)
class SegmentOutput:
    """One model output, with what the decoder noticed about it."""

    text: str
    hit_max_length: bool = False
    repeated: bool = False
    output_tokens: int = 0  # decoder steps (end-of-sequence included), for throughput figures


class SegmentTranslator(Protocol):
    """What the pipeline needs from a model: a window, a token counter, batched translation."""

    max_segment_tokens: int

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def translate(self, segments: Sequence[str]) -> list[SegmentOutput]: ...


@dataclass(frozen=True)
class SentenceResult:
    source: str  # the original text of the sentence (before normalization)
    translation: str
    passthrough: bool = False
    split: bool = False  # too long for the model: translated in pieces cut at clause boundaries
    pieces: int = 1
    hit_max_length: bool = False
    repeated: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "translation": self.translation,
            "flags": {
                "split": self.split,
                "hit_max_length": self.hit_max_length,
                "repeated": self.repeated,
                "passthrough": self.passthrough,
            },
            "pieces": self.pieces,
        }


@dataclass(frozen=True)
class ParagraphResult:
    index: int  # 0-based among non-blank paragraphs
    line: int  # 1-based input line
    kind: str  # "title" | "paragraph"
    source: str
    translation: str
    sentences: tuple[SentenceResult, ...]
    blank_lines_before: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "line": self.line,
            "kind": self.kind,
            "source": self.source,
            "translation": self.translation,
            "sentences": [s.to_json() for s in self.sentences],
        }


@dataclass
class DocumentStats:
    paragraphs: int = 0
    sentences: int = 0
    translated: int = 0
    passthrough: int = 0
    split: int = 0
    hit_max_length: int = 0
    repeated: int = 0
    source_script_sentences: int = 0  # sentences with a letter of the source language's script

    def to_json(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if k != "source_script_sentences"}


@dataclass
class _Pending:
    line: Line
    blank_before: int
    source: str
    # per sentence: (original text, normalized text or None if passthrough, piece count)
    sentences: list[tuple[str, str | None]] = field(default_factory=list)
    piece_texts: list[list[str]] = field(default_factory=list)


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


def translate_lines(
    lines: Iterable[Line],
    translator: SegmentTranslator,
    *,
    source_lang: str,
    window_segments: int = 256,
    stats: DocumentStats | None = None,
) -> Iterator[ParagraphResult]:
    """Translate an article given as lines, yielding paragraphs in order.

    Segments are collected across paragraphs until `window_segments` are pending, so the model
    sees full batches, while memory stays bounded by the window rather than the article.
    """
    stats = stats if stats is not None else DocumentStats()
    window: list[_Pending] = []
    pending_segments = 0
    blank = 0
    index = 0
    for line in lines:
        if not line.text.strip():
            blank += 1
            continue
        item = _prepare(line, blank, translator, source_lang, stats)
        blank = 0
        window.append(item)
        # Passthrough sentences count too: a long run of them must not pile up in the window.
        pending_segments += sum(max(1, len(p)) for p in item.piece_texts) or 1
        if pending_segments >= window_segments:
            yield from _flush(window, translator, index, stats)
            index += len(window)
            window, pending_segments = [], 0
    if window:
        yield from _flush(window, translator, index, stats)


def _prepare(
    line: Line, blank: int, translator: SegmentTranslator, source_lang: str, stats: DocumentStats
) -> _Pending:
    item = _Pending(line=line, blank_before=blank, source=line.text)
    to_count: list[tuple[int, str]] = []
    for sentence in paragraph_sentences(line.text):
        original, text = sentence.text, sentence.normalized
        if passthrough_reason(text, source_lang) is not None:
            item.sentences.append((original, None))
            item.piece_texts.append([])
        else:
            stats.source_script_sentences += 1
            item.sentences.append((original, text))
            item.piece_texts.append([text])
            to_count.append((len(item.sentences) - 1, text))
    if to_count:
        counts = translator.count_tokens([t for _, t in to_count])
        budget = translator.max_segment_tokens
        for (i, text), n in zip(to_count, counts):
            if n > budget:
                pieces = split_to_budget(
                    text, Span(0, len(text)), lambda s: translator.count_tokens([s])[0], budget
                )
                item.piece_texts[i] = [text[p.start : p.end] for p in pieces]
    return item


def _flush(
    window: list[_Pending], translator: SegmentTranslator, first_index: int, stats: DocumentStats
) -> Iterator[ParagraphResult]:
    flat = [piece for item in window for pieces in item.piece_texts for piece in pieces]
    outputs = iter(translator.translate(flat) if flat else [])
    for offset, item in enumerate(window):
        sentences: list[SentenceResult] = []
        for (original, text), pieces in zip(item.sentences, item.piece_texts):
            if text is None:
                sentences.append(SentenceResult(original, original, passthrough=True))
                stats.passthrough += 1
                continue
            outs = [next(outputs) for _ in pieces]
            result = SentenceResult(
                source=original,
                translation=" ".join(o.text.strip() for o in outs if o.text.strip()),
                split=len(pieces) > 1,
                pieces=len(pieces),
                hit_max_length=any(o.hit_max_length for o in outs),
                repeated=any(o.repeated for o in outs),
            )
            sentences.append(result)
            stats.translated += 1
            stats.split += result.split
            stats.hit_max_length += result.hit_max_length
            stats.repeated += result.repeated
        stats.paragraphs += 1
        stats.sentences += len(sentences)
        index = first_index + offset
        yield ParagraphResult(
            index=index,
            line=item.line.number,
            kind="title" if is_title(item.source, index) else "paragraph",
            source=item.source,
            translation=" ".join(s.translation for s in sentences if s.translation),
            sentences=tuple(sentences),
            blank_lines_before=item.blank_before,
        )

