"""The `tarjama serve` application: LibreTranslate's API, tarjama's own (/v1/...), health,
metrics and the bilingual reading page, over one Service (the models loaded once).

    from tarjama.serve.app import create_app
    app = create_app(service)        # any ASGI server; `tarjama serve` runs it on uvicorn
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
from typing import Any, AsyncIterator, Iterator, Literal

import anyio
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from tarjama import __version__
from tarjama.errors import ServerBusyError, TarjamaError, UsageError
from tarjama.serve.batching import RequestScope
from tarjama.serve.http import Guard, require_key, run_in_worker, status_of, watch_disconnect
from tarjama.serve.libretranslate import router as libretranslate_router
from tarjama.serve.metrics import CONTENT_TYPE
from tarjama.serve.service import LANG_NAMES, Service

__all__ = ["create_app"]

# The page's own files, served from the package: no CDN, no font download.
_STATIC = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_DESCRIPTION = """Arabic <-> English translation and summaries of news, on this machine.

LibreTranslate's endpoints (`/translate`, `/detect`, `/languages`) answer as LibreTranslate does;
tarjama's own (`/v1/...`) return what the command line's JSON output holds: paragraphs,
sentences, per-sentence checks and the model's provenance. Errors are `{"error": message}`."""


class _Article(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="The article: one paragraph a line (a short "
                                               "first line without closing punctuation is its "
                                               "headline)")
    url: str | None = Field(None, description="Or an http(s) URL to fetch (main text extracted)")
    source: str = Field("ar", description="ar, en or auto")
    target: str = Field("en", description="en or ar")
    api_key: str | None = None


class _SummaryRequest(_Article):
    method: Literal["extractive", "lead", "abstractive", "auto"] = "extractive"
    strategy: Literal["summarize-then-translate", "translate-then-summarize",
                      "extractive-then-translate"] | None = None
    sentences: int | None = Field(None, ge=1, le=100)
    ratio: float | None = Field(None, gt=0, le=1)
    words: int | None = Field(None, ge=1, le=10_000)


class _CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(description="Source sentences, one per item")
    translations: list[str] = Field(description="Their translations, one per source")
    source: str = "ar"
    target: str = "en"
    api_key: str | None = None


def create_app(service: Service) -> FastAPI:
    settings = service.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(title="tarjama", version=__version__, description=_DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)  # the docs pages load a CDN
    app.state.service = service
    app.include_router(libretranslate_router)
    _add_error_handlers(app)
    if settings.cors:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors),
                           allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "Authorization"])
    app.add_middleware(Guard, metrics=service.metrics, max_body_bytes=settings.max_body_bytes,
                       max_in_flight=settings.max_in_flight)
    limiter = anyio.CapacityLimiter(settings.max_in_flight)

    def source_of(source: str, target: str, text: str) -> str:
        if source == "auto":
            source = service.detect(text)[0]["language"]
            if source == target:
                raise UsageError(f"the text is in {LANG_NAMES.get(source, source)} already; "
                                 "choose the other target")
        if source not in service.languages:
            raise UsageError(f"{source} is not supported")
        return source

    @app.post("/v1/translate", tags=["tarjama"],
              summary="Translate an article: paragraphs, sentences, checks and provenance",
              response_description="TranslatedArticle.to_json(), streamed paragraph by "
                                   "paragraph (what `tarjama translate --format json` writes)")
    async def v1_translate(body: _Article, request: Request) -> StreamingResponse:
        require_key(settings.api_keys, request, {"api_key": body.api_key})
        scope = RequestScope.with_timeout(settings.timeout)

        def start() -> Iterator[str]:
            lines, _ = service.article_lines(body.text, body.url)
            source = source_of(body.source, body.target, "\n".join(x.text for x in lines))
            return service.translate_article(lines, source, body.target, scope)

        chunks = await run_in_worker(request, scope, start, limiter)
        return StreamingResponse(_streamed(request, scope, chunks, limiter),
                                 media_type="application/json")

    @app.post("/v1/summarize", tags=["tarjama"],
              summary="Summarize an article (tarjama.api.Summarizer's JSON record)")
    async def v1_summarize(body: _SummaryRequest, request: Request) -> JSONResponse:
        require_key(settings.api_keys, request, {"api_key": body.api_key})
        scope = RequestScope.with_timeout(settings.timeout)

        def work() -> dict[str, Any]:
            lines, name = service.article_lines(body.text, body.url)
            source = source_of(body.source, body.target, "\n".join(x.text for x in lines))
            return service.summarize(lines, source=source, target=body.target,
                                     method=body.method, strategy=body.strategy,
                                     sentences=body.sentences, ratio=body.ratio,
                                     words=body.words, name=name, scope=scope)

        return JSONResponse(await run_in_worker(request, scope, work, limiter))

    @app.post("/v1/check", tags=["tarjama"],
              summary="Per-sentence checks of a translation you give (any system's output)")
    async def v1_check(body: _CheckRequest, request: Request) -> JSONResponse:
        require_key(settings.api_keys, request, {"api_key": body.api_key})
        service.check_size(sum(map(len, body.sources)) + sum(map(len, body.translations)))
        result = await anyio.to_thread.run_sync(
            service.check, body.sources, body.translations, body.source, body.target,
            limiter=limiter)
        return JSONResponse(result)

    @app.get("/healthz", tags=["tarjama"], summary="Liveness, what is served, and the limits")
    async def healthz() -> JSONResponse:
        return JSONResponse(service.info())

    @app.get("/metrics", tags=["tarjama"], summary="Prometheus metrics (text format)")
    async def metrics(request: Request) -> Response:
        require_key(settings.api_keys, request)
        return Response(service.metrics.render(), media_type=CONTENT_TYPE)

    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        return Response(_asset("index.html"), media_type="text/html; charset=utf-8",
                        headers=_PAGE_HEADERS)

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in _STATIC:
            raise HTTPException(404, "Not Found")
        return Response(_asset(name), media_type=_STATIC[name], headers=_PAGE_HEADERS)

    return app


def _asset(name: str) -> bytes:
    return (importlib.resources.files("tarjama.serve") / "static" / name).read_bytes()


async def _streamed(request: Request, scope: RequestScope, chunks: Iterator[str],
                    limiter: anyio.CapacityLimiter) -> AsyncIterator[str]:
    """A blocking iterator of response chunks, each produced in a thread; the work stops when
    the client disconnects (its queued sentences are dropped)."""
    watcher = asyncio.ensure_future(watch_disconnect(request, scope))
    finished = False
    try:
        while True:
            chunk = await anyio.to_thread.run_sync(next, chunks, None, limiter=limiter)
            if chunk is None:
                finished = True
                return
            yield chunk
    finally:
        watcher.cancel()
        if not finished:
            scope.cancel()


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = first.get("msg", "invalid request")
        if first.get("type") == "json_invalid":
            return JSONResponse({"error": "Invalid JSON format"}, 400)
        return JSONResponse({"error": f"Invalid request: {where + ': ' if where else ''}{message}"},
                            400)

    @app.exception_handler(TarjamaError)
    async def tarjama_error(request: Request, exc: TarjamaError) -> JSONResponse:
        headers = {"Retry-After": "1"} if isinstance(exc, ServerBusyError) else None
        return JSONResponse({"error": exc.message}, status_of(exc), headers=headers)
