"""tarjama: Arabic <-> English translation and summarization of news.

    import tarjama
    tr = tarjama.Translator("opus-mt-ar-en")
    print(tr.translate_article(text).text)
    tarjama.summarize(text, method="extractive", sentences=3)
    tarjama.score(hyps, refs, metrics=["bleu", "chrf"])

The repository root is this package (pyproject.toml maps it to the import name ``tarjama``):
``tarjama.models`` loads and runs models, ``tarjama.nlp`` is text in and text out,
``tarjama.news`` turns feeds into digests, ``tarjama.eval`` scores and benchmarks,
``tarjama.api`` is the public API below, ``tarjama.cli`` the command line over it.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version
from typing import TYPE_CHECKING, Any

try:
    __version__ = _version("tarjama")
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"

# Names of the public API and the module each lives in. They are imported on first use, so
# that `import tarjama.nlp.segment` (or the command line's --help) does not load models.
_PUBLIC = {
    "Translator": "tarjama.api", "TranslatedArticle": "tarjama.api", "Summarizer": "tarjama.api",
    "Summary": "tarjama.api", "summarize": "tarjama.api", "score": "tarjama.api",
    "digest": "tarjama.api", "evaluate": "tarjama.api", "check": "tarjama.api",
    "CheckReport": "tarjama.api",
    "TarjamaError": "tarjama.errors", "ExitCode": "tarjama.errors",
}
__all__ = ["__version__", *_PUBLIC]

if TYPE_CHECKING:
    from tarjama.api import (
        CheckReport, Summarizer, Summary, TranslatedArticle, Translator, check, digest, evaluate,
        score, summarize,
    )
    from tarjama.errors import ExitCode, TarjamaError


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'tarjama' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
