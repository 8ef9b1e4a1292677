"""Read a source (file, standard input or URL) into a decoded :class:`Document`.

This is the only stage that does input I/O. It decides the text's encoding and markup,
refuses binary data, and fetches URLs safely: http(s) only, every address the host
resolves to must be global (no loopback, private, link-local or mapped forms of them),
the connection goes to the address that was checked, each redirect is checked again,
and size and time are capped.
"""

from __future__ import annotations

import codecs
import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import (
    BinaryInputError,
    DecodeError,
    EmptyInputError,
    FetchError,
    InputError,
    InputTooLargeError,
    SourceNotFoundError,
)
from .models import DocFormat, Document

__all__ = [
    "MAX_INPUT_BYTES",
    "FetchPolicy",
    "URLParts",
    "check_address",
    "decode_bytes",
    "detect_format",
    "fetch_url",
    "is_url",
    "read_source",
    "split_url",
]

MAX_INPUT_BYTES = 20 * 1024 * 1024
"""Largest input accepted: a 20 MB article is already a book."""

_USER_AGENT = "narrator/0.1 (+article narration)"


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for fetching a URL."""

    allow_private: bool = False
    """Allow loopback and private addresses (local testing only; never on a public server)."""

    timeout: float = 15.0
    """Seconds for connecting and for each read."""

    total_timeout: float = 60.0
    """Seconds for the whole fetch, redirects included. A per-read timeout alone lets a
    server that sends one byte every few seconds hold the fetch for ever (issue 14)."""

    max_bytes: int = MAX_INPUT_BYTES
    """Largest body accepted."""

    max_redirects: int = 5
    """Redirects followed before giving up."""


def is_url(source: str) -> bool:
    """True when ``source`` looks like an http(s) URL rather than a path."""
    return bool(re.match(r"(?i)^https?://", source))


def read_source(
    source: str | Path,
    *,
    stdin: BinaryIO | None = None,
    policy: FetchPolicy | None = None,
    format: DocFormat | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
) -> Document:
    """Read ``source`` (a path, ``-`` for standard input, or an http(s) URL) as a Document."""
    name = str(source)
    url: str | None = None
    content_type = ""
    if name == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(max_bytes + 1)
        label = "standard input"
    elif isinstance(source, str) and is_url(name):
        data, url, content_type = fetch_url(name, policy or FetchPolicy(max_bytes=max_bytes))
        label = name
    else:
        data = _read_file(Path(name), max_bytes)
        label = name
    if len(data) > max_bytes:
        raise InputTooLargeError(
            f"{label} is larger than {max_bytes // (1024 * 1024)} MB: that is more than one "
            f"article. Split it into articles and narrate them one at a time."
        )
    text, encoding = decode_bytes(data, label=label, declared=_charset_of(content_type))
    if not text.strip():
        raise EmptyInputError(
            f"{label} is empty: there is nothing to narrate. Give it the article's text."
        )
    fmt = format or detect_format(name if url is None else url, text, content_type)
    return Document(text=text, format=fmt, source=name, url=url, encoding=encoding)


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise SourceNotFoundError(
            f"{path}: no such file. Check the path, or pass - to read standard input."
        ) from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path} is a folder. Give one article file, a URL, or -.") from exc
    except PermissionError as exc:
        raise InputError(
            f"{path} cannot be read (permission denied). Check its permissions."
        ) from exc
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror}). Check the path.") from exc


# --- decoding ---------------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive or office document"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"ID3", "MP3 audio"),
    (b"RIFF", "a RIFF (WAV or AVI) file"),
    (b"OggS", "Ogg audio"),
    (b"fLaC", "FLAC audio"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Characters that never occur in real text (C0 controls other than tab/newline/CR/FF).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode_bytes(
    data: bytes, *, label: str = "input", declared: str | None = None
) -> tuple[str, str]:
    """Decode ``data`` as text; return ``(text, encoding)``.

    Order: a byte-order mark; UTF-8; an encoding the document declares; a detected
    encoding; Windows-1252 (which decodes any byte, so it only runs after binary checks).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding.replace("-le", "").replace(
                    "-be", ""
                )
            except UnicodeDecodeError as exc:
                raise DecodeError(
                    f"{label} starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding}. Re-save it as UTF-8 and try again."
                ) from exc
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise BinaryInputError(
                f"{label} is {what}, not text. Give a .txt, .md or .html file, or a URL."
            )
    head = data[:8192]
    if b"\x00" in head:
        text = _utf16_without_bom(data)
        if text is not None:
            return text, "utf-16"
        raise BinaryInputError(
            f"{label} looks like binary data, not text. Give a .txt, .md or .html file, or a URL."
        )
    try:
        return _check_text(data.decode("utf-8"), label), "utf-8"
    except UnicodeDecodeError:
        pass
    for candidate in filter(None, [declared, _declared_in_html(head)]):
        try:
            return _check_text(data.decode(candidate), label), candidate
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1024 * 1024]).best()
    if best is not None and best.encoding and best.chaos < 0.3:
        try:
            return _check_text(data.decode(best.encoding), label), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return _check_text(data.decode("cp1252"), label), "cp1252"
    except UnicodeDecodeError as exc:
        raise DecodeError(
            f"{label}: could not work out its text encoding. Re-save it as UTF-8 and try again."
        ) from exc


