"""Presenting scores: rich tables for the terminal, Markdown and a self-contained HTML report.

``tarjama eval report DIR... -o report.html`` is :func:`write_report`: it loads every results
folder (a folder made by :func:`eval.run.run_benchmark`, or a folder of such folders), puts the
runs side by side, tests runs on the same data against the first one (paired bootstrap), and
plots per-segment score distributions, length ratios and score against source length when
matplotlib is installed (the page says so when it is not).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import html
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from rich.table import Table
from tarjama.errors import DataError, InputError
from tarjama.eval.datasets import PublishedScore, load_jsonl
from tarjama.eval.metrics import ROUGE_VARIANTS, build_metrics, parse_metric_names
from tarjama.eval.metrics.base import Score
from tarjama.eval.run import read_outputs
from tarjama.eval.scoring import ScoreReport
from tarjama.eval.significance import DEFAULT_SEED, Comparison, compare_systems
from tarjama.inputs import read_json
from tarjama.outputs import atomic_write_text

log = logging.getLogger(__name__)

__all__ = ["RunRecord", "comparison_table", "find_runs", "load_run", "render_html",
           "render_markdown", "runs_table", "scores_table", "significance_between_runs",
           "write_report"]

_PRIMARY_PREFERENCE = ("chrF2", "chrF2++", "ROUGE-L", "ROUGE-1", "BLEU")


# --------------------------------------------------------------------------- terminal tables

def _fmt(score: float, width: int) -> str:
    return f"{score:.{width}f}"


def _ci_text(s: Score, width: int) -> str:
    if s.ci is None:
        return ""
    return f"[{_fmt(s.ci.low, width)}, {_fmt(s.ci.high, width)}]"


def scores_table(report: ScoreReport, *, title: Optional[str] = None, width: int = 1) -> Table:
    """One row per metric: score, 95% CI, details; signatures in the caption."""
    table = Table(title=title, caption="\n".join(f"{s.name}: {s.signature}" for s in report.scores),
                  caption_justify="left")
    table.add_column("Metric", style="bold")
    table.add_column("Score", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("Details")
    for s in report.scores:
        arrow = "↑" if s.higher_is_better else "↓"
        table.add_row(f"{s.name} {arrow}", _fmt(s.score, width), _ci_text(s, width), s.details)
    return table


def comparison_table(cmp: Comparison, *, width: int = 1, alpha: float = 0.05) -> Table:
    """Systems as rows, metrics as columns: score, CI, and p-value against the baseline."""
    test = "paired bootstrap" if cmp.method == "bs" else "approximate randomization"
    caption = [f"{test}, {cmp.n_samples} samples, seed {cmp.seed}; * p < {alpha}"]
    caption += [f"{m}: {cmp.signatures[m]}" for m in cmp.metrics]
    table = Table(caption="\n".join(caption), caption_justify="left")
    table.add_column("System", style="bold")
    for m in cmp.metrics:
        arrow = "↑" if cmp.higher_is_better.get(m, True) else "↓"
        table.add_column(f"{m} {arrow}", justify="right")
    for sysname in cmp.systems:
        cells = []
        for m in cmp.metrics:
            r = cmp.get(sysname, m)
            text = _fmt(r.score, width)
            if r.ci is not None:
                text += f" (μ = {_fmt(r.ci.mean, width)} ± {_fmt(r.ci.half_width, width)})"
            if r.p_value is not None:
                star = "*" if r.p_value < alpha else ""
                text += f"\nΔ {r.delta:+.{width}f}  p = {r.p_value:.4f}{star}"
            cells.append(text)
        label = f"{sysname} (baseline)" if sysname == cmp.baseline else sysname
        table.add_row(label, *cells)
    return table


# --------------------------------------------------------------------------- results folders

@dataclass(frozen=True)
class RunRecord:
    """A results folder loaded back: identity, provenance, scores, texts."""

    name: str
    path: Path
    identity: Mapping[str, Any]
    provenance: Mapping[str, Any]
    report: ScoreReport
    sources: tuple[str, ...]
    references: tuple[tuple[Optional[str], ...], ...]  # streams, as in sacrebleu
    hypotheses: tuple[str, ...]

    @property
    def source_lang(self) -> str:
        return str(self.provenance.get("dataset", {}).get("source_lang", "und"))

    @property
    def target_lang(self) -> str:
        return str(self.provenance.get("dataset", {}).get("target_lang", "und"))


def rouge_settings(r: RunRecord) -> Optional[str]:
    """How a run's ROUGE was computed: its signature less the bootstrap part (None: no ROUGE).
    Two runs are comparable on ROUGE only when these are equal."""
    for s in r.report.scores:
        if s.key in ROUGE_VARIANTS:
            return "|".join(p for p in s.signature.split("|")
                            if p.split(":", 1)[0] not in ("bs", "seed", "ar"))
    return None


def system_label(r: RunRecord) -> str:
    """What ran, as a summarization paper's table names it: LEAD-3, LexRank-3, ORACLE-3, or the
    model (with its cross-lingual strategy); a translation run's model."""
    sysprov = r.provenance.get("system", {})
    method = sysprov.get("method")
    sentences = (sysprov.get("length") or {}).get("sentences")
    n = f"-{sentences}" if sentences else ""
    names = {"lead": "LEAD", "extractive": "LexRank", "oracle": "ORACLE"}
    if method in names:
        label = names[method] + n
    else:
        models = sysprov.get("models") or {}
        model = models.get("summarizer") or sysprov.get("model") or models.get("translator")
        if isinstance(model, Mapping):
            model = model.get("hub_id") or model.get("name") or model.get("path")
        label = str(model or sysprov.get("name") or "?")
    strategy = sysprov.get("strategy")
    return f"{label} ({strategy})" if strategy else label


