"""The Info/LAME header on real lameenc output, checked with ffprobe, ffmpeg and mutagen."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import lameenc
import numpy as np
import pytest
from mutagen.mp3 import MP3, BitrateMode

from narrator.encode import Tags, encode, write_tags
from narrator.errors import AudioError
from narrator.mp3info import (
    LAMEENC_ENCODER_DELAY,
    _crc16,
    _crc16_bitwise,
    add_info_header,
    add_info_header_to_file,
    gapless_padding,
    parse_frame_header,
    scan_frames,
)

DECODER_DELAY = 529  # what ffmpeg adds to the LAME tag's encoder delay when trimming


def _pcm(rate: int, channels: int, seconds: float = 3.3) -> np.ndarray:
    """A gliding tone with a slow swell: not silence, and easy to line up after decoding."""
    t = np.arange(int(rate * seconds)) / rate
    tone = 0.3 * np.sin(2 * np.pi * (300 + 40 * t) * t) * (0.6 + 0.4 * np.sin(2 * np.pi * t))
    return np.repeat((tone * 32767).astype(np.int16)[:, None], channels, axis=1)


def _lameenc(pcm: np.ndarray, rate: int, kbps: int) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(kbps)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(pcm.shape[1])
    encoder.set_quality(2)
    return bytes(encoder.encode(pcm.astype("<i2").tobytes()) + encoder.flush())


def _ffprobe(path: Path) -> tuple[dict[str, Any], str]:
    result = subprocess.run(
        ["ffprobe", "-v", "warning", "-show_entries", "stream=duration,start_time:stream_tags",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    stream: dict[str, Any] = json.loads(result.stdout)["streams"][0]
    return stream, result.stderr


def _info(path: Path) -> Any:
    """mutagen's stream info (mutagen is untyped)."""
    return MP3(str(path)).info  # type: ignore[no-untyped-call]


def _decoded(path: Path, channels: int) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<i2").reshape(-1, channels)


@pytest.mark.parametrize(
    ("rate", "channels", "kbps"),
    [
        (22050, 1, 64),  # narrator's output: MPEG-2 Layer III mono
        (44100, 2, 128),  # MPEG-1 stereo
        (48000, 1, 96),  # MPEG-1 mono
        (16000, 2, 32),  # MPEG-2 stereo
        (11025, 1, 16),  # MPEG-2.5 mono
        (8000, 1, 8),  # a frame too small for the tag: the header frame gets a higher bitrate
    ],
)
def test_gapless_header_gives_exact_length(
    rate: int, channels: int, kbps: int, tmp_path: Path
) -> None:
    pcm = _pcm(rate, channels)
    bare = _lameenc(pcm, rate, kbps)
    _, offsets, first = scan_frames(bare)
    assert (first.sample_rate, first.mono) == (rate, channels == 1)
    frames = len(offsets)

    bare_path = tmp_path / "bare.mp3"
    bare_path.write_bytes(bare)
    _, warnings = _ffprobe(bare_path)
    assert "Estimating duration from bitrate" in warnings
    assert len(_decoded(bare_path, channels)) == frames * first.samples  # delay and padding too

    padding = gapless_padding(bare, len(pcm))
    out = add_info_header(bare, encoder_delay=LAMEENC_ENCODER_DELAY, padding=padding)
    path = tmp_path / "info.mp3"
    path.write_bytes(out)

    stream, warnings = _ffprobe(path)
    assert warnings == ""
    # ffprobe's duration counts every audio frame (delay and padding included, as for any
    # LAME file) and reports the trimmed lead-in as the start time.
    assert float(stream["duration"]) == pytest.approx(frames * first.samples / rate, abs=1e-5)
    start = (LAMEENC_ENCODER_DELAY + DECODER_DELAY) / rate
    assert float(stream["start_time"]) == pytest.approx(start, abs=1e-5)
    assert stream["tags"]["encoder"] == "LAME3.100"  # shown only when the tag CRC checks out

    decoded = _decoded(path, channels)
    assert decoded.shape == pcm.shape  # ffmpeg trims to exactly the samples encoded

    info = _info(path)
    assert info.length * rate == pytest.approx(len(pcm), abs=0.01)
    assert info.bitrate_mode == BitrateMode.CBR
    assert not info.sketchy
    assert info.bitrate == pytest.approx(kbps * 1000, rel=0.01)
    assert info.encoder_info.startswith("LAME 3.100")


def test_trimmed_audio_lines_up_with_the_input(tmp_path: Path) -> None:
    pcm = _pcm(22050, 1)
    bare = _lameenc(pcm, 22050, 64)
    path = tmp_path / "a.mp3"
    path.write_bytes(add_info_header(bare, encoder_delay=576, padding=gapless_padding(bare, 72765)))
    decoded = _decoded(path, 1)[:, 0].astype(np.float64)
    reference = pcm[:, 0].astype(np.float64)
    lags = range(-40, 41)
    scores = [float(np.dot(decoded[100 + lag : 50000 + lag], reference[100:50000])) for lag in lags]
    assert lags[int(np.argmax(scores))] == 0  # sample-exact: no drift from delay or padding


