"""ID3v2 chapters in a real MP3, read back by mutagen, by ffprobe and from the raw bytes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narrator.encode import Tags, encode, write_tags
from narrator.id3chapters import chap_start_ms, tag_frames, write_chapters
from narrator.models import Chapter

RATE = 22050
SECONDS = 30

# Twelve chapters whose titles differ in length, so that mutagen's size-ordered write
# would shuffle them (and "chp10" sorts before "chp2" as text).
TITLES = [
    "A rather long opening title for the headline",
    "B",
    "Chapter three",
    "D!",
    "Eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
    "F",
    "G, the seventh",
    "H",
    "Ïñtërnâtiônàl ünïcödé",
    "J",
    "K short",
    "L",
]
CHAPTERS = [
    Chapter(title=t, start_ms=i * 2500, end_ms=(i + 1) * 2500) for i, t in enumerate(TITLES)
]


@pytest.fixture()
def mp3(tmp_path: Path) -> Path:
    """A real 30 s MP3 from narrator's encoder (a gliding tone, so it is not silence)."""
    t = np.arange(SECONDS * RATE) / RATE
    tone = 0.3 * np.sin(2 * np.pi * (220 + 20 * t) * t)
    path = tmp_path / "a.mp3"
    path.write_bytes(encode((tone * 32767).astype(np.int16), RATE, "mp3"))
    return path


def _ffprobe_chapters(path: Path) -> list[dict[str, Any]]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    chapters: list[dict[str, Any]] = json.loads(out)["chapters"]
    return chapters


def _on_disk(path: Path) -> list[int]:
    data = path.read_bytes()
    return [
        chap_start_ms(data[offset : offset + length])
        for fid, offset, length in tag_frames(data)
        if fid == "CHAP"
    ]


def test_chapters_read_back_by_mutagen_in_order(mp3: Path) -> None:
    from mutagen.id3 import ID3, CTOCFlags

    write_tags(mp3, "mp3", Tags(title="The lighthouse", artist="A. Writer"))
    write_chapters(mp3, list(reversed(CHAPTERS)))  # any input order

    tag: Any = ID3(str(mp3))  # type: ignore[no-untyped-call]
    assert str(tag["TIT2"]) == "The lighthouse" and str(tag["TPE1"]) == "A. Writer"
    toc = tag.getall("CTOC")
    assert len(toc) == 1
    assert toc[0].flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert toc[0].child_element_ids == [f"chp{i}" for i in range(len(CHAPTERS))]
    for i, chapter in enumerate(CHAPTERS):
        chap = tag[f"CHAP:chp{i}"]
        assert (chap.start_time, chap.end_time) == (chapter.start_ms, chapter.end_ms)
        assert str(chap.sub_frames["TIT2"]) == chapter.title


def test_chap_frames_are_stored_in_time_order(mp3: Path) -> None:
    write_tags(mp3, "mp3", Tags(title="The lighthouse"))
    write_chapters(mp3, CHAPTERS)
    assert _on_disk(mp3) == [c.start_ms for c in CHAPTERS]


def test_ffprobe_sees_the_same_chapters(mp3: Path) -> None:
    write_chapters(mp3, CHAPTERS)
    seen = _ffprobe_chapters(mp3)
    assert [c["tags"]["title"] for c in seen] == TITLES
    assert [(c["start"], c["end"]) for c in seen] == [(c.start_ms, c.end_ms) for c in CHAPTERS]
    assert {c["time_base"] for c in seen} == {"1/1000"}


def test_rewriting_replaces_the_chapters_and_keeps_the_audio(mp3: Path) -> None:
    audio = mp3.read_bytes()
    write_chapters(mp3, CHAPTERS)
    write_chapters(mp3, CHAPTERS[:3])
    data = mp3.read_bytes()
    assert data.endswith(audio)  # the MP3 frames are untouched
    assert _on_disk(mp3) == [0, 2500, 5000]
    assert [c["tags"]["title"] for c in _ffprobe_chapters(mp3)] == TITLES[:3]


def test_no_chapters_leaves_no_chapter_frames(mp3: Path) -> None:
    write_chapters(mp3, CHAPTERS)
    write_chapters(mp3, [])
    assert [fid for fid, _, _ in tag_frames(mp3.read_bytes())] == []
    assert _ffprobe_chapters(mp3) == []
