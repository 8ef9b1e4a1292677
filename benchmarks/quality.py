"""Listening quality of the seed narration, measured on the decoded files.

Prints, for each loudness target: integrated loudness and true peak by two meters
(pyloudnorm through narrator.loudness, and ffmpeg's ebur128), the spread of sentence
loudness, the largest sample jump at any join, the longest pause against the policy, cue
checks (count, order, last cue against the file's end) and chapters read back by ffprobe.

    .venv/bin/python benchmarks/quality.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from itertools import pairwise
from pathlib import Path

import numpy as np
from pydub import AudioSegment

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrator import loudness  # noqa: E402
from narrator.pipeline import NarrateOptions, narrate, write_sidecars  # noqa: E402
from narrator.timing import parse_webvtt  # noqa: E402
from narrator.voices import get_profile  # noqa: E402
from tests.audio_check import ffmpeg_ebur128  # noqa: E402


def decoded(path: Path) -> tuple[np.ndarray, int]:
    seg = AudioSegment.from_file(path)
    return np.array(seg.get_array_of_samples(), dtype=np.float32) / 32768.0, seg.frame_rate


def longest_pause_s(samples: np.ndarray, rate: int) -> float:
    win = rate // 100
    n = len(samples) // win
    quiet = np.sqrt(np.mean(samples[: n * win].reshape(n, win) ** 2, axis=1)) < 10 ** (-50 / 20)
    longest = run = 0
    started = False
    for q in quiet:
        if not q:
            started = True
        run = run + 1 if q and started else 0
        longest = max(longest, run)
    return longest * win / rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    seed = args.shared / "seeds" / "000_1faf2e8a263f80d6.txt"
    pauses = get_profile("joe").pauses
    allowed = (pauses.before_heading_ms + 40 + 80) / 1000
    with tempfile.TemporaryDirectory(prefix="narrator-quality-") as folder:
        work = Path(folder)
        print(
            f"{'target':>7}{'LUFS':>8}{'ffmpeg':>8}{'dBTP':>7}{'ffmpeg':>8}{'sent.±':>8}"
            f"{'join':>8}{'pause':>7}{'cues':>6}{'tail':>7}"
        )
        for target in (-16.0, -19.0, -23.0):
            out = work / f"seed{int(-target)}.mp3"
            narration = narrate(seed, out, options=NarrateOptions(loudness=target))
            vtt = work / f"seed{int(-target)}.vtt"
            write_sidecars(narration, subtitles=vtt)
            samples, rate = decoded(out)
            level = loudness.measure(samples, rate)
            ff_i, ff_tp = ffmpeg_ebur128(out)
            spreads = []
            for cue in narration.cues:
                part = samples[cue.start_ms * rate // 1000 : cue.end_ms * rate // 1000]
                lufs = loudness.measure(part, rate).integrated_lufs
                if np.isfinite(lufs):
                    spreads.append(abs(lufs - level.integrated_lufs))
            window = rate // 2000 + 1
            joins = [
                float(np.abs(np.diff(samples[max(0, at - window) : at + window + 1])).max())
                for cue in narration.cues
                for at in (cue.start_ms * rate // 1000, cue.end_ms * rate // 1000)
            ]
            cues = parse_webvtt(vtt.read_text(encoding="utf-8"))
            ordered = all(a.start_ms < a.end_ms <= b.start_ms for a, b in pairwise(cues))
            tail = len(samples) / rate - cues[-1].end_ms / 1000
            print(
                f"{target:7.0f}{level.integrated_lufs:8.1f}{ff_i:8.1f}{level.true_peak_dbtp:7.1f}"
                f"{ff_tp:8.1f}{max(spreads):8.1f}{max(joins):8.4f}"
                f"{longest_pause_s(samples, rate):6.2f}s{len(cues):6d}{tail:6.2f}s"
                + ("" if ordered and len(cues) == len(narration.script.sentences) else "  CUES!")
            )
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(work / "seed16.mp3")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        chapters = json.loads(probe.stdout)["chapters"]
        print(f"longest pause allowed by the policy: {allowed:.2f} s")
        print("chapters (ffprobe):")
        for chapter in chapters:
            print(f"  {float(chapter['start_time']):7.2f} s  {chapter['tags']['title']}")


if __name__ == "__main__":
    main()
