"""The service's front door, as one ASGI middleware: CORS, rate limits and the body cap.

One middleware rather than three so the order is written down in one place: CORS
answers preflights before anything is counted; a disallowed origin may not make the
service do work; a client over its rate is refused before its body is read; and no body
over the cap is ever handed to the JSON parser. Every refusal is JSON with a message,
like every other error of the service.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from .config import ServerConfig
from .ratelimit import RateLimiter

__all__ = ["Guard", "json_error"]

log = logging.getLogger("narrator.server")

_LOGGED_ORIGINS_MAX = 256
"""Refused origins named in the log once each (a bounded set, so a flood of made-up
origins cannot grow memory or drown the log)."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_EXPOSE = "Content-Range, Accept-Ranges, Content-Length, Location, Retry-After"
_ALLOW_HEADERS = {"content-type", "range"}
_SAFE = {"GET", "HEAD", "OPTIONS"}
_UNLIMITED_PATHS = {"/v1/health"}
"""A health check must answer however busy a client is, or monitoring sees an outage."""

log = logging.getLogger("narrator.server")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def json_error(status: int, message: str, error: str) -> bytes:
    """The body every error of the service has."""
    return json.dumps({"status": status, "error": error, "message": message}).encode()


class Guard:
    """Wraps the app: CORS by allow-list, per-client rate limits, request body cap."""

    def __init__(
        self, app: ASGIApp, config: ServerConfig, on_limited: Callable[[], None] | None = None
    ) -> None:
        self.app = app
        self.config = config
        self.on_limited = on_limited
        rl = config.rate_limits
        self.create_limiter = RateLimiter(rl.create_per_minute, rl.create_burst)
        self.read_limiter = RateLimiter(rl.read_per_minute, rl.read_burst)
        self.any_origin = "*" in config.cors_origins
        self.origins = frozenset(o.lower() for o in config.cors_origins if o != "*")
        self._refused: set[str] = set()

    # --- helpers -------------------------------------------------------------------------

    def client(self, scope: Scope, headers: dict[str, str]) -> str:
        """The client's address: the peer, or the proxy's last X-Forwarded-For entry."""
        if self.config.trust_forwarded_for and headers.get("x-forwarded-for"):
            # The rightmost entry is the one our own proxy added; the others are the
            # client's word and may be forged.
            return headers["x-forwarded-for"].split(",")[-1].strip()
        peer = scope.get("client")
        return str(peer[0]) if peer else "unknown"

    def origin_allowed(self, origin: str, headers: dict[str, str]) -> bool:
        """True for allow-listed origins and for the service's own pages."""
        if self.any_origin or origin.lower() in self.origins:
            return True
        # The demo page (and any page served here) calls the API from the same host.
        try:
            netloc = urlsplit(origin).netloc
        except ValueError:  # "http://[::1": not an origin, so not ours
            return False
        return netloc.lower() == headers.get("host", "").lower()

    def log_refused(self, origin: str, method: str, path: str) -> None:
        """Say in the log, once per origin, which page was refused and how to allow it:
        the browser only tells the reader's console, so the operator would never know."""
        if origin in self._refused or len(self._refused) >= _LOGGED_ORIGINS_MAX:
            return
        self._refused.add(origin)
        log.warning(
            "refused a cross-origin %s %s from %s: to allow pages there, start "
            "narrator serve --allow-origin %s or add it to cors_origins in server.toml",
            method,
            path,
            origin[:200].encode("ascii", "backslashreplace").decode(),
            origin[:200].encode("ascii", "backslashreplace").decode(),
        )

    def cors_headers(self, origin: str | None, allowed: bool) -> list[tuple[bytes, bytes]]:
        """Headers added to every response (Vary always: the answer depends on Origin)."""
        out = [(b"vary", b"Origin")]
        if origin and allowed:
            # A wildcard never goes with credentials; the service sends no credentials
            # header at all, so browsers never attach cookies to these requests.
            value = "*" if self.any_origin else origin
            out += [
                (b"access-control-allow-origin", value.encode("latin-1")),
                (b"access-control-expose-headers", _EXPOSE.encode()),
            ]
        return out

    @staticmethod
    async def reply(
        send: Send,
        status: int,
        body: bytes,
        headers: list[tuple[bytes, bytes]],
        content_type: bytes = b"application/json",
    ) -> None:
        """Send a whole response."""
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    *SECURITY_HEADERS,
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    # --- the door ------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        method = str(scope["method"]).upper()
        origin = headers.get("origin")
        allowed = origin is not None and self.origin_allowed(origin, headers)
        cors = self.cors_headers(origin, allowed)

        if method == "OPTIONS" and origin and "access-control-request-method" in headers:
            await self.preflight(send, headers, allowed, cors, str(scope["path"]))
            return
        if origin and not allowed and method not in _SAFE:
            # Browsers would hide the answer anyway, but the work would still be done:
            # a page elsewhere must not be able to spend this service's CPU.
            self.log_refused(origin, method, str(scope["path"]))
            await self.reply(
                send,
                403,
                json_error(
                    403,
                    f"Pages from {origin} may not use this service. Ask its operator to allow "
                    f"the origin (narrator serve --allow-origin {origin}, or cors_origins in "
                    f"server.toml).",
                    "OriginNotAllowed",
                ),
                cors,
            )
            return

        if scope["path"] not in _UNLIMITED_PATHS:
            limiter = self.create_limiter if method == "POST" else self.read_limiter
            wait = limiter.acquire(self.client(scope, headers))
            if wait > 0:
                if self.on_limited is not None:
                    self.on_limited()
                retry = str(max(1, math.ceil(min(wait, 3600.0))))
                await self.reply(
                    send,
                    429,
                    json_error(
                        429,
                        f"Too many requests from this address. Try again in {retry} seconds.",
                        "RateLimited",
                    ),
                    [*cors, (b"retry-after", retry.encode())],
                )
                return

        if method not in _SAFE:
            try:
                body = await self.read_body(receive, headers)
            except TimeoutError:
                await self.reply(
                    send,
                    408,
                    json_error(
                        408,
                        f"The request body did not arrive within "
                        f"{self.config.limits.body_timeout_s:g} seconds. Send it at once.",
                        "RequestTimeout",
                    ),
                    [*cors, (b"connection", b"close")],
                )
                return
            if body is None:
                cap = self.config.limits.max_body_bytes
                await self.reply(
                    send,
                    413,
                    json_error(
                        413,
                        f"The request body is over the {cap // 1024} KB limit. Send only the "
                        f"article's own markup (the <article> element), not the whole page.",
                        "PayloadTooLarge",
                    ),
                    [*cors, (b"connection", b"close")],
                )
                return
            receive = _replay(body, receive)

        started = False
        plain: list[Message] = []  # a plain-text error on its way, to be sent as JSON

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if message["status"] >= 400 and _is_plain_text(message):
                    plain.append(message)  # Starlette's own Range errors are plain text
                    return
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS, *cors]
            elif plain:
                plain.append(message)
                if message.get("more_body", False):
                    return
                await self.reply_as_json(send, plain, cors)
                return
            await send(message)

        try:
            if method != "HEAD":
                await self.app(scope, receive, send_with_headers)
            elif await self.head_refused(scope, receive, send_with_headers):
                # Every GET answers HEAD too: the same response, which the server sends
                # without its body (uvicorn drops it, going by the HEAD in its own scope).
                await self.app({**scope, "method": "GET"}, receive, send_with_headers)
        except Exception:
            if started:
                raise
            # Starlette's handler for unexpected errors sits outside this middleware, so
            # its 500 would go out without the CORS headers and the browser would hide it.
            log.exception("unexpected error for %s %s", method, scope.get("path"))
            await self.reply(
                send,
                500,
                json_error(500, "Something went wrong inside the service.", "InternalError"),
                cors,
            )

    async def head_refused(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Run a HEAD request; True (and nothing sent) when no route answers HEAD there."""
        refused = False

        async def probe(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == 405:
                refused = True
            if not refused:
                await send(message)

        await self.app(scope, receive, probe)
        return refused

    async def reply_as_json(
        self, send: Send, messages: list[Message], cors: list[tuple[bytes, bytes]]
    ) -> None:
        """Send a plain-text error response (its start and body messages) as JSON."""
        start, body = messages[0], b"".join(m.get("body", b"") for m in messages[1:])
        status = int(start["status"])
        text = body.decode("utf-8", "replace").strip().rstrip(".")
        names = {400: "BadRequest", 416: "RangeNotSatisfiable"}
        messages_by_status = {
            416: "The requested range is outside the file; the Content-Range header gives its size",
        }
        message = messages_by_status.get(status) or text or HTTPStatus(status).phrase
        kept = [
            (k, v)
            for k, v in start.get("headers", [])
            if k.lower() not in {b"content-type", b"content-length"}
        ]
        await self.reply(
            send,
            status,
            json_error(status, f"{message}.", names.get(status, "HTTPError")),
            [*kept, *cors],
        )

    async def preflight(
        self,
        send: Send,
        headers: dict[str, str],
        allowed: bool,
        cors: list[tuple[bytes, bytes]],
        path: str = "",
    ) -> None:
        """Answer a CORS preflight: 204 for allowed origins, methods and headers, else 403."""
        requested = {
            h.strip().lower()
            for h in headers.get("access-control-request-headers", "").split(",")
            if h.strip()
        }
        method = headers["access-control-request-method"].upper()
        if not allowed or method not in {"GET", "HEAD", "POST"} or requested - _ALLOW_HEADERS:
            if not allowed:
                self.log_refused(headers.get("origin", ""), f"{method} (preflight)", path)
            await self.reply(
                send,
                403,
                json_error(403, "This cross-origin request is not allowed.", "OriginNotAllowed"),
                cors,
            )
            return
        await self.reply(
            send,
            204,
            b"",
            [
                (b"vary", b"Access-Control-Request-Method, Access-Control-Request-Headers"),
                *cors,
                (b"access-control-allow-methods", b"GET, HEAD, POST"),
                (b"access-control-allow-headers", b"Content-Type, Range"),
                (b"access-control-max-age", b"600"),
            ],
        )

    async def read_body(self, receive: Receive, headers: dict[str, str]) -> bytes | None:
        """The whole body, or None when it is (or claims to be) over the cap."""
        cap = self.config.limits.max_body_bytes
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            return None
        chunks: list[bytes] = []
        size = 0
        # One deadline for the whole body: a client sending a byte now and then would
        # otherwise hold a connection (and its place in the limits) for ever.
        deadline = asyncio.get_running_loop().time() + self.config.limits.body_timeout_s
        while True:
            async with asyncio.timeout_at(deadline):
                message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:  # a chunked body has no Content-Length to refuse it by
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _is_plain_text(start: Message) -> bool:
    return any(
        k.lower() == b"content-type" and v.startswith(b"text/plain")
        for k, v in start.get("headers", [])
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive() that hands the app the body already read, then passes the real one on
    (so the app still hears about a client that disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
