"""tarjama: Arabic <-> English translation and summarization of news.

The repository root is this package (pyproject.toml maps it to the import name ``tarjama``):
``tarjama.models`` loads and runs models, ``tarjama.nlp`` is text in and text out,
``tarjama.eval`` scores and benchmarks, ``tarjama.cli`` is the command line.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("tarjama")
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"
