"""Output targets (issue 14, items 1-7): no user file destroyed, no temporary left behind, write
failures named as the user's environment (exit code 9), every target checked before the work.

Devices are made in the test's own folder (mknod), never /dev itself: the code under test must
not be trusted with the machine's /dev/null.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
from cli_helpers import one_line_error
from hardening_helpers import SAMPLE, parts_in, run_cli, start_cli
from tarjama.cli import app
from tarjama.errors import ExitCode
from typer.testing import CliRunner

runner = CliRunner()


def _device(path: Path, major: int, minor: int) -> Path:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc})")
    return path


def article(tmp_path: Path, name: str = "a.txt") -> Path:
    path = tmp_path / name
    shutil.copy(SAMPLE, path)
    return path


# --- 1: devices, FIFOs, descriptors and symlinks are written through or followed ------------------


def test_a_character_device_stays_a_device(tmp_path: Path) -> None:
    null = _device(tmp_path / "null", 1, 3)
    result = run_cli("split", str(SAMPLE), "-o", str(null))
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(null.lstat().st_mode), "the device was replaced by a regular file"
    assert parts_in(tmp_path) == []


def test_a_fifo_is_written_through_to_its_reader(split_text: str, tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    try:
        result = run_cli("split", str(SAMPLE), "-o", str(fifo), timeout=60)
        assert result.returncode == 0, result.stderr
        got, _ = reader.communicate(timeout=20)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    assert got.decode("utf-8") == split_text
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize("target", ["/dev/fd/1", "/proc/self/fd/1"])
def test_a_descriptor_path_appends_to_what_stdout_is(split_text: str, tmp_path: Path, target: str) -> None:
    log = tmp_path / "log.txt"
    log.write_text("earlier line\n", encoding="utf-8")
    with log.open("a", encoding="utf-8") as out:  # `>> log.txt`: nothing before may be lost
        result = run_cli("split", str(SAMPLE), "-o", target, stdout=out)
    assert result.returncode == 0, result.stderr
    assert log.read_text(encoding="utf-8") == "earlier line\n" + split_text


def test_a_symlink_is_followed_and_kept(split_text: str, tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to("real.txt")
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to("made-by-tarjama.txt")
    for target in (link, dangling):
        result = run_cli("split", str(SAMPLE), "-o", str(target))
        assert result.returncode == 0, result.stderr
        assert target.is_symlink()
    assert real.read_text(encoding="utf-8") == split_text
    assert (tmp_path / "made-by-tarjama.txt").read_text(encoding="utf-8") == split_text
    assert parts_in(tmp_path) == []


# --- 2: -o naming an input is refused, for every command that reads a file and writes one -------


def test_translate_and_summarize_refuse_to_overwrite_their_input(tiny_marian: Path, tmp_path: Path) -> None:
    src = article(tmp_path)
    before = src.read_bytes()
    link = tmp_path / "same.txt"
    link.symlink_to(src)
    hard = tmp_path / "hard.txt"
    os.link(src, hard)
    for out in (src, link, hard):
        result = runner.invoke(app, ["translate", str(src), "--model", str(tiny_marian), "-o", str(out)])
        assert result.exit_code == ExitCode.OUTPUT, result.stderr
        assert "refusing to overwrite it" in one_line_error(result)
        result = runner.invoke(app, ["summarize", str(src), "--method", "extractive", "--to", "ar",
                                     "-o", str(out)])
        assert result.exit_code == ExitCode.OUTPUT, result.stderr
    assert src.read_bytes() == before


def test_split_refuses_its_input_as_file_stdin_or_stdout(tmp_path: Path) -> None:
    src = article(tmp_path)
    before = src.read_bytes()
    result = run_cli("split", str(src), "-o", str(src))
    assert result.returncode == ExitCode.OUTPUT and "refusing to overwrite" in one_line_error(result)
    with src.open("rb") as stdin:  # tarjama split - -o a.txt < a.txt
        result = run_cli("split", "-", "-o", str(src), stdin=stdin)
    assert result.returncode == ExitCode.OUTPUT, result.stderr
    with src.open("a") as stdout:  # tarjama split a.txt >> a.txt
        result = run_cli("split", str(src), stdout=stdout)
    assert result.returncode == ExitCode.OUTPUT and "standard output is the input" in result.stderr
    assert src.read_bytes() == before


def test_eval_json_and_digest_outputs_are_checked_against_their_inputs(tmp_path: Path) -> None:
    hyp = tmp_path / "hyp.txt"
    ref = tmp_path / "ref.txt"
    hyp.write_text("The cat sat on the mat.\n", encoding="utf-8")
    ref.write_text("The cat sat on a mat.\n", encoding="utf-8")
    for target in (hyp, ref):
        result = runner.invoke(app, ["eval", "score", "--hyp", str(hyp), "--ref", str(ref),
                                     "--json", str(target), "--bootstrap", "0"])
        assert result.exit_code == ExitCode.OUTPUT, result.stderr
    result = runner.invoke(app, ["eval", "compare", str(ref), str(hyp), "--ref", str(ref),
                                 "--json", str(hyp)])
    assert result.exit_code == ExitCode.OUTPUT, result.stderr
    assert hyp.read_text(encoding="utf-8") == "The cat sat on the mat.\n"
    items = tmp_path / "items.jsonl"
    # No newline at the end: main cut this line off as a "torn" record before appending.
    items.write_bytes(json.dumps({"id": "1", "title": "T", "text": "One two three four. Five six."}).encode())
    before = items.read_bytes()
    result = runner.invoke(app, ["digest", str(items), "-o", str(items)])
    assert result.exit_code == ExitCode.OUTPUT and "refusing to overwrite" in one_line_error(result)
    listing = tmp_path / "feeds.list"
    listing.write_text(f"{items}\n", encoding="utf-8")
    result = runner.invoke(app, ["digest", str(listing), "-o", str(items)])  # named inside a list
    assert result.exit_code == ExitCode.OUTPUT, result.stderr
    assert items.read_bytes() == before


# --- 3: a digest never appends to (or repairs) a file that is not a digest ---------------------


def test_digest_refuses_a_foreign_file_and_accepts_its_own(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "1", "title": "Cats", "text": "The cat sat on the mat. "
                                 "It was a sunny day. Everyone was happy."}) + "\n", encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"my notes\nthe last line has no newline")
    before = notes.read_bytes()
    result = runner.invoke(app, ["digest", str(items), "-o", str(notes)])
    assert result.exit_code == ExitCode.OUTPUT
    assert "is not a digest record" in one_line_error(result)
    assert notes.read_bytes() == before
    assert not (tmp_path / "notes.txt.lock").exists()
    other = tmp_path / "other.jsonl"  # JSON lines, but not a digest's
    other.write_text('{"id": "x", "text": "y"}\n', encoding="utf-8")
    assert runner.invoke(app, ["digest", str(items), "-o", str(other)]).exit_code == ExitCode.OUTPUT
    out = tmp_path / "digest.jsonl"
    assert runner.invoke(app, ["digest", str(items), "-o", str(out)]).exit_code == 0
    first = out.read_bytes()
    with out.open("ab") as handle:  # torn by a crash: still ours, repaired on the next run
        handle.write(b'{"id":"2","title":"half a rec')
    again = runner.invoke(app, ["digest", str(items), "-o", str(out)])
    assert again.exit_code == 0, again.stderr
    assert out.read_bytes() == first


# --- 4: SIGTERM/SIGHUP clean up like Ctrl-C; a killed run's leftovers go on the next run ------


def _long_article(tmp_path: Path) -> Path:
    from tiny import CORPUS_AR

    path = tmp_path / "long.ar.txt"
    path.write_text("\n".join(CORPUS_AR[i % len(CORPUS_AR)] for i in range(3000)) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_termination_signals_remove_the_temporary(tiny_marian: Path, tmp_path: Path, sig: int) -> None:
    src = _long_article(tmp_path)
    work = tmp_path / "out"
    work.mkdir()
    out = work / "long.en.txt"
    proc = start_cli("translate", str(src), "--model", str(tiny_marian), "--beams", "1",
                     "--threads", "1", "-o", str(out))
    deadline = time.monotonic() + 120
    while not parts_in(work) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert parts_in(work), f"no temporary appeared ({proc.poll()}): {proc.stderr.read().decode()[-500:] if proc.poll() is not None else ''}"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, stderr.decode()
    assert f"stopped by {signal.Signals(sig).name}" in stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert parts_in(work) == [] and not out.exists()


def test_leftovers_of_dead_runs_are_removed_and_live_ones_kept(split_text: str, tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid is free now
    out = tmp_path / "s.txt"
    stale = tmp_path / f".s.txt.{dead.pid}.0badc0de.part"
    live = tmp_path / f".s.txt.{os.getpid()}.0123abcd.part"  # this test is alive: another writer
    unrelated = tmp_path / f".other.txt.{dead.pid}.0badc0de.part"
    for path in (stale, live, unrelated):
        path.write_text("half", encoding="utf-8")
    result = run_cli("split", str(SAMPLE), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert not stale.exists() and live.exists() and unrelated.exists()
    assert out.read_text(encoding="utf-8") == split_text


# --- 5: modes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_outputs_follow_the_umask(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "s.txt"
    result = run_cli("split", str(SAMPLE), "-o", str(out), preexec_fn=lambda: os.umask(umask))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_a_replaced_output_keeps_its_mode(split_text: str, tmp_path: Path) -> None:
    out = tmp_path / "s.txt"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o640)
    result = run_cli("split", str(SAMPLE), "-o", str(out), preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and out.read_text(encoding="utf-8") == split_text


# --- 6: write failures are the user's environment: one line, the path, exit code 9 ------------


def test_disk_full_on_stdout_and_on_a_file(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:  # `> /dev/full`, written to, never replaced
        result = run_cli("split", str(SAMPLE), stdout=full)
    assert result.returncode == ExitCode.OUTPUT
    line = one_line_error(result)
    assert "<stdout>" in line and os.strerror(errno.ENOSPC) in line
    with open("/dev/full", "w") as full:
        result = run_cli("eval", "score", "--hyp", str(SAMPLE), "--ref", str(SAMPLE),
                         "--metrics", "bleu", "--bootstrap", "0", stdout=full)
    assert result.returncode == ExitCode.OUTPUT and "internal error" not in result.stderr
    assert "Exception ignored" not in result.stderr
    full_dev = _device(tmp_path / "full", 1, 7)
    result = run_cli("split", str(SAMPLE), "-o", str(full_dev))
    assert result.returncode == ExitCode.OUTPUT
    assert str(full_dev) in one_line_error(result) and os.strerror(errno.ENOSPC) in result.stderr


def _read_only_mount_run(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    """`script` run where tmp_path/ro is a read-only file system (a private mount namespace)."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare for a read-only mount")
    ro = tmp_path / "ro"
    ro.mkdir()
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o ro none {ro}"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot mount a read-only file system here (no user namespaces)")
    from hardening_helpers import cli_env

    return subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o ro none {ro} && {script}"],
                          capture_output=True, text=True, env=cli_env(), timeout=120)


