"""Speed and memory of narrator against the raw engine, measured in one run.

Prints, for the seed story and a 5,000-word article of our own:
- the raw engine baseline: the same voice rendering the same normalized sentences in one
  process with default threads, no narrator stages (the practical limit);
- narrator's cold wall time (every stage, empty cache) and its ratio to the baseline;
- the warm (fully cached) wall time, in a fresh process and in a warm one;
- re-narration after editing one sentence (5,000 words);
- the first-audio latency of the streaming path (first encoded bytes, empty cache);
- peak resident memory for 5,000 and 20,000 words (the fast espeak voice for both, so the
  two are comparable), against the size of the encoded output.

Every measurement runs in its own process, so "cold" really is cold. Usage:
    .venv/bin/python benchmarks/speed.py [--shared ../shared] [--skip-long] [--voices heart,joe]
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

# Each job runs in a fresh interpreter and prints one JSON line.
RUNNER = r"""
import json, resource, sys, time
t0 = time.perf_counter()
mode, source, out, cache, voice = sys.argv[1:6]
from pathlib import Path
if mode == "baseline":
    from narrator.pipeline import NarrateOptions, load_article, make_script
    from narrator.voices import get_profile
    options = NarrateOptions(voice=voice)
    spoken = [s.spoken for s in make_script(load_article(source, options), options).sentences]
    t1 = time.perf_counter()
    profile = get_profile(voice)
    if profile.engine == "hibari":  # the raw library, its own defaults
        from hibari import Hibari
        from narrator.engines.hibari import resolve_model as hibari_model
        engine = Hibari(model=str(hibari_model(profile.model)), threads=2)
        frames = sum(len(engine(s, seed=0)) for s in spoken)
        rate = engine.sample_rate
    else:
        from piper import PiperVoice, SynthesisConfig
        from narrator.engines.piper import resolve_model
        engine = PiperVoice.load(resolve_model(profile.model))
        config = SynthesisConfig(normalize_audio=False)
        frames = sum(len(c.audio_float_array) for s in spoken for c in engine.synthesize(s, config))
        rate = engine.config.sample_rate
    seconds = time.perf_counter() - t1
    result = {"seconds": seconds, "audio_s": frames / rate}
elif mode == "first":  # a long-running process (the server): voice loaded, article new
    from narrator.pipeline import NarrateOptions, narrate
    from narrator.synth import engine_for
    from narrator.voices import get_profile
    engine_for(get_profile(voice)).synthesize("Warm up.")
    # A running service has narrated something before: warm the text stages too.
    warm = Path(cache) / "warm-up.md"
    warm.parent.mkdir(parents=True, exist_ok=True)
    warm.write_text("# Warm up\n\nA short note, narrated once on Oct. 2 for $5.")
    narrate(warm, Path(cache) / "warm-up.mp3",
            options=NarrateOptions(voice=voice, cache_dir=Path(cache) / "w"))
    first = []
    t1 = time.perf_counter()
    def on_audio(data):
        if not first:
            first.append(time.perf_counter() - t1)
    narrate(source, out, options=NarrateOptions(voice=voice, cache_dir=Path(cache)),
            on_audio=on_audio)
    result = {"first_audio": first[0]}
else:
    from narrator.pipeline import NarrateOptions, narrate
    first = []
    def on_audio(data):
        if not first:
            first.append(time.perf_counter() - t0)
    options = NarrateOptions(voice=voice, cache_dir=Path(cache))
    n = narrate(source, out, options=options, on_audio=on_audio)
    again = None
    if mode == "warm2":  # a second warm run in the same, already warm, process
        t2 = time.perf_counter()
        narrate(source, out, options=options)
        again = time.perf_counter() - t2
    result = {
        "seconds": time.perf_counter() - t0, "audio_s": n.duration_ms / 1000,
        "rendered": n.rendered, "cached": n.cached, "first_audio": first[0] if first else None,
        "again": again, "bytes": Path(out).stat().st_size,
    }
result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def job(mode: str, source: Path, out: Path, cache: Path, voice: str = "joe") -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, mode, str(source), str(out), str(cache), voice],
        capture_output=True, text=True, check=False, cwd=REPO,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"{mode} on {source.name} failed:\n{proc.stderr[-2000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def edit_one_sentence(text: str) -> str:
    marker = "The figures were published on Tuesday."
    return text.replace(marker, "The figures were published late on Wednesday.", 1)


