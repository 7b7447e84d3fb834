"""`tarjama summarize` end to end: extractive on real text, abstractive and cross-lingual paths
with tiny random mT5 and Marian models loaded from disk, and bad input."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from cli_helpers import one_line_error
from tarjama.cli import app
from tarjama.errors import ExitCode
from tarjama.models.registry import REGISTRY
from tiny import CORPUS_AR
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "article.ar.txt"
runner = CliRunner()


def tarjama(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input)


def ok_json(*args: str, input: str | bytes | None = None) -> dict:
    result = tarjama(*args, "--format", "json", input=input)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def tiny_mt5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny import build_mt5

    return build_mt5(tmp_path_factory.mktemp("tiny-mt5"), n_positions=64)


@pytest.fixture(scope="module")
def long_article(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A headline and four paragraphs of 21 sentences: several times the tiny model's window."""
    body = [" ".join(CORPUS_AR[(p + k) % len(CORPUS_AR)] for k in range(5 + (p == 0)))
            for p in range(4)]
    path = tmp_path_factory.mktemp("articles") / "long.ar.txt"
    path.write_text("افتتاح محطة جديدة لتحلية المياه\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
    return path


def sample_sentences() -> list[str]:
    from tarjama.nlp.document import paragraph_sentences

    return [s.text for line in SAMPLE.read_text(encoding="utf-8").splitlines()[1:]
            for s in paragraph_sentences(line)]


# --- extractive: no model at all --------------------------------------------------------------


def test_extractive_same_language_needs_no_model(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    result = tarjama("summarize", str(SAMPLE), "--to", "ar")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    source = sample_sentences()
    assert len(lines) == 3
    # Verbatim sentences of the article, in its order; never the headline.
    positions = [source.index(line) for line in lines]
    assert positions == sorted(positions)
    assert "افتتاح أكبر محطة" not in result.stdout


def test_extractive_json_and_stdin(tmp_path: Path) -> None:
    doc = ok_json("summarize", str(SAMPLE), "--to", "ar", "--method", "extractive",
                  "--sentences", "2")
    assert (doc["method"], doc["strategy"]) == ("extractive", None)
    assert doc["models"] == {"summarizer": None, "translator": None}
    assert doc["length"] == {"sentences": 2} and len(doc["sentences"]) == 2
    indices = doc["extractive"]["indices"]
    assert [s["source_index"] for s in doc["sentences"]] == indices == sorted(indices)
    assert doc["title"].startswith("افتتاح") and doc["chunk_plan"] is None
    assert set(doc["flags"]) >= {"short_input", "repeated", "wrong_script", "hit_max_length"}
    from_stdin = ok_json("summarize", "-", "--to", "ar", "--method", "extractive",
                         "--sentences", "2", input=SAMPLE.read_bytes())
    assert from_stdin["sentences"] == doc["sentences"] and from_stdin["source"] == "<stdin>"


def test_lead_ratio_and_words(tmp_path: Path) -> None:
    lead = tarjama("summarize", str(SAMPLE), "--to", "ar", "--method", "lead", "-n", "2")
    assert lead.exit_code == 0, lead.stderr
    source = [s for s in sample_sentences() if len(s.split()) >= 4]
    assert lead.stdout.splitlines() == source[:2]
    by_words = ok_json("summarize", str(SAMPLE), "--to", "ar", "--words", "25")
    assert by_words["length"] == {"words": 25} and by_words["stats"]["summary_words"] <= 25
    by_ratio = ok_json("summarize", str(SAMPLE), "--to", "ar", "--ratio", "0.5")
    assert len(by_ratio["sentences"]) == by_ratio["extractive"]["candidates"] // 2 + (
        by_ratio["extractive"]["candidates"] % 2)


def test_english_article(tmp_path: Path) -> None:
    article = tmp_path / "a.en.txt"
    article.write_text(
        "Desalination plant opens\n"
        "The government opened a new desalination plant on Monday.\n"
        "The energy minister said the project will serve about two million people.\n"
        "The project manager explained that production costs fell sharply.\n"
        "The project is part of a national plan to cut emissions.\n"
        "Experts say the solution also requires saving water and repairing networks.\n",
        encoding="utf-8")
    doc = ok_json("summarize", str(article), "--from", "en", "-n", "2")
    assert doc["source_lang"] == doc["target_lang"] == "en" and doc["method"] == "extractive"
    assert doc["title"] == "Desalination plant opens" and not doc["warnings"]
    assert len(doc["sentences"]) == 2 and not doc["flags"]["wrong_script"]


def test_short_input_is_returned_as_is(tmp_path: Path) -> None:
    article = tmp_path / "short.txt"
    article.write_text("قال الوزير إن المحطة ستفتح غدا. وأضاف أنها تخدم المدينة.\n", encoding="utf-8")
    doc = ok_json("summarize", str(article), "--to", "ar", "--method", "extractive")
    assert doc["flags"]["short_input"]
    assert [s["text"] for s in doc["sentences"]] == ["قال الوزير إن المحطة ستفتح غدا.",
                                                    "وأضاف أنها تخدم المدينة."]


def test_short_input_translated_without_loading_a_summarizer(tiny_marian: Path, tmp_path: Path) -> None:
    article = tmp_path / "short.txt"
    article.write_text("قال الوزير إن المحطة ستفتح غدا. وأضاف أنها تخدم المدينة.\n", encoding="utf-8")
    doc = ok_json("summarize", str(article), "--mt-model", str(tiny_marian), "--beams", "1")
    assert doc["flags"]["short_input"] and doc["strategy"] == "translate-then-summarize"
    assert doc["models"]["summarizer"] is None
    assert doc["models"]["translator"]["path"] == str(tiny_marian)
    assert [s["source"] for s in doc["sentences"]] == ["قال الوزير إن المحطة ستفتح غدا.",
                                                      "وأضاف أنها تخدم المدينة."]


# --- abstractive and cross-lingual: tiny random models ----------------------------------------


def test_abstractive_map_reduce_over_a_long_article(tiny_mt5: Path, long_article: Path) -> None:
    doc = ok_json("summarize", str(long_article), "--to", "ar", "--model", str(tiny_mt5),
                  "--beams", "1")
    assert (doc["method"], doc["strategy"]) == ("abstractive", None)
    assert doc["models"]["summarizer"]["path"] == str(tiny_mt5)
    decoding = doc["decoding"]["summarizer"]
    assert decoding["num_beams"] == 1 and decoding["max_input_tokens"] == 64
    assert decoding["no_repeat_ngram_size"] == 2  # no spec, no model setting: XL-Sum's defaults
    plan = doc["chunk_plan"]
    assert plan["window"] == 64 and plan["input_tokens"] > 4 * 64
    assert len(plan["levels"]) >= 2  # partial summaries were summarized again
    level0 = plan["levels"][0]["chunks"]
    n_sentences = doc["stats"]["source_sentences"]
    assert level0[0]["inputs"][0] == 0 and level0[-1]["inputs"][1] == n_sentences
    for a, b in zip(level0, level0[1:]):
        assert b["inputs"][0] in (a["inputs"][1], a["inputs"][1] - 1)  # contiguous, in order
    assert all(c["input_tokens"] <= 64 for lv in plan["levels"] for c in lv["chunks"])
    assert plan["final"]["input_tokens"] <= 64
    assert plan["calls"] == 1 + sum(len(lv["chunks"]) for lv in plan["levels"])


def test_abstractive_window_option_narrows_the_chunks(tiny_mt5: Path) -> None:
    doc = ok_json("summarize", str(SAMPLE), "--to", "ar", "--model", str(tiny_mt5),
                  "--beams", "1", "--max-input-tokens", "48", "--max-summary-tokens", "8")
    plan = doc["chunk_plan"]
    assert plan["window"] == 48 and plan["levels"]
    assert all(c["input_tokens"] <= 48 for lv in plan["levels"] for c in lv["chunks"])
    assert all(c["output_tokens"] <= 8 for lv in plan["levels"] for c in lv["chunks"])
    assert doc["decoding"]["summarizer"]["max_new_tokens"] == 8


def test_summarize_then_translate(tiny_mt5: Path, tiny_marian: Path) -> None:
    doc = ok_json("summarize", str(SAMPLE), "--strategy", "summarize-then-translate",
                  "--model", str(tiny_mt5), "--mt-model", str(tiny_marian), "--beams", "1")
    assert (doc["method"], doc["strategy"]) == ("abstractive", "summarize-then-translate")
    assert doc["models"]["summarizer"]["path"] == str(tiny_mt5)
    assert doc["models"]["translator"]["path"] == str(tiny_marian)
    assert doc["decoding"]["translator"]["num_beams"] == 1
    assert doc["chunk_plan"]["calls"] >= 1
    assert all("source" in s for s in doc["sentences"])  # each translated summary sentence


def test_translate_then_summarize_is_the_default(tiny_mt5: Path, tiny_marian: Path) -> None:
    doc = ok_json("summarize", str(SAMPLE), "--model", str(tiny_mt5), "--mt-model",
                  str(tiny_marian), "--beams", "1")
    assert (doc["method"], doc["strategy"]) == ("abstractive", "translate-then-summarize")
    assert doc["models"]["summarizer"] and doc["models"]["translator"]
    assert doc["chunk_plan"]["input_tokens"] > 0


def test_extractive_then_translate(tiny_marian: Path) -> None:
    text = tarjama("summarize", str(SAMPLE), "--method", "extractive", "--mt-model",
                   str(tiny_marian), "--beams", "1", "-n", "2")
    assert text.exit_code == 0, text.stderr
    assert len(text.stdout.splitlines()) == 2
    doc = ok_json("summarize", str(SAMPLE), "--strategy", "extractive-then-translate",
                  "--mt-model", str(tiny_marian), "--beams", "1", "-n", "2")
    assert (doc["method"], doc["strategy"]) == ("extractive", "extractive-then-translate")
    assert doc["models"]["summarizer"] is None
    source = sample_sentences()
    assert [s["source"] for s in doc["sentences"]] == [source[i] for i in doc["extractive"]["indices"]]


def test_help_states_the_default_strategy() -> None:
    result = tarjama("summarize", "--help")
    assert result.exit_code == 0
    flat = " ".join(result.stdout.replace("│", " ").split())
    assert "translate-then-summarize for ar->en" in flat and "least to download" in flat


def test_default_models_missing_offline_fail_fast(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    started = time.perf_counter()
    result = tarjama("summarize", str(SAMPLE))
    assert time.perf_counter() - started < 20
    assert result.exit_code == ExitCode.MODEL_NOT_DOWNLOADED
    assert "tarjama models download bart-large-cnn" in one_line_error(result)
    result = tarjama("summarize", str(SAMPLE), "--to", "ar", "--method", "abstractive")
    assert result.exit_code == ExitCode.MODEL_NOT_DOWNLOADED
    assert "mt5-xlsum" in one_line_error(result)


# --- registry ---------------------------------------------------------------------------------


def test_registry_summarizers_and_licence_in_models_info(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    xlsum = REGISTRY["mt5-xlsum"]
    assert xlsum.hub_id == "csebuetnlp/mT5_multilingual_XLSum" and xlsum.task == "summarization"
    assert dict(xlsum.generation) == {"num_beams": 4, "no_repeat_ngram_size": 2,
                                      "length_penalty": 0.6, "max_new_tokens": 84}
    assert REGISTRY["bart-large-cnn"].license == "mit"
    info = json.loads(tarjama("models", "info", "mt5-xlsum").stdout)
    assert info["license"] == "cc-by-nc-sa-4.0" and "non-commercial" in info["description"]
    assert info["generation"]["length_penalty"] == 0.6 and info["max_input_tokens"] == 512


# --- bad input and bad usage ------------------------------------------------------------------


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"), (b" \n\t\n", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
    ("سطر أول\n".encode("utf-8") + b"caf\xe9\n", "invalid UTF-8 at byte"),
])
def test_bad_input_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    for args, stdin in (([str(path)], None), (["-"], content)):
        result = tarjama("summarize", *args, "--to", "ar", input=stdin)
        assert result.exit_code == ExitCode.INPUT
        assert message in one_line_error(result)
        assert result.stdout == ""


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = tarjama("summarize", "no/such/article.txt", "--to", "ar")
    assert missing.exit_code == ExitCode.INPUT and "no such file" in one_line_error(missing)
    directory = tarjama("summarize", str(tmp_path), "--to", "ar")
    assert directory.exit_code == ExitCode.INPUT and "is a directory" in one_line_error(directory)


def test_wrong_language_warns(tmp_path: Path) -> None:
    result = tarjama("summarize", str(SAMPLE), "--from", "en", "--to", "en")
    assert result.exit_code == 0
    assert "is --from en right?" in result.stderr


@pytest.mark.parametrize("args", [
    ["--to", "ar", "--strategy", "translate-then-summarize"],
    ["--to", "ar", "--sentences", "2", "--words", "10"],
    ["--to", "ar", "--method", "abstractive", "--sentences", "2"],
    ["--method", "abstractive", "--strategy", "extractive-then-translate"],
    ["--to", "fr"],
    ["--to", "ar", "--model", "opus-mt-ar-en"],
])
def test_contradictory_options_are_usage_errors(args: list[str]) -> None:
    result = tarjama("summarize", str(SAMPLE), *args)
    assert result.exit_code == ExitCode.USAGE, result.stderr
    one_line_error(result)


def test_large_input_extractive_is_fast(tmp_path: Path) -> None:
    line = " ".join(CORPUS_AR)
    big = tmp_path / "big.txt"
    with big.open("w", encoding="utf-8") as handle:
        for i in range(3000):  # ~2 MB, 21,000 sentences
            handle.write(f"{line} الفقرة رقم {i}.\n")
    started = time.perf_counter()
    result = tarjama("summarize", str(big), "--to", "ar", "-n", "3")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3
    assert time.perf_counter() - started < 60
