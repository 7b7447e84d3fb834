"""Dynamic batching (serve.batching): concurrent requests' sentences share model calls, and
the queue, deadlines and departed clients are bounded."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from serve_helpers import FakeSeq2Seq

from tarjama.errors import ClientGoneError, RequestTimeoutError, ServerBusyError
from tarjama.nlp.translate import Segment, translate_lines, translate_sentences
from tarjama.nlp.document import Line
from tarjama.serve.batching import BatchingTranslator, RequestScope


def seg(text: str) -> Segment:
    return Segment(text, tuple([1] * (len(text.split()) + 1)))


def scope(seconds: float = 30.0) -> RequestScope:
    return RequestScope.with_timeout(seconds)


class Recorder:
    def __init__(self) -> None:
        self.batches: list[tuple[int, int]] = []

    def batch(self, segments: int, requests: int, seconds: float) -> None:
        self.batches.append((segments, requests))


def test_twenty_concurrent_requests_share_about_one_batch() -> None:
    gate = threading.Event()
    model = FakeSeq2Seq(gate=gate)
    recorder = Recorder()
    batcher = BatchingTranslator(model, max_wait=0.05, observer=recorder)
    try:
        # The first request occupies the model; the other 19 arrive while it decodes.
        with ThreadPoolExecutor(20) as pool:
            first = pool.submit(batcher.submit, [seg("جملة رقم صفر")], scope())
            assert model.started.wait(5)
            rest = [pool.submit(batcher.submit, [seg(f"جملة رقم {i}")], scope())
                    for i in range(1, 20)]
            deadline = time.monotonic() + 5
            while batcher.queued < 19 and time.monotonic() < deadline:
                time.sleep(0.01)
            gate.set()
            results = [first.result(10)] + [f.result(10) for f in rest]
        assert [r[0].text for r in results] == ["w4 w3 w3"] + ["w4 w3 " + ("w1" if i < 10 else "w2")
                                                              for i in range(1, 20)]
        assert [len(c) for c in model.calls] == [1, 19]
        assert recorder.batches == [(1, 1), (19, 19)]
    finally:
        batcher.close()


def test_an_idle_model_waits_a_moment_for_company() -> None:
    model = FakeSeq2Seq()
    batcher = BatchingTranslator(model, max_wait=0.3)
    try:
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(batcher.submit, [seg(f"نص {i}")], scope()) for i in range(8)]
            assert all(len(f.result(10)) == 1 for f in futures)
        assert [len(c) for c in model.calls] == [8]
    finally:
        batcher.close()


def test_the_token_budget_closes_a_batch_early() -> None:
    model = FakeSeq2Seq(max_batch_tokens=6)  # three segments of two tokens
    batcher = BatchingTranslator(model, max_wait=5.0)
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(3) as pool:
            futures = [pool.submit(batcher.submit, [seg("نص")], scope()) for _ in range(3)]
            [f.result(10) for f in futures]
        assert time.monotonic() - started < 4.0  # did not wait out max_wait
        assert [len(c) for c in model.calls] == [3]
    finally:
        batcher.close()


def test_without_dynamic_batching_each_request_is_a_batch() -> None:
    model = FakeSeq2Seq(delay=0.05)
    batcher = BatchingTranslator(model, dynamic=False)
    try:
        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(batcher.submit, [seg("نص"), seg("آخر")], scope())
                       for _ in range(6)]
            [f.result(10) for f in futures]
        assert [len(c) for c in model.calls] == [2] * 6
    finally:
        batcher.close()


def test_a_full_queue_refuses_new_requests_but_not_admitted_ones() -> None:
    gate = threading.Event()
    model = FakeSeq2Seq(gate=gate)
    batcher = BatchingTranslator(model, max_wait=0.0, max_queued=3)
    try:
        with ThreadPoolExecutor(4) as pool:
            running = pool.submit(batcher.submit, [seg("أ")], scope())
            assert model.started.wait(5)
            admitted = scope()
            waiting = pool.submit(batcher.submit, [seg("ب"), seg("ج")], admitted)
            while batcher.queued < 2:
                time.sleep(0.01)
            with pytest.raises(ServerBusyError, match="2 sentences are waiting"):
                batcher.submit([seg("د"), seg("هـ")], scope())
            # A request already admitted may queue its next window beyond the bound.
            more = pool.submit(batcher.submit, [seg("و"), seg("ز")], admitted)
            gate.set()
            assert len(running.result(10)) == 1 and len(waiting.result(10)) == 2
            assert len(more.result(10)) == 2
    finally:
        batcher.close()


def test_timeouts_and_departed_clients_leave_the_queue() -> None:
    gate = threading.Event()
    model = FakeSeq2Seq(gate=gate)
    batcher = BatchingTranslator(model, max_wait=0.0)
    try:
        with ThreadPoolExecutor(3) as pool:
            busy = pool.submit(batcher.submit, [seg("أ")], scope())
            assert model.started.wait(5)
            with pytest.raises(RequestTimeoutError):
                batcher.submit([seg("ب")] * 5, scope(0.2))
            assert batcher.queued == 0
            gone = scope()
            leaving = pool.submit(batcher.submit, [seg("ج")] * 4, gone)
            while batcher.queued < 4:
                time.sleep(0.01)
            gone.cancel()
            with pytest.raises(ClientGoneError):
                leaving.result(5)
            assert batcher.queued == 0
            gate.set()
            busy.result(10)
        # Neither the timed-out nor the departed request's sentences reached the model.
        assert model.calls == [["أ"]]
    finally:
        batcher.close()


def test_a_failing_batch_fails_its_requests_and_the_thread_lives_on() -> None:
    model = FakeSeq2Seq(fail_on="قنبلة")
    batcher = BatchingTranslator(model, max_wait=0.0)
    try:
        with pytest.raises(RuntimeError, match="exploded"):
            batcher.submit([seg("قنبلة")], scope())
        assert batcher.submit([seg("سلام")], scope())[0].text == "w4"
    finally:
        batcher.close()
    with pytest.raises(ServerBusyError, match="shutting down"):
        batcher.submit([seg("سلام")], scope())


def test_the_article_pipeline_runs_unchanged_on_the_batched_model() -> None:
    model = FakeSeq2Seq()
    batcher = BatchingTranslator(model, max_wait=0.0)
    try:
        lines = [Line(1, 0, "عنوان الخبر"), Line(2, 0, ""), Line(3, 0, "جملة أولى. وجملة طويل ثانية.")]
        direct = list(translate_lines(lines, FakeSeq2Seq(), source_lang="ar"))
        batched = list(translate_lines(lines, batcher.for_request(scope()), source_lang="ar"))
        assert batched == direct
        assert batched[1].sentences[1].checks[0].code == "hit_max_length"
        assert translate_sentences(["2026"], batcher.for_request(scope()), source_lang="ar")[0].passthrough
    finally:
        batcher.close()
