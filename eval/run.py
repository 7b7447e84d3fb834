"""Running a system over a benchmark: the library behind ``tarjama eval run``.

:func:`run_benchmark` takes any :class:`System` (a batch callable with a name and provenance;
the CLI adapts the translator or summarizer to it), writes its outputs as it goes, scores them
and records provenance. A results folder belongs to one configuration: re-running the same
configuration reuses the finished outputs (an interrupted run resumes where it stopped), and a
different configuration is refused with a one-line error.

Results folder::

    run.json          what the outputs depend on (dataset + checksum, level, system, config)
    data.jsonl        the exact segments used (eval.datasets JSONL format)
    outputs.jsonl     one {"id", "hyp", "seconds", "tokens"} per segment, appended per batch
    hyp.txt, ref.txt  line files (ref.2.txt, ... for more references), to re-score with sacrebleu
    scores.json       corpus scores with CIs and signatures, per-segment and per-document scores
    provenance.json   system provenance, config, library versions, dataset checksum, timing
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import json
import logging
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import (
    Any,
    Callable,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    runtime_checkable,
)

from tarjama.errors import DataError, InputError
from tarjama.eval.datasets import Dataset
from tarjama.eval.metrics import (
    DEFAULT_SUMMARY_METRICS,
    DEFAULT_TRANSLATION_METRICS,
    check_protocol,
    parse_metric_names,
)
from tarjama.eval.scoring import ScoreReport, score_texts
from tarjama.eval.significance import DEFAULT_SEED
from tarjama.inputs import read_json
from tarjama.outputs import (
    AppendOnlyJSONL,
    atomic_write_text,
    jsonl_lines,
    recover_torn_tail,
    write_json,
    write_lines,
)

log = logging.getLogger(__name__)

__all__ = ["RUN_FORMAT", "RunResult", "System", "library_versions", "read_outputs",
           "run_benchmark"]

RUN_FORMAT = "tarjama-eval-run/1"
LEVELS = ("sentence", "document")
_LIBRARIES = ("sacrebleu", "rouge-score", "snowballstemmer", "nltk", "pyonmttok", "numpy", "regex",
              "torch",
              "transformers", "tokenizers", "sentencepiece", "safetensors")


@runtime_checkable
class System(Protocol):
    """What ``run_benchmark`` runs: a batch of sources in, one output per source back.

    ``provenance()`` must name everything the outputs depend on: it is part of the results
    folder's identity. The report shows the keys ``model`` (or ``model_id``/``hub_id``) and
    ``revision``; decoding settings may go here or in ``run_benchmark``'s ``config``. A system
    may also offer ``count_tokens(texts) -> int`` (its own subword count) for tokens/s.
    """

    name: str

    def provenance(self) -> Mapping[str, Any]: ...

    def __call__(self, sources: list[str]) -> list[str]: ...


@dataclass(frozen=True)
class RunResult:
    out_dir: Path
    report: ScoreReport
    provenance: Mapping[str, Any]
    hypotheses: tuple[str, ...]
    n_generated: int  # segments the system produced in this call
    n_reused: int  # segments taken from an earlier, identical run


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in _LIBRARIES:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def _plain_json(obj: Any, what: str) -> Any:
    try:
        return json.loads(json.dumps(obj, sort_keys=True, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must be JSON-serializable: {exc}") from None


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out or {prefix: {}}
    return {prefix: obj}


def _differences(old: Mapping[str, Any], new: Mapping[str, Any], limit: int = 3) -> str:
    a, b = _flatten(dict(old)), _flatten(dict(new))
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k, "<unset>") != b.get(k, "<unset>")]
    shown = [f"{k}: {json.dumps(a.get(k, '<unset>'), ensure_ascii=False)} -> "
             f"{json.dumps(b.get(k, '<unset>'), ensure_ascii=False)}" for k in keys[:limit]]
    more = f" (+{len(keys) - limit} more)" if len(keys) > limit else ""
    return "; ".join(shown) + more


def _claim_folder(out_dir: Path, identity: Mapping[str, Any], dataset: Dataset) -> dict[str, Any]:
    """Create the results folder, or check that an existing one is for this configuration."""
    run_file = out_dir / "run.json"
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"results path {out_dir} exists and is not a directory")
    if run_file.exists():
        stored = read_json(run_file, role="results file")
        if not isinstance(stored, dict) or stored.get("identity") != identity:
            old = stored.get("identity", {}) if isinstance(stored, dict) else {}
            raise DataError(f"results folder {out_dir} holds a run with a different configuration "
                            f"({_differences(old, identity)}); use another -o folder")
        if not (out_dir / "data.jsonl").is_file():  # an earlier run stopped right after run.json
            atomic_write_text(out_dir / "data.jsonl", dataset.to_jsonl())
        return stored
    if out_dir.exists() and any(out_dir.iterdir()):
        runs = sorted(p.name for p in out_dir.iterdir() if (p / "run.json").is_file())
        hint = (f"; it holds other runs ({', '.join(runs[:3])}), pass a new folder inside it"
                if runs else "")
        raise DataError(f"results folder {out_dir} is not empty and is not a tarjama results "
                        f"folder{hint}")
    out_dir.mkdir(parents=True, exist_ok=True)
    stored = {"identity": dict(identity), "created": _now()}
    write_json(run_file, stored)
    atomic_write_text(out_dir / "data.jsonl", dataset.to_jsonl())
    return stored


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def read_outputs(path: Path, valid_ids: set[str], *, repair: bool = False
                 ) -> dict[str, dict[str, Any]]:
    """Finished outputs (``outputs.jsonl``) by segment id. A half-written last line (a crash)
    is ignored, and with ``repair`` also mended in the file so appending can go on."""
    if repair:
        recover_torn_tail(path)
    done: dict[str, dict[str, Any]] = {}
    for lineno, raw, terminated in jsonl_lines(path):
        try:
            rec = json.loads(raw)
        except ValueError:
            if not terminated:  # no newline after it: the write was cut short
                log.warning("%s: dropping an incomplete last record", path)
                break
            raise DataError(f"{path} line {lineno} is not valid JSON; the results folder is "
                            "damaged (delete the line or the folder)") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("hyp"), str) \
                or str(rec.get("id")) not in valid_ids:
            raise DataError(f"{path} line {lineno}: not an output of this dataset; the results "
                            "folder is damaged")
        done.setdefault(str(rec["id"]), rec)
    return done


def check_rates(records: Sequence[Mapping[str, Any]]) -> Optional[dict[str, Any]]:
    """Share of segments each check flagged (nlp.checks), from the outputs' details; None when
    the system reported none."""
    with_details = [r["details"] for r in records if isinstance(r.get("details"), Mapping)]
    if not with_details:
        return None
    counts: dict[str, int] = {}
    for d in with_details:
        for code in d.get("checks", []):
            counts[code] = counts.get(code, 0) + 1
    n = len(with_details)
    return {"segments": n, "counts": dict(sorted(counts.items())),
            "rates": {k: round(v / n, 6) for k, v in sorted(counts.items())}}


def _count_tokens(system: Any, text: str) -> int:
    # A system may count its own (subword) tokens; otherwise whitespace words are counted.
    counter = getattr(system, "count_tokens", None)
    return int(counter([text])) if callable(counter) else len(text.split())


def _warn_if_libraries_changed(prov_path: Path, n_reused: int) -> None:
    if not n_reused or not prov_path.exists():
        return
    try:
        old = json.loads(prov_path.read_text(encoding="utf-8")).get("libraries", {})
    except (OSError, ValueError, AttributeError):
        return
    now = library_versions()
    changed = [f"{k} {old[k]} -> {now.get(k)}" for k in old if old.get(k) != now.get(k)]
    if changed:
        log.warning("reused outputs were generated with other library versions (%s)",
                    ", ".join(changed))


def run_benchmark(dataset: Dataset, system: System, out_dir: Path,
                  config: Optional[Mapping[str, Any]] = None, *,
                  level: Optional[str] = None,
                  task: Optional[str] = None,
                  metrics: Optional[str | Sequence[str]] = None,
                  batch_size: int = 16,
                  n_bootstrap: int = 1000,
                  seed: int = DEFAULT_SEED,
                  rouge_stem: Optional[bool] = None,
                  rouge_protocol: Optional[str] = None,
                  progress: Optional[Callable[[int, int], None]] = None) -> RunResult:
    """Run ``system`` over ``dataset`` into ``out_dir``, score it and record provenance.

    ``level``: "sentence" (one segment at a time) or "document" (whole documents joined with
    newlines, scored against the joined references); default: the dataset's own unit.
    ``config``: the run settings (decoding options, ...); JSON-serializable, part of the
    folder's identity together with the dataset checksum, level and ``system.provenance()``.
    ``task``: when given ("translate"/"summarize"), the dataset must be of that task.
    ``progress(done, total)`` is called after every batch. ROUGE is scored under
    ``rouge_protocol`` (default ``tarjama``); scores are recomputed on every call, so a rerun
    under another protocol re-scores the finished outputs.
    """
    t_start = time.perf_counter()
    if batch_size < 1:
        raise InputError(f"batch size must be at least 1 (got {batch_size})")
    if task is not None and task != dataset.task:
        raise DataError(f"dataset {dataset.name} is a {dataset.task} set, not {task}")
    level = level or dataset.level
    if level not in LEVELS:
        raise InputError(f"unknown level '{level}'; valid levels: {', '.join(LEVELS)}")
    if level == "document":
        ds = dataset.documents()
    elif dataset.level == "document":
        raise DataError(f"dataset {dataset.name} is document-level ({dataset.task}: one segment "
                        "per document); level 'sentence' does not apply")
    else:
        ds = dataset
    default = DEFAULT_SUMMARY_METRICS if ds.task == "summarize" else DEFAULT_TRANSLATION_METRICS
    metric_names = parse_metric_names(metrics or default)
    rouge_protocol = check_protocol(rouge_protocol)
    cfg = _plain_json(dict(config or {}), "config")
    sys_prov = _plain_json(dict(system.provenance()), "system provenance")
    identity = {
        "format": RUN_FORMAT,
        "task": ds.task,
        "level": level,
        "dataset": {"name": ds.name, "checksum": ds.checksum, "n_segments": len(ds)},
        "system": {"name": system.name, "provenance": sys_prov},
        "config": cfg,
    }
    out_dir = Path(out_dir)
    stored = _claim_folder(out_dir, identity, ds)

    outputs_path = out_dir / "outputs.jsonl"
    ids = [s.id for s in ds.segments]
    done = read_outputs(outputs_path, set(ids), repair=True)
    n_reused = len(done)
    pending = [s for s in ds.segments if s.id not in done]
    if n_reused:
        log.info("reusing %d finished outputs from %s", n_reused, outputs_path)
    token_unit = "system" if callable(getattr(system, "count_tokens", None)) else "whitespace"
    generated = 0
    with AppendOnlyJSONL(outputs_path) as out:
        for start in range(0, len(pending), batch_size):
            batch = pending[start:start + batch_size]
            t0 = time.perf_counter()
            if getattr(system, "reads_references", False):
                hyps = system([s.source for s in batch], [s.refs for s in batch])  # type: ignore[call-arg]
            else:
                hyps = system([s.source for s in batch])
            seconds = time.perf_counter() - t0
            if not isinstance(hyps, (list, tuple)) or len(hyps) != len(batch):
                got = len(hyps) if isinstance(hyps, (list, tuple)) else type(hyps).__name__
                raise DataError(f"system {system.name} returned {got} outputs for {len(batch)} "
                                "inputs")
            if not all(isinstance(h, str) for h in hyps):
                raise DataError(f"system {system.name} returned a non-string output")
            records = [{"id": seg.id, "hyp": hyp, "seconds": seconds / len(batch),
                        "tokens": _count_tokens(system, hyp)} for seg, hyp in zip(batch, hyps)]
            details = getattr(system, "last_details", None)
            if isinstance(details, list) and len(details) == len(records):
                for rec, detail in zip(records, details):
                    rec["details"] = detail
            done.update((rec["id"], rec) for rec in records)
            # Written per batch: a crash or Ctrl-C loses at most the batch in flight.
            out.append_many(records)
            generated += len(batch)
            if progress is not None:
                progress(n_reused + generated, len(ds))

    hyps_all = [done[i]["hyp"] for i in ids]
    write_lines(out_dir / "hyp.txt", hyps_all)
    for k, stream in enumerate(ds.ref_streams):
        write_lines(out_dir / ("ref.txt" if k == 0 else f"ref.{k + 1}.txt"),
                    [r or "" for r in stream])

    lang = ds.target_lang if ds.target_lang not in ("", "und") else None
    report = score_texts(hyps_all, ds.ref_streams, metrics=metric_names, lang=lang,
                         n_bootstrap=n_bootstrap, seed=seed, segment_ids=ids,
                         doc_ids=ds.doc_ids, sources=ds.sources, rouge_stem=rouge_stem,
                         rouge_protocol=rouge_protocol, hyp_name=f"outputs of {system.name}",
                         ref_names=[f"references of {ds.name}"] * ds.num_refs)
    write_json(out_dir / "scores.json", report.to_dict())

    _warn_if_libraries_changed(out_dir / "provenance.json", n_reused)
    gen_seconds = sum(float(done[i].get("seconds", 0.0)) for i in ids)
    tokens = sum(int(done[i].get("tokens", 0)) for i in ids)
    provenance = {
        "format": RUN_FORMAT,
        "created": stored.get("created"),
        "updated": _now(),
        "task": ds.task,
        "level": level,
        "system": {"name": system.name, **sys_prov},
        "config": cfg,
        "dataset": ds.describe(),
        "libraries": library_versions(),
        "platform": {"python": sys.version.split()[0], "platform": platform.platform(),
                     "cpus": os.cpu_count()},
        "scoring": {"metrics": list(metric_names), "lang": report.lang,
                    "rouge_protocol": report.rouge_protocol, "rouge_stem": rouge_stem,
                    "n_bootstrap": n_bootstrap, "seed": seed,
                    "signatures": {s.name: s.signature for s in report.scores}},
        "timing": {
            "generation_seconds": gen_seconds,
            "wall_seconds_last_invocation": time.perf_counter() - t_start,
            "segments_generated_last_invocation": generated,
            "segments_reused_last_invocation": n_reused,
            "output_tokens": tokens,
            "token_unit": token_unit,
            "tokens_per_second": tokens / gen_seconds if gen_seconds > 0 else None,
            "segments_per_second": len(ids) / gen_seconds if gen_seconds > 0 else None,
        },
        "warnings": list(report.warnings),
    }
    rates = check_rates([done[i] for i in ids])
    if rates is not None:
        provenance["checks"] = rates
    write_json(out_dir / "provenance.json", provenance)
    return RunResult(out_dir=out_dir, report=report, provenance=provenance,
                     hypotheses=tuple(hyps_all), n_generated=generated, n_reused=n_reused)
