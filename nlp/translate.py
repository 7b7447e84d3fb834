"""Translating an article, as pure text logic: which segments go to the model, and how the
translations are put back together. The model is injected (:class:`TranslationModel`), so this
module runs without torch and tests can drive it with any stand-in.

Data flows one way: lines -> sentences (nlp.document) -> segments (a sentence, or pieces of one
too long for the model, each tokenized once) -> the model's batches -> translated sentences ->
paragraphs. Layout contract: every input line is one paragraph; blank lines are kept where they
were. Every source sentence appears exactly once in the output, translated or passed through.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Protocol, Sequence

from tarjama.nlp.checks import (
    INFO, ArticleChecker, CheckSettings, Flag, check_sentence, decoder_flags,
)
from tarjama.nlp.glossary import Glossary, Masked, restore
from tarjama.nlp.document import Line, is_title, paragraph_sentences
from tarjama.nlp.normalize import normalize
from tarjama.nlp.packing import split_to_budget
from tarjama.nlp.script import passthrough_reason
from tarjama.nlp.segment import Span

__all__ = ["Segment", "SegmentOutput", "TranslatedParagraph", "TranslatedSentence",
           "TranslationModel", "TranslationStats", "count_tokens", "translate_articles",
           "translate_lines", "translate_sentences"]


_LANG_NAMES = {"ar": "Arabic", "en": "English"}
_NOTES = ("split",)  # flags that are information, not a reason to check the sentence


@dataclass(frozen=True, slots=True)
class Segment:
    """One unit for the model: normalized text and its token ids (tokenized once)."""

    text: str
    ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SegmentOutput:
    """One model output (a translation or a summary), with what the decoder noticed about it."""

    text: str
    hit_max_length: bool = False
    repeated: bool = False
    output_tokens: int = 0  # decoder steps (end-of-sequence included), for throughput figures
    score: float | None = None  # mean token log-probability of the hypothesis (None: unknown)


class TranslationModel(Protocol):
    """What the pipeline needs from a model: a window, a tokenizer, batched translation."""

    max_segment_tokens: int

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text as the model reads it (special tokens included)."""

    def translate(self, segments: Sequence[Segment]) -> list[SegmentOutput]: ...


@dataclass(frozen=True)
class TranslatedSentence:
    source: str  # the original text of the sentence (before normalization)
    translation: str
    passthrough: bool = False
    split: bool = False  # too long for the model: translated in pieces cut at clause boundaries
    pieces: int = 1
    hit_max_length: bool = False
    repeated: bool = False
    checks: tuple[Flag, ...] = ()  # what the checks found (nlp.checks), worst first
    confidence: float | None = None  # the decoder's mean token log-probability (worst piece)

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "translation": self.translation,
            "confidence": round(self.confidence, 4) if self.confidence is not None else None,
            "flags": {
                "split": self.split,
                "hit_max_length": self.hit_max_length,
                "repeated": self.repeated,
                "passthrough": self.passthrough,
            },
            "pieces": self.pieces,
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass(frozen=True)
class TranslatedParagraph:
    index: int  # 0-based among non-blank paragraphs
    line: int  # 1-based input line
    kind: str  # "title" | "paragraph"
    source: str
    translation: str
    sentences: tuple[TranslatedSentence, ...]
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
class TranslationStats:
    paragraphs: int = 0
    sentences: int = 0
    translated: int = 0
    passthrough: int = 0
    split: int = 0
    hit_max_length: int = 0
    repeated: int = 0
    source_script_sentences: int = 0  # sentences with a letter of the source language's script
    flagged: int = 0  # sentences with at least one check flag
    checks: dict[str, int] = field(default_factory=dict)  # flags by check code
    document_checks: list[Flag] = field(default_factory=list)  # the article's own (language)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {k: v for k, v in vars(self).items()
                                  if k not in ("source_script_sentences", "checks",
                                               "document_checks")}
        out["checks"] = dict(sorted(self.checks.items()))
        return out

    def summary_line(self) -> str:
        """"3 of 41 sentences flagged: number 2, length 1" (decoder notes left out)."""
        counts = {k: v for k, v in self.checks.items() if k not in _NOTES}
        if not counts:
            return f"0 of {self.sentences} sentences flagged"
        parts = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        return f"{self.flagged} of {self.sentences} sentences flagged: {parts}"

    def warnings(self, source_lang: str, name: str) -> list[str]:
        """What the reader should know about the input as a whole."""
        if self.paragraphs and self.source_script_sentences == 0:
            lang = _LANG_NAMES.get(source_lang, source_lang)
            return [f"{name} has no {lang} text; it was passed through unchanged (is --from "
                    f"{source_lang} right?)"]
        return []

    def add(self, sentence: TranslatedSentence) -> None:
        self.sentences += 1
        self.flagged += any(f.severity != INFO for f in sentence.checks)
        for flag in sentence.checks:
            self.checks[flag.code] = self.checks.get(flag.code, 0) + 1
        if sentence.passthrough:
            self.passthrough += 1
            return
        self.translated += 1
        self.split += sentence.split
        self.hit_max_length += sentence.hit_max_length
        self.repeated += sentence.repeated


