"""One article as `translate` and `summarize` read it: a text file, stdin, an .html file or an
http(s) URL, reduced to the layout they read (the headline, then one paragraph a line).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tarjama.errors import InputError
from tarjama.inputs import TextSource, open_text_source, text_source_from_string
from tarjama.news.fetch import FetchLimits, fetch_url
from tarjama.nlp.boilerplate import same_as_title, strip_boilerplate
from tarjama.nlp.document import is_title
from tarjama.nlp.webtext import Extracted, extract_html, extract_page, text_paragraphs

__all__ = ["HTML_SUFFIXES", "article_from_bytes", "article_lines", "is_url", "open_article_source",
           "read_article_file"]

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_HTTP_URL = re.compile(r"^https?://", re.I)


def is_url(source: str) -> bool:
    return _HTTP_URL.match(source) is not None


def read_article_file(path: Path) -> Extracted:
    """A .txt article (first line the headline when it looks like one) or an .html page."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})") from None
    return article_from_bytes(data, path.name)


def article_from_bytes(data: bytes, name: str) -> Extracted:
    """An article file's content, read already (from a local disk or object storage): .html
    pages by their main text, anything else as UTF-8 text, as read_article_file does."""
    if Path(name).suffix.lower() in HTML_SUFFIXES:
        return extract_html(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"invalid UTF-8 at byte {exc.start}; convert it to UTF-8 first") from None
    if "\x00" in text:
        raise InputError("looks like a binary file (NUL byte); expected UTF-8 text")
    paragraphs = text_paragraphs(text)
    if not paragraphs:
        raise InputError("is empty (no text)")
    if is_title(paragraphs[0], 0) and len(paragraphs) > 1:
        return Extracted(paragraphs[0], tuple(paragraphs[1:]))
    return Extracted("", tuple(paragraphs))


@contextmanager
def open_article_source(source: str, limits: FetchLimits | None = None, *,
                        drop_boilerplate: bool = False) -> Iterator[TextSource]:
    """An article to translate or summarize: a text file, '-' (stdin), an .html file or an
    http(s) URL. Pages are reduced to their main text (trafilatura): the headline as the first
    line, then one paragraph a line, the layout `translate` and `summarize` read.

    `drop_boilerplate` also removes bylines, "read also" links and share rows: a summary has
    no use for them, while a translation keeps whatever the article's text holds.
    """
    if is_url(source):
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
    lines = article_lines(extracted, drop_boilerplate=drop_boilerplate)
    if not lines:
        raise InputError(f"{source}: no article text found")
    with text_source_from_string(source, "\n".join(lines) + "\n") as text_source:
        yield text_source


def article_lines(extracted: Extracted, *, drop_boilerplate: bool = False) -> list[str]:
    """The layout `translate` and `summarize` read: the headline, a blank line, then one
    paragraph a line; no lines at all when there is no text besides the headline."""
    title = " ".join(extracted.title.split())
    paragraphs = list(extracted.paragraphs)
    if drop_boilerplate:
        paragraphs = strip_boilerplate(paragraphs, title)
    elif paragraphs and title and same_as_title(paragraphs[0], title):
        paragraphs = paragraphs[1:]  # the page repeats its headline above the text
    if not paragraphs:
        return []
    return ([title, ""] if title else []) + paragraphs
