"""Score narrator's sentence splitter on the English sentence-boundary "Golden Rules".

The cases live in the shared peer suite (``shared/peer-suites/sbd_golden_rules``, gold data
from pySBD and Pragmatic Segmenter; see its README.md). They are read from there, never copied
into this repository. A case passes when the stripped sentences equal ``expected_sentences``
exactly. ``clean_en`` cases go through :func:`narrator.sentences.clean_text` first, because
their expectations include cleaning; every other file is split as is.

Three splitters run side by side: ours, plain Punkt with our shipped parameters and none of
our rules (the baseline), and pySBD when it happens to be importable (it is not a dependency).

Usage::

    .venv/bin/python benchmarks/segmentation.py [--shared PATH] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

try:
    from narrator import sentences
except ModuleNotFoundError:  # run as a script from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from narrator import sentences

DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SUITE = Path("peer-suites") / "sbd_golden_rules"

# (file stem, run clean_text first)
FILES: tuple[tuple[str, bool], ...] = (
    ("golden_rules_en", False),
    ("pragmatic_segmenter_golden_rules_en", False),
    ("clean_en", True),
    ("no_clean_en", False),
    ("regression_issues_en", False),
    ("regression_issues_char_spans", False),
)

Splitter = Callable[[str], list[str]]

# Issue 15's classes, written for narrator (not from the peer suite): (class, text, expected).
ISSUE_CASES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "era ends",
        "Rome fell in 476 A.D. Odoacer took power.",
        ("Rome fell in 476 A.D.", "Odoacer took power."),
    ),
    ("degree ends", "He got his Ph.D. Maria was proud.", ("He got his Ph.D.", "Maria was proud.")),
    ("unit ends", "The board is 6 ft. Sam cut it.", ("The board is 6 ft.", "Sam cut it.")),
    (
        "a.m. ends",
        "We met at 9 a.m. Mr. Jones was late.",
        ("We met at 9 a.m.", "Mr. Jones was late."),
    ),
    ("a.m. lead-in", "At 9 a.m. Mr. Jones was late.", ("At 9 a.m. Mr. Jones was late.",)),
    ("era lead-in", "In 476 A.D. Odoacer took power.", ("In 476 A.D. Odoacer took power.",)),
    ("lb. inside", "Mix 2 lb. Flour and water.", ("Mix 2 lb. Flour and water.",)),
    ("oz. inside", "Add 4 oz. Parmesan and stir.", ("Add 4 oz. Parmesan and stir.",)),
    ("Min. inside", "Foreign Min. Wang Yi said so.", ("Foreign Min. Wang Yi said so.",)),
    ("no. inside", "He was the no. 1 seed.", ("He was the no. 1 seed.",)),
    (
        "spaced initials",
        "He flew to the U. A. E. last week.",
        ("He flew to the U. A. E. last week.",),
    ),
    (
        "spaced initials end",
        "He flew to the U. A. E. Then he rested.",
        ("He flew to the U. A. E.", "Then he rested."),
    ),
    ("glued ellipsis", "He waited....The door opened.", ("He waited....", "The door opened.")),
    ("ellipsis ends", "He paused... Then he left.", ("He paused...", "Then he left.")),
)


@dataclass(frozen=True)
class Case:
    """One gold case from the peer suite."""

    id: str
    """The case id, e.g. ``golden-18``."""

    text: str
    """The input text."""

    expected: tuple[str, ...]
    """The expected sentences, stripped."""

    rule: str
    """``#18 A.M. / P.M. as ...`` for golden rules, else the id."""

    xfail: bool
    """Upstream marks the case as an expected failure (kept in the denominator)."""


@dataclass(frozen=True)
class Failure:
    """A case a splitter got wrong."""

    case: Case
    """The case."""

    got: tuple[str, ...]
    """What the splitter returned."""


@dataclass(frozen=True)
class Score:
    """One splitter's result on one file."""

    passed: int
    """Cases split exactly as expected."""

    total: int
    """All cases, upstream expected failures included."""

    failures: tuple[Failure, ...]
    """The cases that did not pass, in file order."""


def load_cases(path: Path) -> list[Case]:
    """The cases of one ``*.jsonl`` file of the suite."""
    cases: list[Case] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        number = raw.get("rule_number")
        rule = f"#{number} {raw['rule_name']}" if number is not None else raw["id"]
        cases.append(
            Case(
                id=raw["id"],
                text=raw["text"],
                expected=tuple(raw["expected_sentences"]),
                rule=rule,
                xfail=bool(raw.get("upstream_xfail", False)),
            )
        )
    return cases


