"""Reading and writing the line files evaluation works on.

Lines are read the way sacrebleu's own CLI reads them (split on "\\n" only, trailing whitespace
dropped), so a score computed here and one computed by ``sacrebleu`` on the same files see the
same strings. Every problem a user can cause becomes a one-line :class:`InputError` or
:class:`DataError` that names the file and, where it helps, the line and byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Sequence

from tarjama.nlp.errors import DataError, InputError
from tarjama.nlp.textio import atomic_write_text

__all__ = [
    "atomic_write_text",
    "check_same_length",
    "decode_utf8",
    "read_bytes",
    "read_lines",
    "read_text",
    "write_lines",
]


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


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """One segment per line; newlines inside a segment become spaces, so counts stay aligned."""
    body = "".join(" ".join(line.split("\n")) + "\n" for line in lines)
    atomic_write_text(path, body)


def write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


def read_json(path: Path, *, role: str = "file") -> Any:
    text = read_text(path, role=role)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{role} {path} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
