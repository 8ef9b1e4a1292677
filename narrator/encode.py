"""Encode assembled audio (MP3 or WAV), tag it, and write it atomically."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import AudioError, OutputError

__all__ = [
    "FORMATS",
    "AudioWriter",
    "Tags",
    "atomic_write",
    "check_writable",
    "encode",
    "format_for_path",
    "write_tags",
]

FORMATS = ("mp3", "wav")
"""Output formats narrator writes."""

MP3_BITRATE_KBPS = 64
"""Constant bitrate for speech: transparent for a mono voice at 22-24 kHz."""


@dataclass(frozen=True)
class Tags:
    """Metadata written into the audio file."""

    title: str | None = None
    """Headline (ID3 TIT2)."""

    artist: str | None = None
    """Byline (TPE1)."""

    album: str | None = None
    """Site or publication (TALB)."""

    date: str | None = None
    """Publication date, ISO 8601 (TDRC)."""

    source: str | None = None
    """The source URL or file (COMM)."""

    comment: str | None = None
    """Anything else worth keeping, e.g. the voice used (TXXX:narrator)."""


def format_for_path(path: Path | None, requested: str | None = None) -> str:
    """The output format: the one asked for, else the file's extension, else MP3."""
    if requested:
        fmt = requested.lower()
    elif path is not None and path.suffix:
        fmt = path.suffix.lower().lstrip(".")
    else:
        fmt = "mp3"
    if fmt not in FORMATS:
        raise OutputError(
            f"Unsupported output format {fmt!r}. Use one of: {', '.join(FORMATS)} "
            f"(pick it with the file extension or --format)."
        )
    return fmt


def check_writable(path: Path) -> None:
    """Fail early, before any synthesis, when ``path`` cannot be written."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"{path} is a folder. Give a file name such as {path / 'article.mp3'}.")
    if not folder.is_dir():
        raise OutputError(
            f"Cannot write {path}: the folder {folder} does not exist. Create it first."
        )
    if not os.access(folder, os.W_OK):
        raise OutputError(f"Cannot write {path}: the folder {folder} is not writable.")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"Cannot write {path}: the file exists and is read-only.")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then move it into place.

    A failure at any point leaves no file at ``path`` (and the old file, if any, intact).
    """
    check_writable(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


class AudioWriter:
    """Encodes int16 blocks as they come and appends them to a file.

    ``on_audio``, when given, receives each piece of encoded audio as soon as it exists
    (for progressive playback); for MP3 those are plain MPEG frames, without the ID3 tag
    and Info header that :meth:`close` puts in front of the finished file.
    """

    def __init__(
        self,
        path: Path,
        fmt: str,
        sample_rate: int,
        on_audio: Callable[[bytes], None] | None = None,
    ) -> None:
        self.path = path
        self.fmt = fmt
        self.sample_rate = sample_rate
        self.on_audio = on_audio
        self.frames = 0
        self._wav: wave.Wave_write | None = None
        self._mp3: Any = None
        self._fh: io.BufferedWriter | None = None
        if fmt == "wav":
            self._wav = wave.open(str(path), "wb")  # noqa: SIM115 - open across write() calls
            self._wav.setnchannels(1)
            self._wav.setsampwidth(2)
            self._wav.setframerate(sample_rate)
        elif fmt == "mp3":
            # lameenc encodes in-process, about 30% faster than an ffmpeg subprocess.
            import lameenc

            self._mp3 = lameenc.Encoder()
            self._mp3.set_bit_rate(MP3_BITRATE_KBPS)
            self._mp3.set_in_sample_rate(sample_rate)
            self._mp3.set_channels(1)
            # LAME's default -q 5: at 64 kbit/s mono speech -q 2 sounds the same and takes
            # 2.7x as long (0.62 s against 0.23 s for 155 s of audio, measured here).
            self._mp3.set_quality(5)
            self._fh = path.open("wb")
        else:
            raise OutputError(
                f"Unsupported output format {fmt!r}. Use one of: {', '.join(FORMATS)}."
            )

    def _emit(self, data: bytes) -> None:
        if data and self._fh is not None:
            self._fh.write(data)
            if self.on_audio is not None:
                self.on_audio(data)

    def write(self, block: np.ndarray) -> None:
        """Append int16 mono samples."""
        pcm = block.astype("<i2").tobytes()
        self.frames += len(block)
        if self._wav is not None:
            self._wav.writeframes(pcm)
            if self.on_audio is not None:
                self.on_audio(pcm)
        else:
            try:
                self._emit(bytes(self._mp3.encode(pcm)))
            except Exception as exc:  # lameenc raises RuntimeError on bad parameters
                raise AudioError(f"MP3 encoding failed: {exc}") from exc

    def close(self) -> None:
        """Flush the encoder and finish the file (MP3: add the Info header for seeking)."""
        if self._wav is not None:
            self._wav.close()
            return
        assert self._fh is not None
        self._emit(bytes(self._mp3.flush()))
        self._fh.close()
        _add_info_header(self.path)

    def abort(self) -> None:
        """Close without finishing (the caller removes the file)."""
        with contextlib.suppress(Exception):
            if self._wav is not None:
                self._wav.close()
            if self._fh is not None:
                self._fh.close()


def _add_info_header(path: Path) -> None:
    """Prepend a Xing/Info frame so players show the exact duration and seek well."""
    try:
        from .mp3info import add_info_header
    except ImportError:  # the module arrives with the listening-quality work
        return
    path.write_bytes(add_info_header(path.read_bytes()))


def encode(samples: np.ndarray, sample_rate: int, fmt: str) -> bytes:
    """Encode int16 mono samples as ``fmt`` bytes in one go (small jobs and tests)."""
    with tempfile.TemporaryDirectory(prefix="narrator-") as folder:
        path = Path(folder) / f"out.{fmt}"
        writer = AudioWriter(path, fmt, sample_rate)
        writer.write(samples)
        writer.close()
        return path.read_bytes()


def write_tags(path: Path, fmt: str, tags: Tags) -> None:
    """Write ID3 tags into an MP3 or WAV file."""
    from mutagen.id3 import COMM, ID3, TALB, TCON, TDRC, TIT2, TPE1, TXXX
    from mutagen.wave import WAVE

    frames: list[Any] = []
    if tags.title:
        frames.append(TIT2(encoding=3, text=tags.title))
    if tags.artist:
        frames.append(TPE1(encoding=3, text=tags.artist))
    if tags.album:
        frames.append(TALB(encoding=3, text=tags.album))
    if tags.date:
        frames.append(TDRC(encoding=3, text=tags.date))
    if tags.source:
        frames.append(COMM(encoding=3, lang="eng", desc="source", text=tags.source))
    if tags.comment:
        frames.append(TXXX(encoding=3, desc="narrator", text=tags.comment))
    frames.append(TCON(encoding=3, text="Speech"))
    try:
        if fmt == "mp3":
            id3 = ID3()
            for frame in frames:
                id3.add(frame)
            id3.save(str(path), v2_version=4)
        else:
            wav: Any = WAVE(str(path))
            if wav.tags is None:
                wav.add_tags()
            for frame in frames:
                wav.tags.add(frame)
            wav.save()
    except Exception as exc:  # mutagen raises its own MutagenError family and OSError
        raise AudioError(f"Could not write tags into {path}: {exc}") from exc
