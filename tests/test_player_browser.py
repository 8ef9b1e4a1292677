"""The web player in a real browser: Debian's chromium driven by playwright-core from Node.

Why Node and not the Python ``playwright`` package: the Python package bundles its own
driver and, by default, wants a browser build it downloads itself; ``playwright-core`` from
npm never downloads a browser, runs Debian's ``/usr/bin/chromium`` as it is, and axe-core
is an npm package anyway. ``scripts/install-browser`` installs both.

Two specs, each one chromium run printing one line per check:

* ``tests/browser/player.spec.mjs``: the demo page on a real service on loopback, as a
  reader uses it (keyboard, previous/next, seek, click a sentence, speed up to 3x, the
  Media Session, resume after a reload, the shortcut list) and axe-core for WCAG 2.2 A/AA
  in light and dark mode, before and during playback.
* ``tests/browser/embed.spec.mjs``: pages on other origins. A publisher's page (an
  allowed origin) on an uncached article: the first sentence is highlighted within a
  second of the first sound while the service still says it is rendering. A page from an
  origin the service does not allow: the reader is told why, and the server logs it.
  Static mode: a page on one origin plays an MP3 and timings JSON from another (a real
  narration, its timings written with :func:`narrator.timing.timings_json`), with no
  service at all, and the word highlight follows the audio.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import os
import re
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from narrator.models import Cue, WordTiming
from narrator.server.app import STATIC
from narrator.server.config import load_config, with_origins
from tests.test_server import serve

pytestmark = pytest.mark.slow

BROWSER_DIR = Path(__file__).resolve().parent / "browser"
CHROMIUM = Path("/usr/bin/chromium")


def _need_browser() -> str:
    node = shutil.which("node")
    if node is None or not CHROMIUM.exists():
        # ./scripts/test installs both; a silent skip would hide a broken set-up.
        pytest.fail("needs node and Debian's chromium: run scripts/install-browser")
    if not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        pytest.fail("needs playwright-core and axe-core: run scripts/install-browser")
    return node


def _run_spec(node: str, spec: str, env: dict[str, str]) -> str:
    run = subprocess.run(
        [node, spec],
        cwd=BROWSER_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard only: the checks themselves wait on events
    )
    print(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "all checks passed" in run.stdout
    return run.stdout


def test_player_in_chromium(tmp_path: Path) -> None:
    node = _need_browser()
    config = load_config(None, storage_dir=tmp_path / "store", clip_cache_dir=tmp_path / "clips")
    with serve(config) as url:
        _run_spec(
            node,
            "player.spec.mjs",
            {"NARRATOR_URL": url, "NARRATOR_SCREENSHOT": "/tmp/narrator-player.png"},
        )


# --- pages on other origins ------------------------------------------------------------


class _Files(SimpleHTTPRequestHandler):
    """A static host: byte ranges (so audio seeks, as on any real host) and, when
    ``cors`` is set, ``Access-Control-Allow-Origin: *`` like a CDN serving media."""

    cors = False

    def end_headers(self) -> None:
        if self.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        if not match or not path.is_file() or not (match[1] or match[2]):
            super().do_GET()
            return
        data = path.read_bytes()
        size = len(data)
        start = int(match[1]) if match[1] else max(0, size - int(match[2]))
        end = min(int(match[2]), size - 1) if match[1] and match[2] else size - 1
        if start >= size or end < start:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(206)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self.wfile.write(data[start : end + 1])


@contextmanager
def _host(folder: Path, *, cors: bool = False) -> Iterator[str]:
    handler = functools.partial(type("Files", (_Files,), {"cors": cors}), directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _long_article(token: str) -> str:
    """An article long enough that rendering goes on well after the first sound; the
    token makes it new to every cache."""
    topics = [
        "the river path",
        "the old mill",
        "the night market",
        "the school garden",
        "the harbour wall",
        "the hill road",
        "the library roof",
        "the bus depot",
    ]
    paragraphs = []
    for n, topic in enumerate(topics):
        paragraphs.append(
            f"<p>Work on {topic} began in week {n + 2} of the survey {token}. "
            f"Volunteers counted the birds near {topic} every morning before eight. "
            f"Their notes on {topic} were shared with the council on Friday.</p>"
        )
    return f"<article id='story'><h1>Survey notes {token}</h1>" + "".join(paragraphs) + "</article>"


STATIC_ARTICLE = """<article id="story">
<h1>The Lighthouse Keeper</h1>
<p>Every evening the keeper climbed the narrow stairs to light the lamp. Ships far out at sea
watched for its slow white beam. On stormy nights he stayed awake until the dawn came over the
cliffs.</p>
<p>Now the light runs by itself, but the stairs are still there for visitors.</p>
</article>"""


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>{head}</head><body><main>{body}</main></body></html>"
    )


def _estimated_words(cue: Cue) -> Cue:
    """The cue with word timings: the voice's own when it gives them, else spread over the
    sentence by length (marked estimated). The player is what is tested here."""
    if cue.words:
        return cue
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", cue.text)]
    total = sum(e - s for s, e in spans) or 1
    at = float(cue.start_ms)
    length = cue.end_ms - cue.start_ms
    words = []
    for s, e in spans:
        step = length * (e - s) / total
        words.append(WordTiming(cue.text[s:e], round(at), round(at + step), s, e))
        at += step
    return replace(cue, words=tuple(words), estimated=True)


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real narration and its timings JSON, as a publisher who pre-renders has them."""
    from narrator import NarrateOptions, narrate
    from narrator.timing import timings_json

    folder = tmp_path_factory.mktemp("media")
    source = folder / "story.html"
    source.write_text(_page("The Lighthouse Keeper", STATIC_ARTICLE), encoding="utf-8")
    result = narrate(source, folder / "episode.mp3", options=NarrateOptions())
    cues = [_estimated_words(c) for c in result.cues]
    (folder / "episode.timings.json").write_text(
        timings_json(cues, duration_ms=result.duration_ms), encoding="utf-8"
    )
    source.unlink()
    return folder


