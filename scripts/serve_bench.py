#!/usr/bin/env python3
"""`tarjama serve` under concurrent clients, with and without dynamic batching, side by side.

    .venv/bin/python scripts/serve_bench.py [--synthetic opus-mt-ar-en | --model DIR]
        [--data-dir ../shared/data] [--clients 1,8,32] [--requests N] [--article-sentences 40]

Starts the real server (tarjama.serve.app on uvicorn) on 127.0.0.1 twice over the same loaded
model: once with dynamic batching, once without (every request's sentences a batch of their
own, one request after another). For each number of clients, each client sends one sentence a
request (LibreTranslate's POST /translate) back to back; the report gives requests/s and the
p50/p99 latency of both servers and their ratio. Then the time to first byte, to the first
paragraph and to the end of a streamed POST /v1/translate of an article of N sentences.

--synthetic builds a model with the registry entry's exact architecture and random weights
(models/synthetic.py: the real model's speed, no download); every sentence is decoded to
exactly round(--length-ratio x source tokens) tokens, so both servers do the same work.
Sentences are NTREX-128's Arabic news when --data-dir has it, else the bundled sample's.
Prints figures; nothing is timed against a threshold.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

REPO = Path(__file__).resolve().parents[1]


def workload(data_dir: Path | None) -> list[str]:
    if data_dir is not None and (data_dir / "ntrex128").exists():
        from tarjama.eval.datasets import load_dataset

        return [s.source for s in load_dataset("ntrex128", data_dir=data_dir).segments]
    from tarjama.nlp.document import paragraph_sentences

    text = (REPO / "samples" / "article.ar.txt").read_text(encoding="utf-8")
    return [s.text for line in text.splitlines() for s in paragraph_sentences(line)
            if len(s.text.split()) > 3]


def open_model(model_dir: str, beams: int, length_ratio: float, threads: int | None) -> Any:
    from tarjama.models.session import TranslationRequest, open_translator
    from tarjama.models.translator import DecodingConfig

    translator = open_translator(TranslationRequest(model=model_dir, device="cpu", beams=beams,
                                                    threads=threads))
    # Random weights never stop by themselves: every output gets the same forced length.
    translator.config = DecodingConfig(**{**asdict(translator.config), "force_length": True,
                                          "max_length_ratio": length_ratio,
                                          "max_length_offset": 0})
    return translator


class Running:
    """The app on uvicorn in a thread, on a free loopback port."""

    def __init__(self, translator: Any, dynamic: bool) -> None:
        import uvicorn

        from tarjama.serve.app import create_app
        from tarjama.serve.service import Service, ServeSettings

        self.service = Service({("ar", "en"): translator}, ServeSettings(
            dynamic_batching=dynamic, max_queue=1_000_000, timeout=3600.0,
            max_in_flight=10_000))
        config = uvicorn.Config(create_app(self.service), host="127.0.0.1", port=0,
                                log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.service.close()


def post(port: int, path: str, body: dict[str, Any]) -> tuple[int, bytes, float, float, float]:
    """Status, body, and the seconds to the first byte, to the first paragraph and to the end."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = b""
        first = paragraph = 0.0
        while True:
            chunk = response.read1(65536)
            if not chunk:
                break
            now = time.perf_counter() - started
            first = first or now
            data += chunk
            if not paragraph and b'"index"' in data:
                paragraph = now
        return response.status, data, first, paragraph, time.perf_counter() - started
    finally:
        conn.close()


