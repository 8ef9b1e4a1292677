"""The growing timings JSON (``/v1/narrations/{id}/timings.json``) and who may use it.

A real service on loopback with the real voice: while a narration renders, each poll
sees the sentences rendered so far (``complete`` false), each snapshot the start of the
final one; once done it is the stored narration's timings, matching the WebVTT. Also:
``--allow-origin`` and the one log line that names a refused origin.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from narrator.cli import cli
from narrator.server.config import ConfigError, load_config, with_origins
from narrator.timing import parse_webvtt
from tests.test_server import client, serve, wait_done

pytestmark = pytest.mark.slow


def _article(sentences: int) -> str:
    body = " ".join(
        f"Item {i + 1} on the list of harbour repairs needs a new coat of paint this week."
        for i in range(sentences)
    )
    return f"Harbour repairs {time.time_ns()}\n\n{body}"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = load_config(
        None,
        storage_dir=tmp_path_factory.mktemp("store"),
        clip_cache_dir=tmp_path_factory.mktemp("clips"),
        allow_private_urls=True,
    )
    with serve(config) as url:
        yield url


@pytest.fixture(scope="module")
def http(base: str) -> Iterator[httpx.Client]:
    with client(base) as c:
        yield c


def test_timings_grow_while_rendering_then_match_the_stored_narration(http: httpx.Client) -> None:
    created = http.post("/v1/narrations", json={"text": _article(12)})
    assert created.status_code == 202, created.text
    body = created.json()
    url = body["links"]["timings_json"]
    assert url == f"/v1/narrations/{body['id']}/timings.json"
    snapshots: list[dict[str, Any]] = []
    deadline = time.monotonic() + 120  # a hang guard; the loop ends when complete
    while time.monotonic() < deadline:
        answer = http.get(url)
        assert answer.status_code == 200, answer.text
        doc = answer.json()
        snapshots.append(doc)
        if doc["complete"]:
            assert answer.headers["cache-control"].startswith("public")
            break
        assert answer.headers["cache-control"] == "no-store"
        assert doc["duration_ms"] is None
        time.sleep(0.05)
    final = snapshots[-1]
    assert final["complete"] and final["version"] == 1
    total = len(final["sentences"])
    assert total == 13  # the title and twelve sentences
    partial = [s for s in snapshots if not s["complete"] and 0 < len(s["sentences"]) < total]
    assert partial, "no poll saw a narration part-rendered"
    for snap in snapshots:  # growing: every snapshot is the start of the final list
        assert snap["sentences"] == final["sentences"][: len(snap["sentences"])]
    status = http.get(body["links"]["self"]).json()
    assert final["duration_ms"] == status["duration_ms"]
    vtt = parse_webvtt(http.get(body["links"]["timings"]).text)
    assert [(c.key, c.start_ms, c.end_ms) for c in vtt] == [
        (s["key"], s["start_ms"], s["end_ms"]) for s in final["sentences"]
    ]
    # from=N: only the sentences a player does not have yet.
    tail = http.get(url, params={"from": 10}).json()
    assert tail["sentences"] == final["sentences"][10:] and tail["complete"]
    assert http.get(url, params={"from": 500}).json()["sentences"] == []
    for bad in ("-1", "x", "2000000"):
        refused = http.get(url, params={"from": bad})
        assert refused.status_code == 422 and "from" in refused.json()["message"]


def test_timings_of_a_cached_narration_are_complete_at_once(http: httpx.Client) -> None:
    text = _article(2)
    first = http.post("/v1/narrations", json={"text": text}).json()
    wait_done(http, first["id"])
    again = http.post("/v1/narrations", json={"text": text})
    assert again.status_code == 200
    doc = http.get(again.json()["links"]["timings_json"]).json()
    assert doc["complete"] and len(doc["sentences"]) == 3 and doc["duration_ms"] > 0


def test_timings_of_unknown_and_failed_narrations(http: httpx.Client, tmp_path: Path) -> None:
    missing = http.get("/v1/narrations/" + "0" * 32 + "/timings.json")
    assert missing.status_code == 404 and "POST the article" in missing.json()["message"]
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    pages = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    try:
        gone = f"http://127.0.0.1:{pages.server_address[1]}/gone.html"
        created = http.post("/v1/narrations", json={"url": gone}).json()
        assert wait_done(http, created["id"])["status"] == "failed"
        answer = http.get(created["links"]["timings_json"])
        assert answer.status_code == 422 and "404" in answer.json()["message"]
    finally:
        pages.shutdown()
        pages.server_close()


# --- who may use it --------------------------------------------------------------------


def test_allow_origin_adds_checked_origins() -> None:
    config = with_origins(
        load_config(None, cors_origins=("https://a.example",)),
        ["https://b.example/", "https://a.example"],
    )
    assert config.cors_origins == ("https://a.example", "https://b.example")
    with pytest.raises(ConfigError, match=r"--allow-origin: cors_origins entry 'b\.example'"):
        with_origins(config, ["b.example"])
    with pytest.raises(ConfigError, match="has a path"):
        with_origins(config, ["https://b.example/news"])


def test_serve_refuses_a_bad_allow_origin_in_one_line() -> None:
    result = CliRunner().invoke(cli, ["serve", "--allow-origin", "news.example"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: --allow-origin: cors_origins entry 'news.example'")
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert "--allow-origin URL" in CliRunner().invoke(cli, ["serve", "--help"]).output


def test_refused_origin_is_logged_once_with_the_fix(
    base: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="narrator.server")
    stranger = "https://stranger.example"
    with client(base) as c:
        for _ in range(3):
            preflight = c.options(
                "/v1/narrations",
                headers={
                    "Origin": stranger,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type",
                },
            )
            assert preflight.status_code == 403
        posted = c.post(
            "/v1/narrations", content=json.dumps({"text": "Hi."}), headers={"Origin": stranger}
        )
        assert posted.status_code == 403
        assert f"narrator serve --allow-origin {stranger}" in posted.json()["message"]
    lines = [r.getMessage() for r in caplog.records if stranger in r.getMessage()]
    assert len(lines) == 1, lines
    assert "\n" not in lines[0]
    assert f"--allow-origin {stranger}" in lines[0] and "cors_origins" in lines[0]
