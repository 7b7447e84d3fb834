"""Models (issue 14, item 11): a damaged weights file, a pickle that holds something else, and a
model of the wrong kind for the command are one-line errors naming the file, never garbage output
with exit code 0 or an internal error."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

from cli_helpers import one_line_error
from hardening_helpers import SAMPLE
from tarjama.cli import app
from tarjama.errors import ExitCode
from typer.testing import CliRunner

runner = CliRunner()


def _copy(model: Path, dest: Path) -> Path:
    shutil.copytree(model, dest)
    return dest


def test_a_truncated_safetensors_file_is_named(tiny_marian: Path, tmp_path: Path) -> None:
    model = _copy(tiny_marian, tmp_path / "cut")
    weights = model / "model.safetensors"
    data = weights.read_bytes()
    for size in (len(data) // 2, 5, 0):
        weights.write_bytes(data[:size])
        result = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(model)])
        assert result.exit_code == ExitCode.MODEL_NOT_FOUND, result.stderr
        line = one_line_error(result)
        assert str(weights) in line and "damaged or incomplete" in line


def test_a_pickle_that_is_not_weights(tiny_marian_pickle: Path, tmp_path: Path) -> None:
    import torch

    model = _copy(tiny_marian_pickle, tmp_path / "foreign")
    weights = model / "pytorch_model.bin"
    cases = [
        lambda: torch.save({"hello": [1, 2, 3]}, weights),  # loads, and holds no tensor of the model
        lambda: weights.write_bytes(pickle.dumps({"hello": object.__name__}, protocol=4)),
        lambda: weights.write_bytes(b"this is not a pickle at all\n" * 10),
        lambda: weights.write_bytes((tiny_marian_pickle / "pytorch_model.bin").read_bytes()[:2000]),
    ]
    for make in cases:
        make()
        result = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(model), "--allow-pickle"])
        assert result.exit_code == ExitCode.MODEL_NOT_FOUND, result.stderr
        line = one_line_error(result)
        assert str(weights) in line, line
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    # The real pickle of the same model still loads.
    good = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(tiny_marian_pickle),
                               "--allow-pickle", "--beams", "1"])
    assert good.exit_code == 0, good.stderr


def test_a_summarizer_is_refused_by_translate(tiny_mt5: Path) -> None:
    result = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(tiny_mt5)])
    assert result.exit_code == ExitCode.USAGE, result.stdout
    line = one_line_error(result)
    assert "summarization model" in line and "mt5" in line and result.stdout == ""
    result = runner.invoke(app, ["translate", str(SAMPLE), "--model", "mt5-xlsum"])
    assert result.exit_code == ExitCode.USAGE and "summarization model" in one_line_error(result)


def test_a_translator_is_refused_as_the_summarizer(tiny_marian: Path) -> None:
    result = runner.invoke(app, ["summarize", str(SAMPLE), "--from", "ar", "--to", "ar",
                                 "--method", "abstractive", "--model", str(tiny_marian)])
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert "translation model" in one_line_error(result) and result.stdout == ""


def test_models_of_the_right_kind_still_load(tiny_marian: Path, tiny_mt5: Path) -> None:
    from tarjama.models.session import (
        SummarizationRequest,
        TranslationRequest,
        open_summarizer,
        open_translator,
    )

    assert open_translator(TranslationRequest(model=str(tiny_marian))).source_lang == "ar"
    assert open_summarizer(SummarizationRequest(lang="ar", model=str(tiny_mt5))) is not None
