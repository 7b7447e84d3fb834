"""Evaluation sets: a small registry of public benchmarks, plus users' own files.

Registry sets are fetched from their official sources into a cache and verified against pinned
sha256 checksums (computed from the official files), or read from a local copy (``data_dir``)
laid out the same way::

    <root>/flores200/arb_Arab.devtest, eng_Latn.devtest, metadata_devtest.tsv
    <root>/ntrex128/newstest2019-ref.arb.txt, newstest2019-src.eng.txt, DOCUMENT_IDS.tsv

The cache is ``$TARJAMA_DATA_DIR`` if set, else ``$XDG_CACHE_HOME/tarjama/datasets``, else
``~/.cache/tarjama/datasets``.

Users' own sets are plain line files (:func:`load_plain`) or JSONL (:func:`load_jsonl`)::

    {"meta": {"name": "my-set", "task": "translate", "source_lang": "ar", "target_lang": "en"}}
    {"id": "1", "src": "...", "ref": "...", "doc_id": "news-1"}
    {"id": "2", "src": "...", "ref": ["first reference", "second reference"], "doc_id": "news-1"}

The ``meta`` line is optional; ``id`` defaults to the line number, ``doc_id`` is optional (all
records or none), ``ref`` is a string or a list of strings (``refs`` is accepted as well).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import urllib.error
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from tarjama.errors import DataError, InputError
from tarjama.inputs import check_same_length, decode_utf8, read_bytes, read_lines
from tarjama.outputs import atomic_file, atomic_write_text

log = logging.getLogger(__name__)

__all__ = [
    "DataFile", "Dataset", "DatasetSpec", "REGISTRY", "Segment", "TASKS", "dataset_names",
    "default_cache_dir", "download_file", "fetch_files", "get_spec", "load_dataset",
    "load_jsonl", "load_plain", "sha256_file",
]

TASKS = ("translate", "summarize")
JSONL_FORMAT_KEYS = ("id", "src", "ref", "refs", "doc_id")


@dataclass(frozen=True)
class Segment:
    id: str
    source: str
    refs: tuple[Optional[str], ...]
    doc_id: Optional[str] = None


@dataclass(frozen=True)
class Dataset:
    """Segments to run a system on and score; ``checksum`` identifies exactly this data."""

    name: str
    task: str  # "translate" | "summarize"
    source_lang: str
    target_lang: str
    segments: tuple[Segment, ...]
    checksum: str
    files: Mapping[str, str] = field(default_factory=dict)  # file → sha256 it was built from
    origin: str = ""
    level: str = "sentence"  # "sentence" or "document": what one segment is

    def __len__(self) -> int:
        return len(self.segments)

    @property
    def sources(self) -> list[str]:
        return [s.source for s in self.segments]

    @property
    def num_refs(self) -> int:
        return max(len(s.refs) for s in self.segments) if self.segments else 0

    @property
    def ref_streams(self) -> list[list[Optional[str]]]:
        """References in sacrebleu's layout: ``streams[k][i]``; missing ones are None."""
        k = self.num_refs
        return [[s.refs[j] if j < len(s.refs) else None for s in self.segments] for j in range(k)]

    @property
    def doc_ids(self) -> Optional[list[str]]:
        if not self.segments or any(s.doc_id is None for s in self.segments):
            return None
        return [s.doc_id for s in self.segments]  # type: ignore[misc]

    def _derived(self, tag: str, segments: Sequence[Segment], **changes: Any) -> "Dataset":
        checksum = hashlib.sha256(f"{self.checksum}\n{tag}".encode()).hexdigest()
        return replace(self, segments=tuple(segments), checksum=checksum, **changes)

    def head(self, n: int, *, unit: str = "segments") -> "Dataset":
        """The first ``n`` segments (or whole documents, ``unit="documents"``), for quick runs."""
        if n <= 0:
            raise InputError(f"a dataset slice needs a positive size (got {n})")
        if unit == "segments":
            segs = self.segments[:n]
        elif unit == "documents":
            if self.doc_ids is None:
                raise DataError(f"dataset {self.name} has no document ids")
            keep = set(list(OrderedDict.fromkeys(self.doc_ids))[:n])
            segs = tuple(s for s in self.segments if s.doc_id in keep)
        else:
            raise ValueError(f"unknown unit {unit!r}")
        if len(segs) == len(self.segments):
            return self
        suffix = f"[:{n}]" if unit == "segments" else f"[:{n} docs]"
        return self._derived(f"head:{n}:{unit}", segs, name=self.name + suffix)

    def documents(self) -> "Dataset":
        """One segment per document: source and references joined with newlines (the true
        sentence boundaries), for document-level systems such as the article pipeline."""
        if self.level == "document":
            return self
        ids = self.doc_ids
        if ids is None:
            raise DataError(f"dataset {self.name} has no document ids; document level needs them")
        groups: dict[str, list[Segment]] = OrderedDict()
        for s in self.segments:
            groups.setdefault(s.doc_id, []).append(s)  # type: ignore[arg-type]
        k = self.num_refs
        docs = []
        for doc_id, segs in groups.items():
            refs = []
            for j in range(k):
                parts = [s.refs[j] for s in segs if j < len(s.refs) and s.refs[j] is not None]
                refs.append("\n".join(parts) if parts else None)  # type: ignore[arg-type]
            docs.append(Segment(id=doc_id, source="\n".join(s.source for s in segs),
                                refs=tuple(refs), doc_id=doc_id))
        return self._derived("documents", docs, level="document")

    def to_jsonl(self) -> str:
        """This dataset in the JSONL format :func:`load_jsonl` reads."""
        meta = {"meta": {"name": self.name, "task": self.task, "source_lang": self.source_lang,
                         "target_lang": self.target_lang, "level": self.level,
                         "checksum": self.checksum}}
        lines = [json.dumps(meta, ensure_ascii=False)]
        for s in self.segments:
            rec: dict[str, Any] = {"id": s.id, "src": s.source,
                                   "ref": s.refs[0] if len(s.refs) == 1 else list(s.refs)}
            if s.doc_id is not None:
                rec["doc_id"] = s.doc_id
            lines.append(json.dumps(rec, ensure_ascii=False))
        return "\n".join(lines) + "\n"

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "task": self.task, "source_lang": self.source_lang,
                "target_lang": self.target_lang, "level": self.level,
                "n_segments": len(self.segments), "num_refs": self.num_refs,
                "checksum": self.checksum, "files": dict(self.files), "origin": self.origin}


