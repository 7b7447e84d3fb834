"""Append-only JSONL output that survives kill -9, and a content-hash cache beside it.

Exactly once, nothing lost:

* every record is one complete line handed to the kernel in a single ``os.write`` on a file
  opened with ``O_APPEND``, then ``fsync``-ed; a killed process leaves whole lines only, except
  for a line torn by a crash of the machine itself (or an older tool), which the next
  :meth:`Journal.open` detects and cuts off before appending;
* a run reads the ids already in the output and skips them, so a rerun finishes the rest;
* an exclusive ``flock`` on a sibling ``.lock`` file keeps two runs from writing one output
  (the lock goes away with the process, even on kill -9).

Failed items go to a sibling errors file with the same guarantees, so the output holds every
finished item exactly once and a rerun retries what failed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from tarjama.nlp.errors import InputError

__all__ = ["ContentCache", "Journal", "JournalState", "cache_key", "cache_path_for", "dumps_line",
           "errors_path_for", "lock_path_for", "read_records", "record_keys", "recover_torn_tail"]

log = logging.getLogger("tarjama")


def lock_path_for(output: Path) -> Path:
    return output.with_name(output.name + ".lock")


def errors_path_for(output: Path) -> Path:
    return output.with_name(_stem(output) + ".errors.jsonl")


def cache_path_for(output: Path) -> Path:
    return output.with_name(_stem(output) + ".cache.sqlite")


def _stem(output: Path) -> str:
    return output.name[: -len(output.suffix)] if output.suffix else output.name


def dumps_line(record: Mapping[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    # Raw U+2028/2029 are legal in JSON but split "lines" for some readers (JavaScript, str.splitlines).
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (text + "\n").encode("utf-8")


def recover_torn_tail(path: Path) -> int:
    """Cut a partial last line (no newline: a write torn by a crash); returns the bytes removed.

    Only safe while holding the output's lock: another writer could be mid-line.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    if size == 0:
        return 0
    with path.open("rb+") as handle:
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return 0
        # Scan backwards in blocks for the last newline.
        pos, end = size, size
        keep = 0
        while pos > 0:
            start = max(0, pos - (64 << 10))
            handle.seek(start)
            block = handle.read(pos - start)
            found = block.rfind(b"\n")
            if found >= 0:
                keep = start + found + 1
                break
            pos = start
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    return end - keep


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The complete records of a JSONL journal; a torn or corrupt line is skipped, with a warning."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                log.warning("%s: ignoring a partial last line (%d bytes) left by an interrupted run",
                            path, len(raw))
                break
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except (UnicodeDecodeError, ValueError):
                log.warning("%s, line %d: not valid JSON; ignored", path, number)
                continue
            if isinstance(record, dict):
                yield record


