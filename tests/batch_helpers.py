"""Test helpers for `tarjama batch`: inputs, reading an output folder, injected faults."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from digest_helpers import ar_article

# A Latin word inside an Arabic sentence goes to the model with it: the injected faults below
# key on it, so only the articles a test marks are touched.
FAULT = "FAULTYWORD"
DIE_ONCE = "DIEONCEWORD"
VOLATILE = ("timings", "digested_at", "at", "convert_seconds")


def write_articles(path: Path, n: int, *, marked: dict[int, str] | None = None,
                   bad: bool = True) -> list[str]:
    """A JSONL file of n Arabic articles (ids art-0 ...), then a line that is not JSON and an
    article without text when `bad`; returns the ids that should succeed."""
    marked = marked or {}
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            title, text = ar_article(i)
            if i in marked:
                text = text.replace("رقم", f"رقم {marked[i]}", 1)
            handle.write(json.dumps({"id": f"art-{i}", "title": title, "text": text,
                                     "url": f"https://example.org/{i}"}, ensure_ascii=False) + "\n")
        if bad:
            handle.write("{not json\n")
            handle.write(json.dumps({"id": "no-text", "title": "عنوان فقط"}) + "\n")
    return [f"art-{i}" for i in range(n)]


def shard_lines(folder: Path) -> list[bytes]:
    """Every line of every data shard; asserts each shard ends with a newline (no torn tail)."""
    lines = []
    for shard in sorted(folder.glob("part-*.jsonl")):
        data = shard.read_bytes()
        assert data.endswith(b"\n"), f"{shard.name} does not end with a whole line"
        lines += data.splitlines()
    return lines


def records(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in shard_lines(folder)]


def errors(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for f in sorted((folder / "_errors").glob("*.jsonl"))
            for line in f.read_bytes().splitlines()]


def stable(obj: Any) -> Any:
    """A record without what differs between two runs of the same thing (times)."""
    if isinstance(obj, dict):
        return {k: stable(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [stable(v) for v in obj]
    return obj


def by_id(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for row in rows:
        assert row["id"] not in out, f"{row['id']} is in the output twice"
        out[row["id"]] = stable(row)
    return out


def install_faults() -> None:
    """Make the translator fail on FAULT, and kill its process once on DIE_ONCE (the flag file
    named by TARJAMA_TEST_DIE_FLAG records that it died). A Ray worker_process_setup_hook, and
    called directly for in-process runs."""
    from tarjama.models.translator import Seq2SeqTranslator

    if getattr(Seq2SeqTranslator.translate, "_faulty", False):
        return
    original = Seq2SeqTranslator.translate

    def translate(self: Any, segments: Any) -> Any:
        for segment in segments:
            if FAULT in segment.text:
                raise RuntimeError("injected fault")
            flag = os.environ.get("TARJAMA_TEST_DIE_FLAG")
            if DIE_ONCE in segment.text and flag and not os.path.exists(flag):
                Path(flag).write_text(str(os.getpid()))
                os._exit(1)
        return original(self, segments)

    translate._faulty = True  # type: ignore[attr-defined]
    Seq2SeqTranslator.translate = translate  # type: ignore[method-assign]