def test_player_across_origins(
    tmp_path: Path, episode: Path, caplog: pytest.LogCaptureFixture
) -> None:
    node = _need_browser()
    site = tmp_path / "site"
    site.mkdir()
    for name in ("narrator-player.js", "narrator-player.css"):
        shutil.copy(STATIC / name, site / name)  # as a static site copies them
    token = uuid.uuid4().hex[:8]
    caplog.set_level(logging.WARNING, logger="narrator.server")
    with _host(site) as pages, _host(site) as stranger, _host(episode, cors=True) as media:
        config = with_origins(
            load_config(None, storage_dir=tmp_path / "store", clip_cache_dir=tmp_path / "clips"),
            [pages + "/"],
        )
        tight = replace(
            config,
            storage_dir=tmp_path / "tight-store",
            limits=replace(config.limits, job_timeout_s=0.5),
        )
        with serve(config) as service, serve(tight) as failing:
            script = f'<script src="{service}/narrator-player.js" defer></script>'
            (site / "embed.html").write_text(
                _page(
                    "Survey notes",
                    f'<narrator-player service="{service}" article="#story"></narrator-player>'
                    + _long_article(token),
                    script,
                ),
                encoding="utf-8",
            )
            (site / "static.html").write_text(
                _page(
                    "The Lighthouse Keeper",
                    f'<narrator-player audio="{media}/episode.mp3" '
                    f'timings="{media}/episode.timings.json" article="#story"></narrator-player>'
                    + STATIC_ARTICLE,
                    '<script src="narrator-player.js" defer></script>',
                ),
                encoding="utf-8",
            )
            (site / "fails.html").write_text(
                _page(
                    "Survey notes",
                    f'<narrator-player service="{failing}" article="#story"></narrator-player>'
                    + _long_article(token + "x"),
                    script,
                ),
                encoding="utf-8",
            )
            # Hostile static set-ups: timings that are missing, or not narrator's format.
            (site / "wrong.timings.json").write_text('{"version": 2, "cues": []}')
            for name, timings in (
                ("missing", "gone.timings.json"),
                ("wrong", "wrong.timings.json"),
            ):
                (site / f"static-{name}.html").write_text(
                    _page(
                        "The Lighthouse Keeper",
                        f'<narrator-player audio="{media}/episode.mp3" timings="{timings}" '
                        f'article="#no such selector"></narrator-player>' + STATIC_ARTICLE,
                        '<script src="narrator-player.js" defer></script>',
                    ),
                    encoding="utf-8",
                )
            _run_spec(
                node,
                "embed.spec.mjs",
                {
                    "NARRATOR_URL": service,
                    "PAGES_URL": pages,
                    "STRANGER_URL": stranger,
                    "MEDIA_URL": media,
                },
            )
    refused = [r.getMessage() for r in caplog.records if stranger in r.getMessage()]
    assert len(refused) == 1, [r.getMessage() for r in caplog.records]
    assert "--allow-origin " + stranger in refused[0]
    assert not any(pages in r.getMessage() for r in caplog.records)