class _AppendOnly:
    """A JSONL file written one whole line per os.write, O_APPEND, fsync after each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        torn = recover_torn_tail(path)
        if torn:
            log.warning("%s: removed a partial last line (%d bytes) left by an interrupted run",
                        path, torn)
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise InputError(f"{path}: cannot open for writing ({exc.strerror or exc})") from None
        self._size = os.fstat(self._fd).st_size

    def append(self, record: Mapping[str, Any]) -> None:
        line = dumps_line(record)
        try:
            written = os.write(self._fd, line)
        except OSError as exc:
            self._rollback()
            raise InputError(f"{self.path}: write failed ({exc.strerror or exc})") from None
        if written != len(line):  # disk full: a short write must not stay as a torn line
            self._rollback()
            raise InputError(f"{self.path}: short write ({written} of {len(line)} bytes; disk full?)")
        os.fsync(self._fd)
        self._size += written

    def _rollback(self) -> None:
        try:
            os.ftruncate(self._fd, self._size)
        except OSError:
            pass

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


@dataclass(frozen=True)
class JournalState:
    """What earlier runs finished: ids to skip and de-duplication keys already taken."""

    done_ids: frozenset[str]
    keys: frozenset[str]
    records: int


class Journal:
    """The digest output: locked, resumable, exactly one line per finished item.

    Use as a context manager: ``with Journal.open(path) as journal: ...``.
    """

    def __init__(self, output: Path) -> None:
        self.output = output
        self.errors_path = errors_path_for(output)
        self.lock_path = lock_path_for(output)
        self._lock_fd = -1
        self._out: _AppendOnly | None = None
        self._errors: _AppendOnly | None = None
        self.state = JournalState(frozenset(), frozenset(), 0)

    @classmethod
    def open(cls, output: Path) -> "Journal":
        journal = cls(output)
        journal._acquire()
        try:
            journal._out = _AppendOnly(output)
            journal.state = journal._load()
        except BaseException:
            journal.close()
            raise
        return journal

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _acquire(self) -> None:
        parent = self.output.parent
        if not parent.is_dir():
            raise InputError(f"{self.output}: directory {parent} does not exist")
        if self.output.is_dir():
            raise InputError(f"{self.output}: is a directory; -o takes a file name")
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise InputError(f"{self.lock_path}: cannot create lock file ({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InputError(
                f"{self.output}: another tarjama digest is writing it (lock held on "
                f"{self.lock_path}); wait for it to finish"
            ) from None
        self._lock_fd = fd

    def _load(self) -> JournalState:
        done: set[str] = set()
        keys: set[str] = set()
        count = 0
        for record in read_records(self.output):
            ident = record.get("id")
            if not isinstance(ident, str):
                continue
            count += 1
            done.add(ident)
            keys.update(record_keys(record))
        return JournalState(frozenset(done), frozenset(keys), count)

    def append(self, record: Mapping[str, Any]) -> None:
        assert self._out is not None, "journal is closed"
        self._out.append(record)

    def append_error(self, record: Mapping[str, Any]) -> None:
        if self._errors is None:
            self._errors = _AppendOnly(self.errors_path)
        self._errors.append(record)

    def close(self) -> None:
        for handle in (self._out, self._errors):
            if handle is not None:
                handle.close()
        self._out = self._errors = None
        if self._lock_fd >= 0:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = -1


def record_keys(record: Mapping[str, Any]) -> list[str]:
    """The de-duplication keys a finished record holds (see nlp.digest)."""
    keys = [f"id:{record['id']}"] if isinstance(record.get("id"), str) else []
    dedupe = record.get("dedupe")
    if isinstance(dedupe, Mapping):
        for kind in ("guid", "url", "sha256"):
            value = dedupe.get(kind)
            if isinstance(value, str) and value:
                keys.append(f"{kind}:{value}")
    return keys


# --- content-hash cache ----------------------------------------------------------------------


def cache_key(kind: str, identity: Mapping[str, Any] | str, text: str) -> str:
    """sha256 over what decides a result: the kind of work, the model and settings, the text."""
    ident = identity if isinstance(identity, str) else json.dumps(identity, sort_keys=True, default=str)
    payload = json.dumps([kind, ident, text], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ContentCache:
    """Results of summaries and translations, keyed by :func:`cache_key`, in SQLite.

    SQLite gives crash safety for free (a killed run loses at most its open transaction); the
    cache is only an optimization, so a damaged file is set aside and the run goes on without
    it.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.hits = 0
        self.misses = 0
        self._db: sqlite3.Connection | None = None
        if path is None:
            return
        try:
            self._db = sqlite3.connect(str(path), isolation_level="DEFERRED")
            self._db.execute("CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            log.warning("%s: cache unusable (%s); running without it", path, exc)
            self._db = None

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self._db is not None and keys:
            unique = list(dict.fromkeys(keys))
            try:
                for start in range(0, len(unique), 500):
                    chunk = unique[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    for key, value in self._db.execute(
                        f"SELECT key, value FROM cache WHERE key IN ({marks})", chunk
                    ):
                        found[key] = json.loads(value)
            except (sqlite3.DatabaseError, ValueError) as exc:
                self._disable(exc)
                found = {}
        self.hits += sum(1 for k in keys if k in found)
        self.misses += sum(1 for k in keys if k not in found)
        return found

    def put_many(self, entries: Mapping[str, Any]) -> None:
        if self._db is None or not entries:
            return
        try:
            self._db.executemany(
                "INSERT OR REPLACE INTO cache (key, value) VALUES (?, ?)",
                [(k, json.dumps(v, ensure_ascii=False)) for k, v in entries.items()],
            )
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            self._disable(exc)

    def _disable(self, exc: Exception) -> None:
        log.warning("%s: cache failed (%s); going on without it", self.path, exc)
        self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
