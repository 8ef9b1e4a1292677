"""Clips -> one stream: trim, master, fade, pause by structure, time each sentence.

Everything is done one clip at a time, so audio can flow to the encoder (and to a
listener) while later sentences are still being rendered, and memory does not grow with
the article. That works for loudness too: clips are separated by silence, so each one can
be brought to the target loudness and true-peak limited on its own, and the whole file's
gated integrated loudness is then the clips' common loudness (BS.1770's gates ignore the
pauses).

Samples are float32 in [-1, 1] until :meth:`Assembler.add` hands out int16 blocks; pauses
are whole frames, so cue times (counted in frames) never drift from the audio.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np

from .cache import ClipCache
from .errors import AudioError
from .models import BlockKind, Break, Chapter, Chunk, Clip, Cue, PausePolicy, Script
from .words import time_words

__all__ = [
    "Assembled",
    "Assembler",
    "AssemblyPolicy",
    "Timeline",
    "assemble",
    "clip_loudness",
    "prepare_clip",
    "trim_bounds",
]

_FULL_SCALE = 32767.0


@dataclass(frozen=True)
class AssemblyPolicy:
    """How clips are cleaned and mastered before they are joined."""

    silence_dbfs: float = -45.0
    """A 10 ms window quieter than this (RMS) counts as silence when trimming."""

    lead_ms: int = 40
    """Silence kept before the first sound of a clip, so no first syllable is clipped."""

    trail_ms: int = 80
    """Silence kept after the last sound, so no final consonant is swallowed."""

    fade_ms: float = 4.0
    """Raised-cosine fade at each clip edge, so joins never click."""

    target_lufs: float = -16.0
    """Loudness each clip is brought to: -16 for podcasts, -19 mono speech, -23 broadcast."""

    true_peak_dbtp: float = -1.5
    """True-peak ceiling inside narrator. Half a dB under the -1 dBTP promise, because MP3
    encoding adds a little overshoot."""

    max_gain_db: float = 24.0
    """No clip is raised more than this (a near-silent clip stays quiet, not noise)."""


@dataclass(frozen=True)
class Timeline:
    """Where each sentence and chapter lies in the finished audio."""

    sample_rate: int
    """Samples per second."""

    frames: int
    """Total length in samples."""

    cues: tuple[Cue, ...]
    """One cue per spoken sentence."""

    chapters: tuple[Chapter, ...]
    """The headline's chapter, then one per heading."""

    @property
    def duration_ms(self) -> int:
        """Length in milliseconds."""
        return round(1000 * self.frames / self.sample_rate)


@dataclass(frozen=True)
class Assembled:
    """A whole narration in memory (for tests and small jobs; narrate() streams instead)."""

    samples: np.ndarray
    """int16 mono samples."""

    timeline: Timeline
    """Cues and chapters."""

    @property
    def sample_rate(self) -> int:
        """Samples per second."""
        return self.timeline.sample_rate

    @property
    def cues(self) -> tuple[Cue, ...]:
        """One cue per sentence."""
        return self.timeline.cues

    @property
    def chapters(self) -> tuple[Chapter, ...]:
        """Chapters."""
        return self.timeline.chapters

    @property
    def duration_ms(self) -> int:
        """Length in milliseconds."""
        return self.timeline.duration_ms


def _frames(ms: float, rate: int) -> int:
    return round(ms * rate / 1000.0)


def _resample(clip: Clip, rate: int) -> Clip:
    """Bring a clip to the narration's rate (only for engines that change rate mid-run)."""
    from pydub import AudioSegment

    seg = AudioSegment(data=clip.pcm, sample_width=2, frame_rate=clip.sample_rate, channels=1)
    seg = seg.set_frame_rate(rate)
    return Clip(pcm=seg.raw_data, sample_rate=rate)


@cache
def _k_weighting(rate: int) -> tuple[np.ndarray, np.ndarray]:
    """BS.1770 K-weighting (high shelf then high pass) as one 4th-order filter at ``rate``.

    The two biquads are derived from their analog prototypes for any sample rate, as
    pyloudnorm does, rather than using the 48 kHz table from the standard.
    """

    def biquad(kind: str, gain_db: float, q: float, fc: float) -> tuple[np.ndarray, np.ndarray]:
        a_gain = 10 ** (gain_db / 40)
        w0 = 2 * np.pi * fc / rate
        alpha = np.sin(w0) / (2 * q)
        cos = np.cos(w0)
        if kind == "high_shelf":
            sq = 2 * np.sqrt(a_gain) * alpha
            b = [
                a_gain * ((a_gain + 1) + (a_gain - 1) * cos + sq),
                -2 * a_gain * ((a_gain - 1) + (a_gain + 1) * cos),
                a_gain * ((a_gain + 1) + (a_gain - 1) * cos - sq),
            ]
            a = [
                (a_gain + 1) - (a_gain - 1) * cos + sq,
                2 * ((a_gain - 1) - (a_gain + 1) * cos),
                (a_gain + 1) - (a_gain - 1) * cos - sq,
            ]
        else:  # high pass
            b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
            a = [1 + alpha, -2 * cos, 1 - alpha]
        b_arr, a_arr = np.array(b), np.array(a)
        return b_arr / a_arr[0], a_arr / a_arr[0]

    b1, a1 = biquad("high_shelf", 4.0, 1 / np.sqrt(2), 1500.0)
    b2, a2 = biquad("high_pass", 0.0, 0.5, 38.0)
    return np.convolve(b1, b2), np.convolve(a1, a2)