@dataclass
class _Unit:
    """A sentence on its way through: its original text and, unless it passes through
    untouched, the segments the model gets for it (glossary terms masked)."""

    original: str
    text: str = ""  # normalized: what the model reads, and what checks compare
    segments: list[Segment] | None = None  # None: passthrough
    masked: Masked | None = None
    outputs: list[SegmentOutput] = field(default_factory=list)
    fell_back: bool = False  # the model lost a placeholder: translated again, unmasked


@dataclass
class _Pending:
    line: Line
    blank_before: int
    units: list[_Unit] = field(default_factory=list)


def translate_lines(
    lines: Iterable[Line],
    model: TranslationModel,
    *,
    source_lang: str,
    window_segments: int = 256,
    stats: TranslationStats | None = None,
    checks: CheckSettings | None = None,
) -> Iterator[TranslatedParagraph]:
    """Translate an article given as lines, yielding paragraphs in order.

    Segments are collected across paragraphs until `window_segments` are pending, so the model
    sees full batches, while memory stays bounded by the window rather than the article.
    With `checks`, every sentence carries the flags of nlp.checks (the glossary, when given,
    is applied by masking), and `stats.document_checks` the article's own once it is through.
    """
    stats = stats if stats is not None else TranslationStats()
    checker = ArticleChecker(checks) if checks is not None else None
    window: list[_Pending] = []
    pending_segments = 0
    index = 0
    for item in _paragraphs(lines, model, source_lang, stats, checks, checker):
        window.append(item)
        # Passthrough sentences count too: a long run of them must not pile up in the window.
        pending_segments += sum(len(u.segments or ()) or 1 for u in item.units) or 1
        if pending_segments >= window_segments:
            yield from _flush(window, model, index, stats, checker)
            index += len(window)
            window, pending_segments = [], 0
    if window:
        yield from _flush(window, model, index, stats, checker)
    if checker is not None:
        stats.document_checks = checker.finish()


def translate_articles(articles: Sequence[Iterable[Line]], model: TranslationModel, *,
                       source_lang: str, stats: Sequence[TranslationStats] | None = None,
                       checks: CheckSettings | None = None) -> list[list[TranslatedParagraph]]:
    """Translate several articles at once, each coming back as translate_lines gives it.

    The sentences of all the articles go to the model in one call, so its length-sorted
    batches are filled across articles (a batch job's short articles would otherwise each
    decode in a batch of a few sentences). The articles are held in memory together: the
    caller bounds how many it passes (tarjama.batch passes one shard).
    """
    stats = list(stats) if stats is not None else [TranslationStats() for _ in articles]
    checkers = [ArticleChecker(checks) if checks is not None else None for _ in articles]
    windows = [list(_paragraphs(lines, model, source_lang, article_stats, checks, checker))
               for lines, article_stats, checker in zip(articles, stats, checkers)]
    _translate([u for window in windows for item in window for u in item.units], model)
    out = []
    for window, article_stats, checker in zip(windows, stats, checkers):
        out.append(list(_assemble(window, 0, article_stats, checker)))
        if checker is not None:
            article_stats.document_checks = checker.finish()
    return out


def _paragraphs(lines: Iterable[Line], model: TranslationModel, source_lang: str,
                stats: TranslationStats, checks: CheckSettings | None,
                checker: ArticleChecker | None) -> Iterator[_Pending]:
    """The article's non-blank lines as paragraphs ready for the model (sentences split,
    segments encoded), each knowing the blank lines before it."""
    glossary = checks.glossary if checks is not None else None
    target = checks.target_lang if checks is not None else ""
    blank = 0
    for line in lines:
        if not line.text.strip():
            blank += 1
            continue
        if checker is not None:
            checker.paragraph(line.text, line.number)
        item = _Pending(line=line, blank_before=blank)
        item.units = _units([(s.text, s.normalized) for s in paragraph_sentences(line.text)],
                            model, source_lang, stats, glossary, target)
        blank = 0
        yield item


def translate_sentences(texts: Sequence[str], model: TranslationModel, *, source_lang: str,
                        stats: TranslationStats | None = None,
                        checks: CheckSettings | None = None) -> list[TranslatedSentence]:
    """Translate texts that are one sentence each already (a summary's sentences, a headline),
    all in one window, without splitting them again. The texts may come from different
    articles, so only the checks of a single pair run (nlp.checks.check_sentence)."""
    stats = stats if stats is not None else TranslationStats()
    units = _units([(t, normalize(t).text) for t in texts], model, source_lang, stats,
                   checks.glossary if checks is not None else None,
                   checks.target_lang if checks is not None else "")
    _translate(units, model)
    sentences = []
    for u in units:
        sentence = _sentence(u)
        if checks is not None and not sentence.passthrough:
            sentence = replace(sentence, checks=check_sentence(
                checks, u.text, sentence.translation, score=sentence.confidence,
                decoder=sentence.checks, glossary_fell_back=u.fell_back))
        stats.add(sentence)
        sentences.append(sentence)
    return sentences


