"""Connection limits below HTTP: how many sockets, whose, and for how long before a request.

uvicorn's own ``limit_concurrency`` counts every open socket, idle ones included, and
answers 503 to every request past it, so 200 connections that never send a header (or
send one byte now and then) made every request, ``/v1/health`` included, a 503 (issue
14). This protocol replaces that limit with three that an idle socket cannot win against:

* a connection must send its request headers within ``header_timeout_s`` of opening (or
  of its previous response), else it is closed;
* one client address holds at most ``max_connections_per_client`` connections;
* past ``max_connections`` in all, a new connection takes the place of the connection
  that has been idle longest (waiting for headers or for its next request); only when
  every connection is busy with a request is the new one refused.

The request body's own deadline is kept by :class:`~.guard.Guard` (a 408 in JSON).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .config import ServerConfig
from .guard import json_error

__all__ = ["guarded_protocol", "uvicorn_config"]


def _refusal(message: str) -> bytes:
    body = json_error(503, message, "TooManyConnections")
    head = (
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nretry-after: 1\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


def guarded_protocol(config: ServerConfig) -> type[H11Protocol]:
    """An h11 protocol class that keeps ``config.limits``' connection limits (one class,
    and so one count of connections, per server)."""
    limits = config.limits
    per_client = None if config.trust_forwarded_for else limits.max_connections_per_client
    by_client: dict[str, set[GuardedH11Protocol]] = {}

    class GuardedH11Protocol(H11Protocol):
        """uvicorn's h11 protocol with a header deadline and per-client and total caps."""

        idle_since: float | None = 0.0
        header_timer: asyncio.TimerHandle | None = None
        peer = ""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.peer = self.client[0] if self.client else "?"
            self.idle_since = time.monotonic()
            mine = by_client.setdefault(self.peer, set())
            if per_client is not None and len(mine) >= per_client:
                self.refuse(f"This address already has {per_client} connections open; use fewer.")
                return
            mine.add(self)
            if len(self.connections) > limits.max_connections and not self.evict_idle():
                self.refuse("The service has no free connection; try again in a moment.")
                return
            self.arm_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self.cancel_header_timer()
            mine = by_client.get(self.peer)
            if mine is not None:
                mine.discard(self)
                if not mine:
                    del by_client[self.peer]
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.busy():  # the headers are in: the request itself runs without a limit
                self.idle_since = None
                self.cancel_header_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and not self.busy():
                self.idle_since = time.monotonic()
                self.arm_header_timer()

        # --- helpers ---

        def busy(self) -> bool:
            return self.cycle is not None and not self.cycle.response_complete

        def arm_header_timer(self) -> None:
            self.cancel_header_timer()
            self.header_timer = self.loop.call_later(limits.header_timeout_s, self.too_slow)

        def cancel_header_timer(self) -> None:
            if self.header_timer is not None:
                self.header_timer.cancel()
                self.header_timer = None

        def too_slow(self) -> None:
            self.header_timer = None
            if not self.busy() and not self.transport.is_closing():
                self.transport.close()

        def refuse(self, message: str) -> None:
            self.cancel_header_timer()
            self.transport.write(_refusal(message))
            self.transport.close()

        def evict_idle(self) -> bool:
            """Close the longest-idle other connection; False when none is idle."""
            idle = [
                c
                for c in self.connections
                if isinstance(c, GuardedH11Protocol)
                and c is not self
                and c.idle_since is not None
                and not c.busy()
                and not c.transport.is_closing()
            ]
            if not idle:
                return False
            oldest = min(idle, key=lambda c: c.idle_since or 0.0)
            oldest.cancel_header_timer()
            oldest.transport.close()
            return True

    return GuardedH11Protocol


def uvicorn_config(app: Any, config: ServerConfig, **options: Any) -> uvicorn.Config:
    """The uvicorn settings the service runs with (``narrator serve`` and the tests).

    ``options`` go to :class:`uvicorn.Config` as they are (``log_level``, a test's port).
    """
    settings: dict[str, Any] = {
        "host": config.host,
        "port": config.port,
        "http": guarded_protocol(config),
        # None: the protocol above keeps the connection limits, without counting idle
        # sockets against the requests that are being served.
        "limit_concurrency": None,
        "timeout_keep_alive": 5,
        # SIGTERM: requests still running after this are cut, so the service stops
        # within a few seconds (the jobs stop at their next sentence, see JobManager.close).
        "timeout_graceful_shutdown": 1,
        "proxy_headers": config.trust_forwarded_for,
        "server_header": False,
        "log_level": "info",
        **options,
    }
    return uvicorn.Config(app, **settings)