def _is_run(path: Path) -> bool:
    return (path / "run.json").is_file()


def load_run(path: Path) -> RunRecord:
    path = Path(path)
    if not _is_run(path):
        raise InputError(f"{path} is not a results folder (no run.json)")
    for needed in ("scores.json", "provenance.json", "outputs.jsonl", "data.jsonl"):
        if not (path / needed).is_file():
            raise DataError(f"results folder {path} is incomplete (no {needed}); re-run it")
    run = read_json(path / "run.json", role="results file")
    try:
        scores = ScoreReport.from_dict(read_json(path / "scores.json", role="results file"))
    except (KeyError, TypeError, IndexError) as exc:
        raise DataError(f"results folder {path}: scores.json is not in the expected format "
                        f"({type(exc).__name__}: {exc})") from None
    prov = read_json(path / "provenance.json", role="results file")
    data = load_jsonl(path / "data.jsonl")  # the segments the run used, in eval.datasets' format
    outputs = read_outputs(path / "outputs.jsonl", {s.id for s in data.segments})
    try:
        hyps = tuple(outputs[i]["hyp"] for i in scores.segment_ids)
    except KeyError as exc:
        raise DataError(f"results folder {path} has no output for segment {exc}; "
                        "re-run it") from None
    return RunRecord(name=path.name, path=path, identity=run.get("identity", {}), provenance=prov,
                     report=scores, sources=tuple(data.sources),
                     references=tuple(tuple(r) for r in data.ref_streams), hypotheses=hyps)


def find_runs(paths: Sequence[Path]) -> list[RunRecord]:
    """Each path is a results folder or a folder of them (one level down)."""
    found: list[Path] = []
    for p in map(Path, paths):
        if not p.is_dir():
            raise InputError(f"{p} is not a directory")
        if _is_run(p):
            found.append(p)
        else:
            found.extend(sorted(c for c in p.iterdir() if c.is_dir() and _is_run(c)))
    if not found:
        raise DataError(f"no results folders (with run.json) in {', '.join(map(str, paths))}")
    runs = [load_run(p) for p in dict.fromkeys(found)]
    # Folder names label the runs; fall back to parent/name where they clash.
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        runs = [dataclasses.replace(r, name=f"{r.path.parent.name}/{r.name}") for r in runs]
    return runs


def _metric_names(runs: Sequence[RunRecord]) -> list[str]:
    names: list[str] = []
    for r in runs:
        for s in r.report.scores:
            if s.name not in names:
                names.append(s.name)
    return names


