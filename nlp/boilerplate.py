"""The page furniture that must not reach a summary: bylines, "read also" / "اقرأ أيضا" links,
share buttons, photo credits, copyright lines, the headline repeated (also in variants such as
"Title | فيديو"), a masthead above the headline ("رئيس التحرير" and a name), a footer below the
text, and paragraphs repeated verbatim. Text in, text out: paragraphs as strings.

:func:`clean_article` also picks the headline: among the short unpunctuated lines at the top,
the one whose words recur most in the body (a masthead's words do not), and says what it set
aside and why, so nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from tarjama.nlp.document import Line, is_title
from tarjama.nlp.normalize import fold_for_matching
from tarjama.nlp.stopwords import is_stop_word

__all__ = ["CleanedArticle", "SetAside", "clean_article", "same_as_title", "strip_boilerplate"]

_ALEF = "[اأإآ]"
_YA = "[يى]"
# "Read also" and its relatives, with the headline of the linked story after them.
_READ_ALSO = re.compile(
    rf"^[\W_]*(?:(?:{_ALEF}?قر{_ALEF}|طالع|شاهد|{_ALEF}طلع|تابع)\s+(?:{_ALEF}{_YA}ض{_ALEF}\S*|المزيد)"
    rf"|مواضيع ذات صلة|{_ALEF}خبار ذات صلة|مقالات ذات صلة|ذات صلة"
    r"|read (?:also|more)|see also|related(?: (?:articles?|stories|news|content|coverage))?\s*:"
    r"|more on this story|recommended|you may also like|watch\s*:)",
    re.I,
)
_BYLINE = re.compile(
    rf"^[\W_]*(?:بقلم|(?:كتب|كتبت|كتبه|{_ALEF}عداد|تحرير|ترجمة|تصوير|المصدر|مراسل|مراسلة)\s*[:：]"
    r"|by\s+[A-Z][\w.'-]*|(?:additional )?(?:reporting|writing|editing|compiled) by\b"
    r"|(?:photo|image|picture|source|credit)s?\s*[:：]"
    rf"|(?:ال)?صورة\s*[:：(]|صورة {_ALEF}رشيفية|getty images|reuters photo|afp photo)",
    re.I,
)
_FOOTER = re.compile(
    r"(?:all rights reserved|جميع الحقوق محفوظة|©|copyright\b|^advertisement$|^إعلان$"
    r"|^(?:follow us|تابعونا|subscribe|اشترك(?: الآن)?|sign up)\b)",
    re.I,
)
_SHARE_WORDS = frozenset(
    "share shares sharing tweet facebook twitter x whatsapp telegram linkedin email e-mail mail "
    "print copy link pinterest reddit messenger on via this article story "
    "شارك شاركها مشاركة المقال الخبر فيسبوك فيس بوك تويتر واتساب واتس اب تلغرام تيليغرام "
    "لينكدإن بريد البريد الإلكتروني طباعة انسخ نسخ الرابط عبر على".split()
)
_URL_ONLY = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.I)
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")

_MAX_BYLINE_WORDS = 12
_MAX_READ_ALSO_WORDS = 30


def strip_boilerplate(paragraphs: Iterable[str], title: str = "") -> list[str]:
    """Paragraphs without bylines, "read also" links, share rows, credits and repeats.

    Patterns only remove short paragraphs: a long one that happens to start with "By" or
    "كتب:" is prose, and losing a real paragraph is worse than keeping a byline.
    """
    seen: set[str] = set()
    folded_title = _fold(title)
    kept: list[str] = []
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        if text and _reason(text, folded_title, seen) is None:
            kept.append(text)
    return kept


def _reason(text: str, folded_title: str, seen: set[str]) -> str | None:
    """Why a paragraph is furniture, or None for article text (`seen` collects the kept)."""
    folded = _fold(text)
    words = _WORD.findall(text)
    n_words = len(words)
    if folded in seen:
        return "repeated paragraph"
    if folded_title and _same_as_title(folded, folded_title):
        return "headline repeated"
    if _URL_ONLY.match(text):
        return "link"
    if n_words <= _MAX_READ_ALSO_WORDS and _READ_ALSO.match(text):
        return "read also"
    if n_words <= _MAX_BYLINE_WORDS and _BYLINE.match(text):
        return "byline or credit"
    if n_words <= _MAX_BYLINE_WORDS and _FOOTER.search(text):
        return "footer"
    if words and n_words <= 12 and all(w.lower() in _SHARE_WORDS for w in words):
        return "share buttons"
    seen.add(folded)
    return None


@dataclass(frozen=True)
class SetAside:
    line: int
    text: str
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "text": self.text, "reason": self.reason}


@dataclass(frozen=True)
class CleanedArticle:
    title: Line | None
    paragraphs: tuple[Line, ...]
    set_aside: tuple[SetAside, ...]

    def lines(self) -> list[Line]:
        """The article as read_document and translate_lines take it: headline first."""
        return ([self.title] if self.title is not None else []) + list(self.paragraphs)


_TOP_LINES = 6  # the headline is among the first lines of a pasted page


def clean_article(texts: Iterable[str]) -> CleanedArticle:
    """Pick the headline, set the furniture aside (with reasons), keep the rest in order."""
    lines = [Line(n, 0, " ".join(t.split())) for n, t in enumerate(texts, start=1)]
    lines = [line for line in lines if line.text]
    if not lines:
        return CleanedArticle(None, (), ())
    body_words = _content_words(" ".join(line.text for line in lines if not _is_short(line.text)))
    top = [i for i, line in enumerate(lines[:_TOP_LINES]) if _is_short(line.text)]
    title_at = _pick_title(lines, top, body_words)
    aside: list[SetAside] = []
    title = lines[title_at] if title_at is not None else None
    folded_title = _fold(title.text) if title is not None else ""
    kept: list[Line] = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if i == title_at:
            continue
        if title_at is not None and i < title_at and _is_short(line.text):
            aside.append(SetAside(line.number, line.text, "masthead above the headline"))
            continue
        if title is not None and _headline_variant(line.text, title.text):
            aside.append(SetAside(line.number, line.text, "headline repeated"))
            continue
        reason = _reason(line.text, folded_title, seen)
        if reason is not None:
            aside.append(SetAside(line.number, line.text, reason))
            continue
        kept.append(line)
    # Short lines after the last paragraph that share no word with the article: the site's
    # name, a section, a newsletter line.
    while kept and _is_short(kept[-1].text) and len(kept) > 1 and not (
            _content_words(kept[-1].text) & _content_words(" ".join(k.text for k in kept[:-1]))):
        aside.append(SetAside(kept[-1].number, kept[-1].text, "footer"))
        kept.pop()
    return CleanedArticle(title, tuple(kept), tuple(sorted(aside, key=lambda a: a.line)))


def _is_short(text: str) -> bool:
    return is_title(text, 0)


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(fold_for_matching(text)) if len(w) > 2 and not is_stop_word(w)}


def _pick_title(lines: list[Line], top: list[int], body_words: set[str]) -> int | None:
    """The short top line whose words recur most in the body; the first short line when no
    line's words recur (an article of short lines, or one with no body to compare with)."""
    if not top:
        return None
    scored = []
    for i in top:
        words = _content_words(lines[i].text)
        if words:
            scored.append((len(words & body_words) / len(words), -i))
    if not scored:
        return top[0] if top[0] == 0 else None
    best, neg_i = max(scored)
    if best < 0.3:
        return 0 if top[0] == 0 else None
    return -neg_i


def _headline_variant(text: str, title: str) -> bool:
    """The headline again, perhaps with "| فيديو" or the site's name glued on, or reworded
    slightly (most of its words, in a line about as short)."""
    if same_as_title(text, title):
        return True
    a, b = _content_words(text), _content_words(title)
    if not a or not b or not _is_short(text):
        return False
    return len(a & b) / len(a | b) >= 0.6


def _fold(text: str) -> str:
    return " ".join(_WORD.findall(fold_for_matching(text)))


def same_as_title(paragraph: str, title: str) -> bool:
    """Whether a paragraph is the headline again (perhaps with the site's name glued on)."""
    return _same_as_title(_fold(paragraph), _fold(title))


def _same_as_title(folded: str, folded_title: str) -> bool:
    # Pages often repeat the headline with the site's name glued on: "Title | Site".
    short, long = sorted((folded, folded_title), key=len)
    return short == long or (
        len(short) >= 12 and long.startswith(short) and len(long) - len(short) <= 40
    )
