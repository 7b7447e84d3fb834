"""The HTTP side every endpoint shares: errors as JSON bodies, size and concurrency limits,
API keys, and running a request's work in a thread that stops when its client leaves.

Every error is ``{"error": "<one line>"}`` (LibreTranslate's shape) with a status that says
what happened; nothing a client sends makes the server answer with a traceback or stop.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from typing import Any, Callable, Mapping, TypeVar

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tarjama.errors import (
    ClientGoneError,
    DataError,
    InputError,
    ModelNotDownloadedError,
    ModelNotFoundError,
    RequestTimeoutError,
    RequestTooLargeError,
    ServerBusyError,
    TarjamaError,
    UnsafeWeightsError,
    UsageError,
    one_line,
)
from tarjama.serve.batching import RequestScope
from tarjama.serve.metrics import Metrics

__all__ = ["Guard", "error_body", "read_values", "require_key", "run_in_worker",
           "status_of", "watch_disconnect"]

log = logging.getLogger("tarjama.serve")
T = TypeVar("T")

# A client that closed its connection gets nothing; the status is for the access log and
# the metrics (nginx's "client closed request").
CLIENT_GONE = 499
_STATUS = [
    (RequestTooLargeError, 413),
    (ServerBusyError, 503),
    (RequestTimeoutError, 504),
    (ClientGoneError, CLIENT_GONE),
    (ModelNotDownloadedError, 503),  # a model the server was not given (an abstractive one)
    (UnsafeWeightsError, 503),
    (ModelNotFoundError, 400),
    (UsageError, 400),
    (InputError, 400),
    (DataError, 400),
]
_REJECTION = {403: "forbidden", 413: "too_large", 503: "busy", 504: "timeout"}


def status_of(exc: TarjamaError) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 500


def error_body(message: str) -> bytes:
    return json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")


class BodyTooLarge(Exception):
    pass


class Guard:
    """The outermost layer: bounds requests in flight and body sizes, counts and times every
    request, and turns anything that escaped the handlers into a JSON 500."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int,
                 max_in_flight: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.max_in_flight = max_in_flight
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        state = {"status": 500, "started": False}

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
            await send(message)

        if self.in_flight >= self.max_in_flight:
            await _send_error(send_counted, 503, f"the server is answering {self.in_flight} "
                              "requests already; try again shortly", {"retry-after": "1"})
            self._count(scope, state["status"], started_at)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await _send_error(send_counted, 413, self._too_large())
            self._count(scope, 413, started_at)
            return
        received = 0

        async def receive_bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge()
            return message

        self.in_flight += 1
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive_bounded, send_counted)
        except BodyTooLarge:
            if not state["started"]:
                await _send_error(send_counted, 413, self._too_large())
        except Exception as exc:  # a bug: logged with its traceback here, one line for the client
            log.exception("internal error answering %s %s", scope.get("method"), scope.get("path"))
            if not state["started"]:
                await _send_error(send_counted, 500, f"internal error: {one_line(exc)}")
        finally:
            self.in_flight -= 1
            self.metrics.in_flight.dec()
            self._count(scope, state["status"], started_at)

    def _too_large(self) -> str:
        return f"Invalid request: the body is over the server's limit of {self.max_body_bytes} bytes"

    def _count(self, scope: Scope, status: int, started_at: float) -> None:
        route = scope.get("route")
        # Route templates, not raw paths: a scanner's random URLs must not grow the metrics.
        endpoint = getattr(route, "path", None) or "other"
        self.metrics.requests.labels(scope.get("method", ""), endpoint, str(status)).inc()
        self.metrics.latency.labels(endpoint).observe(time.perf_counter() - started_at)
        if status in _REJECTION:
            self.metrics.rejected(_REJECTION[status])


async def _send_error(send: Send, status: int, message: str,
                      headers: Mapping[str, str] | None = None) -> None:
    body = error_body(message)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def read_values(request: Request, *, max_part_size: int) -> dict[str, Any]:
    """A request's parameters as LibreTranslate reads them: a JSON object, or form fields
    (urlencoded or multipart; a field given twice is a list), over the query string's.

    A body that is not a form is read as JSON whatever its Content-Type says (a browser's
    fetch() with a string body sends text/plain)."""
    values: dict[str, Any] = {}
    for key in request.query_params:
        items = request.query_params.getlist(key)
        values[key] = items if len(items) > 1 else items[0]
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form(max_files=0, max_fields=10_000, max_part_size=max_part_size)
        except BodyTooLarge:
            raise
        except Exception as exc:  # a malformed form: multipart raises several types
            raise HTTPException(400, f"Invalid request: cannot read the form ({one_line(exc)})")
        for key in form:
            items = [v for v in form.getlist(key) if isinstance(v, str)]
            if items:
                values[key] = items if len(items) > 1 else items[0]
        return values
    body = await request.body()
    if not body.strip():
        return values
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HTTPException(400, "Invalid JSON format") from None
    if not isinstance(parsed, dict):
        raise HTTPException(400, "Invalid JSON format")
    values.update(parsed)
    return values


def require_key(keys: frozenset[str], request: Request, values: Mapping[str, Any] | None = None
                ) -> None:
    """403 unless the request carries one of the server's API keys (when it has any): as
    api_key in the body or query (LibreTranslate), or an Authorization: Bearer header."""
    if not keys:
        return
    given = (values or {}).get("api_key") or request.query_params.get("api_key")
    auth = request.headers.get("authorization", "")
    if not given and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    if not given:
        raise HTTPException(403, "Invalid request: missing api_key parameter (this server "
                                 "needs an API key)")
    if not isinstance(given, str) or not any(hmac.compare_digest(given.encode(), k.encode())
                                             for k in keys):
        raise HTTPException(403, "Invalid API key")


async def watch_disconnect(request: Request, scope: RequestScope) -> None:
    """Cancel the request's work when its client disconnects (the body is read already, so
    the next message is the disconnect)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            scope.cancel()
            return


async def run_in_worker(request: Request, scope: RequestScope, work: Callable[[], T],
                        limiter: anyio.CapacityLimiter | None = None) -> T:
    """Run blocking work (tokenizing, waiting for the model) in a thread, cancelling it if
    the client leaves meanwhile."""
    watcher = asyncio.ensure_future(watch_disconnect(request, scope))
    try:
        return await anyio.to_thread.run_sync(work, limiter=limiter)
    finally:
        watcher.cancel()
