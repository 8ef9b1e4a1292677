"""Score narrator's normalizer on NVIDIA NeMo's English text-normalization cases.

Reads ``peer-suites/tn_nemo_en/tn_en.jsonl`` and ``tn_en_multi_reference.jsonl`` from the
shared folder (never copied into the repo) and prints, per category: cases, exact matches,
relaxed matches (the suite README's rule), relaxed matches with spelled letters joined, and
how many outputs still hold digits or symbols.

Relaxed, as the README defines it: lower-case, punctuation removed, "-" as a space, the word
"and" ignored. "Spelled" also joins runs of single letters, because NeMo writes letters it
spells as one capitalized word ("AM", "EST", "DE") and narrator writes them apart
("U S", "F B I"): the same speech in two notations.

It then reads real news sentences with digits (``benchmarks/news_corpus.py``: the
extraction corpora's gold bodies, split by domain into a dev half the rules were reviewed
on and a held-out half they never were) and prints, per half, for narrator and for the
baseline (narrator at ``--baseline-rev``, run from ``git archive`` in a subprocess in the
same run): outputs with digits left, outputs with a suspicious reading (a run of four or
more digit words such as "two seven five zero", or a digit word glued to a dot or a
letter: "four.two"), and the hand-checked error rate of a fixed random sample of held-out
sentences, from the verdicts in ``benchmarks/data/news_verdicts.json`` (keyed by a hash of
sentence and output, so no page text is stored; an output nobody has judged is counted
as unjudged, never as right).

    python benchmarks/normalization.py [--shared PATH] [--show CATEGORY|all]
        [--baseline-rev REV] [--review N]   # --review prints the sample still to judge
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from narrator.normalize import normalize

DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SUITE = Path("peer-suites") / "tn_nemo_en"
# The categories the normalizer is held to; the rest are reported for information.
GOAL_CATEGORIES = (
    "cardinal",
    "decimal",
    "ordinal",
    "money",
    "date",
    "time",
    "measure",
    "fraction",
)
_PUNCT_RE = re.compile(r"[^\w\s]|_")
_DIGIT_RE = re.compile(r"\d")
_SYMBOL_RE = re.compile(r"[$%/@#&+=<>*^~|\\€£¥₩°]")
_LETTER_RUN_RE = re.compile(r"\b(?:[a-z] )+[a-z]\b")


def relaxed(text: str) -> str:
    """The README's relaxed form: lower case, no punctuation, "-" as space, no "and"."""
    text = _PUNCT_RE.sub(" ", text.lower().replace("-", " "))
    return " ".join(w for w in text.split() if w != "and")


def spelled(text: str) -> str:
    """:func:`relaxed`, with runs of single letters joined ("u s" -> "us")."""
    return _LETTER_RUN_RE.sub(lambda m: m.group(0).replace(" ", ""), relaxed(text))


@dataclass
class Score:
    """Counts for one category."""

    cases: int = 0
    exact: int = 0
    relaxed: int = 0
    spelled: int = 0
    digits_left: int = 0
    symbols_left: int = 0

    def rate(self, count: int) -> float:
        """``count`` as a fraction of the cases."""
        return count / self.cases if self.cases else 0.0


@dataclass(frozen=True)
class Miss:
    """One case the normalizer did not match under the relaxed rule (the goals' rule)."""

    category: str
    written: str
    expected: str
    got: str
    spelled: bool
    """Whether it matches once spelled letters are joined: a notation difference only."""


def _references(spoken: str | list[str]) -> list[str]:
    return spoken if isinstance(spoken, list) else [spoken]


def score_cases(
    cases: Iterable[tuple[str, str, list[str]]],
) -> tuple[dict[str, Score], list[Miss]]:
    """Score ``(category, written, acceptable spoken forms)`` cases; "all" totals them."""
    scores: dict[str, Score] = {"all": Score()}
    misses: list[Miss] = []
    for category, written, references in cases:
        got = normalize(written)
        for key in (category, "all"):
            score = scores.setdefault(key, Score())
            score.cases += 1
            score.exact += got in references
            score.relaxed += relaxed(got) in {relaxed(r) for r in references}
            score.spelled += spelled(got) in {spelled(r) for r in references}
            score.digits_left += bool(_DIGIT_RE.search(got))
            score.symbols_left += bool(_SYMBOL_RE.search(got))
        if relaxed(got) not in {relaxed(r) for r in references}:
            notation = spelled(got) in {spelled(r) for r in references}
            misses.append(Miss(category, written, references[0], got, notation))
    return scores, misses