def test_read_only_places_are_refused_before_the_work(tmp_path: Path) -> None:
    import shlex
    import sys

    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "1", "title": "T", "text": "The cat sat. It was sunny. Fine."}) + "\n",
                     encoding="utf-8")
    python = shlex.quote(sys.executable)
    sample = shlex.quote(str(SAMPLE))
    ro = tmp_path / "ro"
    commands = [
        f"split {sample} -o {ro}/s.txt",
        f"eval score --hyp {sample} --ref {sample} --metrics bleu --json {ro}/scores.json",
        f"eval score --hyp {sample} --ref {sample} --metrics bleu --json {ro}/new/scores.json",
        f"digest {items} -o {ro}/d.jsonl",
        f"digest {items} -o {tmp_path}/d.jsonl --render {ro}/d.html",
    ]
    script = " ; ".join(f"{python} -m tarjama {c} > /dev/null; echo rc=$?" for c in commands)
    result = _read_only_mount_run(tmp_path, script)
    codes = [line for line in result.stdout.splitlines() if line.startswith("rc=")]
    assert codes == [f"rc={ExitCode.OUTPUT}"] * len(commands), result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("tarjama: error:")]
    assert len(errors) == len(commands), result.stderr
    assert all(os.strerror(errno.EROFS) in e for e in errors), result.stderr
    assert not (tmp_path / "d.jsonl").exists(), "the digest ran before its render target was checked"


