"""Give a bare MP3 stream an Info (CBR) / Xing (VBR) header with a LAME gapless tag.

lameenc, our in-process encoder, writes MPEG frames only. Without a header in the first
frame, players estimate the duration from the bitrate and the file size, seek by guessing,
and decode the encoder's delay and end padding as extra silence. The header fixed here
counts the frames and bytes, maps 100 points of play time to byte offsets (the TOC) and,
in its LAME extension, records the delay and padding so ffmpeg, mutagen and gapless
players trim exactly the samples that were encoded.

Layout (offsets from the start of the header frame; see the Xing and LAME tag specs)::

    0      4-byte MPEG header (copied from the first frame, no CRC)
    4      side information, all zero: 17/32 bytes (MPEG-1 mono/stereo), 9/17 (MPEG-2/2.5)
    +0     "Info" or "Xing", flags (frames | bytes | TOC)
    +8     frame count (audio frames, not this one), byte count (this frame included)
    +16    TOC: 100 bytes, entry i = where i% of the play time starts, in 1/256 of the audio
    +116   LAME extension, 36 bytes: "LAME3.100", revision/method, ..., delay/padding
           (12 + 12 bits), ..., music length, music CRC, tag CRC (CRC-16/ARC)
"""

from __future__ import annotations

import os
import shutil
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from .errors import AudioError

__all__ = [
    "LAMEENC_ENCODER_DELAY",
    "FrameInfo",
    "add_info_header",
    "gapless_padding",
    "parse_frame_header",
    "scan_frames",
]

LAMEENC_ENCODER_DELAY = 576
"""Samples LAME (and so lameenc) puts before the audio; ffmpeg adds the decoder's 529."""

_LAME_VERSION = b"LAME3.100"
"""lameenc bundles LAME 3.100; the tag names the encoder that made the frames."""

_BITRATES_KBPS = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {
    1: (44100, 48000, 32000),
    2: (22050, 24000, 16000),
    25: (11025, 12000, 8000),
}
_VERSION_BITS = {0b11: 1, 0b10: 2, 0b00: 25}  # 0b01 is reserved
_FLAG_FRAMES, _FLAG_BYTES, _FLAG_TOC = 0x1, 0x2, 0x4
_XING_BODY = 4 + 4 + 4 + 4 + 100
_LAME_SIZE = 36
_NO_TAG_LIMIT = 4095  # delay and padding are 12-bit fields


@dataclass(frozen=True)
class FrameInfo:
    """What an MPEG audio Layer III frame header says."""

    version: int
    """MPEG version: 1, 2, or 25 for MPEG-2.5."""

    bitrate_kbps: int
    """Bitrate of this frame."""

    sample_rate: int
    """Samples per second."""

    padded: bool
    """Whether the frame carries one padding byte."""

    mono: bool
    """Single channel (channel mode 3)."""

    @property
    def samples(self) -> int:
        """Samples per channel in one frame."""
        return 1152 if self.version == 1 else 576

    @property
    def length(self) -> int:
        """Bytes in the frame, header included."""
        coefficient = 144 if self.version == 1 else 72
        return coefficient * self.bitrate_kbps * 1000 // self.sample_rate + int(self.padded)

    @property
    def side_info(self) -> int:
        """Bytes of side information after the header (the Xing tag follows them)."""
        if self.version == 1:
            return 17 if self.mono else 32
        return 9 if self.mono else 17


