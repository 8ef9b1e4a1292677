"""Narration jobs: each (article, settings) pair is rendered once and kept on disk by id.

No web framework here: this is the part of the service that decides *what* runs, so it
can be reasoned about (and tested) on its own. The HTTP layer in :mod:`.app` only turns
requests into :meth:`JobManager.submit` calls and jobs into responses.

Why threads and not processes: synthesis spends its time in onnxruntime and the MP3
encoder, which release the GIL, and a job must hand its MP3 frames to readers in this
process as soon as they exist (progressive audio). A job cannot be killed from outside
its thread, so the time limit is cooperative, and every stage is bounded so that the
checks come often: the fetch has a total deadline (what is left of the job's time, at
most ``fetch_total_s``), normalization is linear in the article's length and no word
may be longer than ``max_word_chars`` (so no pattern can rescan a huge token), and the
progress and audio callbacks, called after every chunk, raise :class:`JobTimeoutError`
once the deadline has passed. A chunk is at most a few seconds of work, so a job
overruns its limit by that at most, and its worker is then free for the next job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

from .. import __version__
from ..errors import FetchError, InputError, NarratorError
from ..ingest import check_address, split_url
from ..models import Article, Chapter, Cue, Narration
from .config import ServerConfig

__all__ = [
    "Counters",
    "InternalError",
    "Job",
    "JobManager",
    "JobState",
    "JobTimeoutError",
    "NarrationRequest",
    "QueueFullError",
    "ShuttingDownError",
    "StoredNarration",
    "check_article",
    "check_url",
    "narration_id",
]

log = logging.getLogger("narrator.server")

SourceKind = Literal["html", "text", "url"]


class JobTimeoutError(NarratorError):
    """A narration ran past the service's time limit for one job."""


class InternalError(NarratorError):
    """Something broke inside the service (a bug); the details are in the server's log."""


class ShuttingDownError(NarratorError):
    """The service is stopping; the job was stopped with it."""


