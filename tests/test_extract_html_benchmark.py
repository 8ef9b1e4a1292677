"""Evaluation gate: the HTML extractor's score on the Zyte article benchmark must not drop.

The floors are what the extractor reached when they were pinned, minus about 0.005, so a
change that reads more boilerplate aloud (precision) or loses story text (F1) fails here.
Raise them when the extractor improves; lower them only with a reason in the commit.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "extraction.py"

# Reached 2025 (trafilatura 2.3.1): P 0.976, R 0.981, F1 0.978, exact 0.483, ends 0.883.
F1_FLOOR = 0.973
PRECISION_FLOOR = 0.971
RECALL_FLOOR = 0.970
ENDS_FLOOR = 0.85


def _load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("narrator_benchmark_extraction", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scores(shared_dir: Path) -> tuple[Any, Any]:
    bench = _load_benchmark()
    suite = shared_dir / bench.SUITE
    if not suite.is_dir():
        pytest.fail(f"{suite} is missing: the gate needs the Zyte peer suite")
    gold = bench.load_gold(suite)
    ours = bench.score(gold, bench.extract_all(suite, sorted(gold)))
    reference = bench.score(gold, bench.load_reference(suite, "trafilatura"))
    return ours, reference


def test_precision_floor(scores: tuple[Any, Any]) -> None:
    ours, _ = scores
    assert ours.precision >= PRECISION_FLOOR


def test_f1_floor(scores: tuple[Any, Any]) -> None:
    ours, _ = scores
    assert ours.f1 >= F1_FLOOR


def test_recall_floor(scores: tuple[Any, Any]) -> None:
    ours, _ = scores
    assert ours.recall >= RECALL_FLOOR


def test_first_and_last_paragraphs_kept(scores: tuple[Any, Any]) -> None:
    ours, _ = scores
    assert ours.ends >= ENDS_FLOOR


def test_beats_stored_trafilatura(scores: tuple[Any, Any]) -> None:
    ours, reference = scores
    assert ours.f1 > reference.f1
    assert ours.precision > reference.precision


def test_reference_scores_match_the_suite_readme(scores: tuple[Any, Any]) -> None:
    # The suite's README gives trafilatura 2.0.0 P 0.941, R 0.968, F1 0.954 on this subset;
    # matching it shows the metric is reimplemented faithfully.
    _, reference = scores
    assert reference.precision == pytest.approx(0.941, abs=0.0006)
    assert reference.recall == pytest.approx(0.968, abs=0.0006)
    assert reference.f1 == pytest.approx(0.954, abs=0.0006)
