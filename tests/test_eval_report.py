"""Tables and reports: rich tables, Markdown, and a self-contained HTML page that renders Arabic."""

from __future__ import annotations

import base64
import io
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table
from tarjama.errors import DataError, InputError
from tarjama.eval.datasets import Dataset, Segment
from tarjama.eval.metrics import build_metrics
from tarjama.eval.report import (
    comparison_table,
    find_runs,
    render_html,
    render_markdown,
    runs_table,
    scores_table,
    write_report,
)
from tarjama.eval.run import run_benchmark
from tarjama.eval.scoring import score_texts
from tarjama.eval.significance import compare_systems

AR_SRC = ["قال الرئيس إن الاقتصاد ينمو <بسرعة> & بثبات", "ذهب الولد إلى المدرسة", "الكتاب في البيت",
          "وصلت الطائرة متأخرة", "انتهى الاجتماع مساء أمس"]
EN_REF = ["The president said the economy grows fast & steadily", "The boy went to school",
          "The book is in the house", "The plane arrived late", "The meeting ended last night"]


class Lookup:
    """Returns a fixed English output per Arabic source (a stand-in for a translator)."""

    def __init__(self, name: str, table: dict[str, str]) -> None:
        self.name = name
        self._table = table

    def provenance(self) -> dict[str, Any]:
        return {"model": f"test/{self.name}", "revision": "abc123"}

    def __call__(self, sources: list[str]) -> list[str]:
        return [self._table[s] for s in sources]


def _dataset() -> Dataset:
    segs = tuple(Segment(str(i + 1), s, (r,), doc_id=f"doc{i // 2}")
                 for i, (s, r) in enumerate(zip(AR_SRC, EN_REF)))
    return Dataset("toy-ar-en", "translate", "ar", "en", segs, checksum="toy")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("results")
    good = dict(zip(AR_SRC, ["The president said the economy grows quickly <and> steadily",
                             "The boy went to the school", "The book is at home",
                             "The plane was late", "The meeting finished yesterday evening"]))
    bad = {s: "something else entirely" for s in AR_SRC}
    run_benchmark(_dataset(), Lookup("good", good), root / "good", {"beam": 4}, n_bootstrap=50)
    run_benchmark(_dataset(), Lookup("bad", bad), root / "bad", {"beam": 4}, n_bootstrap=50)
    return root


def _render(table: Table) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()


def test_scores_and_comparison_tables() -> None:
    rep = score_texts(["the cat sat", "a dog"], [["the cat sat down", "a dog barked"]],
                      metrics="bleu,ter", n_bootstrap=50)
    text = _render(scores_table(rep, title="hyp.en"))
    assert "BLEU ↑" in text and "TER ↓" in text and "nrefs:1|bs:50|seed:12345" in text
    cmp = compare_systems([("a", ["the cat sat", "a dog"]), ("b", ["cat", "dog"])],
                          [["the cat sat down", "a dog barked"]], build_metrics("chrf"),
                          n_samples=50)
    text = _render(comparison_table(cmp))
    assert "a (baseline)" in text and "p = " in text and "paired bootstrap, 50 samples" in text


def test_runs_table_and_markdown(results: Path) -> None:
    runs = find_runs([results])
    assert [r.name for r in runs] == ["bad", "good"]
    text = _render(runs_table(runs))
    assert "chrF2" in text and "toy-ar-en" in text
    md = render_markdown(runs)
    assert md.startswith("# Evaluation report")
    assert "| BLEU |" in md and "`nrefs:1|bs:50|seed:12345|" in md
    assert "test/good@abc123" in md


def test_html_is_self_contained_and_renders_arabic(results: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = write_report([results / "good", results / "bad"], tmp_path / "report.html",
                       n_samples=100)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    # Arabic text is escaped, tagged with its language, and takes its direction from its content.
    assert ('<td class="text" dir="auto" lang="ar">قال الرئيس إن الاقتصاد ينمو &lt;بسرعة&gt; '
            '&amp; بثبات</td>') in page
    assert '<td class="text" dir="auto" lang="en">' in page
    assert "<بسرعة>" not in page
    # Nothing is fetched from elsewhere: images are inline data, no scripts or external links.
    assert not re.search(r'(src|href)="(?!data:)', page) and "<script" not in page
    images = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3  # score distribution, length ratio, score vs source length
    assert base64.b64decode(images[0]).lstrip().startswith(b"<?xml")
    assert "Paired significance against" in page and "Plots omitted" not in page
    # Deterministic: the same runs give the same page.
    again = write_report([results / "good", results / "bad"], tmp_path / "again.html",
                         n_samples=100).read_text(encoding="utf-8")
    assert again == page


def test_html_without_matplotlib_says_so(results: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for mod in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes "import matplotlib" fail
    page = render_html(find_runs([results]))
    assert "Plots omitted: matplotlib is not installed" in page
    assert "data:image" not in page and "<td class=\"text\" dir=\"auto\" lang=\"ar\">" in page


def test_report_input_errors(results: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="must end in .html or .md"):
        write_report([results], tmp_path / "report.pdf")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no results folders"):
        write_report([tmp_path / "empty"], tmp_path / "r.md")
    md = write_report([results], tmp_path / "r.md", significance=False)
    assert "Paired significance" not in md.read_text(encoding="utf-8")
