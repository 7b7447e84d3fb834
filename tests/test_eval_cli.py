"""The eval commands through the CLI, with a tiny random Marian model for `eval run`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tarjama.cli import app
from tarjama.errors import ExitCode
from typer.testing import CliRunner

runner = CliRunner()
SACREBLEU = Path(sys.executable).with_name("sacrebleu")


def test_score_prints_exactly_what_sacrebleu_prints(shared_data: Path, tmp_path: Path) -> None:
    ref_lines = (shared_data / "flores200" / "eng_Latn.devtest").read_text(encoding="utf-8").splitlines()[:60]
    # A hypothesis that shares some but not all words with the reference.
    hyp_lines = [" ".join(w for i, w in enumerate(line.split()) if i % 4) for line in ref_lines]
    ref, hyp = tmp_path / "ref.en", tmp_path / "hyp.en"
    ref.write_text("\n".join(ref_lines) + "\n", encoding="utf-8")
    hyp.write_text("\n".join(hyp_lines) + "\n", encoding="utf-8")
    ours = runner.invoke(app, ["eval", "score", "--hyp", str(hyp), "--ref", str(ref),
                               "--metrics", "bleu,chrf,ter", "--bootstrap", "0"])
    assert ours.exit_code == 0, ours.stderr
    theirs = subprocess.run(
        [str(SACREBLEU), str(ref), "-i", str(hyp), "-m", "bleu", "chrf", "ter", "-w", "4", "-f", "text"],
        capture_output=True, text=True, check=True,
    )
    # Same signatures and figures to the last digit (sacrebleu right-aligns metric names).
    assert [ln.strip() for ln in ours.stdout.splitlines()] == [ln.strip() for ln in theirs.stdout.splitlines()]


def test_score_line_count_mismatch(tmp_path: Path) -> None:
    hyp, ref = tmp_path / "h", tmp_path / "r"
    hyp.write_text("a\nb\n", encoding="utf-8")
    ref.write_text("a\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "score", "--hyp", str(hyp), "--ref", str(ref)])
    assert result.exit_code == ExitCode.DATA
    assert "2" in result.stderr and "1" in result.stderr and "Traceback" not in result.stderr


def test_unknown_metric_and_dataset(tmp_path: Path, tiny_marian: Path) -> None:
    f = tmp_path / "f"
    f.write_text("a\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "score", "--hyp", str(f), "--ref", str(f), "--metrics", "bleu,meteor"])
    assert result.exit_code == ExitCode.DATA and "meteor" in result.stderr
    result = runner.invoke(app, ["eval", "run", "--dataset", "wmt-nope", "--model", str(tiny_marian),
                                 "-o", str(tmp_path / "r")])
    assert result.exit_code == ExitCode.DATA and "wmt-nope" in result.stderr


def test_run_sentence_level_then_reuse_then_refuse_other_config(
    shared_data: Path, tiny_marian: Path, tmp_path: Path
) -> None:
    out = tmp_path / "runs" / "tiny"
    args = ["eval", "run", "--dataset", "flores200-devtest", "--data-dir", str(shared_data),
            "--limit", "8", "--model", str(tiny_marian), "-o", str(out), "--bootstrap", "50"]
    first = runner.invoke(app, [*args, "--beams", "1"])
    assert first.exit_code == 0, first.stderr
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["system"]["model"]["path"] == str(tiny_marian)
    assert len((out / "hyp.txt").read_text(encoding="utf-8").splitlines()) == 8
    scores = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    assert "BLEU" in json.dumps(scores)
    again = runner.invoke(app, ["-v", *args, "--beams", "1"])
    assert again.exit_code == 0 and "0 generated, 8 reused" in again.stderr
    other = runner.invoke(app, [*args, "--beams", "2"])
    assert other.exit_code == ExitCode.DATA and "Traceback" not in other.stderr
    report = tmp_path / "report.html"
    made = runner.invoke(app, ["eval", "report", str(tmp_path / "runs"), "-o", str(report), "--no-plots"])
    assert made.exit_code == 0, made.stderr
    html = report.read_text(encoding="utf-8")
    assert 'charset="utf-8"' in html.lower() or "charset=utf-8" in html.lower()


def test_run_document_level_on_ntrex(shared_data: Path, tiny_marian: Path, tmp_path: Path) -> None:
    out = tmp_path / "doc"
    result = runner.invoke(app, ["eval", "run", "--dataset", "ntrex128", "--data-dir", str(shared_data),
                                 "--level", "document", "--limit", "1", "--model", str(tiny_marian),
                                 "--beams", "1", "-o", str(out), "--bootstrap", "0"])
    assert result.exit_code == 0, result.stderr
    outputs = [json.loads(line) for line in (out / "outputs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(outputs) == 1


def test_run_summarize_extractive_on_ntrex_headlines(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "extractive"
    args = ["eval", "run", "--task", "summarize", "--dataset", "ntrex128-headlines",
            "--data-dir", str(shared_data), "--limit", "5", "--sentences", "1", "-o", str(out),
            "--bootstrap", "20"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    hyps = (out / "hyp.txt").read_text(encoding="utf-8").splitlines()
    refs = (out / "ref.txt").read_text(encoding="utf-8").splitlines()
    assert len(hyps) == len(refs) == 5
    sources = [json.loads(line) for line in (out / "data.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    # One sentence, verbatim from its own document (NTREX lines are sentences).
    for hyp, src in zip(hyps, sources):
        assert hyp in src["src"].split("\n")
    scores = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    assert "ROUGE-1" in json.dumps(scores)
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["system"]["method"] == "extractive" and prov["system"]["length"] == {"sentences": 1}
    again = runner.invoke(app, ["-v", *args])
    assert again.exit_code == 0 and "0 generated, 5 reused" in again.stderr
    other = runner.invoke(app, [*args[:-4], "--sentences", "2", "-o", str(out)])
    assert other.exit_code == ExitCode.DATA and "different configuration" in other.stderr


def test_run_summarize_across_languages_with_tiny_models(shared_data: Path, tiny_marian: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "xling"
    result = runner.invoke(app, [
        "eval", "run", "--task", "summarize", "--dataset", "ntrex128-headlines-ar-en",
        "--data-dir", str(shared_data), "--limit", "2", "--method", "extractive",
        "--mt-model", str(tiny_marian), "--beams", "1", "-o", str(out), "--bootstrap", "0"])
    assert result.exit_code == 0, result.stderr
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["system"]["strategy"] == "extractive-then-translate"
    assert prov["system"]["models"]["translator"]["path"] == str(tiny_marian)
    refs = (out / "ref.txt").read_text(encoding="utf-8").splitlines()
    assert all(r.isascii() for r in refs)  # English headlines as references


def test_run_rejects_summary_options_for_translation(tiny_marian: Path, tmp_path: Path) -> None:
    src = tmp_path / "s"
    src.write_text("مرحبا\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "run", "--src", str(src), "--ref", str(src), "--model",
                                 str(tiny_marian), "--sentences", "2", "-o", str(tmp_path / "o")])
    assert result.exit_code == ExitCode.USAGE and "--task summarize" in result.stderr


def test_datasets_lists_the_registry() -> None:
    result = runner.invoke(app, ["eval", "datasets", "-f", "json"])
    assert result.exit_code == 0
    names = {row["name"] for row in json.loads(result.stdout)}
    assert {"flores200-devtest", "ntrex128", "ntrex128-headlines", "ntrex128-headlines-ar-en"} <= names
