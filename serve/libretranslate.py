"""LibreTranslate's HTTP API, as its clients use it (SubtitleEdit, i18n-ally, wagtail-localize
and the many others that speak it): the same requests, answers and errors as
LibreTranslate's app.py.

- ``POST /translate``: ``q`` a string or a list of strings, ``source`` (ar, en or auto),
  ``target``, ``format`` text|html, ``alternatives``, ``api_key``; a JSON body, a form
  (urlencoded or multipart) or the query string. Answers ``{"translatedText": ...}`` (a string,
  or a list for a list), with ``detectedLanguage`` when the source was auto.
- ``POST /detect``: ``[{"confidence": 0-100, "language": code}, ...]``, best first.
- ``GET /languages``: ``[{"code", "name", "targets"}]``.
- ``GET /health``, ``GET /frontend/settings``: as LibreTranslate's.

Differences, on purpose: a text over --max-chars is refused with 413 (LibreTranslate says 400,
same message); ``alternatives`` are always empty lists (one hypothesis is returned); html is
returned escaped correctly (LibreTranslate unescapes its HTML output, which can break markup).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from tarjama.serve.batching import RequestScope
from tarjama.serve.http import read_values, require_key, run_in_worker
from tarjama.serve.service import LANG_NAMES, Service

__all__ = ["router"]

router = APIRouter(tags=["LibreTranslate-compatible"])

_ERROR = {"content": {"application/json": {"schema": {
    "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}
_ERRORS = {
    "400": {"description": "Invalid request", **_ERROR},
    "403": {"description": "Missing or invalid API key", **_ERROR},
    "413": {"description": "Text over the server's --max-chars", **_ERROR},
    "503": {"description": "The server is busy (its queue is full); retry", **_ERROR},
    "504": {"description": "The request ran past the server's --timeout", **_ERROR},
}
_TEXTS = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_TRANSLATE_FIELDS = {
    "q": {**_TEXTS, "description": "Text(s) to translate", "example": "ذهب الرئيس إلى المدينة."},
    "source": {"type": "string", "example": "ar", "description": "ar, en, or auto to detect"},
    "target": {"type": "string", "example": "en"},
    "format": {"type": "string", "enum": ["text", "html"], "default": "text"},
    "alternatives": {"type": "integer", "default": 0,
                     "description": "Accepted; the answer's alternatives are always empty"},
    "api_key": {"type": "string", "description": "Needed when the server has API keys"},
}


def _body(fields: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": fields, "required": required}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema},
        "application/x-www-form-urlencoded": {"schema": schema},
        "multipart/form-data": {"schema": schema}}}}


def _service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


def _lang(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


@router.post("/translate", summary="Translate text (LibreTranslate's /translate)",
             openapi_extra=_body(_TRANSLATE_FIELDS, ["q", "source", "target"]),
             responses={"200": {"description": "Translation", "content": {"application/json": {
                 "schema": {"type": "object", "properties": {
                     "translatedText": _TEXTS,
                     "detectedLanguage": {"description": "When source is auto (a list for a list)"},
                     "alternatives": {"type": "array"}}, "required": ["translatedText"]}}}},
                 **_ERRORS})
async def translate(request: Request) -> JSONResponse:
    service = _service(request)
    settings = service.settings
    values = await read_values(request, max_part_size=settings.max_body_bytes)
    require_key(settings.api_keys, request, values)
    q = values.get("q")
    source, target = _lang(values.get("source")), _lang(values.get("target"))
    for name, value in (("q", q), ("source", source), ("target", target)):
        if not value:
            raise HTTPException(400, f"Invalid request: missing {name} parameter")
    try:
        alternatives = max(0, int(values.get("alternatives") or 0))
    except (TypeError, ValueError):
        raise HTTPException(400, "Invalid request: alternatives parameter is not a number") from None
    batch = isinstance(q, list)
    texts = q if batch else [q]
    if not all(isinstance(t, str) for t in texts):
        raise HTTPException(400, "Invalid request: q must be a string or a list of strings")
    service.check_size(sum(len(t) for t in texts))
    if source == "auto":
        detected = service.detect("\n".join(texts))[0]
        source_lang = detected["language"]
    else:
        detected = {"confidence": 100.0, "language": source}
        source_lang = source
    for lang in (source_lang, target):
        if lang not in service.languages:
            raise HTTPException(400, f"{lang} is not supported")
    fmt = values.get("format") or "text"
    if fmt not in ("text", "html"):
        raise HTTPException(400, f"{fmt} format is not supported")
    if source_lang != target and (source_lang, target) not in service.batchers:
        raise HTTPException(400, f"{LANG_NAMES[target]} ({target}) is not available as a target "
                                 f"language from {LANG_NAMES[source_lang]} ({source_lang})")
    scope = RequestScope.with_timeout(settings.timeout)
    translations = await run_in_worker(
        request, scope, lambda: service.translate_texts(texts, source_lang, target, fmt, scope))
    result: dict[str, Any] = {"translatedText": translations if batch else translations[0]}
    if source == "auto":
        result["detectedLanguage"] = [detected] * len(texts) if batch else detected
    if alternatives > 0:
        result["alternatives"] = [[] for _ in texts] if batch else []
    return JSONResponse(result)


@router.post("/detect", summary="Detect the language of text (LibreTranslate's /detect)",
             openapi_extra=_body({"q": {**_TEXTS, "example": "ذهب الرئيس إلى المدينة."},
                                  "api_key": {"type": "string"}}, ["q"]),
             responses={"200": {"description": "Languages, best first", "content": {
                 "application/json": {"schema": {"type": "array", "items": {
                     "type": "object", "properties": {"confidence": {"type": "number"},
                                                      "language": {"type": "string"}}}}}}},
                        **_ERRORS})
async def detect(request: Request) -> JSONResponse:
    service = _service(request)
    values = await read_values(request, max_part_size=service.settings.max_body_bytes)
    require_key(service.settings.api_keys, request, values)
    q = values.get("q")
    if not q:
        raise HTTPException(400, "Invalid request: missing q parameter")
    texts = q if isinstance(q, list) else [q]
    if not all(isinstance(t, str) for t in texts):
        raise HTTPException(400, "Invalid request: q must be a string or a list of strings")
    service.check_size(sum(len(t) for t in texts))
    return JSONResponse(service.detect("\n".join(texts)))


@router.get("/languages", summary="Languages and their targets (LibreTranslate's /languages)")
async def languages(request: Request) -> JSONResponse:
    return JSONResponse(_service(request).language_list())


@router.get("/health", summary="LibreTranslate's health check")
async def health() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/frontend/settings", summary="LibreTranslate's front-end settings")
async def frontend_settings(request: Request) -> JSONResponse:
    service = _service(request)
    source, target = next(iter(service.batchers))
    return JSONResponse({
        "charLimit": service.settings.max_chars, "frontendTimeout": 500,
        "apiKeys": bool(service.settings.api_keys),
        "keyRequired": bool(service.settings.api_keys), "suggestions": False,
        "filesTranslation": False, "supportedFilesFormat": [],
        "language": {"source": {"code": source, "name": LANG_NAMES[source]},
                     "target": {"code": target, "name": LANG_NAMES[target]}},
    })
