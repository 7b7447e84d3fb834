"""Test helpers for the digest: a local HTTP server, feed builders, stand-in models.

The server listens on 127.0.0.1 only, serves a fixed table of routes, answers at most
`max_requests` requests (then 503) and is shut down by its fixture; nothing leaves the machine.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, Sequence
from xml.sax.saxutils import escape

import pytest
from tarjama.nlp.document import Document
from tarjama.nlp.translate import Segment, SegmentOutput

# Billion laughs: 10^7 copies of 50 bytes if expanded.
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
<!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
]>
<rss version="2.0"><channel><title>bomb</title><item><title>&h;</title><description>x</description></item></channel></rss>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>xxe</title><item><title>&secret;</title></item></channel></rss>
"""


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up early (size limit, a killed digest) are part of the tests


class LocalServer:
    def __init__(self, max_requests: int = 2000) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []  # (path, user agent)
        self.max_requests = max_requests
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10  # a stuck client cannot hold a handler thread for long

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                with server._lock:
                    server.requests.append((self.path, self.headers.get("User-Agent", "")))
                    over = len(server.requests) > server.max_requests
                route = server.routes.get(self.path.split("?")[0])
                if over or route is None:
                    self.send_response(503 if over else 404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.delay:
                    time.sleep(route.delay)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> "LocalServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


@dataclass
class Entry:
    title: str | None = None
    text: str | None = None  # body, as HTML in the feed
    link: str | None = None
    guid: str | None = None
    published: datetime | None = None


def rss(entries: Sequence[Entry], title: str = "أخبار الاختبار", language: str = "ar") -> bytes:
    items = []
    for e in entries:
        parts = []
        if e.guid is not None:
            parts.append(f"<guid isPermaLink=\"false\">{escape(e.guid)}</guid>")
        if e.title is not None:
            parts.append(f"<title>{escape(e.title)}</title>")
        if e.link is not None:
            parts.append(f"<link>{escape(e.link)}</link>")
        if e.text is not None:
            html = "".join(f"<p>{escape(p)}</p>" for p in e.text.split("\n"))
            parts.append(f"<description>{escape(html)}</description>")
        if e.published is not None:
            parts.append(f"<pubDate>{format_datetime(e.published)}</pubDate>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://127.0.0.1/</link><language>{language}</language>"
        + "".join(items) + "</channel></rss>\n"
    ).encode("utf-8")


def atom(entries: Sequence[Entry], title: str = "Atom test feed") -> bytes:
    out = []
    for e in entries:
        parts = [f"<id>{escape(e.guid or e.link or 'urn:x')}</id>"]
        if e.title is not None:
            parts.append(f"<title>{escape(e.title)}</title>")
        if e.link is not None:
            parts.append(f'<link rel="alternate" href="{escape(e.link)}"/>')
        if e.published is not None:
            parts.append(f"<updated>{e.published.strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>")
        if e.text is not None:
            html = "".join(f"<p>{escape(p)}</p>" for p in e.text.split("\n"))
            parts.append(f'<content type="html">{escape(html)}</content>')
        out.append("<entry>" + "".join(parts) + "</entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:feed</id><updated>2026-11-01T00:00:00Z</updated>"
        + "".join(out) + "</feed>\n"
    ).encode("utf-8")


def article_page(title: str, paragraphs: Sequence[str], lang: str = "ar") -> bytes:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    direction = "rtl" if lang == "ar" else "ltr"
    return (
        f'<!DOCTYPE html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        f"<title>{escape(title)} | موقع الأخبار</title></head><body>"
        "<nav><a href='/'>الرئيسية</a> | <a href='/s'>سياسة</a> | <a href='/e'>اقتصاد</a></nav>"
        f"<article><h1>{escape(title)}</h1><p>بقلم: مراسل الموقع</p>{body}"
        "<p>اقرأ أيضا: عنوان خبر آخر لا علاقة له</p>"
        "<div class='share'>شارك على فيسبوك تويتر واتساب</div></article>"
        "<footer>جميع الحقوق محفوظة © 2026</footer></body></html>"
    ).encode("utf-8")


AR_SENTENCES = [
    "افتتحت الحكومة يوم الاثنين محطة جديدة لتحلية مياه البحر في المدينة الساحلية.",
    "وقال وزير الطاقة إن المشروع سيخدم نحو مليوني نسمة في المدن الساحلية.",
    "وأوضح مدير المشروع أن تكلفة الإنتاج انخفضت بنسبة كبيرة مقارنة بالمحطات القديمة.",
    "ويأتي المشروع في إطار خطة وطنية لخفض الانبعاثات وتحسين إدارة المياه.",
    "يقول خبراء إن الحل يتطلب ترشيد الاستهلاك وإصلاح الشبكات القديمة.",
]
EN_SENTENCES = [
    "The government opened a new desalination plant in the coastal city on Monday.",
    "The energy minister said the project will serve about two million people.",
    "The project manager explained that production costs fell sharply.",
    "The project is part of a national plan to cut emissions and manage water.",
    "Experts say the solution requires saving water and repairing old networks.",
]


def ar_article(i: int) -> tuple[str, str]:
    """A distinct Arabic (title, text) for item i: the number makes every text unique."""
    sentences = [s[:-1] + f" رقم {i}." for s in AR_SENTENCES]
    return f"خبر رقم {i} عن محطة التحلية", "\n".join(sentences[:3]) + "\n" + " ".join(sentences[3:])


def en_article(i: int) -> tuple[str, str]:
    sentences = [s[:-1] + f" number {i}." for s in EN_SENTENCES]
    return f"Story number {i} about the plant", "\n".join(sentences[:3]) + "\n" + " ".join(sentences[3:])


class LeadSummarizer:
    """Stand-in summarizer: the first `n` sentences of each text."""

    def __init__(self, n: int = 2) -> None:
        self.n = n
        self.calls: list[tuple[int, str]] = []

    def describe(self) -> dict[str, object]:
        return {"summarizer": "test-lead", "n": self.n}

    def summarize_many(self, documents: list[Document], lang: str) -> list[list[str]]:
        self.calls.append((len(documents), lang))
        return [[s.text for s in doc.sentences][: self.n] for doc in documents]


class FakeTranslator:
    """Stand-in TranslationModel: marks each segment; records every call's segments."""

    max_segment_tokens = 64

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on

    def provenance(self) -> dict[str, object]:
        return {"model": {"model": "fake", "commit": "0" * 8}, "decoding": {}}

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return [[0] * (len(t.split()) + 1) for t in texts]

    def translate(self, segments: Sequence[Segment]) -> list[SegmentOutput]:
        self.calls.append([s.text for s in segments])
        if self.fail_on is not None and any(self.fail_on in s.text for s in segments):
            raise RuntimeError("model exploded")
        return [SegmentOutput(f"EN[{len(s.text)}]") for s in segments]


def utc(year: int, month: int, day: int, hour: int = 8) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


@pytest.fixture
def local_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    """A LocalServer for one test; proxies from the environment are bypassed for 127.0.0.1."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = LocalServer().start()
    yield server
    server.stop()
