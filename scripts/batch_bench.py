#!/usr/bin/env python3
"""Throughput of `tarjama batch translate` on NTREX-128, --engine local against Ray.

    .venv/bin/python scripts/batch_bench.py [--data-dir ../shared/data] [--docs N]
        [--backends torch,ctranslate2] [--configs local,ray:1x2,ray:2x1] [--shard-size 8]
        [--json]

Writes the NTREX-128 Arabic documents as a JSONL input (headline as title, body as text),
builds a random-weight model with opus-mt-ar-en's exact architecture (models/synthetic.py; its
speed is the real model's) and runs the real command once per backend and configuration, each
in a fresh process on a fresh output folder:

* ``local``: the single-process engine (the backend's own threading: torch's threads, two
  CTranslate2 workers);
* ``ray:AxC``: a local Ray instance, A actors of C CPUs each (the default on 2 cores is worth
  comparing as 1x2 and 2x1).

Then the fixed cost of Ray: the same configurations on a single article, where start-up is all
there is (wall time against local, and `ray.init` alone from the manifest).

Random weights never stop by themselves: every sentence decodes to its length bound and, as it
loops, a second time with repeats banned, the same work for every configuration (a pessimistic
articles/minute, comparable across engines). Prints a table (or JSON); nothing is checked
against a threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARJAMA = [sys.executable, "-c", "from tarjama.cli import run; run()"]


def write_articles(data_dir: Path, docs: int, path: Path) -> list[str]:
    from tarjama.eval.datasets import load_dataset

    data = load_dataset("ntrex128-headlines", data_dir=data_dir)
    texts = []
    with path.open("w", encoding="utf-8") as handle:
        for seg in data.segments[:docs]:
            handle.write(json.dumps({"id": f"ntrex-{seg.id}", "title": seg.refs[0],
                                     "text": seg.source}, ensure_ascii=False) + "\n")
            texts += [seg.refs[0], seg.source]
    return texts


def run_once(inputs: Path, out: Path, model: Path, backend: str, config: str,
             shard_size: int, threads: int | None) -> dict:
    cmd = [*TARJAMA, "batch", "translate", str(inputs), "-o", str(out), "--model", str(model),
           "--backend", backend, "--shard-size", str(shard_size), "--no-progress"]
    if threads:
        cmd += ["--threads", str(threads)]
    if config != "local":
        actors, cpus = config.split(":", 1)[1].split("x")
        cmd += ["--engine", "ray", "--actors", actors, "--cpus-per-actor", cpus]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[3:])} failed ({done.returncode}): {done.stderr[-2000:]}")
    run = json.loads((out / "_manifest.json").read_text())["runs"][-1]
    timings = run["timings"]
    return {"backend": backend, "config": config, "articles": run["done"],
            "wall_s": round(wall, 1), "process_s": timings["process_s"],
            "articles_per_min": round(60 * run["done"] / timings["process_s"], 2),
            "articles_per_min_wall": round(60 * run["done"] / wall, 2),
            "model_load_s": timings["model_load_s"], "first_shard_s": timings["first_shard_s"],
            "ray_init_s": timings.get("engine_start_s")}


def print_table(rows: list[dict], overhead: list[dict]) -> None:
    head = ("backend", "config", "articles", "wall s", "process s", "art/min", "art/min (wall)",
            "model load s", "first shard s", "ray.init s")
    keys = ("backend", "config", "articles", "wall_s", "process_s", "articles_per_min",
            "articles_per_min_wall", "model_load_s", "first_shard_s", "ray_init_s")
    table = [head] + [tuple("" if r[k] is None else str(r[k]) for k in keys) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for row in table:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths)))
    if overhead:
        print("\nfixed cost on one article (wall s; Ray's start-up = its wall minus local's):")
        for r in overhead:
            print(f"  {r['backend']:<12} {r['config']:<8} wall {r['wall_s']:>6} s"
                  f"  ray.init {r['ray_init_s'] if r['ray_init_s'] is not None else '-'}"
                  f"  overhead {r.get('overhead_s', 0.0):>6} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--docs", type=int, default=123, help="NTREX documents (of 123)")
    parser.add_argument("--backends", default="torch,ctranslate2")
    parser.add_argument("--configs", default="local,ray:1x2,ray:2x1")
    parser.add_argument("--shard-size", type=int, default=8)
    parser.add_argument("--threads", type=int, help="decoding threads everywhere (default: the "
                        "backend's for local, each actor's CPUs on Ray)")
    parser.add_argument("--no-overhead", action="store_true", help="skip the one-article runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory(prefix="tarjama-batch-bench-") as tmp:
        root = Path(tmp)
        texts = write_articles(args.data_dir, args.docs, root / "articles.jsonl")
        first = (root / "articles.jsonl").read_text(encoding="utf-8").splitlines()[0]
        (root / "one.jsonl").write_text(first + "\n", encoding="utf-8")
        from tarjama.models.registry import get_spec
        from tarjama.models.synthetic import build_synthetic_marian

        model = build_synthetic_marian(get_spec("opus-mt-ar-en"), texts, root / "model")
        rows, overhead = [], []
        for backend in args.backends.split(","):
            # Not timed: the one-off CTranslate2 conversion (cached) and the page cache would
            # otherwise be charged to whichever configuration runs first.
            run_once(root / "one.jsonl", root / f"warm-{backend}", model, backend, "local",
                     args.shard_size, args.threads)
            for config in args.configs.split(","):
                name = f"{backend}-{config.replace(':', '-')}"
                rows.append(run_once(root / "articles.jsonl", root / name, model, backend,
                                     config, args.shard_size, args.threads))
                print(f"done: {name}", file=sys.stderr)
            if not args.no_overhead:
                for config in args.configs.split(","):
                    name = f"one-{backend}-{config.replace(':', '-')}"
                    overhead.append(run_once(root / "one.jsonl", root / name, model, backend,
                                             config, args.shard_size, args.threads))
                local = next((r["wall_s"] for r in overhead
                              if r["backend"] == backend and r["config"] == "local"), None)
                for r in overhead:
                    if r["backend"] == backend and local is not None:
                        r["overhead_s"] = round(r["wall_s"] - local, 1)
    report = {"docs": args.docs, "shard_size": args.shard_size, "cpus": os.cpu_count(),
              "runs": rows, "one_article": overhead}
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_table(rows, overhead)
    return 0


if __name__ == "__main__":
    sys.exit(main())
