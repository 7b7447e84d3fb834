"""The output folder of a batch job, and how a shard gets into it exactly once.

Layout (names starting with "_" or "." are skipped by Parquet and JSONL dataset readers)::

    out/
      _manifest.json               configuration, and one entry per run (tarjama.batch.job)
      part-RRRR-SSSSS.jsonl        records of shard SSSSS of run RRRR (or .parquet)
      _errors/part-RRRR-SSSSS.jsonl  the failures of that shard: id, stage, reason
      .lock                        (local outputs) one run at a time

A shard is the unit of work and of writing: its articles are fixed by the run's plan before any
processing starts, it is written whole with one atomic write (storage.Storage.write_atomic),
and its name is the same however often it is written. The shards in the folder are therefore
the exact record of what is finished (:func:`finished_ids`), read before every run; a retry of
a shard (Ray re-running a task whose worker died) replaces a file with the same articles. A
write is only made while its run is the folder's latest (:func:`commit`), so the workers of a
killed driver cannot add a shard after a rerun has read the folder.
"""

from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from tarjama.batch.storage import Storage
from tarjama.errors import DataError
from tarjama.outputs import dumps_line

__all__ = ["ERRORS_DIR", "FORMATS", "MANIFEST", "ShardResult", "commit", "decode_records",
           "encode_records", "finished_ids", "latest_run", "run_prefix", "shard_name", "shard_names"]

log = logging.getLogger("tarjama")

FORMATS = ("jsonl", "parquet")
MANIFEST = "_manifest.json"
ERRORS_DIR = "_errors"
_SHARD = re.compile(r"^part-(\d{4,})-(\d{5,})\.(jsonl|parquet)$")


def run_prefix(run: int) -> str:
    return f"part-{run:04d}-"


def shard_name(run: int, index: int) -> str:
    return f"{run_prefix(run)}{index:05d}"


@dataclass
class ShardResult:
    """One processed shard: its records and failures, what it cost, the models it used."""

    name: str
    run: int
    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    load_seconds: float = 0.0  # model loading this worker did before this shard (first one)
    models: dict[str, Any] = field(default_factory=dict)

    def summary(self, written: bool) -> dict[str, Any]:
        """What the driver needs back (not the records): counts, ids, timings."""
        return {"shard": self.name, "run": self.run, "written": written,
                "done": len(self.records), "failed": len(self.errors),
                "ids": [r["id"] for r in self.records], "seconds": round(self.seconds, 3),
                "load_seconds": round(self.load_seconds, 3), "models": self.models}


# --- encoding --------------------------------------------------------------------------------

# Parquet columns per task, typed once so that every shard of a folder has the same schema;
# nested values (paragraphs, models, timings) are stored as JSON text. A record field not
# listed here (a newer version's, a backend's own provenance) goes to the JSON column
# "extra", so a Parquet shard always holds all of the record.
_PARQUET_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "translate": (("id", "string"), ("source", "string"), ("url", "string"), ("title", "string"),
                  ("published", "string"), ("tarjama_version", "string"),
                  ("source_lang", "string"), ("target_lang", "string"), ("model", "json"),
                  ("decoding", "json"), ("paragraphs", "json"), ("checks", "json"),
                  ("boilerplate", "json"), ("stats", "json"), ("translation", "string"),
                  ("warnings", "list"), ("timings", "json")),
    "digest": (("id", "string"), ("source", "string"), ("feed", "string"), ("url", "string"),
               ("published", "string"), ("language", "string"), ("title", "string"),
               ("title_en", "string"), ("summary", "string"), ("summary_en", "string"),
               ("summary_en_sentences", "json"), ("method", "string"), ("models", "json"),
               ("timings", "json"), ("warnings", "list"), ("checks", "json"),
               ("dedupe", "json"), ("digested_at", "string")),
}
_EXTRA = "extra"