def _check_text(text: str, label: str) -> str:
    sample = text[:65536]
    if sample and len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise BinaryInputError(
            f"{label} looks like binary data, not text. Give a .txt, .md or .html file, or a URL."
        )
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a BOM has a NUL in every other byte for ASCII."""
    head = data[:4096]
    even_nuls = head[0::2].count(0)
    odd_nuls = head[1::2].count(0)
    half = len(head) // 2
    encoding = None
    if half and odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        encoding = "utf-16-le"
    elif half and even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        encoding = "utf-16-be"
    if encoding is None:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _declared_in_html(head: bytes) -> str | None:
    match = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", head, re.I)
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _charset_of(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_.:-]+)", content_type, re.I)
    return match.group(1) if match else None


# --- markup detection -------------------------------------------------------------------

_HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
_MD_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".mdx"}
_HTML_SNIFF = re.compile(
    r"(?is)^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])"
)
_HTML_TAGS = re.compile(r"(?i)</?(p|div|article|section|span|a|h[1-6]|br|ul|li)\b[^>]*>")
_MD_SNIFF = re.compile(r"(?m)\A(---|\+\+\+)\s*$|^#{1,6} \S|^\s*```|\[[^\]\n]+\]\([^)\s]+\)")


def detect_format(name: str, text: str, content_type: str = "") -> DocFormat:
    """Guess the markup from the content type, the file name, then the text itself."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in {"text/html", "application/xhtml+xml"}:
        return DocFormat.HTML
    if ctype in {"text/markdown", "text/x-markdown"}:
        return DocFormat.MARKDOWN
    path = urllib.parse.urlparse(name).path if is_url(name) else name
    suffix = Path(path).suffix.lower()
    if suffix in _HTML_SUFFIXES:
        return DocFormat.HTML
    if suffix in _MD_SUFFIXES:
        return DocFormat.MARKDOWN
    if suffix == ".txt" or ctype == "text/plain":
        return DocFormat.TEXT
    head = text[:20000]
    if _HTML_SNIFF.match(head) or len(_HTML_TAGS.findall(head)) >= 5:
        return DocFormat.HTML
    if _MD_SNIFF.search(head):
        return DocFormat.MARKDOWN
    return DocFormat.TEXT


# --- safe fetching ----------------------------------------------------------------------

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
"""The only IPv6 block IANA hands out for public hosts. Python's ``is_global`` judges by a
list of special blocks and misses deprecated ones (site-local ``fec0::/10``, the
IPv4-compatible ``::a.b.c.d``), which Linux still routes to the IPv4 host or the local
network, so anything outside this block is refused (issue 14)."""


