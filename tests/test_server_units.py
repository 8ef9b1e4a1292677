"""The service's pure parts: rate-limit arithmetic, byte-range decisions, ids, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrator.server.config import ConfigError, load_config
from narrator.server.jobs import NarrationRequest, narration_id
from narrator.server.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_bursts_then_holds_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=6, burst=3, clock=clock)  # one token every 10 s
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(10.0)
    assert limiter.acquire("b") == 0.0  # clients are separate
    clock.now += 5
    assert limiter.acquire("a") == pytest.approx(5.0)
    clock.now += 5
    assert limiter.acquire("a") == 0.0
    clock.now += 3600  # a long rest refills only up to the burst
    assert [limiter.acquire("a") == 0.0 for _ in range(4)] == [True, True, True, False]


def test_rate_limiter_forgets_the_oldest_clients() -> None:
    limiter = RateLimiter(per_minute=1, burst=1, max_clients=2, clock=Clock())
    for client in ("a", "b", "c"):
        assert limiter.acquire(client) == 0.0
    assert limiter.acquire("c") > 0  # remembered
    assert limiter.acquire("a") == 0.0  # forgotten: a full bucket again


@pytest.mark.parametrize(
    ("header", "verdict"),
    [
        (None, "none"),
        ("bytes=0-99", "ok"),
        ("bytes=990-", "ok"),
        ("bytes=-10", "ok"),
        ("bytes=0-5000", "ok"),  # a last byte past the end is cut to the end
        ("bytes=1000-", "unsatisfiable"),
        ("bytes=1000-1010", "unsatisfiable"),
        ("bytes=-0", "unsatisfiable"),
        ("bytes=9-3", "none"),  # malformed: ignored, the whole file is sent
        ("bytes=-", "none"),
        ("items=0-3", "none"),
        ("bytes=0-1,5-6", "ok"),
    ],
)
def test_range_verdicts(header: str | None, verdict: str) -> None:
    pytest.importorskip("fastapi")
    from narrator.server.app import _range_verdict

    assert _range_verdict(header, 1000) == verdict


def test_ids_hash_content_and_settings_only() -> None:
    base = NarrationRequest("text", "Hello.", "joe", 1.0)
    same = NarrationRequest("text", "Hello.", "joe", 1.0)
    assert narration_id(base) == narration_id(same)
    assert (
        len({narration_id(base)} | {narration_id(NarrationRequest("text", "Hello.", "joe", 1.1))})
        == 2
    )
    assert narration_id(NarrationRequest("html", "Hello.", "joe", 1.0)) != narration_id(base)
    hostile = NarrationRequest("url", "http://x/../../etc/passwd", "../../joe", 1.0)
    assert set(narration_id(hostile)) <= set("0123456789abcdef")


def test_settings_are_checked(tmp_path: Path) -> None:
    config = tmp_path / "server.toml"
    config.write_text(
        'port = 9000\nstorage_dir = "store"\ncors_origins = ["https://a.example/"]\n'
        "[limits]\njob_timeout_s = 30\n",
        encoding="utf-8",
    )
    loaded = load_config(config)
    assert loaded.port == 9000 and loaded.limits.job_timeout_s == 30.0
    assert loaded.storage_dir == tmp_path / "store"
    assert loaded.cors_origins == ("https://a.example",)
    assert load_config(config, port=1234).port == 1234
    for text, says in (
        ("colour = 'red'\n", "unknown settings"),
        ("[limits]\nworkers = 0\n", "workers must be 1 or more"),
        ("[limits]\nworkers = true\n", "should be a whole number"),
        ("cors_origins = ['https://a.example/path']\n", "has a path"),
        ("voices = []\n", "at least one voice"),
        ("port = \n", "cannot be read"),
    ):
        config.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=says):
            load_config(config)
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.toml")


def test_store_evicts_least_recently_used_beyond_its_cap(tmp_path: Path) -> None:
    import os

    from narrator.server.jobs import Store

    store = Store(tmp_path, max_bytes=2500)
    for n, narration in enumerate(("a" * 32, "b" * 32, "c" * 32)):
        folder = store.folder(narration)
        folder.mkdir(parents=True)
        (folder / "audio.mp3").write_bytes(b"\xff" * 1000)
        meta = folder / "meta.json"
        meta.write_text('{"duration_ms": 1, "voice": "joe", "cues": [], "chapters": []}')
        os.utime(meta, (1000 + n, 1000 + n))
    store.evict(keep="a" * 32)
    assert store.get("a" * 32) is not None  # the one just made is kept even if oldest
    assert store.get("b" * 32) is None
    assert store.get("c" * 32) is not None


def test_the_web_framework_is_imported_only_when_serving() -> None:
    import subprocess
    import sys

    code = (
        "import sys, narrator.server as s; "
        "s.load_config(None); "
        "print('fastapi' in sys.modules, 'uvicorn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
