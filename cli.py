"""tarjama's command line: a thin typer layer over the public API (tarjama.api) and the library.

Data goes to stdout (or -o FILE), messages to stderr. User errors print one line,
`tarjama: error: ...`, and exit with the code documented in tarjama.errors.ExitCode.
"""

from __future__ import annotations

import errno
import functools
import json
import logging
import os
import signal
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, TypeVar

import typer
import typer.core
from tarjama import __version__
from tarjama.errors import ExitCode, OutputError, TarjamaError, Terminated
from tarjama.outputs import check_output, output_failed, output_stream, termination_raises

log = logging.getLogger("tarjama")


class _OneLineErrors(typer.core.TyperGroup):
    """Usage errors (a bad option value, an unknown option, a missing argument) as one
    `tarjama: error: ...` line and exit code 2, like every other error, not click's box."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = code if isinstance(code, int) else 0
        except typer.TyperException as exc:  # click's UsageError, BadParameter, NoSuchOption, ...
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
                typer.echo(ctx.get_help(), err=True)
            else:
                hint = f" (see '{ctx.command_path if ctx is not None else 'tarjama'} --help')"
                message = " ".join(exc.format_message().split()).rstrip(".")
                typer.echo(f"tarjama: error: {message}{hint}", err=True)
            code = getattr(exc, "exit_code", ExitCode.USAGE)
        except typer.Abort:  # EOF at a prompt
            typer.echo("tarjama: error: aborted", err=True)
            code = ExitCode.INTERNAL
        if standalone_mode:
            sys.exit(int(code))
        return code


app = typer.Typer(
    name="tarjama",
    help="Arabic <-> English translation and summarization of news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_OneLineErrors,
)
models_app = typer.Typer(help="List, download and inspect models.", no_args_is_help=True)
app.add_typer(models_app, name="models")
eval_app = typer.Typer(help="Score outputs, compare systems, run benchmarks, write reports.",
                       no_args_is_help=True)
app.add_typer(eval_app, name="eval")

F = TypeVar("F", bound=Callable[..., Any])


# Errors only an output can have; raised by a library write that did not go through outputs.py.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def _quiet_stdout() -> None:
    """After stdout failed (disk full, reader gone), send what is still buffered to /dev/null, so
    the interpreter's last flush does not fail again with a traceback."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass


def _flush_stdout() -> None:
    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:  # `> /dev/full`: the last of the output fails only now
        raise output_failed("<stdout>", exc, "write failed") from None


