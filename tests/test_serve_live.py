"""`tarjama serve` as users run it: a subprocess on 127.0.0.1 with a tiny real model, driven
over real HTTP, by many concurrent clients (marked load) and by Chromium (marked browser).

Both markers run in CI (make test); `-m "not browser and not load"` skips them locally. The
browser test needs Debian's chromium (/usr/bin/chromium): .ci/run installs it, and with
TARJAMA_REQUIRE_BROWSER=1 (set there) its absence fails the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
from cli_helpers import one_line_error
from serve_helpers import REPO, LiveServer
from typer.testing import CliRunner

from tarjama.cli import app

SAMPLE = REPO / "samples" / "article.ar.txt"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
runner = CliRunner()


@pytest.fixture(scope="module")
def server(tiny_marian: Path) -> Iterator[LiveServer]:
    live = LiveServer("--model", str(tiny_marian), "--beams", "1", "--max-queue", "4096").start()
    yield live
    live.stop()


def test_serve_answers_as_the_command_does(server: LiveServer, tiny_marian: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    status, record = server.post("/v1/translate", {"text": text})
    assert status == 200
    cli = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(tiny_marian), "--beams", "1",
                              "-f", "json"])
    assert cli.exit_code == 0, cli.stderr
    assert record == json.loads(cli.stdout)
    # Tiny random models run to the length bound: those sentences carry the flag.
    assert record["stats"]["checks"]["hit_max_length"] >= 1
    status, lt = server.post("/translate", {"q": ["ذهب الرئيس إلى المدينة.", "2026"],
                                            "source": "auto", "target": "en"})
    assert status == 200 and lt["translatedText"][1] == "2026"
    assert lt["detectedLanguage"][0] == {"confidence": 100.0, "language": "ar"}
    assert server.get("/healthz")["directions"] == ["ar-en"]


def test_serve_binds_loopback_only_by_default(server: LiveServer) -> None:
    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)
                 if info[0] == socket.AF_INET} - {"127.0.0.1"}
    for address in addresses:
        with socket.socket() as sock, pytest.raises(OSError):
            sock.settimeout(2)
            sock.connect((address, server.port))


def test_serve_command_errors_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["serve", "--api-key", "a", "--api-keys", str(tmp_path / "k")])
    assert result.exit_code == 2 and "give --api-key or --api-keys" in one_line_error(result)
    result = runner.invoke(app, ["serve", "--api-keys", str(tmp_path / "missing")])
    assert result.exit_code == 3 and "no such file" in one_line_error(result)
    (tmp_path / "keys").write_text("# none yet\n\n", encoding="utf-8")
    result = runner.invoke(app, ["serve", "--api-keys", str(tmp_path / "keys")])
    assert result.exit_code == 3 and "no API keys" in one_line_error(result)
    result = runner.invoke(app, ["serve", "--model", str(tmp_path / "no-such-model")])
    assert result.exit_code == 4, result.stderr
    result = runner.invoke(app, ["serve", "--model", "bart-large-cnn"])
    assert result.exit_code == 2 and "summarization model" in one_line_error(result)
    result = runner.invoke(app, ["serve", "--model", "ar-en=x", "--model", "opus-mt-ar-en"])
    assert result.exit_code == 2 and "given twice for ar-en" in one_line_error(result)
    # Without the extra installed: one line naming it.
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "fastapi" else real(name, *a))
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    assert one_line_error(result) == ("tarjama: error: tarjama serve needs the optional extra "
                                      "(missing: fastapi): pip install 'tarjama[serve]'")


@pytest.mark.load
def test_two_hundred_requests_from_twenty_clients(server: LiveServer) -> None:
    sentences = ["ذهب الرئيس إلى المدينة.", "وقال وزير الطاقة إن المشروع مهم.",
                 "هل تكفي هذه المحطات لمواجهة الجفاف؟", "يقول خبراء إن الحل يتطلب ترشيد الاستهلاك."]
    server.post("/translate", {"q": sentences[0], "source": "ar", "target": "en"})  # warm up
    before = server.rss_mb()
    counted = server.get("/metrics")
    batches_before = _metric(counted, 'tarjama_batch_requests_count{direction="ar-en"}')
    joined_before = _metric(counted, 'tarjama_batch_requests_sum{direction="ar-en"}')
    latencies: list[float] = []

    def one(i: int) -> tuple[int, object]:
        started = time.perf_counter()
        status, body = server.post("/translate", {"q": sentences[i % 4] + f" {i}",
                                                  "source": "ar", "target": "en"}, timeout=300)
        latencies.append(time.perf_counter() - started)
        return status, body

    started = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(200)))
    wall = time.perf_counter() - started
    assert [status for status, _ in results] == [200] * 200
    assert all(isinstance(body, dict) and body["translatedText"] for _, body in results)
    growth = server.rss_mb() - before
    assert growth < 150, f"RSS grew {growth:.0f} MB over 200 requests"
    metrics = server.get("/metrics")
    count = _metric(metrics, 'tarjama_batch_requests_count{direction="ar-en"}') - batches_before
    total = _metric(metrics, 'tarjama_batch_requests_sum{direction="ar-en"}') - joined_before
    assert total == 200 and count < 60, (count, total)  # requests shared batches
    print(f"\n200 requests, 20 clients: {wall:.1f} s, {200 / wall:.1f} req/s, "
          f"p50 {statistics.median(latencies):.2f} s, {total / count:.1f} requests per batch, "
          f"RSS +{growth:.0f} MB")


@pytest.mark.load
def test_a_client_leaving_mid_request_costs_no_restart(server: LiveServer) -> None:
    # Long enough that no busy machine finishes it before the client leaves.
    article = "\n".join(["افتتحت الحكومة يوم الاثنين محطة جديدة لتحلية مياه البحر."] * 400)
    body = json.dumps({"text": article}).encode()
    request = (f"POST /v1/translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
               f"\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(request)
            deadline = time.monotonic() + 30
            while server.get("/healthz")["queued"]["ar-en"] == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
        # Closed while its sentences wait for the model: they are dropped, not translated.
    deadline = time.monotonic() + 60
    while server.get("/healthz")["queued"]["ar-en"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.get("/healthz")["queued"]["ar-en"] == 0
    status, answer = server.post("/translate", {"q": "ذهب الرئيس.", "source": "ar", "target": "en"})
    assert status == 200 and answer["translatedText"]
    assert 'status="499"' in server.get("/metrics")


@pytest.mark.load
def test_several_worker_processes(tiny_marian: Path) -> None:
    live = LiveServer("--model", str(tiny_marian), "--beams", "1", "--workers", "2").start(wait=300)
    try:
        status, body = live.post("/translate", {"q": "ذهب الرئيس.", "source": "ar", "target": "en"})
        assert status == 200 and body["translatedText"]
    finally:
        live.stop()
    broken = LiveServer("--model", "/no/such/model", "--workers", "2")
    done = subprocess.run([sys.executable, "-c", "from tarjama.cli import run; run()", "serve",
                           *broken.args], env=broken.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 4 and done.stderr.count("tarjama: error:") == 1, done.stderr


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in the metrics")


@pytest.mark.browser
def test_the_page_in_a_real_browser(server: LiveServer) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("TARJAMA_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing (.ci/run installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium fonts-noto-core)")
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    profile = tempfile.mkdtemp(prefix="tarjama-chromium-")
    text = SAMPLE.read_text(encoding="utf-8")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), viewport={"width": 1280, "height": 900},
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update",
                      "--disable-sync"])
            try:
                page = browser.new_page()
                outside: list[str] = []
                page.on("request", lambda r: None if r.url.startswith(server.url)
                        else outside.append(r.url))
                page.goto(server.url + "/")
                expect(page.locator("#direction option")).to_have_text(["Arabic → English"])
                page.fill("#text", text)
                page.select_option("#summary", "extractive:1")
                page.click("#go")
                expect(page.locator("#rows .row").first).to_be_visible(timeout=120_000)
                expect(page.locator("#summary-list li")).to_have_count(1, timeout=120_000)
                paragraphs = [line for line in text.splitlines() if line.strip()]
                expect(page.locator("#rows .row")).to_have_count(len(paragraphs))
                source = page.locator("#rows .row .cell.src").first
                assert source.get_attribute("dir") == "rtl" and source.get_attribute("lang") == "ar"
                target = page.locator("#rows .row .cell.tgt").first
                assert target.get_attribute("dir") == "ltr"
                # Both columns side by side: English left, Arabic right.
                left, right = target.bounding_box(), source.bounding_box()
                assert left and right and left["x"] + left["width"] <= right["x"]
                assert source.inner_text().strip() and target.inner_text().strip()
                # Flagged sentences are marked, and their reasons listed as text.
                expect(page.locator(".flag").first).to_be_visible()
                assert "hit_max_length" in page.locator(".reasons").first.inner_text()
                # Hovering (or focusing) a sentence highlights its counterpart.
                lit = re.compile(r"\bhl\b")
                page.locator('#rows .cell.src .s[data-s="1"]').hover()
                expect(page.locator('#rows .cell.tgt .s[data-s="1"]')).to_have_class(lit)
                page.mouse.move(1, 1)
                expect(page.locator('#rows .cell.tgt .s[data-s="1"]')).not_to_have_class(lit)
                page.locator('#rows .cell.tgt .s[data-s="2"]').focus()  # reached with Tab
                expect(page.locator('#rows .cell.src .s[data-s="2"]')).to_have_class(lit)
                page.screenshot(path=str(ARTIFACTS / "serve-page.png"), full_page=True)
                # A phone: one column, source above its translation.
                page.set_viewport_size({"width": 390, "height": 844})
                src_box = page.locator("#rows .row .cell.src").nth(1).bounding_box()
                tgt_box = page.locator("#rows .row .cell.tgt").nth(1).bounding_box()
                assert src_box and tgt_box and tgt_box["y"] >= src_box["y"] + src_box["height"] - 1
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
                page.screenshot(path=str(ARTIFACTS / "serve-page-phone.png"), full_page=True)
                # An error shows as a message, not a broken page.
                page.fill("#text", "")
                page.fill("#url", "")
                page.click("#go")
                expect(page.locator("#status")).to_have_text("Paste an article, or give its URL.")
                assert outside == []
            finally:
                browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert (ARTIFACTS / "serve-page.png").stat().st_size > 10_000


@pytest.mark.load
def test_the_benchmark_command_prints_its_figures(tiny_marian: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "serve_bench.py"), "--model", str(tiny_marian),
         "--clients", "1,4", "--requests", "8", "--article-sentences", "6", "--beams", "1"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "no_proxy": "127.0.0.1"})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for clients in (1, 4):
        assert re.search(rf"^\s+{clients}  dynamic\s+8\s+0\s", out, re.M), out
        assert re.search(rf"^\s+{clients}  none\s+8\s+0\s", out, re.M), out
        assert re.search(rf"^\s+{clients}  dynamic / none: [\d.]+x requests/s$", out, re.M), out
    assert re.search(r"first byte \d+ ms, first paragraph \d+ ms, whole article \d+ ms", out)
