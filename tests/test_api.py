"""The public API driven directly: the same results as the commands, typed, and exceptions
instead of exits; the README's snippet runs as written (with a tiny model)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tarjama
from tarjama.cli import app
from tarjama.errors import ExitCode, ModelNotFoundError, TarjamaError, UsageError

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "article.ar.txt"
runner = CliRunner()


def test_translate_article_is_what_the_command_writes(tiny_marian: Path, tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    tr = tarjama.Translator(str(tiny_marian))
    article = tr.translate_article(text, name=str(SAMPLE))
    assert isinstance(article, tarjama.TranslatedArticle)
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(tiny_marian), "-f", "json",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert article.to_json() == json.loads(out.read_text(encoding="utf-8"))
    text_result = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(tiny_marian)])
    assert article.text == text_result.stdout
    assert len(article.sentences) == article.stats.sentences
    assert article.warnings == []
    # The model stays loaded: a second article costs no second load.
    again = tr.translate_article("ذهب الرئيس إلى المدينة.")
    assert again.provenance == article.provenance and len(again.paragraphs) == 1


def test_translate_sentences_keeps_each_text_whole(tiny_marian: Path) -> None:
    tr = tarjama.Translator(str(tiny_marian))
    sentences = tr.translate_sentences(["ذهب الرئيس إلى المدينة. وتحدث مع الصحفيين.", "2026", ""])
    assert [s.passthrough for s in sentences] == [False, True, True]
    assert sentences[1].translation == "2026"


def test_summarize_is_what_the_command_writes(tmp_path: Path) -> None:
    summary = tarjama.summarize(SAMPLE.read_text(encoding="utf-8"), method="extractive",
                                sentences=2, target_lang="ar", name=str(SAMPLE))
    assert isinstance(summary, tarjama.Summary) and len(summary.sentences) == 2
    result = runner.invoke(app, ["summarize", str(SAMPLE), "--to", "ar", "--method", "extractive",
                                 "--sentences", "2", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert summary.to_json() == json.loads(result.stdout)
    assert all(s in SAMPLE.read_text(encoding="utf-8") for s in summary.sentences)


def test_summarizer_reuses_its_models(tiny_marian: Path) -> None:
    summarizer = tarjama.Summarizer(method="extractive", sentences=1, mt_model=str(tiny_marian))
    text = SAMPLE.read_text(encoding="utf-8")
    first, second = summarizer.summarize(text), summarizer.summarize(text)
    assert first.result.plan.strategy == "extractive-then-translate"
    assert first.text == second.text and first.provenance["models"]["translator"] is not None


def test_score_matches_the_command(tmp_path: Path) -> None:
    hyps = ["The plant opened on Monday.", "Experts say more is needed."]
    refs = ["The plant was opened on Monday.", "Experts say that more is needed."]
    report = tarjama.score(hyps, refs, metrics=["bleu", "chrf"], bootstrap=100)
    (tmp_path / "h").write_text("\n".join(hyps) + "\n", encoding="utf-8")
    (tmp_path / "r").write_text("\n".join(refs) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "score", "--hyp", str(tmp_path / "h"), "--ref",
                                 str(tmp_path / "r"), "--metrics", "bleu,chrf", "--bootstrap", "100"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [s.format(4) for s in report.scores]
    two_refs = tarjama.score(hyps, [refs, hyps], metrics="bleu", bootstrap=0)
    assert two_refs.get("bleu").score > report.get("bleu").score


def test_errors_are_exceptions_with_exit_codes(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError) as caught:
        tarjama.Translator(str(tmp_path / "no-such-model"))
    assert caught.value.exit_code == ExitCode.MODEL_NOT_FOUND
    with pytest.raises(UsageError):
        tarjama.summarize("نص", method="nonsense")
    with pytest.raises(TarjamaError):
        tarjama.Translator("opus-mt-ar-en", source_lang="ar", target_lang="fr")


def test_import_tarjama_loads_no_model_code() -> None:
    code = ("import sys, tarjama; tarjama.__version__; "
            "print(sorted(m for m in ('torch', 'transformers', 'tarjama.api') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_readme_python_snippet_runs(tiny_marian: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python API"):]
    snippet = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "opus-mt-ar-en" in snippet
    code = snippet.replace('"opus-mt-ar-en"', repr(str(tiny_marian)))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "BLEU|" in done.stdout and "chrF2|" in done.stdout
