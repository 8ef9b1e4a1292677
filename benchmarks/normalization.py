"""Score narrator's normalizer on NVIDIA NeMo's English text-normalization cases.

Reads ``peer-suites/tn_nemo_en/tn_en.jsonl`` and ``tn_en_multi_reference.jsonl`` from the
shared folder (never copied into the repo) and prints, per category: cases, exact matches,
relaxed matches (the suite README's rule), relaxed matches with spelled letters joined, and
how many outputs still hold digits or symbols.

Relaxed, as the README defines it: lower-case, punctuation removed, "-" as a space, the word
"and" ignored. "Spelled" also joins runs of single letters, because NeMo writes letters it
spells as one capitalized word ("AM", "EST", "DE") and narrator writes them apart
("U S", "F B I"): the same speech in two notations.

    python benchmarks/normalization.py [--shared PATH] [--show CATEGORY|all]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
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
    seed = args.shared / "seeds" / "000_1faf2e8a263f80d6.txt"
    if seed.is_file():
        lines = [line for line in seed.read_text(encoding="utf-8").splitlines() if line]
        normalize("warm up")
        began = time.perf_counter()
        for line in lines:
            normalize(line)
        took = time.perf_counter() - began
        print(f"speed: the seed's {len(lines)} lines normalized in {took * 1000:.1f} ms")
    for miss in misses:
        if miss.category in args.show or "all" in args.show:
            note = "  (spelled letters only)" if miss.spelled else ""
            print(f"[{miss.category}] {miss.written!r}{note}")
            print(f"    want {miss.expected!r}\n    got  {miss.got!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
