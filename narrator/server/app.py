"""The HTTP API and the web player's files, as a FastAPI app.

Why FastAPI (on Starlette, served by uvicorn) rather than bare Starlette: the API is
described by the same pydantic models that validate it, so the OpenAPI schema at
``/openapi.json`` cannot drift from what the service accepts, and malformed requests are
refused with 422 before any handler runs. Everything else used here (``FileResponse``
with byte ranges, ``StreamingResponse``, static files) is Starlette's own, so the extra
cost over Starlette is pydantic, which is small next to onnxruntime.

The handlers stay thin: :mod:`.jobs` decides what runs, the pipeline does the work, and
every error becomes JSON in :func:`error_response`, the one place that maps
:class:`NarratorError` subclasses to HTTP status codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from .. import __version__
from ..errors import InputError, InputTooLargeError, NarratorError, NoArticleError, VoiceError
from ..models import Article, DocFormat, Document
from .config import ServerConfig
from .guard import Guard, json_error
from .jobs import (
    InternalError,
    Job,
    JobManager,
    JobState,
    JobTimeoutError,
    NarrationRequest,
    QueueFullError,
    ShuttingDownError,
    StoredNarration,
    check_article,
    check_url,
    narration_id,
)

__all__ = ["create_app", "error_response"]

STATIC = Path(__file__).resolve().parent / "static"
"""The player and the demo page; the same files work copied to any static host."""

_ID = r"^[0-9a-f]{32}$"
Id = Annotated[str, PathParam(pattern=_ID, description="A narration id (32 hex digits).")]
_POLL_S = 0.05
"""How often a progressive audio stream looks for new frames: well under one MP3 frame
group per sentence, and cheap (a length check under a lock)."""

CACHE_DONE = "public, max-age=86400"
"""For a finished narration's parts. Not 'immutable': an html or text id is a hash of the
content, but a url id is a hash of the URL, whose page may be narrated anew once evicted."""

# media-src allows blob: because the player streams audio that is still rendering into a
# MediaSource, whose object URL is a blob: URL; that is what lets it seek over what is ready.
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "media-src 'self' blob:; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


class NotFoundError(NarratorError):
    """No narration has the id asked for."""


class NotReadyError(NarratorError):
    """The narration is still rendering, so this part of it does not exist yet."""


class JobFailedError(NarratorError):
    """A request for a narration whose job failed; answered as the job's own error.

    A wrapper rather than raising the job's stored exception again: every raise of the
    same object would add to its traceback, for as long as readers keep asking.
    """

    def __init__(self, error: NarratorError) -> None:
        super().__init__(str(error))
        self.error = error


_STATUS: tuple[tuple[type[NarratorError], int], ...] = (
    (NotFoundError, 404),
    (NotReadyError, 409),
    (InputTooLargeError, 413),
    (QueueFullError, 503),
    (ShuttingDownError, 503),
    (InternalError, 500),
    (JobTimeoutError, 422),
    (InputError, 422),
    (NoArticleError, 422),
    (VoiceError, 422),
)
"""Client mistakes are 4xx. Anything else (the engine or encoder failing) is the
service's fault, so 500, still with the error's own message."""


def error_response(exc: NarratorError) -> JSONResponse:
    """The one place a NarratorError becomes an HTTP answer."""
    if isinstance(exc, JobFailedError):
        exc = exc.error
    status = next((code for cls, code in _STATUS if isinstance(exc, cls)), 500)
    headers: dict[str, str] = {}
    if isinstance(exc, QueueFullError):
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, NotReadyError):
        headers["Retry-After"] = "1"
    return JSONResponse(
        {"status": status, "error": type(exc).__name__, "message": str(exc)},
        status_code=status,
        headers=headers,
    )


# --- API models ------------------------------------------------------------------------


class NarrationIn(BaseModel):
    """A narration request: exactly one of ``html``, ``text`` or ``url``, plus settings."""

    model_config = ConfigDict(extra="forbid")

    html: str | None = Field(
        None, description="The article's markup, e.g. the outerHTML of the page's <article>."
    )
    text: str | None = Field(None, description="The article as plain text.")
    url: str | None = Field(
        None, max_length=2048, description="A public http(s) page to fetch the article from."
    )
    voice: str | None = Field(None, max_length=100, description="Voice profile; default first.")
    rate: float = Field(1.0, allow_inf_nan=False, description="Speaking rate; 1.0 is normal.")

    @model_validator(mode="after")
    def _one_source(self) -> NarrationIn:
        given = [name for name in ("html", "text", "url") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of html, text or url")
        for name in (*given, "voice"):
            value = getattr(self, name)
            try:
                (value or "").encode("utf-8")
            except UnicodeEncodeError as exc:
                # JSON may carry "\ud800" alone; it is not text, and no stage can use it.
                raise ValueError(
                    f"{name} holds a lone surrogate ({value[exc.start]!r} at character "
                    f"{exc.start}), which is not text; send valid Unicode"
                ) from None
        return self


class Links(BaseModel):
    """Where the parts of a narration are, relative to the service's root."""

    self: str
    audio: str
    timings: str
    timings_json: str
    chapters: str


