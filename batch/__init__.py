"""Batch jobs past one machine: ``tarjama batch translate|digest`` over many articles.

    from tarjama.batch import run_batch
    run = run_batch("translate", ["articles.jsonl"], "out/")              # one process
    run = run_batch("digest", ["feeds.txt"], "s3://bucket/digest/", engine="ray", actors=4)

The same pipeline as ``tarjama translate`` and ``tarjama digest``, cut into shards: readers
(inputs, local or behind any pyarrow.fs URI), work (one shard through the library's
translator or digest), shards (the output folder; exactly once), engines (``local``: in this
process), ray_engine (``ray``: Ray Data and an actor pool) and job (a run and its manifest).
"""

from __future__ import annotations

from tarjama.batch.job import BatchRun, BatchStats, run_batch

__all__ = ["BatchRun", "BatchStats", "run_batch"]
