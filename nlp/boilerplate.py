"""The page furniture that must not reach a summary: bylines, "read also" / "اقرأ أيضا" links,
share buttons, photo credits, copyright lines, the headline repeated as the first paragraph,
and paragraphs repeated verbatim. Text in, text out: paragraphs as strings.
"""

from __future__ import annotations

import re
from typing import Iterable

from tarjama.nlp.normalize import fold_for_matching

__all__ = ["same_as_title", "strip_boilerplate"]

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
        if not text:
            continue
        folded = _fold(text)
        words = _WORD.findall(text)
        n_words = len(words)
        if folded in seen or (folded_title and _same_as_title(folded, folded_title)):
            continue
        if _URL_ONLY.match(text):
            continue
        if n_words <= _MAX_READ_ALSO_WORDS and _READ_ALSO.match(text):
            continue
        if n_words <= _MAX_BYLINE_WORDS and (_BYLINE.match(text) or _FOOTER.search(text)):
            continue
        if words and n_words <= 12 and all(w.lower() in _SHARE_WORDS for w in words):
            continue
        seen.add(folded)
        kept.append(text)
    return kept


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
