"""`tarjama serve`: open the models once, build the app, run it on uvicorn.

The command line (cli.py) parses options into :class:`ServeOptions` and calls :func:`serve`.
Models are opened before the first request is taken; a model that cannot be opened stops the
command with its one-line error and exit code, as `tarjama translate` would.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from tarjama.errors import InputError, TarjamaError, UsageError
from tarjama.models.session import SummarizationRequest, TranslationRequest, open_summarizer
from tarjama.models.session import open_translator

__all__ = ["ServeOptions", "open_service", "parse_model_args", "read_api_keys", "serve"]

log = logging.getLogger("tarjama.serve")
_OPTIONS_ENV = "TARJAMA_SERVE_OPTIONS"  # how --workers hands the options to each worker
_DIRECTIONS = (("ar", "en"), ("en", "ar"))


@dataclass(frozen=True)
class ServeOptions:
    """Everything `tarjama serve` was given (JSON-able, for worker processes)."""

    host: str = "127.0.0.1"
    port: int = 5000
    models: tuple[tuple[str, str, str | None], ...] = (("ar", "en", None),)  # (from, to, model)
    summary_models: tuple[tuple[str, str | None], ...] = ()  # (language, model) when abstractive
    abstractive: bool = False
    backend: str = "torch"
    quantize: str | None = None
    beams: int | None = None
    batch_tokens: int | None = None
    device: str = "auto"
    dtype: str = "auto"
    threads: int | None = None
    allow_pickle: bool = False
    offline: bool = False
    workers: int = 1
    log_level: str = "info"
    settings: dict[str, Any] = field(default_factory=dict)  # serve.service.ServeSettings fields


def parse_model_args(values: Sequence[str]) -> tuple[tuple[str, str, str | None], ...]:
    """``--model [FROM-TO=]NAME`` (repeatable) as (from, to, name): a registry name carries
    its direction; a directory or hub id without one is ar-en."""
    from tarjama.models.registry import REGISTRY

    if not values:
        return (("ar", "en", None),)
    out: dict[tuple[str, str], str | None] = {}
    for value in values:
        direction, sep, rest = value.partition("=")
        if sep and tuple(direction.split("-")) in _DIRECTIONS:
            pair, name = tuple(direction.split("-")), rest
        else:
            name = value
            spec = REGISTRY.get(name)
            if spec is not None and spec.task != "translation":
                raise UsageError(f"--model {name} is a {spec.task} model; translation models "
                                 "only (summaries: --abstractive, --summary-model)")
            pair = (spec.source_lang, spec.target_lang) if spec is not None else ("ar", "en")
        if pair in out:
            raise UsageError(f"--model given twice for {pair[0]}-{pair[1]}")
        out[pair] = name  # type: ignore[index]
    return tuple((s, t, n) for (s, t), n in out.items())


def parse_summary_model_args(values: Sequence[str]) -> tuple[tuple[str, str | None], ...]:
    """``--summary-model [LANG=]NAME``: the summarizer of the language it reads (default:
    the registry's for each summary language the served directions need)."""
    out = []
    for value in values:
        lang, sep, name = value.partition("=")
        if sep and lang in ("ar", "en"):
            out.append((lang, name))
        else:
            out.append(("", value))  # the language is the one the served direction needs
    return tuple(out)


def read_api_keys(path: Path) -> frozenset[str]:
    """One key a line; blank lines and # comments ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    keys = frozenset(k for k in (line.split("#", 1)[0].strip() for line in text.splitlines()) if k)
    if not keys:
        raise InputError(f"{path}: no API keys in the file (one a line)")
    return keys


def open_service(options: ServeOptions) -> Any:
    """The models of `options`, opened, in a serve.service.Service."""
    from tarjama.models.registry import DEFAULT_CROSS_LINGUAL_STRATEGIES
    from tarjama.nlp.summarize import resolve_plan
    from tarjama.serve.service import Service, ServeSettings

    common = dict(device=options.device, dtype=options.dtype, threads=options.threads,
                  allow_pickle=options.allow_pickle, offline=options.offline)
    translators = {}
    for source, target, name in options.models:
        log.info("loading %s for %s-%s", name or "the default model", source, target)
        translators[(source, target)] = open_translator(TranslationRequest(
            source_lang=source, target_lang=target, model=name, beams=options.beams,
            batch_tokens=options.batch_tokens, quantize=options.quantize,
            backend=options.backend, **common))
    summarizers = {}
    if options.abstractive:
        chosen = dict(options.summary_models)
        for source, target, _ in options.models:
            lang = resolve_plan(source, target, "abstractive", default_strategy=
                                DEFAULT_CROSS_LINGUAL_STRATEGIES.get((source, target))).summary_lang
            if lang not in summarizers:
                name = chosen.get(lang, chosen.get(""))
                log.info("loading %s for %s summaries", name or "the default summarizer", lang)
                summarizers[lang] = open_summarizer(SummarizationRequest(lang=lang, model=name,
                                                                         **common))
    raw = dict(options.settings)
    # JSON-able in the options (lists), sets and tuples in the settings.
    raw["api_keys"] = frozenset(raw.get("api_keys", ()))
    raw["cors"] = tuple(raw.get("cors", ()))
    return Service(translators, ServeSettings(**raw), summarizers=summarizers)


def serve(options: ServeOptions) -> None:
    """Open the models and answer requests until interrupted."""
    import uvicorn

    from tarjama.serve.app import create_app

    config = dict(host=options.host, port=options.port, log_level=options.log_level,
                  access_log=options.log_level == "debug", timeout_graceful_shutdown=5)
    if options.workers > 1:
        _check_in_child(options)
        os.environ[_OPTIONS_ENV] = json.dumps(asdict(options))
        uvicorn.run("tarjama.serve.server:worker_app", factory=True, workers=options.workers,
                    **config)
        return
    service = open_service(options)
    directions = ", ".join(f"{s}-{t}" for s, t in service.batchers)
    print(f"tarjama: serving {directions} on http://{_url_host(options.host)}:{options.port}/ "
          "(Ctrl-C to stop)", file=sys.stderr)
    uvicorn.run(create_app(service), **config)


def worker_app() -> Any:
    """One --workers process: its own models, opened from the options in the environment."""
    from tarjama.serve.app import create_app

    data = json.loads(os.environ[_OPTIONS_ENV])
    options = ServeOptions(**{**data, "models": tuple(tuple(m) for m in data["models"]),
                              "summary_models": tuple(tuple(m) for m in data["summary_models"])})
    return create_app(open_service(options))


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _check_in_child(options: ServeOptions) -> None:
    """With several workers, open the models once in a throwaway process first: a model that
    cannot be opened is one error here, not workers dying and restarting."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_check, args=(replace(options, workers=1), queue))
    child.start()
    child.join()
    result = queue.get() if not queue.empty() else ("internal", "the model check process died")
    if result is not None:
        kind, message = result
        error: TarjamaError = _rebuild(kind, message)
        raise error


def _check(options: ServeOptions, queue: Any) -> None:
    try:
        open_service(options).close()
        queue.put(None)
    except TarjamaError as exc:
        queue.put((type(exc).__name__, exc.message))
    except Exception as exc:  # reported in the parent as an internal error
        queue.put(("internal", f"{type(exc).__name__}: {exc}"))


def _rebuild(kind: str, message: str) -> TarjamaError:
    from tarjama import errors

    cls = getattr(errors, kind, None)
    if isinstance(cls, type) and issubclass(cls, TarjamaError):
        try:
            return cls(message)
        except TypeError:  # an error class with arguments of its own
            pass
    return TarjamaError(message)
