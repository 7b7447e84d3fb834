from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tarjama.nlp.packing import pack_spans, split_to_budget
from tarjama.nlp.segment import Span


def words(text: str) -> int:
    return len(text.split())


def covered(text: str, pieces: list[Span]) -> str:
    return "".join(text[p.start : p.end] for p in pieces)


def test_fits_is_untouched() -> None:
    text = "قال الوزير، إن المشروع كبير"
    assert split_to_budget(text, Span(0, len(text)), words, 10) == [Span(0, len(text))]


def test_prefers_clause_boundaries_over_spaces() -> None:
    text = "أ ب ج د، هـ و ز ح؛ ط ي ك ل"
    pieces = split_to_budget(text, Span(0, len(text)), words, 4)
    assert [text[p.start : p.end] for p in pieces] == ["أ ب ج د،", "هـ و ز ح؛", "ط ي ك ل"]


def test_semicolon_before_comma() -> None:
    text = "a b, c d; e f, g h"
    pieces = split_to_budget(text, Span(0, len(text)), words, 4)
    assert [text[p.start : p.end] for p in pieces] == ["a b, c d;", "e f, g h"]


def test_whitespace_then_characters_as_last_resorts() -> None:
    text = "w " * 50
    pieces = split_to_budget(text.strip(), Span(0, len(text.strip())), words, 7)
    assert all(words(text[p.start : p.end]) <= 7 for p in pieces)
    blob = "x" * 1000
    pieces = split_to_budget(blob, Span(0, 1000), len, 64)
    assert covered(blob, pieces) == blob and all(p.end - p.start <= 64 for p in pieces)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab دو ،؛,:;\n")), min_size=1, max_size=300),
    st.integers(min_value=1, max_value=12),
)
def test_no_character_lost_and_every_piece_fits(text: str, budget: int) -> None:
    span = Span(0, len(text))
    pieces = split_to_budget(text, span, len, budget)
    assert "".join(covered(text, pieces).split()) == "".join(text.split())
    for a, b in zip(pieces, pieces[1:]):
        assert a.end <= b.start and not text[a.end : b.start].strip()
    if len(pieces) > 1:
        assert all(len(text[p.start : p.end]) <= budget for p in pieces)


def test_pack_spans_groups_under_budget() -> None:
    spans = [Span(i, i + 1) for i in range(6)]
    assert pack_spans(spans, [3, 3, 3, 10, 1, 1], 6) == [[0, 1], [2], [3], [4, 5]]