def score(cases: Sequence[Case], split: Splitter, clean: bool = False) -> Score:
    """Run ``split`` over ``cases`` (through ``clean_text`` first if ``clean``)."""
    failures: list[Failure] = []
    for case in cases:
        text = sentences.clean_text(case.text) if clean else case.text
        got = tuple(s.strip() for s in split(text))
        if got != case.expected:
            failures.append(Failure(case, got))
    return Score(len(cases) - len(failures), len(cases), tuple(failures))


def suite_dir(shared: Path) -> Path:
    """The golden-rules folder inside the shared folder."""
    return shared / SUITE


def plain_punkt() -> Splitter:
    """Punkt with our shipped parameters and none of our rules: the baseline."""
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    # Private on purpose: the baseline must use exactly the shipped data file.
    tokenizer = PunktSentenceTokenizer(sentences._load_parameters(acronyms=False))
    return tokenizer.tokenize  # type: ignore[no-any-return]


def pysbd_splitter() -> Splitter | None:
    """pySBD's English segmenter, if pySBD is importable; it is not a narrator dependency."""
    try:
        import pysbd  # type: ignore[import-not-found]
    except ImportError:
        return None
    segmenter = pysbd.Segmenter(language="en", clean=False)
    return segmenter.segment  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    """Print pass counts per file and splitter, then our failures by rule."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared folder")
    parser.add_argument("--quiet", action="store_true", help="counts only, no failing cases")
    args = parser.parse_args(argv)
    folder = suite_dir(args.shared)
    if not folder.is_dir():
        print(f"error: no golden rules at {folder}; pass --shared", file=sys.stderr)
        return 2

    splitters: dict[str, Splitter] = {"narrator": sentences.split_sentences}
    splitters["plain punkt"] = plain_punkt()
    pysbd = pysbd_splitter()
    if pysbd is not None:
        splitters["pysbd"] = pysbd

    results: dict[str, dict[str, Score]] = {name: {} for name in splitters}
    timings: dict[str, float] = {}
    for name, split in splitters.items():
        began = time.perf_counter()
        for stem, clean in FILES:
            results[name][stem] = score(load_cases(folder / f"{stem}.jsonl"), split, clean)
        timings[name] = time.perf_counter() - began

    labels = {stem: stem + (" (clean_text)" if clean else "") for stem, clean in FILES}
    width = max(len(label) for label in labels.values()) + 2
    header = "file".ljust(width) + "".join(name.rjust(14) for name in splitters)
    print(header)
    print("-" * len(header))
    for stem, _clean in FILES:
        cells = (results[name][stem] for name in splitters)
        print(labels[stem].ljust(width) + "".join(f"{r.passed}/{r.total}".rjust(14) for r in cells))
    print("seconds".ljust(width) + "".join(f"{timings[n]:.2f}".rjust(14) for n in splitters))

    issue_cases = [
        Case(f"issue15-{i}", text, expected, rule, False)
        for i, (rule, text, expected) in enumerate(ISSUE_CASES)
    ]
    issue_scores = {name: score(issue_cases, split) for name, split in splitters.items()}
    print(
        "issue 15 cases".ljust(width)
        + "".join(f"{r.passed}/{r.total}".rjust(14) for r in issue_scores.values())
    )
    for failure in issue_scores["narrator"].failures:
        print(f"  narrator fails issue case {failure.case.rule}: {list(failure.got)!r}")

    # Upstream's expected failures stay in the counts above; say how each splitter did on them.
    for stem, _clean in FILES:
        for case in load_cases(folder / f"{stem}.jsonl"):
            if not case.xfail:
                continue
            verdicts = []
            for name in splitters:
                failed = any(f.case.id == case.id for f in results[name][stem].failures)
                verdicts.append(f"{name} {'fails' if failed else 'passes'}")
            print(f"upstream xfail {case.id} ({case.rule}): " + ", ".join(verdicts))

    if not args.quiet:
        for stem, _clean in FILES:
            failures = results["narrator"][stem].failures
            if not failures:
                continue
            print(f"\nnarrator fails {len(failures)} in {stem}:")
            for failure in failures:
                mark = " (upstream xfail)" if failure.case.xfail else ""
                print(f"  {failure.case.rule}{mark}")
                print(f"    text:     {failure.case.text[:300]!r}")
                print(f"    expected: {list(failure.case.expected)!r}"[:400])
                print(f"    got:      {list(failure.got)!r}"[:400])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
