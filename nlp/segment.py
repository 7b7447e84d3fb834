"""Paragraph and sentence segmentation for Arabic and English news text, as character spans.

Spans index into the text they were computed on (normally the output of
:func:`nlp.normalize.normalize`, whose offsets lead back to the user's original). They never
include leading or trailing whitespace, never overlap, and between two consecutive spans there is
only whitespace: every non-whitespace character is in exactly one span, so joining the spans'
texts with the whitespace between them gives the input back.

The sentence splitter is rule based and local (no model, no lexicon beyond small closed
word lists). A sentence may end at a run of ``. ! ? ؟ … ۔`` plus any closing quotes or
brackets glued to it; never at ``،`` ``؛`` or ``:``. A candidate end is rejected by its context:

* what follows: a digit glued to it (``3.5``, ``25.11.2026``), Latin glued to it
  (``example.com``, ``U.S``, URLs and e-mails), a lowercase Latin word (``etc. and``,
  ``"Why?" he asked``), a comma or closing bracket, or the attribution of a quoted question;
* the word before: titles and Latin abbreviations (``Dr.``, ``e.g.``, ``No. 5``), initials
  (``J. K. Rowling``), Arabic one-letter abbreviations (``د.`` ``م.`` ``أ.`` ``ص.`` ``ق.م.``)
  and transliterated initials, Arabic prepositions (no Arabic sentence ends on one);
* an ellipsis followed by Arabic: Arabic writers use it as a pause inside the sentence.

Arabic text often has no space after a full stop (``انتهى.وقال``); that still ends a sentence.
Measured on FLORES-200 devtest and NTREX-128 (see tests/test_segment.py), the splitter finds
every line end that carries terminal punctuation; what it misses are unpunctuated headings, and
what it adds beyond the line ends are mostly real sentence ends inside multi-sentence lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Span", "split_paragraphs", "split_sentences", "split_sentences_text"]


@dataclass(frozen=True, slots=True)
class Span:
    """The half-open character range ``[start, end)`` of some text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def text(self, source: str) -> str:
        return source[self.start : self.end]


# Line breaks as str.splitlines() knows them. Each one ends a paragraph: text pasted from news
# sites has one paragraph per line, and a blank line is just a longer break. A "paragraph" is
# then a run of non-space tokens separated by horizontal whitespace only.
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_PARAGRAPH = re.compile(rf"\S+(?:[^\S{_LINE_BREAKS}]+\S+)*")


