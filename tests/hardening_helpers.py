"""Running the real command line in a subprocess, for what only a process shows: signals, closed
or redirected descriptors, devices, FIFOs, exit codes at interpreter exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "article.ar.txt"


def cli_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1",
            **extra}


def tarjama_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "tarjama", *args]


def run_cli(*args: str, timeout: float = 120, **popen: Any) -> subprocess.CompletedProcess:
    """`python -m tarjama ARGS` to completion; stdout and stderr as text unless redirected."""
    popen.setdefault("env", cli_env())
    popen.setdefault("cwd", REPO)
    if "stdout" not in popen:
        popen["stdout"] = subprocess.PIPE
    popen.setdefault("stderr", subprocess.PIPE)
    if "stdin" not in popen and "input" not in popen:
        popen["stdin"] = subprocess.DEVNULL
    return subprocess.run(tarjama_cmd(*args), timeout=timeout, text=True, **popen)


def start_cli(*args: str, **popen: Any) -> subprocess.Popen:
    popen.setdefault("env", cli_env())
    popen.setdefault("cwd", REPO)
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    popen.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen(tarjama_cmd(*args), **popen)


def parts_in(folder: Path) -> list[str]:
    """Temporary files an atomic write left (hidden, ending in .part)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".part"))


@pytest.fixture(scope="module")
def split_text() -> str:
    """What `tarjama split SAMPLE` prints, read any other way (a pipe, UTF-16, a FIFO, -o)."""
    result = run_cli("split", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    return result.stdout
