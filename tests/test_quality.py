"""House rules checked by the suite: ruff, formatting, mypy, and a sorted public API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import narrator

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_lint() -> None:
    proc = _run(str(BIN / "ruff"), "check", "narrator", "tests", "benchmarks")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format() -> None:
    proc = _run(str(BIN / "ruff"), "format", "--check", "narrator", "tests", "benchmarks")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict() -> None:
    proc = _run(str(BIN / "mypy"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_public_api_is_sorted_and_importable() -> None:
    assert narrator.__all__ == sorted(narrator.__all__)
    for name in narrator.__all__:
        assert getattr(narrator, name) is not None
