"""Listening quality, measured on real narrations decoded by ffmpeg: loudness, true peak,
joins, pauses, timings, chapters, formats, intro and disclosure."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from pydub import AudioSegment

from narrator import loudness
from narrator.models import Narration
from narrator.pipeline import NarrateOptions, narrate, write_sidecars
from narrator.timing import parse_webvtt
from narrator.voices import get_profile

from .audio_check import ffmpeg_ebur128

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "welcome.md"


@dataclass(frozen=True)
class Rendered:
    narration: Narration
    path: Path
    samples: np.ndarray
    rate: int
    vtt: Path
    chapters: Path


def _decode(path: Path) -> tuple[np.ndarray, int]:
    seg = AudioSegment.from_file(path)
    samples = np.array(seg.get_array_of_samples(), dtype=np.float32) / 32768.0
    return samples, seg.frame_rate


def _render(folder: Path, source: Path, **options: object) -> Rendered:
    out = folder / "n.mp3"
    narration = narrate(source, out, options=NarrateOptions(**options))  # type: ignore[arg-type]
    vtt, chapters = folder / "n.vtt", folder / "n.json"
    write_sidecars(narration, subtitles=vtt, chapters=chapters)
    samples, rate = _decode(out)
    return Rendered(narration, out, samples, rate, vtt, chapters)


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory, seed_path: Path) -> Rendered:
    return _render(tmp_path_factory.mktemp("seed"), seed_path)


# --- loudness ---------------------------------------------------------------------------


def test_seed_loudness_and_true_peak(seed: Rendered) -> None:
    level = loudness.measure(seed.samples, seed.rate)
    assert level.integrated_lufs == pytest.approx(-16, abs=1.0)
    assert level.true_peak_dbtp <= -1.0
    integrated, peak = ffmpeg_ebur128(seed.path)
    assert integrated == pytest.approx(-16, abs=1.0)
    assert peak <= -1.0


@pytest.mark.parametrize("target", [-19.0, -23.0])
def test_other_loudness_targets(tmp_path: Path, target: float) -> None:
    rendered = _render(tmp_path, SAMPLE, loudness=target)
    level = loudness.measure(rendered.samples, rendered.rate)
    assert level.integrated_lufs == pytest.approx(target, abs=1.0)
    assert level.true_peak_dbtp <= -1.0


def test_sentences_are_level_matched(seed: Rendered) -> None:
    """Loudness does not jump between sentences: every sentence within 2.5 LU of the file.
    Measured with pyloudnorm itself, not through narrator's own loudness module."""
    import pyloudnorm

    meter = pyloudnorm.Meter(seed.rate)
    whole = meter.integrated_loudness(seed.samples.astype(np.float64))
    levels = []
    for cue in seed.narration.cues:
        part = seed.samples[cue.start_ms * seed.rate // 1000 : cue.end_ms * seed.rate // 1000]
        if len(part) < 0.4 * seed.rate:
            continue  # sentences under 0.4 s have no BS.1770 reading
        level = meter.integrated_loudness(part.astype(np.float64))
        if np.isfinite(level):
            levels.append(level)
    assert len(levels) > 10
    assert max(abs(level - whole) for level in levels) < 2.5


# --- joins and pauses -------------------------------------------------------------------


def test_no_click_at_any_join(seed: Rendered) -> None:
    """A click is a jump where a clip meets silence. Cue times are the join points, rounded
    to the millisecond, so the join sample lies within 0.5 ms of each cue's start and end;
    across that window the waveform must move less than 0.02 of full scale per sample.

    Why 0.02: Piper starts some sentences on a fricative at its very first sample (the "C"
    of "C N N" is at -38 dBFS from sample 0, about 0.08 of full scale once mastered), so an
    unfaded join jumps by 0.05 to 0.5; the 4 ms raised-cosine fade keeps the first half
    millisecond under 0.15 of the signal, i.e. under 0.015 for that worst start."""
    rate = seed.rate
    window = rate // 2000 + 1
    worst = 0.0
    for cue in seed.narration.cues:
        for ms in (cue.start_ms, cue.end_ms):
            at = ms * rate // 1000
            part = seed.samples[max(0, at - window) : at + window + 1]
            worst = max(worst, float(np.abs(np.diff(part)).max()))
    assert worst < 0.02


def _silences_s(samples: np.ndarray, rate: int) -> list[float]:
    win = rate // 100
    n = len(samples) // win
    rms = np.sqrt(np.mean(samples[: n * win].reshape(n, win) ** 2, axis=1))
    quiet = rms < 10 ** (-50 / 20)
    runs, run = [], 0
    for q in quiet:
        if q:
            run += 1
        elif run:
            runs.append(run * win / rate)
            run = 0
    return runs[1:]  # the leading edge is not a pause


def test_no_pause_longer_than_the_policy(seed: Rendered) -> None:
    pauses = get_profile("joe").pauses
    longest_allowed = pauses.before_heading_ms / 1000 + 0.040 + 0.080  # + kept lead/trail
    silences = _silences_s(seed.samples, seed.rate)
    assert max(silences) <= longest_allowed + 0.02
    # Headings get the longest pauses: before each of the three subheads.
    assert sum(s > pauses.paragraph_ms / 1000 + 0.15 for s in silences) >= 3


def test_every_sentence_starts_where_its_cue_says(seed: Rendered) -> None:
    """Timings come from the assembled audio, so they do not drift: speech begins about
    40 ms (the kept lead-in) after every cue's start, the last as well as the first."""
    rate = seed.rate
    win = rate // 200  # 5 ms
    for cue in seed.narration.cues:
        start = cue.start_ms * rate // 1000
        part = seed.samples[start : start + rate // 2]
        n = len(part) // win
        rms = np.sqrt(np.mean(part[: n * win].reshape(n, win) ** 2, axis=1))
        loud = rms > 10 ** (-45 / 20)
        # argmax of all-False is 0, which would pass for silence: there must be speech.
        assert loud.any(), (cue.text, "no speech within 0.5 s of the cue's start")
        onset_ms = 1000 * int(np.argmax(loud)) * win / rate
        assert abs(onset_ms - 40) <= 50, (cue.text, onset_ms)


# --- subtitles and chapters -------------------------------------------------------------


def test_webvtt_is_valid_readable_and_covers_every_sentence(seed: Rendered) -> None:
    text = seed.vtt.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n\n")
    cues = parse_webvtt(text)
    sentences = seed.narration.script.sentences
    assert len(cues) > len(sentences)  # long sentences became several captions
    # Each sentence's captions, joined, are its written text; ids are its key, key-2, ...
    for sentence in sentences:
        pieces = [c for c in cues if c.key == sentence.key or c.key.startswith(f"{sentence.key}-")]
        assert " ".join(" ".join(c.text.split()) for c in pieces) == " ".join(sentence.text.split())
    for a, b in itertools.pairwise(cues):
        assert a.start_ms < a.end_ms <= b.start_ms
    for cue in cues:
        lines = cue.text.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 42 for line in lines), cue
        assert cue.end_ms - cue.start_ms <= 7000, cue
    duration_ms = 1000 * len(seed.samples) / seed.rate
    assert duration_ms - cues[-1].end_ms <= 300
    # Written text, not the spoken form.
    assert "Oct. 21 meeting" in " ".join(" ".join(c.text for c in cues).split())
    assert re.search(r"<\d\d:\d\d:\d\d\.\d{3}>\w", text)  # word timestamps inside cues


def test_srt_has_the_same_cues(tmp_path: Path, seed: Rendered) -> None:
    srt = tmp_path / "n.srt"
    write_sidecars(seed.narration, subtitles=srt)
    blocks = srt.read_text(encoding="utf-8").strip().split("\n\n")
    vtt_cues = parse_webvtt(seed.vtt.read_text(encoding="utf-8"))
    assert len(blocks) == len(vtt_cues)
    assert blocks[0].startswith("1\n00:00:00,")
    for block, cue in zip(blocks, vtt_cues, strict=True):
        _number, _timing, *lines = block.split("\n")
        assert "\n".join(lines) == cue.text


def test_chapters_in_id3_ffprobe_and_json(seed: Rendered) -> None:
    headings = ["How is the US pressuring Caracas?", "What support is Russia offering Venezuela?"]
    tags = ID3(seed.path)
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    titles = [str(c.sub_frames["TIT2"]) for c in chaps]
    assert titles[0].startswith("Maduro claims 5,000")
    assert titles[1:3] == headings
    toc = tags.getall("CTOC")[0]
    assert list(toc.child_element_ids) == [c.element_id for c in chaps]
    probe = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(seed.path)],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    probed = probe["chapters"]
    assert [c["tags"]["title"] for c in probed] == titles
    starts = [float(c["start_time"]) for c in probed]
    assert starts == sorted(starts)
    data = json.loads(seed.chapters.read_text(encoding="utf-8"))
    assert data["version"] == "1.2.0"
    assert [c["title"] for c in data["chapters"]] == titles


