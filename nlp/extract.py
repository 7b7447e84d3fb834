"""Article text out of HTML, and the boilerplate that must not reach a summary taken out of it.

Two extractors for two kinds of HTML: a whole web page goes through trafilatura, which finds the
main text among menus, teasers and footers; a fragment (a feed's ``content:encoded``, an
``html`` field in JSONL) is already the article, and trafilatura's page heuristics would throw
short fragments away, so it is only converted to text with paragraph breaks kept.

Then :func:`strip_boilerplate` removes what both leave in: bylines, "read also" / "اقرأ أيضا"
links, share buttons, photo credits, copyright lines, the headline repeated as the first
paragraph, and paragraphs repeated verbatim.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from tarjama.nlp.errors import InputError
from tarjama.nlp.normalize import fold_for_matching

if TYPE_CHECKING:
    from tarjama.nlp.feeds import FetchLimits
    from tarjama.nlp.textio import TextSource

__all__ = ["HTML_SUFFIXES", "Extracted", "extract_html", "extract_page", "html_fragment_text",
           "is_full_page", "is_url", "open_article_source", "read_article_file", "strip_boilerplate",
           "text_paragraphs"]


HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_HTTP_URL = re.compile(r"^https?://", re.I)


def is_url(source: str) -> bool:
    return _HTTP_URL.match(source) is not None


@dataclass(frozen=True)
class Extracted:
    title: str
    paragraphs: tuple[str, ...]
    published: str | None = None  # YYYY-MM-DD when the page states it


# Elements whose text is never article text.
_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "form",
         "button", "select", "svg", "nav", "aside", "footer", "figure", "head")
_BLOCK = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote tr table pre dd dt dl hr section article "
    "header main address figcaption".split()
)
_PAGE_MARKERS = re.compile(rb"<(?:!doctype\s+html|html[\s>]|body[\s>])", re.I)


def is_full_page(html: str | bytes) -> bool:
    head = html[:4096].encode("utf-8", "replace") if isinstance(html, str) else html[:4096]
    return _PAGE_MARKERS.search(head) is not None


def html_fragment_text(html: str | bytes) -> str:
    """Text of an HTML fragment, one paragraph a line; scripts, styles and menus dropped."""
    from lxml import etree
    from lxml import html as lxml_html

    if not (html.strip() if isinstance(html, str) else html.strip()):
        return ""
    try:
        root = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    for element in list(root.iter(*_DROP)):
        parent = element.getparent()
        if parent is not None:
            element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK:
            element.tail = "\n" + (element.tail or "")
            if element.tag.lower() != "br":
                element.text = "\n" + (element.text or "")
    text = root.text_content() if root.tag.lower() not in _DROP else ""
    return "\n".join(text_paragraphs(text))


def text_paragraphs(text: str) -> list[str]:
    """Non-blank lines of ``text`` with their spacing collapsed."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def extract_page(html: str | bytes, url: str | None = None) -> Extracted:
    """Main text of a web page with trafilatura; InputError when it finds none."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False,
            include_images=False, favor_precision=True, deduplicate=False,
        )
    except Exception as exc:  # trafilatura and lxml raise many types on hostile input
        raise InputError(f"HTML extraction failed ({type(exc).__name__}: {exc})") from None
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise InputError("no main text found in the page")
    title = " ".join((getattr(doc, "title", None) or "").split())
    date = getattr(doc, "date", None)
    return Extracted(title, tuple(text_paragraphs(text)), date if isinstance(date, str) else None)


def extract_html(html: str | bytes, url: str | None = None) -> Extracted:
    """A page through trafilatura, a fragment through :func:`html_fragment_text`."""
    if is_full_page(html):
        return extract_page(html, url)
    paragraphs = tuple(text_paragraphs(html_fragment_text(html)))
    if not paragraphs:
        raise InputError("the HTML has no text")
    return Extracted("", paragraphs)


def read_article_file(path: Path) -> Extracted:
    """A .txt article (first line the headline when it looks like one) or an .html page."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})") from None
    if path.suffix.lower() in HTML_SUFFIXES:
        return extract_html(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"invalid UTF-8 at byte {exc.start}; convert it to UTF-8 first") from None
    if "\x00" in text:
        raise InputError("looks like a binary file (NUL byte); expected UTF-8 text")
    from tarjama.nlp.document import is_title

    paragraphs = text_paragraphs(text)
    if not paragraphs:
        raise InputError("is empty (no text)")
    if is_title(paragraphs[0], 0) and len(paragraphs) > 1:
        return Extracted(paragraphs[0], tuple(paragraphs[1:]))
    return Extracted("", tuple(paragraphs))


# --- boilerplate -----------------------------------------------------------------------------

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


def _same_as_title(folded: str, folded_title: str) -> bool:
    # Pages often repeat the headline with the site's name glued on: "Title | Site".
    short, long = sorted((folded, folded_title), key=len)
    return short == long or (
        len(short) >= 12 and long.startswith(short) and len(long) - len(short) <= 40
    )


# --- one article as the translator and summarizer read it ------------------------------------

@contextmanager
def open_article_source(source: str, limits: "FetchLimits | None" = None, *,
                        drop_boilerplate: bool = False) -> Iterator["TextSource"]:
    """An article to translate or summarize: a text file, '-' (stdin), an .html file or an
    http(s) URL. Pages are reduced to their main text (trafilatura): the headline as the first
    line, then one paragraph a line, the layout `translate` and `summarize` read.

    `drop_boilerplate` also removes bylines, "read also" links and share rows: a summary has
    no use for them, while a translation keeps whatever the article's text holds.
    """
    from tarjama.nlp.textio import open_text_source, text_source_from_string

    if is_url(source):
        from tarjama.nlp.feeds import FetchLimits, fetch_url

        page = fetch_url(source, limits or FetchLimits())
        try:
            extracted = extract_page(page.data, page.final_url)
        except InputError as exc:
            raise InputError(f"{source}: {exc.message}") from None
    elif source != "-" and Path(source).suffix.lower() in HTML_SUFFIXES and Path(source).is_file():
        try:
            extracted = read_article_file(Path(source))
        except InputError as exc:
            raise InputError(f"{source}: {exc.message}") from None
    else:
        with open_text_source(source) as text_source:
            yield text_source
        return
    title = " ".join(extracted.title.split())
    paragraphs = list(extracted.paragraphs)
    if drop_boilerplate:
        paragraphs = strip_boilerplate(paragraphs, title)
    elif paragraphs and title and _same_as_title(_fold(paragraphs[0]), _fold(title)):
        paragraphs = paragraphs[1:]  # the page repeats its headline above the text
    lines = ([title, ""] if title else []) + paragraphs
    if not paragraphs:
        raise InputError(f"{source}: no article text found")
    with text_source_from_string(source, "\n".join(lines) + "\n") as text_source:
        yield text_source
