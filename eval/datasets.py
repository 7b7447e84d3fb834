"""Evaluation sets: a small registry of public benchmarks, plus users' own files.

Registry sets are fetched from their official sources into a cache and verified against pinned
sha256 checksums (computed from the official files), or read from a local copy (``data_dir``)
laid out the same way::

    <root>/flores200/arb_Arab.devtest, eng_Latn.devtest, metadata_devtest.tsv
    <root>/ntrex128/newstest2019-ref.arb.txt, newstest2019-src.eng.txt, DOCUMENT_IDS.tsv
    <root>/xlsum/arabic_XLSum_v2.0.tar.bz2  | xlsum/arabic_test.jsonl  | xlsum/arabic/test/0000.parquet
    <root>/xlsum/english_XLSum_v2.0.tar.bz2 | xlsum/english_test.jsonl | xlsum/english/test/0000.parquet
    <root>/crosssum/CrossSum_v1.0.tar.bz2 | crosssum/arabic-english_test.jsonl
                                          | crosssum/arabic-english/test/0000.parquet
    <root>/cnn_dailymail/3.0.0/test-00000-of-00001.parquet | cnn_dailymail/test.jsonl

The summarization sets are read in their publishers' own record formats (:mod:`eval.records`).
No sha256 of their official files could be verified (their hosts publish none we could read,
and this project's machines cannot reach them to compute one), so none is pinned: loading one
says so, checks what can be checked instead - the official record count (XL-Sum, CNN/DM) and,
for CNN/DM, the exact set of test ids derived from the official split list - and records the
sha256 of the file actually read in ``Dataset.verification`` (and so in a run's provenance).

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
import random
import urllib.error
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from tarjama.errors import DataError, InputError
from tarjama.eval.records import json_objects, read_records, record_field
from tarjama.inputs import check_same_length, decode_utf8, read_bytes, read_lines
from tarjama.outputs import atomic_file, atomic_write_text

log = logging.getLogger(__name__)

__all__ = [
    "DataFile", "Dataset", "DatasetSpec", "PublishedScore", "REGISTRY", "SAMPLE_SEED", "Segment",
    "TASKS", "dataset_names", "default_cache_dir", "download_file", "fetch_files", "get_spec",
    "id_set_sha256", "load_dataset", "load_jsonl", "load_plain", "registry_rows", "sha256_file",
]

TASKS = ("translate", "summarize")
# The seed of `eval run --limit N`'s sample (fixed: the same N always means the same segments).
SAMPLE_SEED = 12345
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
    # How this is a part of a larger set (a seeded sample, the first n), None for all of it.
    subset: Optional[Mapping[str, Any]] = None
    # What was checked about the files: sha256 against a pinned sum, or record count and ids.
    verification: Mapping[str, Any] = field(default_factory=dict)
    published: tuple["PublishedScore", ...] = ()

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

    def _units(self, unit: str) -> list[list[int]]:
        if unit == "segments":
            return [[i] for i in range(len(self.segments))]
        if unit == "documents":
            if self.doc_ids is None:
                raise DataError(f"dataset {self.name} has no document ids")
            groups: dict[str, list[int]] = OrderedDict()
            for i, d in enumerate(self.doc_ids):
                groups.setdefault(d, []).append(i)
            return list(groups.values())
        raise ValueError(f"unknown unit {unit!r}")

    def head(self, n: int, *, unit: str = "segments") -> "Dataset":
        """The first ``n`` segments (or whole documents, ``unit="documents"``), for quick runs."""
        if n <= 0:
            raise InputError(f"a dataset slice needs a positive size (got {n})")
        units = self._units(unit)
        if n >= len(units):
            return self
        keep = [i for u in units[:n] for i in u]
        suffix = f"[:{n}]" if unit == "segments" else f"[:{n} docs]"
        return self._derived(f"head:{n}:{unit}", [self.segments[i] for i in keep],
                             name=self.name + suffix,
                             subset={"method": "head", "n": n, "of": len(units), "unit": unit})

    def sample(self, n: int, *, seed: int = SAMPLE_SEED, unit: str = "segments") -> "Dataset":
        """A fixed random sample of ``n`` segments (or whole documents), in the data's order.

        The same (data, n, seed, unit) always gives the same sample: indices drawn with
        ``random.Random(seed).sample(range(units), n)``, then sorted. What was drawn is part of
        the checksum and of :meth:`describe` (``subset``), so a run says it scored a sample."""
        if n <= 0:
            raise InputError(f"a dataset sample needs a positive size (got {n})")
        units = self._units(unit)
        if n >= len(units):
            return self
        picked = sorted(random.Random(seed).sample(range(len(units)), n))
        keep = [i for k in picked for i in units[k]]
        return self._derived(
            f"sample:{n}:{unit}:{seed}", [self.segments[i] for i in keep],
            name=f"{self.name}[sample {n}/{len(units)} seed {seed}]",
            subset={"method": "seeded-sample", "n": n, "of": len(units), "unit": unit,
                    "seed": seed, "rng": "python random.Random(seed).sample over unit indices, "
                                         "kept in data order"})

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
        out = {"name": self.name, "task": self.task, "source_lang": self.source_lang,
               "target_lang": self.target_lang, "level": self.level,
               "n_segments": len(self.segments), "num_refs": self.num_refs,
               "checksum": self.checksum, "files": dict(self.files), "origin": self.origin}
        if self.subset is not None:
            out["subset"] = dict(self.subset)
        if self.verification:
            out["verification"] = dict(self.verification)
        if self.published:
            out["published"] = [p.to_dict() for p in self.published]
        return out


# --------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class DataFile:
    path: str  # relative to the data root, e.g. "flores200/arb_Arab.devtest"
    url: Optional[str]  # official download; None where it cannot be fetched by a script
    # sha256 of the official file, pinned only where it could be verified (computed from the
    # official file, or published by its host); None: unknown, and said so when loaded.
    sha256: Optional[str]
    member: Optional[str] = None  # the file to read inside an archive
    # Other forms of the same records accepted under --data-dir (the archive's member
    # extracted, the hub's Parquet conversion), tried in order after `path`.
    local: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublishedScore:
    """A figure a set is usually compared with: who reported it, how it was scored."""

    system: str
    scores: Mapping[str, float]  # by tarjama's score names ("ROUGE-1", ...)
    source: str
    protocol: str  # the --rouge-protocol that reproduces its scorer
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"system": self.system, "scores": dict(self.scores), "source": self.source,
                "protocol": self.protocol, "note": self.note}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "PublishedScore":
        return cls(system=d["system"], scores=dict(d["scores"]), source=d["source"],
                   protocol=d["protocol"], note=d.get("note", ""))


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
    records: Optional[int] = None  # segments the official set has, checked on load
    # sha256 of the set's ids (sorted, one a line), where the official split lists them.
    id_set_sha256: Optional[str] = None
    published: tuple[PublishedScore, ...] = ()
    homepage: str = ""


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


# --------------------------------------------------------------------------- summarization sets

# The XL-Sum v2.0 archives the authors put on the Hugging Face hub (the GitHub README's Google
# Drive links hold the same archives); each holds <lang>_{train,val,test}.jsonl.
_XLSUM_URL = "https://huggingface.co/datasets/csebuetnlp/xlsum/resolve/main/data/"
# CNN/DailyMail 3.0.0 as the hub serves it (the non-anonymized version of See et al. 2017, built
# from the stories with abisee/cnn-dailymail's split lists).
_CNNDM_URL = ("https://huggingface.co/datasets/abisee/cnn_dailymail/resolve/main/3.0.0/"
              "test-00000-of-00001.parquet")

XLSUM_AR = DataFile("xlsum/arabic_XLSum_v2.0.tar.bz2", _XLSUM_URL + "arabic_XLSum_v2.0.tar.bz2",
                    None, member="arabic_test.jsonl",
                    local=("xlsum/arabic_test.jsonl", "xlsum/arabic/test/0000.parquet"))
XLSUM_EN = DataFile("xlsum/english_XLSum_v2.0.tar.bz2",
                    _XLSUM_URL + "english_XLSum_v2.0.tar.bz2", None, member="english_test.jsonl",
                    local=("xlsum/english_test.jsonl", "xlsum/english/test/0000.parquet"))
# CrossSum v1.0 is one archive of every language pair, on Google Drive (a confirmation page a
# script cannot pass) and on the hub: no automatic download; --data-dir reads a copy.
CROSSSUM_AR_EN = DataFile("crosssum/CrossSum_v1.0.tar.bz2", None, None,
                          member="arabic-english_test.jsonl",
                          local=("crosssum/arabic-english_test.jsonl",
                                 "crosssum/arabic-english/test/0000.parquet"))
CNNDM_TEST = DataFile("cnn_dailymail/3.0.0/test-00000-of-00001.parquet", _CNNDM_URL, None,
                      local=("cnn_dailymail/test.jsonl",))
# sha256 of the 11,490 CNN/DailyMail test ids, sorted, one a line: an id is the sha1 of the
# story's URL (hashhex in abisee/cnn-dailymail's make_datafiles.py, the hub's "id" field),
# computed here from that repository's url_lists/all_test.txt (sha256 c4f5efb5ec21...).
CNNDM_TEST_IDS_SHA256 = "9aab3e3783dab9dbd2a905ff679a448b7dccf7e4f705ce3390846d537dc94350"

_CNNDM_NOTE = ("scored with the ROUGE-1.5.5 Perl script (pyrouge/files2rouge, stemmed); its "
               "ROUGE-L is summary-level, what rouge-score's rougeLsum reimplements, hence "
               "ROUGE-Lsum; rouge-score matches the Perl script closely but not to the digit")
_XLSUM_SOURCE = "XL-Sum README, Benchmarks (github.com/csebuetnlp/xl-sum, v2.0 test sets)"
_XLSUM_NOTE = ("mT5-base fine-tuned on all 45 languages; the official multilingual_rouge_scoring "
               "with the language's stemmer; the README's figures are rouge-score's bootstrap "
               "'mid' (median of 1,000 resampled means), which is within sampling noise of the "
               "plain mean tarjama reports")


def _summary_records(files: Mapping[str, Path], f: DataFile, source: str, summary: str,
                     ids: Optional[str]) -> list[Segment]:
    """Records -> one segment per article: the article text as source, the reference summary as
    the only reference. ``ids``: the id field (None: CrossSum's source_url, numbered if repeated)."""
    path = files[f.path]
    member = f.member if path.name.endswith((".tar.bz2", ".tar.gz", ".tar")) else None
    segments: list[Segment] = []
    seen: dict[str, int] = {}
    for n, rec in enumerate(read_records(path, member), 1):
        where = f"{path}{':' + member if member else ''} record {n}"
        text, ref = record_field(rec, source, where), record_field(rec, summary, where)
        seg_id = record_field(rec, ids or "source_url", where)
        if seg_id in seen:
            if ids is not None:
                raise DataError(f"{where}: duplicate id '{seg_id}' (first in record {seen[seg_id]})")
            seg_id = f"{seg_id}#{n}"
        seen[seg_id] = n
        segments.append(Segment(id=seg_id, source=text, refs=(ref,)))
    return segments


def _xlsum_spec(name: str, lang: str, f: DataFile, records: int, description: str,
                published: Mapping[str, float]) -> DatasetSpec:
    return DatasetSpec(
        name, "summarize", lang, lang, description, "CC BY-NC-SA 4.0 (non-commercial research)",
        (f,), lambda files: _summary_records(files, f, "text", "summary", "id"),
        level="document", records=records, homepage="https://github.com/csebuetnlp/xl-sum",
        published=(PublishedScore("mT5 multilingual XL-Sum (csebuetnlp/mT5_multilingual_XLSum)",
                                  published, _XLSUM_SOURCE, "xlsum", _XLSUM_NOTE),))


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
    _xlsum_spec("xlsum-ar-test", "ar", XLSUM_AR, 4689,
                "XL-Sum v2.0 Arabic test: BBC Arabic articles with their professionally written "
                "one-sentence summaries; 4,689 articles",
                {"ROUGE-1": 34.9107, "ROUGE-2": 14.7937, "ROUGE-L": 29.1623}),
    _xlsum_spec("xlsum-en-test", "en", XLSUM_EN, 11535,
                "XL-Sum v2.0 English test: BBC News articles with their one-sentence summaries; "
                "11,535 articles", {"ROUGE-1": 37.601, "ROUGE-2": 15.1536, "ROUGE-L": 29.8817}),
    DatasetSpec(
        "crosssum-ar-en-test", "summarize", "ar", "en",
        "CrossSum v1.0 Arabic -> English test: BBC Arabic articles with the English summary of "
        "the same story (9,653 aligned pairs in all splits)",
        "CC BY-NC-SA 4.0 (non-commercial research)", (CROSSSUM_AR_EN,),
        lambda f: _summary_records(f, CROSSSUM_AR_EN, "text", "summary", None),
        level="document", homepage="https://github.com/csebuetnlp/CrossSum",
        published=(PublishedScore(
            "mT5 many-to-many CrossSum (csebuetnlp/mT5_m2m_crossSum)", {"ROUGE-2": 11.0},
            "CrossSum README, figure figs/en_tgt_rouge2.png (Arabic source, English target)",
            "xlsum", "approximate: read off the published plot (about 11; many-to-one English "
                     "model about 10.5, summarize-then-translate about 8); the exact figures "
                     "are in the paper's appendix, not transcribed here"),)),
    DatasetSpec(
        "cnndm-test", "summarize", "en", "en",
        "CNN/DailyMail 3.0.0 test (non-anonymized): CNN and Daily Mail articles with their "
        "highlights (one sentence a line) as the reference; 11,490 articles",
        "Apache-2.0 (the hub's dataset card; article copyright stays with CNN and the Daily Mail)",
        (CNNDM_TEST,), lambda f: _summary_records(f, CNNDM_TEST, "article", "highlights", "id"),
        level="document", records=11490, id_set_sha256=CNNDM_TEST_IDS_SHA256,
        homepage="https://github.com/abisee/cnn-dailymail",
        published=(
            PublishedScore("LEAD-3", {"ROUGE-1": 40.42, "ROUGE-2": 17.62, "ROUGE-Lsum": 36.67},
                           "Liu & Lapata 2019 (Text Summarization with Pretrained Encoders), "
                           "Table 2", "rouge-score", _CNNDM_NOTE),
            PublishedScore("ORACLE (greedy extractive)",
                           {"ROUGE-1": 52.59, "ROUGE-2": 31.24, "ROUGE-Lsum": 48.87},
                           "Liu & Lapata 2019, Table 2", "rouge-score", _CNNDM_NOTE),
            PublishedScore("BART-large (facebook/bart-large-cnn)",
                           {"ROUGE-1": 44.16, "ROUGE-2": 21.28, "ROUGE-Lsum": 40.90},
                           "Lewis et al. 2020 (BART), Table 3", "rouge-score", _CNNDM_NOTE),
        )),
)

