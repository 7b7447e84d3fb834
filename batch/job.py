"""A batch job from start to end: claim the output, plan the shards, run them, account for it.

Exactly once, and why this and not Ray Data's checkpointing
------------------------------------------------------------
The output folder is its own record of finished ids: every committed shard lists the ids it
holds, and a run reads them all before it plans anything (shards.finished_ids). The plan puts
every article that is not finished into exactly one shard, and a shard reaches the folder whole
or not at all (one atomic write), under a name fixed by the plan. So:

* a driver killed at any moment leaves complete shards and nothing else; the next run skips
  their articles and plans the rest (into shards of its own run number, so no name is reused);
* a worker killed mid-shard is replaced by Ray, which runs the shard again: the same name, the
  same articles, one file;
* workers that outlive a killed driver cannot add a shard once a newer run has started: a
  commit is made only while the manifest names its run as the latest (shards.commit), and a
  run that still finds an id twice drops the later copy before it reads anything else.

Ray Data's id-column checkpointing (ray.data.checkpoint, 2.60) solves the same problem for
``Dataset.write_*``: it filters finished ids out at read time, with a two-phase commit of
per-task checkpoint files. It was not chosen because (1) ``--engine local`` must keep the same
promise without Ray, and one mechanism for both engines means one thing to trust; (2) its data
files are named by a random write UUID and written in place, so a folder could hold a torn file
until the next run cleaned it, and names differ between identical runs; (3) it keeps a second
store (checkpoint files, deleted on success by default) beside the output, which can disagree
with it; (4) the errors shard and the retry of failed articles on the next run, as the digest
does, have no place in it.

A folder belongs to one configuration (task, format, model and revision, decoding and summary
settings): a run with another is refused, as ``tarjama eval run`` refuses. Engine, address,
actors and shard size are not part of it; they change how fast, not what.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

from tarjama import __version__
from tarjama.api import load_glossary
from tarjama.batch.readers import Input, Locator, index, resolve_inputs
from tarjama.batch.shards import (
    ERRORS_DIR,
    FORMATS,
    MANIFEST,
    finished_ids,
    run_prefix,
    shard_name,
    shard_names,
)
from tarjama.batch.storage import Storage
from tarjama.batch.work import TASKS, JobSpec
from tarjama.errors import DataError, InputError, UsageError
from tarjama.models.loading import resolve_model
from tarjama.models.registry import default_translation_model
from tarjama.models.session import SummarizationRequest, TranslationRequest
from tarjama.news.feeds import SourceFailure
from tarjama.news.fetch import FetchLimits
from tarjama.nlp.checks.confidence import DEFAULT_MIN_CONFIDENCE
from tarjama.outputs import lock_exclusive, unlock

__all__ = ["BatchRun", "BatchStats", "ENGINES", "Plan", "Shard", "run_batch"]

log = logging.getLogger("tarjama")

ENGINES = ("local", "ray")
MANIFEST_FORMAT = "tarjama-batch/1"
DEFAULT_SHARD_SIZE = 32
_METHODS = ("extractive", "lead", "abstractive")


class ProgressSink(Protocol):  # the digest's (news.digest.ProgressSink)
    def start(self, total: int) -> None: ...

    def advance(self, completed: int, failed: int) -> None: ...


@dataclass(frozen=True)
class Shard:
    name: str
    articles: tuple[Locator, ...]


@dataclass
class Plan:
    shards: list[Shard]
    articles: int = 0  # in the input
    already_done: int = 0
    duplicate_ids: int = 0  # later occurrences of an id, left out
    source_failures: list[SourceFailure] = field(default_factory=list)

    @property
    def planned(self) -> int:
        return sum(len(s.articles) for s in self.shards)


@dataclass(frozen=True)
class BatchStats:
    done: int = 0
    failed: int = 0
    already_done: int = 0
    duplicate_ids: int = 0
    sources_failed: int = 0
    planned: int = 0
    seconds: float = 0.0  # processing, from engine start to the last shard
    interrupted: bool = False

    @property
    def per_minute(self) -> float:
        return 60.0 * self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def all_ok(self) -> bool:
        return not self.failed and not self.sources_failed

    def summary_line(self, output: str) -> str:
        parts = [f"{self.done} done"]
        if self.failed:
            parts.append(f"{self.failed} failed (see {output}/{ERRORS_DIR}/)")
        if self.sources_failed:
            parts.append(f"{self.sources_failed} unreadable source"
                         f"{'s' * (self.sources_failed != 1)}")
        parts.append(f"{self.already_done} already in {output}")
        if self.duplicate_ids:
            parts.append(f"{self.duplicate_ids} repeated ids left out")
        return (f"batch: {', '.join(parts)}; {self.seconds:.1f} s "
                f"({self.per_minute:.1f} articles/min)")


@dataclass
class BatchRun:
    stats: BatchStats
    output: str
    manifest: dict[str, Any]

    @property
    def interrupted(self) -> bool:
        return self.stats.interrupted

    @property
    def all_ok(self) -> bool:
        return self.stats.all_ok


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- configuration ---------------------------------------------------------------------------


def _model_label(name: str, revision: str | None) -> dict[str, Any]:
    ref = resolve_model(name, revision)  # unknown names fail here, before any work
    if ref.local_dir is not None:
        return {"model": str(ref.local_dir), "revision": None}
    return {"model": ref.hub_id if ref.spec is None else ref.spec.name, "revision": ref.revision}


def _identity(spec: JobSpec) -> dict[str, Any]:
    """What the records depend on: the folder's configuration."""
    t = spec.translation
    translator = {**_model_label(t.model or default_translation_model(t.source_lang, t.target_lang),
                                 t.revision),
                  "source_lang": t.source_lang, "target_lang": t.target_lang, "beams": t.beams,
                  "max_segment_tokens": t.max_segment_tokens, "batch_tokens": t.batch_tokens,
                  "quantize": t.quantize, "backend": t.backend, "device": t.device,
                  "dtype": t.dtype}
    out: dict[str, Any] = {"task": spec.task, "output_format": spec.output_format,
                           "translator": translator,
                           "checks": {"enabled": spec.checks,
                                      "glossary": spec.glossary.describe() if spec.glossary
                                      else None,
                                      "min_confidence": spec.min_confidence}}
    if spec.task == "digest":
        s = spec.summarization
        out["summary"] = {"method": spec.method,
                          "sentences": spec.sentences if spec.method != "abstractive" else None,
                          "model": s.model if spec.method == "abstractive" else None,
                          "fetch_articles": spec.fetch_articles}
    return out


