"""What the CLI asks of models/: open a translator for a request, download, list, describe.

Kept apart from cli.py so other front ends (eval runs, digests, benchmarks) open models the
same way and get the same errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.loading import LoadOptions, ModelRef, check_model_dir, load, locate, resolve_model
from models.registry import REGISTRY, default_translation_model
from models.translator import DecodingConfig, Translator
from nlp.errors import ModelNotDownloadedError, ModelNotFoundError, UsageError

SUPPORTED_LANGS = ("ar", "en")


@dataclass(frozen=True)
class TranslationRequest:
    source_lang: str = "ar"
    target_lang: str = "en"
    model: str | None = None
    revision: str | None = None
    device: str = "auto"
    dtype: str = "auto"
    threads: int | None = None
    allow_pickle: bool = False
    offline: bool = False
    beams: int | None = None
    max_segment_tokens: int = 256
    batch_tokens: int = 6000
    quantize: str | None = None  # int8 (torch backend, CPU)
    backend: str = "torch"  # torch | ctranslate2
    ct2_quantization: str = "int8"


class ModelTranslator(Translator):
    """A Translator that also reports where its model came from (for JSON output)."""

    def provenance(self) -> dict[str, Any]:
        spec = self.loaded.ref.spec
        return {
            "source_lang": spec.source_lang if spec else None,
            "target_lang": spec.target_lang if spec else None,
            "model": self.loaded.provenance,
            "decoding": self.settings,
        }


def _check_langs(source: str, target: str) -> None:
    for lang in (source, target):
        if lang not in SUPPORTED_LANGS:
            raise UsageError(f"unsupported language '{lang}' (supported: {', '.join(SUPPORTED_LANGS)})")
    if source == target:
        raise UsageError(f"--from and --to are both '{source}'")


def open_translator(request: TranslationRequest) -> ModelTranslator:
    _check_langs(request.source_lang, request.target_lang)
    name = request.model or default_translation_model(request.source_lang, request.target_lang)
    ref = resolve_model(name, request.revision)
    spec = ref.spec
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
    loaded = load(ref, LoadOptions(
        device=request.device, dtype=request.dtype, threads=request.threads,
        allow_pickle=request.allow_pickle, offline=request.offline, quantize=request.quantize,
    ))
    engine = None
    if request.backend == "ctranslate2":
        from models.ct2 import CT2Engine

        engine = CT2Engine(loaded, request.ct2_quantization, threads=request.threads)
        loaded.extra.update({"backend": "ctranslate2", "ct2_quantization": request.ct2_quantization,
                             "convert_seconds": round(engine.convert_seconds, 3)})
    return ModelTranslator(loaded, DecodingConfig(
        num_beams=request.beams, max_segment_tokens=request.max_segment_tokens,
        max_batch_tokens=request.batch_tokens,
    ), engine=engine)


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


class TranslationSystem:
    """The article pipeline as an eval.run.System: each source may hold several lines
    (a whole document); all sources of a call share one translation window, so the model sees
    full batches, and each gets its paragraphs back joined with newlines."""

    def __init__(self, translator: ModelTranslator, source_lang: str) -> None:
        self.translator = translator
        self.source_lang = source_lang
        self.name = translator.loaded.ref.label

    def provenance(self) -> dict[str, Any]:
        return self.translator.provenance()

    def count_tokens(self, texts: list[str]) -> int:
        return sum(self.translator.count_tokens(texts))

    def __call__(self, sources: list[str]) -> list[str]:
        from nlp.document import translate_lines
        from nlp.textio import Line

        owner: dict[int, int] = {}
        lines: list[Line] = []
        for index, source in enumerate(sources):
            for text in source.split("\n"):
                number = len(lines) + 1
                owner[number] = index
                lines.append(Line(number, 0, text))
        outputs: list[list[str]] = [[] for _ in sources]
        for para in translate_lines(lines, self.translator, source_lang=self.source_lang):
            outputs[owner[para.line]].append(para.translation)
        return ["\n".join(parts) for parts in outputs]
