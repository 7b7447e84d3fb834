from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from tarjama.cli import app
from tarjama.errors import ExitCode, ModelNotDownloadedError
from tarjama.models.loading import LoadOptions, locate, resolve_model
from tarjama.models.registry import REGISTRY
from typer.testing import CliRunner

runner = CliRunner()


@pytest.fixture()
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


def test_registry_has_the_required_models() -> None:
    for name in ("opus-mt-ar-en", "opus-mt-tc-big-ar-en", "opus-mt-en-ar", "opus-mt-tc-big-en-ar"):
        spec = REGISTRY[name]
        assert spec.hub_id.startswith("Helsinki-NLP/")
        assert spec.license and spec.max_input_tokens == 512
        assert spec.published is not None and spec.published.family == "marian"
    # main holds only pickle weights: the hub's safetensors conversions are pinned.
    assert [REGISTRY[n].revision for n in ("opus-mt-ar-en", "opus-mt-en-ar",
                                           "opus-mt-tc-big-ar-en")] == ["refs/pr/1", "refs/pr/3", "refs/pr/7"]
    arch = REGISTRY["opus-mt-ar-en"].architecture
    assert (arch["d_model"], arch["encoder_layers"], arch["vocab_size"]) == (512, 6, 62834)


def test_models_list_json(empty_cache: Path) -> None:
    result = runner.invoke(app, ["models", "list", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["name"] for r in rows} == set(REGISTRY)
    assert not any(r["cached"] for r in rows)


def test_models_info_registry_and_directory(tiny_marian: Path, empty_cache: Path) -> None:
    info = json.loads(runner.invoke(app, ["models", "info", "opus-mt-ar-en"]).stdout)
    assert info["hub_id"] == "Helsinki-NLP/opus-mt-ar-en" and info["cached"] is False
    info = json.loads(runner.invoke(app, ["models", "info", str(tiny_marian)]).stdout)
    assert "model.safetensors" in info["files"]


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_models_info_shows_the_published_facts(name: str, empty_cache: Path) -> None:
    result = runner.invoke(app, ["models", "info", name])
    assert result.exit_code == 0, result.stderr
    published = json.loads(result.stdout)["published"]
    spec = REGISTRY[name]
    assert published["special_tokens"]["eos_token_id"] == spec.published.special_tokens["eos_token_id"]
    assert published["architecture"]["vocab_size"] == spec.published.vocab_size
    assert published["stored_dtype"] in ("float16", "float32")
    assert published["sources"] and all(s.startswith(("https://", "tarjama issue"))
                                        for s in published["sources"])
    # Whatever could not be confirmed is named, and names a recorded fact.
    known = {*published["architecture"], *published["special_tokens"], "stored_dtype",
             "tokenizer_size"}
    assert set(published["unverified"]) <= known
    if name == "opus-mt-tc-big-ar-en":
        assert published["special_tokens"] == {
            "eos_token_id": 25894, "unk_token_id": 1, "pad_token_id": 61108,
            "decoder_start_token_id": 61108, "forced_eos_token_id": 25894}
        assert (published["architecture"]["activation_function"],
                published["architecture"]["max_position_embeddings"]) == ("relu", 1024)


def test_revision_is_passed_through() -> None:
    ref = resolve_model("opus-mt-ar-en", "v1.0")
    assert (ref.hub_id, ref.revision) == ("Helsinki-NLP/opus-mt-ar-en", "v1.0")


def test_offline_download_fails_fast_with_the_command(empty_cache: Path) -> None:
    started = time.perf_counter()
    result = runner.invoke(app, ["models", "download", "opus-mt-tc-big-ar-en", "--revision", "abc"])
    assert time.perf_counter() - started < 10  # no minute of hub retries
    assert result.exit_code == ExitCode.MODEL_NOT_DOWNLOADED
    assert "tarjama models download opus-mt-tc-big-ar-en --revision abc" in result.stderr


def test_a_cached_snapshot_is_found_without_network(tiny_marian: Path, empty_cache: Path) -> None:
    # Lay out the cache exactly as huggingface_hub does, then resolve through the hub id.
    repo = empty_cache / "models--Helsinki-NLP--opus-mt-ar-en"
    commit = "0123456789abcdef0123456789abcdef01234567"
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for f in tiny_marian.iterdir():
        (snapshot / f.name).write_bytes(f.read_bytes())
    # Under the ref the registry pins (refs/pr/1: the hub's safetensors conversion).
    ref_file = repo / "refs" / REGISTRY["opus-mt-ar-en"].revision
    ref_file.parent.mkdir(parents=True)
    ref_file.write_text(commit)
    path, found = locate(resolve_model("opus-mt-ar-en"), LoadOptions(offline=True))
    assert path == snapshot and found == commit
    with pytest.raises(ModelNotDownloadedError):
        locate(resolve_model("opus-mt-ar-en", "other-branch"), LoadOptions(offline=True))
