"""Fetching a feed or an article page over http(s), within limits a stranger's server cannot
stretch: a time limit, a size limit, a bounded number of redirects, http(s) only (feedparser's
own fetching has none of these). Every failure is an InputError naming the URL.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from tarjama import __version__
from tarjama.errors import InputError

__all__ = ["FetchLimits", "Fetched", "fetch_url"]


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


def fetch_url(url: str, limits: FetchLimits) -> Fetched:
    """GET an http(s) URL within the limits; every failure is an InputError naming the URL."""
    if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
        raise InputError(f"{url}: only http(s) URLs can be fetched")
    opener = urllib.request.build_opener(_BoundedRedirects(limits.max_redirects))
    request = urllib.request.Request(url, headers={
        "User-Agent": limits.user_agent,
        "Accept": "application/rss+xml, application/atom+xml, application/xml, text/xml, "
                  "text/html;q=0.9, */*;q=0.5",
        # No compression asked for, so the size limit is on what we keep, not what we inflate.
        "Accept-Encoding": "identity",
    })
    deadline = time.monotonic() + limits.timeout
    try:
        with opener.open(request, timeout=limits.timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                raise InputError(f"{url}: {declared} bytes, over the {limits.max_bytes}-byte limit")
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise InputError(f"{url}: timed out after {limits.timeout:g} s")
                chunk = response.read(64 << 10)
                if not chunk:
                    break
                size += len(chunk)
                if size > limits.max_bytes:
                    raise InputError(f"{url}: larger than the {limits.max_bytes}-byte limit")
                chunks.append(chunk)
            return Fetched(url, response.geturl(), b"".join(chunks),
                           response.headers.get("Content-Type"))
    except InputError:
        raise
    except urllib.error.HTTPError as exc:
        raise InputError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise InputError(f"{url}: timed out after {limits.timeout:g} s") from None
        raise InputError(f"{url}: cannot fetch ({reason})") from None
    except TimeoutError:
        raise InputError(f"{url}: timed out after {limits.timeout:g} s") from None
    except (OSError, ValueError) as exc:  # connection reset, bad status line, invalid URL
        raise InputError(f"{url}: cannot fetch ({type(exc).__name__}: {exc})") from None
