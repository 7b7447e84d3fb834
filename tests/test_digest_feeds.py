"""Digest inputs: feeds over a local HTTP server and from files, JSONL, folders, list files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from digest_helpers import (  # noqa: F401
    BOMB,
    XXE,
    Entry,
    LocalServer,
    Route,
    atom,
    rss,
    utc,
)
from tarjama.errors import InputError
from tarjama.news.feeds import (
    FetchLimits,
    Item,
    SourceFailure,
    canonical_url,
    content_hash,
    fetch_url,
    iter_items,
    parse_feed,
    resolve_sources,
    screen_xml,
)

LIMITS = FetchLimits(timeout=5, max_bytes=200_000, max_redirects=2)


def test_rss_with_arabic_items_duplicates_and_missing_fields() -> None:
    entries = [
        Entry("افتتاح محطة تحلية", "النص الأول.\nفقرة ثانية.", "http://news.test/a?utm_source=rss",
              "g-1", utc(2026, 11, 2)),
        Entry("عنوان مكرر", "نص مكرر.", "http://news.test/b", "g-1", utc(2026, 11, 1)),  # same GUID
        Entry(None, "نص بلا عنوان.", "http://news.test/c"),  # no title, no guid, no date
        Entry("بلا رابط ولا معرف", "نص فقط."),  # no link, no guid
        Entry(None, None, None, None),  # nothing at all: dropped
    ]
    items = parse_feed(rss(entries), "feed.xml")
    assert len(items) == 4
    first = items[0]
    assert first.id == "g-1" and first.guid == "g-1"
    assert first.title == "افتتاح محطة تحلية" and first.feed == "أخبار الاختبار"
    assert first.published == "2026-11-02T08:00:00Z" and first.language == "ar"
    assert first.html is not None and "<p>" in first.html and first.text is None
    assert items[1].id == "g-1"  # duplicates are found by the digest, not dropped here
    assert items[2].title == "" and items[2].id == "http://news.test/c" and items[2].published is None
    assert items[3].id.startswith("sha256:") and items[3].url is None


def test_atom_feed() -> None:
    data = atom([Entry("Plant opens", "Para one.\nPara two.", "http://x.test/1", "urn:1", utc(2026, 11, 3))])
    (item,) = parse_feed(data, "a.atom")
    assert (item.id, item.url, item.title, item.published) == (
        "urn:1", "http://x.test/1", "Plant opens", "2026-11-03T08:00:00Z")
    assert item.feed == "Atom test feed"


@pytest.mark.parametrize("data", [BOMB, XXE, BOMB.decode().encode("utf-16")])
def test_entity_declarations_are_refused_before_parsing(data: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match="refused"):
        parse_feed(data, "evil.xml")
    assert time.monotonic() - started < 2


def test_broken_xml_is_read_leniently_or_fails_one_source() -> None:
    good = rss([Entry("t1", "body one", "http://x.test/1", "g1")])
    truncated = good[: good.index(b"</channel>")]  # no closing tags
    items = parse_feed(truncated, "truncated.xml")
    assert [i.id for i in items] == ["g1"]
    with pytest.raises(InputError, match="not a readable feed|not an RSS"):
        parse_feed(b"<rss><channel><title>x</ti", "broken.xml")
    with pytest.raises(InputError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body><p>a web page</p></body></html>", "page.xml")


def test_feed_bytes_are_never_taken_for_a_file_name(tmp_path: Path) -> None:
    private = tmp_path / "private.xml"
    private.write_bytes(rss([Entry("secret", "secret text", "http://x.test/s", "secret")]))
    with pytest.raises(InputError, match="not an RSS or Atom feed|not a readable feed"):
        parse_feed(str(private).encode(), "hostile.xml")
    with pytest.raises(InputError):
        parse_feed(b"/dev/zero", "hostile.xml")  # would never end if opened


def test_screen_allows_a_plain_doctype() -> None:
    screen_xml(b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
               b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"></rss>', "old.xml")


def test_fetch_over_http_with_limits(local_server: LocalServer) -> None:
    local_server.routes.update({
        "/feed.xml": Route(rss([Entry("t", "b", "http://x.test/1", "g")])),
        "/big.xml": Route(b"x" * 300_000),
        "/r1": Route(status=302, headers={"Location": "/r2"}),
        "/r2": Route(status=302, headers={"Location": "/r3"}),
        "/r3": Route(status=302, headers={"Location": "/feed.xml"}),
        "/to-file": Route(status=302, headers={"Location": "file:///etc/passwd"}),
        "/slow": Route(b"late", delay=2.5),
    })
    fetched = fetch_url(local_server.url("/feed.xml"), LIMITS)
    assert fetched.data.startswith(b"<?xml")
    assert local_server.requests[-1][1].startswith("tarjama-digest/")
    assert fetch_url(local_server.url("/r2"), LIMITS).final_url == local_server.url("/feed.xml")  # 2 redirects
    with pytest.raises(InputError, match="more than 2 redirects"):
        fetch_url(local_server.url("/r1"), LIMITS)
    with pytest.raises(InputError, match="not allowed|non-http"):
        fetch_url(local_server.url("/to-file"), LIMITS)
    with pytest.raises(InputError, match="200000-byte limit"):
        fetch_url(local_server.url("/big.xml"), LIMITS)
    with pytest.raises(InputError, match="HTTP 404"):
        fetch_url(local_server.url("/missing"), LIMITS)
    with pytest.raises(InputError, match="timed out"):
        fetch_url(local_server.url("/slow"), FetchLimits(timeout=1))
    with pytest.raises(InputError, match="only http"):
        fetch_url("file:///etc/passwd", LIMITS)


def test_one_bad_source_does_not_stop_the_others(local_server: LocalServer, tmp_path: Path) -> None:
    local_server.routes.update({
        "/ok.xml": Route(rss([Entry("t", "b", "http://x.test/1", "g")])),
        "/bomb.xml": Route(BOMB),
    })
    local = tmp_path / "local.atom"
    local.write_bytes(atom([Entry("a", "b", "http://x.test/2", "urn:2")]))
    sources = resolve_sources([local_server.url("/ok.xml"), local_server.url("/bomb.xml"), local_server.url("/gone.xml"),
                               str(local)])
    out = list(iter_items(sources, LIMITS))
    assert [type(o).__name__ for o in out] == ["Item", "SourceFailure", "SourceFailure", "Item"]
    failures = [o for o in out if isinstance(o, SourceFailure)]
    assert "refused" in failures[0].error and "HTTP 404" in failures[1].error


def test_list_file_jsonl_and_folder(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    (articles / "sub").mkdir(parents=True)
    (articles / "a.txt").write_text("عنوان الخبر\nالنص الأول.\n", encoding="utf-8")
    (articles / "sub" / "b.html").write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    (articles / ".hidden.txt").write_text("no", encoding="utf-8")
    (articles / "notes.pdf").write_bytes(b"%PDF")
    jsonl = tmp_path / "items.jsonl"
    jsonl.write_text("\n".join([
        json.dumps({"id": 7, "title": "T", "text": "Body.", "url": "http://x.test/7",
                    "published": "2026-11-02T10:00:00+02:00", "language": "en"}),
        json.dumps({"title": "no id", "html": "<p>Body</p>", "url": "http://x.test/8#frag"}),
        json.dumps({"id": "bad-date", "text": "x", "published": "yesterday"}),
        json.dumps({"id": "no-text", "title": "only a title"}),
        "[1, 2]",
        "{not json",
        "",
    ]) + "\n", encoding="utf-8")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("# my sources\n\narticles\nitems.jsonl\nhttps://news.test/feed.xml\n", encoding="utf-8")
    sources = resolve_sources([str(feeds)])
    assert [s.kind for s in sources] == ["folder", "jsonl", "feed-url"]
    items = [i for i in iter_items(sources[:2], LIMITS) if isinstance(i, Item)]
    folder_items, json_items = items[:2], items[2:]
    assert [Path(i.path).name for i in folder_items] == ["a.txt", "b.html"]
    assert folder_items[0].id == str((articles / "a.txt").resolve())
    assert json_items[0].id == "7" and json_items[0].published == "2026-11-02T08:00:00Z"
    assert json_items[1].id == "http://x.test/8" and json_items[1].html == "<p>Body</p>"
    assert "unreadable date" in json_items[2].error
    assert "no \"text\" or \"html\"" in json_items[3].error
    assert "expected a JSON object" in json_items[4].error and json_items[4].id.endswith(":5")
    assert "not valid JSON" in json_items[5].error


def test_missing_local_paths_fail_up_front(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        resolve_sources([str(tmp_path / "nope.xml")])
    listing = tmp_path / "feeds.txt"
    listing.write_text("missing.xml\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"feeds.txt, line 1: .*missing.xml: no such file"):
        resolve_sources([str(listing)])
    with pytest.raises(InputError, match="only http"):
        resolve_sources(["ftp://x.test/feed"])


def test_canonical_url_and_content_hash() -> None:
    assert canonical_url("HTTP://News.Test:80/a?b=2&utm_source=x&a=1#top") == "http://news.test/a?a=1&b=2"
    assert canonical_url("https://news.test") == "https://news.test/"
    assert canonical_url("https://news.test:8443/x?fbclid=1") == "https://news.test:8443/x"
    # Spelling variants and spacing do not make a different article.
    assert content_hash("أحمد  قال", "إلى المدرسة") == content_hash("احمد قال", "الى المدرسة")
    assert content_hash("a", "b") != content_hash("a", "c")
