"""Ingest: files, stdin and URLs decoded into Documents; bad input refused clearly."""

from __future__ import annotations

import codecs
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from narrator.errors import (
    BinaryInputError,
    EmptyInputError,
    FetchError,
    InputError,
    InputTooLargeError,
    SourceNotFoundError,
)
from narrator.ingest import FetchPolicy, check_address, decode_bytes, detect_format, read_source
from narrator.models import DocFormat

TEXT = "Café owners in Zürich said the “new rules” cost €18,000 — a lot.\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32"),
    ],
)
def test_unicode_encodings_decode_exactly(data: bytes, encoding: str) -> None:
    text, found = decode_bytes(data)
    assert text == TEXT
    assert found == encoding


def test_legacy_cp1252_text_decodes() -> None:
    legacy = "Café prices rose 5% – “quite a lot”, said the owner of the café in Zürich.\n" * 3
    text, encoding = decode_bytes(legacy.encode("cp1252"))
    # Any single-byte code page that gives back exactly the same text is a right answer.
    assert text == legacy
    assert encoding != "utf-8"


def test_html_meta_charset_is_honoured() -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Garçon, ça va?</p></body></html>'
    text, encoding = decode_bytes(html.encode("latin-1"))
    assert "Garçon, ça va?" in text
    assert encoding in {"iso8859-1", "latin-1", "iso-8859-1"}


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "a PNG image"),
        (b"%PDF-1.7\n" + bytes(range(256)), "a PDF document"),
        (b"ID3\x04\x00" + bytes(100), "MP3 audio"),
    ],
)
def test_known_binary_formats_are_named(data: bytes, what: str) -> None:
    with pytest.raises(BinaryInputError) as info:
        decode_bytes(data, label="x.txt")
    assert (
        str(info.value) == f"x.txt is {what}, not text. Give a .txt, .md or .html file, or a URL."
    )


def test_random_bytes_are_binary() -> None:
    noise = bytes((i * 7919 + 13) % 256 for i in range(5000))
    with pytest.raises(BinaryInputError):
        decode_bytes(noise, label="noise.bin")


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(SourceNotFoundError) as info:
        read_source(missing)
    assert (
        str(info.value)
        == f"{missing}: no such file. Check the path, or pass - to read standard input."
    )


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        read_source(tmp_path)


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  \r\n"])
def test_empty_and_whitespace_input(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(EmptyInputError) as info:
        read_source(path)
    assert (
        str(info.value)
        == f"{path} is empty: there is nothing to narrate. Give it the article's text."
    )


def test_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"word " * 300)
    with pytest.raises(InputTooLargeError, match="larger than 0 MB"):
        read_source(path, max_bytes=1000)


def test_stdin() -> None:
    doc = read_source("-", stdin=io.BytesIO(b"# Title\n\nBody text here."))
    assert doc.source == "-"
    assert doc.format is DocFormat.MARKDOWN
    assert doc.text.startswith("# Title")


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("a.html", "plain", DocFormat.HTML),
        ("a.md", "plain", DocFormat.MARKDOWN),
        ("a.txt", "<html><body><p>x</p></body></html>", DocFormat.TEXT),
        ("-", "<!DOCTYPE html><html><body>x</body></html>", DocFormat.HTML),
        ("-", "---\ntitle: x\n---\nBody.", DocFormat.MARKDOWN),
        ("-", "Headline\n\nJust a paragraph of text.", DocFormat.TEXT),
        ("https://example.com/story", "x", DocFormat.TEXT),
    ],
)
def test_format_detection(name: str, text: str, fmt: DocFormat) -> None:
    assert detect_format(name, text) is fmt


def test_content_type_wins() -> None:
    assert (
        detect_format("https://example.com/a.txt", "x", "text/html; charset=utf-8")
        is DocFormat.HTML
    )


# --- URLs -------------------------------------------------------------------------------

PAGE = (
    b"<html><head><title>T</title></head>"
    b"<body><article><p>Hello from loopback.</p></article></body></html>"
)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/page.html")
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif self.path == "/page.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


LOCAL = FetchPolicy(allow_private=True, timeout=5)


def test_fetch_follows_redirect_on_loopback(server: str) -> None:
    doc = read_source(f"{server}/redirect", policy=LOCAL)
    assert doc.url == f"{server}/page.html"
    assert doc.format is DocFormat.HTML
    assert "Hello from loopback." in doc.text


def test_fetch_404_is_one_clear_error(server: str) -> None:
    with pytest.raises(FetchError) as info:
        read_source(f"{server}/missing", policy=LOCAL)
    assert str(info.value) == (
        f"{server}/missing answered HTTP 404 Not Found. "
        "Check the URL, or save the page to a file and narrate that."
    )


def test_fetch_redirect_loop(server: str) -> None:
    with pytest.raises(FetchError, match="redirected more than 5 times"):
        read_source(f"{server}/loop", policy=LOCAL)


def test_fetch_connection_refused() -> None:
    with pytest.raises(FetchError, match=r"^Could not fetch http://127\.0\.0\.1:9/ "):
        read_source("http://127.0.0.1:9/", policy=LOCAL)


def test_loopback_refused_by_default(server: str) -> None:
    with pytest.raises(FetchError, match="not a web port"):
        read_source(f"{server}/page.html")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://localhost/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.8/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
    ],
)
def test_internal_addresses_refused(url: str) -> None:
    with pytest.raises(FetchError, match="not a public internet address"):
        read_source(url)


@pytest.mark.parametrize(
    "address", ["64:ff9b::7f00:1", "2002:7f00:1::1", "::ffff:127.0.0.1", "fe80::1"]
)
def test_embedded_ipv4_forms_refused(address: str) -> None:
    with pytest.raises(FetchError):
        check_address(address)


def test_public_address_passes() -> None:
    check_address("93.184.216.34")
    check_address("2606:2800:220:1:248:1893:25c8:1946")


@pytest.mark.parametrize("url", ["ftp://example.com/a.txt", "file:///etc/passwd"])
def test_non_http_schemes(url: str) -> None:
    # Not an http(s) URL, so it is read as a path that does not exist.
    with pytest.raises(InputError):
        read_source(url)
