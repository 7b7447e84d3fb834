"""Fitting text to a model's input window without ever truncating it.

`split_to_budget` cuts an over-long sentence at the weakest boundary that makes every piece fit:
clause punctuation first (، ؛ : ,), then whitespace, and only for a run of text with no
whitespace at all, between characters. `pack_spans` groups consecutive sentences into chunks
under a budget (summarization windows). Token counts come from a callable so this module stays
free of any model code.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from tarjama.nlp.segment import Span

CountTokens = Callable[[str], int]

# Cut points, strongest first: after clause punctuation (and the spaces after it), then at spaces.
_CUT_LEVELS: tuple[re.Pattern[str], ...] = (
    re.compile(r"[؛;:]\s+"),
    re.compile(r"[،,]\s+"),
    re.compile(r"\s+"),
)


def split_to_budget(text: str, span: Span, count_tokens: CountTokens, budget: int) -> list[Span]:
    """Split `text[span]` into consecutive spans that each fit `budget` tokens.

    The pieces cover the span exactly (only whitespace between them), so nothing is lost.
    """
    if budget < 1:
        raise ValueError("budget must be at least 1 token")
    if count_tokens(text[span.start : span.end]) <= budget:
        return [span]
    return _split(text, span, count_tokens, budget, 0)


def _split(text: str, span: Span, count: CountTokens, budget: int, level: int) -> list[Span]:
    if count(text[span.start : span.end]) <= budget:
        return [span]
    if level == len(_CUT_LEVELS):
        return _split_characters(text, span, count, budget)
    cuts = [
        m.end() for m in _CUT_LEVELS[level].finditer(text, span.start, span.end)
        if span.start < m.start() and m.end() < span.end
    ]
    if not cuts:
        return _split(text, span, count, budget, level + 1)
    pieces: list[Span] = []
    start = span.start
    bounds = cuts + [span.end]
    i = 0
    while i < len(bounds):
        # Greedy: the farthest boundary whose piece still fits (binary search over boundaries).
        lo, hi, best = i, len(bounds) - 1, -1
        while lo <= hi:
            mid = (lo + hi) // 2
            if count(_strip(text, start, bounds[mid])) <= budget:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        if best < 0:
            # Even the next piece is too long at this level: split it at weaker boundaries.
            piece = _trim(text, start, bounds[i])
            pieces.extend(_split(text, piece, count, budget, level + 1))
            start, i = bounds[i], i + 1
        else:
            pieces.append(_trim(text, start, bounds[best]))
            start, i = bounds[best], best + 1
    return [p for p in pieces if p.end > p.start]


def _split_characters(text: str, span: Span, count: CountTokens, budget: int) -> list[Span]:
    pieces: list[Span] = []
    start = span.start
    while start < span.end:
        lo, hi, best = start + 1, span.end, start + 1
        while lo <= hi:
            mid = (lo + hi) // 2
            if count(text[start:mid]) <= budget:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        pieces.append(Span(start, best))
        start = best
    return pieces


def _strip(text: str, start: int, end: int) -> str:
    return text[start:end].strip()


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def pack_spans(spans: Sequence[Span], sizes: Sequence[int], budget: int) -> list[list[int]]:
    """Group consecutive spans (by index) so each group's total size stays within `budget`.

    A span larger than the budget on its own forms a group by itself; callers split such spans
    first with split_to_budget when the model cannot take them.
    """
    if len(spans) != len(sizes):
        raise ValueError("one size per span is required")
    groups: list[list[int]] = []
    current: list[int] = []
    total = 0
    for index, size in enumerate(sizes):
        if current and total + size > budget:
            groups.append(current)
            current, total = [], 0
        current.append(index)
        total += size
    if current:
        groups.append(current)
    return groups


def budget_batches(lengths: Sequence[int], *, rows_per_item: int, max_tokens: int,
                   max_items: int) -> list[list[int]]:
    """Indices of `lengths` in batches for a model: longest first, each batch cut where its
    padded size (longest x items x rows_per_item, e.g. beams) would pass `max_tokens` or it
    would hold more than `max_items`. Sorting keeps padding small; the budget bounds memory.
    A single item over the budget still gets a batch of its own."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    width = 0
    for i in order:
        new_width = max(width, lengths[i])
        if current and (new_width * (len(current) + 1) * rows_per_item > max_tokens
                        or len(current) >= max_items):
            batches.append(current)
            current, new_width = [], lengths[i]
        current.append(i)
        width = new_width
    if current:
        batches.append(current)
    return batches
