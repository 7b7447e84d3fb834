"""The project's exceptions and exit codes: the one place both are defined.

Every error a user can cause is a :class:`TarjamaError` whose message is a single line that
names the problem (file, line, byte, model). The CLI prints ``tarjama: error: <message>`` on
stderr and exits with the error's code; nothing else may print a traceback for these.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented process exit codes (README "Exit codes" lists the same table)."""

    OK = 0
    INTERNAL = 1  # a bug: please report it (TARJAMA_DEBUG=1 shows the traceback)
    USAGE = 2  # bad command-line usage (typer/click's own code)
    INPUT = 3  # unreadable or unusable input: missing file, directory, empty, binary, bad UTF-8
    MODEL_NOT_FOUND = 4  # unknown model name, or a model directory missing files
    MODEL_NOT_DOWNLOADED = 5  # model weights not available locally and the hub unreachable
    UNSAFE_WEIGHTS = 6  # only pickle weights available and --allow-pickle not given
    DATA = 7  # evaluation data problems: line-count mismatch, unknown dataset or metric
    PARTIAL_FAILURE = 8  # batch job finished but some items failed (recorded in the output)
    OUTPUT = 9  # the output cannot be written: disk full, read-only, no permission, -o names an input
    HANGUP = 129  # SIGHUP (128 + 1); like Ctrl-C, no partial output is left
    INTERRUPTED = 130  # Ctrl-C; work done so far is kept
    TERMINATED = 143  # SIGTERM (128 + 15); like Ctrl-C, no partial output is left


class TarjamaError(Exception):
    """Base class: a user-facing, one-line error with an exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str) -> None:
        # A newline would break the one-line contract; fold it rather than trust every caller.
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self)


class UsageError(TarjamaError):
    exit_code = ExitCode.USAGE


class InputError(TarjamaError):
    exit_code = ExitCode.INPUT


class ModelNotFoundError(TarjamaError):
    exit_code = ExitCode.MODEL_NOT_FOUND


class ModelNotDownloadedError(TarjamaError):
    exit_code = ExitCode.MODEL_NOT_DOWNLOADED


class UnsafeWeightsError(TarjamaError):
    exit_code = ExitCode.UNSAFE_WEIGHTS


class DataError(TarjamaError):
    exit_code = ExitCode.DATA


class OutputError(TarjamaError):
    """An output target that cannot be written, or must not be: the user's environment (disk
    full, a read-only place, no permission) or an -o that would destroy an input; never a bug."""

    exit_code = ExitCode.OUTPUT


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the main thread was, as Ctrl-C raises KeyboardInterrupt:
    the same cleanup runs (no temporary file is left behind). Not an Exception, so no
    ``except Exception`` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


# `tarjama serve` only: a request the server cannot take now, or could not finish in time. They
# never reach the command line; the server answers them with HTTP 503 and 504.


class ServerBusyError(TarjamaError):
    """More sentences are waiting for the model than the server queues (--max-queue)."""


class RequestTimeoutError(TarjamaError):
    """A request ran past the server's --timeout; its queued sentences were dropped."""


class RequestTooLargeError(TarjamaError):
    """More text in one request than the server's --max-chars allows (HTTP 413)."""

    def __init__(self, size: int, limit: int) -> None:
        # LibreTranslate's words, so its clients recognise the error.
        super().__init__(f"Invalid request: request ({size}) exceeds text limit ({limit})")


class ClientGoneError(TarjamaError):
    """The client disconnected: its request's queued sentences were dropped."""


def one_line(exc: BaseException, limit: int = 500) -> str:
    """An exception as one line for a log or an error record: a TarjamaError's own message, else
    the type and message of what a library raised (hostile input can break parsers any way)."""
    if isinstance(exc, TarjamaError):
        return exc.message
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:limit]
