"""Where digest items come from: RSS/Atom feeds (URL or file), JSONL files and folders.

Every source becomes a list of :class:`Item` records. Reading is defensive because feeds are
written by strangers: bytes are fetched within limits (news.fetch), and feed XML is screened
for entity declarations before feedparser sees it, so neither an entity-expansion bomb nor an
external entity can reach an XML parser.

A source that cannot be read (unreachable URL, broken or hostile XML) is reported as a
:class:`SourceFailure` and the other sources go on; a local path that does not exist is the
user's mistake and fails the whole command up front (:func:`resolve_sources`).
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import os
import re
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from tarjama.errors import InputError, one_line
from tarjama.news.fetch import FetchCancelled, FetchLimits, fetch_url
from tarjama.news.sources import HTML_SUFFIXES, is_url
from tarjama.nlp.normalize import fold_for_matching
from tarjama.nlp.webtext import html_fragment_text

__all__ = [
    "ARTICLE_SUFFIXES", "FEED_SUFFIXES", "JSONL_SUFFIXES", "Item", "Source", "SourceFailure",
    "canonical_url", "content_hash", "item_from_json", "item_from_line", "iter_items",
    "parse_feed", "parse_published", "read_source", "resolve_sources", "screen_xml",
]


@dataclass(frozen=True)
class Item:
    """One article to digest, as read from its source; text may still be HTML or unread."""

    id: str  # stable across runs: what resume and exactly-once are keyed on
    source: str  # the feed URL or path, JSONL file or folder it came from
    feed: str | None = None  # the feed's title (for grouping a digest page)
    url: str | None = None
    title: str = ""
    text: str | None = None  # plain text, one paragraph a line
    html: str | bytes | None = None  # HTML to extract text from (a page or a fragment)
    path: str | None = None  # a local file read only when the item is processed
    published: str | None = None  # ISO 8601, UTC, "Z"
    guid: str | None = None
    language: str | None = None  # what the source claims; the text decides (news.digest)
    error: str | None = None  # the source record itself was unusable (a bad JSONL line)


@dataclass(frozen=True)
class SourceFailure:
    source: str
    error: str  # one line


@dataclass(frozen=True)
class Source:
    kind: str  # "feed-url" | "feed-file" | "jsonl" | "folder" | "html-file"
    location: str
    # The bytes of a source that can be read only once (a FIFO, `<(curl ...)`), read when the
    # source was classified; None for files, read when their turn comes.
    data: bytes | None = None


FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".rdf", ".feed"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
ARTICLE_SUFFIXES = HTML_SUFFIXES | {".txt"}  # the files of a folder of articles
_SNIFF = 4096
# A FIFO or `<(...)` source is read whole when it is classified; this bounds it.
_STREAM_LIMIT = 256 << 20
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- sources ---------------------------------------------------------------------------------


def resolve_sources(args: Sequence[str]) -> list[Source]:
    """Classify the command-line sources; a list file (one source a line) is expanded in place.

    Local paths are checked now, so a typo fails the run before any work is done.
    """
    out: list[Source] = []
    for arg in args:
        out.extend(_resolve(arg, base=None, depth=0))
    return out


def _resolve(arg: str, base: Path | None, depth: int) -> list[Source]:
    arg = arg.strip()
    if is_url(arg):
        return [Source("feed-url", arg)]
    if "://" in arg:
        raise InputError(f"{arg}: only http(s) URLs and local paths are supported")
    path = Path(arg).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: no such file or directory")
    if path.is_dir():
        return [Source("folder", name)]
    data = None
    if not path.is_file():  # a FIFO or `<(...)`: it can be read once only, so read it now
        data = _read_bytes(path, _STREAM_LIMIT)
    suffix = path.suffix.lower()
    if suffix in FEED_SUFFIXES:
        return [Source("feed-file", name, data)]
    if suffix in JSONL_SUFFIXES:
        return [Source("jsonl", name, data)]
    if suffix in HTML_SUFFIXES:
        return [Source("html-file", name, data)]
    head = _read_head(path) if data is None else _head_of(data)
    if head.startswith("{"):
        return [Source("jsonl", name, data)]
    if head.startswith("<"):
        lowered = head[:_SNIFF].lower()
        is_feed = any(tag in lowered for tag in ("<rss", "<feed", "<rdf:rdf", "<channel"))
        return [Source("feed-file" if is_feed else "html-file", name, data)]
    # Anything else is a list of sources, one a line; a list inside a list is allowed once,
    # which is enough for "all my lists" and cannot loop.
    if depth >= 2:
        raise InputError(f"{name}: lists of sources nest too deeply (a list may name lists once)")
    sources: list[Source] = []
    text = _read_text(path) if data is None else _decoded(data, path)
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        try:
            sources.extend(_resolve(entry, base=path.parent, depth=depth + 1))
        except InputError as exc:
            if not sources and not _looks_like_source(entry):
                # Its first entry is not a source, so this is most likely not a list at all: say
                # what was expected, never what the file holds (it may be anything: /etc/passwd).
                raise InputError(
                    f"{name}: not a feed, a JSONL file, a folder or a list of sources (line "
                    f"{number} is neither an http(s) URL nor an existing path); a text file is "
                    "read as a list of feed URLs or paths, one a line, so to digest .txt "
                    "articles give the folder that holds them") from None
            raise InputError(f"{name}, line {number}: {exc.message}") from None
    if not sources:
        raise InputError(f"{name}: is empty (expected feed URLs or paths, one a line)")
    return sources


def _looks_like_source(entry: str) -> bool:
    """An entry of a list that is meant as a source (a URL, a feed or article file name), so an
    error may quote it; anything else may be a line of an unrelated file, never echoed."""
    if "://" in entry or len(entry) > 500:
        return "://" in entry and len(entry) <= 500
    suffix = Path(entry).suffix.lower()
    return suffix in FEED_SUFFIXES | JSONL_SUFFIXES | ARTICLE_SUFFIXES or entry.endswith(("/", os.sep))


def _head_of(data: bytes) -> str:
    return data[:_SNIFF].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")


def _decoded(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: invalid UTF-8 at byte {exc.start}; convert it to UTF-8 first") from None


def _read_head(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(_SNIFF)
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc.strerror or exc})") from None
    return _head_of(raw)


def _read_text(path: Path, limit: int | None = None) -> str:
    return _decoded(_read_bytes(path, limit), path)


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1 if limit is not None else -1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if limit is not None and len(data) > limit:
        raise InputError(f"{path}: larger than the {limit}-byte limit")
    return data


def iter_items(sources: Iterable[Source], limits: FetchLimits, *,
               cancel: Callable[[], bool] | None = None) -> Iterator[Item | SourceFailure]:
    """Items of every source in order; a source that fails yields one SourceFailure instead.

    ``cancel`` (a stop request) cuts a feed fetch in flight and ends the iteration; a source
    stopped that way is not a failure.
    """
    for source in sources:
        try:
            items = read_source(source, limits, cancel=cancel)
        except FetchCancelled:
            return
        except InputError as exc:
            yield SourceFailure(source.location, exc.message)
            continue
        yield from items


def read_source(source: Source, limits: FetchLimits, *,
                cancel: Callable[[], bool] | None = None) -> list[Item]:
    if source.kind == "feed-url":
        fetched = fetch_url(source.location, limits, cancel=cancel)
        return parse_feed(fetched.data, source.location, base_url=fetched.final_url)
    if source.kind == "feed-file":
        data = source.data
        if data is not None and len(data) > limits.max_bytes:
            raise InputError(f"{source.location}: larger than the {limits.max_bytes}-byte limit")
        return parse_feed(data if data is not None else _read_bytes(Path(source.location), limits.max_bytes),
                          source.location)
    if source.kind == "jsonl":
        return list(_jsonl_items(Path(source.location), source.data))
    if source.kind == "folder":
        return _folder_items(Path(source.location))
    if source.kind == "html-file":
        if source.data is not None:
            return [Item(id=source.location, source=source.location, html=source.data)]
        return [_file_item(Path(source.location), source.location)]
    raise ValueError(f"unknown source kind {source.kind!r}")


# --- feeds -----------------------------------------------------------------------------------

# Both declarations are what entity attacks are made of, and no real news feed needs either.
_ENTITY_DECL = "<!ENTITY"
_WIDE_ENCODINGS = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def screen_xml(data: bytes, name: str) -> None:
    """Refuse feed bytes that declare XML entities, before any XML parser sees them.

    Checked in every encoding an XML parser could read the document in (ASCII-compatible ones
    and UTF-16/32), then confirmed by defusedxml for well-formed documents, so an attacker cannot
    hide a declaration behind an encoding. A DOCTYPE naming an external DTD is allowed (old RSS
    0.91 feeds have one) because no parser used here loads it.
    """
    needles = [_ENTITY_DECL.encode("ascii")] + [_ENTITY_DECL.encode(e) for e in _WIDE_ENCODINGS]
    if any(n in data for n in needles):
        raise InputError(f"{name}: refused: the feed declares XML entities (<!ENTITY>), "
                         "which can expand without bound or read local files")
    import xml.sax

    from defusedxml import DefusedXmlException
    from defusedxml.sax import parseString

    try:
        # forbid_external would also refuse the DOCTYPE of RSS 0.91 feeds; an external DTD is
        # never loaded by expat here, and external entities need a declaration, refused above.
        parseString(data, xml.sax.handler.ContentHandler(), forbid_dtd=False,
                    forbid_entities=True, forbid_external=False)
    except DefusedXmlException as exc:
        raise InputError(f"{name}: refused: unsafe XML ({type(exc).__name__})") from None
    except Exception:  # not well-formed: feedparser reads it leniently without expanding anything
        pass


def parse_feed(data: bytes, source: str, *, base_url: str | None = None) -> list[Item]:
    """Items of an RSS 0.9x/1.0/2.0 or Atom document, after screening it (screen_xml)."""
    import feedparser

    if not data.strip():
        raise InputError(f"{source}: is empty")
    screen_xml(data, source)
    headers = {"content-location": base_url} if base_url else {}
    # Always a stream: given a str feedparser fetches it as a URL, and given bytes it first tries
    # open(data), so a feed whose body is "/dev/zero" or a local path would be read from disk.
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers, sanitize_html=True,
                                  resolve_relative_uris=True)
    except Exception as exc:  # a mangled XML declaration breaks feedparser's encoding sniffing
        raise InputError(f"{source}: not a readable feed ({one_line(exc)})") from None
    entries = [e for e in parsed.entries if any(e.get(k) for k in (
        "id", "link", "title", "summary", "content"))]
    if not entries:
        if parsed.get("bozo") and parsed.get("bozo_exception") is not None:
            raise InputError(f"{source}: not a readable feed ({one_line(parsed.bozo_exception)})")
        if not parsed.get("version"):
            raise InputError(f"{source}: not an RSS or Atom feed")
        return []
    feed_title = _plain(parsed.feed.get("title")) or None
    feed_lang = _lang(parsed.feed.get("language"))
    items = []
    for entry in entries:
        items.append(_entry_item(entry, source, feed_title, feed_lang))
    return items


def _entry_item(entry: Mapping[str, Any], source: str, feed_title: str | None,
                feed_lang: str | None) -> Item:
    title_detail = entry.get("title_detail") or {}
    title = entry.get("title") or ""
    if "html" in (title_detail.get("type") or ""):
        title = _plain(title)
    title = " ".join(title.split())
    body, body_type = _best_body(entry)
    link = entry.get("link") or None
    guid = (entry.get("id") or "").strip() or None
    published = None
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed_time = entry.get(key)
        if parsed_time:
            published = _iso(datetime.fromtimestamp(calendar.timegm(parsed_time), tz=timezone.utc))
            break
    language = _lang(title_detail.get("language")) or feed_lang
    is_html = body is not None and "html" in body_type
    ident = guid or (canonical_url(link) if link else None) or "sha256:" + content_hash(
        title, body or "")[:32]
    return Item(
        id=ident, source=source, feed=feed_title, url=link, title=title,
        text=None if is_html else body, html=body if is_html else None,
        published=published, guid=guid, language=language,
    )


def _best_body(entry: Mapping[str, Any]) -> tuple[str | None, str]:
    # Full content when the feed carries it; the summary (often a teaser) otherwise.
    candidates = [(c.get("value") or "", c.get("type") or "text/html") for c in entry.get("content") or []]
    detail = entry.get("summary_detail") or {}
    if entry.get("summary"):
        candidates.append((entry["summary"], detail.get("type") or "text/html"))
    candidates = [c for c in candidates if c[0].strip()]
    if not candidates:
        return None, ""
    return max(candidates, key=lambda c: len(c[0]))


def _plain(text: str | None) -> str:
    if not text:
        return ""
    if "<" not in text and "&" not in text:
        return " ".join(text.split())
    return " ".join(html_fragment_text(text).split())


def _lang(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower().replace("_", "-").split("-")[0]


# --- JSONL, folders, single files ------------------------------------------------------------


def _jsonl_items(path: Path, data: bytes | None = None) -> Iterator[Item]:
    source = str(path)
    try:
        handle = path.open("rb") if data is None else io.BytesIO(data)
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc.strerror or exc})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                yield item_from_line(raw, number, source)


def item_from_line(raw: bytes, number: int, source: str) -> Item:
    """The item of one non-blank JSONL line (`number` is 1-based); a line that is not a JSON
    object gives an item that carries the error, so it is reported and the rest go on."""
    where = f"{source}:{number}"
    try:
        obj = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return Item(id=where, source=source, error=f"line {number}: not valid JSON ({one_line(exc)})")
    if not isinstance(obj, dict):
        return Item(id=where, source=source, error=f"line {number}: expected a JSON object")
    return item_from_json(obj, source, where)


def item_from_json(obj: Mapping[str, Any], source: str, where: str) -> Item:
    """An item from a JSON object (a JSONL line, a Parquet row): `{"id", "title", "text" |
    "html", "url", "published", ...}`; `where` names it when it has no id, URL or text."""
    def text_field(*names: str) -> str | None:
        for name in names:
            value = obj.get(name)
            if isinstance(value, str) and value.strip():
                return value
        return None

    url = text_field("url", "link")
    title = " ".join((text_field("title", "headline") or "").split())
    text = text_field("text", "body", "content")
    html = text_field("html")
    raw_id = obj.get("id", obj.get("guid"))
    ident = str(raw_id).strip() if isinstance(raw_id, (str, int)) and str(raw_id).strip() else None
    published, error = None, None
    date = text_field("published", "date", "updated")
    if date is not None:
        try:
            moment = parse_published(date)
            # A bare date stays a date: a time of midnight UTC would be made up.
            published = moment.date().isoformat() if _DATE_ONLY.match(date.strip()) else _iso(moment)
        except ValueError:
            error = f"unreadable date {date[:40]!r} (expected ISO 8601, e.g. 2026-11-01T08:00:00Z)"
    if text is None and html is None and error is None:
        error = "no \"text\" or \"html\" field"
    ident = ident or (canonical_url(url) if url else None) or (
        "sha256:" + content_hash(title, text or html or "")[:32] if (text or html) else where)
    return Item(
        id=ident, source=source, feed=text_field("feed", "source"), url=url, title=title,
        text=text, html=html if text is None else None, published=published,
        guid=ident if raw_id is not None else None, language=_lang(obj.get("language") or obj.get("lang")),
        error=error,
    )


def _folder_items(folder: Path) -> list[Item]:
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and Path(name).suffix.lower() in ARTICLE_SUFFIXES:
                files.append(Path(root) / name)
    source = str(folder)
    return [_file_item(path, source) for path in files]


def _file_item(path: Path, source: str) -> Item:
    # Keyed on the resolved path, so `./articles/` and `articles` resume the same run.
    resolved = str(path.resolve())
    return Item(id=resolved, source=source, path=str(path))


# --- identity --------------------------------------------------------------------------------

_TRACKING = re.compile(r"^(?:utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|"
                       r"ocid|cmpid|ref|ref_src|_ga|at_medium|at_campaign)$", re.I)


def canonical_url(url: str) -> str:
    """A URL with what does not change the page taken off, for de-duplication.

    Lower-case scheme and host, no default port, no fragment, no tracking parameters
    (utm_*, fbclid, ...), remaining parameters sorted, an empty path as "/".
    """
    parts = urllib.parse.urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port and (scheme, parts.port) not in (("http", 80), ("https", 443)) else None
    netloc = host + (f":{port}" if port else "")
    query = urllib.parse.urlencode(sorted(
        (k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING.match(k)
    ))
    return urllib.parse.urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def content_hash(title: str, text: str) -> str:
    """sha256 of title and text folded for matching: spelling variants and spacing do not count."""
    folded = " ".join(fold_for_matching(title + "\n" + text).split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def parse_published(value: str) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive times are taken as UTC)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
