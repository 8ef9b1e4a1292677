"""Chunks -> audio clips: from the cache when they were rendered before, else by the engine.

The engine is loaded only when some chunk is not cached, so re-narrating an unchanged
article never loads a voice model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .cache import ClipCache
from .engines import Engine, engine_class
from .models import Chunk, Clip, VoiceProfile

__all__ = ["ProgressFn", "RenderStats", "load_engine", "render"]

ProgressFn = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each chunk."""


@dataclass
class RenderStats:
    """Counts for one rendering run (mutable: filled in as chunks go by)."""

    rendered: int = 0
    """Chunks the engine synthesized."""

    cached: int = 0
    """Chunks taken from the cache."""


def load_engine(profile: VoiceProfile) -> Engine:
    """An engine instance speaking with ``profile``'s voice."""
    return engine_class(profile.engine)(profile)


def render(
    chunks: Iterable[Chunk],
    profile: VoiceProfile,
    *,
    cache: ClipCache | None = None,
    progress: ProgressFn | None = None,
    stats: RenderStats | None = None,
    engine: Engine | None = None,
) -> Iterator[tuple[Chunk, Clip]]:
    """Yield each chunk with its clip, in order, as soon as it is ready."""
    todo = list(chunks)
    stats = stats if stats is not None else RenderStats()
    identity = engine_class(profile.engine).identity(profile) if cache is not None else ""
    owned = engine is None
    try:
        for done, chunk in enumerate(todo, start=1):
            key = ClipCache.key(identity, chunk.text) if cache is not None else ""
            clip = cache.get(key) if cache is not None else None
            if clip is None:
                if engine is None:
                    engine = load_engine(profile)
                clip = engine.synthesize(chunk.text)
                stats.rendered += 1
                if cache is not None:
                    cache.put(key, clip)
            else:
                stats.cached += 1
            if progress is not None:
                progress(done, len(todo))
            yield chunk, clip
    finally:
        if owned and engine is not None:
            engine.close()
        if cache is not None:
            cache.evict()