def clients_run(port: int, sentences: Sequence[str], clients: int, requests: int
                ) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client(k: int) -> None:
        nonlocal errors
        for i in range(k, requests, clients):
            status, _, _, _, seconds = post(port, "/translate", {
                "q": sentences[i % len(sentences)], "source": "ar", "target": "en"})
            with lock:
                latencies.append(seconds)
                errors += status != 200

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {"requests": len(latencies), "errors": errors, "wall_s": wall,
            "req_per_s": len(latencies) / wall, "p50_ms": 1000 * statistics.median(ordered),
            "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--synthetic", default=None, help="registry name (default opus-mt-ar-en)")
    source.add_argument("--model", default=None, help="a model directory instead")
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--requests", type=int, default=None,
                        help="requests per client count (default: 4 x clients, at least 16)")
    parser.add_argument("--article-sentences", type=int, default=40)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--length-ratio", type=float, default=1.2)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    from tarjama.models.registry import get_spec
    from tarjama.models.synthetic import build_synthetic_marian

    sentences = workload(args.data_dir if args.data_dir.exists() else None)
    levels = [int(x) for x in args.clients.split(",") if x.strip()]
    with tempfile.TemporaryDirectory(prefix="tarjama-serve-bench-") as tmp:
        if args.model:
            model_dir, label = args.model, args.model
        else:
            spec = get_spec(args.synthetic or "opus-mt-ar-en")
            print(f"building a random-weight model shaped like {spec.hub_id} ...", file=sys.stderr)
            model_dir = str(build_synthetic_marian(spec, sentences, Path(tmp) / spec.name))
            label = f"synthetic {spec.name} (random weights, real architecture)"
        translator = open_model(model_dir, args.beams, args.length_ratio, args.threads)
        rows: dict[tuple[bool, int], dict[str, float]] = {}
        article_rows: dict[bool, tuple[float, float, float]] = {}
        per_paragraph = 3
        picked = [sentences[i % len(sentences)] for i in range(args.article_sentences)]
        article = "\n".join(" ".join(picked[i : i + per_paragraph])
                            for i in range(0, len(picked), per_paragraph))
        for dynamic in (True, False):
            server = Running(translator, dynamic)
            try:
                post(server.port, "/translate", {"q": sentences[0], "source": "ar", "target": "en"})
                for clients in levels:
                    n = args.requests or max(16, 4 * clients)
                    rows[(dynamic, clients)] = clients_run(server.port, sentences, clients, n)
                    print(f"  {'dynamic' if dynamic else 'one at a time'}, {clients} clients: "
                          f"{rows[(dynamic, clients)]['req_per_s']:.2f} req/s", file=sys.stderr)
                status, body, first, paragraph, total = post(server.port, "/v1/translate",
                                                             {"text": article})
                if status != 200 or "error" in json.loads(body):
                    raise SystemExit(f"the article failed: {body[:300]!r}")
                article_rows[dynamic] = (first, paragraph, total)
            finally:
                server.stop()
    print(f"tarjama serve, {label}, beam {args.beams}, outputs forced to "
          f"{args.length_ratio} x source tokens; one sentence a request (POST /translate)")
    print(f"{'clients':>7}  {'batching':<13} {'requests':>8} {'errors':>6} {'req/s':>8} "
          f"{'p50 ms':>8} {'p99 ms':>8}")
    for clients in levels:
        for dynamic in (True, False):
            r = rows[(dynamic, clients)]
            print(f"{clients:>7}  {'dynamic' if dynamic else 'none':<13} {r['requests']:>8.0f} "
                  f"{r['errors']:>6.0f} {r['req_per_s']:>8.2f} {r['p50_ms']:>8.0f} {r['p99_ms']:>8.0f}")
        ratio = rows[(True, clients)]["req_per_s"] / rows[(False, clients)]["req_per_s"]
        print(f"{clients:>7}  dynamic / none: {ratio:.2f}x requests/s")
    print(f"article of {args.article_sentences} sentences (POST /v1/translate, streamed):")
    for dynamic in (True, False):
        first, paragraph, total = article_rows[dynamic]
        print(f"  batching {'dynamic' if dynamic else 'none':<8} first byte {1000 * first:.0f} ms, "
              f"first paragraph {1000 * paragraph:.0f} ms, whole article {1000 * total:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