def test_header_fields_describe_the_stream() -> None:
    bare = _lameenc(_pcm(22050, 1), 22050, 64)
    out = add_info_header(bare, encoder_delay=576, padding=100)
    _, offsets, first = scan_frames(out)
    header = out[: offsets[1]]
    tag = 4 + first.side_info
    assert header[tag : tag + 4] == b"Info"
    frames = int.from_bytes(header[tag + 8 : tag + 12], "big")
    total = int.from_bytes(header[tag + 12 : tag + 16], "big")
    toc = list(header[tag + 16 : tag + 116])
    assert frames == len(offsets) - 1
    assert total == len(out)
    assert toc[0] == 0 and toc == sorted(toc) and toc[-1] > 240
    lame = header[tag + 116 : tag + 152]
    assert lame[:9] == b"LAME3.100"
    assert int.from_bytes(lame[21:24], "big") == 576 << 12 | 100
    assert out[offsets[1] :] == bare  # the audio frames are untouched


def test_header_without_lame_extension(tmp_path: Path) -> None:
    pcm = _pcm(22050, 1)
    bare = _lameenc(pcm, 22050, 64)
    path = tmp_path / "a.mp3"
    path.write_bytes(add_info_header(bare))
    _, offsets, first = scan_frames(bare)
    info = _info(path)
    # Without delay and padding nothing is trimmed: the length is the frames' length.
    assert info.length == pytest.approx(len(offsets) * first.samples / 22050, abs=1e-6)
    assert not info.sketchy and info.bitrate_mode == BitrateMode.CBR
    assert len(_decoded(path, 1)) == len(offsets) * first.samples


def test_adding_twice_replaces_the_header_and_keeps_the_id3_tag(tmp_path: Path) -> None:
    pcm = _pcm(22050, 1)
    path = tmp_path / "a.mp3"
    path.write_bytes(encode(pcm[:, 0], 22050, "mp3"))
    write_tags(path, "mp3", Tags(title="The lighthouse"))
    tagged = path.read_bytes()
    padding = gapless_padding(tagged, len(pcm))
    once = add_info_header(tagged, encoder_delay=576, padding=padding)
    twice = add_info_header(once, encoder_delay=576, padding=gapless_padding(once, len(pcm)))
    assert twice == once
    path.write_bytes(twice)
    tags: Any = MP3(str(path)).tags  # type: ignore[no-untyped-call]
    assert str(tags["TIT2"]) == "The lighthouse"
    assert len(_decoded(path, 1)) == len(pcm)


def test_frame_header_parsing() -> None:
    # MPEG-2 Layer III, 64 kbit/s, 22,050 Hz, mono, no CRC: narrator's frames.
    frame = parse_frame_header(bytes([0xFF, 0xF3, 0x80, 0xC4]))
    assert frame is not None
    assert (frame.version, frame.bitrate_kbps, frame.sample_rate, frame.mono) == (
        2, 64, 22050, True,
    )  # fmt: skip
    assert (frame.samples, frame.length, frame.side_info) == (576, 208, 9)
    assert parse_frame_header(b"ID3\x04") is None
    assert parse_frame_header(bytes([0xFF, 0xFD, 0x80, 0xC4])) is None  # Layer II


def test_refuses_what_it_cannot_describe() -> None:
    with pytest.raises(AudioError, match="not an MPEG Layer III stream"):
        add_info_header(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    bare = _lameenc(_pcm(22050, 1, 0.5), 22050, 64)
    with pytest.raises(AudioError, match="0 to 4095"):
        add_info_header(bare, encoder_delay=5000)
    with pytest.raises(AudioError, match="fewer than"):
        gapless_padding(bare, 10 * 22050)


def test_file_header_matches_the_in_memory_one(tmp_path: Path) -> None:
    """The streaming version (used for every narration) writes the same bytes."""
    rate = 22050
    pcm = _pcm(rate, 1, seconds=40.0)
    mp3 = _lameenc(pcm, rate, 64)
    expected = add_info_header(
        mp3, encoder_delay=LAMEENC_ENCODER_DELAY, padding=gapless_padding(mp3, len(pcm))
    )
    path = tmp_path / "a.mp3"
    path.write_bytes(mp3)
    add_info_header_to_file(path, encoder_delay=LAMEENC_ENCODER_DELAY, samples=len(pcm))
    assert path.read_bytes() == expected
    add_info_header_to_file(path, encoder_delay=LAMEENC_ENCODER_DELAY, samples=len(pcm))
    assert path.read_bytes() == expected  # an existing header is replaced, not stacked


@pytest.mark.parametrize("size", [0, 1, 1023, 1024 * 64, 1024 * 64 + 7, 1_000_003])
def test_fast_crc_equals_the_bitwise_definition(size: int) -> None:
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    for start in (0, 0x1D0F):
        assert _crc16(data, start) == _crc16_bitwise(data, start)
