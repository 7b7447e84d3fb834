"""Summarizing text longer than a model's input window, without truncating it: map-reduce.

Level 0 packs the article's sentences, in order, into chunks that fit the window (a sentence
longer than the window is first cut at clause boundaries by nlp.packing.split_to_budget), and
summarizes every chunk. The partial summaries, joined, are the next level's input; this repeats
until the input fits the window once, and that last call gives the summary.

Cost is linear in the article's length. Every map call's output is capped at a quarter of the
window, and consecutive chunks together overflow the window (greedy packing), so each level's
input is at most about half of the level before: the levels' sizes form a geometric series
whose sum is under four times the article. The model is injected (`SummarizationModel`), so this
module runs without torch, and tests can drive it with a stand-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from tarjama.nlp.packing import pack_spans, split_to_budget
from tarjama.nlp.segment import Span
from tarjama.nlp.translate import SegmentOutput

__all__ = ["ChunkRecord", "MapReduceResult", "SummarizationModel", "map_reduce"]

# Tokens kept free in every chunk: joining pieces can tokenize a little differently from the
# pieces counted one by one.
_JOIN_MARGIN = 2
# A bug guard, not a limit anyone should meet: with outputs at a quarter of the window, a
# billion-token article needs about 30 levels.
_MAX_LEVELS = 40


class SummarizationModel(Protocol):
    """What map-reduce needs from a model: a window, a token counter, batched summarization."""

    max_input_tokens: int  # the window: tokens one call may read, special tokens included
    max_summary_tokens: int  # the decoding bound of the final summary

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def summarize(self, texts: Sequence[str], max_new_tokens: Sequence[int]) -> list[SegmentOutput]: ...


@dataclass(frozen=True)
class ChunkRecord:
    level: int
    index: int
    start: int  # first input of the chunk: a source sentence at level 0, else a chunk of level - 1
    end: int  # one past its last input
    input_tokens: int
    output_tokens: int
    hit_max_length: bool = False
    repeated: bool = False
    pieces: int = 0  # level 0: pieces of over-long sentences in this chunk

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index, "inputs": [self.start, self.end],
            "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
            "hit_max_length": self.hit_max_length, "repeated": self.repeated,
            **({"split_sentence_pieces": self.pieces} if self.pieces else {}),
        }


@dataclass(frozen=True)
class MapReduceResult:
    summary: SegmentOutput
    window: int
    input_tokens: int  # of the article (sum over its sentences)
    final_input_tokens: int  # what the last call read
    levels: tuple[tuple[ChunkRecord, ...], ...]  # map levels; empty when the article fit at once

    @property
    def calls(self) -> int:
        return 1 + sum(len(level) for level in self.levels)

    @property
    def hit_max_length(self) -> bool:
        return self.summary.hit_max_length

    @property
    def repeated(self) -> bool:
        return self.summary.repeated or any(c.repeated for lv in self.levels for c in lv)

    def to_json(self) -> dict[str, object]:
        return {
            "window": self.window,
            "input_tokens": self.input_tokens,
            "calls": self.calls,
            "levels": [
                {"level": i, "chunks": [c.to_json() for c in level]}
                for i, level in enumerate(self.levels)
            ],
            "final": {
                "input_tokens": self.final_input_tokens,
                "output_tokens": self.summary.output_tokens,
                "hit_max_length": self.summary.hit_max_length,
                "repeated": self.summary.repeated,
            },
        }


def map_bound(window: int, max_summary_tokens: int) -> int:
    """The decoding bound of a map call: small enough that every level shrinks the input."""
    return max(1, min(max_summary_tokens, window // 4))


def map_reduce(units: Sequence[str], model: SummarizationModel) -> MapReduceResult:
    """Summarize `units` (sentences, in order) however long they are together."""
    window = model.max_input_tokens
    budget = window - _JOIN_MARGIN
    if budget < 8:
        raise ValueError(f"a window of {window} tokens is too small to summarize in")
    items = [u for u in units if u.strip()]
    origin = list(range(len(units)))
    origin = [i for i, u in zip(origin, units) if u.strip()]
    levels: list[tuple[ChunkRecord, ...]] = []
    article_tokens: int | None = None
    while True:
        text, spans, sizes, owner = _level_input(items, model, budget)
        total = sum(sizes)
        if article_tokens is None:
            article_tokens = total
        if total <= window:
            # Counted pieces can under-count the joined text; check it before the final call.
            (joined_tokens,) = model.count_tokens([text])
            if joined_tokens <= window:
                bound = max(1, min(model.max_summary_tokens, joined_tokens))
                (summary,) = model.summarize([text], [bound])
                return MapReduceResult(summary, window, article_tokens, joined_tokens,
                                       tuple(levels))
        if len(levels) >= _MAX_LEVELS:
            raise RuntimeError(f"map-reduce did not converge after {_MAX_LEVELS} levels")
        groups = _fit(text, spans, sizes, pack_spans(spans, sizes, budget), model, window)
        chunks = [text[spans[g[0]].start : spans[g[-1]].end] for g in groups]
        chunk_tokens = model.count_tokens(chunks)
        bounds = [min(map_bound(window, model.max_summary_tokens), n) for n in chunk_tokens]
        outputs = model.summarize(chunks, bounds)
        level = len(levels)
        records = []
        for k, (g, n_in, out) in enumerate(zip(groups, chunk_tokens, outputs)):
            first, last = origin[owner[g[0]]], origin[owner[g[-1]]]
            pieces = sum(1 for j in g if _is_piece(owner, j)) if level == 0 else 0
            records.append(ChunkRecord(level, k, first, last + 1, n_in, out.output_tokens,
                                       out.hit_max_length, out.repeated, pieces))
        levels.append(tuple(records))
        next_items = [o.text.strip() for o in outputs]
        origin = [k for k, t in enumerate(next_items) if t]
        items = [t for t in next_items if t]
        if not items:
            # The model said nothing at all for any chunk: an empty summary, reported as such.
            return MapReduceResult(SegmentOutput("", False, False, 0), window, article_tokens,
                                   0, tuple(levels))
        if sum(model.count_tokens(items)) >= total:
            raise RuntimeError("map-reduce level did not shrink its input")


def _is_piece(owner: Sequence[int], j: int) -> bool:
    return (j > 0 and owner[j - 1] == owner[j]) or (j + 1 < len(owner) and owner[j + 1] == owner[j])


def _level_input(items: Sequence[str], model: SummarizationModel, budget: int
                 ) -> tuple[str, list[Span], list[int], list[int]]:
    """Join the items into one text; return it with spans (items over budget split into pieces),
    their token counts, and for each span the index of the item it came from."""
    text_parts: list[str] = []
    spans: list[Span] = []
    owner: list[int] = []
    pos = 0
    for i, item in enumerate(items):
        if i:
            text_parts.append(" ")
            pos += 1
        text_parts.append(item)
        spans.append(Span(pos, pos + len(item)))
        owner.append(i)
        pos += len(item)
    text = "".join(text_parts)
    sizes = model.count_tokens([text[s.start : s.end] for s in spans]) if spans else []
    if all(n <= budget for n in sizes):
        return text, spans, sizes, owner
    out_spans: list[Span] = []
    out_sizes: list[int] = []
    out_owner: list[int] = []
    for span, n, who in zip(spans, sizes, owner):
        if n <= budget:
            out_spans.append(span)
            out_sizes.append(n)
            out_owner.append(who)
            continue
        pieces = split_to_budget(text, span, lambda s: model.count_tokens([s])[0], budget)
        counts = model.count_tokens([text[p.start : p.end] for p in pieces])
        out_spans.extend(pieces)
        out_sizes.extend(counts)
        out_owner.extend([who] * len(pieces))
    return text, out_spans, out_sizes, out_owner


def _fit(text: str, spans: Sequence[Span], sizes: Sequence[int], groups: list[list[int]],
         model: SummarizationModel, window: int) -> list[list[int]]:
    """Halve any packed group whose joined text still overflows the window."""
    out: list[list[int]] = []
    pending = list(reversed(groups))
    while pending:
        g = pending.pop()
        if len(g) > 1:
            (n,) = model.count_tokens([text[spans[g[0]].start : spans[g[-1]].end]])
            if n > window:
                half = len(g) // 2
                pending.extend([g[half:], g[:half]])
                continue
        out.append(g)
    return out
