"""The CLI: real narrations decoded and measured, and every error as one exact line."""

from __future__ import annotations

import codecs
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3

from narrator.cli import cli

from .audio_check import measure

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "welcome.md"


def run(*args: str, input: bytes | str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


# --- errors: one line, exit 1, no file --------------------------------------------------


def _assert_error(
    tmp_path: Path, args: list[str], message: str, input: bytes | None = None
) -> None:
    out = tmp_path / "out.mp3"
    code, stdout, stderr = run(*args, "-o", str(out), input=input)
    assert code == 1
    assert stderr == f"Error: {message}\n"
    assert stdout == ""
    assert not out.exists()
    assert list(tmp_path.glob(".out.mp3*")) == []


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    _assert_error(
        tmp_path,
        ["narrate", str(missing)],
        f"{missing}: no such file. Check the path, or pass - to read standard input.",
    )


def test_empty_input(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n ")
    _assert_error(
        tmp_path,
        ["narrate", str(empty)],
        f"{empty} is empty: there is nothing to narrate. Give it the article's text.",
    )


def test_empty_stdin(tmp_path: Path) -> None:
    _assert_error(
        tmp_path,
        ["narrate", "-"],
        "standard input is empty: there is nothing to narrate. Give it the article's text.",
        input=b"",
    )


def test_binary_file(tmp_path: Path) -> None:
    image = tmp_path / "photo.txt"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    _assert_error(
        tmp_path,
        ["narrate", str(image)],
        f"{image} is a PNG image, not text. Give a .txt, .md or .html file, or a URL.",
    )


def test_undecodable_text(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(codecs.BOM_UTF8 + b"Caf\xe9 \xff\xfe broken")
    _assert_error(
        tmp_path,
        ["narrate", str(bad)],
        f"{bad} starts with a utf-8 byte-order mark but is not valid utf-8. "
        "Re-save it as UTF-8 and try again.",
    )


def test_unknown_voice(tmp_path: Path) -> None:
    code, _, stderr = run(
        "narrate", str(SAMPLE), "--voice", "nobody", "-o", str(tmp_path / "o.mp3")
    )
    assert code == 1
    assert re.fullmatch(
        r"Error: Unknown voice 'nobody'\. Known voices: .*joe.*\. "
        r"Run 'narrator voices' to list them\.\n",
        stderr,
    )
    assert not (tmp_path / "o.mp3").exists()


def test_unknown_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "robot.toml").write_text('name = "robot"\nengine = "nope"\nmodel = "x"\n')
    monkeypatch.setenv("NARRATOR_VOICES", str(voices))
    code, _, stderr = run("narrate", str(SAMPLE), "--voice", "robot", "-o", str(tmp_path / "o.mp3"))
    assert code == 1
    assert stderr.startswith("Error: Unknown engine 'nope'. Known engines: ")
    assert not (tmp_path / "o.mp3").exists()


def test_output_folder_missing(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "out.mp3"
    code, _, stderr = run("narrate", str(SAMPLE), "-o", str(target))
    assert code == 1
    assert stderr == (
        f"Error: Cannot write {target}: the folder {target.parent} does not exist. "
        "Create it first.\n"
    )


def test_output_is_a_folder(tmp_path: Path) -> None:
    code, _, stderr = run("narrate", str(SAMPLE), "-o", str(tmp_path), "--format", "mp3")
    assert code == 1
    assert (
        stderr
        == f"Error: {tmp_path} is a folder. Give a file name such as {tmp_path / 'article.mp3'}.\n"
    )


def test_unsupported_format(tmp_path: Path) -> None:
    code, _, stderr = run("narrate", str(SAMPLE), "-o", str(tmp_path / "a.flac"))
    assert code == 1
    assert stderr == (
        "Error: Unsupported output format 'flac'. Use one of: mp3, wav, opus, m4a, m4b "
        "(pick it with the file extension or --format).\n"
    )


def test_url_inside_network_refused(tmp_path: Path) -> None:
    _assert_error(
        tmp_path,
        ["narrate", "http://169.254.169.254/latest/"],
        "Refusing to fetch from 169.254.169.254: it is not a public internet address. "
        "narrator only fetches public pages; save the page to a file instead.",
    )


def test_url_that_fails(tmp_path: Path) -> None:
    _assert_error(
        tmp_path,
        ["narrate", "--allow-private-urls", "http://127.0.0.1:9/story.html"],
        "Could not fetch http://127.0.0.1:9/story.html (ConnectionRefusedError). "
        "Check the URL and your connection.",
    )


def test_no_traceback_for_bad_input_through_the_real_command(tmp_path: Path) -> None:
    """The installed console script, as a user runs it."""
    exe = Path(sys.executable).parent / "narrator"
    proc = subprocess.run(
        [str(exe), "narrate", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "x.mp3")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1


# --- real narrations --------------------------------------------------------------------


def test_sample_narrates_to_tagged_mp3(tmp_path: Path) -> None:
    out = tmp_path / "welcome.mp3"
    code, stdout, stderr = run("narrate", str(SAMPLE), "-o", str(out))
    assert code == 0, stderr
    assert stdout == ""
    assert "sentences" in stderr and f"Wrote {out}" in stderr
    m = measure(out)
    assert m.channels == 1
    assert 60 < m.duration_s < 150
    assert m.longest_silence_s < 1.3  # the longest policy pause is 1.0 s before a heading
    assert m.clipped_fraction < 1e-4
    assert m.speech_fraction > 0.7
    tags = ID3(out)
    assert str(tags["TIT2"]) == "A Library Learns to Read Aloud"
    assert str(tags["TPE1"]) == "The narrator developers"
    assert str(tags["TALB"]) == "narrator sample desk"
    assert str(tags["TDRC"]) == "2026-11-24"
    assert [str(c) for c in tags.getall("COMM")] == [str(SAMPLE)]


def test_seed_narration(tmp_path: Path, seed_path: Path) -> None:
    out = tmp_path / "seed.mp3"
    code, _, stderr = run("narrate", str(seed_path), "-o", str(out), "--quiet")
    assert code == 0, stderr
    assert stderr == ""
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration:format_tags=title",
            "-of",
            "default=nw=1",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (
        "TAG:title=Maduro claims 5,000 Russian anti-aircraft missiles as US pressure builds"
        in probe
    )
    m = measure(out)
    assert 120 < m.duration_s < 200  # "a little over two minutes" for the story
    assert m.longest_silence_s < 1.3
    assert m.clipped_fraction < 1e-4
    assert m.speech_fraction > 0.7


def test_espeak_voice_and_wav_output(tmp_path: Path) -> None:
    out = tmp_path / "welcome.wav"
    code, _, stderr = run("narrate", str(SAMPLE), "--voice", "espeak", "-o", str(out), "-q")
    assert code == 0, stderr
    m = measure(out)
    assert m.duration_s > 45 and m.speech_fraction > 0.6
    assert out.read_bytes()[:4] == b"RIFF"


def test_stdin_to_mp3(tmp_path: Path) -> None:
    out = tmp_path / "stdin.mp3"
    code, _, stderr = run(
        "narrate", "-", "-o", str(out), "-q", input=b"A short note.\n\nIt has two paragraphs."
    )
    assert code == 0, stderr
    assert 1.5 < measure(out).duration_s < 8


def test_script_prints_spoken_sentences(seed_path: Path) -> None:
    code, stdout, _ = run("script", str(seed_path))
    assert code == 0
    lines = stdout.splitlines()
    # The headline first (the lexicon respells Maduro so the voice says it right).
    assert "claims five thousand Russian anti-aircraft missiles as U S pressure" in lines[0]
    story = "\n".join(lines)
    first = story.index("Venezuelan President")
    last = story.index("according to C N N")
    assert first < last
    assert not re.search(r"\d", story)


def test_script_shows_the_intro_outro_and_disclosure_narrate_would_say(tmp_path: Path) -> None:
    page = tmp_path / "story.md"
    page.write_text(
        "---\ntitle: River park plan approved\nauthor: Jane Doe\n---\n\n"
        + "The council met on Tuesday to discuss the plan for the river park. " * 6,
        encoding="utf-8",
    )
    code, stdout, _ = run(
        "script", str(page), "--intro", "--outro", "Thanks for listening.", "--disclosure"
    )
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0] == "River park plan approved, by Jane Doe."
    assert "synthetic voice" in lines[1]
    assert lines[2].startswith("The council met on Tuesday")
    assert lines[-1] == "Thanks for listening."
    code, plain, _ = run("script", str(page))
    assert plain.splitlines()[0] == "River park plan approved"
    assert "Thanks" not in plain


def test_voices_lists_profiles_and_engine_voices() -> None:
    code, stdout, _ = run("voices")
    assert code == 0
    assert re.search(r"^\s+heart\s+hibari\s+.*\(default\)$", stdout, re.M)
    assert re.search(r"^\s+joe\s+piper\s", stdout, re.M)
    assert re.search(r"^\s+espeak\s+pyttsx3\s", stdout, re.M)
    assert "en_US-joe-medium" in stdout
    assert "gmw/en-us" in stdout


def test_every_command_has_help_and_is_in_readme() -> None:
    readme = (REPO / "README.md").read_text()
    for name, command in cli.commands.items():
        assert command.help, name
        assert f"narrator {name}" in readme, f"'narrator {name}' is not in README.md"
        code, stdout, _ = run(name, "--help")
        assert code == 0 and "Usage:" in stdout