def runs_table(runs: Sequence[RunRecord], *, width: int = 1) -> Table:
    """Runs as rows, metrics as columns (score and 95% CI)."""
    names = _metric_names(runs)
    table = Table()
    table.add_column("Run", style="bold")
    table.add_column("Dataset")
    table.add_column("System")
    for n in names:
        table.add_column(n, justify="right")
    for r in runs:
        cells = []
        for n in names:
            try:
                s = r.report.get(n)
                cells.append(f"{_fmt(s.score, width)} {_ci_text(s, width)}".strip())
            except KeyError:
                cells.append("–")
        table.add_row(r.name, str(r.identity.get("dataset", {}).get("name", "?")),
                      str(r.identity.get("system", {}).get("name", "?")), *cells)
    return table


# --------------------------------------------------------------------------- significance

def significance_between_runs(runs: Sequence[RunRecord], *, n_samples: int = 1000,
                              seed: int = DEFAULT_SEED) -> list[Comparison]:
    """Paired bootstrap of every run against the first run on the same data (same dataset
    checksum and level) scored the same way (same ROUGE protocol and settings), for the
    metrics they share. Runs under different ROUGE protocols are never tested against each
    other."""
    groups: dict[tuple[str, str, str], list[RunRecord]] = {}
    for r in runs:
        key = (str(r.identity.get("dataset", {}).get("checksum")), str(r.identity.get("level")),
               str(rouge_settings(r)))
        groups.setdefault(key, []).append(r)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        keys = [s.key for s in members[0].report.scores
                if all(any(t.key == s.key for t in m.report.scores) for m in members)]
        if not keys:
            continue
        scoring = members[0].provenance.get("scoring", {})
        try:
            metrics = build_metrics(keys, lang=members[0].report.lang,
                                    rouge_stem=scoring.get("rouge_stem"),
                                    rouge_protocol=members[0].report.rouge_protocol)
        except DataError as exc:
            # The scores are in the folders already; only re-scoring for the test failed
            # (e.g. xlsum stemming without NLTK's stopwords): say so, report the rest.
            log.warning("no significance test for %s: %s", ", ".join(m.name for m in members),
                        exc.message)
            continue
        named = [(m.name, list(m.hypotheses)) for m in members]
        refs = [list(s) for s in members[0].references]
        out.append(compare_systems(named, refs, metrics, method="bs", n_samples=n_samples,
                                   seed=seed))
    return out


def compare_runs(paths: Sequence[Path], *, metrics: Optional[str | Sequence[str]] = None,
                 method: str = "bs", n_samples: Optional[int] = None, n_bootstrap: int = 1000,
                 seed: int = DEFAULT_SEED, rouge_protocol: Optional[str] = None,
                 rouge_stem: Optional[bool] = None) -> Comparison:
    """``tarjama eval compare RUN_DIR...``: paired significance of each results folder against
    the first, re-scored from their outputs.

    The runs must be on the same data. ROUGE under different protocols (or other ROUGE
    settings) is refused unless ``rouge_protocol`` is given, which re-scores them all under it.
    """
    runs = [load_run(Path(p)) for p in paths]
    if len(runs) < 2:
        raise InputError(f"compare needs at least two results folders (got {len(runs)}); the "
                         "first is the baseline")
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        names = [f"{r.path.parent.name}/{r.name}" for r in runs]
    data = {(str(r.identity.get("dataset", {}).get("checksum")), str(r.identity.get("level")))
            for r in runs}
    if len(data) > 1:
        raise DataError("the runs are not on the same data (dataset checksum and level differ: "
                        + ", ".join(f"{n}: {r.identity.get('dataset', {}).get('name')} "
                                    f"{r.identity.get('level')}" for n, r in zip(names, runs))
                        + ")")
    if metrics is None:
        keys = [s.key for s in runs[0].report.scores
                if all(any(t.key == s.key for t in r.report.scores) for r in runs)]
    else:
        keys = list(parse_metric_names(metrics))
    if not keys:
        raise DataError("the runs share no metric; pass --metrics")
    scoring = runs[0].provenance.get("scoring", {})
    if any(k in ROUGE_VARIANTS for k in keys) and rouge_protocol is None:
        settings = {n: rouge_settings(r) for n, r in zip(names, runs)}
        if len(set(settings.values())) > 1:
            protos = ", ".join(f"{n}: {r.report.rouge_protocol}" for n, r in zip(names, runs))
            raise DataError(f"the runs' ROUGE was scored differently ({protos}; signatures "
                            "differ); ROUGE under different protocols is not comparable: pass "
                            "--rouge-protocol NAME to re-score all of them under one")
        rouge_protocol = runs[0].report.rouge_protocol
        rouge_stem = scoring.get("rouge_stem") if rouge_stem is None else rouge_stem
    metric_objs = build_metrics(keys, lang=runs[0].report.lang, rouge_stem=rouge_stem,
                                rouge_protocol=rouge_protocol)
    refs = [list(s) for s in runs[0].references]
    return compare_systems([(n, list(r.hypotheses)) for n, r in zip(names, runs)], refs,
                           metric_objs, method=method, n_samples=n_samples,
                           n_bootstrap=n_bootstrap, seed=seed)