def test_a_failure_at_rename_time_is_an_output_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tarjama.errors import OutputError
    from tarjama.outputs import atomic_write_text

    def refuse(*args: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(os, "replace", refuse)
    out = tmp_path / "x.txt"
    with pytest.raises(OutputError, match=f"{out}.*Read-only file system"):
        atomic_write_text(out, "text\n")
    assert parts_in(tmp_path) == [] and not out.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_folder_without_write_permission(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    result = run_cli("split", str(SAMPLE), "-o", str(locked / "s.txt"))
    assert result.returncode == ExitCode.OUTPUT
    assert os.strerror(errno.EACCES) in one_line_error(result)


# --- 7: every output target is checked before models load or work starts ----------------------


def test_targets_are_checked_before_the_model(tmp_path: Path) -> None:
    missing_model = str(tmp_path / "no-model-here")
    for args in (["translate", str(SAMPLE), "--model", missing_model, "-o", str(tmp_path / "no" / "x.txt")],
                 ["summarize", str(SAMPLE), "--method", "abstractive", "--model", missing_model,
                  "-o", str(tmp_path / "no" / "x.txt")],
                 ["translate", str(SAMPLE), "--model", missing_model, "-o", str(tmp_path)]):
        result = runner.invoke(app, args)
        assert result.exit_code == ExitCode.OUTPUT, (args, result.stderr)
        assert "no-model-here" not in one_line_error(result)


def test_digest_render_targets_are_checked_before_the_digest(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "1", "title": "T", "text": "The cat sat. It was sunny. Fine."}) + "\n",
                     encoding="utf-8")
    out = tmp_path / "digest.jsonl"
    for render, code in ((tmp_path / "page.pdf", ExitCode.USAGE),
                         (tmp_path / "no" / "such" / "page.html", ExitCode.OUTPUT),
                         (items, ExitCode.USAGE)):
        result = runner.invoke(app, ["digest", str(items), "-o", str(out), "--render", str(render)])
        assert result.exit_code == code, (render, result.stderr)
        assert not out.exists(), "the digest ran before its render target was checked"
    file_as_folder = tmp_path / "pages"
    file_as_folder.write_text("mine\n", encoding="utf-8")
    result = runner.invoke(app, ["digest", str(items), "-o", str(out), "--render", str(file_as_folder)])
    assert result.exit_code == ExitCode.OUTPUT and not out.exists()
    assert file_as_folder.read_text(encoding="utf-8") == "mine\n"


def test_check_output_in_the_api(tmp_path: Path) -> None:
    from tarjama.errors import OutputError
    from tarjama.outputs import check_output, output_stream

    src = tmp_path / "in.txt"
    src.write_text("x\n", encoding="utf-8")
    check_output(tmp_path / "new.txt", inputs=[src, "-", "https://example.com/x"])
    check_output(tmp_path / "a" / "b" / "new.json", parents=True)
    check_output(tmp_path / "pages", folder=True)
    for bad, kwargs in ((src, {"inputs": [str(src)]}), (tmp_path, {}),
                        (tmp_path / "a" / "x.txt", {}), (src, {"folder": True})):
        with pytest.raises(OutputError):
            check_output(bad, **kwargs)
    with output_stream(tmp_path / "o.txt") as out:
        out.write("done\n")
    assert (tmp_path / "o.txt").read_text(encoding="utf-8") == "done\n"
