#!/usr/bin/env python3
"""Digest throughput and crash-resume, measured on NTREX-128 served as a local RSS feed.

    .venv/bin/python scripts/digest_bench.py [--data-dir ../shared/data] [--lang ar|en]
        [--model DIR | --synthetic] [--backend torch|ctranslate2] [--kill-after N]

Builds an RSS 2.0 feed of the NTREX-128 documents (headline as title, body as <p>
paragraphs), serves it on 127.0.0.1, and runs the real `tarjama digest` command on it:

1. a clean run: articles/minute of the extractive path (Arabic items are translated: give a
   downloaded opus-mt directory with --model, or --synthetic for a random-weight model of
   opus-mt-ar-en's exact shape, whose speed is the real model's);
2. with --kill-after N: a run SIGKILLed once N records are on disk, then the same command
   again; the output must hold every article exactly once.

Prints a small report; nothing is timed against a threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
TARJAMA = [sys.executable, "-c", "from tarjama.cli import run; run()"]


def ntrex_feed(data_dir: Path, lang: str) -> tuple[bytes, int]:
    from tarjama.eval.datasets import load_dataset

    name = "ntrex128-headlines" if lang == "ar" else "ntrex128-headlines-en"
    data = load_dataset(name, data_dir=data_dir)
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    items = []
    for i, seg in enumerate(data.segments):
        body = "".join(f"<p>{escape(p)}</p>" for p in seg.source.split("\n"))
        items.append(
            f"<item><title>{escape(seg.refs[0] or '')}</title>"
            f"<link>http://127.0.0.1/ntrex/{escape(seg.id)}</link>"
            f"<guid>ntrex-{lang}-{escape(seg.id)}</guid>"
            f"<pubDate>{format_datetime(start + timedelta(hours=i))}</pubDate>"
            f"<description>{escape(body)}</description></item>")
    xml = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
           f"<title>NTREX-128 ({lang})</title><link>http://127.0.0.1/</link>"
           f"<description>benchmark feed</description>{''.join(items)}</channel></rss>")
    return xml.encode("utf-8"), len(items)


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/feed.xml"


def records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")
    return [json.loads(line) for line in lines[:-1] if line.strip()]  # whole lines only


def digest_command(url: str, out: Path, model: str | None, extra: list[str]) -> list[str]:
    cmd = [*TARJAMA, "digest", url, "-o", str(out), "--no-progress", "--no-cache", *extra]
    return cmd + (["--model", model] if model else [])


def run_clean(url: str, out: Path, model: str | None, env: dict[str, str],
              extra: list[str]) -> dict:
    started = time.perf_counter()
    done = subprocess.run(digest_command(url, out, model, extra), env=env, cwd=REPO,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    summary = [line for line in done.stderr.splitlines() if "digest:" in line]
    return {"exit_code": done.returncode, "wall_s": round(wall, 1), "records": len(records(out)),
            "summary": summary[-1] if summary else done.stderr.strip()[-300:]}


def run_kill_resume(url: str, out: Path, model: str | None, env: dict[str, str],
                    kill_after: int, expected: int, extra: list[str]) -> dict:
    proc = subprocess.Popen(digest_command(url, out, model, extra), env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while proc.poll() is None and len(records(out)) < kill_after:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = len(records(out))
    resumed = subprocess.run(digest_command(url, out, model, extra), env=env, cwd=REPO,
                             capture_output=True, text=True, check=False)
    ids = Counter(r["id"] for r in records(out))
    return {"killed_with_records": before, "resume_exit_code": resumed.returncode,
            "records_after_resume": sum(ids.values()), "distinct_ids": len(ids),
            "duplicates": sum(n - 1 for n in ids.values() if n > 1), "expected": expected,
            "exactly_once": len(ids) == expected and all(n == 1 for n in ids.values()),
            "resume_summary": [line for line in resumed.stderr.splitlines() if "digest:" in line][-1:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--lang", choices=("ar", "en"), default="ar")
    parser.add_argument("--model", help="translation model directory for Arabic items")
    parser.add_argument("--synthetic", action="store_true",
                        help="build a random-weight model shaped like opus-mt-ar-en")
    parser.add_argument("--kill-after", type=int, default=0, metavar="N")
    parser.add_argument("--backend", choices=("torch", "ctranslate2"), default="torch")
    args = parser.parse_args()
    extra = ["--backend", args.backend]
    sys.path.insert(0, str(REPO))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with tempfile.TemporaryDirectory(prefix="tarjama-digest-bench-") as tmp:
        root = Path(tmp)
        feed, n_items = ntrex_feed(args.data_dir, args.lang)
        (root / "feed.xml").write_bytes(feed)
        model = args.model
        if args.lang == "ar" and model is None:
            if not args.synthetic:
                parser.error("Arabic items are translated: give --model DIR or --synthetic")
            from tarjama.models.registry import get_spec
            from tarjama.models.synthetic import build_synthetic_marian

            texts = feed.decode("utf-8").replace("<", "\n<").splitlines()
            model = str(build_synthetic_marian(get_spec("opus-mt-ar-en"), texts, root / "model"))
        server, url = serve(root)
        try:
            report = {"feed": f"NTREX-128 {args.lang}, {n_items} articles, {len(feed)} bytes",
                      "model": "synthetic opus-mt-ar-en (random weights, real shape)"
                      if args.synthetic else model,
                      "backend": args.backend,
                      "clean": run_clean(url, root / "clean.jsonl", model, env, extra)}
            clean = report["clean"]
            clean["articles_per_min"] = round(60 * clean["records"] / clean["wall_s"], 1)
            if args.kill_after:
                report["kill_resume"] = run_kill_resume(url, root / "killed.jsonl", model, env,
                                                        args.kill_after, n_items, extra)
        finally:
            server.shutdown()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
