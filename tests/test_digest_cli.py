"""`tarjama digest` end to end: feeds over a local HTTP server, a tiny Marian model, failures,
and a real process killed (SIGKILL) or interrupted (SIGINT) mid-run, then resumed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from digest_helpers import (
    BOMB,
    EN_SENTENCES,
    Entry,
    LocalServer,
    Route,
    ar_article,
    article_page,
    atom,  # noqa: F401
    en_article,
    rss,
    utc,
)
from tarjama.cli import app
from tarjama.errors import ExitCode
from tarjama.news.journal import Journal
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def tarjama(*args: str):
    return runner.invoke(app, list(args))


def lines_of(path: Path) -> list[dict]:
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), "a torn line was left in the output"
    return [json.loads(line) for line in data.splitlines()]


def test_arabic_and_english_feeds_with_a_tiny_model(local_server: LocalServer, tiny_marian: Path,
                                                   tmp_path: Path) -> None:
    ar_entries = [Entry(*ar_article(i), local_server.url(f"/ar/{i}"), f"ar-{i}", utc(2026, 11, 1 + i))
                  for i in range(4)]
    ar_entries.append(Entry("نسخة مكررة", ar_article(9)[1], local_server.url("/ar/9"), "ar-0"))  # dup GUID
    en_entries = [Entry(*en_article(i), local_server.url(f"/en/{i}"), f"urn:en-{i}", utc(2026, 11, 2))
                  for i in range(2)]
    local_server.routes.update({"/ar.xml": Route(rss(ar_entries)), "/en.atom": Route(atom(en_entries))})
    out = tmp_path / "digest.jsonl"
    args = ("digest", local_server.url("/ar.xml"), local_server.url("/en.atom"), "-o", str(out),
            "--model", str(tiny_marian), "--beams", "1", "--threads", "1", "--render", str(tmp_path / "d.html"),
            "--render", str(tmp_path / "d.md"))
    result = tarjama(*args)
    assert result.exit_code == 0, result.stderr
    records = lines_of(out)
    assert sorted(r["id"] for r in records) == ["ar-0", "ar-1", "ar-2", "ar-3", "urn:en-0", "urn:en-1"]
    for r in records:
        if r["language"] == "ar":
            assert r["models"]["translator"]["model"]["path"] == str(tiny_marian)
            assert r["title_en"] and r["summary_en"] and r["feed"] == "أخبار الاختبار"
        else:
            assert r["models"]["translator"] is None and r["title_en"] == r["title"]
    assert "digest: 6 done" in result.stderr and "1 duplicates" in result.stderr
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert 'lang="ar" dir="rtl"' in page and "Atom test feed" in page
    assert "Story number 0" in (tmp_path / "d.md").read_text(encoding="utf-8")
    again = tarjama(*args)
    # The duplicate has a finished id (ar-0): it counts as already there.
    assert again.exit_code == 0 and "0 done" in again.stderr and "7 already in" in again.stderr
    assert len(lines_of(out)) == 6


def test_abstractive_method_with_tiny_models(tiny_marian: Path, tiny_mt5: Path, tmp_path: Path) -> None:
    # Tiny random models: only the route is tested (a translation model is refused as the
    # summarizer). The random summarizer is made to write a few tokens before it may stop.
    summarizer_dir = tmp_path / "mt5"
    shutil.copytree(tiny_mt5, summarizer_dir)
    generation = json.loads((summarizer_dir / "generation_config.json").read_text(encoding="utf-8"))
    (summarizer_dir / "generation_config.json").write_text(json.dumps({**generation, "min_new_tokens": 4}),
                                                           encoding="utf-8")
    jsonl = tmp_path / "ar.jsonl"
    jsonl.write_text("".join(json.dumps({"id": f"a{i}", "title": ar_article(i)[0], "text": ar_article(i)[1]},
                                        ensure_ascii=False) + "\n" for i in range(2)), encoding="utf-8")
    out = tmp_path / "digest.jsonl"
    result = tarjama("digest", str(jsonl), "-o", str(out), "--method", "abstractive",
                     "--summary-model", str(summarizer_dir), "--model", str(tiny_marian),
                     "--threads", "1", "--beams", "1", "--progress")
    assert result.exit_code == 0, result.stderr
    records = lines_of(out)
    assert len(records) == 2 and all(r["method"] == "abstractive" for r in records)
    summarizer = records[0]["models"]["summarizer"]
    assert summarizer["summarizer"] == "abstractive" and summarizer["model"]["path"] == str(summarizer_dir)
    assert all(r["summary_en"] for r in records)


def test_failures_are_recorded_and_exit_8(local_server: LocalServer, tmp_path: Path) -> None:
    local_server.routes.update({
        "/good.xml": Route(rss([Entry(*en_article(1), "http://x.test/1", "g1"),
                                Entry("Link only", None, local_server.url("/missing-page"), "g2")],
                               language="en")),
        "/bomb.xml": Route(BOMB),
        "/broken.xml": Route(b"<rss><channel><title>x</ti"),
    })
    jsonl = tmp_path / "items.jsonl"
    jsonl.write_text(json.dumps({"id": "j1", "title": "T", "text": " ".join(EN_SENTENCES)}) + "\n{oops\n",
                     encoding="utf-8")
    out = tmp_path / "digest.jsonl"
    result = tarjama("digest", local_server.url("/good.xml"), local_server.url("/bomb.xml"),
                     local_server.url("/broken.xml"), local_server.url("/gone.xml"), str(jsonl),
                     "-o", str(out))
    assert result.exit_code == ExitCode.PARTIAL_FAILURE, result.stderr
    assert sorted(r["id"] for r in lines_of(out)) == ["g1", "j1"]
    errors = lines_of(tmp_path / "digest.errors.jsonl")
    stages = sorted(e["stage"] for e in errors)
    assert stages == ["extract", "input", "source", "source", "source"]
    assert any("refused" in e["error"] for e in errors)
    assert "2 done, 2 failed, 3 sources unreadable (see " in result.stderr
    assert "Traceback" not in result.stderr


def test_english_items_need_no_model_and_folders_work(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(3):
        title, text = en_article(i)
        (folder / f"{i}.txt").write_text(title + "\n" + text + "\n", encoding="utf-8")
    (folder / "page.html").write_bytes(article_page("An English page", EN_SENTENCES, lang="en"))
    out = tmp_path / "digest.jsonl"
    result = tarjama("digest", str(folder) + "/", "-o", str(out), "--model", str(tmp_path / "no-model"),
                     "--method", "lead", "--sentences", "1")
    assert result.exit_code == 0, result.stderr
    records = lines_of(out)
    assert len(records) == 4 and all(r["method"] == "lead" for r in records)
    assert {r["summary"] for r in records if r["title"].startswith("Story")} == {
        en_article(i)[1].split("\n")[0] for i in range(3)}


def test_usage_and_input_errors(tmp_path: Path) -> None:
    out = tmp_path / "digest.jsonl"
    assert tarjama("digest", "-o", str(out)).exit_code == ExitCode.USAGE
    bad_since = tarjama("digest", str(tmp_path), "-o", str(out), "--since", "last week")
    assert bad_since.exit_code == ExitCode.USAGE and "--since" in bad_since.stderr
    missing = tarjama("digest", str(tmp_path / "feeds.txt"), "-o", str(out))
    assert missing.exit_code == ExitCode.INPUT and "no such file" in missing.stderr
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "1", "text": "a b c d"}) + "\n", encoding="utf-8")
    with Journal.open(out):
        locked = tarjama("digest", str(tmp_path / "a.jsonl"), "-o", str(out))
    assert locked.exit_code == ExitCode.INPUT and "another tarjama digest is writing it" in locked.stderr


# --- a real process, killed and resumed ------------------------------------------------------

N_ITEMS = 36


def slow_feed(server: LocalServer) -> str:
    """English items whose article pages each take a while, so a run lasts a few seconds."""
    entries = []
    for i in range(N_ITEMS):
        title, text = en_article(i)
        path = f"/story/{i}"
        server.routes[path] = Route(article_page(title, text.split("\n"), lang="en"),
                                    content_type="text/html; charset=utf-8", delay=0.08)
        entries.append(Entry(title, None, server.url(path), f"story-{i}", utc(2026, 11, 1)))
    server.routes["/slow.xml"] = Route(rss(entries, language="en"))
    return server.url("/slow.xml")


def start(url: str, out: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}
    return subprocess.Popen(
        [sys.executable, "-m", "tarjama", "digest", url, "-o", str(out), "--fetch-articles",
         "--batch-size", "3", "--fetch-workers", "1", "--no-progress"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def wait_for_lines(proc: subprocess.Popen, out: Path, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if out.exists() and out.read_bytes().count(b"\n") >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"digest ended early ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("digest wrote too little in time")


def finish(url: str, out: Path) -> subprocess.CompletedProcess:
    proc = start(url, out)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def check_exactly_once(out: Path) -> None:
    ids = [r["id"] for r in lines_of(out)]
    assert len(ids) == len(set(ids)) == N_ITEMS
    assert set(ids) == {f"story-{i}" for i in range(N_ITEMS)}


def test_sigkill_then_resume_gives_every_item_once(local_server: LocalServer, tmp_path: Path) -> None:
    url = slow_feed(local_server)
    out = tmp_path / "digest.jsonl"
    proc = start(url, out)
    wait_for_lines(proc, out, 6)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    before = lines_of(out)  # whole lines only
    assert 6 <= len(before) < N_ITEMS
    # A torn line as an older crash (power loss) could leave: the rerun must cut it, not keep it.
    with out.open("ab") as handle:
        handle.write(b'{"id":"story-999","title":"half a rec')
    done = finish(url, out)
    assert done.returncode == 0, done.stderr.decode()
    assert f"{N_ITEMS - len(before)} done" in done.stderr.decode()
    assert "partial last line" in done.stderr.decode()
    check_exactly_once(out)


def test_sigint_stops_after_the_batch_and_says_how_to_resume(local_server: LocalServer,
                                                             tmp_path: Path) -> None:
    url = slow_feed(local_server)
    out = tmp_path / "digest.jsonl"
    proc = start(url, out)
    wait_for_lines(proc, out, 6)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.INTERRUPTED, stderr.decode()
    message = stderr.decode()
    assert "run the same command again to resume" in message and "Traceback" not in message
    before = lines_of(out)
    assert len(before) % 3 == 0 and len(before) < N_ITEMS  # whole batches, then a clean stop
    done = finish(url, out)
    assert done.returncode == 0, done.stderr.decode()
    check_exactly_once(out)
