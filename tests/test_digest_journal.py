"""The exactly-once output: whole lines only, torn tails cut, one writer, resume state; the cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tarjama.errors import InputError, OutputError
from tarjama.news.cache import ContentCache, cache_key
from tarjama.news.journal import Journal, lock_path_for, read_records
from tarjama.outputs import dumps_line, recover_torn_tail


def record(i: int, **extra: object) -> dict[str, object]:
    return {"id": f"item-{i}", "title": f"عنوان {i}", **extra}


def test_append_resume_and_keys(tmp_path: Path) -> None:
    out = tmp_path / "digest.jsonl"
    with Journal.open(out) as journal:
        assert journal.state.records == 0
        journal.append(record(1, dedupe={"guid": "g1", "url": "http://x.test/1", "sha256": "ab"}))
        journal.append(record(2, dedupe={"guid": None, "url": None, "sha256": "cd"}))
        journal.append_error({"id": "item-3", "stage": "extract", "error": "no text"})
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3
    assert "عنوان 1" in lines[0].decode("utf-8")  # UTF-8, not \u escapes
    with Journal.open(out) as journal:
        state = journal.state
    assert state.done_ids == {"item-1", "item-2"}  # the failed item is not done: a rerun retries it
    assert state.keys == {"id:item-1", "guid:g1", "url:http://x.test/1", "sha256:ab", "id:item-2", "sha256:cd"}
    assert json.loads((tmp_path / "digest.errors.jsonl").read_text(encoding="utf-8"))["id"] == "item-3"


def test_torn_last_line_is_cut_on_open(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "digest.jsonl"
    out.write_bytes(dumps_line(record(1)) + dumps_line(record(2)) + b'{"id": "item-3", "tit')
    lock_path_for(out).touch()  # a digest wrote it (a file that is not a digest's is refused)
    assert [r["id"] for r in read_records(out)] == ["item-1", "item-2"]
    with Journal.open(out) as journal:
        assert journal.state.done_ids == {"item-1", "item-2"}
        journal.append(record(3))
    assert "partial last line" in caplog.text
    assert [r["id"] for r in read_records(out)] == ["item-1", "item-2", "item-3"]
    assert out.read_bytes().endswith(b"\n")


def test_corrupt_middle_line_is_skipped(tmp_path: Path) -> None:
    out = tmp_path / "digest.jsonl"
    out.write_bytes(dumps_line(record(1)) + b"garbage\n" + dumps_line(record(2)))
    assert [r["id"] for r in read_records(out)] == ["item-1", "item-2"]


def test_line_separators_stay_escaped(tmp_path: Path) -> None:
    line = dumps_line({"id": "x", "title": "a\u2028b\u2029c"})
    assert line.count(b"\n") == 1 and "\u2028".encode() not in line
    assert json.loads(line)["title"] == "a\u2028b\u2029c"


def test_second_writer_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "digest.jsonl"
    with Journal.open(out):
        with pytest.raises(InputError, match="another tarjama digest is writing it"):
            Journal.open(out)
    with Journal.open(out):  # released on close
        pass


def test_output_must_be_a_file_in_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a directory"):
        Journal.open(tmp_path)
    with pytest.raises(OutputError, match="does not exist"):
        Journal.open(tmp_path / "no" / "digest.jsonl")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=8), st.data())
def test_any_crash_point_leaves_a_prefix_of_whole_records(tmp_path_factory: pytest.TempPathFactory,
                                                          titles: list[str], data: st.DataObject) -> None:
    out = tmp_path_factory.mktemp("torn") / "digest.jsonl"
    blob = b"".join(dumps_line({"id": str(i), "title": t}) for i, t in enumerate(titles))
    cut = data.draw(st.integers(0, len(blob)))
    out.write_bytes(blob[:cut])
    recover_torn_tail(out)
    kept = out.read_bytes()
    assert blob.startswith(kept) and (kept == b"" or kept.endswith(b"\n"))
    ids = [r["id"] for r in read_records(out)]
    assert ids == [str(i) for i in range(len(ids))]
    assert len(ids) == kept.count(b"\n")


def test_cache_round_trip_and_damage(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    key = cache_key("summary", {"model": "m", "n": 2}, "نص")
    assert key == cache_key("summary", {"n": 2, "model": "m"}, "نص")  # settings order does not matter
    assert key != cache_key("summary", {"model": "m", "n": 3}, "نص")
    cache = ContentCache(path)
    cache.put_many({key: ["جملة"]})
    cache.close()
    again = ContentCache(path)
    assert again.get_many([key, "missing"]) == {key: ["جملة"]}
    assert (again.hits, again.misses) == (1, 1)
    again.close()
    path.write_bytes(b"this is not a database" * 100)
    broken = ContentCache(path)  # a damaged cache is set aside, never fatal
    assert broken.get_many([key]) == {}
    broken.put_many({key: ["x"]})
    broken.close()
