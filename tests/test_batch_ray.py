"""`tarjama batch --engine ray` on a local Ray instance (2 CPUs): the same records as the local
engine, kill -9 of the driver and resume, a worker failing on one article or dying mid-shard.

Marked `ray`: skip them with `pytest -m "not ray"`; `make test` (and CI) run them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from batch_helpers import DIE_ONCE, FAULT, by_id, errors, records, write_articles
from digest_helpers import ar_article, en_article
from test_batch import REPO, check_exactly_once, check_kills_landed_mid_run, kill_at_random_moments
from tarjama.batch import run_batch

pytestmark = pytest.mark.ray
ray = pytest.importorskip("ray")
FAST = {"beams": 1, "threads": 1}


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory):
    """A local Ray instance for this module, its workers set up to fail on marked articles."""
    import batch_helpers

    ray.cloudpickle.register_pickle_by_value(batch_helpers)  # workers cannot import tests/
    flag = tmp_path_factory.mktemp("faults") / "died"
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=200 << 20, logging_level="ERROR",
             runtime_env={"worker_process_setup_hook": batch_helpers.install_faults,
                          "env_vars": {"TARJAMA_TEST_DIE_FLAG": str(flag), "HF_HUB_OFFLINE": "1",
                                       "TOKENIZERS_PARALLELISM": "false"}})
    try:
        yield ray.get_runtime_context().gcs_address, flag
    finally:
        ray.shutdown()


def _inputs(tmp_path: Path, n: int, **kwargs: object) -> tuple[list[str], list[str]]:
    ok = write_articles(tmp_path / "a.jsonl", n, **kwargs)  # type: ignore[arg-type]
    folder = tmp_path / "pages"
    folder.mkdir()
    title, text = ar_article(20)
    (folder / "p.txt").write_text(f"{title}\n{text}\n", encoding="utf-8")
    return [str(tmp_path / "a.jsonl"), str(folder)], ok + [str((folder / "p.txt").resolve())]


def test_local_and_ray_give_the_same_records(ray_cluster: tuple, tiny_marian: Path,
                                             tmp_path: Path) -> None:
    inputs, ok = _inputs(tmp_path, 7)
    local = run_batch("translate", inputs, str(tmp_path / "local"), model=str(tiny_marian),
                      shard_size=3, **FAST)
    on_ray = run_batch("translate", inputs, str(tmp_path / "ray"), model=str(tiny_marian),
                       shard_size=3, engine="ray", actors=2, **FAST)
    assert (local.stats.done, local.stats.failed) == (on_ray.stats.done, on_ray.stats.failed) == (8, 2)
    assert sorted(by_id(records(tmp_path / "ray"))) == sorted(ok)
    assert by_id(records(tmp_path / "ray")) == by_id(records(tmp_path / "local"))
    assert by_id(errors(tmp_path / "ray")) == by_id(errors(tmp_path / "local"))
    names = [sorted(p.name for p in (tmp_path / d).rglob("part-*")) for d in ("local", "ray")]
    assert names[0] == names[1]
    run = on_ray.manifest["runs"][-1]
    assert (run["engine"], run["actors"], run["cpus_per_actor"]) == ("ray", 2, 1.0)
    assert run["models"]["translator"]["decoding"] == local.manifest["runs"][-1]["models"]["translator"]["decoding"]


def test_batch_digest_on_ray_gives_the_local_records(ray_cluster: tuple, tiny_marian: Path,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i, (title, text) in enumerate([ar_article(0), en_article(1), ar_article(2), en_article(3)]):
            handle.write(json.dumps({"id": f"d-{i}", "title": title, "text": text},
                                    ensure_ascii=False) + "\n")
    for engine, extra in (("local", {}), ("ray", {"actors": 2})):
        run_batch("digest", [str(path)], str(tmp_path / engine), engine=engine, shard_size=2,
                  model=str(tiny_marian), **FAST, **extra)
    assert by_id(records(tmp_path / "ray")) == by_id(records(tmp_path / "local"))
    assert len(records(tmp_path / "ray")) == 4


def test_a_worker_that_fails_or_dies_on_an_article(ray_cluster: tuple, tiny_marian: Path,
                                                    tmp_path: Path) -> None:
    _, died = ray_cluster
    inputs, ok = _inputs(tmp_path, 6, marked={1: FAULT, 4: DIE_ONCE}, bad=False)
    run = run_batch("translate", inputs, str(tmp_path / "out"), model=str(tiny_marian),
                    shard_size=2, engine="ray", actors=2, **FAST)
    # The worker raised on art-1: recorded, and its shard's other article and the rest finish.
    assert (run.stats.done, run.stats.failed) == (len(ok) - 1, 1) and not run.all_ok
    (failure,) = errors(tmp_path / "out")
    assert failure["id"] == "art-1" and failure["stage"] == "translate"
    assert "injected fault" in failure["error"]
    # The worker that took art-4 died (its process exited): Ray restarted it and ran the shard
    # again, and the shard is in the output once.
    assert died.is_file()
    assert sorted(r["id"] for r in records(tmp_path / "out")) == sorted(set(ok) - {"art-1"})


def test_sigkill_the_driver_at_random_moments_then_rerun(ray_cluster: tuple, tiny_marian: Path,
                                                        tmp_path: Path) -> None:
    address, _ = ray_cluster
    inputs, expected = _inputs(tmp_path, 15, bad=False)
    out = tmp_path / "out"
    args = ["batch", "translate", *inputs, "-o", str(out), "--model", str(tiny_marian),
            "--shard-size", "2", "--beams", "1", "--engine", "ray", "--actors", "2"]
    # The killed drivers join the running cluster, which outlives them (as a real one would):
    # the workers of a dead driver must not add to the folder once the next run has started.
    kill_at_random_moments([*args, "--address", address], out, seed=7)
    # The last run starts a Ray instance of its own, as `--engine ray` does without --address.
    finish = subprocess.run([sys.executable, "-c", "from tarjama.cli import run; run()", *args],
                            cwd=REPO, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert finish.returncode == 0, finish.stderr
    assert "Traceback" not in finish.stderr
    check_exactly_once(out, expected)
    check_kills_landed_mid_run(out)
