"""A batch job's input: what the user named, listed, indexed, and read back shard by shard.

Inputs are the digest's (news.feeds): JSONL files of ``{"id", "title", "text"|"html", ...}``,
folders of .txt/.html articles, RSS/Atom feeds (URLs or files) and text files listing any of
these; plus Parquet files with the same columns, and folders holding JSONL or Parquet files.
Local paths, or URIs that pyarrow.fs resolves (``s3://bucket/news/*.jsonl``).

Reading happens twice, so that nothing but ids and positions has to sit in the driver's memory:

1. :func:`index` reads every input once, in order, and yields each article's id (the digest's
   ids: the JSON "id", else the canonical URL, else a content hash; a file's path) with a
   :class:`Locator` saying where to find it again (a JSONL line's byte range, a Parquet row).
   Feeds are small and live, so their items are kept whole instead.
2. :func:`read_items` turns the locators of one shard back into news.feeds.Item records, on
   whichever machine processes the shard.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from tarjama.batch.storage import Storage, expand_pattern, is_uri, local_path, open_input, read_bytes
from tarjama.errors import InputError, TarjamaError, one_line
from tarjama.news.feeds import (
    ARTICLE_SUFFIXES,
    FEED_SUFFIXES,
    JSONL_SUFFIXES,
    Item,
    Source,
    SourceFailure,
    item_from_json,
    item_from_line,
    parse_feed,
    read_source,
    resolve_sources,
)
from tarjama.news.fetch import FetchLimits
from tarjama.news.sources import article_from_bytes

__all__ = ["Input", "Locator", "index", "read_items", "resolve_inputs"]

log = logging.getLogger("tarjama")

PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})


@dataclass(frozen=True)
class Input:
    kind: str  # "jsonl" | "parquet" | "article" | "feed-url" | "feed-file"
    location: str  # local path or URI
    source: str  # what records name as their source (the folder for a folder's files)


@dataclass(frozen=True)
class Locator:
    """Where one article is: enough to read it again, on any machine of the cluster."""

    kind: str  # "jsonl" | "parquet" | "article" | "item"
    location: str = ""
    source: str = ""
    offset: int = 0  # jsonl: byte offset of the line; parquet: row group
    length: int = 0  # jsonl: bytes of the line; parquet: row within the row group
    number: int = 0  # jsonl: line number; parquet: row number in the file (1-based)
    item: Item | None = None  # feeds: the item itself


# --- naming the inputs -----------------------------------------------------------------------


def _kind_of(name: str) -> str | None:
    suffix = Path(name).suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in ARTICLE_SUFFIXES:
        return "article"
    if suffix in FEED_SUFFIXES:
        return "feed-file"
    return None


def _folder(location: str) -> list[Input]:
    storage = Storage(location)
    found = []
    for name in storage.list_files():
        kind = _kind_of(name)
        if kind in ("jsonl", "parquet", "article"):
            found.append(Input(kind, storage.uri(name), str(storage)))
    if not found:
        raise InputError(f"{location}: holds no .jsonl, .parquet, .txt or .html files")
    return found


def _remote(uri: str) -> list[Input]:
    out: list[Input] = []
    for location in expand_pattern(uri):
        storage = Storage(location)
        if storage.is_dir():
            out += _folder(location)
            continue
        if not storage.exists():
            raise InputError(f"{location}: no such file or folder")
        kind = _kind_of(location)
        if kind is None:
            raise InputError(f"{location}: unknown kind of file (expected .jsonl, .parquet, "
                             ".txt, .html or a feed .xml)")
        out.append(Input(kind, location, location))
    return out


def resolve_inputs(args: Sequence[str]) -> list[Input]:
    """The inputs named on the command line, expanded into files (folders, lists, patterns)
    in a stable order; a missing local path fails here, before any work starts."""
    if not args:
        raise InputError("give the articles to process: JSONL or Parquet files, folders, feeds")
    out: list[Input] = []
    for arg in args:
        path = local_path(arg)
        if path is None:  # s3://, gs://, hdfs://, ...
            out += _remote(arg)
            continue
        name = str(path) if arg.lower().startswith("file://") else arg
        if path.suffix.lower() in PARQUET_SUFFIXES and path.is_file():
            out.append(Input("parquet", name, name))
            continue
        for source in resolve_sources([name]):
            if source.kind == "folder":
                out += _folder(source.location)
            elif source.kind == "html-file":
                out.append(Input("article", source.location, source.location))
            else:
                out.append(Input(source.kind, source.location, source.location))
    return out


# --- the index -------------------------------------------------------------------------------


def index(inputs: Sequence[Input], limits: FetchLimits
          ) -> Iterator[tuple[str, Locator] | SourceFailure]:
    """(id, locator) of every article of the inputs in order; a feed that cannot be read
    yields a SourceFailure and the others go on (as in the digest)."""
    for entry in inputs:
        try:
            if entry.kind == "jsonl":
                yield from _index_jsonl(entry)
            elif entry.kind == "parquet":
                yield from _index_parquet(entry)
            elif entry.kind == "article":
                yield _article_id(entry), Locator("article", entry.location, entry.source)
            else:
                yield from _index_feed(entry, limits)
        except InputError as exc:
            if entry.kind in ("feed-url", "feed-file"):
                yield SourceFailure(entry.location, exc.message)
            else:
                raise


def _article_id(entry: Input) -> str:
    # The digest keys a folder's files on their resolved path; a URI is its own key.
    path = local_path(entry.location)
    return str(path.resolve()) if path is not None else entry.location


def _index_jsonl(entry: Input) -> Iterator[tuple[str, Locator]]:
    offset = 0
    with open_input(entry.location) as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                item = item_from_line(raw, number, entry.source)
                yield item.id, Locator("jsonl", entry.location, entry.source, offset, len(raw), number)
            offset += len(raw)


def _parquet_file(location: str) -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(f"{location}: reading Parquet needs pyarrow: pip install 'tarjama[ray]'") from None
    try:
        return pq.ParquetFile(open_input(location))
    except InputError:
        raise
    except Exception as exc:  # pyarrow raises ArrowInvalid and friends for a file that is not Parquet
        raise InputError(f"{location}: not a readable Parquet file ({one_line(exc)})") from None


def _index_parquet(entry: Input) -> Iterator[tuple[str, Locator]]:
    parquet = _parquet_file(entry.location)
    number = 0
    for group in range(parquet.num_row_groups):
        for row, obj in enumerate(parquet.read_row_group(group).to_pylist()):
            number += 1
            item = item_from_json(obj, entry.source, f"{entry.source}:row {number}")
            yield item.id, Locator("parquet", entry.location, entry.source, group, row, number)


def _index_feed(entry: Input, limits: FetchLimits) -> Iterator[tuple[str, Locator]]:
    if entry.kind == "feed-file" and is_uri(entry.location):
        items = parse_feed(read_bytes(entry.location), entry.location)
    else:
        items = read_source(Source(entry.kind, entry.location), limits)
    for item in items:
        yield item.id, Locator("item", entry.location, entry.source, item=item)


# --- reading a shard back ----------------------------------------------------------------------


def read_items(locators: Sequence[Locator]) -> list[Item]:
    """The items of `locators`, in their order; an article that cannot be read becomes an item
    carrying the error (it goes to the errors shard), a vanished input file fails the shard."""
    handles: dict[str, Any] = {}
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    out: list[Item] = []
    try:
        for loc in locators:
            if loc.kind == "item":
                assert loc.item is not None
                out.append(loc.item)
            elif loc.kind == "jsonl":
                handle = handles.get(loc.location)
                if handle is None:
                    handle = handles[loc.location] = open_input(loc.location)
                handle.seek(loc.offset)
                out.append(item_from_line(handle.read(loc.length), loc.number, loc.source))
            elif loc.kind == "parquet":
                key = (loc.location, loc.offset)
                if key not in groups:
                    groups[key] = _parquet_file(loc.location).read_row_group(loc.offset).to_pylist()
                out.append(item_from_json(groups[key][loc.length], loc.source,
                                          f"{loc.source}:row {loc.number}"))
            else:
                out.append(_read_article(loc))
    finally:
        for handle in handles.values():
            handle.close()
    return out


def _read_article(loc: Locator) -> Item:
    ident = _article_id(Input("article", loc.location, loc.source))
    try:
        extracted = article_from_bytes(read_bytes(loc.location), loc.location)
    except TarjamaError as exc:
        return Item(id=ident, source=loc.source, error=f"{loc.location}: {exc.message}")
    except Exception as exc:  # hostile HTML can break parsers in any way; one article only
        return Item(id=ident, source=loc.source, error=f"{loc.location}: {one_line(exc)}")
    # The text read already, one paragraph a line, so any machine can process it.
    return Item(id=ident, source=loc.source, title=extracted.title,
                text="\n".join(extracted.paragraphs))
