"""The command line (issue 14, items 14-17): a second Ctrl-C ends a digest at once without a
traceback, usage errors are one line with exit code 2, option values are validated, and every
module the product imports comes from a declared dependency."""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import one_line_error
from hardening_helpers import REPO, SAMPLE, run_cli, start_cli
from tarjama.cli import app
from tarjama.errors import ExitCode
from typer.testing import CliRunner

runner = CliRunner()


# --- 14: a second Ctrl-C during a digest -------------------------------------------------------


def _items(tmp_path: Path, english_first: int) -> Path:
    """English items (written as soon as they are summarized), then Arabic ones (translated by
    torch): the first record shows that torch is at work on the rest of the batch."""
    from digest_helpers import ar_article, en_article

    rows = [{"id": f"e{i}", "title": en_article(i)[0], "text": en_article(i)[1]} for i in range(english_first)]
    rows += [{"id": f"a{i}", "title": ar_article(i)[0], "text": ar_article(i)[1]} for i in range(60 - english_first)]
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _digest(items: Path, out: Path, model: Path, batch: int) -> subprocess.Popen:
    return start_cli("digest", str(items), "-o", str(out), "--model", str(model), "--beams", "1",
                     "--threads", "1", "--batch-size", str(batch), "--no-cache", "--no-progress")