def check_address(address: str, *, allow_private: bool = False) -> None:
    """Raise FetchError unless ``address`` is a global unicast address.

    IPv6 forms that embed an IPv4 address (mapped ``::ffff:a.b.c.d``, NAT64
    ``64:ff9b::a.b.c.d``, 6to4 ``2002:aabb:ccdd::``, Teredo) are judged by the IPv4
    address they carry, so ``::ffff:127.0.0.1`` is loopback, as it is in practice.
    """
    ip = ipaddress.ip_address(address.split("%")[0])
    embedded: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            embedded.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            embedded.append(ip.sixtofour)
        if ip.teredo is not None:
            embedded.extend(ip.teredo)
        if any(ip in net for net in (_NAT64, _NAT64_LOCAL, _IPV4_COMPATIBLE, _IPV4_TRANSLATED)):
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if allow_private:
        return
    outside = (
        isinstance(ip, ipaddress.IPv6Address)
        and ip.ipv4_mapped is None
        and ip not in _GLOBAL_UNICAST
    )
    for candidate in embedded:
        if outside or not candidate.is_global or candidate.is_multicast:
            raise FetchError(
                f"Refusing to fetch from {address}: it is not a public internet address. "
                f"narrator only fetches public pages; save the page to a file instead."
            )
    if len(embedded) > 1 and isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        # A translated or tunnelled address reaches whatever IPv4 host it embeds; the
        # embedded one was global, but the translation prefix itself is not a target.
        raise FetchError(
            f"Refusing to fetch from {address}: it is a translated IPv6 address. "
            f"Use the site's ordinary address."
        )


def _resolve(host: str, port: int, policy: FetchPolicy) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            f"Could not find the host {host!r}. Check the URL and your connection."
        ) from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise FetchError(f"Could not find the host {host!r}. Check the URL.")
    for address in addresses:  # every answer must pass, or DNS rebinding picks the bad one
        check_address(address, allow_private=policy.allow_private)
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an already-checked address while sending the URL's host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self.raw: socket.socket | None = None

    def connect(self) -> None:
        self.sock = self.raw = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, verifying the certificate for the URL's host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address
        self._context = ssl.create_default_context()

    def connect(self) -> None:
        # Kept before the TLS handshake so the fetch deadline can cut a slow handshake too.
        self.raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(self.raw, server_hostname=self.host)


@dataclass(frozen=True)
class URLParts:
    """A URL's pieces that fetching needs, checked: see :func:`split_url`."""

    scheme: str
    """``http`` or ``https``."""

    host: str
    """The host name or address (IPv6 without brackets)."""

    port: int
    """The port, the scheme's default when the URL gives none."""

    target: str
    """The path and query to request."""


