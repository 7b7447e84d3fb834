"""CTranslate2 backend (optional extra `tarjama[fast]`): the same model, converted once.

The conversion is cached beside the Hugging Face cache, keyed by what determines its content:
hub id + commit (or the local directory's files) + quantization. Tokenization, batching, length
bounds and flags stay in models.translator, so both backends give the same document pipeline.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

from tarjama.errors import ModelNotFoundError, UsageError
from tarjama.models.loading import LoadedModel, hub_cache_dir

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
    _require_ctranslate2()  # a clear message here, rather than a failed child process
    if quantization not in QUANTIZATIONS:
        raise UsageError(f"unknown quantization '{quantization}' (use {', '.join(QUANTIZATIONS)})")
    out = conversion_dir(loaded, quantization)
    if (out / "model.bin").is_file():
        return out, 0.0
    started = time.perf_counter()
    log.info("converting %s to CTranslate2 (%s) in %s", loaded.ref.label, quantization, out)
    # A folder of this process's own: the actors of a batch job on one machine may all
    # convert the same model at once, and must not write into each other's files.
    tmp = out.with_name(f"{out.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    # In a child process: the converter loads the whole torch model, memory this process
    # would otherwise keep (the allocator does not give it back) while it translates.
    done = subprocess.run(
        [sys.executable, "-c", _CONVERT, str(loaded.path), str(tmp), quantization],
        capture_output=True, text=True, check=False,
        env={**os.environ, "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error"},
    )
    if done.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise ModelNotFoundError(
            f"model {loaded.ref.label} at {loaded.path} could not be converted to CTranslate2: "
            f"{lines[-1] if lines else f'exit code {done.returncode}'}"
        )
    # Rename last, so an interrupted conversion is never mistaken for a finished one; when
    # another process finished first, its conversion (the same bytes) is kept.
    if (out / "model.bin").is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        return out, time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    try:
        tmp.rename(out)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (out / "model.bin").is_file():
            raise
    return out, time.perf_counter() - started


_CONVERT = """
import sys
import ctranslate2
ctranslate2.converters.TransformersConverter(sys.argv[1]).convert(
    sys.argv[2], quantization=sys.argv[3], force=True)
"""


class CT2Engine:
    """Decoding through ctranslate2.Translator; token ids in and out, like TorchEngine."""

    name = "ctranslate2"

    def __init__(self, loaded: LoadedModel, quantization: str = "int8", threads: int | None = None,
                 workers: int | None = None) -> None:
        ctranslate2 = _require_ctranslate2()
        path, self.convert_seconds = convert(loaded, quantization)
        # Two workers of half the cores each decode halves of a batch side by side: on a
        # 2-core machine that measured about 1.3x one worker with two threads, because the
        # small per-step operations of beam search do not split well across threads. A batch
        # job's actor asks for one worker with all its CPUs (its parallelism is the actors).
        cores = threads or os.cpu_count() or 1
        self.workers = workers or (2 if loaded.device == "cpu" and cores >= 2 else 1)
        self._translator = ctranslate2.Translator(
            str(path), device=loaded.device, compute_type=quantization,
            inter_threads=self.workers, intra_threads=max(1, cores // self.workers),
        )
        self._tok = loaded.tokenizer
        self.quantization = quantization

    def generate(
        self, inputs: list[list[int]], *, num_beams: int, max_new_tokens: Sequence[int],
        min_new_tokens: Sequence[int], no_repeat_ngram_size: int,
    ) -> list[tuple[list[int], float | None]]:
        source = [self._tok.convert_ids_to_tokens(ids) for ids in inputs]
        # One bound per batch here: the translator cuts each row at its own.
        results = self._translator.translate_batch(
            source, beam_size=num_beams, max_decoding_length=max(max_new_tokens),
            min_decoding_length=max(1, max(min_new_tokens, default=0)),
            no_repeat_ngram_size=no_repeat_ngram_size, return_end_token=True, max_input_length=0,
            max_batch_size=-(-len(source) // self.workers), return_scores=True,
        )
        return [(self._tok.convert_tokens_to_ids(r.hypotheses[0]), float(r.scores[0]))
                for r in results]
