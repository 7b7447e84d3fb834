"""What the digest never computes twice: summaries and translations of identical text, kept in
SQLite beside the output and keyed by what decides the result (the work, the model and its
settings, the text).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any, Mapping, Sequence

from tarjama.nlp.translate import Segment, SegmentOutput, TranslationModel

__all__ = ["ContentCache", "TranslationCache", "cache_key", "describe", "translator_identity"]

log = logging.getLogger("tarjama")


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


def describe(component: Any) -> dict[str, Any] | None:
    """What a model-like component says it is, for records and cache keys; None if it says nothing."""
    for name in ("provenance", "describe"):
        method = getattr(component, name, None)
        if callable(method):
            value = method()
            if isinstance(value, Mapping):
                return dict(value)
    return None


def translator_identity(translator: Any) -> dict[str, Any] | None:
    """Provenance of a translator, with a fingerprint of its files when it has no hub commit.

    A local model directory is known only by its path; size and mtime of its files make a
    retrained model in the same place a different cache identity.
    """
    ident = describe(translator)
    if ident is None:
        return None
    model = ident.get("model")
    if isinstance(model, Mapping) and not model.get("commit") and model.get("path"):
        path = Path(str(model["path"]))
        if path.is_dir():
            ident = {**ident, "files": sorted(
                (p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in path.iterdir() if p.is_file()
            )}
    return ident


class TranslationCache:
    """A TranslationModel that translates each distinct segment once, ever (given a cache)."""

    def __init__(self, inner: TranslationModel, cache: ContentCache | None,
                 identity: Mapping[str, Any] | None) -> None:
        self.inner = inner
        self.max_segment_tokens = inner.max_segment_tokens
        self._cache = cache if identity is not None else None
        self._identity = identity

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return self.inner.encode(texts)

    def translate(self, segments: Sequence[Segment]) -> list[SegmentOutput]:
        distinct = list(dict.fromkeys(segments))
        found: dict[Segment, SegmentOutput] = {}
        keys: dict[Segment, str] = {}
        if self._cache is not None:
            keys = {s: cache_key("translation", self._identity or {}, s.text) for s in distinct}
            cached = self._cache.get_many(list(keys.values()))
            for s in distinct:
                value = cached.get(keys[s])
                if isinstance(value, Mapping):
                    found[s] = SegmentOutput(**{k: value[k] for k in (
                        "text", "hit_max_length", "repeated", "output_tokens") if k in value})
        missing = [s for s in distinct if s not in found]
        if missing:
            outputs = self.inner.translate(missing)
            if len(outputs) != len(missing):
                raise RuntimeError(f"translator returned {len(outputs)} outputs for {len(missing)} segments")
            found.update(zip(missing, outputs))
            if self._cache is not None:
                self._cache.put_many({keys[s]: {
                    "text": o.text, "hit_max_length": o.hit_max_length, "repeated": o.repeated,
                    "output_tokens": o.output_tokens} for s, o in zip(missing, outputs)})
        return [found[s] for s in segments]