def split_url(url: str, *, allow_private: bool = False) -> URLParts:
    """Parse ``url`` for fetching, or raise FetchError saying what is wrong with it.

    Malformed URLs (``http://[::1/``, a port of 99999) are a FetchError like any other
    refusal, never a ValueError: the CLI, the service and the feed builder all turn
    NarratorErrors into one line, a 4xx or a skipped source.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname
    except ValueError as exc:
        raise FetchError(f"Cannot fetch {url!r}: it is not a valid URL ({exc}).") from exc
    if scheme not in {"http", "https"} or not host:
        raise FetchError(f"Cannot fetch {url!r}: only http and https URLs are supported.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError(f"Cannot fetch {url!r}: the port is not valid.") from exc
    if not allow_private and port not in {80, 443}:
        raise FetchError(f"Refusing to fetch {url!r}: port {port} is not a web port (80 or 443).")
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return URLParts(scheme, host, port, target)


class _Deadline:
    """Cuts a connection when the whole fetch's time is up, wherever it is blocked.

    A socket timeout bounds each read, not their sum; shutting the socket down from a
    timer thread wakes a blocked connect, handshake, header or body read at once.
    """

    def __init__(self, conn: _PinnedHTTPConnection | _PinnedHTTPSConnection, seconds: float):
        self.conn = conn
        self.expired = threading.Event()
        self._timer = threading.Timer(max(0.0, seconds), self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self) -> None:
        self.expired.set()
        raw = self.conn.raw
        if raw is not None:
            with contextlib.suppress(OSError):
                raw.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def fetch_url(url: str, policy: FetchPolicy | None = None) -> tuple[bytes, str, str]:
    """Fetch ``url`` safely; return ``(body, final_url, content_type)``.

    The whole fetch, redirects included, ends within ``policy.total_timeout`` seconds
    (name resolution aside: the system resolver cannot be interrupted).
    """
    policy = policy or FetchPolicy()
    deadline = time.monotonic() + policy.total_timeout
    current = url
    for _ in range(policy.max_redirects + 1):
        parts = split_url(current, allow_private=policy.allow_private)
        address = _resolve(parts.host, parts.port, policy)
        left = deadline - time.monotonic()
        if left <= 0:
            raise _timed_out(current, policy)
        conn_cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        conn = conn_cls(parts.host, address, parts.port, min(policy.timeout, left))
        cutoff = _Deadline(conn, left)
        try:
            conn.request(
                "GET",
                parts.target,
                headers={
                    "User-Agent": _USER_AGENT,
                    "Accept": "text/html,text/markdown,text/plain;q=0.9,*/*;q=0.1",
                },
            )
            resp = conn.getresponse()
            if resp.status in {301, 302, 303, 307, 308}:
                location = resp.getheader("Location")
                resp.close()
                if not location:
                    raise FetchError(f"{current} redirected without saying where to.")
                try:
                    current = urllib.parse.urljoin(current, location)
                except ValueError as exc:
                    raise FetchError(
                        f"{current} redirected to {location!r}, which is not a valid URL."
                    ) from exc
                continue
            if resp.status >= 400:
                raise FetchError(
                    f"{current} answered HTTP {resp.status} {resp.reason}. "
                    f"Check the URL, or save the page to a file and narrate that."
                )
            length = resp.getheader("Content-Length")
            if length and length.isdigit() and int(length) > policy.max_bytes:
                raise InputTooLargeError(
                    f"{current} is {int(length) // (1024 * 1024)} MB, over the "
                    f"{policy.max_bytes // (1024 * 1024)} MB limit for one article."
                )
            body = _read_body(resp, policy.max_bytes + 1)
            if cutoff.expired.is_set():  # the cut can look like a clean end of the body
                raise _timed_out(current, policy)
            if len(body) > policy.max_bytes:
                raise InputTooLargeError(
                    f"{current} is over the {policy.max_bytes // (1024 * 1024)} MB limit "
                    f"for one article."
                )
            return body, current, resp.getheader("Content-Type") or ""
        except (OSError, http.client.HTTPException) as exc:
            if cutoff.expired.is_set():
                raise _timed_out(current, policy) from exc
            reason = getattr(exc, "reason", None) or exc.__class__.__name__
            if isinstance(exc, TimeoutError | socket.timeout):
                reason = "timed out"
            raise FetchError(
                f"Could not fetch {current} ({reason}). Check the URL and your connection."
            ) from exc
        finally:
            cutoff.cancel()
            conn.close()
    raise FetchError(f"{url} redirected more than {policy.max_redirects} times. Check the URL.")


def _read_body(resp: http.client.HTTPResponse, limit: int) -> bytes:
    # read1 returns what one read brings, so the loop sees the deadline's cut at once.
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = resp.read1(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _timed_out(url: str, policy: FetchPolicy) -> FetchError:
    return FetchError(
        f"Could not fetch {url}: it took longer than {policy.total_timeout:g} seconds, the "
        f"limit for one page. Save the page to a file and narrate that instead."
    )
