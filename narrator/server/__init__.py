"""``narrator serve``: an HTTP service that narrates articles, and the read-along web player.

Layout: :mod:`.config` (server.toml), :mod:`.jobs` (what runs: one render per distinct
narration, a bounded queue, a time limit, storage by id), :mod:`.ratelimit`,
:mod:`.guard` (CORS, rate limits and the body cap, in front of everything) and
:mod:`.app` (the FastAPI routes). ``static/`` holds ``narrator-player.js``, its CSS and
the demo page.

The web framework is an optional extra (``pip install 'narrator[server]'``) and is
imported only when the service starts, so the CLI works on the base install.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NarratorError
from .config import ServerConfig, load_config

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["ServerConfig", "create_app", "load_config", "run"]

INSTALL_HINT = "pip install 'narrator[server]'  (FastAPI and uvicorn)"


class ServerDependencyError(NarratorError):
    """The optional web-service packages are not installed."""


def _require() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ServerDependencyError(
            f"narrator serve needs the server extra ({exc.name} is missing): {INSTALL_HINT}."
        ) from exc


def create_app(config: ServerConfig | None = None) -> FastAPI:
    """The service as an ASGI app, for uvicorn or any ASGI server."""
    _require()
    from .app import create_app as _create

    return _create(config or load_config())


def run(
    host: str | None = None,
    port: int | None = None,
    config_path: str | Path | None = None,
    allow_origins: Sequence[str] = (),
) -> None:
    """Serve until interrupted. ``host``/``port`` override the config file's, which
    override the defaults (127.0.0.1:8000); ``allow_origins`` are added to its
    ``cors_origins``."""
    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    config = load_config(config_path, **overrides)
    if allow_origins:
        from .config import with_origins

        config = with_origins(config, list(allow_origins))
    app = create_app(config)
    import uvicorn

    from .connections import uvicorn_config

    uvicorn.Server(uvicorn_config(app, config)).run()
    if app.state.manager.busy_workers():
        # A job still inside one blocking step (a fetch, one chunk) after the grace time:
        # its thread cannot be stopped, and the interpreter would wait for it at exit.
        # Nothing is lost: a narration is stored only once it is complete.
        logging.getLogger("narrator.server").warning("stopping with a job still running")
        os._exit(0)
