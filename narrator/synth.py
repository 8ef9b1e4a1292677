"""Chunks -> audio clips through one engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from .engines import Engine, engine_class
from .models import Chunk, Clip, VoiceProfile

__all__ = ["ProgressFn", "load_engine", "render"]

ProgressFn = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each chunk."""


def load_engine(profile: VoiceProfile) -> Engine:
    """An engine instance speaking with ``profile``'s voice."""
    return engine_class(profile.engine)(profile)


def render(
    chunks: Iterable[Chunk], engine: Engine, progress: ProgressFn | None = None
) -> Iterator[tuple[Chunk, Clip]]:
    """Render each chunk in order, yielding it with its clip as soon as it is ready."""
    todo = list(chunks)
    for done, chunk in enumerate(todo, start=1):
        clip = engine.synthesize(chunk.text)
        if progress is not None:
            progress(done, len(todo))
        yield chunk, clip