def load_suite(shared: Path) -> list[tuple[str, str, list[str]]]:
    """NeMo's single-reference TN cases, then the multi-reference set as one category."""
    folder = shared / SUITE
    cases: list[tuple[str, str, list[str]]] = []
    with (folder / "tn_en.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            case = json.loads(line)
            cases.append((case["category"], case["written"], _references(case["spoken"])))
    multi = folder / "tn_en_multi_reference.jsonl"
    if multi.is_file():
        with multi.open(encoding="utf-8") as lines:
            for line in lines:
                case = json.loads(line)
                cases.append(("multi_reference", case["written"], case["acceptable_spoken"]))
    return cases


def score_suite(shared: Path = DEFAULT_SHARED) -> dict[str, Score]:
    """Per-category scores over the single-reference suite ("all" excludes multi_reference)."""
    cases = [c for c in load_suite(shared) if c[0] != "multi_reference"]
    return score_cases(cases)[0]


BASELINE_REV = "11a1796"
"""The commit before issue 15's normalizer work: the before-figures."""
VERDICTS = Path(__file__).resolve().parent / "data" / "news_verdicts.json"
SAMPLE_SIZE = 100
SAMPLE_SEED = 15
_DIGIT_WORD = r"(?:zero|one|two|three|four|five|six|seven|eight|nine)"
_SUSPICIOUS_RE = re.compile(
    rf"\b{_DIGIT_WORD}(?: {_DIGIT_WORD}){{3,}}\b|\b{_DIGIT_WORD}\.[a-z]|\w\.{_DIGIT_WORD}\b"
)


def verdict_key(sentence: str, spoken: str) -> str:
    """The key of a hand verdict: the sentence and what was said for it, hashed."""
    return hashlib.sha256(f"{sentence}\n{spoken}".encode()).hexdigest()[:24]


def _baseline_outputs(sentences: list[str], rev: str) -> list[str] | None:
    """What narrator at ``rev`` says for each sentence, or None if git cannot export it."""
    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", rev, "narrator"], capture_output=True
        )
        if archive.returncode:
            return None
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        code = (
            "import json, sys\nfrom narrator.normalize import normalize\n"
            "print(json.dumps([normalize(s) for s in json.load(sys.stdin)]))"
        )
        run = subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps(sentences),
            capture_output=True,
            text=True,
            cwd=folder,
            env={"PYTHONPATH": folder, "PATH": "/usr/bin:/bin"},
        )
        if run.returncode:
            print(run.stderr[-2000:], file=sys.stderr)
            return None
        outputs: list[str] = json.loads(run.stdout)
        return outputs


def _sample(held_out: list[str]) -> list[str]:
    return random.Random(SAMPLE_SEED).sample(held_out, min(SAMPLE_SIZE, len(held_out)))


def _news_row(
    name: str, outputs: list[str], sample: dict[str, str], verdicts: dict[str, str]
) -> str:
    digits = sum(bool(_DIGIT_RE.search(o)) for o in outputs)
    suspicious = sum(bool(_SUSPICIOUS_RE.search(o)) for o in outputs)
    judged = [verdicts.get(verdict_key(s, o)) for s, o in sample.items()]
    wrong = sum(v == "wrong" for v in judged)
    known = sum(v is not None for v in judged)
    rate = f"{wrong / known:.1%}" if known else "-"
    return (
        f"  {name:<10}{len(outputs):>6}{digits:>8}{suspicious:>12}"
        f"{rate:>12} ({wrong}/{known} judged, {len(judged) - known} unjudged)"
    )


