"""Reading user text: strict UTF-8, the byte offset of any fault, streamed line by line.

Articles can be large (tens of MB), so input is decoded incrementally and handed on one line at
a time: memory stays bounded by the longest line, not by the file. Input is checked in full
before any line is handed on, so a bad byte near the end fails the run before it prints anything.
"""

from __future__ import annotations

import codecs
import io
import os
import secrets
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from tarjama.nlp.errors import InputError

_CHUNK = 1 << 20
_BOM = b"\xef\xbb\xbf"
# stdin is spooled so it can be checked and then read again; small inputs stay in memory.
_SPOOL_IN_MEMORY = 8 << 20


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1-based
    byte_offset: int  # of the line's first byte in the input
    text: str  # without its line terminator (\n or \r\n)


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


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A plain exclusive open (not mkstemp, which makes files 0600) so the umask applies.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