def test_mp3_has_an_info_header_with_exact_length(seed: Rendered) -> None:
    info = MP3(seed.path).info
    rate = seed.narration.sample_rate  # the default voice's own: 24 kHz for heart
    assert info.sample_rate == rate and info.channels == 1 and info.bitrate == 64000
    assert not info.sketchy
    assert info.length == pytest.approx(len(seed.samples) / seed.rate, abs=0.001)
    assert info.length == pytest.approx(seed.narration.duration_ms / 1000, abs=0.002)


# --- rate, intro, disclosure, formats ---------------------------------------------------


def test_rate_changes_speed_not_pitch(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    normal = _render(tmp_path / "a", SAMPLE)
    fast = _render(tmp_path / "b", SAMPLE, rate=1.3)
    speech = [sum(c.end_ms - c.start_ms for c in r.narration.cues) for r in (normal, fast)]
    # Speech is 1.3x as fast (1/1.3 = 0.77 of the time; tests/test_rate.py measures the
    # rate exactly), but each cue keeps a fixed 120 ms of lead-in and tail.
    assert 0.7 * speech[0] < speech[1] < 0.9 * speech[0]
    assert fast.rate == normal.rate  # the engine spoke faster; nothing was resampled


def test_intro_disclosure_and_outro(tmp_path: Path) -> None:
    rendered = _render(
        tmp_path,
        SAMPLE,
        intro=True,
        disclosure="This recording was made with a synthetic voice.",
        outro="Thanks for listening.",
    )
    texts = [c.text for c in rendered.narration.cues]
    assert texts[0] == (
        "A Library Learns to Read Aloud, by The narrator developers, "
        "from narrator sample desk, 2026-11-24."
    )
    assert texts[1] == "This recording was made with a synthetic voice."
    assert texts[-1] == "Thanks for listening."
    assert rendered.narration.chapters[0].title == "A Library Learns to Read Aloud"
    disclosure = ID3(rendered.path).getall("TXXX:disclosure")
    assert [str(t) for t in disclosure] == ["This recording was made with a synthetic voice."]


@pytest.mark.parametrize(("fmt", "codec"), [("opus", "opus"), ("m4a", "aac"), ("m4b", "aac")])
def test_other_formats(tmp_path: Path, fmt: str, codec: str) -> None:
    out = tmp_path / f"n.{fmt}"
    narration = narrate(SAMPLE, out, options=NarrateOptions())
    probe = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_chapters", "-show_streams", "-show_format",
             "-of", "json", str(out)],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    assert probe["streams"][0]["codec_name"] == codec
    assert float(probe["format"]["duration"]) == pytest.approx(
        narration.duration_ms / 1000, abs=0.1
    )
    # Ogg keeps its comments on the stream, MP4 on the container.
    tags = probe["format"].get("tags") or probe["streams"][0].get("tags", {})
    assert {k.lower(): v for k, v in tags.items()}["title"] == "A Library Learns to Read Aloud"
    if fmt != "opus":
        assert [c["tags"]["title"] for c in probe["chapters"]] == [
            c.title for c in narration.chapters
        ]
