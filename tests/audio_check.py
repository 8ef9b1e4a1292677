"""Decode real audio files and measure them (helpers for tests; uses ffmpeg through pydub)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydub import AudioSegment


@dataclass(frozen=True)
class Measured:
    duration_s: float
    sample_rate: int
    channels: int
    longest_silence_s: float
    clipped_fraction: float
    speech_fraction: float
    samples: np.ndarray


def measure(path: Path) -> Measured:
    """Decode ``path`` with ffmpeg and measure silences, clipping and speech."""
    seg = AudioSegment.from_file(path)
    samples = np.array(seg.get_array_of_samples(), dtype=np.float32) / 32768.0
    rate = seg.frame_rate
    win = rate // 50  # 20 ms windows
    n = len(samples) // win
    frames = samples[: n * win].reshape(n, win)
    db = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-9)
    quiet = db < -50
    longest = run = 0
    for q in quiet:
        run = run + 1 if q else 0
        longest = max(longest, run)
    return Measured(
        duration_s=len(samples) / rate,
        sample_rate=rate,
        channels=seg.channels,
        longest_silence_s=longest * win / rate,
        clipped_fraction=float(np.mean(np.abs(samples) > 0.999)),
        speech_fraction=float(np.mean(~quiet)),
        samples=samples,
    )


def ffmpeg_ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) from ffmpeg's own EBU R128 meter."""
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
         "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = result.stderr[result.stderr.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated.group(1)), float(peak.group(1))
