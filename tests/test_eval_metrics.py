"""BLEU / chrF / chrF++ / TER: figures identical to sacrebleu's own CLI on the same files."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tarjama.errors import DataError, ExitCode, InputError
from tarjama.eval.metrics import METRIC_NAMES, build_metrics, parse_metric_names
from tarjama.eval.scoring import score_files, score_texts

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FLORES_EN = SHARED / "flores200" / "eng_Latn.devtest"
N = 150
needs_data = pytest.mark.skipif(not FLORES_EN.is_file(), reason="../shared/data not present")


def _sacrebleu_cmd() -> list[str]:
    script = Path(sys.executable).with_name("sacrebleu")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "sacrebleu"]


def sacrebleu_cli(*args: str, seed: str = "12345") -> str:
    env = {**os.environ, "SACREBLEU_SEED": seed}
    proc = subprocess.run([*_sacrebleu_cmd(), *args], capture_output=True, text=True, env=env,
                          check=True, timeout=120)
    return proc.stdout


def perturb(lines: list[str], variant: int = 0) -> list[str]:
    """A deterministic 'system output': drop, swap and lower-case words of the reference."""
    out = []
    for i, line in enumerate(lines):
        w = [x for j, x in enumerate(line.split()) if (j + i + variant) % 7 != 3]
        if (i + variant) % 5 == 0 and len(w) > 3:
            w[1], w[2] = w[2], w[1]
        if (i + variant) % 11 == 0:
            w = [x.lower() for x in w]
        out.append(" ".join(w))
    return out


def synthetic(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Deterministic English-like references and a noisy 'system output', made here so the
    sacrebleu comparison also runs where ../shared/data is absent."""
    rng = random.Random(seed)
    vocab = ("the a minister said economy grows grew growing fast school boys boy's café naïve "
             "2019 3.5% report reported reporting news (Reuters) - \"quoted\" it's U.S. e-mail "
             "Zürich over under will would not").split()
    refs, hyps = [], []
    for _ in range(n):
        words = [rng.choice(vocab) for _ in range(rng.randint(1, 30))]
        refs.append(" ".join(words).capitalize() + rng.choice([".", "!", "?", ""]))
        noisy = [w for w in words if rng.random() > 0.2]
        noisy = [rng.choice(vocab) if rng.random() < 0.1 else w for w in noisy]
        hyps.append(" ".join(noisy) + ".")
    return refs, hyps


def test_synthetic_corpus_equals_sacrebleu_cli(tmp_path: Path) -> None:
    refs, hyps = synthetic(120, seed=5)
    ref, hyp = tmp_path / "ref.txt", tmp_path / "hyp.txt"
    ref.write_text("\n".join(refs) + "\n", encoding="utf-8")
    hyp.write_text("\n".join(hyps) + "\n", encoding="utf-8")
    ours = score_files(hyp, [ref], metrics="bleu,chrf,ter", n_bootstrap=100, seed=99)
    cli = _cli_lines(sacrebleu_cli(str(ref), "-i", str(hyp), "-m", "bleu", "chrf", "ter",
                                   "--confidence", "--confidence-n", "100", "-w", "3",
                                   "-f", "text", seed="99"))
    assert [s.format(width=3) for s in ours.scores] == [cli[s.name] for s in ours.scores]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not FLORES_EN.is_file():
        pytest.skip("../shared/data not present")
    d = tmp_path_factory.mktemp("metrics")
    ref = FLORES_EN.read_text(encoding="utf-8").split("\n")[:N]
    paths = {"ref": d / "ref.en", "ref2": d / "ref2.en", "hyp": d / "hyp.en"}
    paths["ref"].write_text("\n".join(ref) + "\n", encoding="utf-8")
    paths["ref2"].write_text("\n".join(perturb(ref, 3)) + "\n", encoding="utf-8")
    paths["hyp"].write_text("\n".join(perturb(ref)) + "\n", encoding="utf-8")
    return paths


def _cli_lines(out: str) -> dict[str, str]:
    # The CLI right-aligns lines on "="; the name is what precedes the first "|".
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    return {ln.split("|", 1)[0]: ln for ln in lines}


@needs_data
@pytest.mark.parametrize("refs", [["ref"], ["ref", "ref2"]], ids=["1ref", "2refs"])
def test_corpus_scores_equal_sacrebleu_cli_with_confidence(files: dict[str, Path],
                                                           refs: list[str]) -> None:
    ref_paths = [str(files[r]) for r in refs]
    ours = score_files(files["hyp"], [files[r] for r in refs], metrics="bleu,chrf,chrf++,ter",
                       n_bootstrap=200, seed=12345)
    cli = _cli_lines(sacrebleu_cli(*ref_paths, "-i", str(files["hyp"]), "-m", "bleu", "chrf",
                                   "ter", "--confidence", "--confidence-n", "200", "-w", "4",
                                   "-f", "text"))
    cli.update(_cli_lines(sacrebleu_cli(*ref_paths, "-i", str(files["hyp"]), "-m", "chrf",
                                        "--chrf-word-order", "2", "--confidence",
                                        "--confidence-n", "200", "-w", "4", "-f", "text")))
    for s in ours.scores:
        # The whole line: score, bootstrap mean and CI, signature, BLEU's details.
        assert s.format(width=4) == cli[s.name]
    assert ours.get("BLEU").signature.startswith(f"nrefs:{len(refs)}|bs:200|seed:12345|")


