"""Replays of the attack on fetching (issue 14): disguised loopback and site-local IPv6
addresses, malformed URLs, and servers that drip bytes to hold a fetch open.

Everything runs on loopback. Canary listeners on port 80 (every local address, IPv4 and
IPv6) count the connections that reach them: a refused address must reach none. Drip
servers count what they managed to send before the client gave up, so "cut at the
deadline" is judged by bytes, not by the clock.
"""

from __future__ import annotations

import errno
import functools
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from narrator.errors import FetchError
from narrator.ingest import FetchPolicy, check_address, fetch_url, split_url
from narrator.server.jobs import check_url

NARRATOR = str(Path(sys.executable).parent / "narrator")

DISGUISED = [
    "http://[::127.0.0.1]/",  # IPv4-compatible loopback
    "http://[::7f00:1]/",  # the same, written in hex
    "http://[::ffff:0:127.0.0.1]/",  # IPv4-translated (RFC 2765) loopback
    "http://[::ffff:0:7f00:1]/",
    "http://[fec0::1]/",  # deprecated site-local
    "http://[fec0::127.0.0.1]/",
    "http://[feff::1]/",  # the top of site-local
    "http://[::]/",  # unspecified
    "http://[::10.0.0.1]/",  # IPv4-compatible private
    "http://[::ffff:0:10.0.0.1]/",
    "http://[100::1]/",  # discard-only
    "http://[64:ff9b::127.0.0.1]/",  # NAT64 of loopback
    "http://[2002:7f00:1::]/",  # 6to4 of loopback
    "http://[::ffff:127.0.0.1]/",  # mapped loopback (already refused; kept)
]

MALFORMED = ["http://[::1/", "http://[::1", "https://[fec0::1/x", "http://[zz::1]/"]


@dataclass
class Canary:
    """Listeners on port 80 of every local address; counts who connects."""

    hits: list[str] = field(default_factory=list)
    socks: list[socket.socket] = field(default_factory=list)


@contextmanager
def canary_on_port_80() -> Iterator[Canary]:
    canary = Canary()
    six = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    six.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)  # IPv4 too, as mapped
    six.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for _ in range(60):  # another suite's canary may hold the port for a moment
        try:
            six.bind(("::", 80))
            break
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            time.sleep(0.5)
    else:
        raise AssertionError("port 80 stayed busy: no canary, so the test cannot judge")
    six.listen(16)
    six.settimeout(0.2)
    canary.socks.append(six)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, peer = six.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            canary.hits.append(str(peer))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield canary
    finally:
        stop.set()
        thread.join(timeout=5)
        six.close()


# --- SSRF ------------------------------------------------------------------------------


def test_the_canary_does_hear_a_connection() -> None:
    """The canary is not deaf: a fetch that is allowed to go to loopback reaches it."""
    with canary_on_port_80() as canary:
        with pytest.raises(FetchError):
            fetch_url("http://127.0.0.1/", FetchPolicy(allow_private=True, total_timeout=10))
        for _ in range(50):
            if canary.hits:
                break
            time.sleep(0.1)
    assert canary.hits


@pytest.mark.parametrize("url", DISGUISED)
def test_disguised_local_addresses_are_refused_and_never_contacted(url: str) -> None:
    with canary_on_port_80() as canary:
        with pytest.raises(FetchError, match="not a public internet address"):
            fetch_url(url, FetchPolicy(total_timeout=10))
        with pytest.raises(FetchError, match="not a public internet address"):
            check_url(url)
        time.sleep(0.3)  # a connection in flight would land by now
    assert canary.hits == []


def test_public_ipv6_and_mapped_public_ipv4_still_pass_the_address_check() -> None:
    for address in ("2606:4700:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.8.8", "8.8.8.8"):
        check_address(address)  # no exception


@pytest.mark.parametrize("url", MALFORMED)
def test_malformed_urls_are_a_fetch_error_not_a_crash(url: str) -> None:
    with pytest.raises(FetchError, match=r"not a valid URL|only http and https"):
        split_url(url)
    with pytest.raises(FetchError):
        fetch_url(url)
    with pytest.raises(FetchError):
        check_url(url)


