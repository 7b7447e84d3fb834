"""Finding and loading model weights: registry name, hub id (+ revision), or a local directory.

Order of look-up for hub models: the Hugging Face cache first (no network), then a download,
unless offline mode is on. An unreachable hub fails in seconds with the command to run, instead
of the minute of retries a bare `from_pretrained` spends. Weights load from safetensors only,
unless the caller explicitly allows pickle; remote code is never trusted.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import struct
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tarjama.errors import (
    ModelNotDownloadedError,
    ModelNotFoundError,
    UnsafeWeightsError,
    UsageError,
)
from tarjama.models.registry import REGISTRY, ModelSpec

log = logging.getLogger(__name__)

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# What a translation/summarization model needs; TF, Flax and Rust weights are never fetched.
_CONFIG_FILES = ["config.json", "generation_config.json"]
_TOKENIZER_FILES = [
    "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json", "vocab.json",
    "source.spm", "target.spm", "spiece.model", "sentencepiece.bpe.model", "added_tokens.json",
]
_SAFE_WEIGHTS = ["*.safetensors", "model.safetensors.index.json"]
_PICKLE_WEIGHTS = ["pytorch_model*.bin", "pytorch_model.bin.index.json"]
_TOKENIZER_MARKERS = ("tokenizer.json", "source.spm", "spiece.model", "sentencepiece.bpe.model")
_HUB_PROBE_TIMEOUT_S = 5.0

# config.json model types by what the product can run them for. Translation here means a
# Marian-style model (opus-mt and its kin); the summarizers are the seq2seq families whose
# published checkpoints summarize. A type in neither set is let through to the loader.
TRANSLATION_MODEL_TYPES = frozenset({"marian", "m2m_100", "nllb-moe", "fsmt"})
SUMMARIZATION_MODEL_TYPES = frozenset({"mt5", "umt5", "t5", "longt5", "bart", "pegasus",
                                       "pegasus_x", "led", "bigbird_pegasus", "prophetnet"})
# A checkpoint that leaves more than this share of the model's tensors to random
# initialization is not this model's weights (a pickle of something else, another model).
_MAX_MISSING_SHARE = 0.1


@dataclass(frozen=True)
class ModelRef:
    """What the user asked for, resolved: a hub repository or a local directory."""

    label: str  # as the user wrote it
    hub_id: str | None = None
    revision: str | None = None
    local_dir: Path | None = None
    spec: ModelSpec | None = None

    def describe(self) -> str:
        if self.local_dir is not None:
            return f"directory {self.local_dir}"
        return f"{self.hub_id}@{self.revision}"


@dataclass(frozen=True)
class LoadOptions:
    device: str = "auto"  # cpu | cuda | auto
    dtype: str = "auto"  # auto | float32 | float16 | bfloat16
    threads: int | None = None
    allow_pickle: bool = False
    offline: bool = False
    quantize: str | None = None  # "int8": dynamic int8 Linear layers (CPU)


@dataclass
class LoadedModel:
    ref: ModelRef
    path: Path
    model: Any  # a transformers PreTrainedModel; None when only the files are used (CTranslate2)
    tokenizer: Any  # a transformers tokenizer
    device: str
    dtype: str
    load_seconds: float
    commit: str | None = None  # the hub commit the cached snapshot came from
    extra: dict[str, Any] = field(default_factory=dict)
    config: Any = None  # the model's config (read from config.json when model is None)
    generation_config: Any = None

    def __post_init__(self) -> None:
        if self.model is not None:
            if self.config is None:
                self.config = self.model.config
            if self.generation_config is None:
                self.generation_config = self.model.generation_config

    @property
    def provenance(self) -> dict[str, Any]:
        return {
            "model": self.ref.label,
            "hub_id": self.ref.hub_id,
            "revision": self.ref.revision,
            "commit": self.commit,
            "path": str(self.path),
            "device": self.device,
            "dtype": self.dtype,
            **self.extra,
        }


def resolve_model(name: str, revision: str | None = None) -> ModelRef:
    """Turn a registry name, hub id or directory into a ModelRef (no I/O beyond a stat)."""
    path = Path(name).expanduser()
    if path.is_dir():
        return ModelRef(label=name, local_dir=path.resolve())
    if name in REGISTRY:
        spec = REGISTRY[name]
        return ModelRef(label=name, hub_id=spec.hub_id, revision=revision or spec.revision, spec=spec)
    looks_like_path = name.startswith((".", "/", "~")) or os.sep in name.replace("/", "", 1)
    if path.exists():
        raise ModelNotFoundError(f"model path {name} is a file; pass the model's directory")
    if _HUB_ID.match(name) and not looks_like_path:
        spec = next((s for s in REGISTRY.values() if s.hub_id == name), None)
        return ModelRef(label=name, hub_id=name, revision=revision or "main", spec=spec)
    if looks_like_path:
        raise ModelNotFoundError(f"model directory {name} does not exist")
    raise ModelNotFoundError(
        f"unknown model '{name}': use a registry name ({', '.join(REGISTRY)}), "
        "a hub id such as Helsinki-NLP/opus-mt-ar-en, or a local model directory"
    )


def offline_mode(requested: bool = False) -> bool:
    value = os.environ.get("HF_HUB_OFFLINE", "") or os.environ.get("TRANSFORMERS_OFFLINE", "")
    return requested or value.strip().lower() in {"1", "true", "yes", "on"}


def hub_cache_dir() -> Path:
    """The hub cache, read from the environment at call time (the hub reads it at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def _allow_patterns(allow_pickle: bool) -> list[str]:
    return _CONFIG_FILES + _TOKENIZER_FILES + _SAFE_WEIGHTS + (_PICKLE_WEIGHTS if allow_pickle else [])


def _fetch_command(ref: ModelRef) -> str:
    # A registry name already means its pinned revision (the hub's safetensors conversion).
    default = ref.spec.revision if ref.spec is not None and ref.label == ref.spec.name else "main"
    rev = f" --revision {ref.revision}" if ref.revision not in (None, "main", default) else ""
    return f"tarjama models download {ref.label}{rev}"


def check_model_dir(path: Path, label: str, allow_pickle: bool) -> None:
    """Raise a one-line error if `path` lacks config, tokenizer or (acceptable) weights."""
    names = {p.name for p in path.iterdir()}
    missing = []
    if "config.json" not in names:
        missing.append("config.json")
    if not any(m in names for m in _TOKENIZER_MARKERS):
        missing.append("a tokenizer (tokenizer.json, source.spm/target.spm or spiece.model)")
    safe = any(n.endswith(".safetensors") for n in names)
    pickle = any(n.startswith("pytorch_model") and n.endswith(".bin") for n in names)
    if not safe and not pickle:
        missing.append("weights (model.safetensors)")
    if missing:
        raise ModelNotFoundError(f"model {label} at {path} is missing {', '.join(missing)}")
    if not safe and not allow_pickle:
        raise UnsafeWeightsError(
            f"model {label} at {path} has only pickle weights (pytorch_model.bin), which can run "
            "code when loaded; convert them to safetensors, or pass --allow-pickle if you trust "
            "the source"
        )


def check_model_task(path: Path, ref: ModelRef, task: str) -> None:
    """Refuse, before the weights load, a model whose kind does not fit the command: a
    summarizer given to translate produces empty or garbage "translations" with exit code 0.

    The registry spec decides where there is one; else config.json's model_type (a T5-family
    model that says it translates in its task_specific_params is let through).
    """
    command = {"translation": "translate", "summarization": "summarize"}.get(task, task)
    if ref.spec is not None:
        if ref.spec.task != task:
            raise UsageError(f"model {ref.label} is a {ref.spec.task} model, not a {task} model; "
                             f"`tarjama models list` shows which models {command} takes")
        return
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelNotFoundError(f"model {ref.label}: {path / 'config.json'} is unreadable "
                                 f"({type(exc).__name__})") from None
    if not isinstance(config, dict):
        raise ModelNotFoundError(f"model {ref.label}: {path / 'config.json'} is not a model config")
    kind = str(config.get("model_type", ""))
    architectures = ", ".join(str(a) for a in config.get("architectures") or []) or kind
    params = config.get("task_specific_params") or {}
    says_translation = isinstance(params, dict) and any(str(k).startswith("translation") for k in params)
    if task == "translation" and kind in SUMMARIZATION_MODEL_TYPES and not says_translation:
        raise UsageError(f"model {ref.label} is a summarization model ({architectures}, model_type "
                         f"'{kind}' in {path / 'config.json'}); translate takes a translation "
                         "model such as opus-mt-ar-en")
    if task == "summarization" and kind in TRANSLATION_MODEL_TYPES:
        raise UsageError(f"model {ref.label} is a translation model ({architectures}, model_type "
                         f"'{kind}' in {path / 'config.json'}); the summarizer must be a "
                         "summarization model such as mt5-xlsum or bart-large-cnn")


def check_safetensors(path: Path, label: str) -> None:
    """A one-line error naming a .safetensors file that is cut short or not safetensors at all
    (an interrupted download), before the loader fails with a message that names no file."""
    for file in sorted(path.glob("*.safetensors")):
        try:
            size = file.stat().st_size
            with file.open("rb") as handle:
                head = handle.read(8)
                if len(head) < 8:
                    raise ValueError("shorter than a safetensors header")
                (header_len,) = struct.unpack("<Q", head)
                if header_len > size - 8:
                    raise ValueError(f"header of {header_len} bytes in a file of {size}")
                header = json.loads(handle.read(header_len))
            ends = [int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"]
            if ends and 8 + header_len + max(ends) > size:
                raise ValueError(f"{size} bytes, the header says {8 + header_len + max(ends)}")
        except OSError as exc:
            raise ModelNotFoundError(f"model {label}: cannot read {file} ({exc.strerror or exc})") from None
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, struct.error) as exc:
            raise ModelNotFoundError(
                f"model {label}: {file} is damaged or incomplete ({' '.join(str(exc).split())[:200]}); "
                "download it again") from None


def _hub_reachable() -> bool:
    """A DNS lookup and TCP connect with a short time-out; proxies are trusted to work."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=_HUB_PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def locate(ref: ModelRef, options: LoadOptions, *, download: bool = True) -> tuple[Path, str | None]:
    """Return (directory with the files, hub commit or None), downloading if needed and allowed."""
    if ref.local_dir is not None:
        check_model_dir(ref.local_dir, ref.label, options.allow_pickle)
        return ref.local_dir, None
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    assert ref.hub_id is not None
    patterns = _allow_patterns(options.allow_pickle)
    try:
        path = Path(snapshot_download(
            ref.hub_id, revision=ref.revision, allow_patterns=patterns, local_files_only=True,
            cache_dir=hub_cache_dir(),
        ))
        check_model_dir(path, ref.label, options.allow_pickle)
        return path, path.name
    except (LocalEntryNotFoundError, ModelNotFoundError, FileNotFoundError):
        pass  # not cached (or only partly): download below
    offline = offline_mode(options.offline)
    if not download or offline or not _hub_reachable():
        why = ("offline mode is on (HF_HUB_OFFLINE)" if offline
               else "not downloaded yet" if not download
               else "the Hugging Face Hub cannot be reached")
        raise ModelNotDownloadedError(
            f"model {ref.label} ({ref.hub_id}@{ref.revision}) is not in the cache at "
            f"{hub_cache_dir()} and {why}; run `{_fetch_command(ref)}` on a connected machine "
            "(then copy the cache), or pass --model DIR with a downloaded model"
        )
    log.info("downloading %s@%s to %s", ref.hub_id, ref.revision, hub_cache_dir())
    try:
        path = Path(snapshot_download(
            ref.hub_id, revision=ref.revision, allow_patterns=patterns, cache_dir=hub_cache_dir(),
        ))
    except Exception as exc:  # the hub raises many types: not found, gated, network, disk
        raise ModelNotDownloadedError(
            f"could not download {ref.hub_id}@{ref.revision}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None
    check_model_dir(path, ref.label, options.allow_pickle)
    return path, path.name


def pick_device(requested: str) -> str:
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda was given but no CUDA device is available")
    if requested not in {"cpu", "cuda"}:
        raise UsageError(f"unknown device '{requested}' (use cpu, cuda or auto)")
    return requested


def pick_dtype(requested: str, device: str) -> str:
    if requested == "auto":
        # Half precision pays off on GPUs only; on CPU it is slower than float32.
        return "float16" if device == "cuda" else "float32"
    if requested not in {"float32", "float16", "bfloat16"}:
        raise UsageError(f"unknown dtype '{requested}' (use auto, float32, float16 or bfloat16)")
    return requested


def load(ref: ModelRef, options: LoadOptions, *, weights: bool = True,
         task: str | None = None) -> LoadedModel:
    """Locate (downloading if allowed) and load a model and its tokenizer for inference.

    ``weights=False`` loads the tokenizer and configs only, for engines that read the model's
    files themselves (CTranslate2): the torch weights then never take memory. ``task``
    ("translation" or "summarization") refuses a model of the other kind before it loads.
    """
    started = time.perf_counter()
    path, commit = locate(ref, options)
    if task is not None:
        check_model_task(path, ref, task)
    check_safetensors(path, ref.label)
    device = pick_device(options.device)
    dtype = pick_dtype(options.dtype, device)
    has_safe = any(path.glob("*.safetensors"))
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig
    from transformers.utils import logging as hf_logging

    # Files are local by now; a "Loading weights" bar on every run is noise on stderr, and so is
    # transformers' load report (its missing tensors are checked here, in one line). Its import
    # resets its own log level, so the CLI's setting does not reach it: set it here (-vv shows it).
    bars_were_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    verbosity = hf_logging.get_verbosity()
    if not logging.getLogger("tarjama").isEnabledFor(logging.DEBUG):
        hf_logging.set_verbosity_error()
    config = generation_config = model = None
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
        if weights:
            import torch
            from transformers import AutoModelForSeq2SeqLM

            if options.threads:
                torch.set_num_threads(options.threads)
            with warnings.catch_warnings():
                # torch's safe unpickler warns about the pickle protocol of --allow-pickle files.
                warnings.filterwarnings("ignore", message="Detected pickle protocol")
                model, info = AutoModelForSeq2SeqLM.from_pretrained(
                    path,
                    dtype=getattr(torch, dtype),
                    use_safetensors=True if has_safe or not options.allow_pickle else None,
                    trust_remote_code=False,
                    output_loading_info=True,
                )
            _check_loaded_weights(model, info, ref, path, has_safe)
        else:
            config = AutoConfig.from_pretrained(path, trust_remote_code=False)
            try:
                generation_config = GenerationConfig.from_pretrained(path)
            except OSError:  # no generation_config.json: the model config's settings apply
                generation_config = GenerationConfig.from_model_config(config)
    except ModelNotFoundError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelNotFoundError(f"model {ref.label} at {path} could not be loaded: {first}") from None
    except Exception as exc:  # safetensors' and pickle's own errors: a damaged or foreign file
        if not _is_weights_error(exc):
            raise
        file = "model.safetensors" if has_safe else "pytorch_model.bin"
        import pickle

        if isinstance(exc, pickle.UnpicklingError):
            why = "torch's safe loader refused it: it is not a pickle of tensors"
        else:
            why = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:200]}"
        raise ModelNotFoundError(f"model {ref.label}: {path / file} is not loadable weights "
                                 f"({why})") from None
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars_were_on:
            hf_logging.enable_progress_bar()
    extra: dict[str, Any] = {}
    if model is not None:
        model.eval()
        model.to(device)
        if options.quantize:
            model, extra = quantize(model, options.quantize, device)
    return LoadedModel(
        ref=ref, path=path, model=model, tokenizer=tokenizer, device=device, dtype=dtype,
        load_seconds=time.perf_counter() - started, commit=commit, extra=extra,
        config=config, generation_config=generation_config,
    )


def _is_weights_error(exc: Exception) -> bool:
    """Whether the loader failed reading the weights file itself (safetensors' errors, or any
    error raised inside torch.load: a pickle of something else fails in many ways)."""
    import pickle
    import traceback

    if isinstance(exc, pickle.UnpicklingError):
        return True
    if type(exc).__name__ in ("SafetensorError", "HeaderTooLarge", "MetadataIncompleteBuffer"):
        return True
    frames = traceback.extract_tb(exc.__traceback__)
    return any(f.filename.endswith(("torch/serialization.py", "torch/_weights_only_unpickler.py"))
               for f in frames)


def _check_loaded_weights(model: Any, info: dict[str, Any], ref: ModelRef, path: Path,
                          has_safe: bool) -> None:
    """The checkpoint must have held this model's weights: transformers initializes whatever is
    missing at random and only logs it, so a pickle of something else would "translate"."""
    missing = sorted(info.get("missing_keys") or ())
    if not missing:
        return
    total = max(1, len(model.state_dict()))
    file = "model.safetensors" if has_safe else "pytorch_model.bin"
    if len(missing) > _MAX_MISSING_SHARE * total:
        raise ModelNotFoundError(
            f"model {ref.label}: {path / file} does not hold this model's weights ({len(missing)} "
            f"of {total} tensors missing, e.g. {missing[0]})")
    log.warning("model %s: %d tensors not in %s were initialized at random (%s)", ref.label,
                len(missing), path / file, ", ".join(missing[:3]))


def _fast_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX)."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def quantize(model: Any, scheme: str, device: str) -> tuple[Any, dict[str, Any]]:
    """Dynamic int8 quantization of the Linear layers (weights int8, activations quantized on
    the fly): about 2x the speed of float32 on CPU for Marian, at a small cost in quality that
    `tarjama bench --quality` measures."""
    import warnings

    import torch

    if scheme != "int8":
        raise UsageError(f"unknown quantization '{scheme}' (use int8)")
    if device != "cpu":
        raise UsageError("--quantize int8 is for CPU; on CUDA use --dtype float16 or bfloat16")
    started = time.perf_counter()
    with warnings.catch_warnings():
        # torch 2.13 warns that this API moves to torchao; torchao's int8 dynamic path needs
        # torch.compile to be fast on CPU, so torch's own kernel is still the right one here.
        warnings.simplefilter("ignore")
        # In place, layer by layer (no second copy of the model), and not the output layer:
        # int8 logits cost quality where it shows most, and its 62,834-wide output is faster
        # written into models.beam's reused buffer than allocated by the quantized kernel.
        head = getattr(model, "lm_head", None)
        skip = {name for name, module in model.named_modules() if module is head}
        spec = {name: torch.ao.quantization.default_dynamic_qconfig
                for name, module in model.named_modules()
                if isinstance(module, torch.nn.Linear) and name not in skip}
        torch.ao.quantization.quantize_dynamic(model, spec, dtype=torch.qint8, inplace=True)
    extra: dict[str, Any] = {"quantize": scheme, "quantized_layers": len(spec),
                             "output_layer": "float32"}
    if head is not None and isinstance(head, torch.nn.Linear) and head.bias is None \
            and _fast_bfloat16():
        # Where the CPU multiplies bfloat16 natively the output layer runs in it: 2.4x faster
        # than float32 at opus-mt's size, and far closer to it than int8. A copy of its own,
        # since the float32 weight is shared with the input embeddings.
        bf16 = torch.nn.Linear(head.in_features, head.out_features, bias=False,
                               dtype=torch.bfloat16)
        bf16.weight = torch.nn.Parameter(head.weight.detach().to(torch.bfloat16),
                                         requires_grad=False)
        model.lm_head = bf16
        extra["output_layer"] = "bfloat16"
    extra["quantize_seconds"] = round(time.perf_counter() - started, 3)
    return model, extra