def _wait_for_records(proc: subprocess.Popen, out: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not (out.exists() and out.stat().st_size) and time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"digest ended early: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    assert out.exists() and out.stat().st_size, "no record in time"


def test_second_ctrl_c_during_the_batch_stops_at_once(tiny_marian: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.jsonl"
    proc = _digest(_items(tmp_path, english_first=3), out, tiny_marian, batch=30)
    _wait_for_records(proc, out)  # the first batch is being translated by torch now
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, stderr = proc.communicate(timeout=60)
    message = stderr.decode()
    assert proc.returncode == ExitCode.INTERRUPTED, message
    assert "stopped at once" in message and "Traceback" not in message
    assert time.monotonic() - sent < 10
    lines = out.read_bytes().splitlines(keepends=True)
    assert lines and all(line.endswith(b"\n") for line in lines)  # whole records only
    assert len(lines) < 60


def test_ctrl_c_while_the_process_exits_prints_no_traceback(tiny_marian: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.jsonl"
    # The first batch: one English item (the signal) and one Arabic (torch loaded, its exit hooks set).
    proc = _digest(_items(tmp_path, english_first=1), out, tiny_marian, batch=2)
    _wait_for_records(proc, out)
    proc.send_signal(signal.SIGINT)
    seen = []
    assert proc.stderr is not None
    for raw in proc.stderr:  # the batch ends, the process says so and starts to exit ...
        seen.append(raw.decode())
        if "interrupted after the current batch" in seen[-1]:
            break
    for _ in range(50):  # ... and is interrupted again while torch's exit hooks run
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGINT)
        time.sleep(0.02)
    rest = proc.stderr.read().decode()
    proc.wait(timeout=60)
    message = "".join(seen) + rest
    assert proc.returncode == ExitCode.INTERRUPTED, message
    assert "Traceback" not in message and "Exception ignored" not in message


# --- 15: usage errors are one line, exit code 2 --------------------------------------------------


@pytest.mark.parametrize("args", [
    ["translate", str(SAMPLE), "--beams", "0"],
    ["translate", str(SAMPLE), "--threads", "0"],
    ["translate", str(SAMPLE), "--batch-tokens", "1"],
    ["translate", str(SAMPLE), "--format", "xml"],
    ["translate", str(SAMPLE), "--no-such-option"],
    ["translate"],
    ["summarize", str(SAMPLE), "--ratio", "2"],
    ["digest", "-o"],
    ["eval", "score", "--hyp", str(SAMPLE)],
    ["no-such-command"],
])
def test_usage_errors_are_one_line(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == ExitCode.USAGE, result.stderr
    line = one_line_error(result)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "╭" not in result.stderr and "Usage:" not in result.stderr
    assert "--help" in line  # where to look next
    in_process = runner.invoke(app, args)  # the in-process runner gets the same
    assert in_process.exit_code == ExitCode.USAGE
    assert in_process.stderr.strip().split(" (see ")[0] == line.split(" (see ")[0]


def test_help_and_version_still_work() -> None:
    for args in (["--help"], ["translate", "--help"], ["eval", "compare", "--help"]):
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout and result.stderr == ""
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("tarjama ")


# --- 16: eval compare --samples ----------------------------------------------------------------


def test_compare_samples_are_validated(tmp_path: Path) -> None:
    ref = tmp_path / "ref.txt"
    ref.write_text("The cat sat on the mat.\nA dog barked.\n", encoding="utf-8")
    other = tmp_path / "sys.txt"
    other.write_text("The cat sat on a mat.\nA dog barked loudly.\n", encoding="utf-8")
    for samples in ("0", "-5", "1"):
        result = runner.invoke(app, ["eval", "compare", str(ref), str(other), "--ref", str(ref),
                                     "--samples", samples])
        assert result.exit_code == ExitCode.USAGE, (samples, result.stderr)
        assert "--samples" in one_line_error(result)
    from tarjama.errors import UsageError
    from tarjama.eval.scoring import compare_files

    with pytest.raises(UsageError, match="--samples 0"):
        compare_files([ref], [ref, other], n_samples=0)
    ok = runner.invoke(app, ["eval", "compare", str(ref), str(other), "--ref", str(ref),
                             "--samples", "20", "--json", str(tmp_path / "cmp.json")])
    assert ok.exit_code == 0, ok.stderr
    assert json.loads((tmp_path / "cmp.json").read_text(encoding="utf-8"))["n_samples"] == 20


# --- 17: dependencies --------------------------------------------------------------------------


def _declared() -> tuple[set[str], set[str]]:
    """(distributions in [project.dependencies], those of the optional extras), normalized."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731
    required = {norm(Requirement(r).name) for r in project["dependencies"]}
    optional = {norm(Requirement(r).name) for reqs in project.get("optional-dependencies", {}).values()
                for r in reqs}
    return required, optional


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_module_the_package_imports_is_declared() -> None:
    """Every third-party import (at any depth of a function) comes from a declared distribution."""
    import importlib.metadata as md

    required, optional = _declared()
    owners = md.packages_distributions()
    undeclared = {}
    for path in REPO.rglob("*.py"):
        relative = path.relative_to(REPO)
        if relative.parts[0] in ("tests", "scripts", ".venv", "build"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for name in names:
                top = (name or "").split(".")[0]
                if not top or top == "tarjama" or top in sys.stdlib_module_names:
                    continue
                dists = {_norm(d) for d in owners.get(top, [])}
                if not dists & (required | optional):
                    undeclared[top] = str(relative)
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_the_html_path_needs_nothing_an_extra_must_bring() -> None:
    """What reading an .html file or a URL imports comes from declared distributions or their
    unconditional requirements: pip before 23.3 skipped extras spelled differently from their
    declaration (justext asks for lxml[html_clean], lxml declares html-clean), so
    lxml_html_clean was missing and every .html input failed with ImportError."""
    import importlib.metadata as md

    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    probe = (
        "import sys\n"
        "from tarjama.nlp.webtext import extract_html, extract_page, html_fragment_text\n"
        "page = '<!DOCTYPE html><html><body><article><h1>T</h1>' + '<p>The cat sat on the mat today.</p>' * 20"
        " + '</article></body></html>'\n"
        "extract_page(page)\nhtml_fragment_text('<p>a <b>b</b></p>')\n"
        "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    owners = md.packages_distributions()
    used = {_norm(d) for top in done.stdout.split() for d in owners.get(top, [])} - {"tarjama"}
    required, _ = _declared()
    environment = {**default_environment(), "extra": ""}
    reachable: set[str] = set()
    todo = list(required)
    while todo:
        name = todo.pop()
        if name in reachable:
            continue
        reachable.add(name)
        try:
            requirements = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for text in requirements:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate(environment):
                todo.append(_norm(req.name))
    assert used - reachable == set(), f"imported only through an extra: {sorted(used - reachable)}"


def test_pyproject_declares_lxml_html_clean() -> None:
    required, _ = _declared()
    assert "lxml-html-clean" in required
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    done = subprocess.run([sys.executable, "-c", "import lxml.html.clean, lxml_html_clean"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_readme_lists_every_exit_code() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Exit codes"):].split("\n\n")[1]
    listed = {int(code) for row in table.splitlines()[2:]
              for code in row.split("|")[1].replace(" ", "").split(",")}
    assert listed == {int(code) for code in ExitCode}
