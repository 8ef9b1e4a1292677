"""Gate: NeMo's English text-normalization cases must not drop below pinned floors."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "normalization.py"


def _load_benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("narrator_benchmark_normalization", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


bench = _load_benchmark()
GOAL_CATEGORIES: tuple[str, ...] = bench.GOAL_CATEGORIES

# Relaxed-match floors (the suite README's rule), just under what we reach. Measure stays
# under the 90% goal on purpose: NeMo wants "4.4x" as "four point four x" (we say "times"),
# "3 cc/s" as "three CC per S" (we say "per second") and "45º&C" as "forty five degree and C".
RELAXED_FLOORS = {
    "cardinal": 0.94,
    "decimal": 0.99,
    "ordinal": 0.96,
    "money": 0.97,
    "date": 0.96,
    "time": 0.95,
    "measure": 0.85,
    "fraction": 0.99,
    "all": 0.84,
}
# The same with spelled letters joined: narrator writes "U S", NeMo writes "US".
SPELLED_FLOORS = {**RELAXED_FLOORS, "money": 0.99, "all": 0.90}


@pytest.fixture(scope="module")
def scores(shared_dir: Path) -> dict[str, Any]:
    scored: dict[str, Any] = bench.score_suite(shared_dir)
    return scored


@pytest.mark.parametrize("category", sorted(RELAXED_FLOORS))
def test_relaxed_floor(scores: dict[str, Any], category: str) -> None:
    score = scores[category]
    assert score.rate(score.relaxed) >= RELAXED_FLOORS[category]


@pytest.mark.parametrize("category", sorted(SPELLED_FLOORS))
def test_spelled_floor(scores: dict[str, Any], category: str) -> None:
    score = scores[category]
    assert score.rate(score.spelled) >= SPELLED_FLOORS[category]


@pytest.mark.parametrize("category", GOAL_CATEGORIES)
def test_no_digits_left(scores: dict[str, Any], category: str) -> None:
    assert scores[category].digits_left == 0
