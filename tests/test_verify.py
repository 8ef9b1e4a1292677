"""Checking what was actually said: a real narration (the joe voice), heard back by the
real offline recognizer, aligned to its script sentence by sentence; ``narrate --verify``
re-rendering a sentence the voice dropped words from."""

from __future__ import annotations

import dataclasses
import json
import struct
import zlib
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from narrator.asr import align, words_for_scoring
from narrator.cli import cli
from narrator.engines.piper import PiperEngine
from narrator.errors import InputError
from narrator.feed.config import FeedConfigError, load_config
from narrator.models import Clip, VoiceProfile
from narrator.verify import (
    ScriptLine,
    alternatives,
    check_audio,
    lines_of,
    narrate_verified,
    outliers,
    read_script,
)

ARTICLE = (
    "# The new library\n\n"
    "The council met on Tuesday and approved the budget for the new library. "
    "The mayor announced the plan in the morning. "
    "Residents can see the drawings in the town hall until Friday.\n"
)


def test_align_pairs_every_word_once() -> None:
    reference = ["the", "cat", "sat", "on", "the", "mat"]
    heard = ["the", "cat", "sat", "on", "mat", "today"]
    pairs = align(reference, heard)
    assert [r for r, _ in pairs if r is not None] == list(range(len(reference)))
    assert [h for _, h in pairs if h is not None] == list(range(len(heard)))
    assert align([], ["a"]) == [(None, 0)] and align(["a"], []) == [(0, None)]


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        (
            "The plan, which the mayor announced, will cost more.",
            [("The plan. which the mayor announced. will cost more.", "said in shorter phrases")],
        ),
        ("The F B I said so.", [("The F-B-I said so.", "spelled out")]),
        ("A well-known case.", [("A well known case.", "spelled out")]),
        ("Nothing to change here.", []),
    ],
)
def test_alternatives(spoken: str, expected: list[tuple[str, str]]) -> None:
    assert alternatives(spoken) == expected


def test_read_script_from_each_kind_of_file(tmp_path: Path) -> None:
    text = tmp_path / "script.txt"
    text.write_text("Doctor Lena Ortiz spoke.\n\nShe left.\n", encoding="utf-8")
    assert read_script(text) == [
        ScriptLine("1", "Doctor Lena Ortiz spoke.", "Doctor Lena Ortiz spoke."),
        ScriptLine("2", "She left.", "She left."),
    ]
    vtt = tmp_path / "a.vtt"
    vtt.write_text("WEBVTT\n\ns1\n00:00.000 --> 00:01.500\nDr. Ortiz paid $5.\n", encoding="utf-8")
    assert read_script(vtt) == [
        ScriptLine(
            "s1",
            "Dr. Ortiz paid $5.",
            "Doctor Ortiz paid five dollars.",
            "Doctor Ortiz paid five dollars.",
            0,
            1500,
        )
    ]
    timings = tmp_path / "t.json"
    timings.write_text(json.dumps({"version": 1, "sentences": [{"key": "k", "text": "At 5 p.m."}]}))
    assert read_script(timings) == [ScriptLine("k", "At 5 p.m.", "At five PM.", "At five PM.")]


def test_read_script_says_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "t.json"
    bad.write_text("{}")
    with pytest.raises(InputError, match="not a narrator timings file"):
        read_script(bad)
    with pytest.raises(InputError, match="Cannot read the script"):
        read_script(tmp_path / "missing.txt")


def test_check_needs_to_know_the_script() -> None:
    result = CliRunner().invoke(cli, ["check", "a.mp3"])
    assert result.exit_code == 2
    assert "give --script FILE or --article SOURCE" in result.output


def test_verify_is_for_one_narration(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["narrate", "a.md", "b.md", "-d", str(tmp_path), "--verify"])
    assert result.exit_code == 2
    assert "--verify checks one narration" in result.output


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[ScriptLine]]:
    from narrator.pipeline import NarrateOptions, narrate

    folder = tmp_path_factory.mktemp("verify")
    article = folder / "library.md"
    article.write_text(ARTICLE, encoding="utf-8")
    out = folder / "library.mp3"
    narration = narrate(article, out, options=NarrateOptions(cache_dir=folder / "cache"))
    return article, out, lines_of(narration.script, narration.cues)


@pytest.mark.slow
def test_check_scores_each_sentence_of_a_real_narration(
    narrated: tuple[Path, Path, list[ScriptLine]],
) -> None:
    _article, audio, lines = narrated
    result = check_audio(audio, lines)
    assert [s.line for s in result.sentences] == lines
    words = sum(len(words_for_scoring(line.spoken, normalized=True)) for line in lines)
    assert result.errors.reference_words == words
    assert result.wer <= 0.1, result.transcript
    assert outliers(result) == []


@pytest.mark.slow
def test_a_sentence_the_audio_does_not_say_stands_out(
    narrated: tuple[Path, Path, list[ScriptLine]],
) -> None:
    _article, audio, lines = narrated
    said = "Seven green bottles hang on the old wall."
    wrong = dataclasses.replace(lines[2], key="x", written=said, spoken=said, reference="")
    result = check_audio(audio, [*lines[:2], wrong, *lines[3:]])
    by_key = {s.line.key: s for s in result.sentences}
    assert by_key["x"].errors.wer >= 0.6
    assert [s.line.key for s in outliers(result)] == ["x"]
    assert all(by_key[line.key].errors.wer <= 0.2 for line in lines if line.key != lines[2].key)


