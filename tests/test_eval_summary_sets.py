"""XL-Sum, CrossSum and CNN/DailyMail in their official record formats, the seeded --limit
sample, the extractive oracle, and runs compared only under one ROUGE protocol.

The data files here are written by the tests, a few records each, in each set's exact format:
XL-Sum's JSONL inside its .tar.bz2 archive (member ./arabic_test.jsonl) and the hub's Parquet,
CrossSum's JSONL, CNN/DailyMail's Parquet with id/article/highlights.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import tarfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import one_line_error
from rouge_score import rouge_scorer
from tarjama.cli import app
from tarjama.errors import DataError, UsageError
from tarjama.eval.datasets import (
    CNNDM_TEST_IDS_SHA256,
    REGISTRY,
    id_set_sha256,
    load_dataset,
    load_jsonl,
)
from tarjama.eval.metrics.rouge import make_tokenizer
from tarjama.eval.report import compare_runs, find_runs, render_markdown
from tarjama.eval.run import run_benchmark
from tarjama.eval.systems import OracleSystem
from tarjama.nlp.extractive import SummaryLength, lead, oracle
from typer.testing import CliRunner

runner = CliRunner()


def tarjama(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))

AR_ARTICLES = [
    {"id": "world-1", "url": "https://www.bbc.com/arabic/world-1", "title": "اتفاق",
     "summary": "وقعت الحكومة والمعارضة اتفاقا لوقف إطلاق النار في العاصمة.",
     "text": "قال مسؤولون إن المحادثات استمرت أسبوعا كاملا في الدوحة. "
             "ووقعت الحكومة والمعارضة اتفاقا لوقف إطلاق النار في العاصمة يوم الأحد. "
             "ورحبت الأمم المتحدة بالاتفاق ودعت إلى تنفيذه فورا. "
             "ويأمل السكان أن يعود الهدوء إلى الشوارع."},
    {"id": "business-2", "url": "https://www.bbc.com/arabic/business-2", "title": "النفط",
     "summary": "ارتفعت أسعار النفط بعد قرار أوبك خفض الإنتاج.",
     "text": "شهدت الأسواق العالمية تقلبات كبيرة هذا الأسبوع. "
             "وقال محللون إن الطلب على الطاقة سيزداد في الشتاء. "
             "وارتفعت أسعار النفط بنسبة خمسة في المئة بعد قرار أوبك خفض الإنتاج. "
             "ويتوقع خبراء استمرار الارتفاع حتى نهاية العام."},
    {"id": "science-3", "url": "https://www.bbc.com/arabic/science-3", "title": "فضاء",
     "summary": "أطلقت وكالة الفضاء مسبارا جديدا لدراسة المريخ.",
     "text": "أطلقت وكالة الفضاء مسبارا جديدا لدراسة سطح المريخ. "
             "ويحمل المسبار أجهزة لقياس الحرارة والرياح. "
             "ومن المتوقع أن يصل إلى الكوكب الأحمر بعد سبعة أشهر."},
]


def _jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def _xlsum_archive(root: Path, records: list[dict], lang: str = "arabic") -> Path:
    """The official archive layout: <lang>_XLSum_v2.0.tar.bz2 holding ./<lang>_{split}.jsonl."""
    path = root / "xlsum" / f"{lang}_XLSum_v2.0.tar.bz2"
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:bz2") as tar:
        for split, recs in (("train", records[:1]), ("val", records[:1]), ("test", records)):
            data = _jsonl(recs)
            info = tarfile.TarInfo(f"./{lang}_{split}.jsonl")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _spec(name: str, **changes):
    return dataclasses.replace(REGISTRY[name], **changes)


def test_xlsum_from_its_official_archive_with_what_was_verified(tmp_path: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    archive = _xlsum_archive(tmp_path, AR_ARTICLES)
    with caplog.at_level(logging.WARNING):
        ds = load_dataset(_spec("xlsum-ar-test", records=3), data_dir=tmp_path)
    assert [s.id for s in ds.segments] == ["world-1", "business-2", "science-3"]
    assert ds.segments[1].refs == (AR_ARTICLES[1]["summary"],)
    assert ds.segments[1].source == AR_ARTICLES[1]["text"]
    assert (ds.task, ds.level, ds.source_lang, ds.target_lang) == ("summarize", "document", "ar", "ar")
    # No official sha256 is pinned: loading says so, and records the file's own sha256.
    assert any("no official sha256" in r.getMessage() for r in caplog.records)
    got = hashlib.sha256(archive.read_bytes()).hexdigest()
    entry = ds.verification["xlsum/arabic_XLSum_v2.0.tar.bz2"]
    assert entry == {"file": str(archive), "sha256": got, "pinned": False}
    assert ds.verification["checked"] == ["3 records"]
    assert ds.describe()["published"][0]["scores"]["ROUGE-1"] == 34.9107


def test_the_official_count_is_checked(tmp_path: Path) -> None:
    _xlsum_archive(tmp_path, AR_ARTICLES)
    with pytest.raises(DataError, match="3 records, the official set has 4,689"):
        load_dataset("xlsum-ar-test", data_dir=tmp_path)


def test_xlsum_from_the_hub_parquet_and_the_extracted_jsonl(tmp_path: Path) -> None:
    pq_path = tmp_path / "pq" / "xlsum" / "arabic" / "test" / "0000.parquet"
    pq_path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(AR_ARTICLES), pq_path)
    jsonl = tmp_path / "js" / "xlsum" / "arabic_test.jsonl"
    jsonl.parent.mkdir(parents=True)
    jsonl.write_bytes(_jsonl(AR_ARTICLES))
    spec = _spec("xlsum-ar-test", records=3)
    a, b = load_dataset(spec, data_dir=tmp_path / "pq"), load_dataset(spec, data_dir=tmp_path / "js")
    assert a.segments == b.segments
    assert a.checksum != b.checksum  # different files: the run records which one it read


def test_bad_records_name_the_file_and_record(tmp_path: Path) -> None:
    broken = [dict(AR_ARTICLES[0]), {k: v for k, v in AR_ARTICLES[1].items() if k != "summary"}]
    path = tmp_path / "xlsum" / "arabic_test.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(_jsonl(broken))
    with pytest.raises(DataError, match=r"arabic_test.jsonl record 2: missing 'summary'"):
        load_dataset(_spec("xlsum-ar-test", records=2), data_dir=tmp_path)
    path.write_bytes(_jsonl([AR_ARTICLES[0], AR_ARTICLES[0]]))
    with pytest.raises(DataError, match="duplicate id 'world-1'"):
        load_dataset(_spec("xlsum-ar-test", records=2), data_dir=tmp_path)
    with pytest.raises(DataError, match="xlsum/english_XLSum_v2.0.tar.bz2 or xlsum/english_test.jsonl"):
        load_dataset("xlsum-en-test", data_dir=tmp_path)


def test_crosssum_pairs_arabic_articles_with_english_summaries(tmp_path: Path) -> None:
    recs = [{"source_url": f"https://www.bbc.com/arabic/{i}", "target_url": f"https://www.bbc.com/news/{i}",
             "summary": f"English summary {i}.", "text": a["text"]} for i, a in enumerate(AR_ARTICLES)]
    path = tmp_path / "crosssum" / "arabic-english_test.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(_jsonl(recs))
    ds = load_dataset("crosssum-ar-en-test", data_dir=tmp_path)
    assert (ds.source_lang, ds.target_lang, len(ds)) == ("ar", "en", 3)
    assert ds.segments[2].id == "https://www.bbc.com/arabic/2"
    assert ds.verification["checked"] == []  # no official count is published for the split
    with pytest.raises(DataError, match="cannot be downloaded by a script"):
        load_dataset("crosssum-ar-en-test", cache_dir=tmp_path / "empty")


def test_cnndm_parquet_and_its_official_test_ids(tmp_path: Path) -> None:
    urls = [f"http://web.archive.org/web/2015/http://www.cnn.com/story-{i}/" for i in range(3)]
    ids = [hashlib.sha1(u.encode()).hexdigest() for u in urls]
    rows = [{"article": f"Article {i} . It says things .", "highlights": f"Point {i} .\nPoint {i}b .",
             "id": ids[i]} for i in range(3)]
    path = tmp_path / "cnn_dailymail" / "3.0.0" / "test-00000-of-00001.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), path)
    spec = _spec("cnndm-test", records=3, id_set_sha256=id_set_sha256(ids))
    ds = load_dataset(spec, data_dir=tmp_path)
    assert ds.segments[0].refs == ("Point 0 .\nPoint 0b .",)  # highlights keep a sentence a line
    assert ds.verification["checked"] == ["3 records", "the official split's ids"]
    with pytest.raises(DataError, match="not those of the official split"):
        load_dataset(_spec("cnndm-test", records=3), data_dir=tmp_path)
    # The pinned digest is 64 hex digits of the sorted sha1 ids, one a line.
    assert len(CNNDM_TEST_IDS_SHA256) == 64
    assert id_set_sha256(["b", "a"]) == hashlib.sha256(b"a\nb\n").hexdigest()


def _summary_jsonl(tmp_path: Path, lang: str = "ar") -> Path:
    path = tmp_path / "set.jsonl"
    meta = {"meta": {"name": "tiny-xlsum", "task": "summarize", "source_lang": lang,
                     "target_lang": lang, "level": "document"}}
    lines = [json.dumps(meta)] + [json.dumps({"id": a["id"], "src": a["text"], "ref": a["summary"]},
                                             ensure_ascii=False) for a in AR_ARTICLES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_sample_is_fixed_seeded_in_data_order_and_recorded(tmp_path: Path) -> None:
    ds = load_jsonl(_summary_jsonl(tmp_path))
    a, b = ds.sample(2), ds.sample(2)
    assert a.segments == b.segments and a.checksum == b.checksum
    order = [s.id for s in ds.segments]
    assert [order.index(s.id) for s in a.segments] == sorted(order.index(s.id) for s in a.segments)
    assert a.describe()["subset"]["method"] == "seeded-sample"
    assert a.describe()["subset"]["seed"] == 12345 and a.describe()["subset"]["of"] == 3
    assert ds.sample(2, seed=1).checksum != a.checksum
    assert ds.sample(5) is ds


def test_oracle_picks_what_matches_the_reference_and_stops() -> None:
    sentences = ["The weather was mild on Sunday.", "The council approved the new budget.",
                 "Residents welcomed the decision.", "The budget funds new schools."]
    tok = make_tokenizer("en").tokenize
    one = oracle(sentences, "Council approves new budget", tok, SummaryLength(sentences=1))
    assert one.indices == (1,) and one.algorithm == "oracle"
    # Greedy: the second sentence is added only while it raises ROUGE-1 + ROUGE-2 F.
    two = oracle(sentences, "The council approved the budget; it funds new schools", tok)
    assert two.indices == (1, 3)
    assert oracle(sentences, "nothing in common", tok).indices == ()


def test_oracle_is_an_upper_bound_for_lead_under_every_protocol() -> None:
    for protocol in ("tarjama", "rouge-score"):
        tok = make_tokenizer("en", protocol=protocol)
        scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], tokenizer=tok)
        sents = [f"Sentence {w} about item {i}." for i, w in enumerate("alpha beta gamma delta".split())]
        ref = "gamma item 2 and delta item 3"
        best = " ".join(oracle(sents, ref, tok.tokenize, SummaryLength(sentences=2)).sentences)
        first = " ".join(lead(sents, SummaryLength(sentences=2)).sentences)
        f = lambda h: sum(s.fmeasure for s in scorer.score(ref, h).values())  # noqa: E731
        assert f(best) > f(first)


def test_oracle_is_refused_across_languages() -> None:
    with pytest.raises(UsageError, match="different languages"):
        OracleSystem("ar", SummaryLength(), target_lang="en")


def test_eval_run_oracle_lead_lexrank_side_by_side(tmp_path: Path) -> None:
    data = _summary_jsonl(tmp_path)
    outs = {}
    for method in ("lead", "extractive", "oracle"):
        out = tmp_path / "runs" / method
        res = tarjama("eval", "run", "--task", "summarize", "--dataset", str(data), "--method",
                      method, "--sentences", "1", "--bootstrap", "0", "-o", str(out))
        assert res.exit_code == 0, res.output
        outs[method] = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    r1 = {m: next(s["score"] for s in o["scores"] if s["name"] == "ROUGE-1") for m, o in outs.items()}
    assert r1["oracle"] >= max(r1["lead"], r1["extractive"])
    assert r1["oracle"] > r1["lead"]  # the summary sentence is not the first one everywhere
    prov = json.loads((tmp_path / "runs" / "oracle" / "provenance.json").read_text())
    assert prov["system"]["rouge_protocol"] == "tarjama" and prov["system"]["reads_references"]
    md = render_markdown(find_runs([tmp_path / "runs"]))
    assert "| System | LexRank-1 | LEAD-1 | ORACLE-1 |" in md
    assert "| ROUGE protocol | tarjama | tarjama | tarjama |" in md


def test_compare_refuses_runs_under_different_protocols(tmp_path: Path) -> None:
    data = _summary_jsonl(tmp_path)
    for name, protocol in (("a", "tarjama"), ("b", "xlsum")):
        res = tarjama("eval", "run", "--task", "summarize", "--dataset", str(data), "--method",
                      "lead", "--sentences", "1", "--bootstrap", "0", "--rouge-protocol", protocol,
                      "--no-rouge-stem", "-o", str(tmp_path / name))
        assert res.exit_code == 0, res.output
    res = tarjama("eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"))
    assert res.exit_code == 7
    msg = one_line_error(res)
    assert "a: tarjama, b: xlsum" in msg and "--rouge-protocol" in msg
    # Re-scored under one protocol they compare; identical outputs differ by nothing.
    cmp = compare_runs([tmp_path / "a", tmp_path / "b"], rouge_protocol="xlsum", rouge_stem=False,
                       metrics="rouge1", n_samples=100)
    assert cmp.get("b", "ROUGE-1").delta == 0.0
    assert "protocol:xlsum" in cmp.signatures["ROUGE-1"]


def test_report_shows_published_figures_and_says_when_not_comparable(tmp_path: Path) -> None:
    _xlsum_archive(tmp_path / "data", AR_ARTICLES)
    ds = load_dataset(_spec("xlsum-ar-test", records=3), data_dir=tmp_path / "data").sample(2)
    system = OracleSystem("ar", SummaryLength(sentences=1))
    run_benchmark(ds, system, tmp_path / "runs" / "oracle", n_bootstrap=0)
    md = render_markdown(find_runs([tmp_path / "runs"]))
    assert "## This run vs published: xlsum-ar-test" in md
    assert "| mT5 multilingual XL-Sum (csebuetnlp/mT5_multilingual_XLSum) | xlsum | 34.91 | 14.79 | 29.16 |" in md
    assert "| ORACLE-1 | tarjama |" in md
    assert "not comparable; re-run it with --rouge-protocol xlsum" in md
    assert "seeded-sample of 2 of 3 segments" in md
