"""CTranslate2 backend (optional extra `tarjama[fast]`): the same model, converted once.

The conversion is cached beside the Hugging Face cache, keyed by what determines its content:
hub id + commit (or the local directory's files) + quantization. Tokenization, batching, length
bounds and flags stay in models.translator, so both backends give the same document pipeline.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from pathlib import Path

from models.loading import LoadedModel, hub_cache_dir
from nlp.errors import UsageError

log = logging.getLogger(__name__)

QUANTIZATIONS = ("int8", "int8_float32", "float32", "float16", "int8_float16", "bfloat16")


def _require_ctranslate2():  # type: ignore[no-untyped-def]
    try:
        import ctranslate2
    except ImportError:
        raise UsageError(
            "--backend ctranslate2 needs the optional extra: pip install 'tarjama[fast]'"
        ) from None
    return ctranslate2


def conversion_dir(loaded: LoadedModel, quantization: str) -> Path:
    if loaded.ref.hub_id is not None and loaded.commit:
        key = f"{loaded.ref.hub_id.replace('/', '--')}--{loaded.commit[:12]}"
    else:
        # A local directory: key by its files' names, sizes and times, so an edit re-converts.
        digest = hashlib.sha256()
        for f in sorted(loaded.path.iterdir()):
            if f.is_file():
                stat = f.stat()
                digest.update(f"{f.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
        key = f"local--{loaded.path.name}--{digest.hexdigest()[:12]}"
    return hub_cache_dir().parent / "tarjama" / "ctranslate2" / f"{key}--{quantization}"


def convert(loaded: LoadedModel, quantization: str) -> tuple[Path, float]:
    """Return the converted model's directory (converting on first use) and seconds spent."""
    ctranslate2 = _require_ctranslate2()
    if quantization not in QUANTIZATIONS:
        raise UsageError(f"unknown quantization '{quantization}' (use {', '.join(QUANTIZATIONS)})")
    out = conversion_dir(loaded, quantization)
    if (out / "model.bin").is_file():
        return out, 0.0
    started = time.perf_counter()
    log.info("converting %s to CTranslate2 (%s) in %s", loaded.ref.label, quantization, out)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    converter = ctranslate2.converters.TransformersConverter(str(loaded.path))
    converter.convert(str(tmp), quantization=quantization, force=True)
    # Rename last, so an interrupted conversion is never mistaken for a finished one.
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out, time.perf_counter() - started


class CT2Engine:
    """Decoding through ctranslate2.Translator; token ids in and out, like TorchEngine."""

    name = "ctranslate2"

    def __init__(self, loaded: LoadedModel, quantization: str = "int8", threads: int | None = None) -> None:
        ctranslate2 = _require_ctranslate2()
        path, self.convert_seconds = convert(loaded, quantization)
        self._translator = ctranslate2.Translator(
            str(path), device=loaded.device, compute_type=quantization,
            inter_threads=1, intra_threads=threads or 0,
        )
        self._tok = loaded.tokenizer
        self.quantization = quantization

    def generate(
        self, inputs: list[list[int]], *, num_beams: int, max_new_tokens: int,
        min_new_tokens: int, no_repeat_ngram_size: int,
    ) -> list[list[int]]:
        source = [self._tok.convert_ids_to_tokens(ids) for ids in inputs]
        results = self._translator.translate_batch(
            source, beam_size=num_beams, max_decoding_length=max_new_tokens,
            min_decoding_length=max(1, min_new_tokens), no_repeat_ngram_size=no_repeat_ngram_size,
            return_end_token=True, max_input_length=0,
        )
        return [self._tok.convert_tokens_to_ids(r.hypotheses[0]) for r in results]
