"""A content-addressed cache of rendered clips, and of finished narrations.

A clip's key is a hash of everything that changes its audio: the engine and its version,
the voice model's content hash, the rate and other settings (all in the engine's
identity string) and the exact normalized text (which already reflects the lexicon).
Entries are written to a temporary file and renamed, so a run killed half-way leaves only
whole entries and the next run resumes from them. Reads touch the file's modification
time, which is what least-recently-used eviction goes by.

Finished narrations are memoized too, keyed on everything that shapes the file (the
engine identity, pauses, mastering, format, every chunk's text and pause, the tags): an
unchanged article is then a file copy, while an edited one still reuses every unchanged
sentence's clip. Both live under one size cap.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import OutputError
from .models import Clip, ClipWord

__all__ = ["DEFAULT_MAX_BYTES", "CacheInfo", "ClipCache", "default_cache_dir"]

DEFAULT_MAX_BYTES = 2 * 1024**3
"""Default size cap: about 13 hours of 22 kHz speech."""

# Version 3: the PCM length, the length of the clip's word timings (a JSON object of
# "estimated" and [text, start, end] words, empty when the engine gave none) and a CRC-32
# of rate, words and samples, so a clip that was cut short, bit-flipped or overwritten is
# caught on read instead of silently shortening (or garbling) the narration, and a warm
# run keeps its word timings. Older entries simply miss and are rendered again.
_MAGIC = b"NRC3"
_HEADER = struct.Struct("<4sIQII")  # magic, sample rate, PCM bytes, words bytes, CRC-32
_RATES = range(4000, 192001)
_KIND_NAMES = {"scripts": "script"}


def _crc(rate: int, words: bytes, pcm: bytes) -> int:
    return zlib.crc32(pcm, zlib.crc32(words, zlib.crc32(struct.pack("<I", rate))))


def _words_json(clip: Clip) -> bytes:
    if not clip.words:
        return b""
    doc = {"estimated": clip.estimated, "words": [[w.text, w.start, w.end] for w in clip.words]}
    return json.dumps(doc).encode()


def _encode(clip: Clip) -> bytes:
    words = _words_json(clip)
    crc = _crc(clip.sample_rate, words, clip.pcm)
    return _HEADER.pack(_MAGIC, clip.sample_rate, len(clip.pcm), len(words), crc) + words


def _parse_clip(data: bytes) -> Clip | None:
    """The clip in a cache file, or None when the file is not a whole, intact entry."""
    if len(data) < _HEADER.size:
        return None
    magic, rate, size, words_size, crc = _HEADER.unpack_from(data)
    start = _HEADER.size + words_size
    words, pcm = data[_HEADER.size : start], data[start:]
    if magic != _MAGIC or size != len(pcm) or size % 2 or rate not in _RATES:
        return None
    if len(words) != words_size or _crc(rate, words, pcm) != crc:
        return None
    if not words:
        return Clip(pcm=pcm, sample_rate=rate)
    try:
        meta = json.loads(words)
        timed = tuple(ClipWord(str(t), int(a), int(b)) for t, a, b in meta["words"])
        estimated = bool(meta["estimated"])
    except (ValueError, KeyError, TypeError):
        return None
    return Clip(pcm=pcm, sample_rate=rate, words=timed, estimated=estimated)


def _audio_matches(audio: Path, meta: dict[str, Any]) -> bool:
    try:
        payload = audio.read_bytes()
    except OSError:
        return False
    return len(payload) == meta.get("bytes") and (
        hashlib.sha256(payload).hexdigest() == meta.get("sha256")
    )


def default_cache_dir() -> Path:
    """``$NARRATOR_CACHE``, else ``$XDG_CACHE_HOME/narrator``, else ``~/.cache/narrator``."""
    explicit = os.environ.get("NARRATOR_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "narrator"


@dataclass(frozen=True)
class CacheInfo:
    """What the cache holds."""

    path: Path
    """The cache folder."""

    entries: int
    """Number of clips."""

    bytes: int
    """Total size on disk."""

    max_bytes: int
    """The size cap."""


class ClipCache:
    """Clips on disk, one file per key, sharded by the key's first two hex digits."""

    def __init__(self, path: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = path or default_cache_dir()
        self.path = self.root / "clips"
        self.narrations = self.root / "narrations"
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._warned: set[str] = set()

    @staticmethod
    def key(identity: str, text: str) -> str:
        """The key for ``text`` rendered by the engine/voice described by ``identity``."""
        return hashlib.sha256(f"{identity}\x00{text}".encode()).hexdigest()

    def _file(self, key: str) -> Path:
        return self.path / key[:2] / key

    def _discard(self, what: str, *files: Path) -> None:
        """Remove a damaged entry and say so once per kind: it is rendered again."""
        for file in files:
            with contextlib.suppress(OSError):
                file.unlink()
        if what not in self._warned:
            self._warned.add(what)
            print(
                f"Warning: a damaged {what} in the cache at {self.root} was discarded and "
                f"will be made again.",
                file=sys.stderr,
            )

    def get(self, key: str) -> Clip | None:
        """The cached clip, or None when it is not cached (or the entry is damaged: then it
        is removed, with a warning, and the clip is rendered again)."""
        file = self._file(key)
        try:
            data = file.read_bytes()
        except OSError:
            self.misses += 1
            return None
        clip = _parse_clip(data)
        if clip is None:
            self.misses += 1
            self._discard("clip", file)
            return None
        with contextlib.suppress(OSError):
            os.utime(file)
        self.hits += 1
        return clip

    def put(self, key: str, clip: Clip) -> None:
        """Store ``clip``; a failure to write only costs a re-render next time."""
        file = self._file(key)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(_encode(clip))
                fh.write(clip.pcm)
            os.replace(tmp, file)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)

    def get_text(self, kind: str, key: str) -> str | None:
        """A small text entry (a memoized script) of ``kind``, or None (also when it is
        damaged: its checksum line no longer matches, so it is discarded)."""
        file = self.root / kind / key[:2] / f"{key}.json"
        try:
            raw = file.read_bytes()
        except OSError:
            return None
        digest, _, body = raw.partition(b"\n")
        if digest.decode("ascii", "replace") != hashlib.sha256(body).hexdigest():
            self._discard(_KIND_NAMES.get(kind, kind), file)
            return None
        with contextlib.suppress(OSError):
            os.utime(file)
        return body.decode("utf-8")

    def discard_text(self, kind: str, key: str) -> None:
        """Remove a text entry its reader found unusable (with the one-line warning)."""
        self._discard(_KIND_NAMES.get(kind, kind), self.root / kind / key[:2] / f"{key}.json")

    def put_text(self, kind: str, key: str, text: str) -> None:
        """Keep a small text entry; a failure only costs recomputing it next time."""
        folder = self.root / kind / key[:2]
        body = text.encode("utf-8")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body)
            os.replace(tmp, folder / f"{key}.json")
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)

    def get_narration(self, key: str, fmt: str) -> tuple[Path, dict[str, Any]] | None:
        """A memoized narration's audio file and metadata, or None. The audio's size and
        SHA-256 are checked against the metadata: a damaged memo is discarded (with a
        warning) and the narration is made again, never copied out."""
        audio = self.narrations / key[:2] / f"{key}.{fmt}"
        meta = audio.with_suffix(".json")
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self._discard("narration", audio, meta)
            return None
        if not isinstance(data, dict) or not _audio_matches(audio, data):
            self._discard("narration", audio, meta)
            return None
        for file in (audio, meta):
            with contextlib.suppress(OSError):
                os.utime(file)
        return audio, data

    def put_narration(self, key: str, fmt: str, audio: Path, meta: dict[str, Any]) -> None:
        """Keep a copy of a finished narration; the metadata (with the audio's size and
        checksum) is written last, so a copy killed half-way is never taken for a whole one."""
        folder = self.narrations / key[:2]
        try:
            payload = audio.read_bytes()
            meta = {**meta, "bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
            folder.mkdir(parents=True, exist_ok=True)
            for suffix, data in ((f".{fmt}", payload), (".json", json.dumps(meta).encode())):
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
                os.close(fd)
                try:
                    Path(tmp).write_bytes(data)
                    os.replace(tmp, folder / f"{key}{suffix}")
                finally:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
        except OSError:
            return  # a memo that cannot be written only costs a rebuild next time

    def _files(self) -> list[tuple[float, int, Path]]:
        found = []
        for top in (self.path, self.narrations, self.root / "scripts"):
            if not top.is_dir():
                continue
            for shard in top.iterdir():
                if not shard.is_dir():
                    continue
                for file in shard.iterdir():
                    with contextlib.suppress(OSError):
                        st = file.stat()
                        found.append((st.st_mtime, st.st_size, file))
        return found

    def info(self) -> CacheInfo:
        """Entries and bytes on disk."""
        files = self._files()
        return CacheInfo(self.root, len(files), sum(f[1] for f in files), self.max_bytes)

    def evict(self) -> int:
        """Remove least-recently-used entries until the cache fits its cap; return how many."""
        files = sorted(self._files())
        total = sum(f[1] for f in files)
        removed = 0
        for _, size, file in files:
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                file.unlink()
                total -= size
                removed += 1
        return removed

    def clear(self) -> int:
        """Remove every entry; return how many were removed."""
        removed = 0
        for _, _, file in self._files():
            try:
                file.unlink()
                removed += 1
            except OSError as exc:
                raise OutputError(f"Cannot clear the cache at {self.path}: {exc}.") from exc
        return removed
