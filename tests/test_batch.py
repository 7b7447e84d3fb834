"""`tarjama batch` with --engine local: inputs, records, errors, resume, refusals, kill -9.

The Ray engine's tests are in test_batch_ray.py; both write the same folder layout.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_helpers import (
    FAULT,
    by_id,
    errors,
    install_faults,
    records,
    shard_lines,
    write_articles,
)
from cli_helpers import one_line_error
from digest_helpers import ar_article, en_article
from tarjama.batch import run_batch
from tarjama.cli import app
from tarjama.errors import ExitCode, InputError, UsageError
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
FAST = ("--beams", "1", "--threads", "1")
runner = CliRunner()


def tarjama(*args: str):
    return runner.invoke(app, list(args))


def test_translate_jsonl_folder_and_parquet_with_errors(tiny_marian: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    ok = write_articles(tmp_path / "a.jsonl", 3)
    folder = tmp_path / "pages"
    folder.mkdir()
    title, text = ar_article(7)
    (folder / "one.txt").write_text(f"{title}\n{text}\n", encoding="utf-8")
    (folder / "two.html").write_text(f"<p>{ar_article(8)[1]}</p>", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    title, text = ar_article(9)
    pq.write_table(pa.table({"id": ["pq-1"], "title": [title], "text": [text]}), tmp_path / "p.parquet")
    out = tmp_path / "out"
    result = tarjama("batch", "translate", str(tmp_path / "a.jsonl"), str(folder),
                     str(tmp_path / "p.parquet"), "-o", str(out), "--model", str(tiny_marian),
                     "--shard-size", "2", *FAST)
    assert result.exit_code == ExitCode.PARTIAL_FAILURE, result.stderr
    assert "6 done, 3 failed" in result.stderr
    got = {r["id"]: r for r in records(out)}
    assert set(got) == {*ok, str((folder / "one.txt").resolve()), str((folder / "two.html").resolve()),
                        "pq-1"}
    one = got["art-0"]
    # The record is `tarjama translate --format json`, with the article's id in front.
    assert list(one)[:5] == ["id", "source", "url", "title", "published"]
    assert {"tarjama_version", "model", "decoding", "paragraphs", "stats", "translation"} <= set(one)
    assert one["paragraphs"][0]["kind"] == "title" and one["paragraphs"][0]["source"] == one["title"]
    assert one["stats"]["sentences"] == sum(len(p["sentences"]) for p in one["paragraphs"])
    # The translation as text, the layout kept: the headline, a blank line, the paragraphs.
    assert one["translation"].splitlines()[1] == ""
    assert len([line for line in one["translation"].splitlines() if line]) == len(one["paragraphs"])
    failed = {e["id"]: e for e in errors(out)}
    assert set(failed) == {f"{tmp_path / 'a.jsonl'}:4", "no-text", str((folder / "empty.txt").resolve())}
    assert all(e["stage"] in ("input", "extract") and e["error"] and e["shard"] for e in failed.values())
    # Deterministic shard names: run 0, shards of 2 in input order; shard 2 only failed.
    assert sorted(p.name for p in out.glob("part-*")) == [f"part-0000-0000{i}.jsonl" for i in (0, 1, 3, 4)]
    assert sorted(p.name for p in (out / "_errors").iterdir()) == [f"part-0000-0000{i}.jsonl" for i in (1, 2)]
    manifest = json.loads((out / "_manifest.json").read_text())
    run = manifest["runs"][0]
    assert run["status"] == "finished" and (run["done"], run["failed"], run["planned"]) == (6, 3, 9)
    assert run["models"]["translator"]["model"]["path"] == str(tiny_marian)
    assert manifest["identity"]["translator"]["model"] == str(tiny_marian.resolve())
    assert run["timings"]["process_s"] > 0 and run["articles_per_minute"] > 0

    # Rerun: nothing finished is redone; the failures are tried again (and fail again).
    again = tarjama("batch", "translate", str(tmp_path / "a.jsonl"), str(folder),
                    str(tmp_path / "p.parquet"), "-o", str(out), "--model", str(tiny_marian),
                    "--shard-size", "2", *FAST)
    assert again.exit_code == ExitCode.PARTIAL_FAILURE
    assert "0 done, 3 failed" in again.stderr and "6 already in" in again.stderr
    assert len(records(out)) == 6


def test_a_different_configuration_or_a_foreign_folder_is_refused(tiny_marian: Path,
                                                                  tmp_path: Path) -> None:
    write_articles(tmp_path / "a.jsonl", 2, bad=False)
    out = tmp_path / "out"
    assert tarjama("batch", "translate", str(tmp_path / "a.jsonl"), "-o", str(out), "--model",
                   str(tiny_marian), *FAST).exit_code == 0
    changed = tarjama("batch", "translate", str(tmp_path / "a.jsonl"), "-o", str(out), "--model",
                      str(tiny_marian), "--beams", "2", "--threads", "1")
    assert changed.exit_code == ExitCode.DATA
    assert "translator.beams: 1 -> 2" in one_line_error(changed)
    other = tarjama("batch", "digest", str(tmp_path / "a.jsonl"), "-o", str(out), "--model",
                    str(tiny_marian), *FAST)
    assert other.exit_code == ExitCode.DATA
    assert "output of `tarjama batch translate`, not batch digest" in one_line_error(other)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine\n")
    refused = tarjama("batch", "translate", str(tmp_path / "a.jsonl"), "-o", str(foreign))
    assert refused.exit_code == ExitCode.INPUT and "not empty" in one_line_error(refused)
    assert (foreign / "notes.txt").read_text() == "mine\n"
    missing = tarjama("batch", "translate", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o2"))
    assert missing.exit_code == ExitCode.INPUT and not (tmp_path / "o2").exists()


def test_engine_ray_without_the_extra_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ray" else real(name, *a))
    write_articles(tmp_path / "a.jsonl", 1, bad=False)
    result = tarjama("batch", "translate", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "o"),
                     "--engine", "ray")
    assert result.exit_code == ExitCode.USAGE
    assert "pip install 'tarjama[ray]'" in one_line_error(result)
    assert tarjama("batch", "translate", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "o"),
                   "--actors", "2").exit_code == ExitCode.USAGE


def test_an_article_the_model_fails_on_is_recorded_and_the_rest_finish(
        monkeypatch: pytest.MonkeyPatch, tiny_marian: Path, tmp_path: Path) -> None:
    from tarjama.models.translator import Seq2SeqTranslator

    monkeypatch.setattr(Seq2SeqTranslator, "translate", Seq2SeqTranslator.translate)  # restored after
    install_faults()
    ok = write_articles(tmp_path / "a.jsonl", 5, marked={2: FAULT}, bad=False)
    run = run_batch("translate", [str(tmp_path / "a.jsonl")], str(tmp_path / "out"),
                    model=str(tiny_marian), beams=1, threads=1, shard_size=3)
    assert (run.stats.done, run.stats.failed) == (4, 1) and not run.all_ok
    assert sorted(r["id"] for r in records(tmp_path / "out")) == sorted(set(ok) - {"art-2"})
    (failure,) = errors(tmp_path / "out")
    assert failure["id"] == "art-2" and failure["stage"] == "translate"
    assert "injected fault" in failure["error"]


def test_batch_digest_writes_the_digest_records(tiny_marian: Path, tmp_path: Path) -> None:
    """The same articles through `tarjama digest` and `tarjama batch digest`: equal records."""
    path = tmp_path / "items.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i, (title, text) in enumerate([ar_article(0), en_article(1), ar_article(2)]):
            handle.write(json.dumps({"id": f"d-{i}", "title": title, "text": text,
                                     "published": "2026-11-0{}".format(i + 1)},
                                    ensure_ascii=False) + "\n")
    common = ("--model", str(tiny_marian), *FAST)
    digest = tarjama("digest", str(path), "-o", str(tmp_path / "digest.jsonl"), "--no-cache", *common)
    assert digest.exit_code == 0, digest.stderr
    batch = tarjama("batch", "digest", str(path), "-o", str(tmp_path / "out"), *common)
    assert batch.exit_code == 0, batch.stderr
    expected = by_id([json.loads(line) for line in (tmp_path / "digest.jsonl").read_bytes().splitlines()])
    assert by_id(records(tmp_path / "out")) == expected
    assert expected["d-1"]["models"]["translator"] is None  # English: no model needed


def test_parquet_output_holds_the_jsonl_records(tiny_marian: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    from tarjama.batch.shards import decode_records

    write_articles(tmp_path / "a.jsonl", 3, bad=False)
    for fmt in ("jsonl", "parquet"):
        run_batch("translate", [str(tmp_path / "a.jsonl")], str(tmp_path / fmt), model=str(tiny_marian),
                  beams=1, threads=1, output_format=fmt, shard_size=2)
    parquet = [r for f in sorted((tmp_path / "parquet").glob("part-*.parquet"))
               for r in decode_records(f.read_bytes(), "parquet", "translate")]
    assert by_id(parquet) == by_id(records(tmp_path / "jsonl"))
    import pyarrow.dataset as ds

    # The folder reads as one Parquet dataset: _manifest.json and _errors/ are skipped.
    assert ds.dataset(str(tmp_path / "parquet"), format="parquet").count_rows() == 3


def test_batch_translate_runs_the_checks_of_translate(tiny_marian: Path, tmp_path: Path) -> None:
    """Same article, same glossary: the batch record's paragraphs and checks are what
    `tarjama translate --format json` writes; --no-checks turns them off in both."""
    glossary = tmp_path / "g.tsv"
    glossary.write_text("محطة التحلية\tdesalination plant\n", encoding="utf-8")
    write_articles(tmp_path / "a.jsonl", 1, bad=False)
    title, text = ar_article(0)
    (tmp_path / "a.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    common = ("--model", str(tiny_marian), "--glossary", str(glossary), *FAST)
    for flag in ("--checks", "--no-checks"):
        single = tarjama("translate", str(tmp_path / "a.txt"), "--format", "json",
                         "-o", str(tmp_path / f"one{flag}.json"), flag, *common)
        assert single.exit_code == 0, single.stderr
        batch = tarjama("batch", "translate", str(tmp_path / "a.jsonl"),
                        "-o", str(tmp_path / f"out{flag}"), flag, *common)
        assert batch.exit_code == 0, batch.stderr
        want = json.loads((tmp_path / f"one{flag}.json").read_text(encoding="utf-8"))
        (got,) = records(tmp_path / f"out{flag}")
        assert got["paragraphs"] == want["paragraphs"] and got["checks"] == want["checks"]
        codes = {f["code"] for p in got["paragraphs"] for s in p["sentences"]
                 for f in s.get("checks", [])} - {"hit_max_length", "repeated", "split"}
        # The tiny model's output keeps none of the source's numbers: the checks must find
        # something to flag, unless they are off (the decoder's own notes stay either way).
        assert bool(codes) == (flag == "--checks"), codes
    manifest = json.loads((tmp_path / "out--checks" / "_manifest.json").read_text())
    assert manifest["identity"]["checks"]["glossary"]["terms"] == 1


def test_parquet_keeps_fields_outside_its_columns() -> None:
    pytest.importorskip("pyarrow")
    from tarjama.batch.shards import decode_records, encode_records

    record = {"id": "a", "title": "t", "paragraphs": [{"index": 0}], "warnings": [],
              "a_newer_field": {"nested": [1, 2]}, "another": "x"}
    assert decode_records(encode_records([record], "parquet", "translate"), "parquet",
                          "translate") == [{**{k: None for k in ("source", "url", "published",
                                                                  "tarjama_version", "source_lang",
                                                                  "target_lang", "model", "decoding",
                                                                  "checks", "boilerplate", "stats",
                                                                  "translation", "timings")},
                                            **record}]


def test_object_storage_paths_go_through_pyarrow_fs(monkeypatch: pytest.MonkeyPatch,
                                                     tiny_marian: Path, tmp_path: Path) -> None:
    """An s3:// style URI, served by a pyarrow filesystem over a local folder."""
    pafs = pytest.importorskip("pyarrow.fs")
    from tarjama.batch import storage

    bucket = tmp_path / "bucket"
    (bucket / "news").mkdir(parents=True)
    write_articles(bucket / "news" / "day1.jsonl", 2, bad=False)
    (bucket / "news" / "day2.jsonl").write_text(
        json.dumps({"id": "x-1", "title": ar_article(5)[0], "text": ar_article(5)[1]},
                   ensure_ascii=False) + "\n", encoding="utf-8")
    (bucket / "news" / "notes.md").write_text("not an input\n")
    local = pafs.SubTreeFileSystem(str(bucket), pafs.LocalFileSystem())

    def resolve(uri: str) -> tuple[object, str]:
        assert uri.startswith("mock://bucket")
        return local, uri[len("mock://bucket"):].lstrip("/") or "/"

    monkeypatch.setattr(storage, "_resolve", resolve)
    run = run_batch("translate", ["mock://bucket/news/*.jsonl"], "mock://bucket/out/",
                    model=str(tiny_marian), beams=1, threads=1)
    assert run.stats.done == 3 and run.all_ok
    assert sorted(r["id"] for r in records(bucket / "out")) == ["art-0", "art-1", "x-1"]
    assert (bucket / "out" / "_manifest.json").is_file()
    again = run_batch("translate", ["mock://bucket/news/"], "mock://bucket/out",
                      model=str(tiny_marian), beams=1, threads=1)
    assert again.stats.done == 0 and again.stats.already_done == 3