def encode_records(records: Sequence[Mapping[str, Any]], fmt: str, task: str) -> bytes:
    if fmt == "jsonl":
        return b"".join(dumps_line(r) for r in records)
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = (*_PARQUET_COLUMNS[task], (_EXTRA, "json"))
    known = {name for name, _ in columns}
    records = [{**r, _EXTRA: {k: v for k, v in r.items() if k not in known} or None}
               for r in records]
    types = {"string": pa.string(), "json": pa.string(), "list": pa.list_(pa.string())}
    data = {}
    for name, kind in columns:
        values = [r.get(name) for r in records]
        if kind == "json":
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
        data[name] = pa.array(values, type=types[kind])
    table = pa.table(data, schema=pa.schema([(n, types[k]) for n, k in columns]))
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def decode_records(data: bytes, fmt: str, task: str) -> list[dict[str, Any]]:
    """The records of a shard, as encode_records got them (JSON columns parsed back)."""
    if fmt == "jsonl":
        return [json.loads(line) for line in data.splitlines() if line.strip()]
    import pyarrow.parquet as pq

    kinds = {**dict(_PARQUET_COLUMNS[task]), _EXTRA: "json"}
    out = []
    for row in pq.read_table(io.BytesIO(data)).to_pylist():
        record = {k: json.loads(v) if kinds.get(k) == "json" and v is not None else v
                  for k, v in row.items()}
        extra = record.pop(_EXTRA, None) or {}
        out.append({**record, **extra})
    return out


# --- the folder ------------------------------------------------------------------------------


def shard_names(storage: Storage, fmt: str) -> list[str]:
    """The committed shards, in (run, index) order."""
    found = [(int(m.group(1)), int(m.group(2)), name) for name in storage.list_files(recursive=False)
             if (m := _SHARD.match(name)) and m.group(3) == fmt]
    return [name for _, _, name in sorted(found)]


def _ids(storage: Storage, name: str, fmt: str) -> list[str]:
    data = storage.read_bytes(name)
    if fmt == "jsonl":
        try:
            return [json.loads(line)["id"] for line in data.splitlines() if line.strip()]
        except (ValueError, KeyError, TypeError):
            raise DataError(f"{storage.uri(name)}: not a shard this tool wrote (a line is not "
                            "a JSON record with an id); move it out of the output folder") from None
    import pyarrow.parquet as pq

    return [str(v) for v in pq.read_table(io.BytesIO(data), columns=["id"]).column("id").to_pylist()]


def finished_ids(storage: Storage, fmt: str, task: str, names: Iterable[str] | None = None
                 ) -> dict[str, str]:
    """id -> shard of every record in the folder's shards (or in `names`).

    Two shards holding one id can only come from a write the fence of :func:`commit` could
    not stop (a zombie worker's rename landing in the instant between its check and a new
    run's listing); the later shard is rewritten without it, so the folder is exactly once
    again before anything else reads it.
    """
    owner: dict[str, str] = {}
    for name in shard_names(storage, fmt) if names is None else names:
        ids = _ids(storage, name, fmt)
        repeated = {i for i in ids if i in owner}
        if repeated:
            _drop(storage, name, fmt, task, repeated)
            log.warning("%s: removed %d record(s) another shard already holds", storage.uri(name),
                        len(repeated))
        for ident in ids:
            owner.setdefault(ident, name)
    return owner


def _drop(storage: Storage, name: str, fmt: str, task: str, ids: set[str]) -> None:
    kept = [r for r in decode_records(storage.read_bytes(name), fmt, task) if r["id"] not in ids]
    if kept:
        storage.write_atomic(name, encode_records(kept, fmt, task))
    else:
        storage.delete(name)


def latest_run(storage: Storage) -> int | None:
    """The number of the folder's latest run, as its manifest says."""
    data = storage.read_if_exists(MANIFEST)
    if data is None:
        return None
    try:
        return len(json.loads(data)["runs"]) - 1
    except (ValueError, KeyError, TypeError):
        return None


def commit(storage: Storage, result: ShardResult, fmt: str, task: str) -> dict[str, Any]:
    """Write one shard (records, then its failures) if its run is still the latest; returns
    ShardResult.summary. Idempotent: writing the same shard again replaces it."""
    if latest_run(storage) != result.run:
        # A newer run has started (this worker outlived its driver): that run has planned
        # these articles again, and writing them here would give them twice.
        log.warning("%s: run %d is over; shard %s not written", storage, result.run, result.name)
        return result.summary(written=False)
    if result.records:
        storage.write_atomic(f"{result.name}.{fmt}", encode_records(result.records, fmt, task))
    if result.errors:
        storage.write_atomic(f"{ERRORS_DIR}/{result.name}.jsonl",
                             encode_records(result.errors, "jsonl", task))
    return result.summary(written=True)
