"""Dynamic batching: the sentences of concurrent requests share model batches.

One model thread per loaded translator takes what requests have queued and translates it in
one call: it starts as soon as the padded-token budget of a batch is full, or a few
milliseconds after the first waiting request arrived, and while it decodes the next requests
queue up for the call after. Twenty clients sending one sentence each cost about one batch,
not twenty, and the model is only ever driven by that one thread.

Each request sees the translator through :meth:`BatchingTranslator.for_request`: an
nlp.translate.TranslationModel like any other, so a request runs the ordinary article pipeline
(nlp.translate.translate_lines, tarjama.api.Translator) and only its ``translate`` calls wait
here. The queue is bounded (a new request finding more than ``max_queued`` sentences waiting is
refused with ServerBusyError), every wait ends at the request's deadline, and a request whose
client went away has its waiting sentences dropped.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from tarjama.errors import ClientGoneError, RequestTimeoutError, ServerBusyError
from tarjama.models.translator import Seq2SeqTranslator
from tarjama.nlp.translate import Segment, SegmentOutput

__all__ = ["BatchObserver", "BatchingTranslator", "RequestModel", "RequestScope"]

log = logging.getLogger(__name__)

# How often a waiting request looks at its deadline and its client; it is woken at once when
# its sentences are done.
_POLL_S = 0.05


@dataclass
class RequestScope:
    """One HTTP request's deadline, and whether its client is still there."""

    deadline: float  # time.monotonic()
    cancelled: threading.Event = field(default_factory=threading.Event)
    admitted: bool = False  # its first sentences were queued: it is not refused later on

    @classmethod
    def with_timeout(cls, seconds: float) -> "RequestScope":
        return cls(time.monotonic() + seconds)

    def cancel(self) -> None:
        self.cancelled.set()

    def check(self) -> None:
        if self.cancelled.is_set():
            raise ClientGoneError("the client disconnected")
        if time.monotonic() >= self.deadline:
            raise RequestTimeoutError("the request ran past the server's time limit")


class BatchObserver(Protocol):
    """Where batch figures go (serve.metrics)."""

    def batch(self, segments: int, requests: int, seconds: float) -> None: ...


@dataclass(eq=False)
class _Job:
    segments: Sequence[Segment]
    tokens: int  # source tokens x beams: what the batch budget counts
    scope: RequestScope
    enqueued: float
    done: threading.Event = field(default_factory=threading.Event)
    result: list[SegmentOutput] | None = None
    error: BaseException | None = None