def news_report(shared: Path, rev: str, review: int) -> None:
    """Print the news corpus figures for narrator and the baseline."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from news_corpus import sentences as news_sentences

    verdicts: dict[str, str] = {}
    if VERDICTS.is_file():
        verdicts = json.loads(VERDICTS.read_text(encoding="utf-8"))
    print(f"\nnews sentences with digits (baseline: narrator at {rev})")
    print(f"  {'':<10}{'n':>6}{'digits':>8}{'suspicious':>12}{'sample err':>12}")
    to_review: list[tuple[str, str, str]] = []
    for half in ("dev", "held-out"):
        found = news_sentences(shared, half)
        ours = [normalize(s) for s in found]
        base = _baseline_outputs(found, rev)
        chosen = set(_sample(found)) if half == "held-out" else set()
        print(f" {half} half")
        for name, outputs in (("narrator", ours), ("baseline", base)):
            if outputs is None:
                print(f"  {name:<10} (could not run)")
                continue
            sample = {s: o for s, o in zip(found, outputs, strict=True) if s in chosen}
            print(_news_row(name, outputs, sample, verdicts))
            if half == "held-out" and base is not None:
                # Every held-out sentence whose reading changed, judged both ways.
                changed = {
                    s: o for s, o, b in zip(found, outputs, base, strict=True) if normalize(s) != b
                }
                judged = [verdicts.get(verdict_key(s, o)) for s, o in changed.items()]
                print(
                    f"  {'':<10}changed readings: {len(changed)}, wrong "
                    f"{judged.count('wrong')}/{len(judged) - judged.count(None)} judged"
                )
                to_review += [
                    (name, s, o) for s, o in changed.items() if verdict_key(s, o) not in verdicts
                ]
            to_review += [
                (name, s, o) for s, o in sample.items() if verdict_key(s, o) not in verdicts
            ]
    for name, sentence, spoken in to_review[:review]:
        print(f"[{verdict_key(sentence, spoken)}] ({name}) {sentence}\n    -> {spoken}")


def _seed_speed(shared: Path) -> None:
    seed = shared / "seeds" / "000_1faf2e8a263f80d6.txt"
    if not seed.is_file():
        return
    lines = [line for line in seed.read_text(encoding="utf-8").splitlines() if line]
    normalize("warm up")
    runs, cpu = [], []
    for _ in range(5):
        began, began_cpu = time.perf_counter(), time.process_time()
        for line in lines:
            normalize(line)
        runs.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    # CPU time too: on a shared machine the wall clock also counts other people's work.
    print(
        f"speed: the seed's {len(lines)} lines normalized in {statistics.median(runs) * 1000:.1f} "
        f"ms wall, {statistics.median(cpu) * 1000:.1f} ms CPU (medians of 5; goal: under 50 ms)"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the table; ``--show CATEGORY`` also lists that category's misses."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument(
        "--show",
        action="append",
        default=[],
        help="list the relaxed misses of a category ('all' for every category)",
    )
    parser.add_argument("--baseline-rev", default=BASELINE_REV)
    parser.add_argument("--review", type=int, default=0, help="print N unjudged sample outputs")
    parser.add_argument("--no-news", action="store_true", help="skip the news corpus")
    args = parser.parse_args(argv)
    suite = load_suite(args.shared)
    single = [c for c in suite if c[0] != "multi_reference"]
    scores, misses = score_cases(single)
    multi_scores, multi_misses = score_cases([c for c in suite if c[0] == "multi_reference"])
    scores["multi_reference"] = multi_scores["all"]
    misses += multi_misses
    print(
        f"{'category':<26}{'n':>5}{'exact':>8}{'relaxed':>9}{'spelled':>9}{'digits':>8}{'symb':>6}"
    )
    order = sorted(k for k in scores if k not in ("all", "multi_reference"))
    for name in [*order, "all", "multi_reference"]:
        s = scores[name]
        mark = "*" if name in GOAL_CATEGORIES else " "
        print(
            f"{mark}{name:<25}{s.cases:>5}{s.rate(s.exact):>8.1%}{s.rate(s.relaxed):>9.1%}"
            f"{s.rate(s.spelled):>9.1%}{s.digits_left:>8}{s.symbols_left:>6}"
        )
    _seed_speed(args.shared)
    for miss in misses:
        if miss.category in args.show or "all" in args.show:
            note = "  (spelled letters only)" if miss.spelled else ""
            print(f"[{miss.category}] {miss.written!r}{note}")
            print(f"    want {miss.expected!r}\n    got  {miss.got!r}")
    if not args.no_news and (args.shared / "corpora" / "extraction").is_dir():
        news_report(args.shared, args.baseline_rev, args.review)
    return 0


if __name__ == "__main__":
    sys.exit(main())
