"""Time to first sound and to first highlight in the web player, uncached and cached.

Starts the real service on a free loopback port (uvicorn in a thread, a fresh storage folder
and a fresh clip cache) and a static host on another port for article pages that embed the
player, then measures two ways in the same run:

* **HTTP baseline**: like the player, POST an article and open its audio link, timing from
  the POST to the first MP3 bytes received. This is what the service can do at best.
* **In the browser** (Debian's chromium via playwright-core, as the browser tests): press
  Listen and time, in the page, to the media element's first ``playing`` event (first sound)
  and to the first sentence highlight. The difference from the baseline is the player's own
  cost: the POST of the page's markup, MediaSource buffering, the first timings poll.

HTTP is measured cold (the first article after start-up), uncached (new articles: each
headline and sentence is unique, so nothing comes from any cache) and cached (the same
articles again, served from the stored narration); the browser uncached and cached, after
the HTTP runs, so never cold.

Usage::

    .venv/bin/python benchmarks/first_audio.py [--runs 3] [--no-browser]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

try:
    import narrator  # noqa: F401
except ModuleNotFoundError:  # run as a script from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[1]
BROWSER_DIR = REPO / "tests" / "browser"

ARTICLE = """<article><h1>Benchmark story {n}</h1>
<p>The council met on Tuesday {n} to discuss the new cycle lanes along the river. Residents
had asked for safer routes to the schools on the east side of town {n}, and the plan was
approved after a short debate.</p>
<p>Work starts in the spring and should take about six weeks. The road stays open {n}.</p>
</article>"""

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Story</title>
<script src="{service}/narrator-player.js" defer></script></head><body><main>
<narrator-player service="{service}"></narrator-player>{article}</main></body></html>"""


def first_audio(base: str, html: str) -> tuple[float, float, int]:
    """Seconds from the POST to its answer and to the first audio bytes, and its status.

    Returns only once the narration is finished, so the next measurement does not wait
    for this one's worker.
    """
    import httpx

    with httpx.Client(base_url=base, timeout=60) as client:
        started = time.perf_counter()
        created = client.post("/v1/narrations", json={"html": html})
        answered = time.perf_counter() - started
        created.raise_for_status()
        first = None
        with client.stream("GET", created.json()["links"]["audio"]) as stream:
            for chunk in stream.iter_bytes():
                if chunk and first is None:
                    first = time.perf_counter() - started
        if first is None:
            raise RuntimeError("the audio stream ended without any bytes")
        while client.get(created.json()["links"]["self"]).json()["status"] != "done":
            time.sleep(0.05)
        return answered, first, created.status_code


def in_browser(urls: list[str]) -> list[tuple[float, float]]:
    """(first sound, first highlight) in ms after pressing Listen, for each page in turn."""
    node = shutil.which("node")
    if node is None or not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        raise SystemExit("the browser figures need node and scripts/install-browser")
    run = subprocess.run(
        [node, "first_audio.bench.mjs"],
        cwd=BROWSER_DIR,
        env={**os.environ, "PAGES": json.dumps(urls)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    if run.returncode != 0:
        raise SystemExit(f"the browser run failed:\n{run.stdout}{run.stderr}")
    rows = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    return [(row["sound_ms"], row["highlight_ms"]) for row in rows]


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="articles per measurement")
    parser.add_argument("--no-browser", action="store_true", help="only the HTTP baseline")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NARRATOR_CACHE"] = str(Path(tmp) / "clips")
        import uvicorn

        from narrator.server import create_app, load_config
        from narrator.server.config import RateLimits

        site = Path(tmp) / "site"
        site.mkdir()
        handler = functools.partial(_QuietFiles, directory=str(site))
        pages = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=pages.serve_forever, daemon=True).start()
        pages_url = f"http://127.0.0.1:{pages.server_address[1]}"

        config = load_config(
            None,
            storage_dir=Path(tmp) / "store",
            cors_origins=(pages_url,),
            rate_limits=RateLimits(create_per_minute=6000, create_burst=1000),
        )
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        time.sleep(3.0)  # let the start-up warm-up finish, as it has on a running service
        base = f"http://127.0.0.1:{port}"
        stamp = time.time_ns()
        try:
            cold = first_audio(base, ARTICLE.format(n=f"cold {stamp}"))
            articles = [ARTICLE.format(n=f"{stamp} {i}") for i in range(args.runs)]
            uncached = [first_audio(base, html) for html in articles]
            cached = [first_audio(base, html) for html in articles]
            browser: dict[str, list[tuple[float, float]]] = {}
            if not args.no_browser:
                urls = []
                for i in range(args.runs):
                    name = f"story{i}.html"
                    article = ARTICLE.format(n=f"browser {stamp} {i}")
                    (site / name).write_text(PAGE.format(service=base, article=article))
                    urls.append(f"{pages_url}/{name}")
                browser["uncached"] = in_browser(urls)
                browser["cached"] = in_browser(urls)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            pages.shutdown()

    def median(values: list[float]) -> str:
        return f"{statistics.median(values):6.0f} ms"

    print(f"first audio and first highlight, {os.cpu_count()} CPUs, default voice, HTML article")
    print(f"{'':<10} {'HTTP first bytes':>18} {'browser first sound':>20} {'first highlight':>16}")
    for label, runs in (("cold", [cold]), ("uncached", uncached), ("cached", cached)):
        http_ms = [first * 1000 for _, first, _ in runs]
        row = f"{label:<10} {median(http_ms):>18}"
        if browser.get(label):
            sound = [s for s, _ in browser[label]]
            light = [h for _, h in browser[label]]
            over = statistics.median(sound) - statistics.median(http_ms)
            row += f" {median(sound):>20} {median(light):>16}   (player {over:+.0f} ms on HTTP)"
        print(f"{row}   n={len(runs)}")


if __name__ == "__main__":
    main()
