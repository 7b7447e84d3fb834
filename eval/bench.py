"""`tarjama bench`: translation speed of tarjama's paths against the naive transformers usage.

Every system runs in a fresh process (its own peak RSS, model load and first-output times) on
the same articles, translated whole through each system's own document handling. Random
weights never stop by themselves, so every system is forced to the same output length: each
sentence gets exactly round(ratio x its source tokens) decoder steps, and the baseline's
paragraph gets the sum over its sentences. Throughput counts those forced tokens, identical for
all systems; tarjama's batches also decode padding rows past shorter inputs' bounds, work that
is counted against it.

The baseline is what transformers' MarianMT documentation shows, once per paragraph: tokenize
(truncating at the model's 512-token window), `generate` with beam search, decode. That is what
`pipeline("translation")` did; transformers 5 removed that pipeline task.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Optional, Sequence

log = logging.getLogger(__name__)

SYSTEMS = ("baseline", "fp32", "int8", "ctranslate2")
SYSTEM_LABELS = {
    "baseline": "naive transformers, one paragraph at a time",
    "fp32": "tarjama, torch float32 (default)",
    "int8": "tarjama --quantize int8",
    "ctranslate2": "tarjama --backend ctranslate2 (int8)",
}
_SENTENCES_PER_PARAGRAPH = 3


@dataclass(frozen=True)
class Workload:
    name: str
    articles: tuple[tuple[str, ...], ...]  # articles, each a tuple of paragraphs
    # English references laid out like `articles` (NTREX), for the quality check; None if unknown.
    references: tuple[tuple[str, ...], ...] | None = None

    @property
    def paragraphs(self) -> int:
        return sum(len(a) for a in self.articles)


@dataclass(frozen=True)
class BenchConfig:
    model_dir: str  # a directory loadable with from_pretrained (real or synthetic)
    model_label: str
    synthetic: bool
    beams: int = 4
    length_ratio: float = 1.2
    threads: Optional[int] = None
    batch_tokens: int | None = None  # None: each backend's default
    # The model's direction: en->ar models read English (passthrough rules, NTREX side).
    source_lang: str = "ar"
    target_lang: str = "en"


@dataclass
class SystemResult:
    system: str
    label: str
    wall_s: float  # translation only, model load excluded
    load_s: float
    first_output_s: float
    tokens: int  # forced decoder steps that count (the same for every system)
    sentences: int
    peak_rss_mb: float
    truncated_paragraphs: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list, repr=False)

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.wall_s if self.wall_s else 0.0

    @property
    def sentences_per_s(self) -> float:
        return self.sentences / self.wall_s if self.wall_s else 0.0


def ntrex_workload(data_dir: Optional[Path], docs: int, lang: str = "ar") -> Workload:
    """NTREX-128 documents as articles in `lang` (its Arabic or its English side, the other as
    references): the headline, then paragraphs of three sentences."""
    from tarjama.eval.datasets import load_dataset

    data = load_dataset("ntrex128", data_dir=data_dir).head(docs, unit="documents")
    by_doc: dict[str, list[tuple[str, str]]] = {}
    for seg in data.segments:
        by_doc.setdefault(seg.doc_id or "", []).append((seg.source, seg.refs[0] or ""))
    articles, references = [], []
    for pairs in by_doc.values():
        source_side = 1 if lang == "en" else 0
        for side, out in ((source_side, articles), (1 - source_side, references)):
            lines = [pair[side] for pair in pairs]
            body = lines[1:]
            paras = [" ".join(body[i : i + _SENTENCES_PER_PARAGRAPH])
                     for i in range(0, len(body), _SENTENCES_PER_PARAGRAPH)]
            out.append(tuple([lines[0], *paras]))
    return Workload(f"ntrex128 ({len(articles)} documents)", tuple(articles), tuple(references))


def folder_workload(path: Path, limit: Optional[int]) -> Workload:
    """Articles from a folder of .txt files or a JSONL file with a "text" field."""
    from tarjama.errors import InputError

    texts: list[str] = []
    if path.is_dir():
        texts = [p.read_text(encoding="utf-8") for p in sorted(path.glob("*.txt"))]
    elif path.suffix == ".jsonl":
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    texts.append(json.loads(line)["text"])
                except (ValueError, KeyError, TypeError):
                    raise InputError(f"{path}: line {n} is not a JSON object with a \"text\" field") from None
    else:
        raise InputError(f"{path}: expected a folder of .txt files or a .jsonl file")
    texts = texts[:limit] if limit else texts
    articles = tuple(tuple(p for p in t.splitlines() if p.strip()) for t in texts)
    articles = tuple(a for a in articles if a)
    if not articles:
        raise InputError(f"{path}: no articles found")
    return Workload(f"{path} ({len(articles)} articles)", articles)


def scaling_articles(workload: Workload, sizes: Sequence[int], lang: str = "ar"
                     ) -> list[tuple[int, tuple[str, ...]]]:
    """Articles of 1, 10, 100... paragraphs, cycling through the workload's body paragraphs."""
    from tarjama.nlp.script import passthrough_reason

    # Paragraphs with something to translate (a dateline alone would make a 0-sentence article).
    body = [p for a in workload.articles for p in a[1:] if passthrough_reason(p, lang) is None]
    pool = body or [p for a in workload.articles for p in a]
    return [(n, tuple(pool[i % len(pool)] for i in range(n))) for n in sizes]