# --------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class DataFile:
    path: str  # relative to the data root, e.g. "flores200/arb_Arab.devtest"
    url: str
    sha256: str


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    task: str
    source_lang: str
    target_lang: str
    description: str
    license: str
    files: tuple[DataFile, ...]
    build: Callable[[Mapping[str, Path]], list[Segment]]
    level: str = "sentence"


# Official sources. Checksums are of the official files (as in ../shared/data).
_FLORES_URL = ("https://raw.githubusercontent.com/Helsinki-NLP/OPUS-MT-testsets/master/"
               "datasets/facebook/flores/flores200_dataset/")
_NTREX_URL = "https://raw.githubusercontent.com/MicrosoftTranslator/NTREX/main/"

FLORES_AR = DataFile("flores200/arb_Arab.devtest", _FLORES_URL + "devtest/arb_Arab.devtest",
                     "ff09a52e63884e9b5bb1083780b58f37d3d14acb0c58c6b1f1f2544ecea12ff8")
FLORES_EN = DataFile("flores200/eng_Latn.devtest", _FLORES_URL + "devtest/eng_Latn.devtest",
                     "612e9fbe87997617c0fa8fa8929654a4f49b728d96738112c2b86ef6a1d78d88")
FLORES_META = DataFile("flores200/metadata_devtest.tsv", _FLORES_URL + "metadata_devtest.tsv",
                       "8edac47f861fcf6b54dad2068c10ba8f741da8b8676861c6bc27fcd9f5483b36")
