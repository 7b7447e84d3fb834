"""`number`: every number of the source is in the translation with the same value, and the
translation states no number the source lacks (values read by nlp.numbers)."""

from __future__ import annotations

from collections import Counter

from tarjama.nlp.checks.base import ERROR, WARNING, Flag
from tarjama.nlp.numbers import Number, extract_numbers

CODE = "number"


def check(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    src = extract_numbers(source, source_lang)
    out = extract_numbers(translation, target_lang)
    missing, extra = compare(src, out)
    if not missing and not extra:
        return []
    if missing and extra:
        return [Flag(CODE, ERROR, f"the source's {_list(missing)} became {_list(extra)} in the "
                                  "translation")]
    if missing:
        return [Flag(CODE, ERROR, f"the source's {_list(missing)} is missing from the translation")]
    return [Flag(CODE, WARNING, f"the translation states {_list(extra)}, which the source does not")]


def compare(source: list[Number], output: list[Number]) -> tuple[list[Number], list[Number]]:
    """Numbers of each side that the other side lacks (by value, counted), leaving out what is
    not evidence: unmatched soft numbers on one side only, and a month given as a number on one
    side and a name on the other."""
    missing = _unmatched(source, output)
    extra = _unmatched(output, source)
    _drop_grouped(missing, extra)
    _drop_grouped(extra, missing)
    # A month written as a number on one side ("11/2026") and a name on the other ("November").
    for side, other in ((missing, extra), (extra, missing)):
        for n in list(side):
            if n.kind == "month":
                twin = next((o for o in other if o.kind != "month" and o.value == n.value), None)
                if twin is not None:
                    side.remove(n)
                    other.remove(twin)
    hard_missing = [n for n in missing if not n.soft]
    hard_extra = [n for n in extra if not n.soft]
    if hard_missing or hard_extra:
        return hard_missing, hard_extra
    # One soft figure put in place of another of its kind: "three" became "two", "fifth"
    # became "second". Kinds that say no figure by themselves never count.
    for kind in ("number", "ordinal", "vague", "month"):
        soft_missing = [n for n in missing if n.kind == kind]
        soft_extra = [n for n in extra if n.kind == kind]
        if soft_missing and soft_extra:
            return soft_missing, soft_extra
    return [], []


def _unmatched(side: list[Number], other: list[Number]) -> list[Number]:
    available = Counter(k for n in other for k in n.keys)
    out = []
    for n in side:
        key = next((k for k in n.keys if available[k] > 0), None)
        if key is None:
            out.append(n)
        else:
            available[key] -= 1
    return out


def _drop_grouped(side: list[Number], other: list[Number]) -> None:
    """Digit groups written apart on one side ("10 000", a phone number "0800 555 111") and as
    one number on the other ("10,000", "0800555111") are the same figure: drop both."""
    i = 0
    while i < len(side):
        j = i
        while j + 1 < len(side) and side[j + 1].text.isdigit() and side[j].text.isdigit() \
                and side[j + 1].start - side[j].end == 1:
            j += 1
        if j > i:
            joined = float("".join(n.text for n in side[i : j + 1]))
            twin = next((o for o in other if o.value == joined), None)
            if twin is not None:
                other.remove(twin)
                del side[i : j + 1]
                continue
        i += 1


def _list(numbers: list[Number]) -> str:
    shown = ", ".join(f"'{n.text.strip()}'" for n in numbers[:4])
    return shown + (f" and {len(numbers) - 4} more" if len(numbers) > 4 else "")
