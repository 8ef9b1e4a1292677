"""WebVTT / SRT captions and Podcasting 2.0 chapters, against the Podcast Namespace examples."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from narrator.errors import AudioError
from narrator.models import Chapter, Cue
from narrator.timing import chapters_json, parse_webvtt, to_srt, to_webvtt

CUES = (
    Cue(key="s0-3f2a", text="Fish & chips <cheap>", start_ms=150, end_ms=2760),
    Cue(key="s1-9b1c", text="The second sentence.", start_ms=3110, end_ms=6090),
    Cue(key="s2-77d0", text="An hour\nlater.", start_ms=3_725_004, end_ms=3_727_500),
)


@pytest.fixture(scope="module")
def examples(shared_dir: Path) -> Path:
    return shared_dir / "peer-suites" / "podcast_namespace" / "docs" / "examples"


def test_webvtt_exact_text() -> None:
    assert to_webvtt(CUES) == (
        "WEBVTT\n"
        "\n"
        "s0-3f2a\n"
        "00:00:00.150 --> 00:00:02.760\n"
        "Fish &amp; chips &lt;cheap&gt;\n"
        "\n"
        "s1-9b1c\n"
        "00:00:03.110 --> 00:00:06.090\n"
        "The second sentence.\n"
        "\n"
        "s2-77d0\n"
        "01:02:05.004 --> 01:02:07.500\n"
        "An hour later.\n"
    )


def test_srt_exact_text() -> None:
    assert to_srt(CUES) == (
        "1\n00:00:00,150 --> 00:00:02,760\nFish & chips <cheap>\n\n"
        "2\n00:00:03,110 --> 00:00:06,090\nThe second sentence.\n\n"
        "3\n01:02:05,004 --> 01:02:07,500\nAn hour later.\n"
    )


def _blocks(text: str) -> list[list[str]]:
    return [b.splitlines() for b in text.strip().split("\n\n")]


def test_srt_has_the_shape_of_the_namespace_example(examples: Path) -> None:
    theirs = _blocks((examples / "transcripts" / "example.srt").read_text(encoding="utf-8"))
    ours = _blocks(to_srt(CUES))
    timing = re.compile(r"^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$")
    for blocks in (theirs, ours):
        for number, block in enumerate(blocks, start=1):
            assert block[0] == str(number)
            assert timing.match(block[1])
            assert len(block) >= 3


def test_webvtt_has_the_shape_of_the_namespace_example(examples: Path) -> None:
    theirs = (examples / "transcripts" / "example.vtt").read_text(encoding="utf-8")
    timing = re.compile(r"^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$")
    for text in (theirs, to_webvtt(CUES)):
        head, *blocks = _blocks(text)
        assert head == ["WEBVTT"]
        for block in blocks:
            at = 1 if len(block) > 2 and timing.match(block[1]) else 0  # optional identifier
            assert timing.match(block[at]), block
            assert block[at + 1].strip()


def test_reading_the_namespace_example_vtt(examples: Path) -> None:
    text = (examples / "transcripts" / "example.vtt").read_text(encoding="utf-8")
    cues = parse_webvtt(text)
    assert cues[0] == Cue(
        key="1",
        text="In today's episode, you'll learn whether or not you",
        start_ms=0,
        end_ms=2760,
    )
    assert "Podcasting Q&A" in cues[2].text  # &amp; decoded, <v Sarah> dropped
    assert all(c.end_ms > c.start_ms for c in cues)
    assert [c.start_ms for c in cues] == sorted(c.start_ms for c in cues)


def test_webvtt_round_trip_keeps_keys_times_and_text() -> None:
    back = parse_webvtt(to_webvtt(CUES))
    assert back == [
        Cue(key=c.key, text=" ".join(c.text.split()), start_ms=c.start_ms, end_ms=c.end_ms)
        for c in CUES
    ]


def test_cues_without_text_are_left_out() -> None:
    cues = (*CUES[:1], Cue(key="blank", text="  \n", start_ms=2800, end_ms=2900), *CUES[1:])
    assert "blank" not in to_webvtt(cues)
    assert to_srt(cues).count("-->") == 3


@pytest.mark.parametrize(
    ("cues", "message"),
    [
        ((Cue("a", "Text.", 500, 500),), "must end after it starts"),
        ((Cue("a", "Text.", 900, 1000), Cue("b", "Text.", 100, 200)), "in time order"),
    ],
)
def test_badly_timed_cues_are_refused(cues: tuple[Cue, ...], message: str) -> None:
    with pytest.raises(AudioError, match=message):
        to_webvtt(cues)
    with pytest.raises(AudioError, match=message):
        to_srt(cues)


def test_parse_refuses_a_file_that_is_not_webvtt() -> None:
    with pytest.raises(AudioError, match="must begin with 'WEBVTT'"):
        parse_webvtt("1\n00:00:00,000 --> 00:00:01,000\nHello\n")


CHAPTERS = (
    Chapter(title="Lighthouse", start_ms=0, end_ms=168_250),
    Chapter(title="Hearing Aids", start_ms=168_250, end_ms=260_000),
    Chapter(title="Progress Report", start_ms=260_000, end_ms=3_990_500),
)


def test_chapters_json_has_the_namespace_shape(examples: Path) -> None:
    theirs = json.loads((examples / "chapters" / "example.json").read_text(encoding="utf-8"))
    ours = json.loads(chapters_json(CHAPTERS, title="The lighthouse"))
    assert ours["version"] == theirs["version"] == "1.2.0"
    assert ours["title"] == "The lighthouse"
    assert ours["chapters"] == [
        {"startTime": 0.0, "endTime": 168.25, "title": "Lighthouse"},
        {"startTime": 168.25, "endTime": 260.0, "title": "Hearing Aids"},
        {"startTime": 260.0, "endTime": 3990.5, "title": "Progress Report"},
    ]
    allowed = {"startTime", "endTime", "title", "img", "url", "toc", "location"}
    for chapter in (*theirs["chapters"], *ours["chapters"]):
        assert set(chapter) <= allowed
        assert isinstance(chapter["startTime"], int | float)
        assert isinstance(chapter["title"], str)


def test_chapters_json_orders_by_time_and_omits_missing_title() -> None:
    doc = json.loads(chapters_json(tuple(reversed(CHAPTERS))))
    assert "title" not in doc
    assert [c["startTime"] for c in doc["chapters"]] == [0.0, 168.25, 260.0]


def test_timings_json_keeps_sentences_words_and_offsets() -> None:
    from narrator.models import WordTiming
    from narrator.timing import timings_json

    text = "Dr. Lee paid $5."
    words = (
        WordTiming(text="Dr.", start_ms=100, end_ms=400, char_start=0, char_end=3),
        WordTiming(text="Lee", start_ms=400, end_ms=600, char_start=4, char_end=7),
        WordTiming(text="paid", start_ms=600, end_ms=800, char_start=8, char_end=12),
        WordTiming(text="$5", start_ms=800, end_ms=1500, char_start=13, char_end=15),
    )
    cues = [
        Cue(key="a", text=text, start_ms=100, end_ms=1500, words=words),
        Cue(key="b", text="Next.", start_ms=1900, end_ms=2300),
    ]
    doc = json.loads(timings_json(cues, duration_ms=None, complete=False))
    assert (doc["version"], doc["complete"], doc["duration_ms"]) == (1, False, None)
    first, second = doc["sentences"]
    assert [w["text"] for w in first["words"]] == ["Dr.", "Lee", "paid", "$5"]
    assert all(text[w["char_start"] : w["char_end"]] == w["text"] for w in first["words"])
    assert second["words"] == [] and second["start_ms"] == 1900
    # JSON round trip through the stored form the cache and the service use
    again = Cue.from_dict(dataclasses.asdict(cues[0]))
    assert again == cues[0]