class Progress(BaseModel):
    """Sentences rendered so far."""

    done: int
    total: int


class NarrationOut(BaseModel):
    """A narration's state and links."""

    id: str
    status: Literal["queued", "rendering", "done", "failed"]
    links: Links
    progress: Progress | None = None
    duration_ms: int | None = None
    title: str | None = None
    sentences: int | None = None
    error: str | None = None


class ErrorOut(BaseModel):
    """Every error answer."""

    status: int
    error: str
    message: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (404, 409, 413, 416, 422, 429, 503)
}


def _links(narration: str) -> Links:
    base = f"/v1/narrations/{narration}"
    return Links(
        self=base,
        audio=f"{base}/audio",
        timings=f"{base}/timings.vtt",
        timings_json=f"{base}/timings.json",
        chapters=f"{base}/chapters.json",
    )


def _status(item: Job | StoredNarration) -> NarrationOut:
    if isinstance(item, StoredNarration):
        return NarrationOut(
            id=item.id,
            status="done",
            links=_links(item.id),
            duration_ms=item.duration_ms,
            title=item.title,
            sentences=len(item.cues),
        )
    if item.state is JobState.DONE and item.result is not None:
        return _status(item.result)
    return NarrationOut(
        id=item.id,
        status=item.state.value,
        links=_links(item.id),
        progress=Progress(done=item.done, total=item.total) if item.total else None,
        error=str(item.error) if item.error is not None else None,
    )


# --- byte ranges -----------------------------------------------------------------------

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.I)


def _range_verdict(header: str | None, size: int) -> Literal["none", "ok", "unsatisfiable"]:
    """How to treat a Range header on a file of ``size`` bytes.

    Malformed ranges are ignored (a full 200), as RFC 9110 allows; several ranges are
    left to Starlette, which answers them as multipart.
    """
    if header is None:
        return "none"
    if "," in header:
        return "ok"
    match = _RANGE.match(header)
    if not match or not (match.group(1) or match.group(2)):
        return "none"
    first, last = match.groups()
    if first:
        start = int(first)
        if last and int(last) < start:
            return "none"  # last before first: malformed, so ignored
        return "unsatisfiable" if start >= size else "ok"
    return "ok" if int(last) > 0 else "unsatisfiable"  # a suffix range, "-N"


class _AudioFile(FileResponse):
    """A FileResponse that can be told to ignore the request's Range header."""

    def __init__(self, path: Path, *, ignore_range: bool, headers: dict[str, str]) -> None:
        super().__init__(path, media_type="audio/mpeg", headers=headers)
        self.ignore_range = ignore_range

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.ignore_range:
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"range"]}
        await super().__call__(scope, receive, send)


async def _progressive(job: Job) -> AsyncIterator[bytes]:
    """MP3 frames as the job makes them, until it finishes."""
    offset = 0
    while True:
        data = job.audio_from(offset)
        if data:
            offset += len(data)
            yield data
            continue
        if job.finished:
            break
        await anyio.sleep(_POLL_S)
    if offset == 0 and job.result is not None:
        # No frames were streamed (an engine that renders in one go): send the file.
        yield await anyio.Path(job.result.audio).read_bytes()


# --- the app ---------------------------------------------------------------------------