def split_paragraphs(text: str) -> list[Span]:
    """Spans of the paragraphs of ``text``: its non-blank lines, without surrounding whitespace.

    Any line break ends a paragraph, single or doubled: web text has one paragraph per line,
    and treating blank lines the same way keeps both conventions working.
    """
    return [Span(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]


_TERMINATORS = ".!?\u061f\u2026\u06d4\u203c\u2047\u2048\u2049"  # . ! ? ؟ … ۔ ‼ ⁇ ⁈ ⁉
# Closing quotes and brackets that belong to the sentence they end. Straight quotes are
# ambiguous, but glued to a terminator they close far more often than they open. The ornate
# parentheses are used both ways round in Arabic text, so both count.
_CLOSERS = "\"'\u00bb\u201d\u2019\u203a)]}\u3009\u300b\u300d\u300f\ufd3e\ufd3f"
_QUOTES = "\"'\u00bb\u201d\u2019\u203a\u300d\u300f"
_OPENERS = "\"'\u00ab\u201c\u2018\u2039([{\u3008\u300a\u300c\u300e\ufd3e\ufd3f"
_CANDIDATE = re.compile(f"([{re.escape(_TERMINATORS)}]+)[{re.escape(_CLOSERS)}]*")
_NEXT = re.compile(r"(\s*)(\S{0,80})")
_NEXT_TWO_WORDS = re.compile(r"\s*(\S+)(?:\s+(\S+))?")
_PREVIOUS_WORD = re.compile(r"(\S+)\s+\Z")
_LETTER = re.compile(r"[^\W\d_]")
_TRIMMED = re.compile(r"\S(?:[\s\S]*\S)?")
_LEADING_PUNCTUATION = re.compile(r"^[^\w]+")
_TRAILING_PUNCTUATION = re.compile(r"[^\w]+$")
_NUMBER = re.compile(r"[\d.,\u066b\u066c]*\d")

_ARABIC = "\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06fc\u06ff\u0750-\u077f\u08a0-\u08c9"
_ARABIC_LETTER = re.compile(f"[{_ARABIC}]")
# One Arabic letter (plus tatweel), possibly chained: "د", "هـ", "ق.م", "أ.د". Arabic has
# almost no one-letter words outside attached prefixes, so these are abbreviations:
# titles (د. doctor, م. engineer, أ. professor), references (ص. page) and eras (م. AD, ق.م. BC).
_ARABIC_ABBREVIATION = re.compile(f"(?:[{_ARABIC}]\u0640*\\.)*[{_ARABIC}]\u0640*")
_ARABIC_ABBREVIATION_START = re.compile(f"[{_ARABIC}]\u0640*\\.")
# Latin letters spelled out in Arabic script, as in transliterated initials ("دي. كي. أريا"
# for "D. K. Arya"). Alone they are ordinary words ("بي بي سي." is "BBC." and ends sentences),
# so they count as initials only in a chain of two or more.
_ARABIC_LETTER_NAMES = frozenset(
    "إيه ايه بي سي دي إي اي إف اف جي جيه إتش اتش آي كي كيه إل إم ام إن أو او كيو آر ار إس اس "
    "تي يو في دبليو إكس اكس واي زد زي".split()
)
_ARABIC_INITIAL_CHAIN = re.compile(f"(?:{'|'.join(sorted(_ARABIC_LETTER_NAMES))})\\.")
# Prepositions and conjunctions: an Arabic sentence cannot end on one, so a period after one
# is an abbreviation ("روي في. وايد" is "Roe v. Wade") or an accident, not a sentence end.
# Some of them double as spelled-out letters ("أي تي في." is "ITV."), hence the check of the
# word before.
_ARABIC_NEVER_FINAL = frozenset("في من إلى الى على عن مع أو او ثم أن إن حتى منذ لدى عند لكن بل و ف".split())
# After a quoted question or exclamation, these begin the attribution of the quote
# ('"هل يعتقدون ذلك؟" تساءلت.', '"Shark!" Hammel added.'), which belongs to the same sentence.
_ARABIC_SPEECH_VERBS = frozenset(
    "قال قالت يقول تقول أضاف أضافت يضيف تضيف تساءل تساءلت سأل سألت صاح صاحت هتف هتفت "
    "قائلا قائلًا قائلاً حسبما".split()
)
_ENGLISH_SPEECH_VERBS = frozenset(
    "said says asked asks added adds told tells shouted yelled cried wrote writes replied "
    "explained continued tweeted wondered exclaimed reported".split()
)

_LATIN_LOWER_WORD = re.compile(r"[a-z]{2,}")
_URL_OR_PATH_CHARS = re.compile(r"[./@:\\]")
# Dotted abbreviations ("U.S", "a.m") and single initials ("J").
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_INITIAL = re.compile(r"[A-Z]")
_LATIN_INITIAL_START = re.compile(r"[A-Z]\.")
_LATIN_WORD = re.compile(r"[A-Za-z]+")

# Always followed by more of the same sentence: titles before a name, Latin connectives.
_TITLES = frozenset(
    "mr mrs ms messrs mme mlle dr drs prof profs st gen gens sen sens rep reps gov govs pres "
    "capt lt col sgt maj adm cmdr brig cpl pvt supt insp det rev hon mt ft "
    "v vs e.g i.e cf viz approx".split()
)
# Followed by a number they refer to: "No. 5", "pp. 3", "Jan. 12".
_BEFORE_NUMBER = frozenset(
    "no nos nr vol vols p pp fig figs art sec ch chap op par para tel ext "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# Words that very often begin an English sentence; after an ambiguous abbreviation
# ("U.S.", "p.m.", an initial) they tip the decision towards a sentence end.
_SENTENCE_STARTERS = frozenset(
    "a an the this that these those there here it its he she they we i you his her their our "
    "my your but and or so yet if when while after before although though as since because "
    "in on at for from by with to of during however meanwhile also still then now "
    "some many most several all both no one two three what who why how where".split()
)


def _word_before(text: str, pos: int, lower_bound: int) -> str:
    """The run of non-space characters ending at ``pos`` (looked for at most 64 back)."""
    i = pos
    stop = max(lower_bound, pos - 64)
    while i > stop and not text[i - 1].isspace():
        i -= 1
    return text[i:pos]


def _previous_word(text: str, pos: int) -> str:
    """The whitespace-separated word before the one that ends at ``pos``; "" if none."""
    word_start = pos - len(_word_before(text, pos, 0))
    found = _PREVIOUS_WORD.search(text, max(0, word_start - 64), word_start)
    return found.group(1) if found else ""


def _ends_sentence(text: str, start: int, run_end: int, end: int, sentence_start: int) -> bool:
    """Whether the terminators ``text[start:run_end]``, closed up to ``end``, end a sentence.

    The caller has checked that the sentence so far contains a letter.
    """
    gap, following = _NEXT.match(text, end).groups()
    if not following:
        return False  # the end of the text ends the last sentence anyway
    nxt = following[0]
    run = text[start:run_end]
    # Opening brackets or quotes do not change what the word is: "(Dr." is "Dr".
    word = _LEADING_PUNCTUATION.sub("", _word_before(text, start, sentence_start))

    arabic_follows = _ARABIC_LETTER.match(nxt) is not None
    if arabic_follows and ("\u2026" in run or ".." in run):
        return False  # Arabic uses "..." as a pause inside the sentence far more than as an end
    if run == "." and (arabic_follows or nxt.isdigit()) and _ARABIC_LETTER.match(word):
        if _never_final(text, start, word) or _arabic_abbreviation(text, start, word, following):
            return False
    if not gap:
        return _ends_without_space(run_end < end, word, following)

    # Whitespace follows.
    if nxt.islower():
        return False  # '"Why?" he asked', "etc. and", "... and then": the sentence goes on
    if nxt in ",;:\u060c\u061b" or (nxt in _CLOSERS and nxt not in _OPENERS):
        return False
    if nxt in _TERMINATORS:
        return False  # spaced ellipsis ". . .": the last dot decides
    if run != ".":
        return not (text[run_end:end] and _is_attribution(text, end, run, text[run_end:end]))
    lowered = word.lower()
    if lowered in _TITLES or (lowered in _BEFORE_NUMBER and nxt.isdigit()):
        return False
    if _INITIAL.fullmatch(word):
        return _ends_after_initial(text, start, following)
    if _DOTTED.fullmatch(word):
        return _starts_sentence(following)
    return True


def _ends_without_space(closed: bool, word: str, following: str) -> bool:
    """The decision when the next character is glued to the terminator (or its closers)."""
    nxt = following[0]
    if nxt.isdigit():
        return False  # 3.5  ٣.٥  25.11.2026  v1.2  10.30  ص.5
    if _ARABIC_LETTER.match(nxt) or nxt in _OPENERS:
        return True  # انتهى.وقال : Arabic writers often omit the space after a full stop
    if nxt.isalpha() and not closed and "://" not in word and "@" not in word:
        # "end.The" is a missing space; "example.com", "U.S", "Node.js", "a.b?x=1" are not.
        return (
            _LATIN_LOWER_WORD.fullmatch(word) is not None
            and nxt.isupper()
            and following[1:2].islower()
            and _URL_OR_PATH_CHARS.search(following) is None
        )
    return False  # "!," "?)" glued, "/path", "=x", "-": not the end of anything


def _ends_after_initial(text: str, start: int, following: str) -> bool:
    """A single capital letter and a period: an initial ("J. K. Rowling") or a label ("to B.")."""
    if _LATIN_INITIAL_START.match(following):
        return False  # a chain of initials
    previous = _TRAILING_PUNCTUATION.sub("", _previous_word(text, start))
    if previous[:1].islower() or previous[:1].isdigit():
        return following[:1].isupper()  # "from A to B. Airlines", "vitamin C. The"
    return _starts_sentence(following)  # "George W. Bush" vs "... by J. The"


def _starts_sentence(following: str) -> bool:
    """After an ambiguous abbreviation: does ``following`` look like a new sentence?"""
    if not following[:1].isupper():
        return not following[:1].isalpha() or _ARABIC_LETTER.match(following) is not None
    word = _LATIN_WORD.match(following)
    return word is not None and word.group().lower() in _SENTENCE_STARTERS


def _is_attribution(text: str, end: int, run: str, closers: str) -> bool:
    """A quoted question or exclamation followed by who said it: '"Shark!" Hammel added.'"""
    if not any(q in _QUOTES for q in closers) or not any(t in "!?\u061f" for t in run):
        return False
    words = _NEXT_TWO_WORDS.match(text, end)
    if words is None:
        return False
    first, second = (_TRAILING_PUNCTUATION.sub("", w or "") for w in words.groups())
    if first in _ARABIC_SPEECH_VERBS or (first == "كما" and second in _ARABIC_SPEECH_VERBS):
        return True
    # English: a name and a verb ("Hammel added"). "She said ..." with a capital is a new
    # sentence: an attribution would have continued in lowercase ('"Why?" she said').
    return second.lower() in _ENGLISH_SPEECH_VERBS and first.lower() not in _SENTENCE_STARTERS


def _never_final(text: str, start: int, word: str) -> bool:
    return word in _ARABIC_NEVER_FINAL and _previous_word(text, start) not in _ARABIC_LETTER_NAMES


def _arabic_abbreviation(text: str, start: int, word: str, following: str) -> bool:
    """Whether ``word`` + "." is an Arabic abbreviation that does not end the sentence."""
    if word in _ARABIC_LETTER_NAMES:
        # Transliterated initials, only in a chain: "دي. كي. أريا".
        return _ARABIC_INITIAL_CHAIN.match(following) is not None or (
            _ARABIC_INITIAL_CHAIN.fullmatch(_previous_word(text, start)) is not None
        )
    if not _ARABIC_ABBREVIATION.fullmatch(word):
        return False
    if following[:1].isdigit() or _ARABIC_ABBREVIATION_START.match(following):
        return True  # "ص. 45", "م. 2019", and inside a chain: "ق.م." "أ. د."
    # After a number it is an era or a unit ("300 ق.م.", "1990 م."), which often ends a
    # sentence; otherwise it is a title before a name ("د. محمد", "م. خالد").
    return _NUMBER.fullmatch(_previous_word(text, start)) is None


def split_sentences(text: str) -> list[Span]:
    """Spans of the sentences of ``text`` (one paragraph; line breaks count as spaces).

    The last sentence ends at the end of the text, with or without a terminator.
    """
    spans: list[Span] = []
    sentence_start = 0
    # "1." "(٣)." list markers and number-only fragments are no sentences: a sentence needs a
    # letter. Found once per sentence, not once per candidate, to stay linear on long digit runs.
    letter = _LETTER.search(text)
    for match in _CANDIDATE.finditer(text):
        if letter is None or letter.start() >= match.start():
            continue
        if _ends_sentence(text, match.start(), match.end(1), match.end(), sentence_start):
            _append_trimmed(spans, text, sentence_start, match.end())
            sentence_start = match.end()
            letter = _LETTER.search(text, sentence_start)
    _append_trimmed(spans, text, sentence_start, len(text))
    return spans


def _append_trimmed(spans: list[Span], text: str, start: int, end: int) -> None:
    trimmed = _TRIMMED.search(text, start, end)
    if trimmed is not None:
        spans.append(Span(trimmed.start(), trimmed.end()))


def split_sentences_text(text: str) -> list[str]:
    """The sentences of ``text`` as strings (see :func:`split_sentences`)."""
    return [span.text(text) for span in split_sentences(text)]
