"""hibari: a 7.9 MB Kokoro-distilled English voice on the CPU through onnxruntime (hibari-tts).

The package ships one voice, ``heart``, inside its wheel; every other hibari voice is
downloaded from a model hub on first use. narrator never lets it download: a profile names
``heart`` (the bundled file) or a model file the user put in a voices folder (or a path).
hibari has its own grapheme-to-phoneme front end (no espeak), so the espeak respellings
do not apply; narrator's normalizer has already expanded numbers and abbreviations, which
keeps hibari's own text normalizer from re-splitting sentences after "Oct." or "Mr.".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from ..errors import SynthesisError, VoiceError
from ..models import Clip, VoiceProfile
from ..resources import voices_dirs
from .base import Engine, EngineVoice, model_identity
from .onnx_outputs import add_output, node_io
from .timings import phoneme_words, place_words, spoken_words

__all__ = ["FRONT_END_VERSION", "HibariEngine", "resolve_model", "speed_for_rate"]

FRONT_END_VERSION = 1
"""Bump when what this engine sends hibari changes, so old cached clips are not reused."""

_BUNDLED = "heart"
_INSTALL = "pip install 'hibari-tts==0.2.1' (or run ./scripts/install)"

# hibari's ``speed`` divides the predicted durations, but the pauses it predicts at
# punctuation and the frame rounding do not scale with it, so speech at speed 2 is only
# about 1.8x as fast. Measured on narrator's seed story (speech frames only, pauses
# excluded): speed s gives a speed-up of about s**_EXPONENT; the inverse makes --rate 2
# mean twice as fast. See tests/test_rate.py.
_EXPONENT = 1.0


def speed_for_rate(rate: float) -> float:
    """hibari's ``speed`` argument that makes speech ``rate`` times as fast."""
    return float(rate ** (1.0 / _EXPONENT))


def _assets() -> Path | None:
    """hibari's assets folder, found without importing hibari (whose import loads scipy):
    working out a cached narration's identity must stay cheap."""
    from importlib.util import find_spec

    try:
        spec = find_spec("hibari")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "assets"
    return folder if folder.is_dir() else None


