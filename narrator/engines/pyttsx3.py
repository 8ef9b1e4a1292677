"""The system's voices through pyttsx3: espeak-ng on Linux, SAPI5 on Windows, NSSS on macOS.

pyttsx3 2.99 on Linux returns from ``runAndWait()`` before espeak has finished writing
the file (upstream issues #219 and #149), writes only the last of several queued
``save_to_file`` calls, and prints "Audio saved to ..." on standard output. So this engine
queues one utterance per run, waits for the ``finished-utterance`` callback and for the
file to be complete, and keeps pyttsx3's printing off our standard output (which may be
carrying MP3 bytes).
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import sys
import tempfile
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

from ..errors import SynthesisError, VoiceError
from ..models import Clip, ClipWord, VoiceProfile
from .base import Engine, EngineVoice
from .espeak_text import FRONT_END_VERSION, respell
from .timings import active_spans, place_words, spans_from_weights, spoken_words

__all__ = ["Pyttsx3Engine"]

# espeak-ng's own default speed in words per minute; profile.rate scales it.
_BASE_WPM = 175


def _wav_complete(path: Path) -> bool:
    """True when the RIFF header's sizes match the bytes on disk."""
    try:
        with path.open("rb") as fh:
            header = fh.read(12)
        size = path.stat().st_size
    except OSError:
        return False
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        # Not a WAV (NSSS writes AIFF): fall back to "exists and is not empty".
        return size > 0 and header[:4] != b"RIFF"
    (riff_size,) = struct.unpack("<I", header[4:8])
    return riff_size + 8 == size and size > 44


def _estimated_words(text: str, pcm: bytes, rate: int) -> tuple[ClipWord, ...]:
    """Word times estimated from the audio: pyttsx3 reports no word events into a file
    (its ``started-word`` callback fires only when speaking aloud), so each word gets a
    share of the clip's sounding regions (pauses left out) by its letter count."""
    import numpy as np

    words = spoken_words(text)
    audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    spans = spans_from_weights([float(len(w)) for w in words], active_spans(audio, rate))
    return tuple(place_words(words, spans))


# The largest temporary WAV one chunk can make: 600 characters at a slow rate is under a
# minute, about 2.6 MB at 22.05 kHz; 8 MB leaves room.
_MIN_FILE_SIZE_LIMIT = 8 * 1024 * 1024