def parse_frame_header(header: bytes) -> FrameInfo | None:
    """The Layer III frame a 4-byte header describes, or ``None`` if it is not one."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = _VERSION_BITS.get((header[1] >> 3) & 0b11)
    layer = (header[1] >> 1) & 0b11
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 0b11
    if version is None or layer != 0b01 or bitrate_index in (0, 15) or rate_index == 3:
        return None  # reserved values, free format, or not Layer III
    return FrameInfo(
        version=version,
        bitrate_kbps=_BITRATES_KBPS[1 if version == 1 else 2][bitrate_index],
        sample_rate=_SAMPLE_RATES[version][rate_index],
        padded=bool(header[2] & 0b10),
        mono=(header[3] >> 6) == 0b11,
    )


def _id3v2_size(data: bytes) -> int:
    if len(data) >= 10 and data[:3] == b"ID3":
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        footer = 10 if data[5] & 0x10 else 0
        return 10 + size + footer
    return 0


def scan_frames(mp3: bytes) -> tuple[int, list[int], FrameInfo]:
    """Walk the MPEG frames of ``mp3``.

    Returns the offset of the first frame (after any ID3v2 tag), the offset of every
    frame, and the first frame's header. Stops at the first byte that is not a frame
    (an ID3v1 or APE tag at the end, or garbage).
    """
    start = _id3v2_size(mp3)
    first = parse_frame_header(mp3[start : start + 4])
    if first is None:
        raise AudioError(
            "This is not an MPEG Layer III stream: no MP3 frame at its start. Encode the "
            "audio as MP3 before adding an Info header."
        )
    offsets: list[int] = []
    offset = start
    while offset + 4 <= len(mp3):
        frame = parse_frame_header(mp3[offset : offset + 4])
        if frame is None or frame.sample_rate != first.sample_rate:
            break
        if offset + frame.length > len(mp3):
            break  # a truncated last frame is not counted
        offsets.append(offset)
        offset += frame.length
    return start, offsets, first


def _frame_at(mp3: bytes, offset: int) -> FrameInfo:
    frame = parse_frame_header(mp3[offset : offset + 4])
    if frame is None:
        raise AudioError(f"No MP3 frame at byte {offset}.")
    return frame


def _is_info_frame(mp3: bytes, offset: int, frame: FrameInfo) -> bool:
    tag = offset + 4 + frame.side_info
    return mp3[tag : tag + 4] in (b"Xing", b"Info")


def gapless_padding(mp3: bytes, samples: int, encoder_delay: int = LAMEENC_ENCODER_DELAY) -> int:
    """The end padding of an encoded stream of ``samples`` PCM samples (per channel).

    The frames hold ``encoder_delay`` samples of lead-in, the audio, then padding up to the
    end of the last frame.
    """
    _, offsets, first = scan_frames(mp3)
    frames = len(offsets)
    if offsets and _is_info_frame(mp3, offsets[0], first):
        frames -= 1
    padding = frames * first.samples - encoder_delay - samples
    if padding < 0:
        raise AudioError(
            f"The stream holds {frames * first.samples} samples, fewer than {samples} "
            f"plus an encoder delay of {encoder_delay}: the sample count does not match it."
        )
    return padding


def _crc16_bitwise(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC (polynomial 0x8005, reflected), as LAME and ffmpeg compute it: the
    definition, one bit at a time (for short data and as the reference in tests)."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


_CRC_BLOCK = 1024


@cache
def _crc_tables() -> tuple[Any, list[int], list[int]]:
    """The byte table, and the tables that move a register across one block of zeros."""
    import numpy as np

    table = [_crc16_bitwise(bytes([b])) for b in range(256)]

    def across_zeros(register: int) -> int:
        for _ in range(_CRC_BLOCK):
            register = table[register & 0xFF] ^ (register >> 8)
        return register

    low = [across_zeros(b) for b in range(256)]
    high = [across_zeros(b << 8) for b in range(256)]
    return np.array(table, dtype=np.uint16), low, high


def _crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC of ``data`` continuing from ``crc``, fast enough for a whole file.

    The CRC is linear over GF(2): the register after ``A + B`` is the register after ``A``
    carried across ``len(B)`` zero bytes, XOR the CRC of ``B`` alone. So every 1 KiB block
    is run at once as a numpy vector (1,024 steps for any length), and the blocks are folded
    together with two 256-entry tables. The bitwise loop took 0.7 s for 1.3 MB.
    """
    blocks = len(data) // _CRC_BLOCK
    if blocks < 64:
        return _crc16_bitwise(data, crc)
    import numpy as np

    table, low, high = _crc_tables()
    body = np.frombuffer(data, dtype=np.uint8, count=blocks * _CRC_BLOCK)
    columns = np.ascontiguousarray(body.reshape(blocks, _CRC_BLOCK).T)
    registers = np.zeros(blocks, dtype=np.uint16)
    for column in columns:
        registers = table[(registers ^ column) & 0xFF] ^ (registers >> 8)
    for block_crc in registers.tolist():
        crc = low[crc & 0xFF] ^ high[crc >> 8] ^ block_crc
    return _crc16_bitwise(data[blocks * _CRC_BLOCK :], crc)