def _differences(old: Mapping[str, Any], new: Mapping[str, Any], limit: int = 3) -> str:
    def flat(obj: Any, prefix: str = "") -> dict[str, Any]:
        if isinstance(obj, Mapping):
            return {k: v for key, value in obj.items()
                    for k, v in flat(value, f"{prefix}.{key}" if prefix else str(key)).items()}
        return {prefix: obj}

    a, b = flat(old), flat(new)
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k, "<unset>") != b.get(k, "<unset>")]
    shown = [f"{k}: {json.dumps(a.get(k, '<unset>'))} -> {json.dumps(b.get(k, '<unset>'))}"
             for k in keys[:limit]]
    return "; ".join(shown) + (f" (+{len(keys) - limit} more)" if len(keys) > limit else "")


def _claim(storage: Storage, identity: Mapping[str, Any]) -> dict[str, Any]:
    """The folder's manifest, checked against this configuration (a new one if the folder is
    new or empty)."""
    data = storage.read_if_exists(MANIFEST)
    if data is None:
        if storage.exists() and storage.list_files(recursive=False):
            raise InputError(f"{storage}: is not empty and holds no {MANIFEST}; give a new or "
                             "empty folder for a batch job's output")
        return {"format": MANIFEST_FORMAT, "identity": dict(identity), "runs": []}
    try:
        manifest = json.loads(data)
        stored = manifest["identity"]
        manifest["runs"] = list(manifest["runs"])
    except (ValueError, KeyError, TypeError):
        raise DataError(f"{storage.uri(MANIFEST)}: not a tarjama batch manifest") from None
    if isinstance(stored, dict) and stored.get("task") != identity["task"]:
        raise DataError(f"{storage} holds the output of `tarjama batch {stored.get('task')}`, "
                        f"not batch {identity['task']}; use another output folder")
    if stored != identity:
        raise DataError(f"{storage} holds a batch job with a different configuration "
                        f"({_differences(stored, identity)}); use another output folder")
    return manifest