REGISTRY: Mapping[str, DatasetSpec] = MappingProxyType({s.name: s for s in _SPECS})


def registry_rows() -> list[dict[str, Any]]:
    """The registry as ``tarjama eval datasets`` lists it: what each set is, where it comes
    from, what is pinned about its files, and the figures it is usually compared with."""
    return [{"name": s.name, "task": s.task, "source_lang": s.source_lang,
             "target_lang": s.target_lang, "level": s.level, "license": s.license,
             "description": s.description, "homepage": s.homepage or None,
             "files": [f.url for f in s.files],
             "sha256_pinned": all(f.sha256 is not None for f in s.files),
             "records": s.records, "published": [p.to_dict() for p in s.published]}
            for s in REGISTRY.values()]


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


def download_file(url: str, dest: Path, sha256: Optional[str], *,
                  timeout: float = 60.0) -> Path:
    """Fetch ``url`` (http(s) or file://) to ``dest``, keeping it only if its sha256 matches
    (``sha256`` None: no pinned sum; the file is kept and its records are checked on load)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    log.info("downloading %s", url)
    try:
        with atomic_file(dest, binary=True) as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            for chunk in iter(lambda: resp.read(1 << 16), b""):
                h.update(chunk)
                out.write(chunk)
            if sha256 is not None and h.hexdigest() != sha256:
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


def _local_copy(spec: DatasetSpec, f: DataFile, root: Path) -> Path:
    for rel in (f.path, *f.local):
        if (root / rel).is_file():
            return root / rel
    forms = " or ".join((f.path, *f.local))
    raise DataError(f"dataset {spec.name}: {forms} not found under {root}")


def fetch_files(spec: DatasetSpec, *, data_dir: Optional[Path] = None,
                cache_dir: Optional[Path] = None, download: bool = True) -> dict[str, Path]:
    """Paths of the spec's files (keyed by ``DataFile.path``), verified against their pinned
    checksums where a sum is pinned.

    With ``data_dir`` the files are read from there and never downloaded (any of a file's
    accepted forms); otherwise they come from the cache, downloaded (or re-downloaded, when a
    cached copy is damaged) as needed.
    """
    out: dict[str, Path] = {}
    if data_dir is not None:
        root = Path(data_dir)
        if not root.is_dir():
            raise InputError(f"data directory {root} does not exist")
        for f in spec.files:
            path = _local_copy(spec, f, root)
            if f.sha256 is not None and path == root / f.path:
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
            if f.sha256 is None or sha256_file(path) == f.sha256:
                out[f.path] = path
                continue
            log.warning("cached %s does not match its checksum; fetching it again", path)
        if f.url is None:
            raise DataError(f"dataset {spec.name} cannot be downloaded by a script; get it from "
                            f"{spec.homepage or 'its official page'} and pass --data-dir DIR "
                            f"holding {' or '.join((f.path, *f.local))}")
        if not download:
            raise DataError(f"dataset {spec.name}: {f.path} is not in the cache {root} and "
                            "downloading is off; pass --data-dir with a local copy")
        out[f.path] = download_file(f.url, path, f.sha256)
    return out


def _combined_checksum(name: str, files: Mapping[str, str]) -> str:
    body = name + "\n" + "".join(f"{p}\t{h}\n" for p, h in sorted(files.items()))
    return hashlib.sha256(body.encode()).hexdigest()


def id_set_sha256(ids: Iterable[str]) -> str:
    """sha256 of a set of ids, sorted, one a line: what identifies an official split."""
    return hashlib.sha256("".join(f"{i}\n" for i in sorted(ids)).encode()).hexdigest()


def _verify(spec: DatasetSpec, paths: Mapping[str, Path], segments: Sequence[Segment]
            ) -> tuple[dict[str, str], dict[str, Any]]:
    """The sha256 of each file used, and what was verified about them. A file without a pinned
    sum is described by what could be checked instead: its record count and, where the official
    split lists them, its ids; the run records the file's own sha256."""
    sums: dict[str, str] = {}
    report: dict[str, Any] = {}
    unpinned = []
    for f in spec.files:
        path = paths[f.path]
        if f.sha256 is not None and path.name == Path(f.path).name:
            sums[f.path] = f.sha256
            report[f.path] = {"file": str(path), "sha256": f.sha256, "pinned": True}
        else:
            got = sha256_file(path)
            sums[f.path] = got
            report[f.path] = {"file": str(path), "sha256": got, "pinned": False}
            unpinned.append(path)
    checked = []
    if spec.records is not None:
        if len(segments) != spec.records:
            raise DataError(f"dataset {spec.name}: {len(segments):,} records, the official set has "
                            f"{spec.records:,} (not the official file, or not all of it)")
        checked.append(f"{spec.records:,} records")
    if spec.id_set_sha256 is not None:
        if id_set_sha256(s.id for s in segments) != spec.id_set_sha256:
            raise DataError(f"dataset {spec.name}: its ids are not those of the official split")
        checked.append("the official split's ids")
    report["checked"] = checked
    if unpinned:
        what = ", ".join(checked) if checked else "only the record format (no official count)"
        log.warning("dataset %s: no official sha256 of %s could be verified, so none is pinned; "
                    "checked instead: %s; this copy's sha256 is in the run's provenance",
                    spec.name, ", ".join(p.name for p in unpinned), what)
    return sums, report


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
    sums, verification = _verify(spec, paths, segments)
    origin = str(Path(data_dir) if data_dir is not None else
                 (Path(cache_dir) if cache_dir is not None else default_cache_dir()))
    return Dataset(name=spec.name, task=spec.task, source_lang=spec.source_lang,
                   target_lang=spec.target_lang, segments=tuple(segments),
                   checksum=_combined_checksum(spec.name, sums), files=sums, origin=origin,
                   level=spec.level, verification=verification, published=spec.published)


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
    return json_objects(text, str(path))


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
