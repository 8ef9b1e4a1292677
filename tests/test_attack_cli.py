"""Replays of the attack on the CLI (issue 14): huge tokens, hostile lexicons and voice
profiles, signals mid-run, and resumed runs that must give the same bytes."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from .audio_check import measure
from .test_attack_files import HANG_GUARD_S, NARRATOR, narrate, no_part_files, one_error_line

TEXT = "The council met on Tuesday. It voted to open the library on Sundays."


def test_a_100_kb_word_is_refused_in_one_line(tmp_path: Path) -> None:
    article = tmp_path / "blob.txt"
    article.write_text("Start here. " + "x" * 100_000 + " The end.", encoding="utf-8")
    out = tmp_path / "out.mp3"
    proc = narrate(str(article), "-o", str(out), "--voice", "espeak", cache=tmp_path / "c")
    assert one_error_line(proc) == (
        "Error: The text holds a run of 100000 characters without a space (starting "
        "'xxxxxxxxxxxxxxxxxxxx'), which is not speakable text. Remove it, or break it up, "
        "and narrate again."
    )
    assert not out.exists()
    no_part_files(tmp_path)


def test_a_long_token_is_cut_and_read(tmp_path: Path) -> None:
    article = tmp_path / "hash.txt"
    article.write_text("The hash is " + "ab" * 300 + ". That is all.", encoding="utf-8")
    out = tmp_path / "out.mp3"
    proc = narrate(str(article), "-o", str(out), "--voice", "joe", cache=tmp_path / "c")
    assert proc.returncode == 0, proc.stderr
    assert measure(out).duration_s > 3.0


@pytest.mark.parametrize("pattern", ["(a+)+$", "(x|xx)*y", "(?:\\\\w+\\\\s?)+$"])
def test_a_catastrophic_lexicon_pattern_is_refused(tmp_path: Path, pattern: str) -> None:
    lexicon = tmp_path / "lex.toml"
    lexicon.write_text(f'[patterns]\n"{pattern}" = "b"\n', encoding="utf-8")
    article = tmp_path / "a.txt"
    article.write_text("a" * 40 + "!", encoding="utf-8")
    proc = narrate(str(article), "-o", str(tmp_path / "o.mp3"), "--lexicon", str(lexicon),
                   cache=tmp_path / "c")  # fmt: skip
    assert "which can take forever to match" in one_error_line(proc)


def test_an_endless_lexicon_file_is_refused(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(TEXT, encoding="utf-8")
    proc = narrate(str(article), "-o", str(tmp_path / "o.mp3"), "--lexicon", "/dev/zero",
                   cache=tmp_path / "c")  # fmt: skip
    assert one_error_line(proc) == (
        "Error: The pronunciation lexicon /dev/zero is larger than 1024 KB; a lexicon is a "
        "short list of words. Give the right file."
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-350", "pauses.sentence_ms = -350; use 0 to 10000 milliseconds."),
        ("99999999999", "pauses.sentence_ms = 99999999999; use 0 to 10000 milliseconds."),
        ("1e300", "pauses.sentence_ms = 1e+300; give whole milliseconds, from 0 to 10000."),
        ('"soon"', "pauses.sentence_ms = 'soon'; give whole milliseconds, from 0 to 10000."),
    ],
)
def test_bad_pauses_in_a_voice_profile_are_one_line(
    tmp_path: Path, value: str, message: str
) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    profile = voices / "slow.toml"
    profile.write_text(
        f'name = "slow"\nengine = "pyttsx3"\n[pauses]\nsentence_ms = {value}\n', encoding="utf-8"
    )
    article = tmp_path / "a.txt"
    article.write_text(TEXT, encoding="utf-8")
    env = {**os.environ, "NARRATOR_VOICES": str(voices), "NARRATOR_CACHE": str(tmp_path / "c")}
    proc = subprocess.run(
        [str(NARRATOR), "narrate", str(article), "-o", str(tmp_path / "o.mp3"), "--voice", "slow"],
        capture_output=True, text=True, env=env, timeout=HANG_GUARD_S, check=False,
    )  # fmt: skip
    assert one_error_line(proc) == f"Error: The voice profile {profile} has {message}"


def _long_article(tmp_path: Path) -> Path:
    article = tmp_path / "long.txt"
    article.write_text(
        " ".join(f"Sentence number {i} is about the council and its library." for i in range(14)),
        encoding="utf-8",
    )
    return article


def _start(article: Path, out: Path, cache: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NARRATOR_CACHE": str(cache)}
    return subprocess.Popen(
        [str(NARRATOR), "narrate", str(article), "-o", str(out), "-q"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def _wait_for_clips(proc: subprocess.Popen[bytes], cache: Path, count: int) -> None:
    """Block until ``count`` clips are in the cache (the run is really mid-way)."""
    import time

    while len(list((cache / "clips").glob("*/*"))) < count:
        assert proc.poll() is None, "the run finished before it could be interrupted"
        time.sleep(0.05)  # polling interval, not a time limit


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_run_resumes_to_the_same_bytes(tmp_path: Path, sig: signal.Signals) -> None:
    article = _long_article(tmp_path)
    clean = tmp_path / "clean.mp3"
    proc = narrate(str(article), "-o", str(clean), "--no-cache", cache=tmp_path / "unused")
    assert proc.returncode == 0, proc.stderr
    cache = tmp_path / "c"
    out = tmp_path / "out.mp3"
    run = _start(article, out, cache)
    _wait_for_clips(run, cache, 4)
    run.send_signal(sig)
    _, stderr = run.communicate(timeout=HANG_GUARD_S)
    assert run.returncode != 0
    assert b"Traceback" not in stderr
    assert not out.exists()
    if sig != signal.SIGKILL:  # a SIGKILL cannot be cleaned up after
        no_part_files(tmp_path)
    proc = narrate(str(article), "-o", str(out), cache=cache)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == clean.read_bytes()


def test_two_clean_runs_with_joe_are_byte_identical(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(TEXT, encoding="utf-8")
    outs = [tmp_path / "one.mp3", tmp_path / "two.mp3"]
    for out in outs:
        proc = narrate(str(article), "-o", str(out), "--no-cache", cache=tmp_path / "c")
        assert proc.returncode == 0, proc.stderr
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_a_feed_where_every_episode_failed_exits_non_zero(tmp_path: Path) -> None:
    from .test_feed import _write_config

    src = tmp_path / "src"
    src.mkdir()
    for name in ("one.txt", "two.md"):
        (src / name).write_text("   \n", encoding="utf-8")  # empty: each article fails
    config = _write_config(tmp_path / "show")
    out = tmp_path / "site"
    env = {**os.environ, "NARRATOR_CACHE": str(tmp_path / "c")}
    proc = subprocess.run(
        [str(NARRATOR), "feed", "build", str(src), "--config", str(config), "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=HANG_GUARD_S, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("Error: Every article failed (2 of 2)")
    assert not (out / "feed.xml").exists()
