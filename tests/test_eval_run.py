"""run_benchmark end to end with trivial deterministic systems on slices of ../shared/data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tarjama.errors import DataError
from tarjama.eval.datasets import Dataset, Segment, load_dataset
from tarjama.eval.run import System, run_benchmark
from tarjama.eval.scoring import ScoreReport, score_files

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_data = pytest.mark.skipif(not (SHARED / "flores200").is_dir() or
                                not (SHARED / "ntrex128").is_dir(),
                                reason="../shared/data not present")


class WordReversal:
    """Reverses the word order of each line: deterministic, and scores well above zero on
    chrF (same characters) but low on BLEU."""

    name = "word-reversal"

    def __init__(self, fail_after: int | None = None) -> None:
        self.calls: list[int] = []
        self.fail_after = fail_after

    def provenance(self) -> dict[str, Any]:
        return {"model": "test/word-reversal", "revision": "v1", "decoding": {"beam": 1}}

    def __call__(self, sources: list[str]) -> list[str]:
        if self.fail_after is not None and sum(self.calls) >= self.fail_after:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-run
        self.calls.append(len(sources))
        return ["\n".join(" ".join(line.split()[::-1]) for line in s.split("\n")) for s in sources]


class Identity:
    name = "identity"

    def provenance(self) -> dict[str, Any]:
        return {"model": "test/identity", "revision": "v1"}

    def __call__(self, sources: list[str]) -> list[str]:
        return list(sources)


def _toy() -> Dataset:
    segs = tuple(Segment(str(i), f"the cat sat on mat {i}", (f"the cat sat on the mat {i}",),
                         f"d{i // 3}") for i in range(9))
    return Dataset("toy", "translate", "en", "en", segs, checksum="toy-1")


def test_system_protocol_is_satisfied_by_simple_objects() -> None:
    assert isinstance(WordReversal(), System) and isinstance(Identity(), System)


@needs_data
def test_sentence_run_end_to_end_and_reuse(tmp_path: Path) -> None:
    ds = load_dataset("flores200-devtest", data_dir=SHARED).head(100)
    out = tmp_path / "run"
    system = WordReversal()
    seen: list[tuple[int, int]] = []
    res = run_benchmark(ds, system, out, {"beam": 1, "max_length": 256}, batch_size=32,
                        n_bootstrap=100, progress=lambda d, t: seen.append((d, t)))
    assert system.calls == [32, 32, 32, 4] and seen[-1] == (100, 100)
    assert (res.n_generated, res.n_reused) == (100, 0)
    for name in ("run.json", "data.jsonl", "outputs.jsonl", "hyp.txt", "ref.txt",
                 "scores.json", "provenance.json"):
        assert (out / name).is_file(), name

    # scores.json holds what score_files gives on the written line files (sacrebleu-exact).
    saved = ScoreReport.from_dict(json.loads((out / "scores.json").read_text(encoding="utf-8")))
    again = score_files(out / "hyp.txt", [out / "ref.txt"], n_bootstrap=100)
    assert [s.format(4) for s in saved.scores] == [s.format(4) for s in again.scores]
    assert [s.name for s in saved.scores] == ["BLEU", "chrF2", "chrF2++", "TER"]
    assert len(saved.segment_scores["chrF2"]) == 100 and saved.doc_ids is not None
    assert len(saved.document_scores["BLEU"]) == len(set(saved.doc_ids))
    assert saved.lengths["src"][0] == len(ds.segments[0].source.split())

    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["system"] == {"name": "word-reversal", "model": "test/word-reversal",
                              "revision": "v1", "decoding": {"beam": 1}}
    assert prov["config"] == {"beam": 1, "max_length": 256}
    assert prov["dataset"]["checksum"] == ds.checksum
    assert prov["dataset"]["files"]["flores200/eng_Latn.devtest"].startswith("612e9fbe")
    assert prov["libraries"]["sacrebleu"] == "2.6.0" and "python" in prov["libraries"]
    assert prov["timing"]["tokens_per_second"] > 0 and prov["timing"]["token_unit"] == "whitespace"
    assert prov["timing"]["wall_seconds_last_invocation"] > 0
    assert prov["scoring"]["signatures"]["BLEU"].startswith("nrefs:1|bs:100|seed:12345|")

    # Same configuration again: every output is reused, the system is not called.
    fresh = WordReversal()
    res2 = run_benchmark(ds, fresh, out, {"max_length": 256, "beam": 1}, n_bootstrap=100)
    assert fresh.calls == [] and (res2.n_generated, res2.n_reused) == (0, 100)
    assert [s.score for s in res2.report.scores] == [s.score for s in res.report.scores]
    # Other metrics are only a re-scoring: outputs still reused.
    res3 = run_benchmark(ds, fresh, out, {"beam": 1, "max_length": 256}, metrics="chrf",
                         n_bootstrap=0)
    assert fresh.calls == [] and [s.name for s in res3.report.scores] == ["chrF2"]


@needs_data
def test_folder_from_another_configuration_is_refused(tmp_path: Path) -> None:
    ds = load_dataset("flores200-devtest", data_dir=SHARED).head(20)
    out = tmp_path / "run"
    run_benchmark(ds, WordReversal(), out, {"beam": 1}, n_bootstrap=0)
    with pytest.raises(DataError) as exc:
        run_benchmark(ds, WordReversal(), out, {"beam": 4}, n_bootstrap=0)
    msg = exc.value.message
    assert msg.startswith(f"results folder {out} holds a run with a different configuration")
    assert "config.beam: 1 -> 4" in msg and "\n" not in msg
    with pytest.raises(DataError, match="dataset.checksum"):
        run_benchmark(ds.head(10), WordReversal(), out, {"beam": 1}, n_bootstrap=0)
    with pytest.raises(DataError, match="system.name"):
        run_benchmark(ds, Identity(), out, {"beam": 1}, n_bootstrap=0)
    # A folder of runs, or someone else's folder, is not written into.
    with pytest.raises(DataError, match=r"holds other runs \(run\)"):
        run_benchmark(ds, Identity(), tmp_path, {}, n_bootstrap=0)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match="is not empty and is not a tarjama results folder"):
        run_benchmark(ds, Identity(), tmp_path / "other", {}, n_bootstrap=0)


@needs_data
def test_interrupted_run_resumes_where_it_stopped(tmp_path: Path) -> None:
    ds = load_dataset("flores200-devtest", data_dir=SHARED).head(40)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(ds, WordReversal(fail_after=20), out, {}, batch_size=10, n_bootstrap=0)
    lines = (out / "outputs.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20  # two finished batches were kept
    # A write cut short by a crash leaves half a record without a newline: it is dropped.
    with open(out / "outputs.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"id": "21", "hyp": "half')
    system = WordReversal()
    res = run_benchmark(ds, system, out, {}, batch_size=10, n_bootstrap=0)
    assert system.calls == [10, 10] and (res.n_reused, res.n_generated) == (20, 20)
    # A last record that is complete but lost its newline is kept, and the file stays JSONL.
    text = (out / "outputs.jsonl").read_text(encoding="utf-8")
    (out / "outputs.jsonl").write_text(text.rstrip("\n"), encoding="utf-8")
    assert run_benchmark(ds, WordReversal(), out, {}, n_bootstrap=0).n_reused == 40
    assert (out / "outputs.jsonl").read_text(encoding="utf-8") == text
    full = run_benchmark(ds, WordReversal(), tmp_path / "full", {}, n_bootstrap=0)
    assert res.hypotheses == full.hypotheses
    assert [s.score for s in res.report.scores] == [s.score for s in full.report.scores]


@needs_data
def test_document_level_scores_whole_documents(tmp_path: Path) -> None:
    ds = load_dataset("ntrex128", data_dir=SHARED).head(3, unit="documents")
    system = WordReversal()
    res = run_benchmark(ds, system, tmp_path / "doc", {}, level="document", n_bootstrap=50)
    assert system.calls == [3]
    assert res.report.segment_ids == ("bbc.381790", "rt.com.91337", "nytimes.184853")
    docs = ds.documents()
    # Each document went in whole (sentences on lines) and is scored against the joined reference.
    assert res.hypotheses[0].count("\n") == docs.segments[0].source.count("\n") > 5
    ref = (tmp_path / "doc" / "ref.txt").read_text(encoding="utf-8").splitlines()
    assert ref[0] == " ".join(docs.segments[0].refs[0].split("\n"))
    run = json.loads((tmp_path / "doc" / "run.json").read_text(encoding="utf-8"))
    assert run["identity"]["level"] == "document"


@needs_data
def test_summarization_on_headlines(tmp_path: Path) -> None:
    ds = load_dataset("ntrex128-headlines", data_dir=SHARED).head(15)

    class Lead:
        name = "lead-1"

        def provenance(self) -> dict[str, Any]:
            return {}

        def __call__(self, sources: list[str]) -> list[str]:
            return [s.split("\n")[0] for s in sources]

    res = run_benchmark(ds, Lead(), tmp_path / "sum", n_bootstrap=50)
    assert [s.name for s in res.report.scores] == ["ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum"]
    assert res.report.lang == "ar" and "tok:unicode|norm:nfkc+ar" in res.report.scores[0].signature
    assert 5 < res.report.get("ROUGE-1").score < 60
    with pytest.raises(DataError, match="is document-level"):
        run_benchmark(ds, Lead(), tmp_path / "sum2", level="sentence")
    with pytest.raises(DataError, match=r"headlines\[:15\] is a summarize set, not translate"):
        run_benchmark(ds, Lead(), tmp_path / "sum3", task="translate")


def test_toy_run_without_shared_data(tmp_path: Path) -> None:
    res = run_benchmark(_toy(), Identity(), tmp_path / "toy", {"x": 1}, n_bootstrap=20,
                        metrics="bleu,rouge1")
    assert res.report.get("ROUGE-1").score < 100 and len(res.report.document_scores["BLEU"]) == 3

    class Broken:
        name = "broken"

        def provenance(self) -> dict[str, Any]:
            return {}

        def __call__(self, sources: list[str]) -> list[str]:
            return sources[:-1]

    with pytest.raises(DataError, match="system broken returned 3 outputs for 4 inputs"):
        run_benchmark(_toy(), Broken(), tmp_path / "broken", batch_size=4)
    with pytest.raises(TypeError, match="config must be JSON-serializable"):
        run_benchmark(_toy(), Identity(), tmp_path / "cfg", {"f": object()})