def _check_file_size_limit() -> None:
    """Refuse to start under a tiny ``ulimit -f``: pyttsx3's espeak driver writes each
    utterance to a WAV file from a callback, and when that write fails the driver's loop
    never ends, so the run would hang instead of failing."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft != resource.RLIM_INFINITY and soft < _MIN_FILE_SIZE_LIMIT:
        raise SynthesisError(
            f"The file-size limit (ulimit -f) is {soft // 1024} KB, too small for the system "
            f"voice's audio files; raise it to at least {_MIN_FILE_SIZE_LIMIT // 1024**2} MB."
        )


# pyttsx3.init() hands every caller in the process the same driver, and the espeak
# driver is not thread-safe: a voice list read while another thread runs an utterance
# comes back wrong, and two runs at once can hang. Every use of the driver holds this.
_DRIVER_LOCK = threading.RLock()


class Pyttsx3Engine(Engine):
    """A system voice. Rate is espeak's words-per-minute, so pitch stays natural."""

    name: ClassVar[str] = "pyttsx3"
    max_chunk_chars: ClassVar[int] = 600
    native_rate: ClassVar[bool] = True
    # Measured by benchmarks/rate_curve.py (speech only): see engines/stretch.py.
    rate_curve: ClassVar[tuple[tuple[float, float], ...]] = (
        (0.5, 0.517),
        (0.75, 0.763),
        (1.25, 1.224),
        (1.5, 1.398),
        (2.0, 1.801),
        (3.0, 2.737),
    )
    install_hint: ClassVar[str] = "pip install pyttsx3, and on Linux: apt-get install espeak-ng"

    def __init__(self, profile: VoiceProfile) -> None:
        super().__init__(profile)
        _check_file_size_limit()
        self._finished = threading.Event()
        with _DRIVER_LOCK:
            self._engine = self._init_driver()
            if profile.model:
                ids = {v.id for v in self._engine.getProperty("voices")}
                if profile.model not in ids:
                    raise VoiceError(
                        f"The system voice {profile.model!r} does not exist here. "
                        f"Run 'narrator voices' to list the pyttsx3 voices."
                    )
                self._engine.setProperty("voice", profile.model)
            self._engine.setProperty("rate", round(_BASE_WPM * profile.rate))
            self._engine.connect("finished-utterance", self._on_finished)
        self._tmp = tempfile.TemporaryDirectory(prefix="narrator-pyttsx3-")
        self._count = 0
        self._rate: int | None = None

    @classmethod
    def _init_driver(cls) -> Any:
        try:
            import pyttsx3
        except ImportError as exc:
            raise VoiceError(f"The pyttsx3 engine needs: {cls.install_hint}.") from exc
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                return pyttsx3.init()
        except Exception as exc:  # driver errors (no espeak library, no SAPI) vary by OS
            raise VoiceError(
                f"The system speech engine could not start ({exc}). "
                f"On Linux install espeak-ng: apt-get install espeak-ng."
            ) from exc

    def _on_finished(self, name: object, completed: bool) -> None:
        self._finished.set()

    def _render_file(self, text: str) -> Path:
        """One utterance to a complete WAV file.

        The espeak driver sometimes finishes an utterance without writing it (the upstream
        race): then the callback or the complete file never comes. Waiting is bounded and
        the utterance is queued again, up to three times.
        """
        with _DRIVER_LOCK:
            return self._render_file_locked(text)

    def _render_file_locked(self, text: str) -> Path:
        for _ in range(3):
            self._count += 1
            path = Path(self._tmp.name) / f"u{self._count}.wav"
            self._finished.clear()
            deadline = time.monotonic() + 5.0 + len(text) / 50.0
            with contextlib.redirect_stdout(io.StringIO()):
                # pyttsx3.init() hands every caller the same driver, so another engine
                # object may have changed its voice or rate since: set ours each time.
                if self.profile.model:
                    self._engine.setProperty("voice", self.profile.model)
                self._engine.setProperty("rate", round(_BASE_WPM * self.profile.rate))
                self._engine.save_to_file(text, str(path), name=f"u{self._count}")
                self._engine.runAndWait()
                while time.monotonic() < deadline:
                    if self._finished.is_set() and _wav_complete(path):
                        return path
                    time.sleep(0.005)
        raise SynthesisError(
            f"The system voice wrote no audio for {text[:60]!r}. "
            f"Check that espeak-ng works: espeak-ng 'hello'."
        )

    @property
    def sample_rate(self) -> int:
        if self._rate is None:
            self._rate = self.synthesize("Ready.").sample_rate
        return self._rate

    def synthesize(self, text: str) -> Clip:
        from pydub import AudioSegment

        # espeak-ng is pyttsx3's driver on Linux only (SAPI5 and NSSS read "A" fine).
        path = self._render_file(respell(text) if sys.platform.startswith("linux") else text)
        try:
            segment = AudioSegment.from_file(path)
        except Exception as exc:  # pydub raises CouldntDecodeError or OSError
            raise SynthesisError(f"The system voice's audio could not be read: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                os.remove(path)
        segment = segment.set_channels(1).set_sample_width(2)
        self._rate = segment.frame_rate
        clip = Clip(
            pcm=segment.raw_data,
            sample_rate=segment.frame_rate,
            words=_estimated_words(text, segment.raw_data, segment.frame_rate),
            estimated=True,
        )
        return self.at_rate(clip)

    @classmethod
    def identity(cls, profile: VoiceProfile) -> str:
        try:
            lib = version("pyttsx3")
        except PackageNotFoundError:
            lib = "unknown"
        # The system voice can change under us with an OS update; its id and pyttsx3's
        # version are the best identity there is.
        return (
            f"pyttsx3-{lib}|{profile.model}|rate={profile.rate}|front-end={FRONT_END_VERSION}"
            f"|words=1|rate-curve=2"
        )

    @classmethod
    def available_voices(cls) -> list[EngineVoice]:
        with _DRIVER_LOCK:
            try:
                engine = cls._init_driver()
            except VoiceError:
                return []
            found = list(engine.getProperty("voices"))
        voices = []
        for v in found:
            voices.append(EngineVoice("pyttsx3", str(v.id), str(v.name)))
        return sorted(voices, key=lambda v: v.id)

    def close(self) -> None:
        self._tmp.cleanup()