NTREX_AR = DataFile("ntrex128/newstest2019-ref.arb.txt",
                    _NTREX_URL + "NTREX-128/newstest2019-ref.arb.txt",
                    "be4028e56addf43fb0923caf9c3e7c4301d2530d3362395e2cb716803970853c")
NTREX_EN = DataFile("ntrex128/newstest2019-src.eng.txt",
                    _NTREX_URL + "NTREX-128/newstest2019-src.eng.txt",
                    "3a62f94f5c42a395d4452ec890ca45afc75866b5b4b1d493429433cfe8469fe9")
NTREX_DOCS = DataFile("ntrex128/DOCUMENT_IDS.tsv", _NTREX_URL + "DOCUMENT_IDS.tsv",
                      "88a8b0ff1eae47e83f60dcde01075b8c87d75ced59ca09e0af1eb539958e05d5")


def _read(files: Mapping[str, Path], f: DataFile) -> list[str]:
    return read_lines(files[f.path], role="dataset file")


def _parallel(files: Mapping[str, Path], src: DataFile, ref: DataFile,
              doc_ids: list[str]) -> list[Segment]:
    s, r = _read(files, src), _read(files, ref)
    check_same_length([(str(files[src.path]), s), (str(files[ref.path]), r),
                       ("its document ids", doc_ids)])
    return [Segment(id=str(i + 1), source=a, refs=(b,), doc_id=d)
            for i, (a, b, d) in enumerate(zip(s, r, doc_ids))]


def _flores_docs(files: Mapping[str, Path]) -> list[str]:
    rows = _read(files, FLORES_META)
    if not rows or not rows[0].startswith("URL"):
        raise DataError(f"{files[FLORES_META.path]}: expected a header line starting with URL")
    # Consecutive sentences from one URL form one document.
    return [row.split("\t")[0] for row in rows[1:]]


def _ntrex_docs(files: Mapping[str, Path]) -> list[str]:
    return [line.split("\t")[0] for line in _read(files, NTREX_DOCS)]


def _ntrex_documents(files: Mapping[str, Path], side: DataFile) -> "OrderedDict[str, list[str]]":
    lines, ids = _read(files, side), _ntrex_docs(files)
    check_same_length([(str(files[side.path]), lines), (str(files[NTREX_DOCS.path]), ids)])
    groups: OrderedDict[str, list[str]] = OrderedDict()
    last = None
    for doc_id, line in zip(ids, lines):
        if doc_id != last and doc_id in groups:
            raise DataError(f"{files[NTREX_DOCS.path]}: document {doc_id} is not contiguous")
        groups.setdefault(doc_id, []).append(line)
        last = doc_id
    return groups


def _headlines(files: Mapping[str, Path], side: DataFile,
               headline_side: Optional[DataFile] = None) -> list[Segment]:
    """Document bodies of `side`, each with its headline (from `headline_side`, default the
    same language) as the summary reference."""
    bodies = _ntrex_documents(files, side)
    heads = _ntrex_documents(files, headline_side) if headline_side is not None else bodies
    segs = []
    for doc_id, doc in bodies.items():
        if len(doc) < 2:
            log.warning("NTREX document %s has no body after its headline; skipped", doc_id)
            continue
        # The first line of every NTREX document is its headline: the summary reference.
        segs.append(Segment(id=doc_id, source="\n".join(doc[1:]), refs=(heads[doc_id][0],),
                            doc_id=doc_id))
    return segs


