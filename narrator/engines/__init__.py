"""Engine registry.

Built-in engines and third-party ones are found the same way: through the
``narrator.engines`` entry-point group (see ``pyproject.toml``). A plugin package
declares ``[project.entry-points."narrator.engines"] myengine = "pkg.mod:MyEngine"``.
Classes are imported only when an engine is asked for, so ``narrator --help`` never
loads a speech library.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from ..errors import VoiceError
from .base import Engine, EngineVoice

__all__ = ["Engine", "EngineVoice", "engine_class", "engine_names", "register_engine"]

# The same targets as pyproject's entry points, for a source tree that is not installed.
_BUILTIN = {
    "hibari": "narrator.engines.hibari:HibariEngine",
    "piper": "narrator.engines.piper:PiperEngine",
    "pyttsx3": "narrator.engines.pyttsx3:Pyttsx3Engine",
}
_registered: dict[str, type[Engine]] = {}


def register_engine(name: str, cls: type[Engine]) -> None:
    """Register ``cls`` under ``name`` for this process (tests and embedding apps)."""
    _registered[name] = cls


def _targets() -> dict[str, str]:
    targets = dict(_BUILTIN)
    for ep in entry_points(group="narrator.engines"):
        targets[ep.name] = ep.value
    return targets


def engine_names() -> list[str]:
    """Every engine name known here, sorted."""
    return sorted(set(_targets()) | set(_registered))


def engine_class(name: str) -> type[Engine]:
    """The engine class registered as ``name``."""
    if name in _registered:
        return _registered[name]
    # A built-in name skips the entry-point scan (it reads every installed package's
    # metadata: a fifth of a second at start-up); pyproject registers the same targets.
    target = _BUILTIN.get(name) or _targets().get(name)
    if target is None:
        known = ", ".join(engine_names())
        raise VoiceError(f"Unknown engine {name!r}. Known engines: {known}.")
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise VoiceError(
            f"The {name!r} engine could not be loaded ({exc}). Reinstall narrator with "
            f"./scripts/install, or install the plugin that provides it."
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, Engine)):
        raise VoiceError(f"The {name!r} engine ({target}) is not an narrator Engine subclass.")
    return cls
