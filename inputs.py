"""Reading what the user gives: strict UTF-8, the byte offset of any fault, one-line errors.

Articles can be large (tens of MB), so article input is decoded incrementally and handed on one
line at a time: memory stays bounded by the longest line, not by the file. Input is checked in
full before any line is handed on, so a bad byte near the end fails the run before it prints
anything.

Evaluation line files are read whole, the way sacrebleu's own CLI reads them (split on "\\n"
only, trailing whitespace dropped), so a score computed here and one computed by ``sacrebleu``
on the same files see the same strings.
"""

from __future__ import annotations

import codecs
import io
import json
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Sequence

from tarjama.errors import DataError, InputError
from tarjama.nlp.document import Line

_CHUNK = 1 << 20
_BOM = b"\xef\xbb\xbf"
# stdin is spooled so it can be checked and then read again; small inputs stay in memory.
_SPOOL_IN_MEMORY = 8 << 20


def display_name(source: str) -> str:
    return "<stdin>" if source == "-" else source


@dataclass
class TextSource:
    name: str
    stream: BinaryIO
    lines: int

    def __iter__(self) -> Iterator[Line]:
        return iter_lines(self.stream)


@contextmanager
def open_text_source(source: str) -> Iterator[TextSource]:
    """Open a path or '-' (stdin), check it is non-empty UTF-8 text, and yield it rewound."""
    name = display_name(source)
    if source == "-":
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
            shutil.copyfileobj(sys.stdin.buffer, spool)
            spool.seek(0)
            lines = check_utf8(spool, name)  # type: ignore[arg-type]
            spool.seek(0)
            yield TextSource(name, spool, lines)  # type: ignore[arg-type]
        return
    path = Path(source)
    if not path.exists():
        raise InputError(f"{source}: no such file")
    if path.is_dir():
        raise InputError(f"{source}: is a directory, not a text file")
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise InputError(f"{source}: cannot open ({exc.strerror or exc})") from None
    with stream:
        lines = check_utf8(stream, name)
        stream.seek(0)
        yield TextSource(name, stream, lines)


@contextmanager
def text_source_from_string(name: str, text: str) -> Iterator[TextSource]:
    """A TextSource over text already in memory (an article extracted from a web page)."""
    stream = io.BytesIO(text.encode("utf-8"))
    lines = check_utf8(stream, name)
    stream.seek(0)
    yield TextSource(name, stream, lines)


def check_utf8(stream: BinaryIO, name: str) -> int:
    """Raise InputError naming the byte (and line) of the first fault: NUL, bad UTF-8, or no text.

    Returns the number of lines, for progress reporting.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    consumed = 0
    lines_before = 0
    has_text = False
    last = b""
    while True:
        chunk = stream.read(_CHUNK)
        final = not chunk
        nul = chunk.find(b"\x00")
        if nul >= 0:
            line = lines_before + chunk.count(b"\n", 0, nul) + 1
            raise InputError(
                f"{name}: looks like a binary file (NUL byte at byte {consumed + nul}, "
                f"line {line}); expected UTF-8 text"
            )
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            # exc.object is the decoder's carried-over bytes followed by this chunk.
            carried = len(exc.object) - len(chunk)
            offset = consumed - carried + exc.start
            line = lines_before + chunk.count(b"\n", 0, max(0, exc.start - carried)) + 1
            bad = exc.object[exc.start : exc.end].hex(" ")
            raise InputError(
                f"{name}: invalid UTF-8 at byte {offset} (line {line}: bytes {bad}); "
                "convert the file to UTF-8 first"
            ) from None
        has_text = has_text or bool(text.strip().lstrip("\ufeff"))
        lines_before += chunk.count(b"\n")
        consumed += len(chunk)
        last = chunk[-1:] or last
        if final:
            break
    if not has_text:
        raise InputError(f"{name}: is empty (no text to process)")
    return lines_before + (last != b"\n")


def iter_lines(stream: BinaryIO) -> Iterator[Line]:
    """Yield the lines of a stream already checked by check_utf8 (a leading BOM is dropped)."""
    offset = 0
    for number, raw in enumerate(stream, start=1):
        size = len(raw)
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
            offset += len(_BOM)
            size -= len(_BOM)
        if raw.endswith(b"\n"):
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
        yield Line(number, offset, raw.decode("utf-8"))
        offset += size


# --- evaluation line files ------------------------------------------------------------------


def read_bytes(path: Path, *, role: str = "file") -> bytes:
    """The raw bytes of ``path``; missing files, folders and unreadable files are InputErrors."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{role} {path} does not exist")
    if path.is_dir():
        raise InputError(f"{role} {path} is a directory, not a text file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {role} {path}: {exc.strerror or exc}") from None


def decode_utf8(data: bytes, *, name: str) -> str:
    """Strict UTF-8 decoding whose error names the byte offset and line of the bad byte."""
    nul = data.find(b"\x00")
    if nul >= 0:
        # A NUL never occurs in text; decoding would "succeed" and produce garbage scores.
        line = data.count(b"\n", 0, nul) + 1
        raise InputError(f"{name} looks binary (NUL byte at byte offset {nul}, line {line}); "
                         "expected UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.start + 1].hex()
        raise InputError(f"{name} is not valid UTF-8: byte 0x{bad} at byte offset {exc.start} "
                         f"(line {line}); re-encode it as UTF-8") from None


def read_text(path: Path, *, role: str = "file") -> str:
    path = Path(path)
    return decode_utf8(read_bytes(path, role=role), name=f"{role} {path}")


def split_lines(text: str) -> list[str]:
    """Split like iterating a file opened with ``newline="\\n"`` (what sacrebleu's CLI does).

    ``str.splitlines`` would also break on U+2028, U+0085, form feeds, ... and so disagree with
    sacrebleu about how many lines a file has.
    """
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.rstrip() for line in lines]


def read_lines(path: Path, *, role: str = "file", allow_empty: bool = False) -> list[str]:
    """The file's lines without trailing whitespace (incl. "\\r"), as sacrebleu's CLI reads them."""
    path = Path(path)
    text = read_text(path, role=role)
    lines = split_lines(text)
    if not lines and not allow_empty:
        raise InputError(f"{role} {path} is empty")
    return lines


def check_same_length(named: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Raise a DataError naming both files and counts when parallel inputs differ in length."""
    if not named:
        return
    first_name, first = named[0]
    for other_name, other in named[1:]:
        if len(other) != len(first):
            raise DataError(f"line-count mismatch: {first_name} has {len(first)} lines but "
                            f"{other_name} has {len(other)} lines")


def read_json(path: Path, *, role: str = "file") -> Any:
    text = read_text(path, role=role)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{role} {path} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
