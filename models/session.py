"""What the CLI asks of models/: open a translator for a request, download, list, describe.

Kept apart from cli.py so other front ends (eval runs, digests, benchmarks) open models the
same way and get the same errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tarjama.errors import ModelNotDownloadedError, ModelNotFoundError, UsageError
from tarjama.models.loading import (
    LoadOptions,
    ModelRef,
    check_model_dir,
    load,
    locate,
    resolve_model,
)
from tarjama.models.registry import (
    REGISTRY,
    default_summarization_model,
    default_translation_model,
)
from tarjama.models.summarizer import Seq2SeqSummarizer, decoding_for
from tarjama.models.translator import DecodingConfig, Seq2SeqTranslator

SUPPORTED_LANGS = ("ar", "en")
# Padded source tokens x beams per batch, the fastest measured per backend with opus-mt-ar-en's
# shape on 2 CPU cores (`tarjama bench`): bigger torch batches gain nothing and cost memory;
# CTranslate2 splits each batch between two workers, which prefer small halves.
DEFAULT_BATCH_TOKENS = {"torch": 4000, "ctranslate2": 2000}


@dataclass(frozen=True)
class ModelRequest:
    """What every request for a model carries: which model, and how to run it."""

    model: str | None = None  # registry name, hub id or directory; None: the default
    revision: str | None = None
    device: str = "auto"
    dtype: str = "auto"
    threads: int | None = None
    allow_pickle: bool = False
    offline: bool = False
    beams: int | None = None

    def load_options(self, quantize: str | None = None) -> LoadOptions:
        return LoadOptions(device=self.device, dtype=self.dtype, threads=self.threads,
                           allow_pickle=self.allow_pickle, offline=self.offline,
                           quantize=quantize)


@dataclass(frozen=True)
class TranslationRequest(ModelRequest):
    source_lang: str = "ar"
    target_lang: str = "en"
    max_segment_tokens: int = 256
    batch_tokens: int | None = None  # None: the backend's default (DEFAULT_BATCH_TOKENS)
    quantize: str | None = None  # int8 (torch backend, CPU)
    backend: str = "torch"  # torch | ctranslate2
    ct2_quantization: str = "int8"
    ct2_workers: int | None = None  # CTranslate2 inter_threads; None: the engine's choice


def _check_langs(source: str, target: str) -> None:
    for lang in (source, target):
        if lang not in SUPPORTED_LANGS:
            raise UsageError(f"unsupported language '{lang}' (supported: {', '.join(SUPPORTED_LANGS)})")
    if source == target:
        raise UsageError(f"--from and --to are both '{source}'")


def open_translator(request: TranslationRequest) -> Seq2SeqTranslator:
    _check_langs(request.source_lang, request.target_lang)
    name = request.model or default_translation_model(request.source_lang, request.target_lang)
    ref = resolve_model(name, request.revision)
    spec = ref.spec
    if spec is not None and spec.task != "translation":
        raise UsageError(f"model {ref.label} is a {spec.task} model, not a translation model; "
                         "`tarjama models list` shows the translation models")
    if spec is not None and (spec.source_lang, spec.target_lang) != (
        request.source_lang, request.target_lang
    ):
        raise UsageError(
            f"model {ref.label} translates {spec.direction}, but {request.source_lang}->"
            f"{request.target_lang} was asked for"
        )
    if request.backend not in ("torch", "ctranslate2"):
        raise UsageError(f"unknown backend '{request.backend}' (use torch or ctranslate2)")
    if request.backend == "ctranslate2" and request.quantize:
        raise UsageError("--quantize is for the torch backend; ctranslate2 quantizes on conversion")
    loaded = load(ref, request.load_options(request.quantize), weights=request.backend == "torch",
                  task="translation")
    engine = None
    if request.backend == "ctranslate2":
        from tarjama.models.ct2 import CT2Engine

        engine = CT2Engine(loaded, request.ct2_quantization, threads=request.threads,
                           workers=request.ct2_workers)
        loaded.extra.update({"backend": "ctranslate2", "ct2_quantization": request.ct2_quantization,
                             "convert_seconds": round(engine.convert_seconds, 3)})
    return Seq2SeqTranslator(loaded, DecodingConfig(
        num_beams=request.beams, max_segment_tokens=request.max_segment_tokens,
        max_batch_tokens=request.batch_tokens or DEFAULT_BATCH_TOKENS[request.backend],
    ), engine=engine, source_lang=request.source_lang, target_lang=request.target_lang)


def download(name: str, *, revision: str | None = None, allow_pickle: bool = False) -> Path:
    ref = resolve_model(name, revision)
    if ref.local_dir is not None:
        raise UsageError(f"{name} is a local directory; nothing to download")
    path, _ = locate(ref, LoadOptions(allow_pickle=allow_pickle))
    return path


def _cached_path(ref: ModelRef) -> Path | None:
    try:
        path, _ = locate(ref, LoadOptions(offline=True), download=False)
        return path
    except (ModelNotDownloadedError, ModelNotFoundError):
        return None
    except Exception:  # pickle-only cache and similar: not usable as it is
        return None


def model_catalog() -> list[dict[str, Any]]:
    rows = []
    for spec in REGISTRY.values():
        ref = resolve_model(spec.name)
        rows.append({
            "name": spec.name, "hub_id": spec.hub_id, "revision": spec.revision,
            "task": spec.task, "direction": spec.direction, "license": spec.license,
            "cached": _cached_path(ref) is not None,
        })
    return rows


def model_info(name: str, *, revision: str | None = None) -> dict[str, Any]:
    ref = resolve_model(name, revision)
    info: dict[str, Any] = {"name": ref.label}
    if ref.spec is not None:
        spec = ref.spec
        info.update({
            "hub_id": spec.hub_id, "revision": ref.revision, "task": spec.task,
            "direction": spec.direction, "license": spec.license,
            "max_input_tokens": spec.max_input_tokens, "description": spec.description,
            "architecture": dict(spec.architecture) or None,
        })
        if spec.generation:
            info["generation"] = dict(spec.generation)
        if spec.published is not None:
            # What the published files say (ids, vocabulary, positions, activation, stored
            # dtype, generation defaults), where each was read, and what is unconfirmed.
            info["published"] = spec.published.to_dict()
    elif ref.hub_id is not None:
        info.update({"hub_id": ref.hub_id, "revision": ref.revision})
    if ref.local_dir is not None:
        check_model_dir(ref.local_dir, ref.label, allow_pickle=True)
        info["path"] = str(ref.local_dir)
        info["files"] = sorted(p.name for p in ref.local_dir.iterdir())
    else:
        path = _cached_path(ref)
        info["cached"] = path is not None
        info["path"] = str(path) if path else None
    return info


# --- summarization ------------------------------------------------------------------------


@dataclass(frozen=True)
class SummarizationRequest(ModelRequest):
    lang: str = "ar"  # the language the summarizer reads and writes
    max_summary_tokens: int | None = None
    max_input_tokens: int | None = None


def open_summarizer(request: SummarizationRequest) -> Seq2SeqSummarizer:
    """Load the summarizer for a request: --model, else the registry default for the language."""
    if request.lang not in SUPPORTED_LANGS:
        raise UsageError(f"unsupported language '{request.lang}' (supported: {', '.join(SUPPORTED_LANGS)})")
    name = request.model or default_summarization_model(request.lang)
    ref = resolve_model(name, request.revision)
    spec = ref.spec
    if spec is not None and spec.task != "summarization":
        raise UsageError(
            f"model {ref.label} is a {spec.task} model; --model of summarize takes a "
            "summarization model (the translation step's model is --mt-model)"
        )
    if spec is not None and spec.source_lang not in ("mul", request.lang):
        raise UsageError(
            f"model {ref.label} summarizes {spec.source_lang} text, but the summary step reads "
            f"{request.lang}"
        )
    loaded = load(ref, request.load_options(), task="summarization")
    decoding = decoding_for(loaded, beams=request.beams, max_new_tokens=request.max_summary_tokens)
    return Seq2SeqSummarizer(loaded, decoding, max_input_tokens=request.max_input_tokens)


class SummaryModels:
    """Opens the summarizer and the translator a summary needs, each once and only when asked:
    a short article or an extractive summary never loads (or downloads) a model it does not use."""

    def __init__(self, summarization: SummarizationRequest | None,
                 translation: TranslationRequest | None, *,
                 summarizer: Seq2SeqSummarizer | None = None,
                 translator: Seq2SeqTranslator | None = None) -> None:
        """`summarizer` and `translator`: models opened already (a server shares its models
        across requests), used instead of opening them from the requests."""
        self._summarization = summarization
        self._translation = translation
        self._summarizer: Seq2SeqSummarizer | None = summarizer
        self._translator: Seq2SeqTranslator | None = translator

    @classmethod
    def for_plan(cls, plan: Any, *, summarizer: SummarizationRequest,
                 translator: TranslationRequest) -> "SummaryModels":
        """The models a plan (nlp.summarize.SummaryPlan) can use: the summarizer only
        for an abstractive method, the translator only across languages."""
        return cls(summarizer if plan.method == "abstractive" else None,
                   translator if plan.strategy is not None else None)

    def summarizer(self) -> Seq2SeqSummarizer:
        if self._summarizer is None:
            if self._summarization is None:
                raise UsageError("this summary needs no summarization model")
            self._summarizer = open_summarizer(self._summarization)
        return self._summarizer

    def translator(self) -> Seq2SeqTranslator:
        if self._translator is None:
            if self._translation is None:
                raise UsageError("this summary needs no translation model")
            self._translator = open_translator(self._translation)
        return self._translator

    def provenance(self) -> dict[str, Any]:
        """Models and decoding settings of what was actually used (None for the rest)."""
        summ = self._summarizer.provenance() if self._summarizer else None
        trans = self._translator.provenance() if self._translator else None
        return {
            "models": {"summarizer": summ["model"] if summ else None,
                       "translator": trans["model"] if trans else None},
            "decoding": {"summarizer": summ["decoding"] if summ else None,
                         "translator": trans["decoding"] if trans else None},
        }