def _write_manifest(storage: Storage, manifest: Mapping[str, Any]) -> None:
    storage.write_atomic(MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode())


# --- planning --------------------------------------------------------------------------------


def plan(entries: Iterator[tuple[str, Locator] | SourceFailure], finished: Mapping[str, str],
         run: int, shard_size: int) -> Plan:
    """Every unfinished article once, in input order, cut into shards of `shard_size`."""
    out = Plan([])
    seen: set[str] = set()
    current: list[Locator] = []
    for entry in entries:
        if isinstance(entry, SourceFailure):
            log.warning("%s", entry.error)
            out.source_failures.append(entry)
            continue
        ident, locator = entry
        out.articles += 1
        if ident in finished:
            out.already_done += 1
            continue
        if ident in seen:
            out.duplicate_ids += 1
            continue
        seen.add(ident)
        current.append(locator)
        if len(current) == shard_size:
            out.shards.append(Shard(shard_name(run, len(out.shards)), tuple(current)))
            current = []
    if current:
        out.shards.append(Shard(shard_name(run, len(out.shards)), tuple(current)))
    if out.duplicate_ids:
        log.warning("%d articles repeat an id seen earlier in the input; only the first of each "
                    "is processed", out.duplicate_ids)
    return out


# --- the run ---------------------------------------------------------------------------------


@dataclass
class _Tally:
    """What the shards that came back say, as they come back."""

    progress: ProgressSink | None
    done: int = 0
    failed: int = 0
    shards: int = 0
    ids: set[str] = field(default_factory=set)
    models: dict[str, Any] = field(default_factory=dict)
    load_seconds: float = 0.0
    first_shard_s: float | None = None
    started: float = field(default_factory=time.monotonic)

    def __call__(self, summary: Mapping[str, Any]) -> None:
        if not summary.get("written"):
            return
        if self.first_shard_s is None:
            self.first_shard_s = time.monotonic() - self.started
        self.shards += 1
        self.done += int(summary["done"])
        self.failed += int(summary["failed"])
        self.ids.update(summary["ids"])
        self.load_seconds = max(self.load_seconds, float(summary.get("load_seconds") or 0.0))
        if summary.get("models") and not self.models:
            self.models = dict(summary["models"])
        if self.progress is not None:
            self.progress.advance(self.done + self.failed, self.failed)