def handled(func: F) -> F:
    """Turn project errors into one stderr line and their exit code; never a traceback.

    SIGTERM and SIGHUP stop a command the way Ctrl-C does (temporary files removed), with exit
    code 128 + the signal's number.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with termination_raises():
                result = func(*args, **kwargs)
                _flush_stdout()  # a write failure at flush time is still this command's
            return result
        except TarjamaError as exc:
            if isinstance(exc, OutputError):
                _quiet_stdout()
            typer.echo(f"tarjama: error: {exc.message}", err=True)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            typer.echo("tarjama: interrupted", err=True)
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except Terminated as exc:
            typer.echo(f"tarjama: stopped by {signal.Signals(exc.signum).name}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            # `tarjama translate x | head`: the reader left; that is not an error of ours.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except OSError as exc:
            if exc.errno not in _WRITE_ERRNOS or os.environ.get("TARJAMA_DEBUG"):
                return _internal(exc)
            _quiet_stdout()
            where = exc.filename or "<stdout>"
            typer.echo(f"tarjama: error: {where}: write failed ({exc.strerror or exc})", err=True)
            raise typer.Exit(int(ExitCode.OUTPUT)) from None
        except Exception as exc:  # a bug: say so in one line; TARJAMA_DEBUG=1 shows the traceback
            return _internal(exc)

    return wrapper  # type: ignore[return-value]


def _internal(exc: Exception) -> Any:
    if os.environ.get("TARJAMA_DEBUG"):
        raise exc
    typer.echo(
        f"tarjama: internal error: {type(exc).__name__}: {exc} "
        "(set TARJAMA_DEBUG=1 for the traceback, and please report it)",
        err=True,
    )
    raise typer.Exit(int(ExitCode.INTERNAL)) from None


@app.callback(invoke_without_command=True)
def main(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output (-vv: debug)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
) -> None:
    level = logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    # force: replace handlers bound to an older sys.stderr (embedding, test runners).
    logging.basicConfig(level=level, format="tarjama: %(levelname)s: %(message)s",
                        stream=sys.stderr, force=True)
    # transformers and the hub log chatty warnings of their own; show them only when asked to.
    for name in ("transformers", "huggingface_hub"):
        logging.getLogger(name).setLevel(level if verbose >= 2 else logging.ERROR)
    if version:
        typer.echo(f"tarjama {__version__}")
        raise typer.Exit(0)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


# Options shared by commands that run a model.
ModelOpt = typer.Option(None, "--model", "-m", help="Registry name, hub id (org/name) or local directory. Default: the registry default for the language pair.")
ModelDirOpt = typer.Option(None, "--model-dir", help="Load the model from this directory (no network).", exists=False)
RevisionOpt = typer.Option(None, "--revision", help="Hub revision (branch, tag or commit); default: the registry's, else main.")
DeviceOpt = typer.Option("auto", "--device", help="cpu, cuda or auto.")
DtypeOpt = typer.Option("auto", "--dtype", help="auto (float32 on CPU, float16 on CUDA), float32, float16, bfloat16.")
ThreadsOpt = typer.Option(None, "--threads", min=1, help="CPU threads for torch (default: torch's choice).")
PickleOpt = typer.Option(False, "--allow-pickle", help="Allow pickle (.bin) weights; they can run code when loaded. Only for sources you trust.")
OfflineOpt = typer.Option(False, "--offline", help="Never touch the network (same as HF_HUB_OFFLINE=1).")
GlossaryOpt = typer.Option(None, "--glossary", help="TSV of Arabic term, English rendering (optional note): terms are kept as given and checked.")
MinConfidenceOpt = typer.Option(-1.5, "--min-confidence", help="Flag sentences whose mean token log-probability is below this (calibrate with tarjama eval run).")
ChecksOpt = typer.Option(True, "--checks/--no-checks", help="Run the per-sentence checks (numbers, untranslated text, length, confidence, glossary, names, language).")


@app.command()
@handled
def translate(
    input: str = typer.Argument(..., help="Article: a UTF-8 text file (one paragraph a line), - for stdin, an .html file or an http(s) URL (main text extracted)."),
    source_lang: str = typer.Option("ar", "--from", help="Source language: ar or en."),
    target_lang: str = typer.Option("en", "--to", help="Target language: en or ar."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout (atomically)."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text: the translation, paragraphs kept. json: per sentence, with flags and provenance."),
    model: Optional[str] = ModelOpt,
    model_dir: Optional[Path] = ModelDirOpt,
    revision: Optional[str] = RevisionOpt,
    beams: Optional[int] = typer.Option(None, "--beams", min=1, help="Beam size (default: the model's generation config)."),
    max_segment_tokens: int = typer.Option(256, "--max-segment-tokens", min=8, help="Sentences longer than this are split at clause boundaries, never truncated."),
    batch_tokens: Optional[int] = typer.Option(None, "--batch-tokens", min=64, help="Padded source tokens x beams per batch (default: 4000 for torch, 2000 for ctranslate2, the fastest measured on 2 CPU cores; larger batches take more memory)."),
    device: str = DeviceOpt,
    dtype: str = DtypeOpt,
    threads: Optional[int] = ThreadsOpt,
    quantize: Optional[str] = typer.Option(None, "--quantize", help="int8: dynamic int8 Linear layers (CPU; about 2x faster, small quality cost)."),
    backend: str = typer.Option("torch", "--backend", help="torch, or ctranslate2 (pip install 'tarjama[fast]'; converted once, int8, cached)."),
    allow_pickle: bool = PickleOpt,
    offline: bool = OfflineOpt,
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar on stderr (default: when stderr is a terminal)."),
    glossary: Optional[Path] = GlossaryOpt,
    min_confidence: float = MinConfidenceOpt,
    mark: bool = typer.Option(False, "--mark", help="Text output: mark each flagged sentence [n] and list why after the article."),
    checks: bool = ChecksOpt,
    drop_boilerplate: bool = typer.Option(False, "--drop-boilerplate", help="Set page furniture aside first (masthead, repeated headline, bylines, footer; listed in JSON)."),
) -> None:
    """Translate one article; paragraphs and their order are kept. Flagged sentences are counted on stderr and listed in JSON (--mark in text)."""
    from tarjama.api import Translator, write_article_json, write_article_text
    from tarjama.news.sources import open_article_source
    from tarjama.nlp.boilerplate import clean_article
    from tarjama.nlp.translate import TranslationStats

    check_output(output, inputs=[input])
    with open_article_source(input) as source:
        translator = Translator(
            str(model_dir) if model_dir is not None else model, source_lang=source_lang,
            target_lang=target_lang, revision=revision, beams=beams,
            max_segment_tokens=max_segment_tokens, batch_tokens=batch_tokens, device=device,
            dtype=dtype, threads=threads, quantize=quantize, backend=backend,
            allow_pickle=allow_pickle, offline=offline, glossary=glossary,
            min_confidence=min_confidence, checks=checks,
        )
        stats = TranslationStats()
        lines, aside = source, []
        if drop_boilerplate:
            cleaned = clean_article([line.text for line in source])
            lines, aside = cleaned.lines(), list(cleaned.set_aside)
        paragraphs = translator.translate_lines(lines, stats)
        with output_stream(output) as out, _progress(source.lines, progress) as advance:
            if fmt is OutputFormat.json:
                write_article_json(out, paragraphs, translator.provenance(), stats, advance,
                                   boilerplate=aside)
            else:
                write_article_text(out, paragraphs, advance, mark=mark)
    for warning in stats.warnings(source_lang, source.name):
        log.warning("%s", warning)
    for flag in stats.document_checks:
        log.warning("%s: %s", flag.code, flag.detail)
    if checks and log.isEnabledFor(logging.WARNING):
        typer.echo(f"tarjama: {stats.summary_line()}", err=True)
    log.info("translated %d of %d sentences (%d passed through, %d split, %d hit the length bound)",
             stats.translated, stats.sentences, stats.passthrough, stats.split, stats.hit_max_length)


@contextmanager
def _progress(total_lines: int, wanted: Optional[bool]) -> Iterator[Callable[[int], None]]:
    show = sys.stderr.isatty() if wanted is None else wanted
    if not show or total_lines < 2:
        yield lambda _line: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeRemainingColumn,
    )

    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=Console(stderr=True), transient=True,
    ) as bar:
        task = bar.add_task("lines", total=total_lines)
        yield lambda line: bar.update(task, completed=line)


@app.command()
@handled
def split(
    input: str = typer.Argument(..., help="Text file, or - for stdin."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text: one sentence a line, a blank line between paragraphs. json: one object a paragraph with sentence offsets."),
    normalized: bool = typer.Option(False, "--normalized", help="Print the normalized text of each sentence instead of the original."),
) -> None:
    """Split text into sentences (Arabic-aware): the splitter the translator uses."""
    from tarjama.api import split as split_lines
    from tarjama.inputs import open_text_source

    check_output(output, inputs=[input])
    with open_text_source(input) as source, output_stream(output) as out:
        first = True
        for line, sentences in split_lines(source, normalized=normalized):
            if fmt is OutputFormat.json:
                out.write(json.dumps({"line": line.number, "sentences": [
                    {"start": s.start, "end": s.end, "text": s.text} for s in sentences
                ]}, ensure_ascii=False) + "\n")
            else:
                out.write(("" if first else "\n") + "".join(s.text + "\n" for s in sentences))
            first = False


class SummaryMethod(str, Enum):
    auto = "auto"
    extractive = "extractive"
    lead = "lead"
    abstractive = "abstractive"


class SummaryStrategy(str, Enum):
    summarize_then_translate = "summarize-then-translate"
    translate_then_summarize = "translate-then-summarize"
    extractive_then_translate = "extractive-then-translate"


@app.command()
@handled
def summarize(
    input: str = typer.Argument(..., help="Article: a UTF-8 text file (one paragraph a line), - for stdin, an .html file or an http(s) URL (main text extracted, bylines and share rows dropped)."),
    source_lang: str = typer.Option("ar", "--from", help="The article's language: ar or en."),
    target_lang: str = typer.Option("en", "--to", help="The summary's language: en or ar."),
    method: SummaryMethod = typer.Option(SummaryMethod.auto, "--method", help="extractive: the most central sentences, verbatim (LexRank; built in, no download). lead: the first sentences (baseline). abstractive: a seq2seq model writes the summary (mt5-xlsum for Arabic, bart-large-cnn for English). auto: extractive when --to is --from's language (abstractive if --model is given), else the --strategy's method."),
    strategy: Optional[SummaryStrategy] = typer.Option(None, "--strategy", help="When --to differs from --from. Default: translate-then-summarize for ar->en and summarize-then-translate for en->ar, the abstractive route with the least to download (opus-mt ~300 MB + bart-large-cnn ~1.6 GB, rather than mt5-xlsum ~2.3 GB); extractive-then-translate needs only opus-mt."),
    sentences: Optional[int] = typer.Option(None, "--sentences", "-n", min=1, help="Extractive/lead summary length in sentences (default 3)."),
    ratio: Optional[float] = typer.Option(None, "--ratio", min=0.0, max=1.0, help="Extractive/lead length as a share of the article's sentences."),
    words: Optional[int] = typer.Option(None, "--words", min=1, help="Extractive/lead length in words (at least one sentence)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout (atomically)."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text: one summary sentence a line. json: method, strategy, models and revisions, decoding settings, chunk plan, flags, chosen sentence indices."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Summarization model: registry name, hub id or local directory (default: mt5-xlsum for Arabic, bart-large-cnn for English)."),
    mt_model: Optional[str] = typer.Option(None, "--mt-model", help="Translation model for the translation step: registry name, hub id or directory (default: opus-mt for the pair)."),
    revision: Optional[str] = typer.Option(None, "--revision", help="Hub revision of --model."),
    mt_revision: Optional[str] = typer.Option(None, "--mt-revision", help="Hub revision of --mt-model."),
    beams: Optional[int] = typer.Option(None, "--beams", min=1, help="Beam size of the summarizer and the translator (default: each model's published setting)."),
    max_summary_tokens: Optional[int] = typer.Option(None, "--max-summary-tokens", min=1, help="Longest abstractive summary in tokens (default: the model card's, 84 for mt5-xlsum)."),
    max_input_tokens: Optional[int] = typer.Option(None, "--max-input-tokens", min=32, help="Summarizer window in tokens (default and maximum: the model's, 512 for mt5-xlsum). Longer articles are summarized chunk by chunk and the partial summaries summarized again (map-reduce), never truncated."),
    device: str = DeviceOpt,
    dtype: str = DtypeOpt,
    threads: Optional[int] = ThreadsOpt,
    allow_pickle: bool = PickleOpt,
    offline: bool = OfflineOpt,
    glossary: Optional[Path] = GlossaryOpt,
    keep_boilerplate: bool = typer.Option(False, "--keep-boilerplate", help="Summarize every line as given: no masthead, repeated headline, byline or footer set aside (what is set aside is listed in JSON)."),
) -> None:
    """Summarize one article: by default, an English summary of an Arabic article.

    Default strategy across languages: the abstractive route with the least to download, translate-then-summarize for ar->en (opus-mt-ar-en ~300 MB, then bart-large-cnn ~1.6 GB) and summarize-then-translate for en->ar; within one language, extractive (built in, no download). The headline (a short first line without closing punctuation) is left out of the summary. An article of fewer than three sentences, or shorter than the summary asked for, is returned as it is (translated when --to differs), never padded out by a model.
    """
    from tarjama.api import Summarizer
    from tarjama.news.sources import open_article_source

    check_output(output, inputs=[input])
    summarizer = Summarizer(
        source_lang=source_lang, target_lang=target_lang, method=method.value,
        strategy=strategy.value if strategy else None, sentences=sentences, ratio=ratio,
        words=words, model=model, mt_model=mt_model, revision=revision, mt_revision=mt_revision,
        beams=beams, max_summary_tokens=max_summary_tokens, max_input_tokens=max_input_tokens,
        device=device, dtype=dtype, threads=threads, allow_pickle=allow_pickle, offline=offline,
        glossary=glossary, keep_boilerplate=keep_boilerplate,
    )
    with open_article_source(input, drop_boilerplate=not keep_boilerplate) as source:
        lines = list(source)
    summary = summarizer.summarize(lines, name=source.name)
    for warning in summary.warnings:
        log.warning("%s", warning)
    for flag in summary.result.checks:
        log.warning("%s: %s", flag.code, flag.detail)
    if log.isEnabledFor(logging.WARNING) and summary.result.sentences:
        typer.echo(f"tarjama: {summary.result.summary_line()}", err=True)
    with output_stream(output) as out:
        if fmt is OutputFormat.json:
            out.write(json.dumps(summary.to_json(), ensure_ascii=False, indent=1) + "\n")
        else:
            out.write("".join(s + "\n" for s in summary.sentences))
    result = summary.result
    log.info("summarized %d sentences into %d (%s%s)", result.source_sentences,
             len(result.sentences), result.plan.method,
             f", {result.plan.strategy}" if result.plan.strategy else "")


@models_app.command("list")
@handled
def models_list(
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
) -> None:
    """The registry's models, and whether each is in the local cache."""
    from tarjama.models.session import model_catalog

    rows = model_catalog()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = [(r["name"], r["task"], r["direction"], r["license"],
              "cached" if r["cached"] else "not downloaded", r["hub_id"]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    for row in table:
        typer.echo("  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths)) + "  " + row[-1])


@models_app.command("download")
@handled
def models_download(
    name: str = typer.Argument(..., help="Registry name or hub id."),
    revision: Optional[str] = RevisionOpt,
    allow_pickle: bool = PickleOpt,
) -> None:
    """Download a model into the Hugging Face cache (HF_HOME), for later offline use."""
    from tarjama.models.session import download

    path = download(name, revision=revision, allow_pickle=allow_pickle)
    typer.echo(str(path))


@models_app.command("info")
@handled
def models_info(
    name: str = typer.Argument(..., help="Registry name, hub id or local directory."),
    revision: Optional[str] = RevisionOpt,
) -> None:
    """What a model is (spec, licence) and where its files are, without touching the network."""
    from tarjama.models.session import model_info

    typer.echo(json.dumps(model_info(name, revision=revision), ensure_ascii=False, indent=1))


RougeProtocolOpt = typer.Option("tarjama", "--rouge-protocol", help="How ROUGE tokenizes: tarjama (Unicode letters/digits, Arabic normalized on both sides), xlsum (the official XL-Sum/CrossSum scorer, exactly; stemmed, needs NLTK's stopwords) or rouge-score (Google's; English only). Named in the signature.")


@eval_app.command("score")
@handled
def eval_score(
    hyp: Path = typer.Option(..., "--hyp", help="Hypothesis file, one segment a line."),
    ref: list[Path] = typer.Option(..., "--ref", help="Reference file; repeat for several references."),
    metrics: str = typer.Option("bleu,chrf,chrf++,ter", "--metrics", help="Comma-separated: bleu, chrf, chrf++, ter, rouge."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of hypothesis/references (ar, en): ROUGE tokenization. Default: detected."),
    src: Optional[Path] = typer.Option(None, "--src", help="Source file: length statistics, and the translation checks' rates (Arabic <-> English)."),
    doc_ids: Optional[Path] = typer.Option(None, "--doc-ids", help="One document id a line: adds per-document scores."),
    bootstrap: int = typer.Option(1000, "--bootstrap", min=0, help="Bootstrap resamples for 95% confidence intervals (0: none)."),
    seed: int = typer.Option(12345, "--seed", help="Bootstrap seed (part of the signature)."),
    rouge_stem: Optional[bool] = typer.Option(None, "--rouge-stem/--no-rouge-stem", help="Stem before ROUGE (default: on for English, as rouge-score, and under xlsum; off for Arabic under tarjama)."),
    rouge_protocol: str = RougeProtocolOpt,
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write scores, signatures and per-segment/per-document scores here."),
) -> None:
    """Score a hypothesis file against references (sacrebleu-exact BLEU/chrF/TER, Arabic-aware ROUGE)."""
    from tarjama.eval.scoring import score_files

    check_output(json_out, inputs=[hyp, *ref, src, doc_ids], option="--json", parents=True)
    report = score_files(hyp, ref, metrics=metrics, lang=lang, n_bootstrap=bootstrap, seed=seed,
                         doc_ids=doc_ids, src=src, rouge_stem=rouge_stem,
                         rouge_protocol=rouge_protocol)
    for score in report.scores:
        typer.echo(score.format(4))
    if report.checks is not None:
        typer.echo("checks (share of lines flagged): " + (", ".join(
            f"{code} {100 * rate:.2f} %" for code, rate in report.checks["rates"].items())
            or "none"))
    for warning in report.warnings:
        log.warning("%s", warning)
    if json_out is not None:
        report.save(json_out)


@eval_app.command("compare")
@handled
def eval_compare(
    systems: list[Path] = typer.Argument(..., help="System output files, or results folders of `eval run` (re-scored from their outputs); the first is the baseline."),
    ref: Optional[list[Path]] = typer.Option(None, "--ref", help="Reference file; repeat for several references (not with results folders)."),
    metrics: Optional[str] = typer.Option(None, "--metrics", help="Comma-separated metric names (default: bleu,chrf; for results folders, the metrics they share)."),
    method: str = typer.Option("bs", "--method", help="bs: paired bootstrap; ar: approximate randomization."),
    samples: Optional[int] = typer.Option(None, "--samples", min=2, help="Resamples / trials (default: sacrebleu's)."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the outputs (for ROUGE)."),
    seed: int = typer.Option(12345, "--seed"),
    rouge_protocol: Optional[str] = typer.Option(None, "--rouge-protocol", help="tarjama, xlsum or rouge-score (default tarjama; results folders scored under different protocols are refused unless this re-scores them all)."),
    rouge_stem: Optional[bool] = typer.Option(None, "--rouge-stem/--no-rouge-stem"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the comparison here."),
) -> None:
    """Paired significance of each system against the first, with p-values."""
    from rich.console import Console
    from tarjama.errors import UsageError
    from tarjama.eval.report import compare_runs, comparison_table
    from tarjama.eval.scoring import compare_files
    from tarjama.outputs import write_json

    check_output(json_out, inputs=[*systems, *(ref or [])], option="--json", parents=True)
    if all((p / "run.json").is_file() for p in systems):
        if ref:
            raise UsageError("results folders carry their references; drop --ref")
        cmp = compare_runs(systems, metrics=metrics, method=method, n_samples=samples, seed=seed,
                           rouge_protocol=rouge_protocol, rouge_stem=rouge_stem)
    else:
        if not ref:
            raise UsageError("give --ref with system output files (or compare results folders)")
        cmp = compare_files(ref, systems, metrics=metrics or "bleu,chrf", lang=lang,
                            method=method, n_samples=samples, seed=seed, rouge_stem=rouge_stem,
                            rouge_protocol=rouge_protocol)
    Console().print(comparison_table(cmp, width=2))
    if json_out is not None:
        write_json(json_out, cmp.to_dict())


@eval_app.command("run")
@handled
def eval_run(
    output: Path = typer.Option(..., "--output", "-o", help="The run's results folder (created; reused on rerun with the same settings)."),
    task: str = typer.Option("translate", "--task", help="translate or summarize."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Registry name (flores200-devtest, ntrex128, ntrex128-headlines, ntrex128-headlines-ar-en, ...; `tarjama eval datasets` lists them) or a JSONL file."),
    src: Optional[Path] = typer.Option(None, "--src", help="Plain source file (instead of --dataset)."),
    ref: Optional[list[Path]] = typer.Option(None, "--ref", help="Plain reference file(s), with --src."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="TARJAMA_DATA_DIR", help="Local copy of the registry data sets (no download)."),
    level: Optional[str] = typer.Option(None, "--level", help="sentence or document (default: the dataset's unit)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="A fixed seeded sample of N segments (documents at document level), in data order; recorded in the provenance."),
    metrics: Optional[str] = typer.Option(None, "--metrics", help="Default: bleu,chrf,chrf++,ter (translate); rouge (summarize)."),
    source_lang: str = typer.Option("ar", "--from"),
    target_lang: str = typer.Option("en", "--to"),
    model: Optional[str] = ModelOpt,
    revision: Optional[str] = RevisionOpt,
    beams: Optional[int] = typer.Option(None, "--beams", min=1),
    batch_tokens: Optional[int] = typer.Option(None, "--batch-tokens", min=64, help="Padded source tokens x beams per batch (default: the backend's)."),
    device: str = DeviceOpt,
    dtype: str = DtypeOpt,
    threads: Optional[int] = ThreadsOpt,
    quantize: Optional[str] = typer.Option(None, "--quantize", help="int8: dynamic int8 Linear layers (CPU)."),
    backend: str = typer.Option("torch", "--backend", help="torch or ctranslate2 (extra tarjama[fast])."),
    allow_pickle: bool = PickleOpt,
    offline: bool = OfflineOpt,
    bootstrap: int = typer.Option(1000, "--bootstrap", min=0),
    method: str = typer.Option("auto", "--method", help="summarize: extractive (LexRank), lead, abstractive, or oracle (the greedy extractive upper bound against the reference, under --rouge-protocol); auto: as `tarjama summarize`."),
    strategy: Optional[str] = typer.Option(None, "--strategy", help="summarize across languages: summarize-then-translate, translate-then-summarize or extractive-then-translate."),
    sentences: Optional[int] = typer.Option(None, "--sentences", "-n", min=1, help="summarize: extractive/lead length in sentences (default 3)."),
    mt_model: Optional[str] = typer.Option(None, "--mt-model", help="summarize: translation model of a cross-lingual strategy (--model is then the summarizer)."),
    mt_revision: Optional[str] = typer.Option(None, "--mt-revision"),
    rouge_protocol: str = RougeProtocolOpt,
    rouge_stem: Optional[bool] = typer.Option(None, "--rouge-stem/--no-rouge-stem", help="Stem before ROUGE (default: the protocol's)."),
) -> None:
    """Run a model over a benchmark, then score it; outputs, scores and provenance go to -o."""
    from rich.console import Console
    from tarjama.api import evaluate
    from tarjama.eval.report import scores_table

    check_output(output, inputs=[src, *(ref or []), dataset], folder=True)
    result = evaluate(
        output, task=task, dataset=dataset, src=src, ref=ref or [], data_dir=data_dir,
        level=level, limit=limit, metrics=metrics, source_lang=source_lang,
        target_lang=target_lang, model=model, revision=revision, beams=beams,
        batch_tokens=batch_tokens, quantize=quantize, backend=backend, device=device,
        dtype=dtype, threads=threads, allow_pickle=allow_pickle, offline=offline,
        bootstrap=bootstrap, method=method, strategy=strategy, sentences=sentences,
        mt_model=mt_model, mt_revision=mt_revision, rouge_protocol=rouge_protocol,
        rouge_stem=rouge_stem,
    )
    title = f"{result.provenance['dataset']['name']} - {result.provenance['system']['name']}"
    Console(stderr=False).print(scores_table(result.report, title=title))
    checks = result.provenance.get("checks")
    if checks:
        typer.echo("checks (share of segments flagged): " + ", ".join(
            f"{code} {100 * rate:.1f} %" for code, rate in checks["rates"].items()))
    log.info("outputs, scores and provenance in %s (%d generated, %d reused)",
             result.out_dir, result.n_generated, result.n_reused)


@eval_app.command("datasets")
@handled
def eval_datasets(
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
) -> None:
    """The registry's evaluation sets: task, languages, licence and official source."""
    from tarjama.eval.datasets import registry_rows

    rows = registry_rows()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        typer.echo(f"{r['name']:<{width}}  {r['task']:<9}  {r['source_lang']}->{r['target_lang']}  "
                   f"{r['description']}")


@eval_app.command("report")
@handled
def eval_report(
    runs: list[Path] = typer.Argument(..., help="Run folders, or folders holding run folders."),
    output: Path = typer.Option(..., "--output", "-o", help="report.html (self-contained, with plots if matplotlib is installed) or report.md."),
    plots: bool = typer.Option(True, "--plots/--no-plots"),
) -> None:
    """Compare runs side by side in Markdown or a self-contained HTML page."""
    from tarjama.eval.report import write_report

    check_output(output, parents=True)
    write_report(runs, output, plots=plots)
    typer.echo(str(output))


@app.command()
@handled
def digest(
    sources: Optional[list[str]] = typer.Argument(None, help="Feed URLs (RSS/Atom), feed files, JSONL files, folders of .txt/.html articles, or text files listing those one a line."),
    output: Path = typer.Option(..., "--output", "-o", help="The digest, JSONL, one line per article; appended to, and a rerun skips what it already holds."),
    render: Optional[list[Path]] = typer.Option(None, "--render", help="Also write a readable digest from the whole output: FILE.html, FILE.md, or a folder (one page per feed). Repeatable."),
    since: Optional[str] = typer.Option(None, "--since", help="Only articles published on or after this date (YYYY-MM-DD or ISO 8601; undated articles are kept)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="At most N new articles this run; the rest wait for the next run."),
    fetch_articles: bool = typer.Option(False, "--fetch-articles/--no-fetch-articles", help="Fetch each article's page and extract its main text, instead of the text the feed carries."),
    method: str = typer.Option("extractive", "--method", help="extractive (LexRank), lead (the first sentences) or abstractive."),
    sentences: int = typer.Option(3, "--sentences", min=1, help="Summary length in sentences (extractive, lead)."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="Articles summarized and translated together; Ctrl-C stops after the current batch."),
    timeout: float = typer.Option(20.0, "--timeout", min=1.0, help="Seconds allowed for one HTTP request (feed or page)."),
    max_bytes: int = typer.Option(10 << 20, "--max-bytes", min=1024, help="Largest feed or page accepted, in bytes."),
    max_redirects: int = typer.Option(5, "--max-redirects", min=0, help="Redirects followed per request."),
    fetch_workers: int = typer.Option(4, "--fetch-workers", min=1, max=32, help="Article pages fetched at once (--fetch-articles)."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse summaries and translations of identical text (SQLite file beside the output)."),
    model: Optional[str] = ModelOpt,
    model_dir: Optional[Path] = ModelDirOpt,
    revision: Optional[str] = RevisionOpt,
    summary_model: Optional[str] = typer.Option(None, "--summary-model", help="Summarization model for --method abstractive (registry name, hub id or directory)."),
    beams: Optional[int] = typer.Option(None, "--beams", min=1, help="Beam size for translation (default: the model's)."),
    batch_tokens: Optional[int] = typer.Option(None, "--batch-tokens", min=64, help="Padded source tokens x beams per translation batch (default: the backend's)."),
    quantize: Optional[str] = typer.Option(None, "--quantize", help="int8: dynamic int8 Linear layers for translation (CPU)."),
    backend: str = typer.Option("torch", "--backend", help="Translation backend: torch, or ctranslate2 (pip install 'tarjama[fast]')."),
    device: str = DeviceOpt,
    dtype: str = DtypeOpt,
    threads: Optional[int] = ThreadsOpt,
    allow_pickle: bool = PickleOpt,
    offline: bool = OfflineOpt,
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar on stderr (default: when stderr is a terminal)."),
    glossary: Optional[Path] = GlossaryOpt,
    min_confidence: float = MinConfidenceOpt,
) -> None:
    """Summarize new articles of feeds, JSONL or folders into an English digest, exactly once each.

    Arabic titles and summaries are translated (English articles need no model). Rerun the same command to pick up new articles or finish an interrupted one; failures go to OUTPUT's .errors.jsonl (exit code 8).
    """
    from tarjama.api import digest as run_digest
    from tarjama.news.digest import stop_requested_on_signals

    # trafilatura logs every page it finds little in; the errors file already says so.
    logging.getLogger("trafilatura").setLevel(
        logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.CRITICAL)
    with stop_requested_on_signals() as should_stop, _digest_progress(progress) as sink:
        run = run_digest(
            sources or [], output, render=render or [], since=since, limit=limit,
            fetch_articles=fetch_articles, method=method, sentences=sentences,
            batch_size=batch_size, timeout=timeout, max_bytes=max_bytes,
            max_redirects=max_redirects, fetch_workers=fetch_workers, cache=cache,
            model=str(model_dir) if model_dir is not None else model, revision=revision,
            summary_model=summary_model, beams=beams, batch_tokens=batch_tokens,
            quantize=quantize, backend=backend, device=device, dtype=dtype, threads=threads,
            allow_pickle=allow_pickle, offline=offline, glossary=glossary,
            min_confidence=min_confidence, should_stop=should_stop, progress=sink,
        )
    if run.stats is not None and log.isEnabledFor(logging.WARNING):
        typer.echo(f"tarjama: {run.stats.summary_line(output, run.errors)}", err=True)
    for path in run.pages:
        log.info("wrote %s", path)
    if run.interrupted:
        typer.echo(f"tarjama: interrupted after the current batch; {run.stats.done} articles were "
                   f"added to {output}; run the same command again to resume", err=True)
        raise typer.Exit(int(ExitCode.INTERRUPTED))
    if not run.all_ok:
        raise typer.Exit(int(ExitCode.PARTIAL_FAILURE))


@contextmanager
def _digest_progress(wanted: Optional[bool]) -> Iterator[Any]:
    """Counts, rate and ETA on stderr: a rich bar when stderr is a terminal (or when asked)."""
    if not (sys.stderr.isatty() if wanted is None else wanted):
        yield None
        return
    import time as _time

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:

        class Sink:
            task = None
            started = 0.0

            def start(self, total: int) -> None:
                self.started = _time.monotonic()
                self.task = bar.add_task("articles", total=total, rate="")

            def advance(self, completed: int, failed: int) -> None:
                elapsed = max(1e-6, _time.monotonic() - self.started)
                bar.update(self.task, completed=completed,
                           description=f"articles ({failed} failed)" if failed else "articles",
                           rate=f"{60 * completed / elapsed:.1f}/min")

        yield Sink()


batch_app = typer.Typer(help="Translate or digest many articles into a folder of shards, exactly once, in one process or on Ray.", no_args_is_help=True)
app.add_typer(batch_app, name="batch")
BatchInputsArg = typer.Argument(..., help="JSONL or Parquet files ({\"id\", \"title\", \"text\"|\"html\", ...}), folders of .txt/.html (or .jsonl/.parquet) files, feeds, or lists of those; local paths or URIs (s3://bucket/news/*.jsonl).")
BatchOutputOpt = typer.Option(..., "--output", "-o", help="Output folder (local or URI): shards, _errors/, _manifest.json. Rerun the same command to finish an interrupted job.")
EngineOpt = typer.Option("local", "--engine", help="local: this process. ray: Ray Data on an actor pool (pip install 'tarjama[ray]').")
AddressOpt = typer.Option(None, "--address", help="Join this Ray cluster (auto, host:6379, ray://host:10001); default: start a local Ray instance with this machine's cores.")
ActorsOpt = typer.Option(None, "--actors", min=1, help="Model actors (default: the cluster's CPUs / --cpus-per-actor, or GPUs / --gpus-per-actor).")
CpusPerActorOpt = typer.Option(None, "--cpus-per-actor", min=0.1, help="CPUs of each actor, its decoding threads (default 1).")
GpusPerActorOpt = typer.Option(0.0, "--gpus-per-actor", min=0.0, help="GPUs of each actor (fractions share one).")
OutputFormatOpt = typer.Option("jsonl", "--output-format", help="jsonl or parquet (nested fields as JSON text).")
ShardSizeOpt = typer.Option(32, "--shard-size", min=1, help="Articles per shard: the unit of work, of batching and of writing.")
ProgressOpt = typer.Option(None, "--progress/--no-progress", help="Progress on stderr (default: when stderr is a terminal).")
BatchBeamsOpt = typer.Option(None, "--beams", min=1, help="Beam size for translation (default: the model's).")
BatchTokensOpt = typer.Option(None, "--batch-tokens", min=64, help="Padded source tokens x beams per translation batch (default: the backend's).")
BatchQuantizeOpt = typer.Option(None, "--quantize", help="int8 (torch backend, CPU).")
BatchBackendOpt = typer.Option("torch", "--backend", help="torch or ctranslate2 (tarjama[fast]).")


def _batch(task: str, *, inputs: list[str], output: str, progress: Optional[bool],
           **options: Any) -> None:
    """Both batch commands: their options go to tarjama.batch.run_batch by the same names."""
    from tarjama.batch import run_batch
    from tarjama.news.digest import stop_requested_on_signals

    with stop_requested_on_signals() as should_stop, _digest_progress(progress) as sink:
        run = run_batch(task, inputs, output, verbose=log.isEnabledFor(logging.INFO),
                        should_stop=should_stop, progress=sink, **options)
    if log.isEnabledFor(logging.WARNING):
        typer.echo(f"tarjama: {run.stats.summary_line(run.output)}", err=True)
    if run.interrupted:
        typer.echo(f"tarjama: interrupted; {run.stats.done} articles were added to {run.output}; "
                   "run the same command again to finish", err=True)
        raise typer.Exit(int(ExitCode.INTERRUPTED))
    if not run.all_ok:
        raise typer.Exit(int(ExitCode.PARTIAL_FAILURE))


@batch_app.command("translate")
@handled
def batch_translate(
    inputs: list[str] = BatchInputsArg,
    output: str = BatchOutputOpt,
    engine: str = EngineOpt,
    address: Optional[str] = AddressOpt,
    actors: Optional[int] = ActorsOpt,
    cpus_per_actor: Optional[float] = CpusPerActorOpt,
    gpus_per_actor: float = GpusPerActorOpt,
    output_format: str = OutputFormatOpt,
    shard_size: int = ShardSizeOpt,
    source_lang: str = typer.Option("ar", "--from", help="Source language: ar or en."),
    target_lang: str = typer.Option("en", "--to", help="Target language: en or ar."),
    model: Optional[str] = ModelOpt,
    revision: Optional[str] = RevisionOpt,
    beams: Optional[int] = BatchBeamsOpt,
    max_segment_tokens: int = typer.Option(256, "--max-segment-tokens", min=8),
    batch_tokens: Optional[int] = BatchTokensOpt,
    quantize: Optional[str] = BatchQuantizeOpt,
    backend: str = BatchBackendOpt,
    device: str = DeviceOpt,
    dtype: str = DtypeOpt,
    threads: Optional[int] = ThreadsOpt,
    allow_pickle: bool = PickleOpt,
    offline: bool = OfflineOpt,
    glossary: Optional[Path] = GlossaryOpt,
    min_confidence: float = MinConfidenceOpt,
    checks: bool = ChecksOpt,
    progress: Optional[bool] = ProgressOpt,
) -> None:
    """Translate every article: one record each, the JSON of `translate --format json` with its id."""
    _batch("translate", **locals())


@batch_app.command("digest")
@handled
def batch_digest(
    inputs: list[str] = BatchInputsArg,
    output: str = BatchOutputOpt,
    engine: str = EngineOpt,
    address: Optional[str] = AddressOpt,
    actors: Optional[int] = ActorsOpt,
    cpus_per_actor: Optional[float] = CpusPerActorOpt,
    gpus_per_actor: float = GpusPerActorOpt,
    output_format: str = OutputFormatOpt,
    shard_size: int = ShardSizeOpt,
    method: str = typer.Option("extractive", "--method", help="extractive (LexRank), lead or abstractive."),
    sentences: int = typer.Option(3, "--sentences", min=1, help="Summary length in sentences (extractive, lead)."),
    summary_model: Optional[str] = typer.Option(None, "--summary-model", help="Summarization model for --method abstractive."),
    fetch_articles: bool = typer.Option(False, "--fetch-articles/--no-fetch-articles", help="Fetch each article's page instead of the text the feed carries."),
    timeout: float = typer.Option(20.0, "--timeout", min=1.0),
    max_bytes: int = typer.Option(10 << 20, "--max-bytes", min=1024),
    max_redirects: int = typer.Option(5, "--max-redirects", min=0),
    model: Optional[str] = ModelOpt,
    revision: Optional[str] = RevisionOpt,
    beams: Optional[int] = BatchBeamsOpt,
    batch_tokens: Optional[int] = BatchTokensOpt,
    quantize: Optional[str] = BatchQuantizeOpt,
    backend: str = BatchBackendOpt,
    device: str = DeviceOpt,
    dtype: str = DtypeOpt,
    threads: Optional[int] = ThreadsOpt,
    allow_pickle: bool = PickleOpt,
    offline: bool = OfflineOpt,
    glossary: Optional[Path] = GlossaryOpt,
    min_confidence: float = MinConfidenceOpt,
    checks: bool = ChecksOpt,
    progress: Optional[bool] = ProgressOpt,
) -> None:
    """Digest every article (summary, English title and summary): one record each, the schema of `tarjama digest`."""
    logging.getLogger("trafilatura").setLevel(
        logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.CRITICAL)
    _batch("digest", **locals())


@app.command()
@handled
def check(
    src: Path = typer.Option(..., "--src", help="Source file, one segment a line."),
    hyp: Path = typer.Option(..., "--hyp", help="Any system's translations, line by line with --src."),
    source_lang: str = typer.Option("ar", "--from", help="Language of --src: ar or en."),
    target_lang: str = typer.Option("en", "--to", help="Language of --hyp: en or ar."),
    glossary: Optional[Path] = GlossaryOpt,
    doc_ids: Optional[Path] = typer.Option(None, "--doc-ids", help="One document id a line: lines of one document are one article (name consistency, language)."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text: one line per flagged segment. json: counts, rates and every flagged line."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """Check any system's translations line by line: numbers, untranslated text, length, glossary terms, names, the input's language."""
    from tarjama.api import check as run_checks
    from tarjama.inputs import check_same_length, read_lines

    check_output(output, inputs=[src, hyp, doc_ids, glossary])
    sources = read_lines(src, role="source file")
    hyps = read_lines(hyp, role="hypothesis file", allow_empty=True)
    named = [(str(src), sources), (str(hyp), hyps)]
    ids = None
    if doc_ids is not None:
        ids = read_lines(doc_ids, role="document-id file")
        named.append((str(doc_ids), ids))
    check_same_length(named)
    report = run_checks(sources, hyps, source_lang=source_lang, target_lang=target_lang,
                        glossary=glossary, doc_ids=ids)
    with output_stream(output) as out:
        if fmt is OutputFormat.json:
            record = {"tarjama_version": __version__, **report.to_json()}
            out.write(json.dumps(record, ensure_ascii=False, indent=1) + "\n")
        else:
            for doc, flag in report.document_checks:
                out.write(f"{doc or 'document'}: {flag.code} ({flag.severity}): {flag.detail}\n")
            for line in report.lines:
                if line.flags:
                    out.write(f"line {line.line}: " + "; ".join(
                        f"{f.code} ({f.severity}): {f.detail}" for f in line.flags) + "\n")
    if log.isEnabledFor(logging.WARNING):
        typer.echo(f"tarjama: {report.summary_line()}", err=True)


@app.command()
@handled
def bench(
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model to time: registry name, hub id or directory (must be downloaded)."),
    synthetic: Optional[str] = typer.Option(None, "--synthetic", help="Build a model with this registry entry's exact architecture and random weights (no download)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="TARJAMA_DATA_DIR", help="Local copy of the data sets (NTREX-128 is the default workload)."),
    articles: Optional[Path] = typer.Option(None, "--articles", help="Workload instead of NTREX: a folder of .txt articles or a JSONL file with a \"text\" field."),
    docs: int = typer.Option(6, "--docs", min=1, help="How many NTREX documents (or articles) to translate."),
    systems: str = typer.Option("baseline,fp32,int8,ctranslate2", "--systems", help="Comma-separated: baseline, fp32, int8, ctranslate2."),
    beams: int = typer.Option(4, "--beams", min=1),
    length_ratio: float = typer.Option(1.2, "--length-ratio", min=0.1, help="Forced output length: round(ratio x source tokens) per sentence."),
    scaling: str = typer.Option("1,10,100", "--scaling", help="Paragraph counts for the scaling check ('' to skip)."),
    scaling_system: str = typer.Option("fp32", "--scaling-system"),
    quality: bool = typer.Option(False, "--quality", help="Also compare fp32 with int8/ctranslate2 outputs under free decoding."),
    threads: Optional[int] = ThreadsOpt,
    json_out: bool = typer.Option(False, "--json", help="Print the results as JSON on stdout."),
) -> None:
    """Time translation: tarjama's paths against the naive transformers usage, side by side."""
    from tarjama.eval.bench import bench as run_bench
    from tarjama.eval.bench import print_bench

    report = run_bench(model=model, synthetic=synthetic, data_dir=data_dir, articles=articles,
                       docs=docs, systems=systems, beams=beams, length_ratio=length_ratio,
                       scaling=scaling, scaling_system=scaling_system, quality=quality,
                       threads=threads)
    if json_out:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print_bench(report)


def _exit_now(signum: int, frame: Any) -> None:
    try:
        sys.stdout.flush()
    except BaseException:  # interrupted mid-write: what is lost was being interrupted anyway
        pass
    os._exit(128 + signum)


@app.command()
@handled
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on: 127.0.0.1 is this machine only; 0.0.0.0 every network (then give --api-keys)."),
    port: int = typer.Option(5000, "--port", min=1, max=65535),
    model: Optional[list[str]] = typer.Option(None, "--model", "-m", help="[FROM-TO=]NAME|HUB_ID|DIR, repeatable, one per direction (default: opus-mt-ar-en). A registry name carries its direction; a directory without FROM-TO= is ar-en."),
    backend: str = typer.Option("torch", "--backend", help="torch, or ctranslate2 (pip install 'tarjama[fast]')."),
    quantize: Optional[str] = typer.Option(None, "--quantize", help="int8: dynamic int8 Linear layers (torch, CPU)."),
    beams: Optional[int] = typer.Option(None, "--beams", min=1, help="Beam size (default: the model's)."),
    batch_tokens: Optional[int] = typer.Option(None, "--batch-tokens", min=64, help="Padded source tokens x beams per model batch (default: the backend's); requests' sentences are gathered up to it."),
    abstractive: bool = typer.Option(False, "--abstractive", help="Also load the abstractive summarizer the served directions need (bart-large-cnn for ar->en, ~1.6 GB); extractive summaries need none."),
    summary_model: Optional[list[str]] = typer.Option(None, "--summary-model", help="[LANG=]NAME|DIR: the summarizer --abstractive loads (default: the registry's)."),
    api_key: Optional[list[str]] = typer.Option(None, "--api-key", help="Require this API key (repeatable; 403 without it)."),
    api_keys: Optional[Path] = typer.Option(None, "--api-keys", help="Require one of the API keys in this file (one a line, # comments)."),
    max_chars: int = typer.Option(100_000, "--max-chars", min=1, help="Most characters of text in one request (413 beyond)."),
    max_queue: int = typer.Option(1024, "--max-queue", min=1, help="Most sentences waiting for a model when a request arrives (503 beyond)."),
    timeout: float = typer.Option(120.0, "--timeout", min=1.0, help="Seconds one request may take (504 beyond)."),
    batch_wait_ms: float = typer.Option(5.0, "--batch-wait-ms", min=0.0, max=1000.0, help="How long an idle model waits for other requests' sentences to batch with."),
    dynamic_batching: bool = typer.Option(True, "--dynamic-batching/--no-dynamic-batching", help="Gather concurrent requests' sentences into shared model batches (off: one request at a time)."),
    cors: Optional[list[str]] = typer.Option(None, "--cors", help="Let web pages from this origin call the API (repeatable; * for any). Off by default."),
    fetch: bool = typer.Option(True, "--fetch/--no-fetch", help="Let clients have the server fetch an article URL (with the digest's limits)."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes, each with its own copy of the models. 1 is best on a CPU: one process batches and uses every core."),
    device: str = DeviceOpt,
    dtype: str = DtypeOpt,
    threads: Optional[int] = ThreadsOpt,
    allow_pickle: bool = PickleOpt,
    offline: bool = OfflineOpt,
) -> None:
    """Serve translation over HTTP: LibreTranslate's API, tarjama's JSON API and a reading page.

    Models load once at start-up and are shared by all requests; concurrent requests' sentences share model batches. Binds 127.0.0.1 unless --host says otherwise. API: http://HOST:PORT/openapi.json; page: http://HOST:PORT/.
    """
    from tarjama.errors import UsageError
    from tarjama.serve import require_extra

    require_extra()
    from tarjama.serve.server import (
        ServeOptions,
        parse_model_args,
        parse_summary_model_args,
        read_api_keys,
    )
    from tarjama.serve.server import serve as run_server

    if api_key and api_keys:
        raise UsageError("give --api-key or --api-keys, not both")
    keys = read_api_keys(api_keys) if api_keys else frozenset(api_key or ())
    settings = dict(max_chars=max_chars, max_queue=max_queue, timeout=timeout,
                    batch_wait_ms=batch_wait_ms, dynamic_batching=dynamic_batching,
                    api_keys=sorted(keys), cors=list(cors or ()), fetch_urls=fetch)
    run_server(ServeOptions(
        host=host, port=port, models=parse_model_args(model or []),
        summary_models=parse_summary_model_args(summary_model or []), abstractive=abstractive,
        backend=backend, quantize=quantize, beams=beams, batch_tokens=batch_tokens,
        device=device, dtype=dtype, threads=threads, allow_pickle=allow_pickle, offline=offline,
        workers=workers, log_level=logging.getLevelName(log.getEffectiveLevel()).lower(),
        settings=settings))


def run() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # a Ctrl-C after the command ended, before the lines below
        _exit_now(signal.SIGINT, None)
    finally:
        # The command is over; a Ctrl-C while the interpreter shuts down (joining threads,
        # torch's exit hooks) ends the process at once, without a traceback.
        try:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    signal.signal(sig, _exit_now)
        except KeyboardInterrupt:
            _exit_now(signal.SIGINT, None)


if __name__ == "__main__":
    run()