def _sentence_targets(tokenizer: Any, paragraph: str, ratio: float, lang: str = "ar") -> list[int]:
    from tarjama.nlp.document import paragraph_sentences
    from tarjama.nlp.script import passthrough_reason

    # The sentences tarjama sends to the model (it copies dates, numbers, foreign-script lines).
    sentences = [s.normalized for s in paragraph_sentences(paragraph)
                 if passthrough_reason(s.normalized, lang) is None]
    counts = [len(x) for x in tokenizer(sentences, add_special_tokens=True)["input_ids"]] if sentences else []
    return [max(1, round(ratio * n)) for n in counts]


def _peak_rss_mb() -> float:
    # VmHWM, not getrusage: ru_maxrss survives exec, so a worker spawned by a large parent
    # would report the parent's peak as its own.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _quiet() -> None:
    for name in ("transformers", "huggingface_hub"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def _run_baseline(config: BenchConfig, articles: Sequence[Sequence[str]]) -> SystemResult:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    if config.threads:
        torch.set_num_threads(config.threads)
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(config.model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(config.model_dir)
    model.eval()
    load_s = time.perf_counter() - started
    window = getattr(model.config, "max_position_embeddings", 512)
    outputs: list[str] = []
    tokens = sentences = truncated = capped = 0
    first = 0.0
    started = time.perf_counter()
    for article in articles:
        for paragraph in article:
            targets = _sentence_targets(tokenizer, paragraph, config.length_ratio,
                                        config.source_lang)
            if not targets:
                outputs.append(paragraph)
                continue
            # The decoder cannot go past its position table: a longer forced output is capped
            # (and counted as such) rather than crashing.
            k = min(sum(targets), window - 2)
            capped += k < sum(targets)
            encoded = tokenizer(paragraph, return_tensors="pt", truncation=True,
                                max_length=min(512, window))
            truncated += len(tokenizer(paragraph)["input_ids"]) > min(512, window)
            with torch.no_grad():
                out = model.generate(**encoded, num_beams=config.beams, max_new_tokens=k,
                                     min_new_tokens=k)
            outputs.append(tokenizer.decode(out[0], skip_special_tokens=True))
            tokens += k
            sentences += len(targets)
            first = first or time.perf_counter() - started
    wall = time.perf_counter() - started
    extra = {"capped_paragraphs": capped} if capped else {}
    return SystemResult("baseline", SYSTEM_LABELS["baseline"], wall, load_s, first, tokens,
                        sentences, _peak_rss_mb(), truncated, extra=extra, outputs=outputs)


def _open(config: BenchConfig, system: str, force: bool) -> Any:
    from tarjama.models.session import TranslationRequest, open_translator
    from tarjama.models.translator import DecodingConfig

    request = TranslationRequest(
        model=config.model_dir, device="cpu", threads=config.threads, beams=config.beams,
        source_lang=config.source_lang, target_lang=config.target_lang,
        batch_tokens=config.batch_tokens,
        quantize="int8" if system == "int8" else None,
        backend="ctranslate2" if system == "ctranslate2" else "torch",
    )
    translator = open_translator(request)
    if force:
        translator.config = DecodingConfig(**{
            **asdict(translator.config), "force_length": True,
            "max_length_ratio": config.length_ratio, "max_length_offset": 0,
        })
    return translator


def _run_tarjama(config: BenchConfig, system: str, articles: Sequence[Sequence[str]],
                 force: bool = True) -> SystemResult:
    from tarjama.nlp.document import Line
    from tarjama.nlp.translate import TranslationStats, translate_lines

    started = time.perf_counter()
    translator = _open(config, system, force)
    load_s = time.perf_counter() - started
    # All articles in one stream, a blank line between them: batches span articles.
    lines: list[Line] = []
    for article in articles:
        for paragraph in article:
            lines.append(Line(len(lines) + 1, 0, paragraph))
        lines.append(Line(len(lines) + 1, 0, ""))
    stats = TranslationStats()
    counted = _CountingTranslator(translator)
    outputs: list[str] = []
    first = 0.0
    started = time.perf_counter()
    for para in translate_lines(lines, counted, source_lang=config.source_lang, stats=stats):
        outputs.append(para.translation)
        first = first or time.perf_counter() - started
    wall = time.perf_counter() - started
    extra = {k: v for k, v in translator.loaded.provenance.items()
             if k in ("quantize_seconds", "convert_seconds", "ct2_quantization")}
    return SystemResult(system, SYSTEM_LABELS[system], wall, load_s, first, counted.tokens,
                        stats.translated, _peak_rss_mb(), extra=extra, outputs=outputs)


class _CountingTranslator:
    """Passes through to the translator, adding up each segment's forced decoder steps."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.max_segment_tokens = inner.max_segment_tokens
        self.tokens = 0

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return self.inner.encode(texts)

    def translate(self, segments: Sequence[Any]) -> list[Any]:
        if self.inner.config.force_length:
            self.tokens += sum(self.inner.bound(len(s.ids)) for s in segments)
        outs = self.inner.translate(segments)
        if not self.inner.config.force_length:
            self.tokens += sum(o.output_tokens for o in outs)
        return outs


def _worker(config: BenchConfig, system: str, articles: Sequence[Sequence[str]],
            force: bool) -> SystemResult:
    _quiet()
    if system == "baseline":
        return _run_baseline(config, articles)
    return _run_tarjama(config, system, articles, force)


def run_isolated(config: BenchConfig, system: str, articles: Sequence[Sequence[str]],
                 force: bool = True) -> SystemResult:
    """Run one system in a fresh process, so its memory and load time are its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_worker, config, system, articles, force).result()


def available_systems() -> tuple[str, ...]:
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return tuple(s for s in SYSTEMS if s != "ctranslate2")
    return SYSTEMS


def agreement(reference: Sequence[str], other: Sequence[str]) -> dict[str, float]:
    """How close two systems' outputs are: exact-match rate and chrF of `other` against
    `reference`. With random weights this measures numerical agreement, not quality."""
    from tarjama.eval.scoring import score_texts

    exact = sum(a == b for a, b in zip(reference, other)) / max(1, len(reference))
    pairs = [(r, o) for r, o in zip(reference, other) if r.strip()]
    chrf = score_texts([o for _, o in pairs], [[r for r, _ in pairs]], metrics=["chrf"],
                       n_bootstrap=0).scores[0].score if pairs else 0.0
    return {"exact_match": round(exact, 4), "chrf_vs_fp32": round(chrf, 2)}


def system_rows(results: Sequence[SystemResult]) -> list[dict[str, Any]]:
    base = next((r for r in results if r.system == "baseline"), None)
    rows = []
    for r in results:
        row = {
            "system": r.system, "label": r.label, "wall_s": round(r.wall_s, 2),
            "tokens": r.tokens, "tokens_per_s": round(r.tokens_per_s, 1),
            "sentences": r.sentences, "sentences_per_s": round(r.sentences_per_s, 2),
            "peak_rss_mb": round(r.peak_rss_mb), "load_s": round(r.load_s, 2),
            "first_output_s": round(r.first_output_s, 2),
            "speedup": round(r.tokens_per_s / base.tokens_per_s, 2) if base and base.tokens_per_s else None,
            **({"truncated_paragraphs": r.truncated_paragraphs} if r.system == "baseline" else {}),
            **r.extra,
        }
        rows.append(row)
    return rows


def environment() -> dict[str, Any]:
    import platform

    import torch
    import transformers

    return {
        "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(), "torch": torch.__version__,
        "transformers": transformers.__version__, "machine": platform.machine(),
    }


def run_bench(config: BenchConfig, workload: Workload, systems: Sequence[str], *,
              scaling: Sequence[int] = (1, 10, 100), scaling_system: str = "fp32",
              quality: bool = False, progress: Any = None) -> dict[str, Any]:
    """Run the systems side by side, then the scaling check; return everything as plain data."""
    say = progress or (lambda _msg: None)
    results: list[SystemResult] = []
    for system in systems:
        say(f"running {system}: {SYSTEM_LABELS[system]}")
        results.append(run_isolated(config, system, workload.articles))
    report: dict[str, Any] = {
        "workload": workload.name, "paragraphs": workload.paragraphs,
        "model": config.model_label, "synthetic": config.synthetic,
        "beams": config.beams,
        "forced_length": f"every sentence decodes exactly round({config.length_ratio} x source "
                         "tokens) steps; the baseline's paragraph the sum over its sentences",
        "environment": environment(),
        "systems": system_rows(results),
    }
    fp32 = next((r for r in results if r.system == "fp32"), None)
    if fp32 is not None:
        report["agreement_with_fp32"] = {
            r.system: agreement(fp32.outputs, r.outputs)
            for r in results if r.system not in ("fp32", "baseline")
        }
        report["agreement_note"] = ("random weights: agreement of outputs, not quality"
                                    if config.synthetic else "outputs under forced lengths")
    if scaling:
        say(f"scaling check with {scaling_system}: articles of {', '.join(map(str, scaling))} paragraphs")
        rows = []
        for n, article in scaling_articles(workload, scaling, config.source_lang):
            r = run_isolated(config, scaling_system, [article])
            rows.append({"paragraphs": n, "sentences": r.sentences, "wall_s": round(r.wall_s, 2),
                         "ms_per_sentence": round(1000 * r.wall_s / max(1, r.sentences), 1),
                         "tokens_per_s": round(r.tokens_per_s, 1)})
        report["scaling"] = {"system": scaling_system, "rows": rows}
    if quality:
        report["quality"] = quality_check(config, workload, systems, say)
    return report


def quality_check(config: BenchConfig, workload: Workload, systems: Sequence[str],
                  say: Any) -> dict[str, Any]:
    """fp32 against the faster paths without forced lengths: scores against the references for a
    real model with a reference workload; agreement of outputs for random weights."""
    fast = [s for s in systems if s in ("int8", "ctranslate2")]
    say(f"quality check: fp32 vs {', '.join(fast)} (free decoding)")
    outs = {s: run_isolated(config, s, workload.articles, force=False).outputs
            for s in ["fp32", *fast]}
    if config.synthetic:
        return {"note": "random weights: agreement of outputs with fp32, labelled as such",
                **{s: agreement(outs["fp32"], outs[s]) for s in fast}}
    if workload.references is None:
        return {"note": "no references are attached to this workload: agreement with fp32 "
                        "outputs; use `tarjama eval run --quantize int8` / `--backend "
                        "ctranslate2` against a data set for BLEU differences",
                **{s: agreement(outs["fp32"], outs[s]) for s in fast}}
    return {"note": "BLEU and chrF against the workload's references (sacrebleu, paragraph "
                    "level); differences are the faster path minus fp32",
            **reference_scores(outs, [p for a in workload.references for p in a], fast)}


def reference_scores(outputs: dict[str, list[str]], references: Sequence[str],
                     fast: Sequence[str]) -> dict[str, Any]:
    """Each system's BLEU and chrF against the references, and the faster paths' difference
    from fp32 with the paired-bootstrap p-value (eval harness)."""
    from tarjama.eval.metrics import build_metrics
    from tarjama.eval.scoring import score_texts
    from tarjama.eval.significance import compare_systems

    refs = [list(references)]
    out: dict[str, Any] = {}
    for system, hyps in outputs.items():
        if len(hyps) != len(references):
            raise ValueError(f"{system}: {len(hyps)} outputs for {len(references)} references")
        report = score_texts(hyps, refs, metrics=["bleu", "chrf"], n_bootstrap=0)
        out[system] = {score.name: round(score.score, 2) for score in report.scores}
    for system in fast:
        out[system]["delta_vs_fp32"] = {
            metric: round(out[system][metric] - out["fp32"][metric], 2) for metric in out["fp32"]}
    cmp = compare_systems([("fp32", outputs["fp32"]), *((s, outputs[s]) for s in fast)], refs,
                          build_metrics(["bleu", "chrf"]))
    out["significance"] = cmp.to_dict()
    return out


SYSTEM_NAMES = ("baseline", "fp32", "int8", "ctranslate2")


def bench(*, model: Optional[str] = None, synthetic: Optional[str] = None,
          data_dir: Optional[Path] = None, articles: Optional[Path] = None, docs: int = 6,
          systems: str = "baseline,fp32,int8,ctranslate2", beams: int = 4,
          length_ratio: float = 1.2, scaling: str = "1,10,100", scaling_system: str = "fp32",
          quality: bool = False, threads: Optional[int] = None) -> dict[str, Any]:
    """`tarjama bench`: time each system on the workload, side by side, in fresh processes.

    Either `model` (downloaded) or `synthetic` (a registry name: a random-weight model of its
    exact architecture is built first, for speed only). Returns the report :func:`run_bench`
    gives; :func:`print_bench` shows it.
    """
    import tempfile

    from tarjama.errors import UsageError
    from tarjama.models.loading import LoadOptions, locate, resolve_model
    from tarjama.models.registry import get_spec
    from tarjama.models.synthetic import build_synthetic_marian

    if (model is None) == (synthetic is None):
        raise UsageError("give either --model NAME|DIR (downloaded) or --synthetic NAME")
    wanted = [s.strip() for s in systems.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SYSTEM_NAMES]
    if unknown:
        raise UsageError(f"unknown system(s) {', '.join(unknown)}; use baseline, fp32, int8, ctranslate2")
    missing = [s for s in wanted if s not in available_systems()]
    if missing:
        log.warning("skipping %s: pip install 'tarjama[fast]' for CTranslate2", ", ".join(missing))
        wanted = [s for s in wanted if s not in missing]
    # The direction the registry gives the model; a directory is taken as ar->en.
    ref_spec = get_spec(synthetic) if synthetic is not None else resolve_model(model or "").spec
    source_lang, target_lang = ((ref_spec.source_lang, ref_spec.target_lang)
                                if ref_spec is not None else ("ar", "en"))
    if ref_spec is not None and ref_spec.task != "translation":
        raise UsageError(f"{ref_spec.name} is a {ref_spec.task} model; bench measures translation")
    workload = (folder_workload(articles, docs) if articles
                else ntrex_workload(data_dir, docs, source_lang))
    sizes = [int(x) for x in scaling.split(",") if x.strip()]
    with tempfile.TemporaryDirectory(prefix="tarjama-bench-") as tmp:
        if synthetic is not None:
            spec = get_spec(synthetic)
            texts = [p for a in workload.articles for p in a]
            log.warning("building a random-weight model shaped like %s (speed only)", spec.hub_id)
            model_dir = build_synthetic_marian(spec, texts, Path(tmp) / spec.name)
            label = f"synthetic {spec.name} (random weights, real architecture)"
        else:
            assert model is not None
            model_dir, _ = locate(resolve_model(model), LoadOptions(), download=False)
            label = model
        config = BenchConfig(model_dir=str(model_dir), model_label=label,
                             synthetic=synthetic is not None, beams=beams,
                             length_ratio=length_ratio, threads=threads,
                             source_lang=source_lang, target_lang=target_lang)
        report = run_bench(config, workload, wanted, scaling=sizes, scaling_system=scaling_system,
                           quality=quality, progress=lambda msg: log.warning("%s", msg))
    return report


def print_bench(report: dict[str, Any], console: Any = None) -> None:
    """The report as tables: systems side by side, scaling, agreement and quality."""
    from rich.console import Console
    from rich.table import Table

    # Eight numeric columns need the room.
    console = console or Console(width=max(Console().width, 110))
    console.print(f"[bold]{report['model']}[/] on {report['workload']}, {report['paragraphs']} "
                  f"paragraphs, beam {report['beams']}; forced lengths: {report['forced_length']}")
    table = Table("system", "wall s", "tokens/s", "sent/s", "peak RSS MB", "load s",
                  "1st output s", "vs baseline")
    for r in report["systems"]:
        ratio = f"{r['speedup']:.2f}x" if r.get("speedup") else "-"
        table.add_row(r["system"], f"{r['wall_s']:.1f}", f"{r['tokens_per_s']:.0f}",
                      f"{r['sentences_per_s']:.2f}", f"{r['peak_rss_mb']}", f"{r['load_s']:.1f}",
                      f"{r['first_output_s']:.1f}", ratio)
    console.print(table)
    for r in report["systems"]:
        console.print(f"  {r['system']}: {r['label']}")
    for r in report["systems"]:
        if r.get("truncated_paragraphs"):
            console.print(f"baseline: {r['truncated_paragraphs']} paragraph(s) longer than the "
                          "model's window were truncated (the baseline only)")
    if "scaling" in report:
        scale = Table("paragraphs", "sentences", "wall s", "ms / sentence", "tokens/s",
                      title=f"scaling ({report['scaling']['system']})")
        for row in report["scaling"]["rows"]:
            scale.add_row(str(row["paragraphs"]), str(row["sentences"]), f"{row['wall_s']:.1f}",
                          f"{row['ms_per_sentence']:.0f}", f"{row['tokens_per_s']:.0f}")
        console.print(scale)
    if report.get("agreement_with_fp32"):
        console.print(f"agreement with fp32 ({report['agreement_note']}):")
        for system, a in report["agreement_with_fp32"].items():
            console.print(f"  {system}: {100 * a['exact_match']:.0f}% of paragraphs identical, "
                          f"chrF {a['chrf_vs_fp32']:.1f} against fp32")
    if "quality" in report:
        console.print(f"quality: {json.dumps(report['quality'], ensure_ascii=False)}")
