"""Helpers for the `tarjama serve` tests: a stand-in translator with Seq2SeqTranslator's
interface (fast, deterministic, observable), and a real server started as a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Sequence

from tarjama.nlp.translate import Segment, SegmentOutput

REPO = Path(__file__).resolve().parents[1]


class FakeSeq2Seq:
    """Seq2SeqTranslator's interface over a word-for-word stand-in: each word becomes
    ``w<its length>``; a sentence with "طويل" (long) hits the length bound. Records the
    segments of every model call; `delay` seconds per call; `gate` (an Event) holds each call
    until set; a call with `fail_on` in a segment raises."""

    def __init__(self, source_lang: str = "ar", target_lang: str = "en", *, delay: float = 0.0,
                 max_batch_tokens: int = 4000, fail_on: str | None = None,
                 gate: threading.Event | None = None) -> None:
        self.source_lang = source_lang
        self.target_lang = target_lang
        self.config = SimpleNamespace(max_batch_tokens=max_batch_tokens)
        self.num_beams = 1
        self.max_segment_tokens = 64
        self.delay = delay
        self.fail_on = fail_on
        self.gate = gate
        self.calls: list[list[str]] = []
        self.started = threading.Event()  # set when a call begins

    def provenance(self) -> dict[str, Any]:
        return {"source_lang": self.source_lang, "target_lang": self.target_lang,
                "model": {"model": "fake", "commit": "0" * 8}, "decoding": {"num_beams": 1}}

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return [[1] * (len(t.split()) + 1) for t in texts]

    def translate(self, segments: Sequence[Segment]) -> list[SegmentOutput]:
        self.calls.append([s.text for s in segments])
        self.started.set()
        if self.gate is not None:
            self.gate.wait(30)
        if self.delay:
            time.sleep(self.delay)
        if self.fail_on is not None and any(self.fail_on in s.text for s in segments):
            raise RuntimeError("model exploded")
        return [SegmentOutput(" ".join(f"w{len(w)}" for w in s.text.split()),
                              hit_max_length="طويل" in s.text) for s in segments]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """`tarjama serve` in a subprocess on 127.0.0.1, as a user starts it."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.args = ["--port", str(self.port), *args]
        self.env = {**os.environ, "HF_HUB_OFFLINE": "1", "no_proxy": "127.0.0.1,localhost",
                    "NO_PROXY": "127.0.0.1,localhost", **(env or {})}
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 180.0) -> "LiveServer":
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from tarjama.cli import run; run()", "serve", *self.args],
            cwd=REPO, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"tarjama serve exited {self.proc.returncode}: "
                                     f"{self.proc.stderr.read() if self.proc.stderr else ''}")
            try:
                self.get("/healthz", timeout=2)
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.25)
        self.stop()
        raise AssertionError("tarjama serve did not answer /healthz in time")

    def stop(self) -> str:
        """Stop the server (as Ctrl-C does) and return its stderr."""
        if self.proc is None:
            return ""
        if self.proc.poll() is None:
            self.proc.send_signal(2)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        err = self.proc.stderr.read() if self.proc.stderr else ""
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return err

    def rss_mb(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def get(self, path: str, timeout: float = 30) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body[:1] in (b"{", b"[") else body.decode()

    def post(self, path: str, body: dict[str, Any], timeout: float = 120) -> tuple[int, Any]:
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