_SPECS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        "flores200-devtest", "translate", "ar", "en",
        "FLORES-200 devtest, Modern Standard Arabic (arb_Arab) -> English; 1,012 sentences, "
        "281 documents (by source URL)", "CC BY-SA 4.0", (FLORES_AR, FLORES_EN, FLORES_META),
        lambda f: _parallel(f, FLORES_AR, FLORES_EN, _flores_docs(f))),
    DatasetSpec(
        "flores200-devtest-en-ar", "translate", "en", "ar",
        "FLORES-200 devtest, English -> Modern Standard Arabic", "CC BY-SA 4.0",
        (FLORES_AR, FLORES_EN, FLORES_META),
        lambda f: _parallel(f, FLORES_EN, FLORES_AR, _flores_docs(f))),
    DatasetSpec(
        "ntrex128", "translate", "ar", "en",
        "NTREX-128 news, Arabic reference translation as source -> original English; "
        "1,997 sentences, 123 documents", "CC BY-SA 4.0", (NTREX_AR, NTREX_EN, NTREX_DOCS),
        lambda f: _parallel(f, NTREX_AR, NTREX_EN, _ntrex_docs(f))),
    DatasetSpec(
        "ntrex128-en-ar", "translate", "en", "ar",
        "NTREX-128 news, original English -> Arabic reference", "CC BY-SA 4.0",
        (NTREX_AR, NTREX_EN, NTREX_DOCS),
        lambda f: _parallel(f, NTREX_EN, NTREX_AR, _ntrex_docs(f))),
    DatasetSpec(
        "ntrex128-headlines", "summarize", "ar", "ar",
        "NTREX-128 Arabic: document body -> its headline (first line); 123 documents",
        "CC BY-SA 4.0", (NTREX_AR, NTREX_DOCS), lambda f: _headlines(f, NTREX_AR),
        level="document"),
    DatasetSpec(
        "ntrex128-headlines-ar-en", "summarize", "ar", "en",
        "NTREX-128: Arabic document body -> its English headline (cross-lingual summary); "
        "123 documents", "CC BY-SA 4.0", (NTREX_AR, NTREX_EN, NTREX_DOCS),
        lambda f: _headlines(f, NTREX_AR, NTREX_EN), level="document"),
    DatasetSpec(
        "ntrex128-headlines-en", "summarize", "en", "en",
        "NTREX-128 English: document body -> its headline (first line); 123 documents",
        "CC BY-SA 4.0", (NTREX_EN, NTREX_DOCS), lambda f: _headlines(f, NTREX_EN),
        level="document"),
)

REGISTRY: Mapping[str, DatasetSpec] = MappingProxyType({s.name: s for s in _SPECS})


def dataset_names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def get_spec(name: str) -> DatasetSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise DataError(f"unknown dataset '{name}'; valid datasets: {', '.join(REGISTRY)} "
                        "(or a .jsonl file)") from None


# --------------------------------------------------------------------------- fetching