@needs_data
def test_default_width_and_no_bootstrap_match_cli_json(files: dict[str, Path]) -> None:
    import json

    ours = score_files(files["hyp"], [files["ref"]], metrics="bleu,chrf,ter", n_bootstrap=0)
    cli = json.loads(sacrebleu_cli(str(files["ref"]), "-i", str(files["hyp"]), "-m", "bleu",
                                   "chrf", "ter"))
    by_name = {d["name"]: d for d in cli}
    for s in ours.scores:
        assert s.ci is None and "bs:" not in s.signature
        assert s.signature == by_name[s.name]["signature"]
        assert float(f"{s.score:.1f}") == by_name[s.name]["score"]
        assert s.details == by_name[s.name].get("verbose_score", "")


@needs_data
@pytest.mark.parametrize("metric,args", [("bleu", ["-m", "bleu"]), ("chrf++", ["-m", "chrf",
                                          "--chrf-word-order", "2"]), ("ter", ["-m", "ter"])])
def test_sentence_scores_equal_sacrebleu_sentence_level(files: dict[str, Path], metric: str,
                                                        args: list[str]) -> None:
    ours = score_files(files["hyp"], [files["ref"]], metrics=metric, n_bootstrap=0)
    name = ours.scores[0].name
    out = sacrebleu_cli(str(files["ref"]), "-i", str(files["hyp"]), *args, "-sl", "-w", "4")
    cli = [re.search(r" = (\d+\.\d+)", ln).group(1) for ln in out.splitlines() if ln.strip()]
    assert len(cli) == N
    assert [f"{v:.4f}" for v in ours.segment_scores[name]] == cli
    # Sentence BLEU uses effective order, as sacrebleu -sl does; the signature says so.
    sig = out.splitlines()[0].split(" = ")[0].split("|", 1)[1]
    assert ours.segment_signatures[name] == sig


def test_document_scores_pool_statistics() -> None:
    hyps = ["the cat sat on the mat", "a dog", "hello world again", "bye"]
    refs = [["the cat sat on a mat", "a dog barked", "hello world", "bye now"]]
    rep = score_texts(hyps, refs, metrics="bleu,chrf", n_bootstrap=0,
                      doc_ids=["d1", "d1", "d2", "d2"])
    # A document's BLEU is corpus BLEU over its segments (pooled n-grams), not a mean.
    from sacrebleu.metrics import BLEU, CHRF

    assert rep.document_scores["BLEU"]["d1"] == BLEU().corpus_score(hyps[:2], [refs[0][:2]]).score
    assert rep.document_scores["chrF2"]["d2"] == CHRF().corpus_score(hyps[2:], [refs[0][2:]]).score
    assert rep.to_dict()["documents"][0] == {
        "doc_id": "d1", "n_segments": 2,
        "scores": {"BLEU": rep.document_scores["BLEU"]["d1"],
                   "chrF2": rep.document_scores["chrF2"]["d1"]}}


def test_newlines_inside_segments_are_scored_as_one_line() -> None:
    a = score_texts(["one two three\nfour five"], [["one two three four five six"]],
                    metrics="bleu,chrf,ter", n_bootstrap=0)
    b = score_texts(["one two three four five"], [["one two three four five six"]],
                    metrics="bleu,chrf,ter", n_bootstrap=0)
    assert [s.score for s in a.scores] == [s.score for s in b.scores]


def test_metric_names() -> None:
    assert parse_metric_names("BLEU, chrf++,rouge") == (
        "bleu", "chrf++", "rouge1", "rouge2", "rougeL", "rougeLsum")
    assert parse_metric_names(["bleu", "bleu,ter"]) == ("bleu", "ter")
    with pytest.raises(DataError) as exc:
        parse_metric_names("bleu,meteor")
    assert "unknown metric 'meteor'" in exc.value.message
    assert all(n in exc.value.message for n in METRIC_NAMES)
    assert exc.value.exit_code == ExitCode.DATA
    assert [m.name for m in build_metrics("ter,chrf++,bleu")] == ["TER", "chrF2++", "BLEU"]


def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    hyp, ref, empty = tmp_path / "hyp.en", tmp_path / "ref.en", tmp_path / "empty.en"
    hyp.write_text("a\nb\n", encoding="utf-8")
    ref.write_text("a\nb\nc\n", encoding="utf-8")
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        score_files(hyp, [ref])
    assert exc.value.message == (f"line-count mismatch: hypothesis file {hyp} has 2 lines but "
                                 f"reference file {ref} has 3 lines")
    with pytest.raises(InputError, match="is empty"):
        score_files(empty, [ref])
    bad = tmp_path / "bad.en"
    bad.write_bytes(b"ok\n\xc3\x28\n")
    with pytest.raises(InputError, match=r"not valid UTF-8: byte 0xc3 at byte offset 3 \(line 2\)"):
        score_files(bad, [ref])
    with pytest.raises(DataError, match="unknown metric 'blue'"):
        score_files(hyp, [ref], metrics="blue")


def test_empty_hypothesis_lines_are_warned_about() -> None:
    rep = score_texts(["", "a b c"], [["x y", "a b c"]], metrics="chrf", n_bootstrap=0)
    assert any("1 of 2 hypotheses are empty (lines 1)" in w for w in rep.warnings)
