"""Article text out of HTML given as a string: one paragraph a line.

Two extractors for two kinds of HTML: a whole web page goes through trafilatura, which finds the
main text among menus, teasers and footers; a fragment (a feed's ``content:encoded``, an
``html`` field in JSONL) is already the article, and trafilatura's page heuristics would throw
short fragments away, so it is only converted to text with paragraph breaks kept. What both
leave in (bylines, "read also" links, share rows) is nlp.boilerplate's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tarjama.errors import InputError

__all__ = ["Extracted", "extract_html", "extract_page", "html_fragment_text", "is_full_page",
           "text_paragraphs"]


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
