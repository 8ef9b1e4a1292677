"""Which voice do listeners understand best? Intelligibility, speed and memory per voice.

For every voice profile, on the seed story and two articles of our own (samples/welcome.md
and a generated 600-word article from benchmarks/corpus.py), in one run:
- WER: the offline recognizer (narrator.asr, faster-whisper tiny.en) transcribes the
  voice's audio and is scored against the spoken script (after narrator's normalizer);
- speed: the engine's synthesis time for the same sentences, as a ratio to raw joe's in
  this run (below 1 is faster than joe);
- peak memory: the resident set of a fresh process that loads the voice and renders.

Each voice renders in its own process (so memory and load time are its own). Usage:
    .venv/bin/python benchmarks/voices.py [--shared ../shared] [--voices heart,joe]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

RUNNER = r"""
import json, sys, time, wave
import numpy as np
voice, script_json, out = sys.argv[1:4]
from narrator.voices import get_profile
from narrator.synth import load_engine
sentences = json.loads(open(script_json).read())
t0 = time.perf_counter()
engine = load_engine(get_profile(voice))
load_s = time.perf_counter() - t0
t1 = time.perf_counter()
clips = [engine.synthesize(s) for s in sentences]
synth_s = time.perf_counter() - t1
rate = clips[0].sample_rate
gap = np.zeros(int(0.3 * rate), dtype="<i2").tobytes()
with wave.open(out, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    for clip in clips:
        w.writeframes(clip.pcm + gap)
audio_s = sum(c.frames for c in clips) / rate
# VmHWM, not ru_maxrss: ru_maxrss survives exec, so it would report the parent's peak.
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"load_s": load_s, "synth_s": synth_s, "audio_s": audio_s,
                  "peak_mb": int(hwm.split()[1]) / 1024}))
"""


def _texts(shared: Path) -> dict[str, str]:
    sys.path.insert(0, str(HERE))
    from corpus import article

    return {
        "seed": (shared / "seeds" / "000_1faf2e8a263f80d6.txt").read_text(encoding="utf-8"),
        "welcome": (REPO / "samples" / "welcome.md").read_text(encoding="utf-8"),
        "corpus600": article(600),
    }


def _spoken(text: str, folder: Path, name: str) -> list[str]:
    from narrator.models import DocFormat, Document
    from narrator.pipeline import NarrateOptions, load_article, make_script

    fmt = DocFormat.MARKDOWN if name != "seed" else DocFormat.TEXT
    options = NarrateOptions()
    script = make_script(load_article(Document(text, fmt, name), options), options)
    return [s.spoken for s in script.sentences]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--voices", default="")
    args = parser.parse_args()

    from narrator.asr import transcribe, word_errors
    from narrator.voices import load_profiles

    voices = [v for v in args.voices.split(",") if v] or sorted(load_profiles())
    if "joe" not in voices:
        voices.append("joe")  # the speed baseline
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="narrator-voices-") as tmp:
        folder = Path(tmp)
        for name, text in _texts(args.shared).items():
            sentences = _spoken(text, folder, name)
            script = folder / f"{name}.json"
            script.write_text(json.dumps(sentences), encoding="utf-8")
            reference = " ".join(sentences)
            for voice in voices:
                wav = folder / f"{name}-{voice}.wav"
                run = subprocess.run(
                    [sys.executable, "-c", RUNNER, voice, str(script), str(wav)],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=REPO,
                )
                result = json.loads(run.stdout.strip().splitlines()[-1])
                errors = word_errors(reference, transcribe(wav).text)
                row = rows.setdefault(
                    voice, {"errors": 0, "words": 0, "synth": 0.0, "audio": 0.0, "peak": 0.0}
                )
                row["errors"] += errors.substitutions + errors.deletions + errors.insertions
                row["words"] += errors.reference_words
                row["synth"] += result["synth_s"]
                row["audio"] += result["audio_s"]
                row["peak"] = max(row["peak"], result["peak_mb"])
                print(
                    f"{name:10s} {voice:8s} WER {100 * errors.wer:5.1f} %  "
                    f"synth {result['synth_s']:6.2f} s for {result['audio_s']:6.1f} s audio  "
                    f"load {result['load_s']:4.2f} s  peak {result['peak_mb']:5.0f} MB",
                    flush=True,
                )
    joe = rows["joe"]["synth"]
    print("\nvoice    WER (all texts)  speed vs raw joe (time ratio)  peak MB")
    for voice, row in sorted(rows.items(), key=lambda kv: kv[1]["errors"] / kv[1]["words"]):
        wer = 100 * row["errors"] / row["words"]
        ratio = row["synth"] / joe
        print(f"{voice:8s} {wer:6.1f} %         {ratio:5.2f}x           {row['peak']:5.0f}")


if __name__ == "__main__":
    main()