@pytest.mark.parametrize("url", ["http://[::1/", "http://[::127.0.0.1]/"])
def test_cli_gives_one_line_and_writes_nothing(url: str, tmp_path: Path) -> None:
    out = tmp_path / "x.mp3"
    with canary_on_port_80() as canary:
        run = subprocess.run(
            [NARRATOR, "narrate", url, "-o", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 1
    assert run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert canary.hits == []


def test_cli_batch_names_a_malformed_url_and_goes_on(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("A Short One\n\nThe batch keeps going when one source is bad.\n")
    out = tmp_path / "out"
    out.mkdir()
    run = subprocess.run(
        [NARRATOR, "narrate", "http://[::1/", str(good), "-d", str(out), "--voice", "espeak", "-q"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "not a valid URL" in run.stderr
    assert [p.name for p in out.iterdir()] == ["good.mp3"]


@pytest.mark.slow
def test_feed_build_skips_a_malformed_url_and_builds_the_rest(tmp_path: Path) -> None:
    from narrator.feed import build_feed
    from narrator.feed import load_config as load_feed_config
    from narrator.pipeline import NarrateOptions
    from tests.test_feed import _write_config

    site = tmp_path / "pages"
    site.mkdir()
    (site / "story.txt").write_text(
        "Lamps Along the Quay\n\nThe council lit the new lamps along the quay tonight.\n"
    )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    pages = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    good = f"http://127.0.0.1:{pages.server_address[1]}/story.txt"
    urls = tmp_path / "urls.txt"
    urls.write_text(f"http://[::1/\n{good}\n")
    warnings: list[str] = []
    try:
        result = build_feed(
            urls,
            load_feed_config(_write_config(tmp_path / "show")),
            tmp_path / "site",
            options=NarrateOptions(voice="espeak", fetch=FetchPolicy(allow_private=True)),
            warn=warnings.append,
        )
    finally:
        pages.shutdown()
        pages.server_close()
    assert [e.title for e in result.episodes] == ["Lamps Along the Quay"]
    (warning,) = warnings
    assert warning.startswith("Skipped http://[::1/:") and "not a valid URL" in warning
    assert (tmp_path / "site" / "feed.xml").is_file()


# --- total fetch deadline ----------------------------------------------------------------


@dataclass
class Drip:
    """A loopback server that sends a response one byte at a time, slowly."""

    url: str
    sent: int = 0
    total: int = 0
    hung_up: threading.Event = field(default_factory=threading.Event)


@contextmanager
def drip_server(response: bytes, every_s: float, prefix: bytes = b"") -> Iterator[Drip]:
    """Sends ``prefix`` at once, then ``response`` one byte per ``every_s`` seconds."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    drip = Drip(f"http://127.0.0.1:{listener.getsockname()[1]}/slow", total=len(response))
    stop = threading.Event()

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(prefix)
                for i in range(len(response)):
                    if stop.wait(every_s):
                        return
                    conn.sendall(response[i : i + 1])
                    drip.sent += 1
            except OSError:
                drip.hung_up.set()
                return
            # Sent everything: wait for the client to close (bounded).
            conn.settimeout(30)
            with suppress(OSError):
                conn.recv(1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield drip
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=10)


BODY = b"x" * 60
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 60\r\n\r\n"


@pytest.mark.parametrize(
    ("prefix", "response"),
    [(b"", HEAD + BODY), (HEAD, BODY)],
    ids=["headers-drip", "body-drip"],
)
def test_a_dripping_server_is_cut_at_the_total_deadline(prefix: bytes, response: bytes) -> None:
    """One byte every 0.25 s never trips the 5 s per-read timeout; the 1.5 s total must.
    The full response would take 15 s or more to drip."""
    policy = FetchPolicy(allow_private=True, timeout=5, total_timeout=1.5)
    with drip_server(response, every_s=0.25, prefix=prefix) as drip:
        with pytest.raises(FetchError, match=r"longer than 1\.5 seconds"):
            fetch_url(drip.url, policy)
        sent_at_error = drip.sent
    # Cut by the deadline: about 6 bytes made it, nowhere near the whole response.
    assert sent_at_error < drip.total // 3, (sent_at_error, drip.total)


def test_a_prompt_server_is_not_cut() -> None:
    with drip_server(BODY, every_s=0.0, prefix=HEAD) as drip:
        body, _, _ = fetch_url(drip.url, FetchPolicy(allow_private=True, total_timeout=30))
    assert body == BODY
