"""The digest's output: append-only JSONL that survives kill -9, one line per finished item.

Exactly once, nothing lost:

* every record is one complete line written by tarjama.outputs.AppendOnlyJSONL (one
  ``os.write`` on an ``O_APPEND`` file, then ``fsync``); a line torn by a crash of the machine
  itself is repaired when the journal is opened again;
* a run reads the ids already in the output and skips them, so a rerun finishes the rest;
* an exclusive ``flock`` on a sibling ``.lock`` file keeps two runs from writing one output
  (the lock goes away with the process, even on kill -9).

Failed items go to a sibling errors file with the same guarantees, so the output holds every
finished item exactly once and a rerun retries what failed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from tarjama.errors import OutputError
from tarjama.outputs import AppendOnlyJSONL, jsonl_lines, lock_exclusive, output_failed, unlock

__all__ = ["Journal", "JournalState", "MemoryJournal", "cache_path_for", "errors_path_for",
           "check_ours", "lock_path_for", "read_records", "record_keys"]

# What every line of a digest output (and of its errors file) has; a file whose lines lack
# them is someone else's and is never appended to or repaired.
RECORD_KEYS = ("id", "dedupe", "digested_at")
ERROR_KEYS = ("stage", "error", "at")

log = logging.getLogger("tarjama")


def lock_path_for(output: Path) -> Path:
    return output.with_name(output.name + ".lock")


def errors_path_for(output: Path) -> Path:
    return output.with_name(_stem(output) + ".errors.jsonl")


def cache_path_for(output: Path) -> Path:
    return output.with_name(_stem(output) + ".cache.sqlite")


def _stem(output: Path) -> str:
    return output.name[: -len(output.suffix)] if output.suffix else output.name


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The complete records of a JSONL journal; a torn or corrupt line is skipped, with a warning."""
    for number, raw, terminated in jsonl_lines(path):
        try:
            record = json.loads(raw)
        except ValueError:
            if not terminated:
                log.warning("%s: ignoring a partial last line (%d bytes) left by an interrupted "
                            "run", path, len(raw))
                break
            log.warning("%s, line %d: not valid JSON; ignored", path, number)
            continue
        if isinstance(record, dict):
            yield record


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
        self._out: AppendOnlyJSONL | None = None
        self._errors: AppendOnlyJSONL | None = None
        self.state = JournalState(frozenset(), frozenset(), 0)

    @classmethod
    def open(cls, output: Path) -> "Journal":
        journal = cls(output)
        journal._check_target()
        journal._acquire()
        try:
            journal._out = AppendOnlyJSONL(output)
            journal.state = journal._load()
        except BaseException:
            journal.close()
            raise
        return journal

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_target(self) -> None:
        parent = self.output.parent
        if not parent.is_dir():
            raise OutputError(f"{self.output}: directory {parent} does not exist")
        if self.output.is_dir():
            raise OutputError(f"{self.output}: is a directory; -o takes a file name")
        # Before the lock is created: a file refused here gets no .lock beside it.
        ours = self.lock_path.exists()
        check_ours(self.output, RECORD_KEYS, "digest", lock_seen=ours)
        check_ours(self.errors_path, ERROR_KEYS, "digest error", lock_seen=ours)

    def _acquire(self) -> None:
        self._lock_fd = lock_exclusive(
            self.lock_path, f"{self.output}: another tarjama digest is writing it (lock held on "
                            f"{self.lock_path}); wait for it to finish")

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
            self._errors = AppendOnlyJSONL(self.errors_path)
        self._errors.append(record)

    def close(self) -> None:
        for handle in (self._out, self._errors):
            if handle is not None:
                handle.close()
        self._out = self._errors = None
        if self._lock_fd >= 0:
            unlock(self._lock_fd)
            self._lock_fd = -1


def check_ours(path: Path, keys: tuple[str, ...], what: str, *, lock_seen: bool) -> None:
    """Refuse a file to append to unless it is new, empty, or every line is a `what` record
    (a JSON object with all of `keys`).

    With the lock file of an earlier run beside it, the file is a digest's output: any JSON
    object is taken as a record, and a line that is not JSON is corruption to skip (as
    read_records does) or the tail a crash tore (repaired when the file is opened). Anything
    else (a text file, someone's JSONL) is the user's and is never appended to or cut. Devices
    and FIFOs are refused too: the output is read back on every run to resume.
    """
    if path.exists() and not path.is_file():
        raise OutputError(f"{path}: not a regular file; a digest's output is read back on every "
                          "run to resume, so it must be a file")
    try:
        for number, raw, terminated in jsonl_lines(path):
            try:
                record = json.loads(raw)
            except ValueError:  # UnicodeDecodeError included
                if lock_seen or (not terminated and raw.startswith(b'{"id":')):
                    continue
                record = None
            if not (isinstance(record, dict) and (lock_seen or all(k in record for k in keys))):
                raise OutputError(
                    f"{path}: line {number} is not a {what} record; -o must name a digest's own "
                    "JSONL output, a new file or an empty one (refusing to append to this file)")
    except OSError as exc:
        raise output_failed(path, exc, "cannot read") from None


class MemoryJournal:
    """A journal that keeps a run's records in memory, for callers that write them themselves
    (tarjama.batch writes a whole shard at once); it starts empty, so nothing is skipped."""

    def __init__(self) -> None:
        self.state = JournalState(frozenset(), frozenset(), 0)
        self.records: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []

    def append(self, record: Mapping[str, Any]) -> None:
        self.records.append(dict(record))

    def append_error(self, record: Mapping[str, Any]) -> None:
        self.errors.append(dict(record))


def record_keys(record: Mapping[str, Any]) -> list[str]:
    """The de-duplication keys a finished record holds (see news.digest)."""
    keys = [f"id:{record['id']}"] if isinstance(record.get("id"), str) else []
    dedupe = record.get("dedupe")
    if isinstance(dedupe, Mapping):
        for kind in ("guid", "url", "sha256"):
            value = dedupe.get(kind)
            if isinstance(value, str) and value:
                keys.append(f"{kind}:{value}")
    return keys
