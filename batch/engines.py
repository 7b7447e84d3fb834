"""``--engine local``: the shards one after another in this process, no Ray.

The same steps as on Ray (readers.read_items, work.ShardWorker, shards.commit), so the folder
it writes has the same layout and, shard for shard, the same records.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from tarjama.batch.readers import read_items
from tarjama.batch.shards import commit
from tarjama.batch.storage import Storage
from tarjama.batch.work import JobSpec, ShardWorker

__all__ = ["run_local"]


def run_local(spec: JobSpec, shards: Sequence[Any], storage: Storage,
              on_result: Callable[[dict[str, Any]], None], should_stop: Callable[[], bool]) -> bool:
    """Process and commit every shard; True if a stop was asked for (checked between shards)."""
    worker = ShardWorker(spec)
    for shard in shards:
        if should_stop():
            return True
        result = worker.process(shard.name, read_items(shard.articles))
        on_result(commit(storage, result, spec.output_format, spec.task))
    return False
