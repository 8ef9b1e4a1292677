"""The HTTP service, started for real on loopback and driven with httpx.

Narrations use the real default Piper voice on short articles. Every security rule is
tried with a hostile request. Traffic goes to 127.0.0.0/8 only, and every loop is bounded.
"""

from __future__ import annotations

import concurrent.futures
import functools
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from narrator.server import create_app
from narrator.server.config import Limits, RateLimits, ServerConfig, load_config
from narrator.server.connections import uvicorn_config
from tests.audio_check import measure

pytestmark = pytest.mark.slow

ALLOWED = "https://news.example"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(config: ServerConfig) -> Iterator[str]:
    """Run the real app under uvicorn in a thread on a free loopback port."""
    port = _free_port()
    # The settings narrator serve runs with (connection limits included), on a test port.
    server = uvicorn.Server(
        uvicorn_config(create_app(config), config, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def article(n: int | str, sentences: int = 3) -> str:
    """A short distinct plain-text article (distinct n -> distinct narration)."""
    body = " ".join(
        f"Sentence {i + 1} of story {n} says something short." for i in range(sentences)
    )
    return f"Story {n}\n\n{body}"


def client(base: str, source: str = "127.0.0.1", **kwargs: Any) -> httpx.Client:
    """An httpx client from a chosen loopback address (each address has its own rate limit)."""
    return httpx.Client(
        base_url=base,
        transport=httpx.HTTPTransport(local_address=source),
        timeout=30,
        **kwargs,
    )


def wait_done(http: httpx.Client, narration: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = http.get(f"/v1/narrations/{narration}").json()
        if body["status"] in {"done", "failed"}:
            return body
        time.sleep(0.1)
    raise AssertionError(f"narration {narration} not done within {timeout} s")


def stats(http: httpx.Client) -> dict[str, int]:
    result: dict[str, int] = http.get("/v1/stats").json()
    return result


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A roomy service: one worker, a deep queue, generous rate limits."""
    config = load_config(
        None,
        storage_dir=tmp_path_factory.mktemp("store"),
        cors_origins=(ALLOWED,),
        limits=Limits(max_body_bytes=64 * 1024, max_article_chars=20_000, max_queue=64),
        rate_limits=RateLimits(create_per_minute=6000, create_burst=500, read_burst=5000),
    )
    with serve(config) as url:
        yield url


@pytest.fixture(scope="module")
def http(base: str) -> Iterator[httpx.Client]:
    with client(base) as c:
        yield c


# --- narration -------------------------------------------------------------------------


def test_health_and_openapi(http: httpx.Client) -> None:
    assert http.get("/v1/health").json()["status"] == "ok"
    schema = http.get("/openapi.json").json()
    assert "/v1/narrations" in schema["paths"]
    assert "/v1/narrations/{narration}/audio" in schema["paths"]


def test_narrate_progressively_then_serve_the_file_with_ranges(
    http: httpx.Client, base: str, tmp_path: Path
) -> None:
    text = article("progressive", sentences=8)
    started = time.monotonic()
    created = http.post("/v1/narrations", json={"text": text})
    assert created.status_code == 202, created.text
    body = created.json()
    assert created.headers["location"] == body["links"]["self"]
    narration = body["id"]
    assert len(narration) == 32

    # The audio streams while the article is still being rendered.
    head = http.head(body["links"]["audio"])
    assert head.status_code == 200 and head.headers["content-type"] == "audio/mpeg"
    assert "content-length" not in head.headers and head.headers["accept-ranges"] == "none"
    streamed = bytearray()
    first_at = None
    status_at_first = None
    with http.stream("GET", body["links"]["audio"]) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"] == "audio/mpeg"
        for chunk in stream.iter_bytes():
            if first_at is None:
                first_at = time.monotonic() - started
                status_at_first = http.get(body["links"]["self"]).json()["status"]
            streamed += chunk
    # How soon is for benchmarks/first_audio.py; here: audio came while still rendering.
    assert first_at is not None
    assert status_at_first == "rendering"
    assert streamed[0] == 0xFF and streamed[1] & 0xE0 == 0xE0  # an MPEG frame sync

    done = wait_done(http, narration)
    assert done["status"] == "done" and done["sentences"] == 9
    again = http.post("/v1/narrations", json={"text": text})
    assert again.status_code == 200 and again.json()["id"] == narration

    audio_url = done["links"]["audio"]
    head = http.head(audio_url)
    size = int(head.headers["content-length"])
    assert head.status_code == 200 and head.headers["accept-ranges"] == "bytes" and not head.content
    full = http.get(audio_url)
    assert len(full.content) == size
    path = tmp_path / "narration.mp3"
    path.write_bytes(full.content)
    assert abs(measure(path).duration_s * 1000 - done["duration_ms"]) < 150

    part = http.get(audio_url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-1099/{size}"
    assert part.content == full.content[100:1100]
    tail = http.get(audio_url, headers={"Range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == full.content[-500:]
    for bad in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
        refused = http.get(audio_url, headers={"Range": bad})
        assert refused.status_code == 416, bad
        assert refused.headers["content-range"] == f"bytes */{size}"
        assert "outside" in refused.json()["message"]
    ignored = http.get(audio_url, headers={"Range": "lines=1-2"})
    assert ignored.status_code == 200 and len(ignored.content) == size

    vtt = http.get(done["links"]["timings"])
    assert vtt.headers["content-type"].startswith("text/vtt")
    lines = vtt.text.splitlines()
    assert lines[0] == "WEBVTT"
    assert "Sentence 3 of story progressive says something short." in lines
    chapters = http.get(done["links"]["chapters"]).json()
    assert chapters["chapters"][0]["startTime"] == 0.0


def test_identical_concurrent_requests_render_once(http: httpx.Client, base: str) -> None:
    text = article("dedupe", sentences=4)
    before = stats(http)
    barrier = threading.Barrier(12)

    def ask(_: int) -> httpx.Response:
        with client(base) as c:
            barrier.wait(timeout=10)
            return c.post("/v1/narrations", json={"text": text, "rate": 1.0})

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(ask, range(12)))
    assert {a.status_code for a in answers} <= {200, 202}
    ids = {a.json()["id"] for a in answers}
    assert len(ids) == 1
    wait_done(http, ids.pop())
    after = stats(http)
    assert after["syntheses"] - before["syntheses"] == 1
    assert after["prepared"] - before["prepared"] == 1  # extracted once too
    answered = ("joined", "stored_hits")
    assert sum(after[k] - before[k] for k in answered) == 11
    # Different settings are a different narration.
    other = http.post("/v1/narrations", json={"text": text, "rate": 1.25})
    assert other.json()["id"] not in ids


def test_html_article_is_extracted_and_timed(http: httpx.Client) -> None:
    html = (
        "<article><h1>The Harbour Reopens</h1><p>The harbour reopened on Monday after "
        "three weeks of repairs to the old sea wall. Fishing boats were the first to leave, "
        "just after dawn, and the ferry followed at nine.</p><p>Repairs cost less than the "
        "council had feared, the harbour master said.</p></article>"
    )
    body = http.post("/v1/narrations", json={"html": html}).json()
    done = wait_done(http, body["id"])
    assert done["status"] == "done" and done["title"] == "The Harbour Reopens"
    vtt = http.get(done["links"]["timings"]).text
    assert "The harbour reopened on Monday after three weeks of repairs" in vtt


# --- bad input is 4xx JSON, never a 500 -------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "status", "says"),
    [
        ({}, 422, "exactly one of html, text or url"),
        ({"text": "a", "url": "https://example.com/"}, 422, "exactly one"),
        ({"text": "Hello.", "colour": "red"}, 422, "colour"),
        ({"text": 5}, 422, "text"),
        ({"text": "Some words to read.", "voice": "../../etc/passwd"}, 422, "not offered"),
        ({"text": "Some words to read.", "rate": 9}, 422, "out of range"),
        ({"text": "Some words to read.", "rate": "fast"}, 422, "rate"),
        ({"text": "   \n  "}, 422, "empty"),
        ({"html": "<html><body><nav>Home</nav></body></html>"}, 422, "No article"),
        ({"text": "x" * 20_001}, 413, "over this service's limit"),
    ],
)
def test_bad_requests_are_json_4xx(
    http: httpx.Client, payload: dict[str, Any], status: int, says: str
) -> None:
    answer = http.post("/v1/narrations", json=payload)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["status"] == status and says in body["message"]


def test_malformed_bodies_and_paths(http: httpx.Client) -> None:
    for raw in (
        b"{not json",
        b"",
        b"[]",
        b"\xff\xfe\x00",
        b'{"text": "Some words.", "rate": NaN}',
        b'{"text": "Some words.", "rate": 1e999}',
        b'{"text": ["a", "b"]}',
        b'{"html": null, "text": null}',
    ):
        answer = http.post(
            "/v1/narrations", content=raw, headers={"content-type": "application/json"}
        )
        assert answer.status_code in {400, 422}, raw
        assert answer.json()["message"]
    for path in (
        "/v1/narrations/" + "0" * 32,
        "/v1/narrations/" + "0" * 32 + "/audio",
        "/v1/narrations/" + "0" * 32 + "/timings.vtt",
    ):
        missing = http.get(path)
        assert missing.status_code == 404 and "No narration" in missing.json()["message"]
    for path in ("/v1/narrations/..%2F..%2Fetc%2Fpasswd/audio", "/v1/narrations/ABC/audio"):
        assert http.get(path).status_code in {404, 422}
    assert http.get("/v1/nothing-here").json()["status"] == 404
    assert http.delete("/v1/narrations").status_code == 405


def test_request_body_cap(base: str) -> None:
    with client(base, "127.0.0.3") as c:
        big = c.post("/v1/narrations", json={"text": "word " * 20_000})  # ~100 KB > 64 KB
        assert big.status_code == 413 and "limit" in big.json()["message"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: the cap must still hold
            yield b'{"text": "'
            for _ in range(100):
                yield b"x" * 1024
            yield b'"}'

        chunked = c.post(
            "/v1/narrations", content=chunks(), headers={"content-type": "application/json"}
        )
        assert chunked.status_code == 413


# --- URL fetching is SSRF-safe through the API ----------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://localhost/admin",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::1]/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://example.com:8080/",
        "http://example.com:22/",
        "file:///etc/passwd",
        "ftp://example.com/article.txt",
        "gopher://127.0.0.1:70/",
        "javascript:alert(1)",
    ],
)
def test_hostile_urls_are_refused(http: httpx.Client, url: str) -> None:
    answer = http.post("/v1/narrations", json={"url": url})
    assert answer.status_code == 422, answer.text
    message = answer.json()["message"]
    assert answer.json()["error"] == "FetchError"
    assert any(s in message for s in ("not a public", "only http and https", "not a web port"))


def test_url_narration_fetches_through_ingest(tmp_path: Path) -> None:
    """A URL is fetched by narrator.ingest inside the job (here from a loopback page, which
    only a service configured with allow_private_urls may do)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "story.html").write_text(
        "<html><head><title>Tides</title></head><body><article><h1>Tides Turn</h1>"
        "<p>The spring tide came in higher than expected on Sunday, covering the lower car "
        "park by noon. Nobody was hurt, and the water had gone by the evening.</p>"
        "<p>The harbour master said the council had been warned about the date weeks ago, "
        "and that signs had gone up along the front on Friday. Several drivers moved their "
        "cars in time; two did not, and were towed to the upper level before the water "
        "reached them. The next high tide of the season is due in late September.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    pages = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    page_url = f"http://127.0.0.1:{pages.server_address[1]}/story.html"
    try:
        config = load_config(None, storage_dir=tmp_path / "store", allow_private_urls=True)
        with serve(config) as url, client(url) as c:
            created = c.post("/v1/narrations", json={"url": page_url})
            assert created.status_code == 202, created.text
            done = wait_done(c, created.json()["id"])
            assert done["status"] == "done", done["error"]
            assert done["title"] == "Tides Turn"
            missing = c.post("/v1/narrations", json={"url": page_url + ".gone"})
            failed = wait_done(c, missing.json()["id"])
            assert failed["status"] == "failed" and "404" in failed["error"]
    finally:
        pages.shutdown()
        pages.server_close()


# --- CORS ------------------------------------------------------------------------------


def test_cors_allow_list(http: httpx.Client) -> None:
    preflight = http.options(
        "/v1/narrations",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    assert "Origin" in preflight.headers["vary"]
    assert "access-control-allow-credentials" not in preflight.headers

    evil = "https://evil.example"
    refused = http.options(
        "/v1/narrations",
        headers={"Origin": evil, "Access-Control-Request-Method": "POST"},
    )
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    post = http.post("/v1/narrations", json={"text": article("evil")}, headers={"Origin": evil})
    assert post.status_code == 403 and "may not use this service" in post.json()["message"]
    read = http.get("/v1/health", headers={"Origin": evil})
    assert read.status_code == 200
    assert "access-control-allow-origin" not in read.headers
    assert "Origin" in read.headers["vary"]
    ok = http.get("/v1/health", headers={"Origin": ALLOWED})
    assert ok.headers["access-control-allow-origin"] == ALLOWED
    assert "Content-Range" in ok.headers["access-control-expose-headers"]
    # The service's own pages (the demo) may always call it.
    same = http.post("/v1/narrations", json={"text": "   "}, headers={"Origin": str(http.base_url)})
    assert same.status_code == 422


def test_cors_wildcard_never_with_credentials(tmp_path: Path) -> None:
    config = load_config(None, storage_dir=tmp_path, cors_origins=("*",))
    with serve(config) as url, client(url) as c:
        answer = c.get("/v1/health", headers={"Origin": "https://any.example"})
        assert answer.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in answer.headers
        assert "Origin" in answer.headers["vary"]


# --- rate limit, queue bound, time limit -----------------------------------------------


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One worker, no waiting line, a half-second job limit and a small POST allowance."""
    config = load_config(
        None,
        storage_dir=tmp_path_factory.mktemp("tight"),
        limits=Limits(job_timeout_s=0.5, max_queue=0, queue_retry_after_s=7),
        rate_limits=RateLimits(create_per_minute=6, create_burst=3),
    )
    with serve(config) as url:
        yield url


def test_rate_limit_answers_429_with_retry_after(tight: str) -> None:
    with client(tight, "127.0.0.10") as c:
        answers = [c.post("/v1/narrations", json={"text": "  "}) for _ in range(5)]
        assert [a.status_code for a in answers] == [422, 422, 422, 429, 429]
        assert int(answers[3].headers["retry-after"]) >= 1
        assert "Too many requests" in answers[3].json()["message"]
        assert c.get("/v1/health").status_code == 200  # health is never limited
    with client(tight, "127.0.0.11") as other:  # another client is not affected
        assert other.post("/v1/narrations", json={"text": "  "}).status_code == 422
        assert stats(other)["rate_limited"] >= 2


def test_full_queue_answers_503_and_jobs_have_a_time_limit(tight: str) -> None:
    with client(tight, "127.0.0.12") as c:
        long = c.post("/v1/narrations", json={"text": article("too-long", sentences=30)})
        assert long.status_code == 202
        busy = c.post("/v1/narrations", json={"text": article("waits")})
        assert busy.status_code == 503, busy.text
        assert busy.headers["retry-after"] == "7"
        assert "busy" in busy.json()["message"]
        failed = wait_done(c, long.json()["id"], timeout=30)
        assert failed["status"] == "failed"
        assert "longer than 0.5 seconds" in failed["error"]
        audio = c.get(long.json()["links"]["audio"])
        assert audio.status_code == 422 and "longer than" in audio.json()["message"]
        assert stats(c)["timed_out"] == 1


# --- the player's files and the demo ---------------------------------------------------


def test_demo_page_and_player_files(http: httpx.Client) -> None:
    page = http.get("/")
    assert page.status_code == 200 and "<narrator-player" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    script = http.get("/narrator-player.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert http.get("/static/narrator-player.css").status_code == 200
    assert http.get("/static/../app.py").status_code == 404
    # Text from the service reaches the page through textContent only: the one innerHTML
    # assignment is the constant control template.
    assert script.text.count("innerHTML") == 1
    assert "holder.innerHTML = TEMPLATE;" in script.text


# --- a bounded load run ----------------------------------------------------------------


def test_load_run_keeps_health_answering_and_loses_nothing(http: httpx.Client, base: str) -> None:
    """50 clients at once: 40 ask for narrations already made, 10 for new ones."""
    cached = [article(f"cached-{i}") for i in range(4)]
    for text in cached:
        wait_done(http, http.post("/v1/narrations", json={"text": text}).json()["id"])
    fresh = [article(f"fresh-{i}", sentences=2) for i in range(10)]
    jobs = [cached[i % 4] for i in range(40)] + fresh
    before = stats(http)
    health: list[float] = []
    health_codes: list[int] = []
    stop = threading.Event()

    def watch_health() -> None:
        with client(base, "127.0.0.20") as c:
            for _ in range(2000):  # bounded even if stop never comes
                if stop.is_set():
                    return
                t0 = time.monotonic()
                health_codes.append(c.get("/v1/health", timeout=30).status_code)
                health.append(time.monotonic() - t0)
                time.sleep(0.05)

    def reader(i: int) -> tuple[int, int]:
        with client(base, f"127.0.1.{i + 1}") as c:
            answer = c.post("/v1/narrations", json={"text": jobs[i]})
            assert answer.status_code in {200, 202}, answer.text
            done = wait_done(c, answer.json()["id"], timeout=90)
            assert done["status"] == "done", done["error"]
            audio = c.get(done["links"]["audio"], headers={"Range": "bytes=0-4095"})
            assert audio.status_code == 206 and len(audio.content) == 4096
            assert c.get(done["links"]["timings"]).status_code == 200
            return answer.status_code, done["sentences"]

    watcher = threading.Thread(target=watch_health)
    watcher.start()
    started = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            results = list(pool.map(reader, range(50)))
    finally:
        stop.set()
        watcher.join(timeout=10)
    elapsed = time.monotonic() - started
    after = stats(http)
    assert len(results) == 50
    assert after["syntheses"] - before["syntheses"] == 10
    assert after["completed"] - before["completed"] == 10
    assert after["failed"] == before["failed"]
    assert [code for code, _ in results[:40]] == [200] * 40
    p95 = statistics.quantiles(health, n=20)[-1]
    print(
        f"\nload run: 50 clients in {elapsed:.1f} s; health checks {len(health)}, "
        f"median {statistics.median(health) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {max(health) * 1000:.0f} ms"
    )
    # Health kept answering through the run (speed figures are the benchmarks' business).
    assert health_codes and set(health_codes) == {200}


# --- config ----------------------------------------------------------------------------


def test_config_file_and_errors(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "server.example.toml"
    config = load_config(example)
    assert config.port == 8000 and config.voices[0] == "joe"
    assert config.storage_dir.is_absolute()
    bad = tmp_path / "bad.toml"
    bad.write_text('cors_origins = ["news.example"]\n', encoding="utf-8")
    with pytest.raises(Exception, match="not an origin"):
        load_config(bad)
    bad.write_text("[limits]\nworkers = 'two'\n", encoding="utf-8")
    with pytest.raises(Exception, match="workers should be a whole number"):
        load_config(bad)
    assert replace(config, port=1).port == 1
