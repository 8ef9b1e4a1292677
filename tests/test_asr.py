"""The offline recognizer on real speech: espeak-ng says a known sentence, Whisper hears it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from narrator.asr import WordErrors, transcribe, word_errors, words_for_scoring


def test_words_for_scoring_normalizes_what_was_heard() -> None:
    # Whisper writes digits and symbols; the script says words: the two must compare equal.
    assert words_for_scoring("It cost $4.5 billion.") == words_for_scoring(
        "It cost four point five billion dollars.", normalized=True
    )
    assert words_for_scoring("Well-known, isn't it?", normalized=True) == [
        "well",
        "known",
        "isn't",
        "it",
    ]


def test_a_typographic_apostrophe_is_the_same_word() -> None:
    assert words_for_scoring("What’s Maduro’s plan?", normalized=True) == [
        "what's",
        "maduro's",
        "plan",
    ]
    assert word_errors("What’s Maduro doing at home?", "what's maduro doing at home").wer == 0


def test_word_errors_counts_each_kind_of_edit() -> None:
    errors = word_errors("the cat sat on the mat", "the bat sat on mat today")
    assert (errors.substitutions, errors.deletions, errors.insertions) == (1, 1, 1)
    assert errors.reference_words == 6 and errors.wer == pytest.approx(0.5)
    assert word_errors("", "").wer == 0.0 and word_errors("", "hello").wer == 1.0
    total = errors + WordErrors(4, 0, 0, 0)
    assert total.reference_words == 10 and total.wer == pytest.approx(0.3)


@pytest.mark.slow
def test_transcribes_real_speech_with_word_times(tmp_path: Path) -> None:
    """narrator's default voice says a known sentence into an MP3; the recognizer hears it
    back from the file. (espeak's robotic voice sits at the edge of what tiny.en hears:
    a one-bit difference in decoding turned "brown fox jumps" into "roundfoc stump".)"""
    import sys

    sentence = "The quick brown fox jumps over the lazy dog near the river bank."
    article = tmp_path / "s.txt"
    article.write_text(sentence + "\n")
    mp3 = tmp_path / "s.mp3"
    subprocess.run(
        [Path(sys.executable).with_name("narrator"), "narrate", str(article), "-o", str(mp3), "-q"],
        check=True,
        timeout=300,
    )
    heard = transcribe(mp3)
    assert word_errors(sentence, heard.text, reference_normalized=False).wer <= 0.25
    starts = [w.start_ms for w in heard.words]
    assert starts == sorted(starts) and len(heard.words) >= 8
    assert all(w.end_ms >= w.start_ms for w in heard.words)


@pytest.mark.slow
def test_transcribes_int16_samples_at_the_voice_rate(tmp_path: Path) -> None:
    """Samples straight from a 22,050 Hz voice are scaled and resampled before listening."""
    import wave

    import numpy as np

    wav = tmp_path / "s.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "Seven green bottles on the wall."], check=True)
    with wave.open(str(wav)) as f:
        rate = f.getframerate()
        pcm = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
    assert rate != 16_000
    heard = transcribe(pcm, rate)
    assert word_errors("seven green bottles on the wall", heard.text).wer <= 0.2
