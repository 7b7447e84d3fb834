"""Writing results so that a failed run never leaves half a file, a finished record is never
lost, and no file the user has is destroyed: whole files replaced atomically, append-only JSONL
that survives kill -9, and every output target checked before the work starts.

* :func:`atomic_file` writes into a hidden temporary beside the target and renames it over the
  target only when the block finishes; the temporary is opened plainly (not with mkstemp, which
  makes files 0600), so the user's umask applies as with any other tool, and a file replaced
  keeps its permission bits. A symlink is followed (its target is replaced, never the link);
  a character device, FIFO or socket (``/dev/null``, ``<(...)``, ``/dev/stdout``) is written
  through, never replaced. Ctrl-C, SIGTERM and SIGHUP remove the temporary; one left by a
  killed run (its process gone) is removed by the next write of the same output.
* :func:`check_output` refuses, before any model loads, an output that cannot be written (a
  missing or read-only folder, a directory) or that is one of the command's inputs.
* Write failures (disk full, quota, read-only, no permission) raise OutputError naming the
  path and the reason, exit code 9: the user's environment, never a bug.
* :class:`AppendOnlyJSONL` hands every batch of records to the kernel as whole lines in one
  ``os.write`` on a file opened with ``O_APPEND``, then ``fsync``-s it; a killed process leaves
  whole lines only. A line torn by a crash of the machine itself is repaired when the file is
  opened again (:func:`recover_torn_tail`).
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import secrets
import signal
import stat
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Mapping, Sequence, TextIO

from tarjama.errors import InputError, OutputError, Terminated

__all__ = ["AppendOnlyJSONL", "atomic_file", "atomic_write_text", "check_output", "dumps_line",
           "jsonl_lines", "lock_exclusive", "output_failed", "output_stream", "recover_torn_tail",
           "termination_raises", "unlock", "write_json", "write_lines"]

log = logging.getLogger("tarjama")

# /dev/stdout and friends name an open descriptor: written through, in append mode, so that
# neither `>> log` nor a pipe behind them is truncated or replaced.
_DESCRIPTOR_LINK = re.compile(r"^/(?:dev/(?:stdout|stderr|fd/\d+)|proc/(?:self|\d+)/fd/\d+)$")
TERMINATION_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


# --- signals -----------------------------------------------------------------------------------


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated(signum)


@contextmanager
def termination_raises() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread, as
    Ctrl-C raises KeyboardInterrupt, so ``finally`` blocks and temporary-file cleanup run.

    Only signals left at their default action are taken (a handler someone installed, or
    SIGHUP ignored under nohup, stays as it is), and only in the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for sig in TERMINATION_SIGNALS:
        if signal.getsignal(sig) == signal.SIG_DFL:
            previous[sig] = signal.signal(sig, _raise_terminated)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# --- what a target is --------------------------------------------------------------------------


def _target_kind(path: Path) -> str:
    """"stdout", "stream" (written through), "folder", or "file" (new or regular: atomic)."""
    if str(path) == "-":
        return "stdout"
    try:
        mode = os.stat(path).st_mode  # follows symlinks: what a write would reach
    except FileNotFoundError:
        return "file"
    except OSError as exc:
        raise output_failed(path, exc) from None
    if stat.S_ISDIR(mode):
        return "folder"
    if not stat.S_ISREG(mode) or _DESCRIPTOR_LINK.match(os.path.abspath(path)):
        return "stream"
    return "file"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def output_failed(path: Path | str, exc: OSError, doing: str = "cannot write") -> OutputError:
    """The one-line error for an output the OS refused: the path and the OS's reason."""
    return OutputError(f"{path}: {doing} ({_reason(exc)})")


