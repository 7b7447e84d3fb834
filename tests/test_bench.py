"""Smoke tests of the speed benchmark and the fast paths on a tiny model (no timings asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tarjama.cli import app
from typer.testing import CliRunner

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "article.ar.txt"


def test_bench_runs_and_forces_equal_work(tiny_marian: Path, tmp_path: Path) -> None:
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"text": SAMPLE.read_text(encoding="utf-8")}) + "\n", encoding="utf-8")
    result = runner.invoke(app, [
        "bench", "--model", str(tiny_marian), "--articles", str(articles), "--length-ratio", "0.5",
        "--systems", "baseline,fp32", "--scaling", "1,2", "--beams", "2", "--json",
    ])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    base, ours = report["systems"]
    assert (base["system"], ours["system"]) == ("baseline", "fp32")
    # Same sentences, same forced decoder steps: the ratio compares equal work.
    assert base["tokens"] == ours["tokens"] > 0
    assert base["sentences"] == ours["sentences"] > 0
    assert base["speedup"] == 1.0 and ours["speedup"] > 0
    for row in report["systems"]:
        assert row["peak_rss_mb"] > 0 and row["load_s"] > 0 and row["first_output_s"] > 0
    assert [r["paragraphs"] for r in report["scaling"]["rows"]] == [1, 2]
    assert "capped_paragraphs" not in base


def test_ntrex_workload_builds_articles(shared_data: Path) -> None:
    from tarjama.eval.bench import ntrex_workload

    workload = ntrex_workload(shared_data, 2)
    assert len(workload.articles) == 2
    headline, *paragraphs = workload.articles[0]
    assert headline and all(p.count(".") >= 1 for p in paragraphs[:-1])


def test_bench_needs_a_model_or_synthetic() -> None:
    result = runner.invoke(app, ["bench"])
    assert result.exit_code == 2 and "--synthetic" in result.stderr


# transformer-base and transformer-big: the two shapes of the registry's translation models
# (the en-ar entries share them); built at the published size, so ~15 s together.
@pytest.mark.parametrize("name", ["opus-mt-ar-en", "opus-mt-tc-big-ar-en"])
def test_synthetic_model_has_the_registry_architecture(tmp_path: Path, name: str) -> None:
    from tarjama.models.registry import REGISTRY
    from tarjama.models.synthetic import build_synthetic_marian
    from tiny import CORPUS_AR, CORPUS_EN
    from transformers import AutoConfig, AutoTokenizer

    spec = REGISTRY[name]
    path = build_synthetic_marian(spec, (CORPUS_AR + CORPUS_EN) * 30, tmp_path / "syn")
    config = AutoConfig.from_pretrained(path)
    for key, value in spec.architecture.items():
        assert getattr(config, key) == value, key
    assert config.activation_function == spec.published.architecture["activation_function"]
    tokenizer = AutoTokenizer.from_pretrained(path)
    ids = spec.published.special_tokens
    assert len(tokenizer) == spec.published.vocab_size
    assert (tokenizer.eos_token_id, tokenizer.pad_token_id) == (ids["eos_token_id"], ids["pad_token_id"])
    assert str(config.dtype).removeprefix("torch.") == spec.published.stored_dtype


def test_every_translation_model_can_be_benchmarked_synthetically() -> None:
    from tarjama.models.registry import REGISTRY

    # bench --synthetic builds from these; a translation entry without them could not run.
    for spec in REGISTRY.values():
        if spec.task == "translation":
            assert spec.architecture and spec.published is not None, spec.name


@pytest.mark.parametrize("flags", [["--quantize", "int8"], ["--backend", "ctranslate2"]])
def test_fast_paths_translate_the_same_document(tiny_marian: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch, flags: list[str]) -> None:
    pytest.importorskip("ctranslate2") if "ctranslate2" in flags else None
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    result = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(tiny_marian), "-f", "json", *flags])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    plain = json.loads(runner.invoke(app, ["translate", str(SAMPLE), "--model", str(tiny_marian), "-f", "json"]).stdout)
    # Same document pipeline: same paragraphs, sentences and passthroughs.
    assert [[s["source"] for s in p["sentences"]] for p in doc["paragraphs"]] == \
        [[s["source"] for s in p["sentences"]] for p in plain["paragraphs"]]
    if "ctranslate2" in flags:
        assert doc["decoding"]["backend"] == "ctranslate2"
        assert any((tmp_path / "tarjama" / "ctranslate2").iterdir())  # the cached conversion
    else:
        assert doc["model"]["quantize"] == "int8"


def test_quality_against_references_reports_deltas_and_significance() -> None:
    from tarjama.eval.bench import reference_scores

    refs = ["the plant opened on monday", "the minister spoke to reporters", "costs fell sharply"] * 8
    outputs = {
        "fp32": ["the plant opened monday", "the minister spoke to the reporters", "costs fell"] * 8,
        "int8": ["a plant opened on monday", "minister spoke", "costs fell sharply"] * 8,
    }
    report = reference_scores(outputs, refs, ["int8"])
    assert set(report["fp32"]) == {"BLEU", "chrF2"}
    delta = report["int8"]["delta_vs_fp32"]
    assert delta["BLEU"] == round(report["int8"]["BLEU"] - report["fp32"]["BLEU"], 2)
    assert report["significance"]["baseline"] == "fp32"


def test_an_english_source_model_gets_english_work(shared_data: Path, tiny_marian: Path) -> None:
    """bench --synthetic opus-mt-en-ar: English articles (NTREX's English side), English
    sentences sent to the model; with Arabic assumed, every English sentence was a passthrough
    and the benchmark translated nothing."""
    from tarjama.eval.bench import _sentence_targets, ntrex_workload, scaling_articles
    from transformers import AutoTokenizer

    ar, en = ntrex_workload(shared_data, 1, "ar"), ntrex_workload(shared_data, 1, "en")
    assert en.articles == ar.references and en.references == ar.articles
    tokenizer = AutoTokenizer.from_pretrained(tiny_marian)
    paragraph = en.articles[0][1]
    assert len(_sentence_targets(tokenizer, paragraph, 1.0, "en")) >= 2
    assert _sentence_targets(tokenizer, paragraph, 1.0, "ar") == []
    ((n, article),) = scaling_articles(en, [2], "en")
    assert n == 2 and all(p in en.articles[0][1:] for p in article)
