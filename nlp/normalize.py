"""Unicode normalization for Arabic and English news text.

Two levels, for two different jobs:

* :func:`normalize` keeps meaning. Its output is what the rest of the pipeline sees
  (segmentation, the MT/summarization models, user-visible output), so it only removes
  invisible noise and undoes encoding accidents: Arabic presentation forms, NFC, tatweel,
  zero-width and bidi controls, stray HTML entities, exotic spaces. It returns an offset map
  so that every normalized span can be traced back to the user's original text.
* :func:`fold_for_matching` is lossy and is never shown to anyone. It is for comparing
  texts (ROUGE/chrF-style scoring, de-duplication, search): on top of :func:`normalize` it drops
  harakat, unifies alef/yeh/teh-marbuta spellings, maps Arabic-Indic digits to ASCII and
  casefolds, so that spelling variants that human writers use interchangeably compare equal.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

__all__ = ["Normalized", "normalize", "fold_for_matching"]


@dataclass(frozen=True)
class Normalized:
    """Normalized text plus, for each of its characters, where it came from.

    ``offsets[i]`` is the index in the original string of normalized character ``i``;
    ``offsets[len(text)] == len(original)``. Offsets never decrease. A character that replaces
    several original ones (a decoded ``&amp;``) points at the first of them; several characters
    produced from one original character (``ﻻ`` -> ``لا``) all point at it.
    """

    text: str
    offsets: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.offsets) != len(self.text) + 1:
            raise ValueError(
                f"{len(self.offsets)} offsets for {len(self.text)} characters: need one per character plus one"
            )

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalized span ``[start, end)`` to the original text's ``[a, b)``.

        Exact for spans whose ends fall between units that normalization treated as one
        (an entity, a base letter with its marks); otherwise widened to whole units. Characters
        that normalization deleted belong to the span before them.
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is outside the normalized text (length {len(self.text)})")
        a = self.offsets[start]
        # If `end` is in the middle of a unit, several output chars share its offset; extend the
        # original span to the end of that unit so the mapping never cuts a unit in half.
        b = self.offsets[end]
        if end < len(self.text) and end > start and self.offsets[end - 1] == b:
            j = end
            while j < len(self.text) and self.offsets[j] == b:
                j += 1
            b = self.offsets[j]
        return a, b


# Entity tokens only when well formed (terminated by ';'), so prose such as "R&D" or
# "AT&T;" with an unknown name stays as written. html.unescape alone would also decode
# legacy forms without ';' ("&copy2019"), which can corrupt ordinary text.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Invisible characters that carry no meaning in running text but break tokenization and
# string matching. U+200C ZERO WIDTH NON-JOINER is deliberately kept: in Persian, Urdu and in
# Arabic-script transliterations it is orthographic (it separates a prefix or suffix from a
# stem without a space, e.g. Persian "می‌خواهم"), so removing it would change the word the
# reader sees. fold_for_matching drops it, because there it only hinders matching.
_REMOVED = (
    "\u0640"  # tatweel (kashida): pure justification
    "\u200b\u200d\u2060\ufeff"  # zero width space / joiner, word joiner, BOM
    "\u00ad"  # soft hyphen: a line-breaking hint left over from web pages
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi controls
)
# Horizontal Unicode spaces become ' '. Tabs and line breaks are left alone: line structure
# is how paragraphs are found. U+2028/U+2029 are line and paragraph separators that most
# tools do not treat as line breaks; they become '\n'.
_HORIZONTAL_SPACES = "\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
_CHAR_MAP: Mapping[str, str] = MappingProxyType(
    {
        **{ch: "" for ch in _REMOVED},
        **{ch: " " for ch in _HORIZONTAL_SPACES},
        "\u2028": "\n",
        "\u2029": "\n",
    }
)
# Arabic Presentation Forms-A and -B (U+FEFF, also in that block, is removed above).
_CHARMAP_RE = re.compile("[" + re.escape("".join(_CHAR_MAP)) + "\ufb50-\ufdff\ufe70-\ufefe]")


def _map_char(ch: str) -> str:
    mapped = _CHAR_MAP.get(ch)
    if mapped is not None:
        return mapped
    # Only presentation forms get NFKC: elsewhere compatibility folding changes what was
    # written ("x²" -> "x2", "①" -> "1", "ﬁ" -> "fi"), and keeping meaning comes first here.
    # Some forms fold to a tatweel carrying a mark (U+FE71 -> tatweel + fathatan); the
    # tatweel goes, as a typed one would, and the mark stays.
    return "".join(_CHAR_MAP.get(c, c) for c in unicodedata.normalize("NFKC", ch))


def _decode_entity(token: str) -> str:
    decoded = html.unescape(token)
    # Invalid code points (&#0;, surrogates, > U+10FFFF) decode to U+FFFD, which would
    # destroy what the writer typed; keep such tokens verbatim.
    if decoded == "\ufffd" and token.lower() not in ("&#xfffd;", "&#65533;"):
        return token
    return decoded


def _char_class(cps: set[int]) -> str:
    """The body of a regex character class matching exactly ``cps``, as ranges."""
    ranges: list[str] = []
    ordered = sorted(cps)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        lo, hi = re.escape(chr(ordered[i])), re.escape(chr(ordered[j]))
        ranges.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "".join(ranges)


@lru_cache(maxsize=1)
def _nfc_cluster_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Regexes matching every substring that NFC might change, built once on first use.

    NFC acts on "clusters": a starter followed by "followers", characters that can combine
    with it or be reordered after it: nonzero combining class, second halves of canonical pair
    decompositions (Hangul vowel/final jamo, some class-0 Indic vowel signs), and characters
    whose decomposition starts with a mark. Clusters are independent NFC units, and most of
    them cannot change: a match is needed only for two or more followers (reordering), a
    follower that itself decomposes, a head that decomposes or starts a composition followed by
    one follower, or a lone head with a singleton decomposition (U+212B ANGSTROM SIGN).
    Skipping the rest matters for vocalized Arabic, where nearly every letter has a mark.
    Matches are maximal runs of followers, so the character before a group-1 match is its head.

    Returns a variant valid for text without astral characters and one for any text: the
    engine tests a class with many astral ranges range by range, but a BMP-only class with a
    bitmap, several times faster.
    """
    followers: set[int] = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    heads: set[int] = set(range(0x1100, 0x1113)) | set(range(0xAC00, 0xD7A4))  # Hangul L, LV(T)
    changing_followers: set[int] = set()
    singletons: set[int] = set()
    # No combining characters or canonical decompositions exist above this range.
    for cp in range(0xA0, 0x2FA20):
        ch = chr(cp)
        decomposition = unicodedata.decomposition(ch)
        canonical = bool(decomposition) and not decomposition.startswith("<")
        if unicodedata.combining(ch):
            followers.add(cp)
            if canonical:
                changing_followers.add(cp)
            continue
        if not canonical:
            continue
        heads.add(cp)
        parts = decomposition.split()
        if len(parts) == 2:
            heads.add(int(parts[0], 16))
            followers.add(int(parts[1], 16))
        if unicodedata.combining(unicodedata.normalize("NFD", ch)[0]):
            followers.add(cp)
            changing_followers.add(cp)
        elif unicodedata.normalize("NFC", ch) != ch:
            singletons.add(cp)
    heads -= followers

    def compile_for(limit: int) -> re.Pattern[str]:
        f, x, h, s = (
            _char_class({c for c in cps if c < limit})
            for cps in (followers, changing_followers, heads, singletons)
        )
        # Group 1: matches that still lack their head. Leaving the head out lets every
        # alternative start with a class; an optional head costs a backtrack at every position.
        return re.compile(f"([{f}]{{2,}}|[{x}])|[{h}{s}][{f}](?![{f}])|[{s}](?![{f}])")

    return compile_for(0x10000), compile_for(0x110000)


