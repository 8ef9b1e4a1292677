"""A calibrated speaking rate: the engine's own speed control, then a pitch-preserving
time stretch for whatever it leaves undone.

Engines speed up less than they are asked to: Piper at length scale 1/2 and hibari at
speed 2 give speech only 1.58x and 1.74x as fast (the pauses they predict, and the
one-frame minimum of a phoneme, do not shrink in proportion), and both flatten out past
that. So each engine's measured curve (speech-only speed-up against its own control on
calibration paragraphs, pauses excluded: ``benchmarks/rate_curve.py``; ``tests/test_rate.py``
checks the result on other text) says how much faster the engine really went, and a WSOLA
time stretch (which keeps pitch: it moves whole pitch periods, it does not resample)
makes up the rest, so ``--rate 2`` means twice as fast.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from ..models import Clip, ClipWord

__all__ = ["residual", "stretch", "stretch_clip"]


def residual(rate: float, curve: Sequence[tuple[float, float]]) -> float:
    """How much faster the audio must still be made, after an engine asked for ``rate``
    went as fast as its measured ``curve`` (pairs of asked, measured; sorted) says."""
    if abs(rate - 1.0) < 1e-6 or not curve:
        return 1.0
    points = [(1.0, 1.0), *curve]
    points.sort()
    xs = [p[0] for p in points]
    k = bisect.bisect_left(xs, rate)
    if k == 0:
        (x0, y0), (x1, y1) = points[0], points[1]
    elif k >= len(points):
        (x0, y0), (x1, y1) = points[-2], points[-1]
    else:
        (x0, y0), (x1, y1) = points[k - 1], points[k]
    measured = y0 + (y1 - y0) * (rate - x0) / (x1 - x0)
    return rate / measured if measured > 0 else 1.0


def stretch(audio: Any, factor: float, rate: int) -> Any:
    """``audio`` (float32) played ``factor`` times as fast at the same pitch (WSOLA: 30 ms
    Hann windows at 50 % overlap, each placed within 10 ms of its nominal position where
    it best continues the previous one)."""
    import numpy as np

    audio = np.asarray(audio, dtype=np.float32)
    if abs(factor - 1.0) < 1e-3 or len(audio) == 0:
        return audio
    win = max(16, int(0.030 * rate)) // 2 * 2
    hop = win // 2
    tol = int(0.010 * rate)
    window = np.hanning(win).astype(np.float32)
    n_out = round(len(audio) / factor)
    frames = max(1, (n_out - win) // hop + 2)
    padded = np.concatenate(
        [
            np.zeros(tol, np.float32),
            audio,
            np.zeros(win * 2 + tol + int(hop * factor) * 2, np.float32),
        ]
    )
    out = np.zeros(frames * hop + win, np.float32)
    norm = np.zeros_like(out)
    previous = tol  # start (in padded) of the segment placed last
    for k in range(frames):
        nominal = tol + round(k * hop * factor)
        if k == 0:
            chosen = nominal
        else:
            follow = padded[previous + hop : previous + hop + win]
            region = padded[nominal - tol : nominal + tol + win]
            score = np.correlate(region, follow, mode="valid")
            chosen = nominal - tol + int(np.argmax(score))
        out[k * hop : k * hop + win] += padded[chosen : chosen + win] * window
        norm[k * hop : k * hop + win] += window
        previous = chosen
    out /= np.maximum(norm, 1e-3)
    return out[:n_out]


def stretch_clip(clip: Clip, factor: float) -> Clip:
    """``clip`` made ``factor`` times as fast, its word times scaled with it."""
    import numpy as np

    if abs(factor - 1.0) < 1e-3 or not clip.pcm:
        return clip
    audio = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float32) / 32768.0
    fast = stretch(audio, factor, clip.sample_rate)
    pcm = (np.clip(fast, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    words = tuple(
        ClipWord(
            w.text, round(w.start / factor), max(round(w.end / factor), round(w.start / factor))
        )
        for w in clip.words
    )
    return Clip(pcm=pcm, sample_rate=clip.sample_rate, words=words, estimated=clip.estimated)