@cache
def _package_voices() -> dict[str, Any]:
    """hibari's voice registry (assets/voices.json), or empty when hibari is missing."""
    import json

    assets = _assets()
    if assets is None:
        return {}
    try:
        data = json.loads((assets / "voices.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(data) if isinstance(data, dict) else {}


def resolve_model(model: str) -> Path:
    """The ONNX file for ``model``: a path, a file in a voices folder, or the bundled voice.

    Never downloads: hibari's other voices work only from a file the user put in place.
    """
    name = model or _BUNDLED
    candidate = Path(name).expanduser()
    if candidate.suffix == ".onnx" and candidate.is_file():
        return candidate
    known = _package_voices()
    file_names = [f"{name}.onnx"]
    if name in known:
        file_names.append(str(known[name]["file"]))
    for folder in voices_dirs():
        for file_name in file_names:
            path = folder / "hibari" / file_name
            if path.is_file():
                return path
    if name == _BUNDLED:
        # What hibari.voices.voice_path("heart", download_missing=False) returns: the
        # bundled file, never a download.
        assets = _assets()
        bundled = known.get(_BUNDLED, {})
        if assets is None or not bundled.get("bundled"):
            raise VoiceError(f"The hibari voice needs the hibari-tts package: {_INSTALL}.")
        path = assets / str(bundled["file"])
        if not path.is_file():
            raise VoiceError(f"The hibari package has no {path.name}; reinstall it: {_INSTALL}.")
        return path
    raise VoiceError(
        f"The hibari voice {name!r} is not on this machine, and narrator never downloads "
        f"voices. Put its ONNX file in a voices folder as hibari/{name}.onnx "
        f"(e.g. ~/.local/share/narrator/voices/hibari/), or use the bundled voice 'heart'."
    )


def _british(model: str) -> bool:
    voice = _package_voices().get(model)
    return bool(voice and voice.get("british"))


class HibariEngine(Engine):
    """A hibari voice. Rate is hibari's own duration scale (calibrated), so pitch stays
    natural; ``seed=0`` makes its noise component, and so every clip, reproducible."""

    name: ClassVar[str] = "hibari"
    max_chunk_chars: ClassVar[int] = 400
    native_rate: ClassVar[bool] = True
    # Measured by benchmarks/rate_curve.py (speech only): see engines/stretch.py.
    rate_curve: ClassVar[tuple[tuple[float, float], ...]] = (
        (0.5, 0.536),
        (0.75, 0.724),
        (1.25, 1.11),
        (1.5, 1.61),
        (2.0, 1.745),
        (3.0, 1.909),
    )
    install_hint: ClassVar[str] = _INSTALL
    thread_safe: ClassVar[bool] = True  # an onnxruntime session may run on any thread

    def __init__(self, profile: VoiceProfile) -> None:
        super().__init__(profile)
        try:
            from hibari import Hibari
            from hibari.g2p import G2P
        except ImportError as exc:
            raise VoiceError(
                f"The hibari engine needs the hibari-tts package: {_INSTALL}."
            ) from exc
        self._model_path = resolve_model(profile.model)
        # One intra-op thread, always: hibari's output changes with onnxruntime's thread
        # count (measured: 1 and 2 threads gave different MP3s; Piper's does not), so a clip
        # rendered by a -j worker differed from one rendered here, and resumes and feed
        # rebuilds were not byte-identical. The 7.9 MB model is fast enough on one core.
        threads = 1
        try:
            # voice= only picks hibari's registry entry; the model file is ours, so hibari
            # never looks at its download cache. The G2P variant follows the voice's accent.
            self._tts: Any = Hibari(
                voice=_BUNDLED,
                model=str(self._model_path),
                threads=threads,
                g2p=G2P(british=_british(profile.model)),
            )
            self._session = _session_with_durations(self._model_path, threads)
        except VoiceError:
            raise
        except Exception as exc:  # onnxruntime raises its own types; translate them all here
            raise VoiceError(
                f"The hibari voice {self._model_path} could not be loaded: {exc}"
            ) from exc
        self._speed = speed_for_rate(profile.rate)

    @property
    def sample_rate(self) -> int:
        return int(self._tts.sample_rate)

    def synthesize(self, text: str) -> Clip:
        import numpy as np

        pieces: list[Any] = []
        spans: list[tuple[int, int]] = []
        groups: list[str] = []
        offset = 0
        try:
            for phonemes in self._tts.phonemize(text):
                ids = self._tts.ids(phonemes)
                if len(ids) < 3:
                    continue
                audio, samples = self._render(ids)
                pieces.append(audio)
                call_spans, call_groups = self._spans(phonemes, samples)
                spans += [(a + offset, b + offset) for a, b in call_spans]
                groups += call_groups
                offset += len(audio)
        except Exception as exc:  # onnxruntime and hibari's G2P raise their own types
            raise SynthesisError(f"hibari failed to read {text[:60]!r}: {exc}") from exc
        if not pieces:
            return Clip(pcm=b"", sample_rate=self.sample_rate)
        audio = np.concatenate(pieces)
        pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        words = tuple(place_words(spoken_words(text), spans, groups))
        return self.at_rate(Clip(pcm=pcm, sample_rate=self.sample_rate, words=words))

    def _render(self, ids: list[int]) -> tuple[Any, Any]:
        """Phoneme ids -> (float32 audio, samples per id). The noise generator is seeded
        per call, so a clip never depends on what was rendered before it."""
        import numpy as np
        from hibari import dsp

        out = self._session.run(
            None,
            {
                "ids": np.asarray([ids], np.int64),
                "speed": np.asarray([self._speed], np.float32),
            },
        )
        lh, th, ln, lr, phi, f0 = (o[0] for o in out[:6])
        audio = dsp.synth(lh, th, ln, lr, phi, f0, np.random.default_rng(0))
        durations = np.asarray(out[6], dtype=np.float64).reshape(-1)
        # The durations count the model's coarse frames; the audio's length says how many
        # samples each one became (an exact multiple, 600 at 24 kHz).
        per_unit = len(audio) / max(1.0, float(durations.sum()))
        return audio, durations * per_unit

    def _spans(self, phonemes: str, samples: Any) -> tuple[list[tuple[int, int]], list[str]]:
        """Word spans for one model call from the model's own per-phoneme durations.

        ``samples[k]`` is how long id ``k`` lasts; ids are the call's phoneme characters
        (those in the vocabulary) between two pads, and a space separates two words. A
        word runs from its first to its last phoneme; punctuation's time is the pause
        after it, not part of the word.
        """
        vocab = self._tts.vocab
        chars = [c for c in phonemes if c in vocab]
        ends = [0.0, *list(_cumsum(samples))]
        # id 0 is the leading pad: character k - 1 is id k, from ends[k] to ends[k + 1].
        return phoneme_words(
            chars, ends[1 : len(chars) + 1], ends[2 : len(chars) + 2], _PUNCTUATION
        )

    @classmethod
    def identity(cls, profile: VoiceProfile) -> str:
        return model_identity(
            "hibari",
            "hibari-tts",
            resolve_model(profile.model),
            profile.rate,
            FRONT_END_VERSION,
            "seed=0|threads=1|words=1|rate-curve=2",
        )

    @classmethod
    def available_voices(cls) -> list[EngineVoice]:
        voices: dict[str, EngineVoice] = {}
        if _BUNDLED in _package_voices():
            voices[_BUNDLED] = EngineVoice(
                "hibari", _BUNDLED, "US English, female, in the hibari-tts package"
            )
        for folder in reversed(voices_dirs()):
            for onnx in sorted((folder / "hibari").glob("*.onnx")):
                voices[onnx.stem] = EngineVoice("hibari", onnx.stem, f"model in {folder}")
        return [voices[k] for k in sorted(voices)]


_PUNCTUATION = frozenset(';:,.!?—…"“”()')


def _cumsum(values: Any) -> Any:
    import numpy as np

    return np.cumsum(values)


def _session_with_durations(model: Path, threads: int) -> Any:
    """An onnxruntime session for ``model`` that also outputs the per-phoneme durations.

    Like piper's ``patch_voice_with_alignment`` (which marks its ``w_ceil`` as an output),
    the tensor is found by its role, not its name: the duration predictor's rounded,
    clipped frame counts are the one input of the graph's ``CumSum`` (which expands
    phonemes to frames). The model is patched in memory; the file is never changed.
    """
    import onnxruntime

    data = model.read_bytes()
    cumsums = node_io(data, "CumSum")
    if len(cumsums) != 1:
        raise VoiceError(
            f"The hibari model {model} does not have the one duration expansion narrator "
            f"reads word timings from (found {len(cumsums)} CumSum nodes)."
        )
    patched = add_output(data, cumsums[0][0][0])
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(
        patched, sess_options=options, providers=["CPUExecutionProvider"]
    )
