"""How close narrator's word timings are to when the words are heard.

For each neural voice, on the seed story and two articles of our own (samples/welcome.md
and a generated 600-word article), narrator narrates to WAV and the offline recognizer
(narrator.asr, faster-whisper tiny.en with word timestamps) transcribes the result. Words
that read the same in both (an order-preserving match of their letters) are paired, and
the onset error is |narrator's start - Whisper's start|. Printed: median and 95th
percentile per voice and text, against the goal (median <= 50 ms, p95 <= 120 ms).

Whisper's own word times are an estimate too (cross-attention alignment, 20 ms steps), and
they have one known, large bias: a word after a pause is said to start where the word before
it ended, inside the silence (measured here: 200-450 ms early on words after commas, while
narrator's onsets sit where the sound resumes). So the figures are given twice: against
Whisper's raw onsets, and against Whisper's onsets moved to the first sounding 10 ms of
the word (a word cannot start in silence), which is the reference the goal is judged on.
With ``--long``, a 20-minute article is narrated as well and the median errors of its first
and last tenths are compared: a timing drift would grow with position.

Usage: .venv/bin/python benchmarks/timings.py [--shared ../shared] [--voices heart,joe] [--long]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from difflib import SequenceMatcher
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _key(word: str) -> str:
    return "".join(ch for ch in word.casefold() if ch.isalnum())


def sounding(path: Path) -> list[bool]:
    """Per 10 ms of the WAV at ``path``: is there sound (within 40 dB of the loudest)?"""
    import wave

    import numpy as np

    with wave.open(str(path)) as w:
        rate = w.getframerate()
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32)
    win = rate // 100
    frames = audio[: len(audio) // win * win].reshape(-1, win) / 32768.0
    level = 10 * np.log10(np.mean(frames * frames, axis=1) + 1e-12)
    return list(level > level.max() - 40)


def corrected(start_ms: int, end_ms: int, sound: list[bool]) -> int:
    """Whisper's onset moved to the first sounding 10 ms at or after it (not past the end)."""
    k = start_ms // 10
    while k < len(sound) and k * 10 < end_ms and not sound[k]:
        k += 1
    return min(k * 10, end_ms) if k * 10 > start_ms else start_ms


def onset_errors(
    narration: object, heard: object, sound: list[bool] | None = None
) -> list[tuple[float, float]]:
    """(position in the file 0..1, |onset error| in ms) for each paired word; with
    ``sound``, against Whisper's onsets moved out of silence."""
    ours = [w for cue in narration.cues for w in cue.words]  # type: ignore[attr-defined]
    theirs = list(heard.words)  # type: ignore[attr-defined]
    matcher = SequenceMatcher(
        None, [_key(w.text) for w in ours], [_key(w.text) for w in theirs], autojunk=False
    )
    total = max(1, narration.duration_ms)  # type: ignore[attr-defined]
    pairs = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            a, b = ours[block.a + k], theirs[block.b + k]
            if _key(a.text):
                onset = b.start_ms if sound is None else corrected(b.start_ms, b.end_ms, sound)
                pairs.append((a.start_ms / total, abs(a.start_ms - onset)))
    return pairs


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--voices", default="heart,joe")
    parser.add_argument("--long", action="store_true", help="also a 20-minute narration")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from corpus import article

    from narrator.asr import transcribe
    from narrator.pipeline import NarrateOptions, narrate

    with tempfile.TemporaryDirectory(prefix="narrator-timings-") as tmp:
        folder = Path(tmp)
        generated = folder / "corpus600.md"
        generated.write_text(article(600), encoding="utf-8")
        texts = {
            "seed": args.shared / "seeds" / "000_1faf2e8a263f80d6.txt",
            "welcome": REPO / "samples" / "welcome.md",
            "corpus600": generated,
        }
        if args.long:
            long_article = folder / "corpus3000.md"
            long_article.write_text(article(3000, seed=11), encoding="utf-8")
            texts["corpus3000"] = long_article
        print(f"{'text':11s} {'voice':7s} {'words':>6s} {'median':>7s} {'p95':>6s}  estimated")
        for voice in [v for v in args.voices.split(",") if v]:
            everything: list[float] = []
            for name, source in texts.items():
                out = folder / f"{name}-{voice}.wav"
                options = NarrateOptions(voice=voice, cache_dir=folder / "cache")
                narration = narrate(source, out, options=options)
                heard = transcribe(out)
                raw = [e for _, e in onset_errors(narration, heard)]
                pairs = onset_errors(narration, heard, sounding(out))
                errors = [e for _, e in pairs]
                everything += errors if name != "corpus3000" else []
                estimated = any(c.estimated for c in narration.cues)
                print(
                    f"{name:11s} {voice:7s} {len(errors):6d} {statistics.median(errors):5.0f}ms "
                    f"{_percentile(errors, 0.95):4.0f}ms  {estimated}  (raw Whisper onsets: "
                    f"median {statistics.median(raw):.0f} ms, p95 {_percentile(raw, 0.95):.0f} ms)",
                    flush=True,
                )
                if name == "corpus3000":
                    head = [e for p, e in pairs if p <= 0.1]
                    tail = [e for p, e in pairs if p >= 0.9]
                    print(
                        f"  drift over {narration.duration_ms / 60000:.1f} min: median error "
                        f"first tenth {statistics.median(head):.0f} ms, last tenth "
                        f"{statistics.median(tail):.0f} ms"
                    )
            print(
                f"{'all three':11s} {voice:7s} {len(everything):6d} "
                f"{statistics.median(everything):5.0f}ms {_percentile(everything, 0.95):4.0f}ms"
                f"  (goal: median <= 50 ms, p95 <= 120 ms)"
            )


if __name__ == "__main__":
    main()
