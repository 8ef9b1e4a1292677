"""Chunks -> audio clips: from the cache when they were rendered before, else by the engine.

The engine is loaded only when some chunk is not cached, so re-narrating an unchanged
article never loads a voice model. Rendering can run here, in this process (the engine's
own threads use every core: on the 2-core machine we measure on this is as fast as two
worker processes and has no start-up cost), or on any executor with the
``concurrent.futures`` interface: a local process pool, or a Dask ``distributed.Client``,
whose ``submit`` returns futures with ``result()`` just the same. Workers load each voice
once and keep it for every chunk they are given. Clips are yielded in the narration's
order whatever order the workers finish in.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from .cache import ClipCache
from .engines import Engine, engine_class
from .models import Chunk, Clip, VoiceProfile

__all__ = [
    "Executor",
    "ProgressFn",
    "RenderStats",
    "engine_for",
    "load_engine",
    "prefetch",
    "process_pool",
    "render",
    "synthesize_in_worker",
]

ProgressFn = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each chunk."""


class _Future(Protocol):
    def result(self, timeout: float | None = None) -> Any: ...


class Executor(Protocol):
    """What narrator needs from an executor: ``concurrent.futures`` and Dask both fit."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> _Future: ...


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


_ENGINES: dict[VoiceProfile, Engine] = {}
# Held while a voice loads: two threads asking for the same voice at once (a server's
# warm-up and its first job) get one engine, not two half-made ones.
_ENGINES_LOCK = threading.Lock()


def engine_for(profile: VoiceProfile) -> Engine:
    """This process's engine for ``profile``, loaded on first use and kept: a worker, a
    batch or a server loads each voice once, not once per chunk or per article."""
    engine = _ENGINES.get(profile)  # a loaded voice (every chunk after the first) waits for nothing
    if engine is None:
        with _ENGINES_LOCK:
            engine = _ENGINES.get(profile)
            if engine is None:
                engine = _ENGINES[profile] = load_engine(profile)
    return engine


def synthesize_in_worker(profile: VoiceProfile, text: str) -> Clip:
    """Render one chunk (in a worker process: the function executors are given)."""
    return engine_for(profile).synthesize(text)


def _one_thread_per_worker() -> None:
    # Each worker gets one core; letting every worker's onnxruntime spawn a thread per
    # core would oversubscribe the machine.
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["NARRATOR_ENGINE_THREADS"] = "1"


def process_pool(jobs: int | None = None) -> Any:
    """A local process pool with ``jobs`` workers (default: one per core)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # "spawn": a forked child would inherit onnxruntime's threads in an unknown state.
    return ProcessPoolExecutor(
        max_workers=jobs or os.cpu_count() or 1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_one_thread_per_worker,
    )


def render(
    chunks: Iterable[Chunk],
    profile: VoiceProfile,
    *,
    cache: ClipCache | None = None,
    progress: ProgressFn | None = None,
    stats: RenderStats | None = None,
    engine: Engine | None = None,
    executor: Executor | None = None,
    lookahead: int = 8,
) -> Iterator[tuple[Chunk, Clip]]:
    """Yield each chunk with its clip, in order, as soon as it is ready.

    With an ``executor``, up to ``lookahead`` uncached chunks are in flight at once, which
    keeps every worker busy while bounding how much finished audio waits in memory.
    """
    todo = list(chunks)
    stats = stats if stats is not None else RenderStats()
    identity = engine_class(profile.engine).identity(profile) if cache is not None else ""
    pending: deque[tuple[Chunk, str, Clip | None, _Future | None]] = deque()
    done = 0

    def submit(chunk: Chunk) -> None:
        key = ClipCache.key(identity, chunk.text) if cache is not None else ""
        clip = cache.get(key) if cache is not None else None
        if clip is not None or executor is None:
            pending.append((chunk, key, clip, None))
        else:
            pending.append(
                (chunk, key, None, executor.submit(synthesize_in_worker, profile, chunk.text))
            )

    def finish() -> tuple[Chunk, Clip]:
        nonlocal done
        chunk, key, clip, future = pending.popleft()
        if clip is not None:
            stats.cached += 1
        else:
            if future is not None:
                clip = future.result()
            else:
                clip = (engine or engine_for(profile)).synthesize(chunk.text)
            stats.rendered += 1
            if cache is not None:
                cache.put(key, clip)
        done += 1
        if progress is not None:
            progress(done, len(todo))
        return chunk, dataclasses.replace(clip, key=key) if key else clip

    window = lookahead if executor is not None else 1
    try:
        for chunk in todo:
            submit(chunk)
            while len(pending) >= window:
                yield finish()
        while pending:
            yield finish()
    finally:
        if cache is not None:
            cache.evict()


T = TypeVar("T")


def prefetch(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Run ``items`` in a background thread, ``depth`` ahead, yielding in the same order.

    Synthesis (onnxruntime, which releases the GIL) then overlaps with mastering and
    encoding the previous sentence (numpy and lameenc, which release it too), instead of
    the two taking turns. An error in the producer is raised here; stopping early (an
    error or interrupt here) tells the producer to stop after its current item.
    """
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(kind: str, value: Any) -> bool:
        # Never block for good: a consumer that stopped reading leaves the queue full.
        while not stop.is_set():
            try:
                box.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer("item", item):
                    return
            offer("done", None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            offer("error", exc)

    thread = threading.Thread(target=produce, name="narrator-synthesis", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "item":
                yield value
            elif kind == "done":
                return
            else:
                raise value
    finally:
        stop.set()
        thread.join(timeout=60)
