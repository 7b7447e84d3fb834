"""Writing results so that a failed run never leaves half a file and a finished record is never
lost: whole files replaced atomically, and append-only JSONL that survives kill -9.

* :func:`atomic_file` writes into a hidden temporary beside the target and renames it over the
  target only when the block finishes; the temporary is opened plainly (not with mkstemp, which
  makes files 0600), so the user's umask applies as with any other tool.
* :class:`AppendOnlyJSONL` hands every batch of records to the kernel as whole lines in one
  ``os.write`` on a file opened with ``O_APPEND``, then ``fsync``-s it; a killed process leaves
  whole lines only. A line torn by a crash of the machine itself is repaired when the file is
  opened again (:func:`recover_torn_tail`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Mapping, Sequence, TextIO

from tarjama.errors import InputError

__all__ = ["AppendOnlyJSONL", "atomic_file", "atomic_write_text", "dumps_line", "jsonl_lines",
           "output_stream", "recover_torn_tail", "write_json", "write_lines"]

log = logging.getLogger("tarjama")


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")


@contextmanager
def atomic_file(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A handle whose content replaces `path` when the block ends without an exception."""
    path = Path(path)
    tmp = _temporary(path)
    try:
        if binary:
            handle: IO[Any] = open(tmp, "xb")
        else:
            handle = open(tmp, "x", encoding="utf-8", newline="\n")
        with handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write a whole text file atomically, creating its folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as handle:
        handle.write(text)


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """One segment per line; newlines inside a segment become spaces, so counts stay aligned."""
    atomic_write_text(path, "".join(" ".join(line.split("\n")) + "\n" for line in lines))


def write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


@contextmanager
def output_stream(path: Path | None) -> Iterator[TextIO]:
    """stdout, or a file written atomically: a failed run never leaves a partial file behind."""
    if path is None or str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    if path.is_dir():
        raise InputError(f"{path}: is a directory; -o takes a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{path}: directory {parent} does not exist")
    with atomic_file(path) as handle:
        yield handle


# --- append-only JSONL -----------------------------------------------------------------------


def dumps_line(record: Mapping[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    # Raw U+2028/2029 are legal in JSON but split "lines" for some readers (JavaScript, str.splitlines).
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (text + "\n").encode("utf-8")


def jsonl_lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, raw line without its newline, whether the newline was there) for every
    non-blank line; nothing for a missing file."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        for number, raw in enumerate(handle, start=1):
            terminated = raw.endswith(b"\n")
            if raw.strip():
                yield number, raw.rstrip(b"\r\n"), terminated


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:  # UnicodeDecodeError included
        return False
    return True


def recover_torn_tail(path: Path) -> int:
    """Repair the last line if a crash left it without its newline; returns the bytes removed.

    A complete JSON value that only lost its newline gets it back (removing it would lose a
    record); anything else is a write torn in the middle and is cut off. Only safe while no
    other process appends (hold the output's lock).
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
        pos, keep = size, 0
        while pos > 0:
            start = max(0, pos - (64 << 10))
            handle.seek(start)
            block = handle.read(pos - start)
            found = block.rfind(b"\n")
            if found >= 0:
                keep = start + found + 1
                break
            pos = start
        handle.seek(keep)
        if _is_json(handle.read(size - keep)):
            handle.seek(size)
            handle.write(b"\n")
            removed = 0
        else:
            handle.truncate(keep)
            removed = size - keep
        handle.flush()
        os.fsync(handle.fileno())
    return removed


class AppendOnlyJSONL:
    """A JSONL file written whole lines per os.write, O_APPEND, fsync after each call."""

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
        self.append_many([record])

    def append_many(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        data = b"".join(dumps_line(r) for r in records)
        try:
            written = os.write(self._fd, data)
        except OSError as exc:
            self._rollback()
            raise InputError(f"{self.path}: write failed ({exc.strerror or exc})") from None
        if written != len(data):  # disk full: a short write must not stay as a torn line
            self._rollback()
            raise InputError(f"{self.path}: short write ({written} of {len(data)} bytes; disk full?)")
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

    def __enter__(self) -> "AppendOnlyJSONL":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
