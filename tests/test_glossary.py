"""Glossaries: parsing (one-line errors naming file and line), matching after folding and
clitics, masking through a model, and the fallback when a model loses a placeholder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import pytest
from cli_helpers import one_line_error
from typer.testing import CliRunner

from tarjama.cli import app
from tarjama.errors import ExitCode, InputError
from tarjama.nlp.checks import CheckSettings
from tarjama.nlp.document import Line
from tarjama.nlp.glossary import parse_glossary
from tarjama.nlp.translate import Segment, SegmentOutput, translate_lines

GLOSSARY = "# test glossary\nالأمم المتحدة\tUnited Nations\nالقذافي\tGaddafi\tnot Qaddafi\n"
runner = CliRunner()


class StandIn:
    """A translator whose outputs are the input with Arabic words marked; placeholders are
    copied, dropped or mangled as asked."""

    max_segment_tokens = 64

    def __init__(self, placeholders: str = "copy") -> None:
        self.placeholders = placeholders
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return [[0] * (len(t.split()) + 1) for t in texts]

    def translate(self, segments: Sequence[Segment]) -> list[SegmentOutput]:
        self.calls.append([s.text for s in segments])
        outs = []
        for s in segments:
            text = re.sub(r"[\u0621-\u064a]+", "w", s.text)
            if self.placeholders == "drop":
                text = re.sub(r"XZ\d+", "", text)
            elif self.placeholders == "mangle":
                text = re.sub(r"XZ(\d+)", r"xz-\1", text)
            outs.append(SegmentOutput(text))
        return outs


def test_terms_match_after_folding_and_clitics() -> None:
    glossary = parse_glossary(GLOSSARY, "g.tsv")
    masked = glossary.mask("وقالت الامم المتحدة إن القذّافي وبالأمم المتحدة", "ar", "en")
    assert masked is not None and masked.text == "وقالت XZ1 إن XZ2 وب XZ3"
    assert [t.en for t in masked.terms] == ["United Nations", "Gaddafi", "United Nations"]


@pytest.mark.parametrize("text,message", [
    ("الأمم\tUnited\tNations\textra\n", "g.tsv, line 1: expected 2 or 3 tab-separated columns"),
    ("\tUnited Nations\n", "g.tsv, line 1: the term is empty"),
    ("القذافي\tGaddafi\nالقذّافي\tQaddafi\n", "g.tsv, line 2: «القذّافي» is already rendered «Gaddafi» on line 1"),
    ("# only a comment\n", "g.tsv: no glossary entries"),
])
def test_bad_glossary_lines_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        parse_glossary(text, "g.tsv")


@pytest.mark.parametrize("placeholders,calls,fell_back", [("copy", 1, False), ("drop", 2, True),
                                                          ("mangle", 2, True)])
def test_masking_restores_terms_or_falls_back(placeholders: str, calls: int, fell_back: bool) -> None:
    glossary = parse_glossary(GLOSSARY, "g.tsv")
    model = StandIn(placeholders)
    lines = [Line(1, 0, "وقالت الأمم المتحدة إن القذافي غادر.")]
    (para,) = translate_lines(lines, model, source_lang="ar",
                              checks=CheckSettings("ar", "en", glossary=glossary))
    (sentence,) = para.sentences
    assert len(model.calls) == calls
    codes = [f.code for f in sentence.checks]
    if fell_back:
        # Translated again without masking; the terms are then not rendered as the glossary
        # says, and the reader is told both things.
        assert "XZ" not in " ".join(model.calls[1])
        details = [f.detail for f in sentence.checks if f.code == "glossary"]
        assert any("lost a glossary placeholder" in d for d in details)
        assert any("«الأمم المتحدة» should be rendered «United Nations»" in d for d in details)
    else:
        assert "United Nations" in sentence.translation and "Gaddafi" in sentence.translation
        assert "glossary" not in codes


def test_tiny_model_loses_placeholders_and_the_term_is_never_lost_silently(tiny_marian: Path,
                                                                              tmp_path: Path) -> None:
    glossary = tmp_path / "g.tsv"
    glossary.write_text("الحكومة\tthe government\n", encoding="utf-8")
    article = tmp_path / "a.txt"
    article.write_text("افتتحت الحكومة يوم الاثنين محطة جديدة.\n", encoding="utf-8")
    result = runner.invoke(app, ["translate", str(article), "--model", str(tiny_marian),
                                 "--glossary", str(glossary), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    import json

    (sentence,) = json.loads(result.stdout)["paragraphs"][0]["sentences"]
    glossary_flags = [c for c in sentence["checks"] if c["code"] == "glossary"]
    if "the government" not in sentence["translation"]:
        assert any("«الحكومة» should be rendered «the government»" in c["detail"] for c in glossary_flags)


@pytest.mark.parametrize("content,expected", [
    (b"\xff\xfe\x00\x00", "glossary"),
    (b"one column only\n", "line 1: expected 2 or 3 tab-separated columns"),
])
def test_bad_glossary_files_fail_before_any_model_loads(tmp_path: Path, content: bytes,
                                                        expected: str) -> None:
    glossary = tmp_path / "g.tsv"
    glossary.write_bytes(content)
    article = tmp_path / "a.txt"
    article.write_text("قال الوزير إن المحطة جاهزة.\n", encoding="utf-8")
    result = runner.invoke(app, ["translate", str(article), "--model", str(tmp_path / "no-model"),
                                 "--glossary", str(glossary)])
    assert result.exit_code == ExitCode.INPUT
    assert expected in one_line_error(result)
    missing = runner.invoke(app, ["translate", str(article), "--glossary", str(tmp_path / "none.tsv")])
    assert missing.exit_code == ExitCode.INPUT and "none.tsv" in one_line_error(missing)
