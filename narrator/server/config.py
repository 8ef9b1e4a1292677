"""The service's settings, read from ``server.toml`` (see ``server.example.toml``).

Pure data: no web framework here, so the settings can be loaded and checked on the base
install and in tests without starting anything.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = [
    "ConfigError",
    "Limits",
    "RateLimits",
    "ServerConfig",
    "default_storage_dir",
    "load_config",
    "with_origins",
]


def default_storage_dir() -> Path:
    """``$XDG_DATA_HOME/narrator/narrations``, else ``~/.local/share/narrator/narrations``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "narrator" / "narrations"


@dataclass(frozen=True)
class Limits:
    """Caps that keep one client, or one article, from taking the whole service."""

    max_body_bytes: int = 2 * 1024 * 1024
    """Largest request body; a bigger one is refused with 413 before it is parsed."""

    max_article_chars: int = 200_000
    """Largest ``html`` or ``text`` accepted (about 30,000 words: a long feature)."""

    max_url_bytes: int = 5 * 1024 * 1024
    """Largest page fetched for a ``url`` narration."""

    max_word_chars: int = 2000
    """Longest run of text without a space an article may hold (a long URL fits); past
    this the article is refused, as no prose has one."""

    fetch_timeout_s: float = 10.0
    """Seconds for connecting to, and each read from, a page being fetched."""

    fetch_total_s: float = 30.0
    """Seconds for the whole fetch of a page, redirects included (never more than what is
    left of ``job_timeout_s``)."""

    job_timeout_s: float = 300.0
    """Wall-clock seconds one narration may render before it is stopped."""

    workers: int = 1
    """Narrations rendered at once. Piper already uses every core for one sentence, so
    more workers on a small machine only slow the first sentence of each job."""

    max_queue: int = 16
    """Narrations waiting for a worker; one more is refused with 503."""

    queue_retry_after_s: int = 10
    """The Retry-After sent with a 503 when the queue is full."""

    max_connections: int = 200
    """Open connections served at once (progressive audio streams hold one each). Past
    this a new connection takes the place of the longest-idle one (waiting for its
    request's headers, or for a next request); only when none is idle is it refused."""

    max_connections_per_client: int = 32
    """Open connections one client address may hold; more are closed at once, so one
    client cannot take the places everyone else needs."""

    header_timeout_s: float = 10.0
    """Seconds a connection may take to send a request's headers, from when it opened or
    from the previous response; a slow or idle one is then closed."""

    body_timeout_s: float = 30.0
    """Seconds a client may take to send a request's body; past this the answer is 408."""

    max_stored_bytes: int = 2 * 1024**3
    """Finished narrations kept on disk; the least recently used go first beyond this."""

    rate_min: float = 0.5
    """Slowest speaking rate a client may ask for."""

    rate_max: float = 2.0
    """Fastest speaking rate a client may ask for."""


@dataclass(frozen=True)
class RateLimits:
    """Per-client token buckets (a client is its IP address)."""

    create_per_minute: float = 20.0
    """New narration requests (POST) a client may make per minute, sustained."""

    create_burst: int = 10
    """POSTs a client may make at once before the per-minute rate applies."""

    read_per_minute: float = 1200.0
    """Other requests (status, audio ranges, timings) per minute; a player makes many."""

    read_burst: int = 200
    """Other requests a client may make at once."""


@dataclass(frozen=True)
class ServerConfig:
    """Everything ``narrator serve`` can be told in ``server.toml``."""

    host: str = "127.0.0.1"
    """Address to listen on; loopback unless told otherwise (a reverse proxy goes in front)."""

    port: int = 8000
    """Port to listen on."""

    storage_dir: Path = field(default_factory=lambda: default_storage_dir())
    """Where finished narrations are kept (one folder per narration id)."""

    cors_origins: tuple[str, ...] = ()
    """Origins whose pages may call the API (``https://news.example``), or ``*`` for any.
    The service's own origin is always allowed."""

    voices: tuple[str, ...] = ("joe",)
    """Voice profiles clients may ask for; the first is the default."""

    allow_private_urls: bool = False
    """Fetch URLs on loopback and private networks (local testing only, never in public)."""

    trust_forwarded_for: bool = False
    """Take the client address from ``X-Forwarded-For`` (only behind a proxy that sets it)."""

    expose_stats: bool = True
    """Serve ``/v1/stats`` (counters only; no article content)."""

    limits: Limits = field(default_factory=Limits)
    """Size, time and queue caps."""

    rate_limits: RateLimits = field(default_factory=RateLimits)
    """Per-client request rates."""

    clip_cache_dir: Path | None = None
    """The clip cache shared with the CLI; ``None`` uses narrator's default."""


