"""``--engine ray``: the shards as a Ray Data pipeline; Ray schedules, retries and moves data.

    read_datasource(ShardDatasource)            one read task per shard: its articles, read
                                                from wherever the inputs are (readers.read_items)
    .map_batches(ShardActor, ActorPoolStrategy) one model per actor, opened in __init__ (a
                                                loaded CTranslate2 translator is never forked);
                                                a batch is one shard, sorted by length inside
                                                (work.ShardWorker)
    .map_batches(commit_shards)                 the write: each shard whole, atomically, under
                                                its planned name (shards.commit)
    .iter_batches()                             the driver counts what was written (progress)

A row is a whole shard (its articles pickled together), so however Ray bundles or splits
blocks, a shard is never cut in two, and a shard Ray runs again (a worker died) is written
again under the same name with the same articles. Without an address a local Ray instance is
started with this machine's cores (``ray.init(address="local")``, never someone else's running
instance); with ``--address`` the job joins that cluster, whose nodes must have tarjama[ray]
installed and see the inputs and the output (object storage or a shared filesystem).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import pickle
import time
from dataclasses import replace
from typing import Any, Callable, Sequence

import pyarrow as pa
import ray
import ray.data
from ray.data import ActorPoolStrategy
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask

from tarjama.batch.readers import read_items
from tarjama.batch.shards import commit
from tarjama.batch.storage import Storage
from tarjama.batch.work import JobSpec, ShardWorker
from tarjama.errors import TarjamaError, UsageError

__all__ = ["ShardActor", "ShardDatasource", "commit_shards", "run_ray"]

log = logging.getLogger("tarjama")

_RETRIES = 3


class ShardDatasource(Datasource):
    """The run's shards as a Ray Data source: one read task, and one row, per shard."""

    def __init__(self, shards: Sequence[Any]) -> None:
        super().__init__()
        self._shards = list(shards)

    def estimate_inmemory_data_size(self) -> int | None:
        return None

    def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                       data_context: Any = None) -> list[ReadTask]:
        # One task per shard whatever the parallelism asked for: reads are small next to the
        # model's work, and a task per shard lets the first actors start at once.
        return [ReadTask(functools.partial(_read_shard, shard),
                         BlockMetadata(num_rows=1, size_bytes=None, exec_stats=None,
                                       input_files=None),
                         per_task_row_limit=per_task_row_limit)
                for shard in self._shards]


def _read_shard(shard: Any) -> list[pa.Table]:
    items = read_items(shard.articles)
    return [pa.table({"shard": pa.array([shard.name]),
                      "items": pa.array([pickle.dumps(items)], type=pa.large_binary())})]


class ShardActor:
    """A Ray Data actor: one ShardWorker (its models loaded here, once), one shard per call."""

    def __init__(self, spec: JobSpec) -> None:
        self._worker = ShardWorker(spec)

    def __call__(self, batch: pa.Table) -> pa.Table:
        results = [self._worker.process(name, pickle.loads(blob))
                   for name, blob in zip(batch.column("shard").to_pylist(),
                                         batch.column("items").to_pylist())]
        return pa.table({"shard": pa.array([r.name for r in results]),
                         "result": pa.array([pickle.dumps(r) for r in results],
                                            type=pa.large_binary())})


def commit_shards(batch: pa.Table, spec: JobSpec) -> pa.Table:
    storage = Storage(spec.output)
    summaries = [commit(storage, pickle.loads(blob), spec.output_format, spec.task)
                 for blob in batch.column("result").to_pylist()]
    return pa.table({"summary": pa.array([json.dumps(s) for s in summaries])})