def _start(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.Popen([sys.executable, "-c", "from tarjama.cli import run; run()", *args],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def kill_at_random_moments(args: list[str], out: Path, seed: int, times: int = 3) -> None:
    """Start the command and SIGKILL it, `times` times: once at a random moment of its start,
    then each time at a random moment after it has written another shard."""
    rng = random.Random(seed)
    for round_ in range(times):
        proc = _start(args)
        written = len(list(out.glob("part-*"))) if out.exists() else 0
        deadline = time.monotonic() + 240
        if round_ == 0:
            time.sleep(rng.uniform(0.5, 3.0))
        else:
            while proc.poll() is None and time.monotonic() < deadline and \
                    len(list(out.glob("part-*"))) <= written:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.5))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the command and anything it started
        proc.communicate(timeout=60)


def check_exactly_once(out: Path, expected: list[str]) -> None:
    lines = shard_lines(out)
    assert all(json.loads(line)["id"] for line in lines)  # every line whole, valid JSON
    ids = [json.loads(line)["id"] for line in lines]
    assert sorted(ids) == sorted(expected), "an article is missing or written twice"
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_sigkill_at_random_moments_then_rerun_gives_every_article_once(tiny_marian: Path,
                                                                       tmp_path: Path) -> None:
    expected = write_articles(tmp_path / "a.jsonl", 16, bad=False)
    out = tmp_path / "out"
    args = ["batch", "translate", str(tmp_path / "a.jsonl"), "-o", str(out), "--model",
            str(tiny_marian), "--shard-size", "2", *FAST]
    kill_at_random_moments(args, out, seed=11)
    finish = subprocess.run([sys.executable, "-c", "from tarjama.cli import run; run()", *args],
                            cwd=REPO, capture_output=True, text=True,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert finish.returncode == 0, finish.stderr
    check_exactly_once(out, expected)
    check_kills_landed_mid_run(out)


def check_kills_landed_mid_run(out: Path) -> None:
    """The killed runs wrote part of the job and the last run the rest: the kills were real."""
    # A kill before the command got to the folder leaves no run behind; the others do.
    runs = json.loads((out / "_manifest.json").read_text())["runs"]
    assert runs[-1]["status"] == "finished"
    written = [len(list(out.glob(f"part-{r:04d}-*"))) for r in range(len(runs))]
    cut = [i for i, r in enumerate(runs[:-1]) if r["status"] != "finished" and written[i]]
    assert cut and sum(written[cut[0] + 1:]) > 0, ([r["status"] for r in runs], written)


def test_a_second_run_on_the_same_folder_waits_its_turn(tiny_marian: Path, tmp_path: Path) -> None:
    write_articles(tmp_path / "a.jsonl", 1, bad=False)
    out = tmp_path / "out"
    out.mkdir()
    from tarjama.outputs import lock_exclusive, unlock

    fd = lock_exclusive(out / ".lock", "held")
    try:
        with pytest.raises(InputError, match="another tarjama batch job"):
            run_batch("translate", [str(tmp_path / "a.jsonl")], str(out), model=str(tiny_marian))
    finally:
        unlock(fd)


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    write_articles(tmp_path / "a.jsonl", 1, bad=False)
    for kwargs in ({"engine": "spark"}, {"output_format": "csv"}, {"method": "magic"},
                   {"shard_size": 0}):
        with pytest.raises(UsageError):
            run_batch("translate", [str(tmp_path / "a.jsonl")], str(tmp_path / "o"), **kwargs)
    with pytest.raises(UsageError):
        run_batch("digest", [str(tmp_path / "a.jsonl")], str(tmp_path / "o"), source_lang="en",
                  target_lang="ar")
