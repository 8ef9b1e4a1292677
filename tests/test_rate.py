"""--rate means what it says: speech at rate 2 is twice as fast, measured from the audio
(pauses excluded), on real voices, at the same pitch. The text is not the paragraph the
engines' rate curves were measured on."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from narrator.engines.stretch import residual, stretch
from narrator.engines.timings import active_spans
from narrator.models import Clip
from narrator.synth import load_engine
from narrator.voices import get_profile

TEXT = (
    "Venezuela's defense minister said the country would answer any attack, while "
    "neighbouring governments asked both sides to lower the temperature before the talks."
)


def _samples(clip: Clip) -> np.ndarray:
    return np.frombuffer(clip.pcm, dtype="<i2").astype(np.float32) / 32768.0


def _speech_seconds(clip: Clip) -> float:
    return sum(b - a for a, b in active_spans(_samples(clip), clip.sample_rate)) / clip.sample_rate


def _median_pitch(clip: Clip) -> float:
    """Median F0 (Hz) of the voiced 40 ms frames, by autocorrelation (70-400 Hz)."""
    audio, rate = _samples(clip), clip.sample_rate
    size = int(0.04 * rate)
    level = np.sqrt(np.mean(audio**2))
    pitches = []
    for start in range(0, len(audio) - size, size):
        frame = audio[start : start + size] - audio[start : start + size].mean()
        if np.sqrt(np.mean(frame**2)) < level:
            continue
        corr = np.correlate(frame, frame, mode="full")[size - 1 :]
        lo, hi = rate // 400, rate // 70
        lag = lo + int(np.argmax(corr[lo:hi]))
        if corr[lag] > 0.5 * corr[0]:
            pitches.append(rate / lag)
    return float(np.median(pitches))


@pytest.mark.parametrize("voice", ["heart", "joe", "espeak"])
def test_rate_two_is_twice_as_fast_at_the_same_pitch(voice: str) -> None:
    profile = get_profile(voice)
    normal = load_engine(profile).synthesize(TEXT)
    fast = load_engine(dataclasses.replace(profile, rate=2.0)).synthesize(TEXT)
    ratio = _speech_seconds(normal) / _speech_seconds(fast)
    assert 1.9 <= ratio <= 2.1, ratio
    assert abs(_median_pitch(fast) / _median_pitch(normal) - 1) < 0.12
    # Word times shrink with the audio.
    assert fast.words[-1].end <= len(fast.pcm) // 2
    assert fast.words[-1].end < 0.6 * normal.words[-1].end


def test_stretch_keeps_a_tone_and_scales_its_length() -> None:
    rate = 22050
    t = np.arange(rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    fast = stretch(tone, 2.0, rate)
    assert abs(len(fast) - rate / 2) <= 1
    spectrum = np.abs(np.fft.rfft(fast[1000:-1000]))
    peak_hz = np.argmax(spectrum) * rate / (2 * (len(fast) - 2000) // 2 * 1)
    assert abs(peak_hz - 200) < 5


def test_residual_follows_the_measured_curve() -> None:
    curve = ((0.5, 0.6), (2.0, 1.6))
    assert residual(1.0, curve) == 1.0
    assert residual(2.0, curve) == pytest.approx(2.0 / 1.6)
    assert residual(0.5, curve) == pytest.approx(0.5 / 0.6)
    assert residual(1.5, curve) == pytest.approx(1.5 / 1.3)