class QueueFullError(NarratorError):
    """Every worker is busy and the waiting line is full."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class NarrationRequest:
    """What a client asked for, after validation: the input and the settings that shape it."""

    kind: SourceKind
    """Which field the article came in: ``html``, ``text`` or ``url``."""

    content: str
    """The markup, the text, or the URL."""

    voice: str
    """The voice profile."""

    rate: float
    """The speaking rate (1.0 is the voice's own)."""


def narration_id(request: NarrationRequest) -> str:
    """The id of a narration: a hash of its content, its settings and narrator's version.

    The version is in the hash because a newer narrator may read the same article
    differently; an old narration is then simply not found, never served as current.
    It is the only name a narration has on disk, so no client string reaches a path.
    For a URL the content is the URL itself (the job fetches the page), so asking again
    for the same URL gets the narration made the first time, until it is evicted.
    """
    payload = json.dumps(
        {
            "narrator": __version__,
            "kind": request.kind,
            "content": request.content,
            "voice": request.voice,
            "rate": round(request.rate, 3),
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Refuse, before queueing, a URL that the job's safe fetch would refuse anyway.

    This answers a hostile URL with a 4xx at once instead of a failed job later. It is
    not the guard: :func:`narrator.ingest.fetch_url` checks everything again when it
    fetches (and pins the connection to the address it checked, and re-checks redirects).
    """
    parts = split_url(url, allow_private=allow_private)
    try:
        infos = socket.getaddrinfo(parts.host, parts.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(
            f"Could not find the host {parts.host!r}. Check the URL and your connection."
        ) from exc
    for info in infos:
        check_address(str(info[4][0]), allow_private=allow_private)


_WORD = re.compile(r"\S+")


def check_article(article: Article, max_word_chars: int) -> None:
    """Refuse an article with a "word" (a run without spaces) over ``max_word_chars``.

    No prose has one; it is a pasted blob or an attack, and the normalizer's patterns and
    the voices are built for words (120 KB of "ab." once held a worker for 20 minutes).
    """
    texts = [article.title or "", *(block.text for block in article.blocks)]
    longest = max((len(m.group(0)) for text in texts for m in _WORD.finditer(text)), default=0)
    if longest > max_word_chars:
        raise InputError(
            f"The article has a {longest:,}-character run of text without a space; this "
            f"service reads words of up to {max_word_chars:,} characters. Remove the blob "
            f"(encoded data, a long code) and send the article again."
        )


@dataclass(frozen=True)
class StoredNarration:
    """A finished narration as kept on disk."""

    id: str
    """The narration id."""

    duration_ms: int
    """Length of the audio."""

    voice: str
    """The voice profile that read it."""

    title: str | None
    """The article's headline."""

    cues: tuple[Cue, ...]
    """One cue per sentence."""

    chapters: tuple[Chapter, ...]
    """One chapter per section."""

    audio: Path
    """The MP3 file."""


class JobState(StrEnum):
    """Where a job is."""

    QUEUED = "queued"
    RENDERING = "rendering"
    DONE = "done"
    FAILED = "failed"


@dataclass
class Job:
    """One narration being made (mutable: the worker fills it in as it goes)."""

    id: str
    request: NarrationRequest
    source: Article | str
    state: JobState = JobState.QUEUED
    done: int = 0
    total: int = 0
    error: NarratorError | None = None
    result: StoredNarration | None = None
    created: float = field(default_factory=time.monotonic)
    _audio: bytearray = field(default_factory=bytearray)
    _cues: list[Cue] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def finished(self) -> bool:
        """True once the job is done or failed."""
        return self.state in {JobState.DONE, JobState.FAILED}

    def add_audio(self, data: bytes) -> None:
        """Keep MP3 frames for readers who are listening while the job renders."""
        with self._lock:
            self._audio += data

    def audio_from(self, offset: int) -> bytes:
        """The progressive MP3 bytes from ``offset`` on (empty when none are new)."""
        with self._lock:
            return bytes(self._audio[offset:])

    def add_cue(self, cue: Cue) -> None:
        """Keep a rendered sentence's timing, so a player can highlight it before the
        narration is finished (``narrate(on_cue=...)`` calls this in sentence order)."""
        with self._lock:
            self._cues.append(cue)

    def cues(self) -> tuple[Cue, ...]:
        """The sentences rendered so far, in order."""
        with self._lock:
            return tuple(self._cues)


@dataclass
class Counters:
    """What the service has done since it started; served by ``/v1/stats``."""

    requests: int = 0
    """Narration requests accepted (POSTs that were not refused)."""

    prepared: int = 0
    """Articles extracted (or URLs checked) before queueing: once per distinct narration,
    however many readers asked for it at the same moment."""

    syntheses: int = 0
    """Jobs started, i.e. calls to ``narrate()``: one per distinct narration."""

    completed: int = 0
    """Jobs that finished."""

    failed: int = 0
    """Jobs that failed (bad article, fetch refused, time limit...)."""

    timed_out: int = 0
    """Jobs stopped by the time limit (also counted in ``failed``)."""

    joined: int = 0
    """Requests answered by a job already running for the same id (in-flight dedupe)."""

    stored_hits: int = 0
    """Requests answered by a narration already on disk."""

    queue_full: int = 0
    """Requests refused with 503 because the queue was full."""

    rate_limited: int = 0
    """Requests refused with 429."""


_META = "meta.json"
_AUDIO = "audio.mp3"


class Store:
    """Finished narrations on disk: ``<root>/<id[:2]>/<id>/{audio.mp3,meta.json}``.

    A narration exists once its ``meta.json`` does; it is written last, atomically, so a
    crash mid-job leaves nothing that looks finished.
    """

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def folder(self, narration: str) -> Path:
        """The folder of a narration (ids are hex, checked by the caller)."""
        return self.root / narration[:2] / narration

    def get(self, narration: str) -> StoredNarration | None:
        """The stored narration, or None when there is none."""
        folder = self.folder(narration)
        try:
            meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        self._touch(folder / _META)
        return StoredNarration(
            id=narration,
            duration_ms=int(meta["duration_ms"]),
            voice=str(meta["voice"]),
            title=meta.get("title"),
            cues=tuple(Cue.from_dict(c) for c in meta["cues"]),
            chapters=tuple(Chapter(**c) for c in meta["chapters"]),
            audio=folder / _AUDIO,
        )

    def audio_path(self, narration: str) -> Path:
        """Where the job writes the MP3 (the pipeline writes it atomically)."""
        folder = self.folder(narration)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / _AUDIO

    def save(self, narration: str, result: Narration) -> StoredNarration:
        """Record a finished narration's timings; from now on it is served from disk."""
        folder = self.folder(narration)
        meta = {
            "duration_ms": result.duration_ms,
            "voice": result.voice,
            "title": result.script.article.title,
            "cues": [asdict(c) for c in result.cues],
            "chapters": [asdict(c) for c in result.chapters],
        }
        fd, tmp = tempfile.mkstemp(prefix=".meta.", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(meta, fh, ensure_ascii=False)
        os.replace(tmp, folder / _META)
        stored = self.get(narration)
        if stored is None:  # pragma: no cover - we just wrote it
            raise NarratorError(f"The narration {narration} vanished from {folder}.")
        self.evict(keep=narration)
        return stored

    def evict(self, keep: str = "") -> None:
        """Delete the least recently used narrations while the store is over its size cap."""
        with self._lock:
            entries: list[tuple[float, int, Path]] = []
            total = 0
            for meta in self.root.glob(f"*/*/{_META}"):
                try:
                    size = sum(p.stat().st_size for p in meta.parent.iterdir())
                    entries.append((meta.stat().st_mtime, size, meta.parent))
                except OSError:
                    continue
                total += size
            for _, size, folder in sorted(entries):
                if total <= self.max_bytes:
                    break
                if folder.name == keep:
                    continue
                shutil.rmtree(folder, ignore_errors=True)
                total -= size

    @staticmethod
    def _touch(path: Path) -> None:
        # The modification time orders eviction; writing it on every read of a popular
        # narration would be a disk write per request, so once a minute is enough.
        with contextlib.suppress(OSError):
            if time.time() - path.stat().st_mtime > 60:
                os.utime(path)


class JobManager:
    """Runs each distinct narration once, however many clients ask for it at the same time."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.store = Store(config.storage_dir, config.limits.max_stored_bytes)
        self.counters = Counters()
        self._jobs: dict[str, Job] = {}
        self._failed: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(
            max_workers=config.limits.workers, thread_name_prefix="narrator-job"
        )
        self._warm: threading.Thread | None = None
        self._stopping = threading.Event()
        self._workers_idle = threading.Condition(self._lock)
        self._running = 0

    # --- lookups -------------------------------------------------------------------------

    def find(self, narration: str) -> Job | StoredNarration | None:
        """The running (or recently failed) job, else the stored narration, else None."""
        with self._lock:
            job = self._jobs.get(narration) or self._failed.get(narration)
        if job is not None:
            return job
        return self.store.get(narration)

    def running(self) -> tuple[int, int]:
        """``(queued, rendering)`` job counts."""
        with self._lock:
            states = [j.state for j in self._jobs.values()]
        return states.count(JobState.QUEUED), states.count(JobState.RENDERING)

    def count(self, name: str) -> None:
        """Add one to a counter (thread-safe)."""
        with self._lock:
            setattr(self.counters, name, getattr(self.counters, name) + 1)

    def stats(self) -> dict[str, int]:
        """The counters, the queue, and whether the warm-up is still loading the voice
        (1 while it is: a job started then waits for it), for ``/v1/stats``."""
        queued, rendering = self.running()
        with self._lock:
            data = asdict(self.counters)
        warming = int(self._warm is not None and self._warm.is_alive())
        return {**data, "queued": queued, "rendering": rendering, "warming": warming}

    def check_capacity(self) -> None:
        """Raise QueueFullError when a new job would not fit in the queue."""
        with self._lock:
            self._check_capacity_locked()

    def _check_capacity_locked(self) -> None:
        limits = self.config.limits
        if len(self._jobs) >= limits.workers + limits.max_queue:
            self.counters.queue_full += 1
            raise QueueFullError(
                "The service is busy: every narration slot is taken. Try again shortly.",
                retry_after=limits.queue_retry_after_s,
            )

    # --- work ----------------------------------------------------------------------------

    def submit(self, request: NarrationRequest, source: Article | str) -> Job | StoredNarration:
        """Start a job for ``request`` unless one is running or finished; return it."""
        narration = narration_id(request)
        with self._lock:
            job = self._jobs.get(narration)
            if job is not None:
                self.counters.joined += 1
                return job
        stored = self.store.get(narration)
        if stored is not None:
            self.count("stored_hits")
            return stored
        with self._lock:
            job = self._jobs.get(narration)  # another request may have won the race
            if job is not None:
                self.counters.joined += 1
                return job
            self._check_capacity_locked()
            self._failed.pop(narration, None)
            job = Job(id=narration, request=request, source=source)
            self._jobs[narration] = job
            self.counters.syntheses += 1
        self._executor.submit(self._run, job)
        return job

    def _run(self, job: Job) -> None:
        with self._lock:
            self._running += 1
        try:
            self._render(job)
        finally:
            with self._lock:
                self._running -= 1
                self._workers_idle.notify_all()

    def _render(self, job: Job) -> None:
        from ..ingest import FetchPolicy
        from ..pipeline import NarrateOptions, load_article, narrate

        config = self.config
        job.state = JobState.RENDERING
        deadline = time.monotonic() + config.limits.job_timeout_s

        def check_deadline() -> None:
            if self._stopping.is_set():
                raise ShuttingDownError(
                    "The service is shutting down; send the article again once it is back."
                )
            if time.monotonic() > deadline:
                raise JobTimeoutError(
                    f"The article took longer than {config.limits.job_timeout_s:g} seconds "
                    f"to narrate, the limit for one narration here. Narrate a shorter "
                    f"article, or run narrator yourself for long ones."
                )

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
            check_deadline()

        def on_audio(data: bytes) -> None:
            job.add_audio(data)
            check_deadline()

        options = NarrateOptions(
            voice=job.request.voice,
            rate=job.request.rate,
            format="mp3",
            cache_dir=config.clip_cache_dir,
        )
        try:
            check_deadline()
            source = job.source
            if isinstance(source, str):  # a URL: fetched within what is left of the time
                left = max(0.001, deadline - time.monotonic())
                fetch = FetchPolicy(
                    allow_private=config.allow_private_urls,
                    timeout=min(config.limits.fetch_timeout_s, left),
                    total_timeout=min(config.limits.fetch_total_s, left),
                    max_bytes=config.limits.max_url_bytes,
                )
                try:
                    source = load_article(source, dataclasses.replace(options, fetch=fetch))
                except FetchError:
                    check_deadline()  # the job's own limit cut the fetch: say that instead
                    raise
                check_deadline()
                check_article(source, config.limits.max_word_chars)
            result = narrate(
                source,
                self.store.audio_path(job.id),
                options=options,
                progress=progress,
                on_audio=on_audio,
                on_cue=job.add_cue,
            )
            job.result = self.store.save(job.id, result)
            job.state = JobState.DONE
            self.count("completed")
        except NarratorError as exc:
            if isinstance(exc, JobTimeoutError):
                # Counted before the job shows as failed: a client that sees the failure
                # and then asks /v1/stats must find it counted.
                self.count("timed_out")
            self._fail(job, exc)
        except Exception:  # a bug, not the client's doing: log it, tell the client little
            log.exception("narration %s failed", job.id)
            self._fail(job, InternalError("The narration failed inside the service."))
        finally:
            with self._lock:
                self._jobs.pop(job.id, None)
                if job.state is JobState.FAILED:
                    self._failed[job.id] = job
                    while len(self._failed) > 256:
                        self._failed.popitem(last=False)

    def _fail(self, job: Job, error: NarratorError) -> None:
        job.error = error
        job.state = JobState.FAILED
        self.count("failed")
        with contextlib.suppress(OSError):
            shutil.rmtree(self.store.folder(job.id))

    def warm_up(self) -> None:
        """Run every stage once, in the background, so the first reader does not wait for
        imports, tokenizer loading and the voice model's first read from disk (about 2 s
        on a small machine). The voice stays loaded for every job after it: the pipeline
        keeps one engine per voice per process."""

        def warm() -> None:
            try:
                from ..models import DocFormat, Document
                from ..pipeline import NarrateOptions, load_article, make_script, resolve_voice
                from ..synth import engine_for

                words = "This sentence prepares the reader for the work ahead of it. " * 8
                for doc in (
                    Document(f"Warming up\n\n{words}", DocFormat.TEXT, "warm-up"),
                    Document(
                        f"<article><h1>Warming up</h1><p>{words}</p></article>",
                        DocFormat.HTML,
                        "warm-up",
                    ),
                ):
                    make_script(load_article(doc))
                # engine_for, not load_engine: the engine it loads is the one the first
                # job then uses (loading and closing one here made that job load it again).
                engine = engine_for(resolve_voice(NarrateOptions(voice=self.config.voices[0])))
                engine.synthesize("Ready.")
            except Exception:  # warming is an optimisation; a real request will report
                log.warning("warm-up failed", exc_info=True)

        self._warm = threading.Thread(target=warm, name="narrator-warm-up", daemon=True)
        self._warm.start()

    def close(self, grace_s: float = 1.5) -> bool:
        """Stop: queued jobs are dropped, running ones stop at their next check (each
        fails with :class:`ShuttingDownError`). Waits up to ``grace_s`` for them and
        returns False if one is still stuck in a single step then (the caller may exit
        anyway: a narration is only stored once complete, so nothing half-done is kept).

        The warm-up is waited for first, as long as it takes: onnxruntime aborts the
        process if it is torn down while a model is loading.
        """
        self._stopping.set()
        if self._warm is not None:
            self._warm.join(timeout=30)
        self._executor.shutdown(wait=False, cancel_futures=True)
        end = time.monotonic() + grace_s
        with self._lock:
            while self._running and time.monotonic() < end:
                self._workers_idle.wait(timeout=max(0.0, end - time.monotonic()))
            return self._running == 0

    def busy_workers(self) -> int:
        """Jobs whose worker thread is still running (after :meth:`close`, stuck ones)."""
        with self._lock:
            return self._running