def _start(address: str | None, verbose: bool) -> tuple[bool, float]:
    """Connect to Ray (or start a local instance); True when this call started it."""
    if ray.is_initialized():  # a caller that set Ray up itself (a notebook, the tests)
        return False, 0.0
    started = time.monotonic()
    level = logging.INFO if verbose else logging.ERROR
    if not verbose:
        # Ray's core logs an error-level line for every Ray Data actor ("constructor arguments
        # in the object store"), which is how Ray Data always creates them: noise, not news.
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": verbose,
                              "logging_level": level}
    if address is None:
        kwargs["num_cpus"] = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count()
    try:
        ray.init(address=address or "local", **kwargs)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise UsageError(f"cannot connect to the Ray cluster at {address}: "
                         f"{' '.join(str(exc).split())[:300]}") from None
    return True, time.monotonic() - started


def _quiet(verbose: bool) -> None:
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the command shows its own progress
    context.print_on_execution_start = verbose
    logging.getLogger("ray.data").setLevel(logging.INFO if verbose else logging.ERROR)


def _project_error(exc: BaseException) -> TarjamaError | None:
    """The TarjamaError a worker raised, out of the exceptions Ray wraps it in."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, TarjamaError):
            return current
        seen.add(id(current))
        cause = getattr(current, "cause", None)  # ray.exceptions.RayTaskError
        current = cause if isinstance(cause, BaseException) else current.__cause__
    return None


def run_ray(spec: JobSpec, shards: Sequence[Any], on_result: Callable[[dict[str, Any]], None],
            should_stop: Callable[[], bool], *, address: str | None, actors: int | None,
            cpus_per_actor: float | None, gpus_per_actor: float, verbose: bool
            ) -> tuple[bool, dict[str, Any]]:
    """Run the shards on Ray; (whether a stop was asked for, what the engine did)."""
    started_here, start_s = _start(address, verbose)
    try:
        _quiet(verbose)
        resources = ray.cluster_resources()
        cpus = float(cpus_per_actor or 1)
        if gpus_per_actor:
            size = actors or max(1, int(resources.get("GPU", 0) // gpus_per_actor))
        else:
            size = actors or max(1, int(resources.get("CPU", 1) // cpus))
        if size * cpus > resources.get("CPU", 0) or size * gpus_per_actor > resources.get("GPU", 0):
            message = (f"{size} actors x {cpus:g} CPUs"
                       + (f" x {gpus_per_actor:g} GPUs" if gpus_per_actor else "")
                       + f" do not fit the cluster ({resources.get('CPU', 0):g} CPUs, "
                       f"{resources.get('GPU', 0):g} GPUs)")
            if started_here and address is None:
                raise UsageError(message + "; lower --actors or --cpus-per-actor")
            log.warning("%s; Ray waits until an autoscaler adds nodes", message)
        # Each actor decodes with its own CPUs: torch threads = its CPUs, and for CTranslate2
        # one inter-op worker with all of them (the parallelism is the actors).
        request = spec.translation
        spec = replace(spec, translation=replace(
            request, threads=request.threads or max(1, int(cpus)), ct2_workers=1))
        dataset = (
            ray.data.read_datasource(ShardDatasource(shards), num_cpus=0)
            .map_batches(ShardActor, fn_constructor_args=(spec,), batch_size=1,
                         batch_format="pyarrow", compute=ActorPoolStrategy(size=size),
                         num_cpus=cpus, num_gpus=gpus_per_actor or None,
                         # A dead actor is restarted and its shard run again (the same name,
                         # the same articles), but not forever: a shard that kills every
                         # worker it meets fails the job instead of looping.
                         max_task_retries=_RETRIES)
            .map_batches(commit_shards, fn_kwargs={"spec": spec}, batch_size=None,
                         batch_format="pyarrow", num_cpus=0)
        )
        interrupted = False
        try:
            for batch in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
                for summary in batch.column("summary").to_pylist():
                    on_result(json.loads(summary))
                if should_stop():
                    interrupted = True
                    break
        except Exception as exc:
            project = _project_error(exc)
            if project is not None:
                raise project from None
            raise
        return interrupted, {"engine_start_s": round(start_s, 3), "actors": size,
                             "cpus_per_actor": cpus, "gpus_per_actor": gpus_per_actor or None}
    finally:
        if started_here:
            ray.shutdown()
