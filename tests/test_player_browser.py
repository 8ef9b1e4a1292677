"""The web player in a real browser: Debian's chromium driven by playwright-core from Node.

Why Node and not the Python ``playwright`` package: the Python package bundles its own
driver and, by default, wants a browser build it downloads itself; ``playwright-core`` from
npm never downloads a browser, runs Debian's ``/usr/bin/chromium`` as it is, and axe-core
is an npm package anyway. ``scripts/install-browser`` installs both.

The spec (``tests/browser/player.spec.mjs``) loads the demo page from a real service on
loopback, starts playback from the keyboard, moves sentence by sentence, seeks, clicks a
sentence, changes speed, checks the highlighted text against the cue, runs axe-core for
WCAG 2.2 A/AA, and saves a screenshot to /tmp/narrator-player.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from narrator.server.config import load_config
from tests.test_server import serve

pytestmark = pytest.mark.slow

BROWSER_DIR = Path(__file__).resolve().parent / "browser"
CHROMIUM = Path("/usr/bin/chromium")


def test_player_in_chromium(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not CHROMIUM.exists():
        # ./scripts/test installs both; a silent skip would hide a broken set-up.
        pytest.fail("needs node and Debian's chromium: run scripts/install-browser")
    if not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        pytest.fail("needs playwright-core and axe-core: run scripts/install-browser")
    config = load_config(None, storage_dir=tmp_path / "store")
    with serve(config) as url:
        run = subprocess.run(
            [node, "player.spec.mjs"],
            cwd=BROWSER_DIR,
            env={
                **os.environ,
                "NARRATOR_URL": url,
                "NARRATOR_SCREENSHOT": "/tmp/narrator-player.png",
            },
            capture_output=True,
            text=True,
            timeout=150,
        )
    print(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "all checks passed" in run.stdout
