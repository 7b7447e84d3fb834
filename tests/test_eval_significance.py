"""Bootstrap intervals and paired tests: seeded, deterministic, and equal to sacrebleu's."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tarjama.errors import DataError, InputError
from tarjama.eval.metrics import build_metrics
from tarjama.eval.scoring import compare_files, score_texts
from tarjama.eval.significance import bootstrap_ci, compare_systems

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FLORES_EN = SHARED / "flores200" / "eng_Latn.devtest"
needs_data = pytest.mark.skipif(not FLORES_EN.is_file(), reason="../shared/data not present")
N = 120


def perturb(lines: list[str], variant: int) -> list[str]:
    out = []
    for i, line in enumerate(lines):
        w = [x for j, x in enumerate(line.split()) if (j + i + variant) % 7 != 3]
        if (i + variant) % 5 == 0 and len(w) > 3:
            w[1], w[2] = w[2], w[1]
        out.append(" ".join(w))
    return out


def sacrebleu_cli(*args: str) -> str:
    script = Path(sys.executable).with_name("sacrebleu")
    cmd = [str(script)] if script.is_file() else [sys.executable, "-m", "sacrebleu"]
    env = {**os.environ, "SACREBLEU_SEED": "12345"}
    return subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, check=True,
                          timeout=120).stdout


@pytest.fixture(scope="module")
def systems(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not FLORES_EN.is_file():
        pytest.skip("../shared/data not present")
    d = tmp_path_factory.mktemp("sig")
    ref = FLORES_EN.read_text(encoding="utf-8").split("\n")[:N]
    base = perturb(ref, 0)
    # A close competitor: the baseline with a tenth of its lines taken from another variant,
    # so p-values are neither 0 nor 1 and a wrong resampling would show.
    other = [b if i % 10 else v for i, (b, v) in enumerate(zip(base, perturb(ref, 2)))]
    paths = {"ref": d / "ref.en", "base": d / "base.en", "sys": d / "sys.en"}
    for key, lines in (("ref", ref), ("base", base), ("sys", other)):
        paths[key].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    hyps = [f"the cat sat on mat number {i}" for i in range(40)]
    refs = [[f"the cat sat on the mat {i}" for i in range(40)]]
    a = score_texts(hyps, refs, metrics="bleu,chrf,rouge1", lang="en", n_bootstrap=300, seed=1)
    b = score_texts(hyps, refs, metrics="bleu,chrf,rouge1", lang="en", n_bootstrap=300, seed=1)
    c = score_texts(hyps, refs, metrics="bleu,chrf,rouge1", lang="en", n_bootstrap=300, seed=2)
    assert [s.ci for s in a.scores] == [s.ci for s in b.scores]
    assert [s.ci for s in a.scores] != [s.ci for s in c.scores]
    for s in a.scores:
        assert s.ci is not None and s.ci.n_resamples == 300 and s.ci.seed == 1
        assert s.ci.low <= s.ci.mean <= s.ci.high
        assert "bs:300|seed:1|" in s.signature


def test_bootstrap_interval_uses_sacrebleu_percentile_rule() -> None:
    metric = build_metrics("rouge1", lang="en")[0]
    rows = metric.extract([f"w{i} x" for i in range(30)], [[f"w{i} y" for i in range(30)]]).rows
    ci = bootstrap_ci(metric, rows, n_samples=80, seed=3)
    # Every segment scores exactly 50, so every resample does too.
    assert (ci.low, ci.high, ci.mean, ci.half_width) == (50.0, 50.0, 50.0, 0.0)


def _cells(out: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    scores = re.findall(r"(\d+\.\d{4}) \((\d+\.\d{4}) ± (\d+\.\d{4})\)", out)
    pvals = re.findall(r"\(p = (\d\.\d{4})\)", out)
    return scores, pvals


@needs_data
def test_paired_bootstrap_equals_sacrebleu(systems: dict[str, Path]) -> None:
    cmp = compare_files([systems["ref"]], [systems["base"], systems["sys"]],
                        metrics="bleu,chrf,ter", method="bs", n_samples=200)
    out = sacrebleu_cli(str(systems["ref"]), "-i", str(systems["base"]), str(systems["sys"]),
                        "-m", "bleu", "chrf", "ter", "--paired-bs", "--paired-bs-n", "200",
                        "-w", "4", "-f", "text")  # (sacrebleu's JSON output crashes for -bs)
    cli_scores, cli_p = _cells(out)
    ours_scores, ours_p = [], []
    for system in cmp.systems:
        for m in cmp.metrics:
            r = cmp.get(system, m)
            ours_scores.append((f"{r.score:.4f}", f"{r.ci.mean:.4f}", f"{r.ci.half_width:.4f}"))
            if r.p_value is not None:
                ours_p.append(f"{r.p_value:.4f}")
    assert ours_scores == cli_scores
    assert ours_p == cli_p
    assert len(set(cli_p)) > 1  # the data makes the p-values informative
    assert cmp.signatures["BLEU"].startswith("nrefs:1|bs:200|seed:12345|")


@needs_data
def test_paired_approximate_randomization_equals_sacrebleu(systems: dict[str, Path]) -> None:
    cmp = compare_files([systems["ref"]], [systems["base"], systems["sys"]],
                        metrics="bleu,chrf", method="ar", n_samples=400, n_bootstrap=0)
    out = sacrebleu_cli(str(systems["ref"]), "-i", str(systems["base"]), str(systems["sys"]),
                        "-m", "bleu", "chrf", "--paired-ar", "--paired-ar-n", "400", "-f", "json")
    cli = json.loads(out)[1]  # the JSON output carries unrounded floats: compare exactly
    for m in cmp.metrics:
        r = cmp.get(cmp.systems[1], m)
        assert (r.score, r.p_value) == (cli[m]["score"], cli[m]["p_value"])
    assert cmp.signatures["chrF2"].startswith("nrefs:1|ar:400|seed:12345|")


def test_rouge_can_be_compared_too() -> None:
    refs = [[f"the minister said the economy grows {i}" for i in range(30)]]
    a = [f"the minister said economy grows {i}" for i in range(30)]
    b = [f"minister says growth {i}" for i in range(30)]
    metrics = build_metrics("rougeL", lang="en")
    cmp = compare_systems([("a", a), ("b", b)], refs, metrics, method="bs", n_samples=100)
    r = cmp.get("b", "ROUGE-L")
    assert r.delta < 0 and r.p_value == pytest.approx(1 / 101)
    same = compare_systems([("a", a), ("a2", a)], refs, metrics, method="ar", n_samples=100)
    # Identical outputs: no difference, p = 1 (not "significant").
    assert same.get("a2", "ROUGE-L").p_value == 1.0


def test_compare_input_errors(tmp_path: Path) -> None:
    ref, one, short = tmp_path / "ref", tmp_path / "one", tmp_path / "short"
    ref.write_text("a b\nc d\n", encoding="utf-8")
    one.write_text("a b\nc d\n", encoding="utf-8")
    short.write_text("a b\n", encoding="utf-8")
    with pytest.raises(InputError, match="at least two system files"):
        compare_files([ref], [one])
    with pytest.raises(DataError, match=f"system file {short} has 1 lines but reference file"):
        compare_files([ref], [one, short])
    with pytest.raises(InputError, match="unknown paired test 'xx'"):
        compare_files([ref], [one, one], method="xx")