def default_cache_dir(env: Optional[Mapping[str, str]] = None) -> Path:
    env = os.environ if env is None else env
    if env.get("TARJAMA_DATA_DIR"):
        return Path(env["TARJAMA_DATA_DIR"]).expanduser()
    base = Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else (
        Path(env.get("HOME") or Path.home()) / ".cache")
    return base / "tarjama" / "datasets"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download_file(url: str, dest: Path, sha256: str, *, timeout: float = 60.0) -> Path:
    """Fetch ``url`` (http(s) or file://) to ``dest``, keeping it only if its sha256 matches."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    log.info("downloading %s", url)
    try:
        with atomic_file(dest, binary=True) as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            for chunk in iter(lambda: resp.read(1 << 16), b""):
                h.update(chunk)
                out.write(chunk)
            if h.hexdigest() != sha256:
                raise DataError(f"checksum mismatch for {url}: got sha256 {h.hexdigest()}, "
                                f"expected {sha256}; the file was not kept")
    except urllib.error.HTTPError as exc:
        raise DataError(f"could not download {url}: HTTP {exc.code} {exc.reason}; "
                        "pass --data-dir with a local copy") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DataError(f"could not download {url}: {reason}; "
                        "pass --data-dir with a local copy") from None
    return dest


def fetch_files(spec: DatasetSpec, *, data_dir: Optional[Path] = None,
                cache_dir: Optional[Path] = None, download: bool = True) -> dict[str, Path]:
    """Paths of the spec's files, verified against their checksums.

    With ``data_dir`` the files are read from there and never downloaded; otherwise they come
    from the cache, downloaded (or re-downloaded, when a cached copy is damaged) as needed.
    """
    out: dict[str, Path] = {}
    if data_dir is not None:
        root = Path(data_dir)
        if not root.is_dir():
            raise InputError(f"data directory {root} does not exist")
        for f in spec.files:
            path = root / f.path
            if not path.is_file():
                raise DataError(f"dataset {spec.name}: {f.path} not found under {root}")
            got = sha256_file(path)
            if got != f.sha256:
                raise DataError(f"dataset {spec.name}: {path} has sha256 {got}, expected "
                                f"{f.sha256} (not the official file)")
            out[f.path] = path
        return out
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    for f in spec.files:
        path = root / f.path
        if path.is_file():
            if sha256_file(path) == f.sha256:
                out[f.path] = path
                continue
            log.warning("cached %s does not match its checksum; fetching it again", path)
        if not download:
            raise DataError(f"dataset {spec.name}: {f.path} is not in the cache {root} and "
                            "downloading is off; pass --data-dir with a local copy")
        out[f.path] = download_file(f.url, path, f.sha256)
    return out


def _combined_checksum(name: str, files: Mapping[str, str]) -> str:
    body = name + "\n" + "".join(f"{p}\t{h}\n" for p, h in sorted(files.items()))
    return hashlib.sha256(body.encode()).hexdigest()


def load_dataset(name: str | DatasetSpec, *, data_dir: Optional[Path] = None,
                 cache_dir: Optional[Path] = None, download: bool = True) -> Dataset:
    """A registry dataset (by name or spec), or a user's ``.jsonl`` file by path."""
    if isinstance(name, DatasetSpec):
        spec = name
    elif name.endswith(".jsonl") or (name not in REGISTRY and Path(name).is_file()):
        return load_jsonl(Path(name))
    else:
        spec = get_spec(name)
    paths = fetch_files(spec, data_dir=data_dir, cache_dir=cache_dir, download=download)
    segments = spec.build(paths)
    if not segments:
        raise DataError(f"dataset {spec.name} has no segments")
    sums = {f.path: f.sha256 for f in spec.files}
    origin = str(Path(data_dir) if data_dir is not None else
                 (Path(cache_dir) if cache_dir is not None else default_cache_dir()))
    return Dataset(name=spec.name, task=spec.task, source_lang=spec.source_lang,
                   target_lang=spec.target_lang, segments=tuple(segments),
                   checksum=_combined_checksum(spec.name, sums), files=sums, origin=origin,
                   level=spec.level)


# --------------------------------------------------------------------------- users' files

def _check_task(task: str) -> str:
    if task not in TASKS:
        raise DataError(f"unknown task '{task}'; valid tasks: {', '.join(TASKS)}")
    return task


def load_plain(src: Path, refs: Sequence[Path], *, doc_ids: Optional[Path] = None,
               name: Optional[str] = None, task: str = "translate", source_lang: str = "und",
               target_lang: str = "und") -> Dataset:
    """A dataset from a source file and one or more line-aligned reference files."""
    _check_task(task)
    if not refs:
        raise InputError("no reference file given (--ref)")
    src_lines = read_lines(Path(src), role="source file")
    ref_lines = [read_lines(Path(r), role="reference file") for r in refs]
    named: list[tuple[str, Sequence[str]]] = [(f"source file {src}", src_lines)]
    named += [(f"reference file {r}", lines) for r, lines in zip(refs, ref_lines)]
    ids = None
    if doc_ids is not None:
        ids = [line.split("\t")[0] for line in read_lines(Path(doc_ids), role="document-id file")]
        named.append((f"document-id file {doc_ids}", ids))
    check_same_length(named)
    segments = tuple(
        Segment(id=str(i + 1), source=s, refs=tuple(r[i] for r in ref_lines),
                doc_id=ids[i] if ids else None)
        for i, s in enumerate(src_lines))
    paths = [Path(src), *map(Path, refs), *([Path(doc_ids)] if doc_ids else [])]
    sums = {str(p): sha256_file(p) for p in paths}
    label = name or Path(src).name
    return Dataset(name=label, task=task, source_lang=source_lang, target_lang=target_lang,
                   segments=segments, checksum=_combined_checksum(label, sums), files=sums,
                   origin=str(Path(src).parent))


