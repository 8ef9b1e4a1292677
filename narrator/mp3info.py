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

import struct
from dataclasses import dataclass

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


def _crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC (polynomial 0x8005, reflected), as LAME and ffmpeg compute it."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


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


def add_info_header(
    mp3: bytes, *, encoder_delay: int | None = None, padding: int | None = None
) -> bytes:
    """``mp3`` with an Info (CBR) or Xing (VBR) header frame before its first audio frame.

    The header holds the frame and byte counts and a 100-entry TOC. When ``encoder_delay``
    or ``padding`` is given (the other then counts as 0), a LAME extension records both, so
    decoders trim them and report the exact duration: for lameenc output use
    :data:`LAMEENC_ENCODER_DELAY` and :func:`gapless_padding`. An existing Info/Xing frame
    is replaced; an ID3v2 tag at the front stays in front.
    """
    start, offsets, first = scan_frames(mp3)
    end = offsets[-1] + _frame_at(mp3, offsets[-1]).length
    if _is_info_frame(mp3, offsets[0], first):
        offsets = offsets[1:]
    if not offsets:
        raise AudioError("The MP3 stream has no audio frames; nothing to describe.")
    audio_start, audio_end = offsets[0], end
    audio = mp3[audio_start:audio_end]
    rates = {mp3[o + 2] >> 4 for o in offsets}
    constant = len(rates) == 1

    with_lame = encoder_delay is not None or padding is not None
    delay, pad = encoder_delay or 0, padding or 0
    if not (0 <= delay <= _NO_TAG_LIMIT and 0 <= pad <= _NO_TAG_LIMIT):
        raise AudioError(
            f"Encoder delay {delay} and padding {pad} must each be 0 to {_NO_TAG_LIMIT} samples."
        )
    tag_at = 4 + first.side_info
    needed = tag_at + _XING_BODY + (_LAME_SIZE if with_lame else 0)
    header, length = _info_frame_header(mp3[audio_start : audio_start + 4], first, needed)

    frames = len(offsets)
    total = length + len(audio)
    toc = bytearray(100)
    for i in range(100):
        # Where the frame at i% of the play time starts, in 1/256 of the audio bytes (as
        # LAME counts it: from the first audio frame, so entry 0 is 0).
        frame = min(frames - 1, (i * frames) // 100)
        toc[i] = min(255, (offsets[frame] - audio_start) * 256 // len(audio))

    body = bytearray(header) + bytes(first.side_info)
    body += b"Info" if constant else b"Xing"
    body += struct.pack(">III", _FLAG_FRAMES | _FLAG_BYTES | _FLAG_TOC, frames, total)
    body += toc
    if with_lame:
        body += _lame_extension(first, delay, pad, total, _crc16(audio), constant=constant)
        body += struct.pack(">H", _crc16(bytes(body)))
    body += bytes(length - len(body))
    return mp3[:start] + bytes(body) + audio + mp3[audio_end:]


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
