"""Fetching a feed or an article page over http(s), within limits a stranger's server cannot
stretch: a time limit on the whole request, a size limit, a bounded number of redirects, http(s)
only (feedparser's own fetching has none of these). Every failure is an InputError naming the URL.

The time limit is a deadline for the whole fetch (connect, TLS, headers, body): a watchdog shuts
the connection's socket down when it passes, so a server that drips one byte every half second
cannot keep a read alive, and a caller's ``cancel`` check stops a fetch in flight the same way.
A signal (Ctrl-C, SIGTERM) interrupts a fetch in the main thread at once.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable

from tarjama import __version__
from tarjama.errors import InputError

__all__ = ["FetchCancelled", "FetchLimits", "Fetched", "fetch_url"]


def _user_agent() -> str:
    return f"tarjama-digest/{__version__} (news digest; Python urllib)"


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 20.0  # seconds for one whole request: connect, headers and body
    max_bytes: int = 10 << 20  # feeds and article pages bigger than this are refused
    max_redirects: int = 5
    user_agent: str = field(default_factory=_user_agent)


@dataclass(frozen=True)
class Fetched:
    url: str  # as asked for
    final_url: str  # after redirects
    data: bytes
    content_type: str | None


class _BoundedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.max_redirections = limit
        # urllib's loop detector (same URL 4 times) would give a vaguer message than ours.
        self.max_repeats = limit + 1

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        # urllib also follows ftp:// redirects; a feed has no business sending us there.
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise InputError(f"{req.full_url}: redirected to a non-http(s) URL ({newurl[:200]})")
        if len(getattr(req, "redirect_dict", {})) >= self.max_redirections:
            raise InputError(f"{req.full_url}: more than {self.max_redirections} redirects")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class FetchCancelled(InputError):
    """The caller asked the fetch to stop (a stop request, an interrupted run)."""


# How often a watchdog with a cancel check looks at it.
_CANCEL_POLL_S = 0.1


class _Watchdog:
    """Shuts the sockets of one fetch down when its deadline passes or ``cancel()`` turns true:
    a connect, handshake or read blocked on them returns at once, whatever the server sends."""

    def __init__(self, seconds: float, cancel: Callable[[], bool] | None) -> None:
        self.deadline = time.monotonic() + seconds
        self.fired: str | None = None  # "timeout" | "cancelled"
        self._cancel = cancel
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tarjama-fetch-deadline", daemon=True)
        self._thread.start()

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired is not None:
            _shutdown(sock)

    def _run(self) -> None:
        while True:
            left = self.remaining()
            wait = min(left, _CANCEL_POLL_S) if self._cancel is not None else left
            if self._done.wait(wait):
                return
            if self.remaining() <= 0:
                self._fire("timeout")
                return
            if self._cancel is not None and self._cancel():
                self._fire("cancelled")
                return

    def _fire(self, why: str) -> None:
        with self._lock:
            self.fired = why
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def stop(self) -> None:
        self._done.set()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


def _watched(base: type[http.client.HTTPConnection], watchdog: _Watchdog) -> Any:
    """`base` whose sockets the watchdog holds from the moment they exist (before TLS), and
    whose connect gets only the time left."""

    class Watched(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)

            def create(address: Any, timeout: Any = None, source_address: Any = None) -> socket.socket:
                sock = socket.create_connection(address, max(0.001, watchdog.remaining()),
                                                source_address)
                watchdog.watch(sock)
                return sock

            self._create_connection = create

    return Watched


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self._watchdog = watchdog

    def http_open(self, req: Any) -> Any:
        return self.do_open(_watched(http.client.HTTPConnection, self._watchdog), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self._watchdog = watchdog

    def https_open(self, req: Any) -> Any:
        return self.do_open(_watched(http.client.HTTPSConnection, self._watchdog), req,
                            context=self._context)


def fetch_url(url: str, limits: FetchLimits, *, cancel: Callable[[], bool] | None = None) -> Fetched:
    """GET an http(s) URL within the limits; every failure is an InputError naming the URL.

    ``limits.timeout`` bounds the whole fetch; ``cancel`` (checked ten times a second) stops it
    early with FetchCancelled.
    """
    if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
        raise InputError(f"{url}: only http(s) URLs can be fetched")
    request = urllib.request.Request(url, headers={
        "User-Agent": limits.user_agent,
        "Accept": "application/rss+xml, application/atom+xml, application/xml, text/xml, "
                  "text/html;q=0.9, */*;q=0.5",
        # No compression asked for, so the size limit is on what we keep, not what we inflate.
        "Accept-Encoding": "identity",
    })
    watchdog = _Watchdog(limits.timeout, cancel)
    opener = urllib.request.build_opener(_BoundedRedirects(limits.max_redirects),
                                         _HTTPHandler(watchdog), _HTTPSHandler(watchdog))
    try:
        return _fetch(opener, request, url, limits, watchdog)
    except InputError:
        raise
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        _raise_if_fired(watchdog, url, limits)
        if isinstance(exc, urllib.error.HTTPError):
            raise InputError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        if isinstance(exc, urllib.error.URLError):
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise InputError(f"{url}: timed out after {limits.timeout:g} s") from None
            raise InputError(f"{url}: cannot fetch ({reason})") from None
        if isinstance(exc, TimeoutError):
            raise InputError(f"{url}: timed out after {limits.timeout:g} s") from None
        # connection reset, bad status line, invalid URL, a body cut short
        raise InputError(f"{url}: cannot fetch ({type(exc).__name__}: {exc})") from None
    finally:
        watchdog.stop()


def _raise_if_fired(watchdog: _Watchdog, url: str, limits: FetchLimits) -> None:
    if watchdog.fired == "timeout":
        raise InputError(f"{url}: timed out after {limits.timeout:g} s (connect, headers and "
                         "body together)")
    if watchdog.fired == "cancelled":
        raise FetchCancelled(f"{url}: fetch stopped (interrupted)")


def _fetch(opener: Any, request: Any, url: str, limits: FetchLimits,
           watchdog: _Watchdog) -> Fetched:
    with opener.open(request, timeout=max(0.001, watchdog.remaining())) as response:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limits.max_bytes:
            raise InputError(f"{url}: {declared} bytes, over the {limits.max_bytes}-byte limit")
        chunks: list[bytes] = []
        size = 0
        while True:
            _raise_if_fired(watchdog, url, limits)
            # What has arrived, up to 64 KiB: a blocking read of a fixed size would wait for
            # bytes a slow server may never send.
            chunk = response.read1(64 << 10)
            if not chunk:
                break
            size += len(chunk)
            if size > limits.max_bytes:
                raise InputError(f"{url}: larger than the {limits.max_bytes}-byte limit")
            chunks.append(chunk)
        _raise_if_fired(watchdog, url, limits)  # an EOF made by the watchdog is not the end
        return Fetched(url, response.geturl(), b"".join(chunks),
                       response.headers.get("Content-Type"))