def _str_field(rec: Mapping[str, Any], key: str, where: str, *, required: bool) -> Optional[str]:
    if key not in rec or rec[key] is None:
        if required:
            raise DataError(f"{where}: missing '{key}'")
        return None
    val = rec[key]
    if isinstance(val, bool) or not isinstance(val, (str, int)):
        raise DataError(f"{where}: '{key}' must be a string, not {type(val).__name__}")
    return str(val)


def _records(text: str, path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path} line {lineno}: invalid JSON ({exc.msg} at column "
                            f"{exc.colno})") from None
        if not isinstance(rec, dict):
            raise DataError(f"{path} line {lineno}: expected a JSON object, got "
                            f"{type(rec).__name__}")
        yield lineno, rec


def load_jsonl(path: Path, *, name: Optional[str] = None, task: Optional[str] = None,
               source_lang: Optional[str] = None, target_lang: Optional[str] = None) -> Dataset:
    """A dataset in the JSONL format described in the module docstring."""
    path = Path(path)
    data = read_bytes(path, role="dataset file")
    text = decode_utf8(data, name=f"dataset file {path}")
    meta: dict[str, Any] = {}
    segments: list[Segment] = []
    seen: dict[str, int] = {}
    for lineno, rec in _records(text, path):
        where = f"{path} line {lineno}"
        if "meta" in rec and "src" not in rec:
            if segments or meta:
                raise DataError(f"{where}: the 'meta' record must be the first line")
            if not isinstance(rec["meta"], dict):
                raise DataError(f"{where}: 'meta' must be an object")
            meta = rec["meta"]
            continue
        src = _str_field(rec, "src", where, required=True)
        if "ref" in rec and "refs" in rec:
            raise DataError(f"{where}: give 'ref' or 'refs', not both")
        raw = rec.get("ref", rec.get("refs"))
        if raw is None:
            raise DataError(f"{where}: missing 'ref'")
        raw_list = raw if isinstance(raw, list) else [raw]
        if not raw_list or not all(r is None or isinstance(r, str) for r in raw_list) \
                or all(r is None for r in raw_list):
            raise DataError(f"{where}: 'ref' must be a string or a list of strings")
        seg_id = _str_field(rec, "id", where, required=False) or str(lineno)
        if seg_id in seen:
            raise DataError(f"{where}: duplicate id '{seg_id}' (first on line {seen[seg_id]})")
        seen[seg_id] = lineno
        doc_id = _str_field(rec, "doc_id", where, required=False)
        segments.append(Segment(id=seg_id, source=src or "", refs=tuple(raw_list), doc_id=doc_id))
    if not segments:
        raise DataError(f"dataset file {path} has no records")
    with_docs = sum(s.doc_id is not None for s in segments)
    if 0 < with_docs < len(segments):
        raise DataError(f"{path}: {with_docs} of {len(segments)} records have a 'doc_id'; "
                        "give it on all records or none")
    label = name or meta.get("name") or path.stem
    the_task = _check_task(task or meta.get("task") or "translate")
    sums = {str(path): hashlib.sha256(data).hexdigest()}
    level = meta.get("level", "sentence")
    if level not in ("sentence", "document"):
        raise DataError(f"{path}: meta level must be 'sentence' or 'document', not {level!r}")
    return Dataset(name=str(label), task=the_task,
                   source_lang=source_lang or meta.get("source_lang") or "und",
                   target_lang=target_lang or meta.get("target_lang") or "und",
                   segments=tuple(segments), checksum=_combined_checksum(str(label), sums),
                   files=sums, origin=str(path), level=level)


def write_jsonl(dataset: Dataset, path: Path) -> None:
    atomic_write_text(Path(path), dataset.to_jsonl())