def clip_loudness(audio: np.ndarray, rate: int) -> float:
    """Gated loudness (LUFS) of one clip, BS.1770 style: 400 ms blocks, 75% overlap,
    absolute gate -70 LUFS, relative gate -10 LU. A clip shorter than a block is one block."""
    from scipy.signal import lfilter

    b, a = _k_weighting(rate)
    weighted = lfilter(b, a, audio.astype(np.float64))
    block = _frames(400, rate)
    step = max(1, block // 4)
    if len(weighted) <= block:
        powers = np.array([np.mean(weighted**2)])
    else:
        squares = np.concatenate([[0.0], np.cumsum(weighted**2)])
        starts = np.arange(0, len(weighted) - block + 1, step)
        powers = (squares[starts + block] - squares[starts]) / block
    loud = -0.691 + 10 * np.log10(powers + 1e-20)
    powers = powers[loud > -70]
    if powers.size == 0:
        return -120.0
    relative = -0.691 + 10 * np.log10(np.mean(powers)) - 10
    gated = powers[-0.691 + 10 * np.log10(powers) > relative]
    return float(-0.691 + 10 * np.log10(np.mean(gated if gated.size else powers)))


def _true_peak_envelope(audio: np.ndarray) -> np.ndarray:
    """Per-sample peak of the 4x-oversampled signal (what a true-peak meter sees)."""
    from scipy.signal import resample_poly

    up = np.abs(resample_poly(audio, 4, 1)[: len(audio) * 4])
    # Four strided maxima are much faster than max(axis=1) over rows of four.
    peak = np.maximum(np.maximum(up[0::4], up[1::4]), np.maximum(up[2::4], up[3::4]))
    return np.asarray(np.maximum(peak, np.abs(audio)))


def _limiter_gain(envelope: np.ndarray, rate: int, ceiling: float) -> np.ndarray:
    """Look-ahead limiter gain for a true-peak envelope: it reaches its floor 5 ms before a
    peak, holds through it and recovers over about 30 ms, smooth enough not to distort
    speech. Every sample's gain is at most what its own peak needs."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    need = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-9))
    if need.min() >= 1.0:
        return np.asarray(need)
    ahead, hold = _frames(5, rate), _frames(30, rate)
    # Window [i - hold, i + ahead]: every sample within 5 ms before or 30 ms after a peak
    # gets at most the gain that peak needs; the moving average stays inside that window.
    floor = minimum_filter1d(need, size=ahead + hold + 1, origin=(hold - ahead) // 2)
    return np.asarray(uniform_filter1d(floor, size=ahead + 1), dtype=np.float32)


def _master(audio: np.ndarray, rate: int, policy: AssemblyPolicy, pause_frames: int) -> np.ndarray:
    """Bring a trimmed clip to the target loudness with its true peak under the ceiling.

    The oversampled envelope is computed once: the envelope of ``audio * gain`` is
    ``envelope * gain`` to within hundredths of a dB, because the gain moves over
    milliseconds, not samples, and the ceiling sits 0.5 dB under the promise (-1 dBTP),
    which the tests check on decoded files. Limiting takes a little loudness back, so the
    gain is corrected and the limiter re-derived (twice is enough).
    """
    ceiling = 10 ** (policy.true_peak_dbtp / 20)
    envelope = _true_peak_envelope(audio)
    silence = np.zeros(pause_frames, dtype=np.float32)
    max_gain = 10 ** (policy.max_gain_db / 20)
    gain = 1.0
    out = audio
    for _ in range(3):
        loudness = clip_loudness(np.concatenate([out, silence]), rate)
        correction = 10 ** ((policy.target_lufs - loudness) / 20)
        if abs(policy.target_lufs - loudness) < 0.1 and out is not audio:
            break
        gain = min(gain * correction, max_gain)
        out = (audio * (gain * _limiter_gain(envelope * gain, rate, ceiling))).astype(np.float32)
    peak = float(np.abs(out).max())  # the exact check would oversample the clip again
    if peak > ceiling:
        out *= np.float32(ceiling / peak)
    return out


def trim_bounds(audio: np.ndarray, rate: int, policy: AssemblyPolicy) -> tuple[int, int] | None:
    """The samples of ``audio`` that :func:`prepare_clip` keeps: from a little before the
    first sound to a little after the last (None when the clip is silent)."""
    win = max(1, _frames(10, rate))
    n_win = len(audio) // win
    if n_win == 0:
        return None
    frames = audio[: n_win * win].reshape(n_win, win)
    rms = np.sqrt(np.mean(frames * frames, axis=1) + 1e-12)
    active = np.flatnonzero(20 * np.log10(rms) > policy.silence_dbfs)
    if active.size == 0:
        return None
    start = max(0, int(active[0]) * win - _frames(policy.lead_ms, rate))
    end = min(len(audio), (int(active[-1]) + 1) * win + _frames(policy.trail_ms, rate))
    return start, end


def prepare_clip(
    clip: Clip, rate: int, policy: AssemblyPolicy, pause_frames: int = 0
) -> np.ndarray:
    """Trim a clip's edges to a consistent silence, bring it to the target loudness,
    limit its true peak, and fade its edges. Returns float32 (empty when silent).

    Loudness is measured on the clip followed by ``pause_frames`` of the silence that will
    follow it in the file, so that the clip's 400 ms measuring blocks straddle its pause the
    way the whole file's blocks will; measured on the bare clip, every sentence came out
    right but the file 1.8 LU too quiet.
    """
    if clip.sample_rate != rate:
        clip = _resample(clip, rate)
    audio = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float32) / _FULL_SCALE
    bounds = trim_bounds(audio, rate, policy)
    if bounds is None:
        return np.zeros(0, dtype=np.float32)
    start, end = bounds
    audio = audio[start:end].copy()

    audio = _master(audio, rate, policy, pause_frames)

    fade = min(_frames(policy.fade_ms, rate), len(audio) // 2)
    if fade > 0:
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade, dtype=np.float32))).astype(
            np.float32
        )
        audio[:fade] *= ramp
        audio[-fade:] *= ramp[::-1]
    return audio


def _to_int16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.round(audio * _FULL_SCALE), -32768, 32767).astype(np.int16)


class Assembler:
    """Joins rendered chunks one at a time, handing back int16 blocks to encode.

    Call :meth:`add` for each chunk in order, then :meth:`finish`; :attr:`timeline` is
    complete after that.
    """

    def __init__(
        self,
        script: Script,
        pauses: PausePolicy,
        policy: AssemblyPolicy | None = None,
        sample_rate: int | None = None,
        cache: ClipCache | None = None,
    ) -> None:
        self.script = script
        self.cache = cache
        self.pauses = pauses
        self.policy = policy or AssemblyPolicy()
        self.rate = sample_rate or 0
        self.position = 0  # frames handed out so far
        self._starts: dict[int, int] = {}
        self._ends: dict[int, int] = {}
        self._spoken: dict[int, list[tuple[str, int, int]]] = {}
        self._estimated: set[int] = set()
        self._timeline: Timeline | None = None

    def add(self, chunk: Chunk, clip: Clip) -> np.ndarray:
        """The next block: (leading silence,) the mastered clip, and the pause after it."""
        parts: list[np.ndarray] = []
        if not self.rate:
            self.rate = clip.sample_rate
        if self.position == 0:
            parts.append(np.zeros(_frames(self.pauses.edge_ms, self.rate), dtype=np.float32))
        lead = sum(len(p) for p in parts)
        pause_ms = self.pauses.for_break(chunk.pause_after)
        audio = self._mastered(clip, _frames(pause_ms, self.rate))
        if audio.size:
            self._starts.setdefault(chunk.sentence, self.position + lead)
            self._ends[chunk.sentence] = self.position + lead + len(audio)
            self._place_words(chunk.sentence, clip, self.position + lead, len(audio))
        parts.append(audio)
        if chunk.pause_after is not Break.END:  # the end's silence comes from finish()
            parts.append(np.zeros(_frames(pause_ms, self.rate), dtype=np.float32))
        block = _to_int16(np.concatenate(parts))
        self.position += len(block)
        return block

    def _place_words(self, sentence: int, clip: Clip, at: int, length: int) -> None:
        """Keep the clip's word times as frames of the file: shifted by where the clip
        starts and by what trimming cut from its front, and kept inside what is heard."""
        if not clip.words:
            return
        scale = self.rate / clip.sample_rate
        audio = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float32) / _FULL_SCALE
        bounds = trim_bounds(audio, clip.sample_rate, self.policy)
        cut = bounds[0] if bounds is not None else 0
        placed = self._spoken.setdefault(sentence, [])
        for word in clip.words:
            start = min(max(0, round((word.start - cut) * scale)), length)
            end = min(max(start, round((word.end - cut) * scale)), length)
            placed.append((word.text, at + start, at + end))
        if clip.estimated:
            self._estimated.add(sentence)

    def _mastered(self, clip: Clip, pause_frames: int) -> np.ndarray:
        """The clip trimmed and mastered, from the cache when this exact clip was mastered
        the same way before: after an edit, only the changed sentences are re-mastered.
        Kept as the int16 it becomes in the file, so a hit gives the same bytes."""
        if self.cache is None or not clip.key:
            return prepare_clip(clip, self.rate, self.policy, pause_frames)
        recipe = f"mastered|{self.rate}|{pause_frames}|{dataclasses.astuple(self.policy)}"
        key = ClipCache.key(recipe, clip.key)
        hit = self.cache.get(key)
        if hit is not None:
            return np.frombuffer(hit.pcm, dtype="<i2").astype(np.float32) / np.float32(_FULL_SCALE)
        audio = prepare_clip(clip, self.rate, self.policy, pause_frames)
        self.cache.put(
            key, Clip(pcm=_to_int16(audio).astype("<i2").tobytes(), sample_rate=self.rate)
        )
        return audio

    def _ms(self, frame: int) -> int:
        return round(1000 * frame / self.rate)

    def cue(self, sentence: int) -> Cue | None:
        """The cue of sentence ``sentence`` as placed so far (final once its last chunk was
        added), or ``None`` while none of it has been heard (or it rendered silent)."""
        if sentence not in self._starts:
            return None
        s = self.script.sentences[sentence]
        start_ms = self._ms(self._starts[sentence])
        end_ms = self._ms(self._ends[sentence])
        spoken = [(text, self._ms(a), self._ms(b)) for text, a, b in self._spoken.get(sentence, ())]
        words = tuple(
            w for w in time_words(s.text, spoken) if w.start_ms >= start_ms and w.end_ms <= end_ms
        )
        return Cue(
            key=s.key,
            text=s.text,
            start_ms=start_ms,
            end_ms=end_ms,
            words=words,
            estimated=bool(words) and sentence in self._estimated,
        )

    def finish(self) -> np.ndarray:
        """The closing silence; completes :attr:`timeline`."""
        if not self._starts or not self.rate:
            raise AudioError("The engine produced no audio for any sentence; nothing to write.")
        tail = np.zeros(_frames(self.pauses.edge_ms, self.rate), dtype=np.int16)
        self.position += len(tail)
        ms = self._ms
        cues = tuple(
            cue for i in range(len(self.script.sentences)) if (cue := self.cue(i)) is not None
        )
        starts_ms = {i: ms(f) for i, f in self._starts.items()}
        self._timeline = Timeline(
            sample_rate=self.rate,
            frames=self.position,
            cues=cues,
            chapters=_chapters(self.script, starts_ms, ms(self.position)),
        )
        return tail

    @property
    def timeline(self) -> Timeline:
        """Cues and chapters (after :meth:`finish`)."""
        if self._timeline is None:
            raise AudioError("The narration is not finished yet.")
        return self._timeline


def assemble(
    rendered: Iterable[tuple[Chunk, Clip]],
    script: Script,
    pauses: PausePolicy,
    sample_rate: int | None = None,
    policy: AssemblyPolicy | None = None,
) -> Assembled:
    """Join rendered chunks in memory (the streaming path is :class:`Assembler`)."""
    assembler = Assembler(script, pauses, policy, sample_rate)
    blocks = [assembler.add(chunk, clip) for chunk, clip in rendered]
    blocks.append(assembler.finish())
    return Assembled(samples=np.concatenate(blocks), timeline=assembler.timeline)


def _chapters(script: Script, start_ms: dict[int, int], total_ms: int) -> tuple[Chapter, ...]:
    """A chapter opens at the headline and at every heading; text before the first heading
    (when there is no headline) gets a chapter of its own so chapters cover the whole file."""
    marks: list[tuple[str, int]] = []
    for i, sentence in enumerate(script.sentences):
        if sentence.kind is BlockKind.HEADING and i in start_ms:
            # The opening may be a whole intro sentence; its chapter is the headline.
            title = script.article.title if sentence.block < 0 else None
            marks.append((title or sentence.text, start_ms[i]))
    first_spoken = min(start_ms)
    if not marks or script.sentences[first_spoken].kind is not BlockKind.HEADING:
        marks.insert(0, (script.article.title or "Introduction", 0))
    marks[0] = (marks[0][0], 0)
    return tuple(
        Chapter(
            title=title,
            start_ms=start,
            end_ms=marks[k + 1][1] if k + 1 < len(marks) else total_ms,
        )
        for k, (title, start) in enumerate(marks)
    )
