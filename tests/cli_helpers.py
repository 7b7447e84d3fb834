"""Assertions shared by the CLI tests."""

from __future__ import annotations


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    """The single `tarjama: error:` line of a failed run; no traceback anywhere on stderr."""
    err = result.stderr.strip()
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("tarjama: error:")]
    assert len(lines) == 1, err
    return lines[0]
