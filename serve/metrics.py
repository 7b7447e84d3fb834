"""What `GET /metrics` shows, in Prometheus' text format: requests, their latency, sentences
translated, and how full the shared model batches are.

Each app has its own registry (several apps in one process, as in the tests, do not mix their
counts); with ``--workers N`` each worker process counts its own requests.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest

__all__ = ["CONTENT_TYPE", "BatchMetrics", "Metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                    120.0, 300.0)
_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("tarjama_http_requests", "HTTP requests answered.",
                                ["method", "endpoint", "status"], registry=r)
        self.latency = Histogram("tarjama_http_request_duration_seconds",
                                 "Time from a request's arrival to the end of its response.",
                                 ["endpoint"], buckets=_LATENCY_BUCKETS, registry=r)
        self.in_flight = Gauge("tarjama_http_requests_in_flight", "Requests being answered now.",
                               registry=r)
        self.rejections = Counter("tarjama_requests_rejected",
                                  "Requests refused: busy (503), too_large (413), timeout (504), "
                                  "forbidden (403).", ["reason"], registry=r)
        self.sentences = Counter("tarjama_sentences_translated",
                                 "Sentences translated by a model (passed-through ones excluded).",
                                 ["direction"], registry=r)
        self.batch_segments = Histogram("tarjama_batch_segments",
                                        "Segments in one model call (gathered across requests).",
                                        ["direction"], buckets=_SIZE_BUCKETS, registry=r)
        self.batch_requests = Histogram("tarjama_batch_requests",
                                        "Requests whose sentences shared one model call.",
                                        ["direction"], buckets=_SIZE_BUCKETS, registry=r)
        self.batch_seconds = Histogram("tarjama_batch_duration_seconds",
                                       "Time the model took for one call.", ["direction"],
                                       buckets=_LATENCY_BUCKETS, registry=r)
        self.queued = Gauge("tarjama_queue_segments", "Segments waiting for the model.",
                            ["direction"], registry=r)

    def rejected(self, reason: str) -> None:
        self.rejections.labels(reason).inc()

    def for_direction(self, direction: str) -> "BatchMetrics":
        return BatchMetrics(self, direction)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class BatchMetrics:
    """One translator's batches (serve.batching.BatchObserver)."""

    def __init__(self, metrics: Metrics, direction: str) -> None:
        self.metrics = metrics
        self.direction = direction

    def batch(self, segments: int, requests: int, seconds: float) -> None:
        m = self.metrics
        m.batch_segments.labels(self.direction).observe(segments)
        m.batch_requests.labels(self.direction).observe(requests)
        m.batch_seconds.labels(self.direction).observe(seconds)
