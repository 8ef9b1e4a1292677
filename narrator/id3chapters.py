"""Chapter marks inside an MP3: ID3v2 CHAP frames plus one CTOC table of contents.

mutagen writes a tag's frames sorted by priority, then by *size*, then by key, so CHAP
frames land on disk in whatever order their titles' lengths give ("chp10" also sorts
before "chp2"). Players that read CHAP frames in file order and ignore CTOC then show the
chapters shuffled. So after mutagen saves the tag, the CHAP frames are put back in time
order in place: the same frames in the same slots, so the tag's size and every other frame
are untouched.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import AudioError
from .models import Chapter

__all__ = ["write_chapters"]

_TOC_ID = "toc"
_NO_OFFSET = 0xFFFFFFFF
"""CHAP byte offsets are 'unused' (times are authoritative), as ID3v2 chapter spec 4.1 allows."""


def _element_id(index: int) -> str:
    return f"chp{index}"


def write_chapters(path: Path, chapters: Sequence[Chapter]) -> None:
    """Add CHAP frames ``chp0``, ``chp1``, ... and a top-level, ordered CTOC to ``path``.

    Chapters are numbered in time order; each CHAP carries its start and end in
    milliseconds and a TIT2 sub-frame with the title. Chapter frames already in the tag are
    replaced; every other frame is kept. The tag is saved as ID3v2.4 with the CHAP frames
    stored in time order.
    """
    from mutagen.id3 import CHAP, CTOC, ID3, TIT2, CTOCFlags, ID3NoHeaderError

    ordered = sorted(chapters, key=lambda c: (c.start_ms, c.end_ms))
    for chapter in ordered:
        if chapter.start_ms < 0 or chapter.end_ms < chapter.start_ms:
            raise AudioError(
                f"Chapter {chapter.title!r} runs from {chapter.start_ms} ms to "
                f"{chapter.end_ms} ms; a chapter must not end before it starts."
            )
    try:
        try:
            tag: Any = ID3(str(path))
        except ID3NoHeaderError:
            tag = ID3()
        tag.delall("CHAP")
        tag.delall("CTOC")
        if ordered:
            ids = [_element_id(i) for i in range(len(ordered))]
            tag.add(
                CTOC(
                    element_id=_TOC_ID,
                    flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                    child_element_ids=ids,
                    sub_frames=[],
                )
            )
            for element_id, chapter in zip(ids, ordered, strict=True):
                tag.add(
                    CHAP(
                        element_id=element_id,
                        start_time=chapter.start_ms,
                        end_time=chapter.end_ms,
                        start_offset=_NO_OFFSET,
                        end_offset=_NO_OFFSET,
                        sub_frames=[TIT2(encoding=3, text=[chapter.title])],
                    )
                )
        tag.save(str(path), v2_version=4)
    except AudioError:
        raise
    except Exception as exc:  # mutagen's MutagenError family and OSError
        raise AudioError(f"Could not write chapters into {path}: {exc}") from exc
    _put_chapters_in_time_order(path)


def _syncsafe(data: bytes) -> int:
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def tag_frames(data: bytes) -> list[tuple[str, int, int]]:
    """The top-level frames of the ID3v2.3/2.4 tag at the start of ``data``.

    Returns ``(frame id, offset, length including the 10-byte frame header)`` in file
    order. Empty when there is no tag.
    """
    if len(data) < 10 or data[:3] != b"ID3":
        return []
    version, flags = data[3], data[5]
    if version not in (3, 4):
        raise AudioError(f"ID3v2.{version} tags are not supported; only 2.3 and 2.4.")
    if flags & 0x80 or flags & 0x40:
        # Whole-tag unsynchronisation or an extended header: mutagen writes neither.
        raise AudioError("This ID3 tag is unsynchronised or has an extended header.")
    end = 10 + _syncsafe(data[6:10])
    frames: list[tuple[str, int, int]] = []
    offset = 10
    while offset + 10 <= end and data[offset] != 0:  # zero bytes are padding
        frame_id = data[offset : offset + 4].decode("latin-1")
        raw = data[offset + 4 : offset + 8]
        size = _syncsafe(raw) if version == 4 else struct.unpack(">I", raw)[0]
        frames.append((frame_id, offset, 10 + size))
        offset += 10 + size
    return frames


def chap_start_ms(frame: bytes) -> int:
    """The start time of a raw CHAP frame (10-byte header included)."""
    body = frame[10:]
    after_id = body.index(b"\x00") + 1
    start: int = struct.unpack(">I", body[after_id : after_id + 4])[0]
    return start


def _put_chapters_in_time_order(path: Path) -> None:
    with path.open("r+b") as fh:
        header = fh.read(10)
        if len(header) < 10 or header[:3] != b"ID3":
            raise AudioError(f"{path} lost its ID3 tag while chapters were written.")
        data = header + fh.read(_syncsafe(header[6:10]))
        frames = tag_frames(data)
        slots = [(offset, length) for fid, offset, length in frames if fid == "CHAP"]
        chaps = [data[offset : offset + length] for offset, length in slots]
        ordered = sorted(chaps, key=chap_start_ms)
        if ordered == chaps:
            return
        start = slots[0][0]
        end = slots[-1][0] + slots[-1][1]
        middle = bytearray(data[start:end])
        chap_slots = [(o - start, n) for o, n in slots]
        rebuilt = bytearray()
        cursor = 0
        queue = iter(ordered)
        for rel, length in chap_slots:
            rebuilt += middle[cursor:rel]
            rebuilt += next(queue)
            cursor = rel + length
        rebuilt += middle[cursor:]
        # A permutation of the frames: the tag keeps its size, and the frames between
        # CHAP slots only move (nothing in a tag points at a frame's offset).
        assert len(rebuilt) == end - start
        fh.seek(start)
        fh.write(rebuilt)
