"""Datasets: registry over ../shared/data, verified downloads into the cache, users' files."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from tarjama.errors import DataError, ExitCode, InputError
from tarjama.eval.datasets import (
    REGISTRY,
    DataFile,
    DatasetSpec,
    Segment,
    dataset_names,
    default_cache_dir,
    load_dataset,
    load_jsonl,
    load_plain,
    sha256_file,
)
from tarjama.inputs import read_lines

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_data = pytest.mark.skipif(not (SHARED / "flores200").is_dir() or
                                not (SHARED / "ntrex128").is_dir(),
                                reason="../shared/data not present")


# --------------------------------------------------------------------------- registry

def test_unknown_dataset_lists_valid_names() -> None:
    with pytest.raises(DataError) as exc:
        load_dataset("flores-200")
    assert exc.value.exit_code == ExitCode.DATA
    for name in ("flores200-devtest", "ntrex128", "ntrex128-headlines"):
        assert name in exc.value.message
    assert set(dataset_names()) >= {"flores200-devtest", "ntrex128", "ntrex128-headlines",
                                    "ntrex128-headlines-en"}


@needs_data
def test_registry_checksums_are_those_of_the_official_files() -> None:
    pinned = [f for spec in REGISTRY.values() for f in spec.files if f.sha256 is not None]
    assert len(pinned) >= 6
    for f in pinned:
        assert sha256_file(SHARED / f.path) == f.sha256, f.path


@needs_data
def test_flores_devtest_from_local_copy() -> None:
    ds = load_dataset("flores200-devtest", data_dir=SHARED)
    assert (len(ds), ds.task, ds.source_lang, ds.target_lang) == (1012, "translate", "ar", "en")
    assert ds.segments[0].source.startswith("أضاف قائلاً")
    assert ds.segments[0].refs[0].startswith('"We now have 4-month-old mice')
    assert len(set(ds.doc_ids)) == 281  # documents = runs of one source URL
    assert ds.doc_ids[0].startswith("https://en.wikinews.org/wiki/Toronto")
    docs = ds.documents()
    assert len(docs) == 281 and docs.level == "document"
    first = [s for s in ds.segments if s.doc_id == ds.doc_ids[0]]
    assert docs.segments[0].source == "\n".join(s.source for s in first)
    assert docs.segments[0].refs[0] == "\n".join(s.refs[0] for s in first)
    assert docs.checksum != ds.checksum
    assert ds.head(10).checksum not in (ds.checksum, ds.head(11).checksum)
    assert len(ds.head(2, unit="documents").documents()) == 2


@needs_data
def test_ntrex_and_headlines_from_local_copy() -> None:
    ds = load_dataset("ntrex128", data_dir=SHARED)
    assert (len(ds), len(set(ds.doc_ids))) == (1997, 123)
    assert ds.segments[0].refs[0] == "Welsh AMs worried about 'looking like muppets'"
    assert ds.segments[0].source.startswith("أعرب أعضاء جمعية ويلز")
    ar = load_dataset("ntrex128-headlines", data_dir=SHARED)
    en = load_dataset("ntrex128-headlines-en", data_dir=SHARED)
    assert (len(ar), len(en), ar.task, ar.level) == (123, 123, "summarize", "document")
    assert en.segments[0].refs == ("Welsh AMs worried about 'looking like muppets'",)
    assert en.segments[0].source.split("\n")[0].startswith("There is consternation among")
    assert ar.segments[0].id == "bbc.381790" and ar.target_lang == "ar"
    assert "\n" not in ar.segments[0].refs[0]


@needs_data
def test_local_copy_that_is_not_official_is_refused(tmp_path: Path) -> None:
    shutil.copytree(SHARED / "ntrex128", tmp_path / "ntrex128")
    (tmp_path / "ntrex128" / "DOCUMENT_IDS.tsv").chmod(0o644)
    with open(tmp_path / "ntrex128" / "DOCUMENT_IDS.tsv", "a", encoding="utf-8") as fh:
        fh.write("extra\n")
    with pytest.raises(DataError, match="DOCUMENT_IDS.tsv has sha256 .* expected 88a8b0ff"):
        load_dataset("ntrex128", data_dir=tmp_path)
    with pytest.raises(DataError, match="flores200/arb_Arab.devtest not found under"):
        load_dataset("flores200-devtest", data_dir=tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        load_dataset("ntrex128", data_dir=tmp_path / "nope")


# --------------------------------------------------------------------------- downloads

class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture()
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str, list[str]]]:
    """A throw-away HTTP server on 127.0.0.1 serving a temp folder; yields (root, url, log)."""
    root = tmp_path / "www"
    root.mkdir()
    requests: list[str] = []

    class Handler(_QuietHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/", requests
    finally:
        server.shutdown()
        server.server_close()


def _toy_spec(base_url: str, root: Path, body: bytes = b"one\ntwo\n") -> DatasetSpec:
    (root / "toy").mkdir(exist_ok=True)
    (root / "toy" / "src.txt").write_bytes(body)
    (root / "toy" / "ref.txt").write_bytes(b"uno\ndos\n")
    files = tuple(DataFile(f"toy/{n}", f"{base_url}toy/{n}",
                           hashlib.sha256((root / "toy" / n).read_bytes()).hexdigest())
                  for n in ("src.txt", "ref.txt"))

    def build(paths: dict) -> list[Segment]:
        src = read_lines(paths["toy/src.txt"])
        ref = read_lines(paths["toy/ref.txt"])
        return [Segment(str(i + 1), s, (r,)) for i, (s, r) in enumerate(zip(src, ref))]

    return DatasetSpec("toy", "translate", "en", "es", "toy", "none", files, build)


def test_download_into_cache_verifies_and_reuses(http_root, tmp_path: Path) -> None:
    root, url, requests = http_root
    spec = _toy_spec(url, root)
    cache = tmp_path / "cache"
    ds = load_dataset(spec, cache_dir=cache)
    assert [s.source for s in ds.segments] == ["one", "two"]
    assert (cache / "toy" / "src.txt").read_bytes() == b"one\ntwo\n"
    assert sorted(requests) == ["/toy/ref.txt", "/toy/src.txt"]
    load_dataset(spec, cache_dir=cache)
    assert len(requests) == 2  # verified cache hit: nothing fetched again
    # A damaged cached file is fetched again.
    (cache / "toy" / "ref.txt").write_bytes(b"garbage")
    load_dataset(spec, cache_dir=cache)
    assert requests[-1] == "/toy/ref.txt"
    assert (cache / "toy" / "ref.txt").read_bytes() == b"uno\ndos\n"


def test_download_with_wrong_checksum_keeps_nothing(http_root, tmp_path: Path) -> None:
    root, url, _ = http_root
    spec = _toy_spec(url, root)
    (root / "toy" / "src.txt").write_bytes(b"tampered\n")  # the server now serves other bytes
    cache = tmp_path / "cache"
    with pytest.raises(DataError) as exc:
        load_dataset(spec, cache_dir=cache)
    assert "checksum mismatch for " + url + "toy/src.txt" in exc.value.message
    assert "\n" not in exc.value.message
    assert not list((cache / "toy").iterdir())  # no partial or unverified file left behind


def test_download_errors_and_offline(http_root, tmp_path: Path) -> None:
    root, url, _ = http_root
    spec = _toy_spec(url, root)
    (root / "toy" / "ref.txt").unlink()
    with pytest.raises(DataError, match=r"could not download .*toy/ref.txt: HTTP 404"):
        load_dataset(spec, cache_dir=tmp_path / "c1")
    with pytest.raises(DataError, match="not in the cache .* downloading is off"):
        load_dataset(spec, cache_dir=tmp_path / "c2", download=False)
    closed = dataclasses.replace(spec, files=(dataclasses.replace(
        spec.files[0], url="http://127.0.0.1:9/toy/src.txt"),))
    with pytest.raises(DataError, match="could not download http://127.0.0.1:9/"):
        load_dataset(closed, cache_dir=tmp_path / "c3")


def test_file_url_download(tmp_path: Path) -> None:
    root = tmp_path / "mirror"
    root.mkdir()
    spec = _toy_spec(root.as_uri() + "/", root)
    ds = load_dataset(spec, cache_dir=tmp_path / "cache")
    assert len(ds) == 2 and ds.files["toy/ref.txt"] == spec.files[1].sha256


@needs_data
def test_registry_dataset_downloads_from_a_mirror(http_root, tmp_path: Path) -> None:
    # The real ntrex128 spec with its URLs pointed at a local mirror of the official files.
    root, url, requests = http_root
    shutil.copytree(SHARED / "ntrex128", root / "ntrex128")
    real = REGISTRY["ntrex128"]
    spec = dataclasses.replace(real, files=tuple(
        dataclasses.replace(f, url=url + f.path) for f in real.files))
    ds = load_dataset(spec, cache_dir=tmp_path / "cache")
    assert len(ds) == 1997 and len(requests) == 3
    assert ds.checksum == load_dataset("ntrex128", data_dir=SHARED).checksum


def test_cache_location_precedence(tmp_path: Path) -> None:
    assert default_cache_dir({"TARJAMA_DATA_DIR": "/data/t", "XDG_CACHE_HOME": "/x",
                              "HOME": "/h"}) == Path("/data/t")
    assert default_cache_dir({"XDG_CACHE_HOME": "/x", "HOME": "/h"}) == Path("/x/tarjama/datasets")
    assert default_cache_dir({"HOME": "/h"}) == Path("/h/.cache/tarjama/datasets")


# --------------------------------------------------------------------------- users' files

def test_jsonl_dataset_and_round_trip(tmp_path: Path) -> None:
    p = tmp_path / "mine.jsonl"
    p.write_text(
        '{"meta": {"name": "my-set", "task": "summarize", "source_lang": "ar", '
        '"target_lang": "ar"}}\n'
        '{"id": "a", "src": "نص طويل", "ref": "عنوان", "doc_id": "d1"}\n'
        "\n"
        '{"id": 7, "src": "نص آخر", "refs": ["عنوان ١", "عنوان ٢"], "doc_id": "d2"}\n',
        encoding="utf-8")
    ds = load_jsonl(p)
    assert (ds.name, ds.task, ds.source_lang, len(ds), ds.num_refs) == (
        "my-set", "summarize", "ar", 2, 2)
    assert ds.segments[1].id == "7" and ds.ref_streams == [["عنوان", "عنوان ١"], [None, "عنوان ٢"]]
    assert load_dataset(str(p)).checksum == ds.checksum
    again = tmp_path / "again.jsonl"
    again.write_text(ds.to_jsonl(), encoding="utf-8")
    assert load_jsonl(again).segments == ds.segments


@pytest.mark.parametrize("body,message", [
    ('{"src": "x", "ref": "y"}\n{"src": "x" "ref": "y"}\n', r"line 2: invalid JSON"),
    ('{"ref": "y"}\n', r"line 1: missing 'src'"),
    ('{"src": "x"}\n', r"line 1: missing 'ref'"),
    ('{"src": "x", "ref": 3}\n', r"line 1: 'ref' must be a string or a list of strings"),
    ('{"id": "1", "src": "x", "ref": "y"}\n{"id": "1", "src": "z", "ref": "w"}\n',
     r"line 2: duplicate id '1' \(first on line 1\)"),
    ('{"src": "x", "ref": "y", "doc_id": "d"}\n{"src": "x", "ref": "y"}\n',
     r"1 of 2 records have a 'doc_id'"),
    ('{"src": "x", "ref": "y"}\n{"meta": {}}\n', r"line 2: the 'meta' record must be the first"),
    ('[1, 2]\n', r"line 1: expected a JSON object"),
    ("", r"has no records"),
])
def test_jsonl_errors_name_the_line(tmp_path: Path, body: str, message: str) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(DataError, match=message) as exc:
        load_jsonl(p)
    assert str(p) in exc.value.message and "\n" not in exc.value.message


def test_jsonl_invalid_utf8(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_bytes(b'{"src": "\xff", "ref": "y"}\n')
    with pytest.raises(InputError, match="byte offset 9"):
        load_jsonl(p)


def test_plain_files(tmp_path: Path) -> None:
    src, ref, ref2, ids = (tmp_path / n for n in ("src.ar", "ref.en", "ref2.en", "docs.tsv"))
    src.write_text("س١\nس٢\nس٣\n", encoding="utf-8")
    ref.write_text("r1\nr2\nr3\n", encoding="utf-8")
    ref2.write_text("q1\nq2\n", encoding="utf-8")
    ids.write_text("a\na\nb\n", encoding="utf-8")
    ds = load_plain(src, [ref], doc_ids=ids, source_lang="ar", target_lang="en")
    assert [s.doc_id for s in ds.segments] == ["a", "a", "b"] and len(ds.documents()) == 2
    with pytest.raises(DataError,
                       match=f"source file {src} has 3 lines but reference file {ref2} has 2"):
        load_plain(src, [ref, ref2])
