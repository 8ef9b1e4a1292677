"""Time to first audio from the web service, for an uncached and a cached article.

Starts the real service on a free loopback port (uvicorn in a thread, a fresh storage folder
and a fresh clip cache), then, like the web player, POSTs an article and opens its audio
link, timing from the start of the POST to the first MP3 bytes received:

* cold: the first article after start-up (the voice model is loaded for the first time);
* uncached: new articles (each headline is unique, so nothing comes from any cache);
* cached: the same articles asked for again (served from the stored narration).

Usage::

    .venv/bin/python benchmarks/first_audio.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

try:
    import narrator  # noqa: F401
except ModuleNotFoundError:  # run as a script from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ARTICLE = """<article><h1>Benchmark story {n}</h1>
<p>The council met on Tuesday to discuss the new cycle lanes along the river. Residents
had asked for safer routes to the schools on the east side of town, and the plan was
approved after a short debate.</p>
<p>Work starts in the spring and should take about six weeks. The road stays open.</p>
</article>"""


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="articles per measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NARRATOR_CACHE"] = str(Path(tmp) / "clips")
        import uvicorn

        from narrator.server import create_app, load_config
        from narrator.server.config import RateLimits

        config = load_config(
            None,
            storage_dir=Path(tmp) / "store",
            rate_limits=RateLimits(create_per_minute=6000, create_burst=1000),
        )
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
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
        finally:
            server.should_exit = True
            thread.join(timeout=30)

    def show(label: str, runs: list[tuple[float, float, int]]) -> None:
        ms = [first * 1000 for _, first, _ in runs]
        post = statistics.median(answered * 1000 for answered, _, _ in runs)
        print(
            f"{label:<28} median {statistics.median(ms):6.0f} ms   min {min(ms):6.0f}   "
            f"max {max(ms):6.0f}   (POST answered in {post:.0f} ms; n={len(ms)})"
        )

    print(f"time to first audio, {os.cpu_count()} CPUs, default voice, HTML article:")
    show("cold (first after start)", [cold])
    show("uncached (new article)", uncached)
    show("cached (stored narration)", cached)


if __name__ == "__main__":
    main()
