"""Reading what the user gives: strict UTF-8, the byte offset of any fault, one-line errors.

Articles can be large (tens of MB), so article input is decoded incrementally and handed on one
line at a time: memory stays bounded by the longest line, not by the file. Input is checked in
full before any line is handed on, so a bad byte near the end fails the run before it prints
anything. Streams that cannot be read twice (stdin, a FIFO, ``<(curl ...)``) are spooled first.
UTF-16 and UTF-32 text with a byte-order mark is decoded (and said so on stderr); a UTF-8
byte-order mark is dropped.

Evaluation line files are read whole, the way sacrebleu's own CLI reads them (split on "\\n"
only, trailing whitespace dropped), so a score computed here and one computed by ``sacrebleu``
on the same files see the same strings.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import os
import shutil
import stat
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Sequence

from tarjama.errors import DataError, InputError
from tarjama.nlp.document import Line

log = logging.getLogger("tarjama")

_CHUNK = 1 << 20
_BOM = b"\xef\xbb\xbf"
# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
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
    """Open a path or '-' (stdin), check it is non-empty UTF-8 text, and yield it rewound.

    A FIFO or character device (process substitution, /dev/stdin) is read once into a spool,
    as stdin is; UTF-16/32 with a byte-order mark is decoded to UTF-8 first.
    """
    name = display_name(source)
    if source == "-":
        if sys.stdin is None:
            raise InputError("<stdin>: standard input is closed; give a file name or pipe the text in")
        try:
            stdin = sys.stdin.buffer
        except (AttributeError, ValueError):
            raise InputError("<stdin>: standard input cannot be read; give a file name") from None
        with _spooled(stdin, name) as spool, _checked(spool, name) as text:
            yield text
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
        if stat.S_ISREG(os.fstat(stream.fileno()).st_mode) and stream.seekable():
            with _checked(stream, name) as text:
                yield text
            return
        with _spooled(stream, name) as spool, _checked(spool, name) as text:
            yield text


@contextmanager
def _spooled(stream: BinaryIO, name: str) -> Iterator[BinaryIO]:
    """A stream that can be read only once, copied where it can be read again."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
        try:
            shutil.copyfileobj(stream, spool)
        except OSError as exc:
            raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
        spool.seek(0)
        yield spool  # type: ignore[misc]


@contextmanager
def _checked(stream: BinaryIO, name: str) -> Iterator[TextSource]:
    """`stream` (seekable) as a checked TextSource, decoded to UTF-8 when it is UTF-16/32."""
    encoding = wide_encoding(stream.read(4))
    stream.seek(0)
    if encoding is None:
        lines = check_utf8(stream, name)
        stream.seek(0)
        yield TextSource(name, stream, lines)
        return
    with _transcoded(stream, encoding, name) as utf8:
        log.warning("%s: read as %s (it has a byte-order mark); output is UTF-8", name,
                    encoding.upper())
        lines = check_utf8(utf8, name)
        utf8.seek(0)
        yield TextSource(name, utf8, lines)


def wide_encoding(head: bytes) -> str | None:
    """"utf-16" or "utf-32" when `head` starts with that byte-order mark, else None."""
    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            return encoding
    return None


@contextmanager
def _transcoded(stream: BinaryIO, encoding: str, name: str) -> Iterator[BinaryIO]:
    """UTF-16/32 text re-encoded as UTF-8 in a spool; the byte-order mark is consumed."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as out:
        consumed = 0
        while True:
            chunk = stream.read(_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                carried = len(exc.object) - len(chunk)
                raise InputError(f"{name}: invalid {encoding.upper()} at byte "
                                 f"{max(0, consumed - carried + exc.start)}; convert the file to "
                                 "UTF-8 first") from None
            out.write(text.encode("utf-8"))
            consumed += len(chunk)
            if not chunk:
                break
        out.seek(0)
        yield out  # type: ignore[misc]


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
    """Strict UTF-8 decoding whose error names the byte offset and line of the bad byte.

    A UTF-8 byte-order mark is dropped with a warning (kept, it would be scored as part of the
    first line, as sacrebleu's own CLI does); UTF-16/32 with a byte-order mark is decoded.
    """
    encoding = wide_encoding(data[:4])
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise InputError(f"{name} is not valid {encoding.upper()} (byte offset {exc.start}); "
                             "re-encode it as UTF-8") from None
        log.warning("%s: read as %s (it has a byte-order mark)", name, encoding.upper())
        if "\x00" in text:
            raise InputError(f"{name} looks binary (NUL character); expected text")
        return text
    skip = 0
    if data.startswith(_BOM):
        skip = len(_BOM)
        log.warning("%s starts with a UTF-8 byte-order mark; it was ignored (sacrebleu's own CLI "
                    "would score it as part of the first line)", name)
    nul = data.find(b"\x00")
    if nul >= 0:
        # A NUL never occurs in text; decoding would "succeed" and produce garbage scores.
        line = data.count(b"\n", 0, nul) + 1
        raise InputError(f"{name} looks binary (NUL byte at byte offset {nul}, line {line}); "
                         "expected UTF-8 text")
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start + skip
        line = data.count(b"\n", 0, start) + 1
        bad = data[start:start + 1].hex()
        raise InputError(f"{name} is not valid UTF-8: byte 0x{bad} at byte offset {start} "
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