class _Guarded:
    """A file object whose write failures (disk full, quota, I/O) name the output; a reader that
    left (BrokenPipeError) is passed on as it is, for the command line to handle."""

    def __init__(self, handle: IO[Any], name: str) -> None:
        self._handle = handle
        self._name = name

    def write(self, data: Any) -> int:
        try:
            return self._handle.write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise output_failed(self._name, exc, "write failed") from None

    def writelines(self, lines: Iterable[Any]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._handle.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise output_failed(self._name, exc, "write failed") from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


# --- leftovers of killed runs ------------------------------------------------------------------


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    return True


def _remove_stale_temporaries(path: Path) -> None:
    """Remove the temporaries of `path` that runs killed with SIGKILL (or a crash) left behind;
    one whose process still runs is another writer's, and stays."""
    pattern = re.compile(re.escape(f".{path.name}.") + r"(\d+)\.[0-9a-f]{8}\.part")
    try:
        entries = list(os.scandir(path.parent if str(path.parent) else "."))
    except OSError:
        return
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found is None or not entry.is_file(follow_symlinks=False):
            continue
        if not _alive(int(found.group(1))):
            try:
                os.unlink(entry.path)
            except OSError:
                continue
            log.info("removed %s, left by an interrupted run", entry.path)


# --- whole files -------------------------------------------------------------------------------


def _open_text_or_binary(path: Path | str, mode: str, binary: bool) -> IO[Any]:
    if binary:
        return open(path, mode + "b")
    return open(path, mode, encoding="utf-8", newline="\n")


@contextmanager
def atomic_file(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A handle whose content replaces `path` when the block ends without an exception.

    A symlink's target is replaced (the link stays); a device, FIFO or descriptor link is
    written through (no rename: ``/dev/null`` stays a device). Failures to write are
    OutputErrors naming `path`.
    """
    path = Path(path)
    kind = _target_kind(path)
    if kind == "folder":
        raise OutputError(f"{path}: is a directory; give a file name")
    if kind in ("stream", "stdout"):
        if kind == "stdout":
            if sys.stdout is None:
                raise OutputError("standard output is closed; give -o FILE")
            guarded = _Guarded(sys.stdout.buffer if binary else sys.stdout, "<stdout>")
            yield guarded  # type: ignore[misc]
            guarded.flush()
            return
        try:
            stream = _open_text_or_binary(path, "a", binary)
        except OSError as exc:
            raise output_failed(path, exc) from None
        try:
            yield _Guarded(stream, str(path))  # type: ignore[misc]
            try:
                stream.close()
            except OSError as exc:
                raise output_failed(path, exc, "write failed") from None
        finally:
            _close_quietly(stream)
        return
    target = Path(os.path.realpath(path))
    _remove_stale_temporaries(target)
    tmp = _temporary(target)
    try:
        handle = _open_text_or_binary(tmp, "x", binary)
    except OSError as exc:
        raise output_failed(path, exc) from None
    try:
        with termination_raises():
            try:
                yield _Guarded(handle, str(path))  # type: ignore[misc]
            except BaseException:
                _close_quietly(handle)
                raise
            try:
                handle.flush()
                os.fsync(handle.fileno())  # the rename must not outrun the data after a crash
                handle.close()
                _keep_owner_and_mode(tmp, target)
                os.replace(tmp, target)
            except OSError as exc:
                raise output_failed(path, exc, "write failed") from None
    except BaseException:
        _close_quietly(handle)
        tmp.unlink(missing_ok=True)
        raise


def _keep_owner_and_mode(tmp: Path, target: Path) -> None:
    """A file replaced keeps its permission bits (and, where we may set them, owner and group)."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        return
    try:
        os.chown(tmp, old.st_uid, old.st_gid)
    except OSError:  # only root may give a file away; the mode still applies
        pass
    os.chmod(tmp, stat.S_IMODE(old.st_mode))


def _close_quietly(handle: IO[Any]) -> None:
    """Close a handle whose failure is being reported already (closing retries the flush that
    failed, and its error must not replace the first one)."""
    try:
        handle.close()
    except (OSError, ValueError):
        pass


def atomic_write_text(path: Path, text: str) -> None:
    """Write a whole text file atomically, creating its folder if needed."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_failed(path, exc, f"cannot create folder {path.parent}") from None
    with atomic_file(path) as handle:
        handle.write(text)


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """One segment per line; newlines inside a segment become spaces, so counts stay aligned."""
    atomic_write_text(path, "".join(" ".join(line.split("\n")) + "\n" for line in lines))


def write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


@contextmanager
def output_stream(path: Path | None) -> Iterator[TextIO]:
    """stdout, or a file written atomically: a failed run never leaves a partial file behind."""
    with atomic_file(Path("-") if path is None else Path(path)) as handle:
        yield handle  # type: ignore[misc]


# --- checks before the work --------------------------------------------------------------------


def _same_file(output: Path, source: str | Path) -> bool:
    source = str(source)
    if "://" in source:
        return False
    try:
        if source == "-":
            if sys.stdin is None:
                return False
            there = os.fstat(sys.stdin.fileno())
            here = os.stat(output)
            return stat.S_ISREG(there.st_mode) and (there.st_dev, there.st_ino) == (here.st_dev, here.st_ino)
        return os.path.samefile(output, source)
    except (OSError, ValueError):
        return False


def _stdout_is(source: str | Path) -> bool:
    source = str(source)
    if source == "-" or "://" in source:
        return False
    try:
        out = os.fstat(sys.stdout.fileno())
        here = os.stat(source)
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISREG(out.st_mode) and (out.st_dev, out.st_ino) == (here.st_dev, here.st_ino)


def _unwritable(folder: Path) -> str | None:
    """Why files cannot be created in `folder`, or None."""
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return os.strerror(errno.EROFS)
    except OSError:
        pass
    return os.strerror(errno.EACCES)


def check_output(path: Path | str | None, *, inputs: Iterable[str | Path | None] = (),
                 option: str = "-o", folder: bool = False, parents: bool = False) -> None:
    """Refuse, before any work starts, an output target that cannot be written or that is one of
    `inputs` (a path, a symlink or hard link to it, or stdin redirected from it).

    None or "-" is stdout, refused only when it is redirected onto an input. ``folder``: the
    target is a folder, created if missing; ``parents``: missing parent folders are created.
    An OutputError names the target and the reason.
    """
    sources = [s for s in inputs if s is not None and str(s) != ""]
    if path is None or str(path) == "-":
        for source in sources:
            if _stdout_is(source):
                raise OutputError(f"standard output is the input file {source}; refusing to "
                                  f"overwrite it (use {option} FILE)")
        return
    path = Path(path)
    kind = _target_kind(path)
    if kind == "stream":
        return  # a device or FIFO: written through, nothing on disk to destroy
    if kind == "folder" and not folder:
        raise OutputError(f"{path}: is a directory; {option} takes a file name")
    if folder and kind == "file" and path.exists():
        raise OutputError(f"{path}: is a file; {option} takes a folder here")
    for source in sources:
        if _same_file(path, source):
            raise OutputError(f"{path}: is the input {source}; refusing to overwrite it "
                              f"({option} must name another file)")
    target = Path(os.path.realpath(path))
    if kind == "folder":
        where = target
    else:
        where = target.parent
        if not (folder or parents) and not where.is_dir():
            raise OutputError(f"{path}: directory {path.parent} does not exist")
    while not where.exists() and where != where.parent:  # created on the way: check what exists
        where = where.parent
    if not where.is_dir():
        raise OutputError(f"{path}: {where} is not a directory")
    why = _unwritable(where)
    if why is not None:
        raise OutputError(f"{path}: cannot write in {where} ({why})")


# --- append-only JSONL -----------------------------------------------------------------------


def dumps_line(record: Mapping[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    # Raw U+2028/2029 are legal in JSON but split "lines" for some readers (JavaScript, str.splitlines).
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (text + "\n").encode("utf-8")


def jsonl_lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, raw line without its newline, whether the newline was there) for every
    non-blank line; nothing for a missing file."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        for number, raw in enumerate(handle, start=1):
            terminated = raw.endswith(b"\n")
            if raw.strip():
                yield number, raw.rstrip(b"\r\n"), terminated


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:  # UnicodeDecodeError included
        return False
    return True


def recover_torn_tail(path: Path) -> int:
    """Repair the last line if a crash left it without its newline; returns the bytes removed.

    A complete JSON value that only lost its newline gets it back (removing it would lose a
    record); anything else is a write torn in the middle and is cut off. Only safe while no
    other process appends (hold the output's lock).
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    if size == 0:
        return 0
    with path.open("rb+") as handle:
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return 0
        # Scan backwards in blocks for the last newline.
        pos, keep = size, 0
        while pos > 0:
            start = max(0, pos - (64 << 10))
            handle.seek(start)
            block = handle.read(pos - start)
            found = block.rfind(b"\n")
            if found >= 0:
                keep = start + found + 1
                break
            pos = start
        handle.seek(keep)
        if _is_json(handle.read(size - keep)):
            handle.seek(size)
            handle.write(b"\n")
            removed = 0
        else:
            handle.truncate(keep)
            removed = size - keep
        handle.flush()
        os.fsync(handle.fileno())
    return removed


class AppendOnlyJSONL:
    """A JSONL file written whole lines per os.write, O_APPEND, fsync after each call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            torn = recover_torn_tail(path)
        except OSError as exc:
            raise output_failed(path, exc, "cannot open for writing") from None
        if torn:
            log.warning("%s: removed a partial last line (%d bytes) left by an interrupted run",
                        path, torn)
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise output_failed(path, exc, "cannot open for writing") from None
        self._size = os.fstat(self._fd).st_size

    def append(self, record: Mapping[str, Any]) -> None:
        self.append_many([record])

    def append_many(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        data = b"".join(dumps_line(r) for r in records)
        try:
            written = os.write(self._fd, data)
        except OSError as exc:
            self._rollback()
            raise output_failed(self.path, exc, "write failed") from None
        if written != len(data):  # disk full: a short write must not stay as a torn line
            self._rollback()
            raise OutputError(f"{self.path}: short write ({written} of {len(data)} bytes; disk full?)")
        try:
            os.fsync(self._fd)
        except OSError as exc:
            self._rollback()
            raise output_failed(self.path, exc, "write failed") from None
        self._size += written

    def _rollback(self) -> None:
        try:
            os.ftruncate(self._fd, self._size)
        except OSError:
            pass

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> "AppendOnlyJSONL":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- one writer at a time ---------------------------------------------------------------------


def lock_exclusive(lock_path: Path, busy: str) -> int:
    """Take the exclusive lock of `lock_path` (created if needed) without waiting, for as long
    as this process lives or until :func:`unlock`; InputError(busy) if another process holds
    it. The kernel drops the lock of a killed process, so a crash never leaves it stuck."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise output_failed(lock_path, exc, "cannot create lock file") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InputError(busy) from None
    return fd


def unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
