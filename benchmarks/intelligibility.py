"""How well the default voice is understood: word error rate of narrations heard back.

Narrates three texts with the default voice, hears each file back with the offline
recognizer (``narrator.asr``, Whisper tiny.en) and scores it against its script after
narrator's own normalization (``narrator.verify.check_audio``, heard in windows of whole
sentences by their cues). Then narrates each again
with ``--verify`` (``narrator.verify.narrate_verified``) and hears the finished file
afresh, so both figures are measured the same way in the same run. The texts: the shared
seed article (read from ``../shared``, never copied), narrator's bundled
``samples/welcome.md``, and a generated report of our own (``benchmarks/corpus.py``).
The seed's goal: a word error rate of 3 % or less.

    python benchmarks/intelligibility.py [--shared PATH] [--voice NAME] [--words N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from narrator.pipeline import NarrateOptions, narrate
from narrator.verify import Check, check_audio, lines_of, narrate_verified

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"
SEED = Path("seeds") / "000_1faf2e8a263f80d6.txt"
SEED_GOAL = 0.03


def _worst(check: Check, n: int = 3) -> list[str]:
    worst = sorted(check.sentences, key=lambda s: -s.errors.errors)[:n]
    return [
        f"      {s.errors.wer:5.0%}  {s.line.spoken[:90]!r}\n             heard {s.heard[:90]!r}"
        for s in worst
        if s.errors.errors
    ]


def main(argv: list[str] | None = None) -> int:
    """Print one row per text: words, WER without and with --verify, time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--voice", default=None, help="voice profile (default: narrator's)")
    parser.add_argument("--words", type=int, default=400, help="length of the generated text")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from corpus import article

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        report = work / "report.md"
        report.write_text(article(args.words, seed=15), encoding="utf-8")
        texts = [("welcome.md", ROOT / "samples" / "welcome.md"), ("report (ours)", report)]
        seed = args.shared / SEED
        if seed.is_file():
            texts.insert(0, ("seed", seed))
        else:
            print(f"(no seed at {seed}; pass --shared)")
        options = NarrateOptions(cache_dir=work / "cache")
        if args.voice:
            options = NarrateOptions(voice=args.voice, cache_dir=work / "cache")
        print(
            f"{'text':<16}{'sentences':>10}{'words':>7}{'WER':>8}{'verify':>8}"
            f"{'changed':>9}{'s plain':>9}{'s verify':>10}"
        )
        for name, path in texts:
            began = time.perf_counter()
            plain_out = work / f"{name}.plain.mp3"
            narration = narrate(path, plain_out, options=options)
            plain = check_audio(plain_out, lines_of(narration.script, narration.cues))
            plain_seconds = time.perf_counter() - began
            began = time.perf_counter()
            verified_out = work / f"{name}.verified.mp3"
            verified = narrate_verified(path, verified_out, options=options)
            final = verified.narration
            fresh = check_audio(verified_out, lines_of(final.script, final.cues))
            verify_seconds = time.perf_counter() - began
            changed = sum(c.how != "kept" for c in verified.changes)
            print(
                f"{name:<16}{len(plain.sentences):>10}{plain.errors.reference_words:>7}"
                f"{plain.wer:>8.1%}{fresh.wer:>8.1%}{changed:>4}/{len(verified.changes):<4}"
                f"{plain_seconds:>9.0f}{verify_seconds:>10.0f}"
            )
            for line in _worst(plain):
                print(line)
            for change in verified.changes:
                print(
                    f"      verify: {change.how}: {change.before.wer:.0%} -> "
                    f"{change.after.wer:.0%}  {change.written[:70]!r}"
                )
            if name == "seed":
                verdict = "met" if min(plain.wer, fresh.wer) <= SEED_GOAL else "not met"
                print(f"      seed goal WER <= {SEED_GOAL:.0%}: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
