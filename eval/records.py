"""Records of the summarization benchmarks, read in the exact formats their publishers ship:
JSON Lines (one object a line), JSON Lines inside the official ``.tar.bz2`` archive, or the
Parquet conversion the Hugging Face hub serves (``pip install 'tarjama[parquet]'``).

Nothing is renamed on the way: XL-Sum's records keep ``id, url, title, summary, text``,
CrossSum's ``source_url, target_url, summary, text``, CNN/DailyMail's ``id, article,
highlights``; :func:`read_records` returns them as dicts and :func:`record_field` checks each field
a set needs, naming the file and record of anything missing or mistyped.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

from tarjama.errors import DataError
from tarjama.inputs import decode_utf8, read_bytes

__all__ = ["json_objects", "read_records", "record_field"]

_ARCHIVES = (".tar.bz2", ".tar.gz", ".tgz", ".tar")


def json_objects(text: str, where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of JSON Lines text; anything else is a
    DataError naming ``where`` and the line."""
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where} line {lineno}: invalid JSON ({exc.msg} at column "
                            f"{exc.colno})") from None
        if not isinstance(rec, dict):
            raise DataError(f"{where} line {lineno}: expected a JSON object, got "
                            f"{type(rec).__name__}")
        yield lineno, rec


def _jsonl(data: bytes, where: str) -> list[dict[str, Any]]:
    return [rec for _, rec in json_objects(decode_utf8(data, name=where), where)]


def _member(path: Path, member: str) -> bytes:
    """The bytes of the archive member whose file name is ``member`` (at any depth: the XL-Sum
    archives hold ``./arabic_test.jsonl``, CrossSum's a folder of pairs)."""
    try:
        with tarfile.open(path, "r:*") as tar:
            for info in tar:
                if info.isfile() and Path(info.name).name == member:
                    handle = tar.extractfile(info)
                    assert handle is not None
                    return handle.read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DataError(f"{path}: not a readable archive ({exc})") from None
    raise DataError(f"{path}: the archive holds no {member}")


def _parquet(path: Path) -> list[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(f"{path}: reading Parquet needs pyarrow (pip install 'tarjama[parquet]'), "
                        "or give the JSONL form of the set") from None
    try:
        rows = pq.read_table(path).to_pylist()
    except Exception as exc:  # pyarrow raises its own error types for damaged files
        raise DataError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    return [dict(r) for r in rows]


def read_records(path: Path, member: Optional[str] = None) -> list[dict[str, Any]]:
    """All records of a ``.jsonl``, ``.parquet``, or ``member`` of a ``.tar.bz2`` archive."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith(".parquet"):
        return _parquet(path)
    if name.endswith(_ARCHIVES):
        if member is None:
            raise DataError(f"{path}: an archive, and no member to read was named")
        return _jsonl(_member(path, member), f"{path}:{member}")
    if name.endswith((".jsonl", ".json")):
        return _jsonl(read_bytes(path, role="dataset file"), f"dataset file {path}")
    raise DataError(f"{path}: expected .jsonl, .parquet or a .tar.bz2 archive")


def record_field(rec: Mapping[str, Any], key: str, where: str) -> str:
    """A required string field of a record."""
    val = rec.get(key)
    if val is None:
        raise DataError(f"{where}: missing '{key}' (fields: {', '.join(sorted(rec)) or 'none'})")
    if not isinstance(val, str):
        raise DataError(f"{where}: '{key}' must be a string, not {type(val).__name__}")
    return val

