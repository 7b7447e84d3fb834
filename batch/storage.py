"""Where a batch job reads and writes: local paths, or any URI that pyarrow.fs resolves.

``s3://``, ``gs://``, ``hdfs://`` (where the user has that filesystem set up) and ``file://``
all go through :mod:`pyarrow.fs`; plain paths use the local disk directly, so local outputs get
the project's atomic writer (tarjama.outputs) and a lock file.

Atomic writes are the basis of exactly-once (tarjama.batch.job): a file is either absent or
complete. Locally it is written beside the target and renamed over it; an object store
publishes an object only when its upload completes (pyarrow's output stream completes it on
close), so a killed writer leaves no object at all.
"""

from __future__ import annotations

import fnmatch
import functools
import io
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tarjama.errors import InputError, UsageError
from tarjama.outputs import atomic_file

__all__ = ["Storage", "expand_pattern", "is_uri", "local_path", "open_input", "read_bytes"]

_GLOB = set("*?[")


def is_uri(location: str) -> bool:
    """A location pyarrow.fs resolves (s3://, gs://, hdfs://, file://): not http(s)."""
    scheme, sep, _ = location.partition("://")
    return bool(sep) and scheme.lower() not in ("http", "https") and scheme.isidentifier()


def _pyarrow_fs() -> Any:
    try:
        import pyarrow.fs
    except ImportError:
        raise UsageError("reading or writing URIs needs pyarrow: pip install 'tarjama[ray]'") from None
    return pyarrow.fs


@functools.lru_cache(maxsize=32)
def _filesystem(scheme_and_host: str) -> Any:
    # One client per bucket and process: creating an S3 client costs more than a small read.
    fs, _ = _pyarrow_fs().FileSystem.from_uri(scheme_and_host + "/")
    return fs


def _resolve(uri: str) -> tuple[Any, str]:
    scheme, _, rest = uri.partition("://")
    host, _, _ = rest.partition("/")
    try:
        fs = _filesystem(f"{scheme}://{host}")
        _, path = _pyarrow_fs().FileSystem.from_uri(uri)
    except (ValueError, OSError) as exc:  # unknown scheme, no credentials, filesystem not built in
        raise InputError(f"{uri}: cannot open this location ({' '.join(str(exc).split())})") from None
    return fs, path


def local_path(location: str) -> Path | None:
    """The local path of a plain path or file:// URI; None for remote URIs."""
    if location.lower().startswith("file://"):
        return Path(location[len("file://"):])
    return None if is_uri(location) else Path(location).expanduser()


def open_input(location: str) -> IO[bytes]:
    """A seekable binary handle on a local file or an object behind a URI."""
    path = local_path(location)
    try:
        if path is not None:
            return path.open("rb")
        fs, inner = _resolve(location)
        return io.BufferedReader(fs.open_input_file(inner), buffer_size=1 << 20)
    except (OSError, FileNotFoundError) as exc:
        raise InputError(f"{location}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None


def read_bytes(location: str) -> bytes:
    with open_input(location) as handle:
        return handle.read()


def expand_pattern(location: str) -> list[str]:
    """A URI or path with glob characters in its last part (``s3://b/news/*.jsonl``) as the
    sorted list of files it matches; anything else as itself."""
    head, _, tail = location.rstrip("/").rpartition("/")
    if not (_GLOB & set(tail)):
        return [location]
    if _GLOB & set(head):
        raise InputError(f"{location}: only the last part of a path may hold * ? or [")
    matches = [f"{head}/{name}" for name in Storage(head).list_files(recursive=False)
               if fnmatch.fnmatchcase(name, tail)]
    if not matches:
        raise InputError(f"{location}: matches no file")
    return matches


@dataclass
class Storage:
    """A folder: local, or a prefix behind a URI. Names are relative and use '/'."""

    location: str

    def __post_init__(self) -> None:
        self.local = local_path(self.location)
        if self.local is None:
            self._fs, self._root = _resolve(self.location.rstrip("/"))

    def __str__(self) -> str:
        return str(self.local) if self.local is not None else self.location.rstrip("/")

    def uri(self, name: str) -> str:
        if self.local is not None:
            return str(self.local / name)
        return f"{self.location.rstrip('/')}/{name}"

    def _inner(self, name: str) -> str:
        return posixpath.join(self._root, name)

    def is_dir(self) -> bool:
        if self.local is not None:
            return self.local.is_dir()
        info = self._fs.get_file_info(self._root)
        return info.type == _pyarrow_fs().FileType.Directory

    def exists(self) -> bool:
        if self.local is not None:
            return self.local.exists()
        return self._fs.get_file_info(self._root).type != _pyarrow_fs().FileType.NotFound

    def make_dirs(self) -> None:
        if self.local is not None:
            try:
                self.local.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(f"{self.local}: cannot create the folder ({exc.strerror or exc})") from None
        else:
            self._fs.create_dir(self._root, recursive=True)

    def list_files(self, prefix: str = "", *, recursive: bool = True) -> list[str]:
        """Names of the files under `prefix` (sorted; hidden ones, starting with '.', left out)."""
        if self.local is not None:
            base = self.local / prefix if prefix else self.local
            if not base.is_dir():
                return []
            found = []
            for root, dirs, files in os.walk(base):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
                rel = Path(root).relative_to(self.local)
                found += [(rel / f).as_posix() for f in files if not f.startswith(".")]
            return sorted(found)
        pafs = _pyarrow_fs()
        base = self._inner(prefix) if prefix else self._root
        infos = self._fs.get_file_info(pafs.FileSelector(base, recursive=recursive,
                                                         allow_not_found=True))
        names = [posixpath.relpath(i.path, self._root) for i in infos if i.type == pafs.FileType.File]
        return sorted(n for n in names if not any(p.startswith(".") for p in n.split("/")))

    def hidden_files(self) -> list[str]:
        """Top-level names starting with '.' (temporaries of an interrupted local write)."""
        if self.local is None or not self.local.is_dir():
            return []
        return sorted(p.name for p in self.local.iterdir() if p.name.startswith(".") and p.is_file())

    def read_bytes(self, name: str) -> bytes:
        return read_bytes(self.uri(name))

    def read_if_exists(self, name: str) -> bytes | None:
        if self.local is not None:
            try:
                return (self.local / name).read_bytes()
            except FileNotFoundError:
                return None
        try:
            with self._fs.open_input_stream(self._inner(name)) as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def write_atomic(self, name: str, data: bytes) -> None:
        """Replace (or create) `name` with `data`, all or nothing, durable once it returns."""
        if self.local is not None:
            path = self.local / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_file(path, binary=True) as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            return
        self._fs.create_dir(posixpath.dirname(self._inner(name)), recursive=True)
        with self._fs.open_output_stream(self._inner(name)) as stream:
            stream.write(data)

    def delete(self, name: str) -> None:
        if self.local is not None:
            (self.local / name).unlink(missing_ok=True)
        else:
            try:
                self._fs.delete_file(self._inner(name))
            except FileNotFoundError:
                pass
