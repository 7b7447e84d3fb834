from __future__ import annotations

import io

import pytest
from tarjama.errors import InputError
from tarjama.inputs import check_utf8, iter_lines


def test_lines_with_crlf_bom_and_offsets() -> None:
    data = "\ufeffسطر\r\nline 2\n\nlast".encode("utf-8")
    lines = list(iter_lines(io.BytesIO(data)))
    assert [ln.text for ln in lines] == ["سطر", "line 2", "", "last"]
    assert [ln.number for ln in lines] == [1, 2, 3, 4]
    for ln in lines:
        assert data[ln.byte_offset :].startswith(ln.text.encode("utf-8"))


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"ok\n\xff rest", "invalid UTF-8 at byte 3 (line 2: bytes ff)"),
        (b"\xd8", "invalid UTF-8 at byte 0 (line 1"),  # truncated multi-byte character at EOF
        (b"a\nb\x00", "NUL byte at byte 3, line 2"),
        (b"", "is empty"),
        (b"\xef\xbb\xbf \n", "is empty"),
    ],
)
def test_faults_name_the_byte(data: bytes, expected: str) -> None:
    with pytest.raises(InputError) as info:
        check_utf8(io.BytesIO(data), "f.txt")
    assert expected in str(info.value) and str(info.value).startswith("f.txt: ")


def test_fault_across_chunk_boundary_is_located(monkeypatch: pytest.MonkeyPatch) -> None:
    import tarjama.inputs

    monkeypatch.setattr(tarjama.inputs, "_CHUNK", 4)
    # "ب" is two bytes; the second chunk starts in the middle of it, then a bad byte follows.
    data = "abc".encode() + "ب".encode() + b"\xff"
    with pytest.raises(InputError, match=r"at byte 5 "):
        check_utf8(io.BytesIO(data), "f")
    assert check_utf8(io.BytesIO((("ب" * 10 + "\n") * 3).encode()), "f") == 3