def bench_article(name: str, source: Path, work: Path, voice: str = "joe") -> dict[str, float]:
    cache = work / f"cache-{name}-{voice}"
    out = work / f"{name}-{voice}.mp3"
    base = job("baseline", source, out, cache, voice)
    cold = job("cold", source, out, cache, voice)
    warm = job("warm2", source, out, cache, voice)
    first = job("first", source, out, work / f"cache-first-{name}-{voice}", voice)
    row = {
        "audio_s": cold["audio_s"],
        "baseline_s": base["seconds"],
        "cold_s": cold["seconds"],
        "ratio": cold["seconds"] / base["seconds"],
        "warm_s": warm["seconds"],
        "warm_in_process_s": warm["again"] or 0.0,
        "warm_pct_of_cold": 100 * warm["seconds"] / cold["seconds"],
        "first_audio_s": cold["first_audio"] or 0.0,
        "first_audio_warm_process_s": first["first_audio"],
        "peak_rss_mb": cold["peak_rss_mb"],
    }
    if source.suffix == ".md":
        edited = work / f"{name}-edited.md"
        edited.write_text(edit_one_sentence(source.read_text()))
        redo = job("cold", edited, work / f"{name}-{voice}-edited.mp3", cache, voice)
        row["edit_s"] = redo["seconds"]
        row["edit_rendered"] = redo["rendered"]
        row["edit_pct_of_cold"] = 100 * redo["seconds"] / cold["seconds"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--skip-long", action="store_true", help="Seed only.")
    parser.add_argument("--voices", default="heart,joe", help="Voices to measure, each in turn.")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from corpus import article

    with tempfile.TemporaryDirectory(prefix="narrator-bench-") as folder:
        work = Path(folder)
        seed = args.shared / "seeds" / "000_1faf2e8a263f80d6.txt"
        rows = {}
        for voice in [v for v in args.voices.split(",") if v]:
            rows[f"seed {voice}"] = bench_article("seed", seed, work, voice)
            if not args.skip_long:
                long5 = work / "long5000.md"
                long5.write_text(article(5000))
                rows[f"5,000 w {voice}"] = bench_article("long5000", long5, work, voice)

        print(
            f"{'':14}{'audio':>8}{'engine':>9}{'cold':>8}{'ratio':>7}{'warm':>7}{'warm%':>7}"
            f"{'in-proc':>8}{'first':>7}{'first*':>7}{'edit':>7}{'edit%':>7}"
        )
        for name, r in rows.items():
            edit = f"{r['edit_s']:6.1f}s{r['edit_pct_of_cold']:6.1f}%" if "edit_s" in r else ""
            print(
                f"{name:14}{r['audio_s']:7.0f}s{r['baseline_s']:8.1f}s{r['cold_s']:7.1f}s"
                f"{r['ratio']:6.2f}x{r['warm_s']:6.2f}s{r['warm_pct_of_cold']:6.1f}%"
                f"{r['warm_in_process_s']:7.2f}s{r['first_audio_s']:6.2f}s"
                f"{r['first_audio_warm_process_s']:6.2f}s {edit}"
            )
        print(
            "engine: the raw library (Piper or hibari) on the same sentences; cold/warm: "
            "whole narration in a new process; in-proc: warm again in a warm process; "
            "first: first encoded audio, new process; first*: the same in a process with "
            "the voice loaded (a server)"
        )
        if not args.skip_long:
            memory = {}
            for words in (5000, 20000):
                text = work / f"mem{words}.md"
                text.write_text(article(words, seed=words))
                r = job("cold", text, work / f"mem{words}.mp3", work / f"mc{words}", "espeak")
                memory[words] = r
                print(
                    f"memory, {words:>6} words (espeak): peak RSS {r['peak_rss_mb']:6.0f} MB, "
                    f"audio {r['audio_s'] / 60:5.1f} min, MP3 {r['bytes'] / 1e6:5.1f} MB, "
                    f"{r['seconds']:5.1f} s"
                )
            growth = memory[20000]["peak_rss_mb"] - memory[5000]["peak_rss_mb"]
            allowed = (memory[20000]["bytes"] - memory[5000]["bytes"]) / 2**20 + 50
            print(f"memory growth 5,000 -> 20,000 words: {growth:.0f} MB (goal < {allowed:.0f} MB)")
            for name, r in rows.items():
                if name.startswith("5,000"):
                    print(f"peak RSS, {name}: {r['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
