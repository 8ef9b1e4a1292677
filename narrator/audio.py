"""Clips -> one stream: trim, level-match, fade, pause by structure, join once, time each sentence.

Everything here works on 16-bit mono PCM at one sample rate per narration (the engine's).
Clips are joined once at the end (never ``a = a + b`` in a loop, which copies the whole
stream each time), and pauses are whole frames so timings never drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .errors import AudioError
from .models import BlockKind, Chapter, Chunk, Clip, Cue, PausePolicy, Script

__all__ = ["Assembled", "AssemblyPolicy", "assemble", "prepare_clip"]

_FULL_SCALE = 32767.0


@dataclass(frozen=True)
class AssemblyPolicy:
    """How clips are cleaned before they are joined."""

    silence_dbfs: float = -45.0
    """A 10 ms window quieter than this (RMS) counts as silence when trimming."""

    lead_ms: int = 40
    """Silence kept before the first sound of a clip, so no first syllable is clipped."""

    trail_ms: int = 80
    """Silence kept after the last sound, so no final consonant is swallowed."""

    fade_ms: float = 4.0
    """Raised-cosine fade at each clip edge, so joins never click."""

    target_rms_dbfs: float = -20.0
    """Each clip's speech is brought to this level so loudness does not jump between sentences."""

    max_gain_db: float = 9.0
    """Level matching never raises a clip more than this (a whisper stays a whisper)."""

    peak_dbfs: float = -1.0
    """No clip is raised above this peak."""


@dataclass(frozen=True)
class Assembled:
    """One narration's audio and where each sentence and chapter lies in it."""

    samples: np.ndarray
    """int16 mono samples."""

    sample_rate: int
    """Samples per second."""

    cues: tuple[Cue, ...]
    """One cue per spoken sentence."""

    chapters: tuple[Chapter, ...]
    """The headline's chapter, then one per heading."""

    @property
    def duration_ms(self) -> int:
        """Length in milliseconds."""
        return round(1000 * len(self.samples) / self.sample_rate)


def _frames(ms: float, rate: int) -> int:
    return round(ms * rate / 1000.0)


def _resample(clip: Clip, rate: int) -> Clip:
    """Bring a clip to the narration's rate (only for engines that change rate mid-run)."""
    from pydub import AudioSegment

    seg = AudioSegment(data=clip.pcm, sample_width=2, frame_rate=clip.sample_rate, channels=1)
    seg = seg.set_frame_rate(rate)
    return Clip(pcm=seg.raw_data, sample_rate=rate)


def prepare_clip(clip: Clip, rate: int, policy: AssemblyPolicy) -> np.ndarray:
    """Trim a clip's edges to a consistent silence, match its level, and fade its edges.

    Returns float32 samples in [-1, 1] (empty when the clip is silent).
    """
    if clip.sample_rate != rate:
        clip = _resample(clip, rate)
    audio = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float32) / _FULL_SCALE
    win = max(1, _frames(10, rate))
    n_win = len(audio) // win
    if n_win == 0:
        return np.zeros(0, dtype=np.float32)
    frames = audio[: n_win * win].reshape(n_win, win)
    rms = np.sqrt(np.mean(frames * frames, axis=1) + 1e-12)
    active = np.flatnonzero(20 * np.log10(rms) > policy.silence_dbfs)
    if active.size == 0:
        return np.zeros(0, dtype=np.float32)
    start = max(0, active[0] * win - _frames(policy.lead_ms, rate))
    end = min(len(audio), (active[-1] + 1) * win + _frames(policy.trail_ms, rate))
    audio = audio[start:end].copy()

    speech_rms = float(np.sqrt(np.mean(np.square(rms[active]))))
    peak = float(np.max(np.abs(audio))) or 1e-9
    gain_db = policy.target_rms_dbfs - 20 * np.log10(speech_rms)
    gain_db = min(gain_db, policy.max_gain_db, policy.peak_dbfs - 20 * np.log10(peak))
    audio *= np.float32(10 ** (gain_db / 20))

    fade = min(_frames(policy.fade_ms, rate), len(audio) // 2)
    if fade > 0:
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade, dtype=np.float32))).astype(
            np.float32
        )
        audio[:fade] *= ramp
        audio[-fade:] *= ramp[::-1]
    return audio


def assemble(
    rendered: Iterable[tuple[Chunk, Clip]],
    script: Script,
    pauses: PausePolicy,
    sample_rate: int | None = None,
    policy: AssemblyPolicy | None = None,
) -> Assembled:
    """Join rendered chunks, in order, with the pause each chunk asks for.

    The narration's sample rate is ``sample_rate``, or else the first clip's.

    Cue times come from the assembled samples themselves (frame counts), so they cannot
    drift from the audio however long the narration is.
    """
    policy = policy or AssemblyPolicy()
    parts: list[np.ndarray] = []
    position = 0  # in frames

    def add(samples: np.ndarray) -> None:
        nonlocal position
        parts.append(samples)
        position += len(samples)

    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    rate = sample_rate or 0
    for chunk, clip in rendered:
        if not rate:
            rate = clip.sample_rate
        if not parts:
            add(np.zeros(_frames(pauses.edge_ms, rate), dtype=np.float32))
        audio = prepare_clip(clip, rate, policy)
        if chunk.sentence not in starts:
            starts[chunk.sentence] = position
        add(audio)
        ends[chunk.sentence] = position
        add(np.zeros(_frames(pauses.for_break(chunk.pause_after), rate), dtype=np.float32))
    if not starts or not rate:
        raise AudioError("The engine produced no audio for any sentence; nothing to write.")

    joined = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    samples = np.clip(np.round(joined * _FULL_SCALE), -32768, 32767).astype(np.int16)

    def ms(frame: int) -> int:
        return round(1000 * frame / rate)

    cues = tuple(
        Cue(key=s.key, text=s.text, start_ms=ms(starts[i]), end_ms=ms(ends[i]))
        for i, s in enumerate(script.sentences)
        if i in starts
    )
    chapters = _chapters(script, {i: ms(f) for i, f in starts.items()}, ms(len(samples)))
    return Assembled(samples=samples, sample_rate=rate, cues=cues, chapters=chapters)


def _chapters(script: Script, start_ms: dict[int, int], total_ms: int) -> tuple[Chapter, ...]:
    """A chapter opens at the headline and at every heading; text before the first heading
    (when there is no headline) gets a chapter of its own so chapters cover the whole file."""
    marks: list[tuple[str, int]] = []
    for i, sentence in enumerate(script.sentences):
        if sentence.kind is BlockKind.HEADING and i in start_ms:
            marks.append((sentence.text, start_ms[i]))
    if not marks or min(start_ms) not in {
        i for i, s in enumerate(script.sentences) if s.kind is BlockKind.HEADING
    }:
        marks.insert(0, (script.article.title or "Introduction", 0))
    marks[0] = (marks[0][0], 0)
    return tuple(
        Chapter(
            title=title, start_ms=start, end_ms=marks[k + 1][1] if k + 1 < len(marks) else total_ms
        )
        for k, (title, start) in enumerate(marks)
    )