def run_batch(
    task: str,
    inputs: Sequence[str],
    output: str,
    *,
    engine: str = "local",
    address: str | None = None,
    actors: int | None = None,
    cpus_per_actor: float | None = None,
    gpus_per_actor: float = 0.0,
    output_format: str = "jsonl",
    shard_size: int = DEFAULT_SHARD_SIZE,
    source_lang: str = "ar",
    target_lang: str = "en",
    model: str | None = None,
    revision: str | None = None,
    beams: int | None = None,
    max_segment_tokens: int = 256,
    batch_tokens: int | None = None,
    quantize: str | None = None,
    backend: str = "torch",
    device: str = "auto",
    dtype: str = "auto",
    threads: int | None = None,
    allow_pickle: bool = False,
    offline: bool = False,
    method: str = "extractive",
    sentences: int = 3,
    summary_model: str | None = None,
    fetch_articles: bool = False,
    timeout: float = 20.0,
    max_bytes: int = 10 << 20,
    max_redirects: int = 5,
    fetch_workers: int = 4,
    checks: bool = True,
    glossary: str | Path | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    verbose: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    progress: ProgressSink | None = None,
) -> BatchRun:
    """Translate (task "translate") or digest (task "digest") every article of `inputs` into
    the folder `output`, exactly once, as ``tarjama batch`` does; rerun to finish an
    interrupted job. See the module docstring, and tarjama.batch for the layout."""
    if task not in TASKS:
        raise UsageError(f"unknown batch task {task!r} (use {' or '.join(TASKS)})")
    if engine not in ENGINES:
        raise UsageError(f"--engine {engine!r}: use local or ray")
    if output_format not in FORMATS:
        raise UsageError(f"--output-format {output_format!r}: use jsonl or parquet")
    if method not in _METHODS:
        raise UsageError(f"--method {method!r}: use extractive, lead or abstractive")
    if shard_size < 1:
        raise UsageError("--shard-size must be at least 1")
    if engine == "local" and (address or actors or cpus_per_actor or gpus_per_actor):
        raise UsageError("--address, --actors, --cpus-per-actor and --gpus-per-actor are for "
                         "--engine ray")
    if engine == "ray" and importlib.util.find_spec("ray") is None:
        raise UsageError("--engine ray needs the optional extra: pip install 'tarjama[ray]'")
    if task == "digest" and (source_lang, target_lang) != ("ar", "en"):
        raise UsageError("batch digest reads Arabic and English articles and writes English; "
                         "--from/--to are for batch translate")
    common = dict(device=device, dtype=dtype, threads=threads, allow_pickle=allow_pickle,
                  offline=offline)
    spec = JobSpec(
        task=task, output=output, output_format=output_format, run=0,
        translation=TranslationRequest(
            source_lang=source_lang, target_lang=target_lang, model=model, revision=revision,
            beams=beams, max_segment_tokens=max_segment_tokens, batch_tokens=batch_tokens,
            quantize=quantize, backend=backend, **common),
        summarization=SummarizationRequest(model=summary_model, **common),
        method=method, sentences=sentences, fetch_articles=fetch_articles,
        fetch_workers=fetch_workers,
        limits=FetchLimits(timeout=timeout, max_bytes=max_bytes, max_redirects=max_redirects),
        checks=checks, glossary=load_glossary(glossary) if checks else None,
        min_confidence=min_confidence,
    )
    identity = _identity(spec)
    resolved = resolve_inputs(inputs)  # a missing input fails before the output is touched
    storage = Storage(output)
    storage.make_dirs()
    lock = -1
    if storage.local is not None:
        lock = lock_exclusive(storage.local / ".lock",
                              f"{storage}: another tarjama batch job is writing it; wait for it "
                              "to finish")
    try:
        return _run(spec, identity, resolved, storage, engine=engine, address=address,
                    actors=actors, cpus_per_actor=cpus_per_actor, gpus_per_actor=gpus_per_actor,
                    shard_size=shard_size, verbose=verbose, should_stop=should_stop,
                    progress=progress)
    finally:
        if lock >= 0:
            unlock(lock)


