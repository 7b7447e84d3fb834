"""`tarjama serve`: an HTTP server for translation and summaries (optional extra
``tarjama[serve]``): LibreTranslate's API for its many clients, tarjama's own JSON API, and a
bilingual reading page. Importing this package needs none of the extra's packages.

- serve/server.py: the command (options, opening the models once, uvicorn)
- serve/app.py: the routes; serve/libretranslate.py: LibreTranslate's endpoints
- serve/service.py: the work of each endpoint; serve/batching.py: dynamic batching
- serve/http.py: errors, limits, keys; serve/metrics.py: Prometheus; serve/checking.py
- serve/static/: the page (no CDN, no web fonts)
"""

from __future__ import annotations

import importlib.util

from tarjama.errors import UsageError

__all__ = ["require_extra"]

# What the extra installs, by import name.
_EXTRA = ("fastapi", "uvicorn", "python_multipart", "prometheus_client")


def require_extra() -> None:
    """A one-line UsageError naming the extra when a package of it is missing."""
    missing = [name for name in _EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"tarjama serve needs the optional extra (missing: {', '.join(missing)}): "
                         "pip install 'tarjama[serve]'")
