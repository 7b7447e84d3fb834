"""Line files: sacrebleu-compatible splitting, and one-line errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from tarjama.errors import DataError, ExitCode, InputError
from tarjama.inputs import check_same_length, read_lines, split_lines
from tarjama.outputs import write_lines


def test_lines_split_like_sacrebleu_cli(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    # CRLF and trailing blanks are stripped; U+2028 and U+0085 do NOT end a line (a file
    # iterator with newline="\n", which sacrebleu uses, ignores them; str.splitlines would not).
    p.write_bytes("one \r\ntwo\u2028half\nthree\x85x\n\nlast".encode("utf-8"))
    assert read_lines(p) == ["one", "two\u2028half", "three\x85x", "", "last"]
    assert split_lines("a\n") == ["a"]
    assert split_lines("a\n\n") == ["a", ""]


def test_invalid_utf8_names_byte_offset_and_line(tmp_path: Path) -> None:
    p = tmp_path / "hyp.en"
    p.write_bytes(b"fine\nalso fine\nbad \xff byte\n")
    with pytest.raises(InputError) as exc:
        read_lines(p, role="hypothesis file")
    msg = exc.value.message
    assert "byte offset 19" in msg and "line 3" in msg and "0xff" in msg and str(p) in msg
    assert "\n" not in msg
    assert exc.value.exit_code == ExitCode.INPUT


def test_binary_empty_missing_directory(tmp_path: Path) -> None:
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"abc\x00def")
    with pytest.raises(InputError, match="binary.*byte offset 3"):
        read_lines(binary)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="is empty"):
        read_lines(empty, role="reference file")
    assert read_lines(empty, allow_empty=True) == []
    with pytest.raises(InputError, match="does not exist"):
        read_lines(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        read_lines(tmp_path)


def test_length_mismatch_names_both_files_and_counts() -> None:
    with pytest.raises(DataError) as exc:
        check_same_length([("hyp.en", ["a", "b"]), ("ref.en", ["a", "b", "c"])])
    assert exc.value.message == "line-count mismatch: hyp.en has 2 lines but ref.en has 3 lines"
    assert exc.value.exit_code == ExitCode.DATA


def test_write_lines_keeps_one_segment_per_line(tmp_path: Path) -> None:
    p = tmp_path / "out" / "hyp.txt"
    write_lines(p, ["a\nb", "c"])
    assert read_lines(p) == ["a b", "c"]
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    # The umask applies (as for any file the user creates), not mkstemp's fixed 0600.
    assert p.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