# --------------------------------------------------------------------------- plots

def _primary_metric(runs: Sequence[RunRecord]) -> Optional[str]:
    """The segment-level metric to plot: the one most runs have, chrF before BLEU (sentence
    BLEU is too noisy to compare distributions)."""
    names = _metric_names(runs)
    if not names:
        return None

    def rank(n: str) -> tuple[int, int]:
        coverage = sum(n in r.report.segment_scores for r in runs)
        pref = _PRIMARY_PREFERENCE.index(n) if n in _PRIMARY_PREFERENCE else \
            len(_PRIMARY_PREFERENCE) + names.index(n)
        return (-coverage, pref)

    return min(names, key=rank)


def _svg_img(fig: Any, alt: str) -> str:
    import matplotlib

    buf = io.BytesIO()
    # Fixed salt and no date: the same runs give a byte-identical report.
    with matplotlib.rc_context({"svg.hashsalt": "tarjama", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    # As an <img>, each SVG keeps its own id namespace (matplotlib reuses glyph/clip ids).
    return f'<img alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def _plots(runs: Sequence[RunRecord], metric: str) -> list[tuple[str, str]]:
    from matplotlib.figure import (
        Figure,  # no pyplot: no global figure state or backend switch
    )

    out: list[tuple[str, str]] = []
    scored = [r for r in runs if metric in r.report.segment_scores]
    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    bins = [i * 5 for i in range(21)]
    for r in scored:
        ax.hist(r.report.segment_scores[metric], bins=bins, histtype="step", linewidth=1.5,
                label=r.name)
    ax.set_xlabel(f"segment {metric}")
    ax.set_ylabel("segments")
    ax.legend(fontsize="small")
    out.append((f"Per-segment {metric} distribution", _svg_img(fig, f"{metric} histogram")))

    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    for r in runs:
        hyp, ref = r.report.lengths.get("hyp", ()), r.report.lengths.get("ref", ())
        ratios = [min(h / f, 3.0) for h, f in zip(hyp, ref) if f]
        ax.hist(ratios, bins=[i * 0.1 for i in range(31)], histtype="step", linewidth=1.5,
                label=r.name)
    ax.axvline(1.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xlabel("length ratio hypothesis/reference (words, capped at 3)")
    ax.set_ylabel("segments")
    ax.legend(fontsize="small")
    out.append(("Length ratio", _svg_img(fig, "length ratio histogram")))

    with_src = [r for r in scored if "src" in r.report.lengths]
    if with_src:
        fig = Figure(figsize=(7, 3.6))
        ax = fig.subplots()
        for r in with_src:
            ax.scatter(r.report.lengths["src"], r.report.segment_scores[metric], s=6, alpha=0.35,
                       label=r.name)
        ax.set_xlabel("source length (words)")
        ax.set_ylabel(f"segment {metric}")
        ax.legend(fontsize="small", markerscale=2)
        out.append((f"{metric} against source length", _svg_img(fig, "score vs source length")))
    return out


def _matplotlib_available() -> bool:
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------- Markdown / HTML

def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _run_facts(r: RunRecord) -> dict[str, str]:
    prov, sysprov = r.provenance, r.provenance.get("system", {})
    timing = prov.get("timing", {})
    tps = timing.get("tokens_per_second")
    model = sysprov.get("model") or sysprov.get("model_id") or sysprov.get("hub_id") or ""
    rev = sysprov.get("revision", "")
    return {
        "Run": r.name,
        "Task": str(prov.get("task", "")),
        "Dataset": str(prov.get("dataset", {}).get("name", "")),
        "Level": str(prov.get("level", "")),
        "Segments": str(prov.get("dataset", {}).get("n_segments", "")),
        "System": str(sysprov.get("name", "")),
        "Model": f"{model}@{rev}" if model and rev else str(model),
        "Config": json.dumps(prov.get("config", {}), ensure_ascii=False, sort_keys=True),
        "Generation time (s)": f"{timing.get('generation_seconds', 0):.1f}",
        "Tokens/s": f"{tps:.1f} ({timing.get('token_unit', '')})" if tps else "–",
        "Dataset sha256": str(prov.get("dataset", {}).get("checksum", ""))[:12],
        "Checks (share of segments flagged)": _checks_text(prov.get("checks")),
    }


_CALIBRATION_NOTE = ("Segments in five groups by the decoder's confidence (mean token log-probability "
                     "of the worst sentence), lowest first: set --min-confidence where the mean "
                     "score drops.")


def _checks_text(checks: Any) -> str:
    if not isinstance(checks, Mapping) or not checks.get("rates"):
        return "–"
    return ", ".join(f"{code} {100 * rate:.1f} %" for code, rate in checks["rates"].items())


def confidence_calibration(r: RunRecord, metric: str = "chrF2", bins: int = 5
                           ) -> list[tuple[str, int, float]]:
    """Segments grouped by the decoder's confidence (lowest first), with each group's mean
    segment score: where the score drops is where a --min-confidence threshold belongs."""
    scores = r.report.segment_scores.get(metric)
    if not scores:
        return []
    outputs = read_outputs(r.path / "outputs.jsonl", set(r.report.segment_ids))
    pairs = sorted((float(outputs[i]["details"]["confidence"]), scores[k])
                   for k, i in enumerate(r.report.segment_ids)
                   if isinstance(outputs[i].get("details"), Mapping)
                   and outputs[i]["details"].get("confidence") is not None)
    if len(pairs) < bins:
        return []
    rows = []
    for b in range(bins):
        chunk = pairs[b * len(pairs) // bins:(b + 1) * len(pairs) // bins]
        if chunk:
            rows.append((f"{chunk[0][0]:.2f} to {chunk[-1][0]:.2f}", len(chunk),
                         sum(x for _, x in chunk) / len(chunk)))
    return rows


@dataclass(frozen=True)
class PublishedRow:
    """One row of "this run vs published": a run of a registry set, or a figure quoted for it."""

    system: str
    protocol: str
    scores: Mapping[str, float]
    source: str  # "this run (folder)" or the publication
    note: str = ""
    measured: bool = False


def published_tables(runs: Sequence[RunRecord]) -> list[tuple[str, list[PublishedRow], list[str]]]:
    """Per registry set that carries published figures: the runs on it beside those figures
    (rows), and notes saying where the two are not comparable (another protocol, a sample)."""
    by_set: dict[str, list[RunRecord]] = {}
    published: dict[str, list[PublishedScore]] = {}
    for r in runs:
        ds = r.provenance.get("dataset", {})
        quoted = ds.get("published") or []
        if not quoted:
            continue
        base = str(ds.get("name", "?")).split("[", 1)[0]
        by_set.setdefault(base, []).append(r)
        published.setdefault(base, [PublishedScore.from_dict(q) for q in quoted])
    out = []
    for name, members in by_set.items():
        rows, notes = [], []
        for r in members:
            proto = r.report.rouge_protocol or "–"
            rows.append(PublishedRow(system_label(r), proto,
                                     {s.name: s.score for s in r.report.scores},
                                     f"this run ({r.name})", measured=True))
            subset = r.provenance.get("dataset", {}).get("subset")
            if subset:
                notes.append(f"{r.name} scored a {subset.get('method')} of {subset.get('n')} of "
                             f"{subset.get('of')} {subset.get('unit')}; the published figures "
                             "are on the whole test set")
            for p in published[name]:
                if p.protocol != proto:
                    notes.append(f"{r.name} was scored under ROUGE protocol {proto}, "
                                 f"{p.system} under {p.protocol}: not comparable; re-run it with "
                                 f"--rouge-protocol {p.protocol} (finished outputs are reused)")
        for p in published[name]:
            rows.append(PublishedRow(p.system, p.protocol, p.scores, p.source, p.note))
        out.append((name, rows, list(dict.fromkeys(notes))))
    return out


def _published_metrics(rows: Sequence[PublishedRow]) -> list[str]:
    quoted = [m for row in rows if not row.measured for m in row.scores]
    order = ["ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum"]
    return [m for m in order if m in quoted] + sorted(set(quoted) - set(order))


def render_markdown(runs: Sequence[RunRecord], comparisons: Sequence[Comparison] = (),
                    *, width: int = 1) -> str:
    names = _metric_names(runs)
    lines = ["# Evaluation report", "",
             f"{len(runs)} run(s); scores with 95% bootstrap confidence intervals.", "",
             "## Scores", "",
             "| Metric | " + " | ".join(_md_cell(r.name) for r in runs) + " |",
             "|---|" + "---:|" * len(runs),
             "| System | " + " | ".join(_md_cell(system_label(r)) for r in runs) + " |",
             "| ROUGE protocol | " + " | ".join(_md_cell(r.report.rouge_protocol or "–")
                                               for r in runs) + " |"]
    for n in names:
        cells = []
        for r in runs:
            try:
                s = r.report.get(n)
                cells.append(f"{_fmt(s.score, width)} {_ci_text(s, width)}".strip())
            except KeyError:
                cells.append("–")
        lines.append(f"| {_md_cell(n)} | " + " | ".join(cells) + " |")
    for cmp in comparisons:
        lines += ["", f"## Paired significance against {_md_cell(cmp.baseline)}", "",
                  f"Paired bootstrap, {cmp.n_samples} resamples, seed {cmp.seed}.", "",
                  "| System | Metric | Score | Δ | p |", "|---|---|---:|---:|---:|"]
        for res in cmp.results:
            if res.p_value is None:
                continue
            lines.append(f"| {_md_cell(res.system)} | {_md_cell(res.metric)} | "
                         f"{_fmt(res.score, width)} | {res.delta:+.{width}f} | {res.p_value:.4f} |")
    for name, rows, notes in published_tables(runs):
        metrics = _published_metrics(rows)
        lines += ["", f"## This run vs published: {_md_cell(name)}", "",
                  "Published figures are quoted from their sources, not measured here.", "",
                  "| System | ROUGE protocol | " + " | ".join(metrics) + " | Source |",
                  "|---|---|" + "---:|" * len(metrics) + "---|"]
        for row in rows:
            cells = [_fmt(row.scores[m], 2) if m in row.scores else "–" for m in metrics]
            src = row.source + (f" ({row.note})" if row.note else "")
            lines.append(f"| {_md_cell(row.system)} | {_md_cell(row.protocol)} | "
                         + " | ".join(cells) + f" | {_md_cell(src)} |")
        lines += [""] + [f"- {_md_cell(n)}" for n in notes] if notes else []
    facts = [_run_facts(r) for r in runs]
    keys = list(facts[0]) if facts else []
    lines += ["", "## Runs", "", "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for f in facts:
        lines.append("| " + " | ".join(_md_cell(f[k]) for k in keys) + " |")
    for r in runs:
        rows = confidence_calibration(r)
        if rows:
            lines += ["", f"## Confidence against chrF: {_md_cell(r.name)}", "",
                      _CALIBRATION_NOTE, "", "| Confidence | Segments | Mean chrF |",
                      "|---|---:|---:|"]
            lines += [f"| {band} | {n} | {mean:.1f} |" for band, n, mean in rows]
    lines += ["", "## Signatures", ""]
    for r in runs:
        for s in r.report.scores:
            lines.append(f"- {_md_cell(r.name)} {s.name}: `{s.signature}`")
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Naskh Arabic",sans-serif;
margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}
th,td{border:1px solid #ccc;padding:.3rem .6rem;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.best{font-weight:bold}.note{color:#8a5a00}code{font-size:.85rem;word-break:break-all}
td.text{max-width:28rem;unicode-bidi:plaintext}figure{margin:1rem 0}img{max-width:100%}
"""


def _lang_attr(lang: str) -> str:
    return f' lang="{html.escape(lang)}"' if lang and lang != "und" else ""


def _text_cell(text: Optional[str], lang: str) -> str:
    # dir="auto": each cell takes its direction from its own first strong character, so Arabic
    # reads right-to-left and English left-to-right in the same table.
    return f'<td class="text" dir="auto"{_lang_attr(lang)}>{html.escape(text or "")}</td>'


def render_html(runs: Sequence[RunRecord], comparisons: Sequence[Comparison] = (), *,
                plots: bool = True, width: int = 1, examples: int = 5) -> str:
    """A self-contained page (inline CSS and images) comparing ``runs`` side by side."""
    e = html.escape
    names = _metric_names(runs)
    parts = ['<!DOCTYPE html>', '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>tarjama evaluation report</title>", f"<style>{_CSS}</style>", "</head>",
             "<body>", "<h1>Evaluation report</h1>",
             f"<p>{len(runs)} run(s), generated {e(_dt.date.today().isoformat())}. Scores with "
             "95% bootstrap confidence intervals; ↑ higher is better, ↓ lower is better.</p>",
             "<h2>Scores</h2>", "<table>", "<tr><th>Metric</th>"
             + "".join(f'<th dir="auto">{e(r.name)}</th>' for r in runs) + "</tr>",
             "<tr><th>System</th>"
             + "".join(f'<td dir="auto">{e(system_label(r))}</td>' for r in runs) + "</tr>",
             "<tr><th>ROUGE protocol</th>"
             + "".join(f"<td>{e(r.report.rouge_protocol or '–')}</td>" for r in runs) + "</tr>"]
    for n in names:
        present = [(r, r.report.get(n)) for r in runs if any(s.name == n for s in r.report.scores)]
        hib = present[0][1].higher_is_better if present else True
        best = (max if hib else min)(s.score for _, s in present) if len(present) > 1 else None
        row = f"<tr><th>{e(n)} {'↑' if hib else '↓'}</th>"
        for r in runs:
            try:
                s = r.report.get(n)
            except KeyError:
                row += '<td class="num">–</td>'
                continue
            cls = "num best" if best is not None and s.score == best else "num"
            row += (f'<td class="{cls}">{e(_fmt(s.score, width))}<br>'
                    f"<small>{e(_ci_text(s, width))}</small></td>")
        parts.append(row + "</tr>")
    parts.append("</table>")

    for cmp in comparisons:
        parts += ['<h2>Paired significance against '
                  f'<span dir="auto">{e(cmp.baseline)}</span></h2>',
                  f"<p>Paired bootstrap, {cmp.n_samples} resamples, seed {cmp.seed}; "
                  "p &lt; 0.05 marked *.</p>",
                  "<table><tr><th>System</th><th>Metric</th><th>Score</th><th>Δ</th>"
                  "<th>p</th></tr>"]
        for res in cmp.results:
            if res.p_value is None:
                continue
            star = "*" if res.p_value < 0.05 else ""
            parts.append(f'<tr><td dir="auto">{e(res.system)}</td><td>{e(res.metric)}</td>'
                         f'<td class="num">{_fmt(res.score, width)}</td>'
                         f'<td class="num">{res.delta:+.{width}f}</td>'
                         f'<td class="num">{res.p_value:.4f}{star}</td></tr>')
        parts.append("</table>")

    for name, rows, notes in published_tables(runs):
        metrics = _published_metrics(rows)
        parts += [f"<h2>This run vs published: {e(name)}</h2>",
                  "<p>Published figures are quoted from their sources, not measured here.</p>",
                  "<table><tr><th>System</th><th>ROUGE protocol</th>"
                  + "".join(f"<th>{e(m)}</th>" for m in metrics) + "<th>Source</th></tr>"]
        for row in rows:
            cells = "".join(f'<td class="num">{_fmt(row.scores[m], 2)}</td>' if m in row.scores
                            else '<td class="num">–</td>' for m in metrics)
            src = row.source + (f" ({row.note})" if row.note else "")
            style = ' style="font-weight:bold"' if row.measured else ""
            parts.append(f'<tr{style}><td dir="auto">{e(row.system)}</td><td>{e(row.protocol)}'
                         f"</td>{cells}<td>{e(src)}</td></tr>")
        parts.append("</table>")
        parts += [f'<p class="note">{e(n)}</p>' for n in notes]

    facts = [_run_facts(r) for r in runs]
    if facts:
        parts += ["<h2>Runs</h2>", "<table><tr>" + "".join(f"<th>{e(k)}</th>" for k in facts[0])
                  + "</tr>"]
        for f in facts:
            cells = "".join(f'<td dir="auto">{e(v)}</td>' for v in f.values())
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    for r in runs:
        rows = confidence_calibration(r)
        if rows:
            parts += [f"<h2>Confidence against chrF: {e(r.name)}</h2>", f"<p>{e(_CALIBRATION_NOTE)}</p>",
                      "<table><tr><th>Confidence</th><th>Segments</th><th>Mean chrF</th></tr>"]
            parts += [f'<tr><td>{e(band)}</td><td class="num">{n}</td><td class="num">{mean:.1f}</td></tr>'
                      for band, n, mean in rows]
            parts.append("</table>")

    parts.append("<h2>Plots</h2>")
    metric = _primary_metric(runs)
    if not plots:
        parts.append('<p class="note">Plots were not requested.</p>')
    elif not _matplotlib_available():
        parts.append('<p class="note">Plots omitted: matplotlib is not installed '
                     "(<code>pip install matplotlib</code>).</p>")
    elif metric is None:
        parts.append('<p class="note">Plots omitted: the runs share no per-segment metric.</p>')
    else:
        for title, img in _plots(runs, metric):
            parts.append(f"<figure>{img}<figcaption>{e(title)}</figcaption></figure>")

    if metric is not None and examples > 0:
        parts.append("<h2>Lowest-scoring segments</h2>")
        for r in runs:
            own = metric if metric in r.report.segment_scores else _primary_metric([r])
            if own is None:
                continue
            seg = r.report.segment_scores[own]
            order = sorted(range(len(seg)), key=lambda i: (seg[i], i))[:examples]
            parts += [f'<h3><span dir="auto">{e(r.name)}</span> ({e(own)})</h3>',
                      "<table><tr><th>Id</th><th>Score</th><th>Source</th><th>Hypothesis</th>"
                      "<th>Reference</th></tr>"]
            for i in order:
                ref = r.references[0][i] if r.references else ""
                parts.append(f'<tr><td dir="auto">{e(r.report.segment_ids[i])}</td>'
                             f'<td class="num">{seg[i]:.1f}</td>'
                             + _text_cell(r.sources[i] if i < len(r.sources) else "", r.source_lang)
                             + _text_cell(r.hypotheses[i], r.target_lang)
                             + _text_cell(ref, r.target_lang) + "</tr>")
            parts.append("</table>")

    parts += ["<h2>Signatures</h2>", "<ul>"]
    for r in runs:
        for s in r.report.scores:
            parts.append(f'<li><span dir="auto">{e(r.name)}</span> {e(s.name)}: '
                         f"<code>{e(s.signature)}</code></li>")
    parts += ["</ul>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def write_report(paths: Sequence[Path], out: Path, *, plots: bool = True,
                 significance: bool = True, n_samples: int = 1000, seed: int = DEFAULT_SEED,
                 width: int = 1) -> Path:
    """``tarjama eval report``: Markdown (``.md``) or HTML (``.html``) by the output's suffix."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".md", ".markdown"):
        raise InputError(f"report file {out} must end in .html or .md")
    runs = find_runs(paths)
    comparisons = significance_between_runs(runs, n_samples=n_samples, seed=seed) \
        if significance else []
    if suffix in (".md", ".markdown"):
        text = render_markdown(runs, comparisons, width=width)
    else:
        text = render_html(runs, comparisons, plots=plots, width=width)
    atomic_write_text(out, text)
    return out
