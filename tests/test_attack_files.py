"""Replays of the attack on output files and the cache (issue 14): every output path is
written atomically over a regular file or a new path, through to a device or FIFO, and to
a symlink's target; damaged cache entries are discarded and made again, never copied out.

Device nodes and FIFOs are made in a temporary folder (``mknod`` as root), never the real
``/dev/null``.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .audio_check import measure

NARRATOR = Path(sys.executable).parent / "narrator"
TEXT = "The council met on Tuesday. It voted to open the library on Sundays."
HANG_GUARD_S = 600  # a generous guard against a hang, not a speed limit


def narrate(
    *args: str, cache: Path, limit_kb: int | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it, with its own cache."""
    env = {**os.environ, "NARRATOR_CACHE": str(cache)}
    pre = None
    if limit_kb is not None:
        import resource

        def pre() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_kb * 1024, limit_kb * 1024))

    return subprocess.run(
        [str(NARRATOR), "narrate", *args, "-q"],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=pre,
        timeout=HANG_GUARD_S,
        check=False,
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    return lines[0]


def no_part_files(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.endswith(".part")] == []


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "story.txt"
    path.write_text(TEXT + "\n", encoding="utf-8")
    return path


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")


@needs_root
def test_a_character_device_is_written_through_and_stays_a_device(
    tmp_path: Path, article: Path
) -> None:
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the null device, in tmp
    proc = narrate(str(article), "-o", str(null), "--voice", "espeak", cache=tmp_path / "c")
    assert proc.returncode == 0, proc.stderr
    mode = null.lstat().st_mode
    assert stat.S_ISCHR(mode) and os.major(null.lstat().st_rdev) == 1
    no_part_files(tmp_path)
    # The memo was taken from the finished file, not read back from the device: a second
    # run to a real file gives a whole MP3, not an empty "narration".
    out = tmp_path / "again.mp3"
    proc = narrate(str(article), "-o", str(out), "--voice", "espeak", cache=tmp_path / "c")
    assert proc.returncode == 0, proc.stderr
    assert measure(out).duration_s > 2.0


@needs_root
def test_a_block_device_is_refused_before_any_work(tmp_path: Path, article: Path) -> None:
    # Major 240 is reserved for local/experimental use: nothing answers it, so even a wrong
    # write could not touch a real disk.
    blk = tmp_path / "blk"
    os.mknod(blk, 0o600 | stat.S_IFBLK, os.makedev(240, 0))
    proc = narrate(str(article), "-o", str(blk), "--voice", "espeak", cache=tmp_path / "c")
    assert one_error_line(proc) == (
        f"Error: Cannot write {blk}: it is a block device, not a file. Give a file name "
        f"(or a character device or FIFO such as /dev/null)."
    )
    assert stat.S_ISBLK(blk.lstat().st_mode)
    assert not (tmp_path / "c" / "clips").exists()  # refused before synthesis


def test_a_fifo_receives_the_mp3_and_stays_a_fifo(tmp_path: Path, article: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    proc = narrate(str(article), "-o", str(fifo), "--voice", "espeak", cache=tmp_path / "c")
    reader.join(timeout=HANG_GUARD_S)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    copy = tmp_path / "received.mp3"
    copy.write_bytes(received[0])
    assert measure(copy).duration_s > 2.0
    no_part_files(tmp_path)


def test_a_symlink_stays_a_link_and_its_target_gets_the_audio(
    tmp_path: Path, article: Path
) -> None:
    episodes = tmp_path / "episodes"
    episodes.mkdir()
    target = episodes / "12.mp3"
    target.write_bytes(b"old episode")
    link = tmp_path / "latest.mp3"
    link.symlink_to(target)
    subs = tmp_path / "latest.vtt"
    subs.symlink_to(episodes / "12.vtt")  # a dangling link: its target is created
    proc = narrate(
        str(article), "-o", str(link), "--subtitles", str(subs), "--voice", "espeak",
        cache=tmp_path / "c",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and link.resolve() == target
    assert subs.is_symlink() and (episodes / "12.vtt").read_text().startswith("WEBVTT")
    assert measure(target).duration_s > 2.0
    no_part_files(tmp_path)
    no_part_files(episodes)


def test_subtitles_with_a_bad_extension_are_refused_before_any_audio(
    tmp_path: Path, article: Path
) -> None:
    out = tmp_path / "out.mp3"
    bad = tmp_path / "x.txt"
    proc = narrate(str(article), "-o", str(out), "--subtitles", str(bad), cache=tmp_path / "c")
    assert one_error_line(proc) == "Error: Subtitles go in a .vtt or .srt file, not x.txt."
    assert not out.exists() and not bad.exists()
    assert not (tmp_path / "c" / "clips").exists()  # nothing was rendered


def test_chapters_in_a_missing_folder_are_refused_before_any_audio(
    tmp_path: Path, article: Path
) -> None:
    out = tmp_path / "out.mp3"
    chapters = tmp_path / "nowhere" / "c.json"
    proc = narrate(str(article), "-o", str(out), "--chapters", str(chapters), cache=tmp_path / "c")
    assert "the folder" in one_error_line(proc)
    assert not out.exists()
    assert not (tmp_path / "c" / "clips").exists()


@pytest.mark.parametrize("voice", ["joe", "espeak"])
def test_a_file_size_limit_is_one_line_and_leaves_nothing(tmp_path: Path, voice: str) -> None:
    article = tmp_path / "long.txt"
    article.write_text("This is a sentence of words. " * 12, encoding="utf-8")
    out = tmp_path / "out.mp3"
    proc = narrate(
        str(article), "-o", str(out), "--voice", voice, "--no-cache",
        cache=tmp_path / "c", limit_kb=40,
    )  # fmt: skip
    line = one_error_line(proc)
    assert "ulimit -f" in line
    assert not out.exists()
    no_part_files(tmp_path)


@pytest.mark.parametrize("damage", [b"", b"12345678", b"\xff\xfb" * 500])
def test_a_damaged_narration_memo_is_made_again(
    tmp_path: Path, article: Path, damage: bytes
) -> None:
    cache = tmp_path / "c"
    first = tmp_path / "first.mp3"
    assert narrate(str(article), "-o", str(first), "--voice", "espeak", cache=cache).returncode == 0
    (memo,) = (cache / "narrations").glob("*/*.mp3")
    memo.write_bytes(damage)
    again = tmp_path / "again.mp3"
    proc = narrate(str(article), "-o", str(again), "--voice", "espeak", cache=cache)
    assert proc.returncode == 0, proc.stderr
    assert "Warning: a damaged narration in the cache" in proc.stderr
    assert again.read_bytes() == first.read_bytes()


def _clip_files(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "clips").glob("*/*") if p.is_file())


@pytest.mark.parametrize("how", ["truncate", "flip", "rate"])
def test_damaged_clips_are_rendered_again_not_shortened(
    tmp_path: Path, article: Path, how: str
) -> None:
    cache = tmp_path / "c"
    first = tmp_path / "first.mp3"
    assert narrate(str(article), "-o", str(first), "--voice", "espeak", cache=cache).returncode == 0
    for memo in (cache / "narrations").glob("*/*"):
        memo.unlink()  # force assembly from the clips
    for clip in _clip_files(cache):
        data = bytearray(clip.read_bytes())
        if how == "truncate":
            data = data[: len(data) // 3]
        elif how == "flip":
            data[len(data) // 2] ^= 0xFF
        else:
            data[4:8] = (8000).to_bytes(4, "little")  # a plausible but wrong sample rate
        clip.write_bytes(bytes(data))
    again = tmp_path / "again.mp3"
    proc = narrate(str(article), "-o", str(again), "--voice", "espeak", cache=cache)
    assert proc.returncode == 0, proc.stderr
    assert "Warning: a damaged clip in the cache" in proc.stderr
    assert proc.stderr.count("Warning") == 1  # one line, not one per clip
    assert abs(measure(again).duration_s - measure(first).duration_s) < 0.05


def test_a_damaged_script_memo_is_made_again(tmp_path: Path, article: Path) -> None:
    cache = tmp_path / "c"
    first = tmp_path / "first.mp3"
    assert narrate(str(article), "-o", str(first), "--voice", "espeak", cache=cache).returncode == 0
    (script,) = (cache / "scripts").glob("*/*.json")
    script.write_text('{"article": ', encoding="utf-8")
    for _ in range(2):  # not "fails every run until the cache is cleared"
        again = tmp_path / "again.mp3"
        proc = narrate(str(article), "-o", str(again), "--voice", "espeak", cache=cache)
        assert proc.returncode == 0, proc.stderr
        assert again.read_bytes() == first.read_bytes()
