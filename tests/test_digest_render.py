"""Digest pages: grouping and order, escaping, right-to-left text, safe file names."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from tarjama.errors import UsageError
from tarjama.news.render import (
    group_records,
    render_html,
    render_markdown,
    safe_filename,
    write_digest_pages,
)
from tarjama.outputs import dumps_line

RECORDS = [
    {"id": "1", "feed": "أخبار الخليج", "url": "https://news.test/1", "published": "2026-11-01T08:00:00Z",
     "language": "ar", "title": "افتتاح محطة", "title_en": "Plant opens", "summary_en": "It opened."},
    {"id": "2", "feed": "أخبار الخليج", "url": "javascript:alert(1)", "published": "2026-11-03T08:00:00Z",
     "language": "ar", "title": "عنوان <b>خطير</b>", "title_en": "<script>alert('x')</script>",
     "summary_en": "Tom & Jerry [link](http://evil.test) *bold*"},
    {"id": "3", "feed": "World", "url": "https://world.test/3", "published": "2026-11-02",
     "language": "en", "title": "Rain", "title_en": "Rain", "summary_en": "It rained."},
    {"id": "4", "feed": "أخبار الخليج", "url": None, "published": None, "language": "ar",
     "title": "بلا تاريخ", "title_en": "Undated", "summary_en": "No date."},
]


def test_groups_by_feed_newest_first() -> None:
    groups = group_records(RECORDS)
    assert [name for name, _ in groups] == ["أخبار الخليج", "World"]
    assert [r["id"] for r in groups[0][1]] == ["2", "1", "4"]  # undated last


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.data.append(data)


def test_html_is_escaped_and_marks_direction() -> None:
    page = render_html(RECORDS)
    parser = _Collect()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags and "b" not in tags  # feed text never becomes markup
    assert "<script>alert('x')</script>" in "".join(parser.data)
    hrefs = [a.get("href") for t, a in parser.tags if t == "a"]
    assert hrefs == ["https://news.test/1", "https://world.test/3"]  # no javascript: link
    originals = [a for t, a in parser.tags if t == "span" and a.get("class") == "orig"]
    assert originals and all(a.get("lang") == "ar" and a.get("dir") == "rtl" for a in originals)
    assert any(t == "h2" and a.get("dir") == "auto" for t, a in parser.tags)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page


def test_markdown_escapes_and_isolates() -> None:
    md = render_markdown(RECORDS)
    assert "\\[link\\]\\(http://evil.test\\)" in md and "\\*bold\\*" in md
    assert "[\u2068Plant opens\u2069](https://news.test/1)" in md
    assert "\u2068افتتاح محطة\u2069" in md  # Arabic isolated: it cannot reorder its neighbours
    assert "javascript:" not in md
    assert md.index("## \u2068أخبار الخليج") < md.index("## \u2068World")


@pytest.mark.parametrize("title, expected", [
    ("../../etc/passwd", "etc-passwd.html"),
    ("/abs/path", "abs-path.html"),
    ("..", "feed.html"),
    ("", "feed.html"),
    ("con", "con-feed.html"),
    ("أخبار الخليج: اليوم!", "أخبار-الخليج-اليوم.html"),
    ("a\u202eevil\x00\nname", "a-evil-name.html"),
])
def test_safe_filename(title: str, expected: str) -> None:
    name = safe_filename(title, ".html")
    assert name == expected
    assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_safe_filename_is_unique_and_bounded() -> None:
    taken: set[str] = set()
    assert [safe_filename("News", ".html", taken) for _ in range(3)] == ["news.html", "news-2.html", "news-3.html"]
    assert len(safe_filename("x" * 500, ".html")) <= 85


def test_pages_from_the_journal(tmp_path: Path) -> None:
    journal = tmp_path / "digest.jsonl"
    hostile = dict(RECORDS[2], id="5", feed="../../outside")
    journal.write_bytes(b"".join(dumps_line(r) for r in [*RECORDS, hostile]) + b'{"id": "torn')
    single = write_digest_pages(journal, tmp_path / "digest.html")
    assert "Plant opens" in single[0].read_text(encoding="utf-8")
    md = write_digest_pages(journal, tmp_path / "digest.md")[0].read_text(encoding="utf-8")
    assert "Undated" in md
    pages = tmp_path / "pages"
    written = write_digest_pages(journal, pages)
    assert {p.name for p in written} == {"أخبار-الخليج.html", "world.html", "outside.html", "index.html"}
    assert all(p.parent == pages.resolve() for p in written)
    assert not (tmp_path.parent / "outside.html").exists()
    with pytest.raises(UsageError, match="takes a .html or .md file"):
        write_digest_pages(journal, tmp_path / "digest.pdf")
