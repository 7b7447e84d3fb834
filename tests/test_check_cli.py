"""`tarjama check` on any system's output, where the checks show in `translate` and
`summarize`, and the article's furniture set aside before a summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import one_line_error
from typer.testing import CliRunner

from tarjama.cli import app
from tarjama.errors import ExitCode

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "article.ar.txt"


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_check_flags_lines_of_any_system(tmp_path: Path) -> None:
    src = write(tmp_path / "src.ar", ["قتل ٢٥ شخصا في غزة.", "قال الوزير إن المحطة جاهزة.",
                                      "وصل الرئيس إلى المدينة."])
    hyp = write(tmp_path / "hyp.en", ["52 people were killed in Gaza.",
                                      "The minister said the station is ready.",
                                      "The president الرئيس arrived."])
    result = runner.invoke(app, ["check", "--src", str(src), "--hyp", str(hyp)])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("line 1: number (error)") and lines[1].startswith("line 3: untranslated")
    assert "2 of 3 lines flagged: number 1, untranslated 1" in result.stderr
    as_json = runner.invoke(app, ["check", "--src", str(src), "--hyp", str(hyp), "-f", "json"])
    report = json.loads(as_json.stdout)
    assert report["counts"] == {"number": 1, "untranslated": 1} and report["lines"] == 3
    assert [ln["line"] for ln in report["flagged_lines"]] == [1, 3]


def test_check_refuses_what_eval_score_refuses(tmp_path: Path) -> None:
    src = write(tmp_path / "src.ar", ["سطر", "سطر آخر"])
    hyp = write(tmp_path / "hyp.en", ["one line"])
    result = runner.invoke(app, ["check", "--src", str(src), "--hyp", str(hyp)])
    assert result.exit_code == ExitCode.DATA and "line-count mismatch" in one_line_error(result)
    (tmp_path / "bin").write_bytes(b"\x00\x01")
    result = runner.invoke(app, ["check", "--src", str(tmp_path / "bin"), "--hyp", str(hyp)])
    assert result.exit_code == ExitCode.INPUT and "binary" in one_line_error(result)
    result = runner.invoke(app, ["check", "--src", str(src), "--hyp", str(src), "--from", "ar", "--to", "fr"])
    assert result.exit_code == ExitCode.USAGE


def test_check_uses_a_glossary_and_document_ids(tmp_path: Path) -> None:
    glossary = write(tmp_path / "g.tsv", ["القذافي\tGaddafi"])
    src = write(tmp_path / "src.ar", ["قال القذافي.", "وأضاف القذافي.", "قال القذافي."])
    hyp = write(tmp_path / "hyp.en", ["Gaddafi said.", "Qaddafi added.", "Qaddafi said."])
    ids = write(tmp_path / "ids", ["a", "a", "b"])
    result = runner.invoke(app, ["check", "--src", str(src), "--hyp", str(hyp), "--glossary",
                                 str(glossary), "--doc-ids", str(ids), "-f", "json"])
    report = json.loads(result.stdout)
    by_line = {ln["line"]: {c["code"] for c in ln["checks"]} for ln in report["flagged_lines"]}
    # Line 2 respells the name of line 1 (same article); line 3 is another article.
    assert by_line == {2: {"glossary", "name-consistency"}, 3: {"glossary"}}


def test_translate_marks_flagged_sentences_and_counts_them(tiny_marian: Path) -> None:
    result = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(tiny_marian), "--mark"])
    assert result.exit_code == 0, result.stderr
    body, _, notes = result.stdout.partition("\n\n[1] ")
    assert "[1]" in body and notes.startswith("line ")
    assert "sentences flagged" in result.stderr
    plain = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(tiny_marian)])
    assert "[1]" not in plain.stdout  # the default output stays clean


def test_translate_json_has_checks_and_confidence_on_every_sentence(tiny_marian: Path) -> None:
    result = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(tiny_marian), "-f", "json"])
    doc = json.loads(result.stdout)
    sentences = [s for p in doc["paragraphs"] for s in p["sentences"] if not s["flags"]["passthrough"]]
    assert sentences and all(isinstance(s["confidence"], float) for s in sentences)
    # Random weights: the decoder is never sure, and every such sentence says so.
    assert all(any(c["code"] == "confidence" for c in s["checks"]) for s in sentences)
    assert doc["stats"]["checks"]["confidence"] == len(sentences)
    assert doc["checks"] == []  # the article is Arabic, as --from says


def test_translate_warns_when_the_input_is_persian(tiny_marian: Path, tmp_path: Path) -> None:
    article = write(tmp_path / "fa.txt", ["این یک متن فارسی است که باید به درستی تشخیص داده شود و ترجمه نشود."])
    result = runner.invoke(app, ["translate", str(article), "--model", str(tiny_marian), "-f", "json"])
    assert result.exit_code == 0
    (flag,) = json.loads(result.stdout)["checks"]
    assert flag["code"] == "language" and "Persian" in flag["detail"]
    assert "reads as Persian" in result.stderr


PAGE = ["رئيس التحرير", "محمد عبد الله",
        "افتتاح محطة جديدة لتحلية المياه في الساحل",
        "افتتاح محطة جديدة لتحلية المياه في الساحل | فيديو",
        "افتتحت الحكومة يوم الاثنين محطة جديدة لتحلية مياه البحر في الساحل تعمل بالطاقة الشمسية.",
        "وقال وزير الطاقة إن المحطة الجديدة في الساحل ستخدم نحو مليوني نسمة في المدن الساحلية.",
        "وأوضح مدير المشروع أن تكلفة إنتاج المياه في المحطة انخفضت بنسبة كبيرة هذا العام.",
        "ويقول خبراء إن الحل يتطلب أيضا ترشيد الاستهلاك وإصلاح الشبكات القديمة في المدن.",
        "جميع الحقوق محفوظة لصحيفة الأخبار"]


def test_summarize_sets_page_furniture_aside_and_lists_it(tmp_path: Path) -> None:
    page = write(tmp_path / "page.txt", PAGE)
    result = runner.invoke(app, ["summarize", str(page), "--to", "ar", "--method", "lead",
                                 "--sentences", "1", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["title"] == PAGE[2]
    assert doc["sentences"][0]["text"] == PAGE[4]  # not the repeated headline, not the masthead
    assert [(b["line"], b["reason"]) for b in doc["boilerplate"]] == [
        (1, "masthead above the headline"), (2, "masthead above the headline"),
        (4, "headline repeated"), (9, "footer")]
    kept = runner.invoke(app, ["summarize", str(page), "--to", "ar", "--method", "lead",
                               "--sentences", "1", "-f", "json", "--keep-boilerplate"])
    doc = json.loads(kept.stdout)
    assert doc["boilerplate"] == [] and doc["title"] == PAGE[0]


@pytest.mark.parametrize("args", [["--method", "extractive", "--to", "ar"]])
def test_summary_json_counts_checks(tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["summarize", str(SAMPLE), "-f", "json", *args])
    doc = json.loads(result.stdout)
    assert doc["check_counts"] == {} and all(s["checks"] == [] for s in doc["sentences"])


def test_digest_records_carry_checks_and_the_page_marks_them(tiny_marian: Path, tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    text = "\n".join(PAGE[4:8])
    items.write_text(json.dumps({"id": "a1", "title": "افتتاح محطة جديدة <b>لتحلية</b> المياه",
                                 "text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "digest.jsonl"
    page = tmp_path / "digest.html"
    result = runner.invoke(app, ["digest", str(items), "-o", str(out), "--model", str(tiny_marian),
                                 "--render", str(page), "--sentences", "2"])
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(record["summary_en_sentences"]) == 2
    parts = {c["part"] for c in record["checks"]}
    assert parts == {"title", "summary"} and all("code" in c and "detail" in c for c in record["checks"])
    html = page.read_text(encoding="utf-8")
    assert html.count('<mark class="flagged"') == 2 and "confidence:" in html
    assert "<b>" not in html  # everything from the feed is escaped


def test_eval_reports_check_rates_and_confidence_calibration(tiny_marian: Path, tmp_path: Path) -> None:
    from tiny import CORPUS_AR, CORPUS_EN

    src = write(tmp_path / "src.ar", CORPUS_AR)
    ref = write(tmp_path / "ref.en", CORPUS_EN)
    run = runner.invoke(app, ["eval", "run", "--src", str(src), "--ref", str(ref), "--model",
                              str(tiny_marian), "--bootstrap", "0", "-o", str(tmp_path / "run")])
    assert run.exit_code == 0, run.stderr
    assert "checks (share of segments flagged): " in run.stdout and "confidence 100.0 %" in run.stdout
    provenance = json.loads((tmp_path / "run" / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["checks"]["segments"] == len(CORPUS_AR)
    outputs = [json.loads(line) for line in (tmp_path / "run" / "outputs.jsonl").read_text().splitlines()]
    assert all(isinstance(o["details"]["confidence"], float) for o in outputs)
    report = runner.invoke(app, ["eval", "report", str(tmp_path / "run"), "-o", str(tmp_path / "r.md")])
    assert report.exit_code == 0, report.stderr
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "## Confidence against chrF: run" in text and "confidence 100.0 %" in text
    score = runner.invoke(app, ["eval", "score", "--hyp", str(ref), "--ref", str(ref), "--src",
                                str(src), "--metrics", "bleu", "--bootstrap", "0"])
    assert "checks (share of lines flagged): " in score.stdout


def test_translate_can_set_page_furniture_aside(tiny_marian: Path, tmp_path: Path) -> None:
    page = write(tmp_path / "page.txt", PAGE)
    result = runner.invoke(app, ["translate", str(page), "--model", str(tiny_marian),
                                 "--drop-boilerplate", "-f", "json", "--no-checks"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["paragraphs"][0]["source"] == PAGE[2] and doc["paragraphs"][0]["kind"] == "title"
    assert [b["line"] for b in doc["boilerplate"]] == [1, 2, 4, 9]
    kept = json.loads(runner.invoke(app, ["translate", str(page), "--model", str(tiny_marian),
                                          "-f", "json", "--no-checks"]).stdout)
    assert kept["boilerplate"] == [] and len(kept["paragraphs"]) == len(PAGE)