@pytest.mark.slow
def test_check_command_prints_each_sentence_and_the_total(
    narrated: tuple[Path, Path, list[ScriptLine]],
) -> None:
    article, audio, lines = narrated
    result = CliRunner().invoke(cli, ["check", str(audio), "--article", str(article), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert len(body["sentences"]) == 4 and body["wer"] <= 0.1
    script = audio.with_suffix(".txt")
    spoken = [line.spoken for line in lines]
    script.write_text("\n".join([*spoken[:3], "Seven green bottles hang on the wall."]))
    failing = CliRunner().invoke(
        cli, ["check", str(audio), "--script", str(script), "--max-wer", "0.1"]
    )
    assert failing.exit_code == 1
    assert "Seven green bottles" in failing.output
    assert "above --max-wer 10.0%; listen to the sentences listed above." in failing.output
    missing = CliRunner().invoke(cli, ["check", str(audio) + ".nope", "--article", str(article)])
    assert missing.exit_code == 1
    assert missing.output.strip().endswith("does not exist. Give the path of an audio file.")


class StumblingPiper(PiperEngine):
    """The real joe voice, made to stumble the way engines do on long chunks: it drops
    everything before a chunk's last comma. What verify must notice and mend."""

    name: ClassVar[str] = "stumbling"
    thread_safe: ClassVar[bool] = False

    @classmethod
    def identity(cls, profile: VoiceProfile) -> str:
        return "stumbling|" + super().identity(profile)

    def synthesize(self, text: str) -> Clip:
        return super().synthesize(text.rsplit(",", 1)[-1])


@pytest.fixture
def stumbling_voice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    from narrator.engines import register_engine

    register_engine("stumbling", StumblingPiper)
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "stumbling.toml").write_text(
        'name = "stumbling"\nengine = "stumbling"\nmodel = "en_US-joe-medium"\n'
    )
    monkeypatch.setenv("NARRATOR_VOICES", str(voices))
    return "stumbling"


@pytest.mark.slow
def test_verify_rerenders_a_dropped_sentence_in_shorter_phrases(
    tmp_path: Path, stumbling_voice: str
) -> None:
    from narrator.pipeline import NarrateOptions

    article = tmp_path / "plan.md"
    article.write_text(
        "The council met on Tuesday and approved the budget. "
        "The plan, which the mayor announced in the morning, will cost the city four million "
        "dollars. Residents can see the drawings in the town hall until Friday.\n",
        encoding="utf-8",
    )
    out = tmp_path / "plan.mp3"
    options = NarrateOptions(
        voice=stumbling_voice, cache_dir=tmp_path / "cache", include_title=False
    )
    verified = narrate_verified(article, out, options=options)
    assert [c.how for c in verified.changes] == ["said in shorter phrases"]
    change = verified.changes[0]
    assert change.written.startswith("The plan, which")
    assert change.before.wer >= 0.4 and change.after.wer <= 0.15
    assert verified.final.wer < verified.first.wer
    # The finished file says the whole sentence now, as a fresh check hears it.
    again = check_audio(out, lines_of(verified.narration.script, verified.narration.cues))
    assert again.wer <= 0.1, again.transcript


FEED_TOML = """\
title = "Verify Show"
description = "Articles, read aloud and heard back."
author = "Verify Desk"
language = "en"
category = "News"
artwork = "cover.png"
base_url = "https://example.com/show"
max_wer = MAX

[owner]
name = "Ed Itor"
email = "editor@example.com"
"""


def _feed_config(folder: Path, max_wer: str) -> Path:
    width = 1400
    row = b"\x00" + b"\x20\x60\xa0" * width

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, width, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * width, 9))
        + chunk(b"IEND", b"")
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cover.png").write_bytes(png)
    path = folder / "feed.toml"
    path.write_text(FEED_TOML.replace("MAX", max_wer), encoding="utf-8")
    return path


@pytest.mark.parametrize("value", ["1.5", "-0.1", '"5%"', "true"])
def test_feed_max_wer_must_be_a_rate(tmp_path: Path, value: str) -> None:
    with pytest.raises(FeedConfigError, match="max_wer must be a word error rate from 0 to 1"):
        load_config(_feed_config(tmp_path, value))
    assert load_config(_feed_config(tmp_path / "ok", "0.05")).max_wer == 0.05


@pytest.mark.slow
def test_feed_refuses_an_episode_heard_above_max_wer_and_keeps_the_wer_of_the_rest(
    tmp_path: Path, stumbling_voice: str
) -> None:
    from narrator.feed import build_feed
    from narrator.pipeline import NarrateOptions

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "clear.md").write_text(
        "# The library opens\n\nThe new library opens on Monday morning.\n", encoding="utf-8"
    )
    (articles / "garbled.md").write_text(
        "# The bridge plan\n\nThe plan, which the mayor announced in the morning and defended "
        "at length in the evening, will cost the city a lot.\n",
        encoding="utf-8",
    )
    config = load_config(_feed_config(tmp_path / "show", "0.2"))
    site = tmp_path / "site"
    warnings: list[str] = []
    options = NarrateOptions(voice=stumbling_voice, cache_dir=tmp_path / "cache")
    result = build_feed(articles, config, site, options=options, warn=warnings.append)
    assert [e.title for e in result.episodes] == ["The library opens"]
    assert len(warnings) == 1 and "garbled.md" in warnings[0]
    assert "above max_wer 20.0% in feed.toml" in warnings[0]
    from narrator.feed import default_state_dir
    from narrator.feed.config import STATE_FILE

    state = json.loads((default_state_dir(site) / STATE_FILE).read_text())
    stored = [e["wer"] for e in state["episodes"].values()]
    assert len(stored) == 1 and 0 <= stored[0] <= 0.2
    assert len(list(site.rglob("*.mp3"))) == 1
