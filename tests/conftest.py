"""Shared fixtures: where ../shared lives, and the seed article."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the suite's clip cache out of the user's ~/.cache."""
    old = os.environ.get("NARRATOR_CACHE")
    os.environ["NARRATOR_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("NARRATOR_CACHE", None)
    else:
        os.environ["NARRATOR_CACHE"] = old


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder beside the checkout (seeds and peer suites)."""
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: the tests need ../shared beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def seed_path(shared_dir: Path) -> Path:
    """The original news-page dump the project started from."""
    return shared_dir / "seeds" / "000_1faf2e8a263f80d6.txt"