def _info_frame_header(first: bytes, info: FrameInfo, needed: int) -> tuple[bytes, int]:
    """A header like ``first`` but unpadded, CRC-less and, if need be, a bitrate whose
    frame is big enough for the tag (a very low bitrate frame cannot hold it)."""
    table = _BITRATES_KBPS[1 if info.version == 1 else 2]
    coefficient = 144 if info.version == 1 else 72
    index = first[2] >> 4
    while coefficient * table[index] * 1000 // info.sample_rate < needed:
        index += 1
        if index == 15:
            raise AudioError("No MP3 frame at this sample rate is big enough for an Info tag.")
    header = bytes(
        [first[0], first[1] | 0x01, (index << 4) | (first[2] & 0x0D), first[3]]
    )  # protection bit set = no CRC; padding bit cleared
    return header, coefficient * table[index] * 1000 // info.sample_rate


def _info_frame(
    first_header: bytes,
    first: FrameInfo,
    offsets: list[int],
    audio_bytes: int,
    music_crc: int,
    *,
    constant: bool,
    encoder_delay: int | None,
    padding: int | None,
) -> bytes:
    """The Info/Xing frame for audio frames at ``offsets`` (relative to the first audio
    frame) holding ``audio_bytes`` bytes whose CRC-16 is ``music_crc``."""
    with_lame = encoder_delay is not None or padding is not None
    delay, pad = encoder_delay or 0, padding or 0
    if not (0 <= delay <= _NO_TAG_LIMIT and 0 <= pad <= _NO_TAG_LIMIT):
        raise AudioError(
            f"Encoder delay {delay} and padding {pad} must each be 0 to {_NO_TAG_LIMIT} samples."
        )
    tag_at = 4 + first.side_info
    needed = tag_at + _XING_BODY + (_LAME_SIZE if with_lame else 0)
    header, length = _info_frame_header(first_header, first, needed)

    frames = len(offsets)
    total = length + audio_bytes
    toc = bytearray(100)
    for i in range(100):
        # Where the frame at i% of the play time starts, in 1/256 of the audio bytes (as
        # LAME counts it: from the first audio frame, so entry 0 is 0).
        frame = min(frames - 1, (i * frames) // 100)
        toc[i] = min(255, offsets[frame] * 256 // audio_bytes)

    body = bytearray(header) + bytes(first.side_info)
    body += b"Info" if constant else b"Xing"
    body += struct.pack(">III", _FLAG_FRAMES | _FLAG_BYTES | _FLAG_TOC, frames, total)
    body += toc
    if with_lame:
        body += _lame_extension(first, delay, pad, total, music_crc, constant=constant)
        body += struct.pack(">H", _crc16(bytes(body)))
    body += bytes(length - len(body))
    return bytes(body)


def add_info_header(
    mp3: bytes, *, encoder_delay: int | None = None, padding: int | None = None
) -> bytes:
    """``mp3`` with an Info (CBR) or Xing (VBR) header frame before its first audio frame.

    The header holds the frame and byte counts and a 100-entry TOC. When ``encoder_delay``
    or ``padding`` is given (the other then counts as 0), a LAME extension records both, so
    decoders trim them and report the exact duration: for lameenc output use
    :data:`LAMEENC_ENCODER_DELAY` and :func:`gapless_padding`. An existing Info/Xing frame
    is replaced; an ID3v2 tag at the front stays in front. (For a file, without holding it
    in memory: :func:`add_info_header_to_file`.)
    """
    start, offsets, first = scan_frames(mp3)
    end = offsets[-1] + _frame_at(mp3, offsets[-1]).length
    if _is_info_frame(mp3, offsets[0], first):
        offsets = offsets[1:]
    if not offsets:
        raise AudioError("The MP3 stream has no audio frames; nothing to describe.")
    audio_start, audio_end = offsets[0], end
    audio = mp3[audio_start:audio_end]
    body = _info_frame(
        mp3[audio_start : audio_start + 4],
        first,
        [o - audio_start for o in offsets],
        len(audio),
        _crc16(audio) if encoder_delay is not None or padding is not None else 0,
        constant=len({mp3[o + 2] >> 4 for o in offsets}) == 1,
        encoder_delay=encoder_delay,
        padding=padding,
    )
    return mp3[:start] + body + audio + mp3[audio_end:]


def add_info_header_to_file(path: Path, *, encoder_delay: int, samples: int) -> None:
    """Prepend the Info header (with a LAME gapless tag for ``samples`` PCM samples) to the
    MP3 file at ``path``, streaming: memory does not grow with the file, which for a long
    narration is tens of megabytes. The file is rewritten through a temporary beside it."""
    chunk = 1 << 20
    with path.open("rb") as fh:
        start = _id3v2_size(fh.read(10))
        offsets: list[int] = []
        rates: set[int] = set()
        first: FrameInfo | None = None
        first_header = b""
        offset = start
        while True:
            fh.seek(offset)
            head = fh.read(4)
            frame = parse_frame_header(head) if len(head) == 4 else None
            if frame is None or (first is not None and frame.sample_rate != first.sample_rate):
                break
            if first is None:
                first, first_header = frame, head
                fh.seek(offset + 4 + frame.side_info)
                if fh.read(4) in (b"Xing", b"Info"):
                    offset += frame.length  # an old header: replaced, not counted
                    first = None
                    continue
            offsets.append(offset)
            rates.add(head[2] >> 4)
            offset += frame.length
        if first is None or not offsets:
            raise AudioError(f"{path} has no MP3 audio frames; nothing to describe.")
        audio_start, audio_end = offsets[0], offset
        fh.seek(audio_start)
        crc, left = 0, audio_end - audio_start
        while left:
            data = fh.read(min(chunk, left))
            crc = _crc16(data, crc)
            left -= len(data)
        padding = len(offsets) * first.samples - encoder_delay - samples
        if padding < 0:
            raise AudioError(
                f"{path} holds {len(offsets) * first.samples} samples, fewer than {samples} "
                f"plus an encoder delay of {encoder_delay}."
            )
        body = _info_frame(
            first_header,
            first,
            [o - audio_start for o in offsets],
            audio_end - audio_start,
            crc,
            constant=len(rates) == 1,
            encoder_delay=encoder_delay,
            padding=padding,
        )
        tmp = path.with_name(f".{path.name}.info")
        try:
            with tmp.open("wb") as out:
                fh.seek(0)
                out.write(fh.read(start))
                out.write(body)
                fh.seek(audio_start)
                shutil.copyfileobj(_Limited(fh, audio_end - audio_start), out, chunk)
                fh.seek(audio_end)
                shutil.copyfileobj(fh, out, chunk)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


class _Limited:
    """A reader that stops after ``left`` bytes (for copying one range of a file)."""

    def __init__(self, fh: BinaryIO, left: int) -> None:
        self.fh, self.left = fh, left

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        data = self.fh.read(size)
        self.left -= len(data)
        return data


def _lame_extension(
    info: FrameInfo,
    delay: int,
    padding: int,
    total: int,
    music_crc: int,
    *,
    constant: bool,
) -> bytes:
    """The LAME tag, up to but not including its own CRC (which covers the whole frame)."""
    method = 1 if constant else 4  # 1 = CBR, 4 = VBR (mtrh); mutagen reads CBR/VBR from it
    bitrate = min(255, info.bitrate_kbps)
    source = 0 if info.sample_rate <= 32000 else 1 if info.sample_rate == 44100 else 2
    misc = (0 if info.mono else 1) << 2 | source << 6  # stereo mode: 0 mono, 1 stereo
    return (
        _LAME_VERSION
        + bytes([0x00 | method, 0])  # tag revision 0, VBR method; lowpass unknown
        + bytes(8)  # ReplayGain: peak and two gain fields unset
        + bytes([0, bitrate])  # encoding flags and ATH type; bitrate
        + (delay << 12 | padding).to_bytes(3, "big")
        + bytes([misc, 0])  # misc; MP3 gain
        + bytes(2)  # preset and surround
        + struct.pack(">IH", total, music_crc)
    )