def _run(spec: JobSpec, identity: dict[str, Any], resolved: list[Input], storage: Storage, *,
         engine: str, address: str | None, actors: int | None, cpus_per_actor: float | None,
         gpus_per_actor: float, shard_size: int, verbose: bool,
         should_stop: Callable[[], bool], progress: ProgressSink | None) -> BatchRun:
    started = time.monotonic()
    manifest = _claim(storage, identity)
    run = len(manifest["runs"])
    spec = replace(spec, run=run)
    entry: dict[str, Any] = {
        "run": run, "status": "planning", "started_at": _utc_now(), "tarjama_version": __version__,
        "engine": engine, "address": address, "actors": actors, "cpus_per_actor": cpus_per_actor,
        "gpus_per_actor": gpus_per_actor or None, "shard_size": shard_size,
        "inputs": [{"kind": i.kind, "location": i.location} for i in resolved],
    }
    manifest["runs"].append(entry)
    # Written before the folder is read: from now on this run is its latest, and the workers
    # of an earlier run can no longer commit a shard (shards.commit).
    _write_manifest(storage, manifest)
    tally = _Tally(progress)
    try:
        for name in storage.hidden_files():  # temporaries of a write a killed run never finished
            if name.endswith(".part"):
                storage.delete(name)
        before = set(shard_names(storage, spec.output_format))
        finished = finished_ids(storage, spec.output_format, spec.task)
        the_plan = plan(index(resolved, spec.limits), finished, run, shard_size)
        entry.update({
            "status": "running", "articles": the_plan.articles,
            "already_done": the_plan.already_done, "duplicate_ids": the_plan.duplicate_ids,
            "planned": the_plan.planned, "shards": len(the_plan.shards),
            "sources_failed": [{"source": f.source, "error": f.error}
                               for f in the_plan.source_failures],
        })
        _write_manifest(storage, manifest)
        plan_s = time.monotonic() - started
        if progress is not None:
            progress.start(the_plan.planned)
        tally.started = time.monotonic()
        interrupted, engine_timings = False, {}
        if the_plan.shards and engine == "local":
            from tarjama.batch.engines import run_local

            interrupted = run_local(spec, the_plan.shards, storage, tally, should_stop)
        elif the_plan.shards:
            from tarjama.batch.ray_engine import run_ray

            interrupted, engine_timings = run_ray(
                spec, the_plan.shards, tally, should_stop, address=address, actors=actors,
                cpus_per_actor=cpus_per_actor, gpus_per_actor=gpus_per_actor, verbose=verbose)
    except BaseException as exc:
        entry.update(status="interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
                     error=str(exc) or type(exc).__name__, finished_at=_utc_now(),
                     done=tally.done, failed=tally.failed)
        _write_manifest(storage, manifest)
        raise
    process_s = time.monotonic() - tally.started
    for key in ("actors", "cpus_per_actor", "gpus_per_actor"):  # as the engine resolved them
        if key in engine_timings:
            entry[key] = engine_timings.pop(key)
    _repair_late_shards(storage, spec, before, tally)
    stats = BatchStats(done=tally.done, failed=tally.failed, already_done=the_plan.already_done,
                       duplicate_ids=the_plan.duplicate_ids,
                       sources_failed=len(the_plan.source_failures), planned=the_plan.planned,
                       seconds=process_s, interrupted=interrupted)
    entry.update({
        "status": "interrupted" if interrupted else "finished", "finished_at": _utc_now(),
        "done": tally.done, "failed": tally.failed, "shards_written": tally.shards,
        "records": len(finished) + tally.done, "models": tally.models,
        "articles_per_minute": round(stats.per_minute, 2),
        "timings": {"plan_s": round(plan_s, 3), **engine_timings,
                    "first_shard_s": None if tally.first_shard_s is None else round(tally.first_shard_s, 3),
                    "model_load_s": round(tally.load_seconds, 3), "process_s": round(process_s, 3),
                    "total_s": round(time.monotonic() - started, 3)},
    })
    _write_manifest(storage, manifest)
    return BatchRun(stats, str(storage), manifest)


def _repair_late_shards(storage: Storage, spec: JobSpec, before: set[str], tally: _Tally) -> None:
    """Shards of an earlier run that appeared while this one ran (the workers of a killed
    driver, on a cluster that outlived it, in the instant before they saw this run start) may
    hold articles this run wrote too: this run's copies are kept."""
    mine = run_prefix(spec.run)
    names = shard_names(storage, spec.output_format)
    late = [n for n in names if n not in before and not n.startswith(mine)]
    if late:
        log.warning("%d shard(s) of an earlier run were written during this run; checking them "
                    "for articles this run wrote", len(late))
        finished_ids(storage, spec.output_format, spec.task,
                     names=[n for n in names if n.startswith(mine)] + late)
