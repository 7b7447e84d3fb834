"""Time limits and signals while fetching (issue 14, item 13): --timeout bounds a whole fetch, a
server that drips a byte every half second cannot stretch it, and SIGTERM or a stop request stops
a fetch in flight. The servers are this test's own, on 127.0.0.1, and stop dripping by themselves."""

from __future__ import annotations

import signal
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from cli_helpers import one_line_error
from hardening_helpers import run_cli, start_cli
from tarjama.errors import ExitCode, InputError
from tarjama.news.fetch import FetchLimits, fetch_url

# However a test goes, no connection is held longer than this.
DRIP_FOR_S = 15.0


class DripServer:
    """Answers every connection by sending one byte every `interval` seconds, for DRIP_FOR_S at
    most: in the headers ("headers") or in a body announced as 1 MB ("body")."""

    def __init__(self, where: str, interval: float = 0.5) -> None:
        self.where = where
        self.interval = interval
        self.stopped = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, path: str = "/feed.xml") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        end = time.monotonic() + DRIP_FOR_S
        try:
            conn.settimeout(1.0)
            conn.recv(65536)
            if self.where == "body":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                             b"Content-Length: 1000000\r\n\r\n<rss>")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while time.monotonic() < end and not self.stopped.is_set():
                conn.sendall(b"x")
                self.stopped.wait(self.interval)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture(params=["body", "headers"])
def drip(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[DripServer]:
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    server = DripServer(request.param)
    yield server
    server.close()


def test_a_drip_cannot_stretch_the_deadline(drip: DripServer) -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match="timed out after 2 s"):
        fetch_url(drip.url(), FetchLimits(timeout=2.0))
    assert time.monotonic() - started < 4.0


def test_a_stop_request_cuts_a_fetch_short(drip: DripServer) -> None:
    from tarjama.news.fetch import FetchCancelled

    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    with pytest.raises(FetchCancelled):
        fetch_url(drip.url(), FetchLimits(timeout=30.0), cancel=stop.is_set)
    assert time.monotonic() - started < 2.5


def test_digest_timeout_bounds_a_dripping_feed(drip: DripServer, tmp_path: Path) -> None:
    out = tmp_path / "d.jsonl"
    started = time.monotonic()
    result = run_cli("digest", drip.url(), "-o", str(out), "--timeout", "2", timeout=DRIP_FOR_S + 30)
    elapsed = time.monotonic() - started
    assert result.returncode == ExitCode.PARTIAL_FAILURE, result.stderr
    assert "timed out after 2 s" in result.stderr
    assert elapsed < DRIP_FOR_S, f"the digest took {elapsed:.1f} s for a 2 s limit"


def _stops_on_sigterm(args: list[str], expected: int) -> str:
    proc = start_cli(*args)
    time.sleep(3.0)  # started, and waiting on the dripping server
    assert proc.poll() is None, proc.stderr.read().decode()
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, stderr = proc.communicate(timeout=DRIP_FOR_S)
    except Exception:
        proc.kill()
        proc.communicate()
        raise
    assert time.monotonic() - sent < 5.0
    assert proc.returncode == expected, stderr.decode()
    assert "Traceback" not in stderr.decode()
    return stderr.decode()


def test_sigterm_stops_translate_of_a_url(drip: DripServer) -> None:
    stderr = _stops_on_sigterm(["translate", drip.url("/article.html"), "--model", "/nonexistent"],
                               128 + signal.SIGTERM)
    assert "stopped by SIGTERM" in stderr


def test_sigterm_stops_a_digest_waiting_on_a_feed(drip: DripServer, tmp_path: Path) -> None:
    stderr = _stops_on_sigterm(["digest", drip.url(), "-o", str(tmp_path / "d.jsonl"), "--timeout", "60"],
                               ExitCode.INTERRUPTED)
    assert "run the same command again to resume" in stderr
    assert not (tmp_path / "d.errors.jsonl").exists(), "a stopped fetch is not a failed source"


def test_translate_url_times_out_in_one_line(drip: DripServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from tarjama.news import sources

    monkeypatch.setattr(sources, "FetchLimits", lambda: FetchLimits(timeout=1.5))
    from tarjama.cli import app
    from typer.testing import CliRunner

    started = time.monotonic()
    result = CliRunner().invoke(app, ["translate", drip.url("/a.html"), "--model", "/nonexistent"])
    assert result.exit_code == ExitCode.INPUT, result.stderr
    assert "timed out after 1.5 s" in one_line_error(result)
    assert time.monotonic() - started < 4.0
