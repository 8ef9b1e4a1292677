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
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import OutputError
from .models import Clip, ClipWord

__all__ = ["DEFAULT_MAX_BYTES", "CacheInfo", "ClipCache", "default_cache_dir"]

DEFAULT_MAX_BYTES = 2 * 1024**3
"""Default size cap: about 13 hours of 22 kHz speech."""

_MAGIC = b"NRC1"
_HEADER = struct.Struct("<4sI")  # magic, sample rate
# A clip with word timings: magic, sample rate, then the length of a JSON list of
# [text, start, end] (and the estimated flag) that comes before the samples.
_MAGIC_WORDS = b"NRC2"
_HEADER_WORDS = struct.Struct("<4sII")


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


def _decode(data: bytes) -> Clip | None:
    """A clip from a cache entry's bytes, or None when the entry is damaged."""
    if len(data) < _HEADER.size:
        return None
    magic, rate = _HEADER.unpack_from(data)
    if magic == _MAGIC:
        pcm = data[_HEADER.size :]
        return Clip(pcm=pcm, sample_rate=rate) if len(pcm) % 2 == 0 else None
    if magic != _MAGIC_WORDS or len(data) < _HEADER_WORDS.size:
        return None
    _, rate, length = _HEADER_WORDS.unpack_from(data)
    start = _HEADER_WORDS.size + length
    pcm = data[start:]
    if len(data) < start or len(pcm) % 2:
        return None
    try:
        meta = json.loads(data[_HEADER_WORDS.size : start])
        words = tuple(ClipWord(str(t), int(a), int(b)) for t, a, b in meta["words"])
        estimated = bool(meta["estimated"])
    except (ValueError, KeyError, TypeError):
        return None
    return Clip(pcm=pcm, sample_rate=rate, words=words, estimated=estimated)


class ClipCache:
    """Clips on disk, one file per key, sharded by the key's first two hex digits."""

    def __init__(self, path: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = path or default_cache_dir()
        self.path = self.root / "clips"
        self.narrations = self.root / "narrations"
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(identity: str, text: str) -> str:
        """The key for ``text`` rendered by the engine/voice described by ``identity``."""
        return hashlib.sha256(f"{identity}\x00{text}".encode()).hexdigest()

    def _file(self, key: str) -> Path:
        return self.path / key[:2] / key

    def get(self, key: str) -> Clip | None:
        """The cached clip, or None when it is not cached (or the entry is damaged)."""
        file = self._file(key)
        try:
            data = file.read_bytes()
        except OSError:
            self.misses += 1
            return None
        if len(data) < _HEADER.size:
            self.misses += 1
            return None
        clip = _decode(data)
        if clip is None:
            self.misses += 1
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
                if clip.words:
                    words = json.dumps(
                        {
                            "estimated": clip.estimated,
                            "words": [[w.text, w.start, w.end] for w in clip.words],
                        }
                    ).encode()
                    fh.write(_HEADER_WORDS.pack(_MAGIC_WORDS, clip.sample_rate, len(words)))
                    fh.write(words)
                else:
                    fh.write(_HEADER.pack(_MAGIC, clip.sample_rate))
                fh.write(clip.pcm)
            os.replace(tmp, file)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)

    def get_text(self, kind: str, key: str) -> str | None:
        """A small text entry (a memoized script) of ``kind``, or None."""
        file = self.root / kind / key[:2] / f"{key}.json"
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        with contextlib.suppress(OSError):
            os.utime(file)
        return text

    def put_text(self, kind: str, key: str, text: str) -> None:
        """Keep a small text entry; a failure only costs recomputing it next time."""
        folder = self.root / kind / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, folder / f"{key}.json")
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)

    def get_narration(self, key: str, fmt: str) -> tuple[Path, dict[str, Any]] | None:
        """A memoized narration's audio file and metadata, or None."""
        audio = self.narrations / key[:2] / f"{key}.{fmt}"
        meta = audio.with_suffix(".json")
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not audio.is_file():
            return None
        for file in (audio, meta):
            with contextlib.suppress(OSError):
                os.utime(file)
        return audio, data

    def put_narration(self, key: str, fmt: str, audio: Path, meta: dict[str, Any]) -> None:
        """Keep a copy of a finished narration; the metadata is written last, so a copy
        killed half-way is never taken for a whole one."""
        folder = self.narrations / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for suffix, write in (
                (f".{fmt}", lambda tmp: shutil.copyfile(audio, tmp)),
                (".json", lambda tmp: Path(tmp).write_text(json.dumps(meta), encoding="utf-8")),
            ):
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
                os.close(fd)
                try:
                    write(tmp)
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