def create_app(config: ServerConfig) -> FastAPI:
    """The service as an ASGI app (wrapped in :class:`Guard`), ready for uvicorn."""
    manager = JobManager(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        manager.warm_up()
        yield
        await run_in_threadpool(manager.close)

    app = FastAPI(
        lifespan=lifespan,
        title="narrator",
        version=__version__,
        summary="Articles to narrated audio, with sentence timings for read-along players.",
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema is enough
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.manager = manager

    @app.exception_handler(NarratorError)
    async def _narrator_error(request: Request, exc: NarratorError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        message = "The request is not valid: " + "; ".join(problems) + "."
        return JSONResponse(
            {"status": 422, "error": "InvalidRequest", "message": message}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = {404: "There is nothing at this address.", 405: "Method not allowed here."}
        body = json_error(
            exc.status_code, message.get(exc.status_code, str(exc.detail)), "HTTPError"
        )
        return Response(
            body,
            status_code=exc.status_code,
            media_type="application/json",
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        return error_response(InternalError("Something went wrong inside the service."))

    preparing = _Preparations(manager, config)

    def find(narration: str) -> Job | StoredNarration:
        item = manager.find(narration)
        if item is None:
            raise NotFoundError(
                f"No narration has the id {narration}. POST the article to /v1/narrations."
            )
        return item

    def stored(narration: str, what: str) -> StoredNarration:
        item = find(narration)
        if isinstance(item, Job):
            if item.state is JobState.FAILED and item.error is not None:
                raise JobFailedError(item.error)
            if item.result is None:
                raise NotReadyError(
                    f"The narration is still rendering; its {what} are ready when its "
                    f"status is done."
                )
            return item.result
        return item

    # --- API ---

    @app.get("/v1/health", tags=["service"])
    async def health() -> dict[str, str]:
        """Liveness: answers at once however busy the workers are."""
        return {"status": "ok", "version": __version__}

    @app.get("/v1/stats", tags=["service"])
    async def stats() -> dict[str, int]:
        """Counters since start: requests, syntheses, dedupe joins, refusals, queue."""
        if not config.expose_stats:
            raise NotFoundError("Statistics are turned off on this service.")
        return manager.stats()

    @app.post(
        "/v1/narrations",
        tags=["narrations"],
        status_code=202,
        responses={200: {"model": NarrationOut}, **_ERRORS},
    )
    async def create(body: NarrationIn, response: Response) -> NarrationOut:
        """Narrate an article. 202 while it renders (the audio link already streams),
        200 when the same article with the same settings was narrated before."""
        request = _checked_request(body, config)
        narration = narration_id(request)
        item = manager.find(narration)
        if item is None or (isinstance(item, Job) and item.state is JobState.FAILED):
            item = await preparing.run(narration, request)
        elif isinstance(item, StoredNarration):
            manager.count("stored_hits")
        else:
            manager.count("joined")
        manager.count("requests")
        out = _status(item)
        response.status_code = 200 if out.status == "done" else 202
        response.headers["Location"] = out.links.self
        return out

    @app.get("/v1/narrations/{narration}", tags=["narrations"], responses=_ERRORS)
    async def status(narration: Id) -> NarrationOut:
        """A narration's state: queued, rendering (with progress), done, or failed."""
        return _status(find(narration))

    audio_responses: dict[int | str, dict[str, Any]] = {
        200: {"content": {"audio/mpeg": {}}, "description": "The MP3."},
        206: {"content": {"audio/mpeg": {}}, "description": "Part of the MP3."},
        **_ERRORS,
    }

    @app.head(
        "/v1/narrations/{narration}/audio",
        tags=["narrations"],
        response_class=Response,
        responses=audio_responses,
        operation_id="audio_head",
    )
    @app.get(
        "/v1/narrations/{narration}/audio",
        tags=["narrations"],
        response_class=Response,
        responses=audio_responses,
        operation_id="audio",
    )
    async def audio(narration: Id, request: Request) -> Response:
        """The MP3. While rendering, a stream that grows sentence by sentence (no ranges);
        once done, the file, with byte ranges (206) for seeking."""
        item = find(narration)
        if isinstance(item, Job) and item.result is None:
            if item.state is JobState.FAILED and item.error is not None:
                raise JobFailedError(item.error)
            headers = {"Cache-Control": "no-store", "Accept-Ranges": "none"}
            if request.method == "HEAD":
                head = Response(status_code=200, media_type="audio/mpeg", headers=headers)
                del head.headers["content-length"]  # unknown until the job is done
                return head
            return StreamingResponse(_progressive(item), media_type="audio/mpeg", headers=headers)
        done = item.result if isinstance(item, Job) else item
        assert done is not None
        try:
            size = done.audio.stat().st_size
        except OSError as exc:  # evicted between the lookup and now
            raise NotFoundError(f"The narration {narration} is no longer stored.") from exc
        verdict = _range_verdict(request.headers.get("range"), size)
        if verdict == "unsatisfiable":
            return JSONResponse(
                {
                    "status": 416,
                    "error": "RangeNotSatisfiable",
                    "message": f"The requested range is outside the {size}-byte file.",
                },
                status_code=416,
                headers={"Content-Range": f"bytes */{size}"},
            )
        return _AudioFile(
            done.audio,
            ignore_range=verdict == "none",
            headers={"Cache-Control": CACHE_DONE},
        )

    @app.get(
        "/v1/narrations/{narration}/timings.vtt",
        tags=["narrations"],
        response_class=Response,
        responses={200: {"content": {"text/vtt": {}}}, **_ERRORS},
    )
    async def timings(narration: Id) -> Response:
        """WebVTT: one cue per sentence; the cue id is the sentence key, the text as written."""
        from ..timing import to_webvtt

        item = stored(narration, "timings")
        return Response(
            to_webvtt(item.cues),
            media_type="text/vtt; charset=utf-8",
            headers={"Cache-Control": CACHE_DONE},
        )

    @app.get(
        "/v1/narrations/{narration}/timings.json",
        tags=["narrations"],
        response_class=Response,
        responses={200: {"content": {"application/json": {}}}, **_ERRORS},
    )
    async def timings_live(
        narration: Id,
        start: Annotated[
            int, Query(alias="from", ge=0, le=1_000_000, description="First sentence to send.")
        ] = 0,
    ) -> Response:
        """Sentence and word timings (narrator's timings JSON). While the narration renders
        this grows sentence by sentence (``complete`` false, ``duration_ms`` null), so a
        player can highlight and seek over what is rendered; ``from=N`` sends only the
        sentences from index N on, for a player that already has the first N."""
        from ..timing import timings_json

        item = find(narration)
        if isinstance(item, Job) and item.result is None:
            if item.state is JobState.FAILED and item.error is not None:
                raise JobFailedError(item.error)
            body = timings_json(item.cues()[start:], duration_ms=None, complete=False)
            cache = "no-store"
        else:
            done = item.result if isinstance(item, Job) else item
            assert done is not None
            body = timings_json(done.cues[start:], duration_ms=done.duration_ms)
            cache = CACHE_DONE
        return Response(body, media_type="application/json", headers={"Cache-Control": cache})

    @app.get(
        "/v1/narrations/{narration}/chapters.json",
        tags=["narrations"],
        response_class=Response,
        responses={200: {"content": {"application/json+chapters": {}}}, **_ERRORS},
    )
    async def chapters(narration: Id) -> Response:
        """Podcasting 2.0 JSON chapters."""
        from ..timing import chapters_json

        item = stored(narration, "chapters")
        return Response(
            chapters_json(item.chapters, title=item.title),
            media_type="application/json+chapters",
            headers={"Cache-Control": CACHE_DONE},
        )

    # --- the player and the demo ---

    @app.get("/", include_in_schema=False)
    async def demo() -> HTMLResponse:
        page = await anyio.Path(STATIC / "index.html").read_text(encoding="utf-8")
        return HTMLResponse(page, headers={"Content-Security-Policy": DEMO_CSP})

    for name, media in (
        ("narrator-player.js", "text/javascript"),
        ("narrator-player.css", "text/css"),
        ("demo.css", "text/css"),
    ):
        # At the root too, so the script's own URL tells the player where the service is.
        app.add_api_route(
            f"/{name}",
            _static_file(STATIC / name, media),
            methods=["GET", "HEAD"],
            include_in_schema=False,
        )
    app.mount("/static", _StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guard, config=config, on_limited=lambda: manager.count("rate_limited"))
    return app


class _Preparations:
    """Extraction in progress, by narration id, so a page that many readers open at the
    same moment is extracted once, not once per reader, before its one job starts.

    Only the event loop touches it (no lock needed); the work itself runs in a thread.
    """

    def __init__(self, manager: JobManager, config: ServerConfig) -> None:
        self.manager = manager
        self.config = config
        self.pending: dict[str, asyncio.Future[Job | StoredNarration]] = {}

    async def run(self, narration: str, request: NarrationRequest) -> Job | StoredNarration:
        """Prepare and submit ``request``, or wait for the same preparation already running."""
        for _ in range(3):
            pending = self.pending.get(narration)
            if pending is None:
                return await self._lead(narration, request)
            try:
                item = await asyncio.shield(pending)
            except asyncio.CancelledError:
                if pending.cancelled():  # the leading request went away: take over
                    continue
                raise
            self.manager.count("joined")
            return item
        return await self._lead(narration, request)

    async def _lead(self, narration: str, request: NarrationRequest) -> Job | StoredNarration:
        future: asyncio.Future[Job | StoredNarration] = asyncio.get_running_loop().create_future()
        self.pending[narration] = future
        try:
            self.manager.check_capacity()  # before the extraction work, not only after
            self.manager.count("prepared")
            source = await run_in_threadpool(_prepare, request, self.config)
            item = self.manager.submit(request, source)
            future.set_result(item)
            return item
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody may be waiting, and that is fine
            raise
        finally:
            self.pending.pop(narration, None)
            if not future.done():  # cancelled (the client went away): waiters take over
                future.cancel()


class _StaticFiles(StaticFiles):
    """The player's files; an HTML page among them gets the demo page's policy too."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Content-Security-Policy"] = DEMO_CSP
        return response


def _static_file(path: Path, media: str) -> Any:
    async def serve() -> FileResponse:
        return FileResponse(path, media_type=media, headers={"Cache-Control": "max-age=300"})

    return serve


def _checked_request(body: NarrationIn, config: ServerConfig) -> NarrationRequest:
    """Apply the service's own limits (voices, rates, sizes) to a well-formed request."""
    voice = body.voice or config.voices[0]
    if voice not in config.voices:
        raise VoiceError(
            f"The voice {voice!r} is not offered here; choose one of: {', '.join(config.voices)}."
        )
    lim = config.limits
    if not lim.rate_min <= body.rate <= lim.rate_max:
        raise VoiceError(
            f"Rate {body.rate:g} is out of range; use {lim.rate_min:g} to {lim.rate_max:g}."
        )
    if body.url is not None:
        return NarrationRequest("url", body.url.strip(), voice, body.rate)
    kind: Literal["html", "text"] = "html" if body.html is not None else "text"
    content = body.html if body.html is not None else (body.text or "")
    if len(content) > lim.max_article_chars:
        raise InputTooLargeError(
            f"The article is {len(content):,} characters, over this service's limit of "
            f"{lim.max_article_chars:,}. Send only the article itself, or narrate it with "
            f"the narrator command instead."
        )
    return NarrationRequest(kind, content, voice, body.rate)


def _prepare(request: NarrationRequest, config: ServerConfig) -> Article | str:
    """Check a URL, or extract the article from html/text, before a job is queued.

    Extracting here means a page with no article is a 422 on the POST itself (the
    player can say so at once) rather than a job that fails later.
    """
    if request.kind == "url":
        check_url(request.content, allow_private=config.allow_private_urls)
        return request.content
    from ..pipeline import load_article

    fmt = DocFormat.HTML if request.kind == "html" else DocFormat.TEXT
    label = "the submitted HTML" if request.kind == "html" else "the submitted text"
    if not request.content.strip():
        from ..errors import EmptyInputError

        raise EmptyInputError(f"{label} is empty: there is nothing to narrate.")
    article = load_article(Document(text=request.content, format=fmt, source=label))
    check_article(article, config.limits.max_word_chars)
    return article