def _edit(
    text: str, spans: Iterable[tuple[int, int]], replace: Callable[[str], str]
) -> tuple[str, list[int] | None]:
    """Replace each ``text[start:end]`` by ``replace`` of it, tracking offsets.

    ``spans`` must be in order and not overlap. Returns the new text and, for each new character
    plus one end entry, its index in ``text``; ``None`` instead of the offsets when nothing
    changed (the common case, kept cheap). Every character produced by a replacement points at
    the start of the span it replaced: inside a replaced unit there is no honest one-to-one
    correspondence (NFC may reorder marks), so the unit is treated as atomic. Unchanged
    stretches are copied with ``range``, so the Python-level work is per edit, not per character.
    """
    pieces: list[str] = []
    offsets: list[int] = []
    pos = 0
    for start, end in spans:
        old = text[start:end]
        new = replace(old)
        if new == old:
            continue
        pieces.append(text[pos:start])
        offsets.extend(range(pos, start))
        pieces.append(new)
        offsets.extend([start] * len(new))
        pos = end
    if not pieces:
        return text, None
    pieces.append(text[pos:])
    offsets.extend(range(pos, len(text) + 1))
    return "".join(pieces), offsets


def _match_spans(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    return (match.span() for match in pattern.finditer(text))


# Chunks of at most ~512 characters that end just before whitespace. Whitespace characters are
# starters that never compose, so NFC of the text is the concatenation of NFC of the chunks;
# that lets the C-level is_normalized skip the (usual) clean chunks wholesale and keeps the
# slower cluster scan to the few chunks that need it.
_NFC_CHUNK = re.compile(r"(?s).{1,512}(?=\s|\Z)|\s*\S+")


def _nfc_spans(text: str) -> Iterator[tuple[int, int]]:
    """The clusters NFC might change, in chunks that are not already NFC."""
    bmp_only, any_text = _nfc_cluster_res()
    for chunk in _NFC_CHUNK.finditer(text):
        if unicodedata.is_normalized("NFC", chunk.group()):
            continue
        first, stop = chunk.span()
        pattern = bmp_only if max(chunk.group()) <= "\uffff" else any_text
        for match in pattern.finditer(text, first, stop):
            start, end = match.span()
            if match.group(1) is not None and start > first:
                start -= 1  # the head of a run of followers
            yield start, end


def _nfc(cluster: str) -> str:
    return unicodedata.normalize("NFC", cluster)


def _apply(
    text: str, offsets: list[int] | None, spans: Iterable[tuple[int, int]], replace: Callable[[str], str]
) -> tuple[str, list[int] | None]:
    """One normalization stage; ``offsets`` (None = identity) map ``text`` to the original."""
    new_text, step = _edit(text, spans, replace)
    if step is None:
        return text, offsets
    # Compose: new char -> this stage's input char -> original char.
    return new_text, step if offsets is None else list(map(offsets.__getitem__, step))


def normalize(text: str) -> Normalized:
    """Meaning-preserving normalization with an offset map back to ``text``.

    Order matters: entities are decoded first so that what they encode (``&nbsp;``,
    ``&#x640;``) is normalized like the literal character; per-character folds come before NFC
    because removing a tatweel or a bidi mark can bring a base letter and its harakat together,
    which NFC must then order canonically.
    """
    offsets: list[int] | None = None
    text, offsets = _apply(text, offsets, _match_spans(_ENTITY, text), _decode_entity)
    text, offsets = _apply(text, offsets, _match_spans(_CHARMAP_RE, text), _map_char)
    if not unicodedata.is_normalized("NFC", text):
        text, offsets = _apply(text, offsets, _nfc_spans(text), _nfc)
    return Normalized(text, tuple(range(len(text) + 1)) if offsets is None else tuple(offsets))


# Lossy folds for matching only. Harakat and superscript alef are optional in MSA spelling;
# hamza-carrying alefs, alef maqsura/yeh and teh marbuta/heh are routinely interchanged in
# real text (especially in headlines and user input), so they compare equal here.
_MATCH_TABLE: Mapping[int, str | None] = MappingProxyType(
    str.maketrans(
        {
            **{chr(c): None for c in range(0x064B, 0x0653)},  # tanween, fatha .. sukun
            "\u0670": None,  # superscript alef
            "\u200c": None,  # ZWNJ: kept by normalize, irrelevant for matching
            "\u0623": "\u0627",
            "\u0625": "\u0627",
            "\u0622": "\u0627",
            "\u0671": "\u0627",
            "\u0649": "\u064a",
            "\u0629": "\u0647",
            "\u066b": ".",  # Arabic decimal separator
            "\u066c": ",",  # Arabic thousands separator
            **{chr(0x0660 + d): str(d) for d in range(10)},
            **{chr(0x06F0 + d): str(d) for d in range(10)},
        }
    )
)


def fold_for_matching(text: str) -> str:
    """Lossy fold for comparison and search (ROUGE, de-duplication), never for display.

    :func:`normalize` plus: harakat removed, alef forms unified to bare alef, alef maqsura to
    yeh, teh marbuta to heh, Arabic-Indic and Persian digits to ASCII, casefold.
    Offsets are not kept: results of matching are reported on the :func:`normalize` text.
    """
    return normalize(text).text.translate(_MATCH_TABLE).casefold()