_KIND = {int: "a whole number", float: "a number", bool: "true or false", str: "a string"}


def _section(cls: type[Any], data: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise ConfigError(
            f"{where} has unknown settings {sorted(unknown)}; known ones are {sorted(known)}."
        )
    values: dict[str, Any] = {}
    defaults = cls()
    for name, value in data.items():
        expected = type(getattr(defaults, name))
        # TOML has no float for "10", so an int is fine wherever a float is expected.
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            raise ConfigError(
                f"{where}: {name} should be {_KIND.get(expected, expected.__name__)}, "
                f"not {value!r}. Fix it."
            )
        values[name] = value
    return replace(defaults, **values)


def _check(config: ServerConfig, where: str) -> None:
    lim = config.limits
    if lim.workers < 1 or lim.max_queue < 0:
        raise ConfigError(f"{where}: limits.workers must be 1 or more and max_queue 0 or more.")
    for name in ("fetch_timeout_s", "fetch_total_s", "job_timeout_s"):
        if not getattr(lim, name) > 0:
            raise ConfigError(f"{where}: limits.{name} must be more than 0 seconds.")
    if not (lim.header_timeout_s > 0 and lim.body_timeout_s > 0):
        raise ConfigError(f"{where}: limits.header_timeout_s and body_timeout_s must be over 0.")
    if lim.max_connections < 1 or lim.max_connections_per_client < 1:
        raise ConfigError(
            f"{where}: limits.max_connections and max_connections_per_client must be 1 or more."
        )
    if not 0.25 <= lim.rate_min <= lim.rate_max <= 4.0:
        raise ConfigError(f"{where}: limits.rate_min..rate_max must lie within 0.25..4.0.")
    if not config.voices:
        raise ConfigError(f"{where}: voices must name at least one voice profile.")
    for origin in config.cors_origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ConfigError(
                f"{where}: cors_origins entry {origin!r} is not an origin such as "
                f"https://news.example (scheme and host, no path), or *."
            )
        if origin != "*" and origin.rstrip("/").count("/") > 2:
            raise ConfigError(f"{where}: cors_origins entry {origin!r} has a path; drop it.")


def load_config(path: str | Path | None = None, **overrides: Any) -> ServerConfig:
    """Read ``path`` (TOML), or the defaults when ``None``; keyword overrides win.

    Relative ``storage_dir`` and ``clip_cache_dir`` are taken from the TOML file's folder,
    so a config works the same from any working directory.
    """
    data: dict[str, Any] = {}
    base = Path.cwd()
    where = "the server settings"
    if path is not None:
        file = Path(path)
        where = str(file)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(
                f"{file}: no such file. Copy server.example.toml and edit it."
            ) from exc
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{file} cannot be read ({exc}). Fix it.") from exc
        base = file.resolve().parent
    limits = _section(Limits, data.pop("limits", {}), f"{where} [limits]")
    rates = _section(RateLimits, data.pop("rate_limits", {}), f"{where} [rate_limits]")
    known = {f.name for f in fields(ServerConfig)} - {"limits", "rate_limits"}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{where} has unknown settings {sorted(unknown)}; see {sorted(known)}.")
    values: dict[str, Any] = {"limits": limits, "rate_limits": rates}
    for name, value in data.items():
        if name in {"storage_dir", "clip_cache_dir"}:
            value = base / Path(str(value)).expanduser()
        elif name in {"cors_origins", "voices"}:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: {name} should be a list of strings.")
            value = tuple(v.rstrip("/") for v in value)
        values[name] = value
    config = replace(ServerConfig(), **values)
    config = replace(config, **overrides)
    if not isinstance(config.port, int) or not isinstance(config.host, str):
        raise ConfigError(f"{where}: host should be a string and port a number.")
    _check(config, where)
    return config


def with_origins(config: ServerConfig, origins: tuple[str, ...] | list[str]) -> ServerConfig:
    """``config`` with more allowed CORS origins (``narrator serve --allow-origin URL``),
    checked like ``cors_origins`` in server.toml."""
    extra = tuple(o.strip().rstrip("/") for o in origins)
    merged = tuple(dict.fromkeys((*config.cors_origins, *extra)))
    updated = replace(config, cors_origins=merged)
    _check(updated, "--allow-origin")
    return updated