def _units(sentences: Sequence[tuple[str, str]], model: TranslationModel, source_lang: str,
           stats: TranslationStats, glossary: Glossary | None = None, target_lang: str = ""
           ) -> list[_Unit]:
    """Sentences (original, normalized) as units, each tokenized once; a sentence over the
    model's window is cut at clause boundaries into pieces that fit."""
    units: list[_Unit] = []
    for original, text in sentences:
        if passthrough_reason(text, source_lang) is not None:
            units.append(_Unit(original, text))
            continue
        stats.source_script_sentences += 1
        masked = glossary.mask(text, source_lang, target_lang) if glossary is not None else None
        units.append(_Unit(original, text, [], masked))
    todo = [u for u in units if u.segments is not None]
    for unit, segments in zip(todo, _segments([u.masked.text if u.masked else u.text
                                               for u in todo], model)):
        unit.segments = segments
    return units


def _segments(texts: Sequence[str], model: TranslationModel) -> list[list[Segment]]:
    """Each text as the segments the model reads: itself, or pieces of it that fit."""
    if not texts:
        return []
    budget = model.max_segment_tokens
    out = []
    for text, ids in zip(texts, model.encode(list(texts))):
        if len(ids) <= budget:
            out.append([Segment(text, tuple(ids))])
            continue
        pieces = [text[p.start : p.end] for p in split_to_budget(
            text, Span(0, len(text)), lambda s: len(model.encode([s])[0]), budget)]
        out.append([Segment(p, tuple(i)) for p, i in zip(pieces, model.encode(pieces))])
    return out


def _translate(units: Sequence[_Unit], model: TranslationModel) -> None:
    """Fill each unit's outputs: one model call for all; a second, unmasked, for the sentences
    whose glossary placeholders the model did not give back."""
    flat = [seg for u in units for seg in (u.segments or ())]
    outputs = iter(model.translate(flat) if flat else [])
    for u in units:
        u.outputs = [next(outputs) for _ in u.segments or ()]
    lost = [u for u in units if u.masked is not None and restore(_joined(u), u.masked) is None]
    if not lost:
        return
    for u, segments in zip(lost, _segments([u.text for u in lost], model)):
        u.segments, u.masked, u.fell_back = segments, None, True
    flat = [seg for u in lost for seg in u.segments or ()]
    outputs = iter(model.translate(flat))
    for u in lost:
        u.outputs = [next(outputs) for _ in u.segments or ()]


def _joined(unit: _Unit) -> str:
    return " ".join(o.text.strip() for o in unit.outputs if o.text.strip())


def _sentence(unit: _Unit) -> TranslatedSentence:
    if unit.segments is None:
        return TranslatedSentence(unit.original, unit.original, passthrough=True)
    outs = unit.outputs
    translation = _joined(unit)
    if unit.masked is not None:
        translation = restore(translation, unit.masked) or translation
    hit = any(o.hit_max_length for o in outs)
    repeated = any(o.repeated for o in outs)
    scores = [o.score for o in outs if o.score is not None]
    return TranslatedSentence(
        source=unit.original,
        translation=translation,
        split=len(outs) > 1,
        pieces=len(outs),
        hit_max_length=hit,
        repeated=repeated,
        checks=decoder_flags(split=len(outs) > 1, pieces=len(outs), hit_max_length=hit,
                             repeated=repeated),
        confidence=min(scores) if scores else None,
    )


def _flush(window: list[_Pending], model: TranslationModel, first_index: int,
           stats: TranslationStats, checker: ArticleChecker | None
           ) -> Iterator[TranslatedParagraph]:
    _translate([u for item in window for u in item.units], model)
    return _assemble(window, first_index, stats, checker)


def _assemble(window: list[_Pending], first_index: int, stats: TranslationStats,
              checker: ArticleChecker | None) -> Iterator[TranslatedParagraph]:
    for offset, item in enumerate(window):
        sentences = []
        for u in item.units:
            sentence = _sentence(u)
            if checker is not None and not sentence.passthrough:
                sentence = replace(sentence, checks=checker.sentence(
                    u.text, sentence.translation, line=item.line.number,
                    score=sentence.confidence, decoder=sentence.checks,
                    glossary_fell_back=u.fell_back))
            stats.add(sentence)
            sentences.append(sentence)
        stats.paragraphs += 1
        index = first_index + offset
        yield TranslatedParagraph(
            index=index,
            line=item.line.number,
            kind="title" if is_title(item.line.text, index) else "paragraph",
            source=item.line.text,
            translation=" ".join(s.translation for s in sentences if s.translation),
            sentences=tuple(sentences),
            blank_lines_before=item.blank_before,
        )


def count_tokens(model: TranslationModel, texts: Sequence[str]) -> list[int]:
    """Tokens of each text as the model reads it."""
    return [len(ids) for ids in model.encode(texts)] if texts else []
