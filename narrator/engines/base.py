"""The one interface every speech engine implements."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import ClassVar

from ..models import Clip, VoiceProfile

__all__ = ["Engine", "EngineVoice", "model_identity"]


@cache
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    """The model file's content hash (size and mtime only make the memo notice a change)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def model_identity(
    engine: str, package: str, model: Path, rate: float, front_end: int, extra: str
) -> str:
    """The cache identity of a voice that is a model file: the engine's library version,
    the model's content hash, the rate, the text front end's version and ``extra`` (what
    else changes the samples, e.g. ``noise=0``). Any change renders sentences again."""
    try:
        lib = version(package)
    except PackageNotFoundError:
        lib = "unknown"
    st = model.stat()
    digest = _file_digest(model, st.st_size, st.st_mtime_ns)
    return f"{engine}-{lib}|{digest}|rate={rate}|front-end={front_end}|{extra}"


@dataclass(frozen=True)
class EngineVoice:
    """A voice an engine offers, for ``narrator voices``."""

    engine: str
    """The engine's registered name."""

    id: str
    """What a profile's ``model`` field names to use this voice."""

    description: str = ""
    """Language, quality or where the voice was found."""


class Engine(ABC):
    """A text-to-speech engine bound to one voice.

    Subclasses set the class attributes that describe what they can do and implement
    :meth:`synthesize`. An engine instance is created once per worker and reused for every
    chunk, because loading a voice is the expensive part.
    """

    name: ClassVar[str]
    """The registry name, e.g. ``piper``."""

    max_chunk_chars: ClassVar[int] = 400
    """Longest text the engine reads well in one call; longer sentences are split at clauses."""

    native_rate: ClassVar[bool] = False
    """True when the engine changes speed itself (so pitch stays natural)."""

    install_hint: ClassVar[str] = ""
    """What to install when the engine's library is missing."""

    rate_curve: ClassVar[tuple[tuple[float, float], ...]] = ()
    """How much faster speech really gets (measured from the audio, pauses excluded) when
    the engine's own speed control is asked for each rate: pairs (asked, measured). A
    pitch-preserving stretch makes up the difference (see :mod:`narrator.engines.stretch`),
    so a profile's rate means what it says."""

    thread_safe: ClassVar[bool] = False
    """True when the engine may synthesize on a background thread (so synthesis can
    overlap with mastering and encoding)."""

    def __init__(self, profile: VoiceProfile) -> None:
        self.profile = profile

    @property
    @abstractmethod
    def sample_rate(self) -> int:
        """The rate of the clips this engine returns."""

    @abstractmethod
    def synthesize(self, text: str) -> Clip:
        """Render ``text`` (already normalized, one sentence or clause) to audio."""

    def at_rate(self, clip: Clip) -> Clip:
        """``clip`` (rendered with the engine's own speed control at the profile's rate)
        brought to the rate exactly, by stretching what the engine left undone."""
        from .stretch import residual, stretch_clip

        return stretch_clip(clip, residual(self.profile.rate, self.rate_curve))

    @classmethod
    def identity(cls, profile: VoiceProfile) -> str:
        """Everything about this engine and ``profile`` that changes the audio, as one string.

        Used in cache keys, and computed without loading the voice, so a fully cached
        narration never pays for loading a model. Subclasses add their library version and
        the model's content hash.
        """
        return f"{cls.name}|{profile.model}|rate={profile.rate}"

    @classmethod
    def available_voices(cls) -> list[EngineVoice]:
        """The voices this engine can use on this machine (may be empty)."""
        return []

    def close(self) -> None:  # noqa: B027 - optional hook, most engines hold nothing
        """Release anything the engine holds."""
