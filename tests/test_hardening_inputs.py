"""Inputs (issue 14, items 8-10 and 12): streams read as streams, closed stdin, UTF-16 and byte-order
marks, and errors that say what was expected without echoing what a file holds."""

from __future__ import annotations

import codecs
import json
import os
import threading
from pathlib import Path

import pytest
from cli_helpers import one_line_error
from hardening_helpers import SAMPLE, run_cli
from tarjama.cli import app
from tarjama.errors import ExitCode
from typer.testing import CliRunner

runner = CliRunner()


def _through_a_pipe(data: bytes, *args: str) -> object:
    """Run `tarjama ARGS` with {} replaced by /dev/fd/N, a pipe fed from a thread: what
    `tarjama translate <(curl ...)` gives the command."""
    read, write = os.pipe()

    def feed() -> None:
        with os.fdopen(write, "wb") as handle:
            try:
                handle.write(data)
            except BrokenPipeError:
                pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        return run_cli(*[a.replace("{}", f"/dev/fd/{read}") for a in args], pass_fds=(read,), timeout=60)
    finally:
        os.close(read)
        feeder.join(timeout=10)


# --- 8: FIFOs and process substitution are streams, read once -----------------------------------


def test_process_substitution_reads_like_a_file(split_text: str) -> None:
    result = _through_a_pipe(SAMPLE.read_bytes(), "split", "{}")
    assert result.returncode == 0, result.stderr
    assert result.stdout == split_text
    summary = _through_a_pipe(SAMPLE.read_bytes(), "summarize", "{}", "--method", "extractive",
                              "--to", "ar", "-n", "2")
    file_summary = run_cli("summarize", str(SAMPLE), "--method", "extractive", "--to", "ar", "-n", "2")
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout == file_summary.stdout and summary.stdout.strip()


def test_a_named_fifo_is_read(split_text: str, tmp_path: Path) -> None:
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("wb") as handle:
            handle.write(SAMPLE.read_bytes())

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    result = run_cli("split", str(fifo), timeout=60)
    feeder.join(timeout=10)
    assert result.returncode == 0, result.stderr
    assert result.stdout == split_text


def test_a_digest_output_must_be_a_regular_file(tmp_path: Path) -> None:
    import stat

    record = {"id": "p1", "title": "Piped", "text": "The cat sat on the mat. It was a sunny day. All was well."}
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps(record) + "\n", encoding="utf-8")
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    targets = [fifo]
    try:
        os.mknod(tmp_path / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        targets.append(tmp_path / "null")
    except OSError:
        pass
    for target in targets:  # read back on every run to resume: a device or FIFO cannot be
        result = run_cli("digest", str(items), "-o", str(target), timeout=60)
        assert result.returncode == ExitCode.OUTPUT, result.stderr
        assert "not a regular file" in one_line_error(result)


def test_digest_of_a_piped_jsonl(tmp_path: Path) -> None:
    record = {"id": "p1", "title": "Piped", "text": "The cat sat on the mat. It was a sunny day. All was well."}
    out = tmp_path / "d.jsonl"
    result = _through_a_pipe((json.dumps(record) + "\n").encode(), "digest", "{}", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["p1"]


# --- 9: closed stdin ------------------------------------------------------------------------------


def test_closed_stdin_is_a_one_line_input_error() -> None:
    result = run_cli("split", "-", stdin=None, preexec_fn=lambda: os.close(0))
    assert result.returncode == ExitCode.INPUT
    assert "standard input is closed" in one_line_error(result)


# --- 10: UTF-16/32 with a byte-order mark; UTF-8 byte-order marks in scored files ---------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_wide_text_with_a_byte_order_mark_is_decoded(split_text: str, tmp_path: Path, encoding: str) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    wide = tmp_path / f"a.{encoding}.txt"
    bom = {"utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    wide.write_bytes(bom + text.encode(encoding))
    result = run_cli("split", str(wide))
    assert result.returncode == 0, result.stderr
    assert result.stdout == split_text
    assert "byte-order mark" in result.stderr and "UTF-" in result.stderr


def test_broken_utf16_names_the_byte(tmp_path: Path) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_bytes(codecs.BOM_UTF16_LE + "سلام".encode("utf-16-le") + b"\x00\xd8")  # lone surrogate
    result = runner.invoke(app, ["split", str(broken)])
    assert result.exit_code == ExitCode.INPUT
    assert "invalid UTF-16" in one_line_error(result)


def test_eval_score_warns_about_a_utf8_bom_and_scores_the_text(tmp_path: Path) -> None:
    ref = tmp_path / "ref.txt"
    ref.write_text("The plant opened on Monday in the coastal city.\nIt will serve two million people.\n",
                   encoding="utf-8")
    hyp = tmp_path / "hyp.txt"
    hyp.write_bytes(codecs.BOM_UTF8 + ref.read_bytes())
    result = runner.invoke(app, ["eval", "score", "--hyp", str(hyp), "--ref", str(ref),
                                 "--metrics", "bleu", "--bootstrap", "0"])
    assert result.exit_code == 0, result.stderr
    assert "byte-order mark" in result.stderr and str(hyp) in result.stderr
    assert "= 100.0000" in result.stdout  # identical text scores 100, as without the mark
    utf16 = tmp_path / "ref16.txt"
    utf16.write_bytes(ref.read_text(encoding="utf-8").encode("utf-16"))
    result = runner.invoke(app, ["eval", "score", "--hyp", str(ref), "--ref", str(utf16),
                                 "--metrics", "bleu", "--bootstrap", "0"])
    assert result.exit_code == 0, result.stderr
    assert "= 100.0000" in result.stdout and "UTF-16" in result.stderr


# --- 12: an unexpected kind of input is described, its content never echoed --------------------


def test_digest_of_a_file_that_is_not_a_source_does_not_echo_it(tmp_path: Path) -> None:
    secret = tmp_path / "secrets.conf"
    secret.write_text("db_password=hunter2-s3cr3t\nroot:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    for target in (secret, Path("/etc/passwd")):
        if not target.exists():
            continue
        result = runner.invoke(app, ["digest", str(target), "-o", str(tmp_path / "d.jsonl")])
        assert result.exit_code == ExitCode.INPUT
        line = one_line_error(result)
        assert "not a feed, a JSONL file, a folder or a list of sources" in line
        first = target.read_text(encoding="utf-8", errors="replace").splitlines()[0]
        assert first not in line and "hunter2" not in line and "root:x" not in line


def test_a_list_of_sources_still_names_its_bad_line(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.list"
    good = tmp_path / "a.jsonl"
    good.write_text("{}\n", encoding="utf-8")
    feeds.write_text(f"{good}\nmissing.xml\n", encoding="utf-8")
    result = runner.invoke(app, ["digest", str(feeds), "-o", str(tmp_path / "d.jsonl")])
    assert result.exit_code == ExitCode.INPUT
    assert "line 2" in one_line_error(result) and "missing.xml" in one_line_error(result)