class BatchingTranslator:
    """A loaded Seq2SeqTranslator behind a queue and one model thread.

    ``max_wait`` (seconds) is how long the first waiting request waits for others when the
    model is idle; with ``dynamic=False`` every request's sentences are a batch of their own,
    one request after another (what a server without dynamic batching does, for comparison).
    """

    def __init__(self, model: Seq2SeqTranslator, *, max_wait: float = 0.005,
                 max_queued: int = 1024, dynamic: bool = True,
                 observer: BatchObserver | None = None) -> None:
        self.model = model
        self.max_segment_tokens = model.max_segment_tokens
        self.source_lang = model.source_lang
        self.target_lang = model.target_lang
        self.max_wait = max_wait
        self.max_queued = max_queued
        self.dynamic = dynamic
        self.observer = observer
        # The model's own padded-token budget: a gathered call fills about one of its batches.
        self.budget = model.config.max_batch_tokens
        self._beams = model.num_beams
        self._queue: collections.deque[_Job] = collections.deque()
        self._queued = 0  # segments waiting
        self._queued_tokens = 0
        self._cv = threading.Condition()
        self._encode_lock = threading.Lock()
        self._stopped = False
        self.batches = 0  # model calls made
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"tarjama-model-{self.source_lang}-{self.target_lang}")
        self._thread.start()

    @property
    def direction(self) -> str:
        return f"{self.source_lang}-{self.target_lang}"

    @property
    def queued(self) -> int:
        """Segments waiting for the model."""
        return self._queued

    def for_request(self, scope: RequestScope) -> "RequestModel":
        return RequestModel(self, scope)

    def provenance(self) -> dict[str, Any]:
        return self.model.provenance()

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        # Requests tokenize in their own threads; tokenizers are not promised to be re-entrant.
        with self._encode_lock:
            return self.model.encode(texts)

    def submit(self, segments: Sequence[Segment], scope: RequestScope) -> list[SegmentOutput]:
        """Queue one request's segments and wait for their translations."""
        if not segments:
            return []
        scope.check()
        job = _Job(segments, sum(len(s.ids) for s in segments) * self._beams, scope,
                   time.monotonic())
        with self._cv:
            if self._stopped:
                raise ServerBusyError("the server is shutting down")
            if not scope.admitted and self._queued + len(segments) > self.max_queued:
                raise ServerBusyError(
                    f"the server is busy: {self._queued} sentences are waiting for the model "
                    f"(at most {self.max_queued}); try again shortly")
            scope.admitted = True
            self._queue.append(job)
            self._queued += len(segments)
            self._queued_tokens += job.tokens
            self._cv.notify_all()
        while not job.done.wait(_POLL_S):
            try:
                scope.check()
            except (ClientGoneError, RequestTimeoutError):
                self._withdraw(job)
                raise
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    def close(self, timeout: float = 10.0) -> None:
        """Stop the model thread once the batch it is running is done; waiting requests fail."""
        with self._cv:
            self._stopped = True
            waiting = list(self._queue)
            self._queue.clear()
            self._queued = self._queued_tokens = 0
            self._cv.notify_all()
        for job in waiting:
            job.error = ServerBusyError("the server is shutting down")
            job.done.set()
        self._thread.join(timeout)

    # --- the model thread ------------------------------------------------------------------

    def _withdraw(self, job: _Job) -> None:
        """A request gave up: its segments leave the queue unless the model has them already."""
        with self._cv:
            try:
                self._queue.remove(job)
            except ValueError:
                return  # being translated now; the result is dropped
            self._queued -= len(job.segments)
            self._queued_tokens -= job.tokens

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._queue and not self._stopped:
                    self._cv.wait()
                if self._stopped:
                    return
                if self.dynamic:
                    until = self._queue[0].enqueued + self.max_wait
                    while (self._queue and not self._stopped and self._queued_tokens < self.budget
                           and (left := until - time.monotonic()) > 0):
                        self._cv.wait(left)
                jobs = self._take()
            if jobs:
                self._run(jobs)

    def _take(self) -> list[_Job]:
        """Jobs from the head of the queue: the first, then while they fit the budget."""
        jobs: list[_Job] = []
        tokens = 0
        while self._queue:
            job = self._queue[0]
            if jobs and (not self.dynamic or tokens + job.tokens > self.budget):
                break
            self._queue.popleft()
            self._queued -= len(job.segments)
            self._queued_tokens -= job.tokens
            jobs.append(job)
            tokens += job.tokens
        return jobs

    def _run(self, jobs: list[_Job]) -> None:
        segments = [s for job in jobs for s in job.segments]
        started = time.perf_counter()
        try:
            outputs = self.model.translate(segments)
        except Exception as exc:  # the model failed on this batch: its requests get the error
            log.error("translation batch of %d segments failed: %s: %s", len(segments),
                      type(exc).__name__, exc)
            for job in jobs:
                job.error = exc
                job.done.set()
            return
        self.batches += 1
        if self.observer is not None:
            self.observer.batch(len(segments), len(jobs), time.perf_counter() - started)
        offset = 0
        for job in jobs:
            job.result = outputs[offset : offset + len(job.segments)]
            offset += len(job.segments)
            job.done.set()


class RequestModel:
    """The batched translator as one request sees it (nlp.translate.TranslationModel)."""

    def __init__(self, batcher: BatchingTranslator, scope: RequestScope) -> None:
        self.batcher = batcher
        self.scope = scope
        self.max_segment_tokens = batcher.max_segment_tokens
        self.source_lang = batcher.source_lang
        self.target_lang = batcher.target_lang

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        self.scope.check()
        return self.batcher.encode(texts)

    def translate(self, segments: Sequence[Segment]) -> list[SegmentOutput]:
        return self.batcher.submit(segments, self.scope)

    def provenance(self) -> dict[str, Any]:
        return self.batcher.provenance()
