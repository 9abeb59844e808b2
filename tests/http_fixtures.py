"""A local HTTP server for the web-source tests and the fetch benchmark: routes of canned replies and
faults (delays, hangs, resets, redirects, conditional GET), a log of every request, loopback only.

Data under `../shared/data/` is read in place (never copied into the repository); a test that needs it
fails when it is missing, as CI always has it.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FEED_FIXTURES = SHARED_DATA / "feeds" / "trafilatura-fixtures"
HTML_PAGES = SHARED_DATA / "extraction" / "scrapinghub-dev" / "html"


def shared(path: Path) -> Path:
    """A file of the shared evaluation data; a failed assertion (not a skip) when it is missing."""
    assert path.exists(), f"shared test data missing: {path} (expected beside the project, see ../shared/data)"
    return path


def fixture_bytes(name: str) -> bytes:
    return shared(FEED_FIXTURES / name).read_bytes()


def article_pages(n: int) -> list[bytes]:
    """The first `n` real news pages of the extraction benchmark, as served HTML bytes."""
    pages = sorted(shared(HTML_PAGES).glob("*.html.gz"))
    assert len(pages) >= n, f"only {len(pages)} pages in {HTML_PAGES}"
    return [gzip.decompress(p.read_bytes()) for p in pages[:n]]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    at: float


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # before the status line
    hang: bool = False  # never answer (until the server stops)
    reset: bool = False  # abort the connection with a TCP reset instead of answering
    drip: float | None = None  # seconds between body bytes
    length: int | None = None  # Content-Length to announce, when not len(body)
    close_delimited: bool = False  # no Content-Length: the body ends when the connection closes


Handler = Callable[[Request], Reply]


def static(
    body: bytes, content_type: str = "text/html; charset=utf-8", etag: str | None = None, modified: str | None = None
) -> Handler:
    """A resource with validators: answers a matching conditional GET with 304."""

    def handle(request: Request) -> Reply:
        if etag and request.headers.get("if-none-match") == etag:
            return Reply(304, content_type=None, headers={"ETag": etag})
        if modified and not etag and request.headers.get("if-modified-since") == modified:
            return Reply(304, content_type=None, headers={"Last-Modified": modified})
        headers = {}
        if etag:
            headers["ETag"] = etag
        if modified:
            headers["Last-Modified"] = modified
        return Reply(200, body, content_type, headers)

    return handle


def sequence(*replies: Reply) -> Handler:
    """Successive replies to successive requests; the last one repeats."""
    served = {"n": 0}
    lock = threading.Lock()

    def handle(_request: Request) -> Reply:
        with lock:
            index = min(served["n"], len(replies) - 1)
            served["n"] += 1
        return replies[index]

    return handle


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", None, {"Location": location})


class FixtureServer:
    """A threaded HTTP/1.1 server on a loopback address; `routes` maps a path to a Reply or a handler."""

    def __init__(self, host: str = "127.0.0.1", latency: float = 0.0) -> None:
        self.host = host
        self.latency = latency  # added before every reply (the benchmark's slow server)
        self.routes: dict[str, Reply | Handler] = {}
        self.log: list[Request] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._httpd: ThreadingHTTPServer | None = None

    # -- routes and the log

    def add(self, path: str, reply: Reply | Handler) -> str:
        self.routes[path] = reply
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    def hits(self, path: str | None = None, pattern: str | None = None) -> int:
        with self._lock:
            if pattern is not None:
                return sum(1 for r in self.log if re.fullmatch(pattern, r.path))
            return sum(1 for r in self.log if path is None or r.path == path)

    def requests(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.log if r.path == path]

    def wait_for(self, path: str, n: int = 1, timeout: float = 60) -> None:
        """Block until `path` has been requested `n` times (an event of the client, not a guessed sleep)."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: sum(1 for r in self.log if r.path == path) >= n, timeout)
        assert arrived, f"{path} requested fewer than {n} times in {timeout} s"

    def _record(self, request: Request) -> None:
        with self._arrived:
            self.log.append(request)
            self._arrived.notify_all()

    def _reply(self, request: Request) -> Reply:
        route = self.routes.get(request.path)
        if route is None:
            return Reply(404, b"not found", "text/plain")
        return route(request) if callable(route) else route

    # -- lifecycle

    def start(self) -> FixtureServer:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                request = Request("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
                server._record(request)
                reply = server._reply(request)
                if server.latency:
                    time.sleep(server.latency)
                if reply.delay:
                    server.release.wait(reply.delay)
                if reply.hang:
                    server.release.wait(60)
                    self.close_connection = True
                    return
                if reply.reset:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                if reply.content_type:
                    self.send_header("Content-Type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.close_delimited:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    length = reply.length if reply.length is not None else len(reply.body)
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                if reply.drip is None:
                    self.wfile.write(reply.body)
                    return
                for i in range(len(reply.body)):
                    if server.release.wait(reply.drip):
                        break
                    self.wfile.write(reply.body[i : i + 1])
                    self.wfile.flush()

            def log_message(self, *_args: Any) -> None:
                pass

            def handle(self) -> None:
                # The client gave up (timeouts, caps) or we reset the connection on purpose.
                with contextlib.suppress(OSError):
                    super().handle()

            def finish(self) -> None:
                with contextlib.suppress(OSError):
                    super().finish()

        self._httpd = ThreadingHTTPServer((self.host, 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # type: ignore[attr-defined]
        threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name=f"fixture-{self.host}", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class GrowingFeed:
    """A JSON Feed listing the first `n` items; its ETag changes with `n`, so unchanged polls get 304."""

    def __init__(self, feed: bytes) -> None:
        self.feed = json.loads(feed)
        self.n = 0
        self.lock = threading.Lock()

    def publish(self, n: int) -> None:
        with self.lock:
            self.n = n

    def __call__(self, request: Request) -> Reply:
        with self.lock:
            n = self.n
        etag = f'"v{n}"'
        if request.headers.get("if-none-match") == etag:
            return Reply(304, content_type=None, headers={"ETag": etag})
        body = json.dumps({**self.feed, "items": self.feed["items"][:n]}).encode("utf-8")
        return Reply(200, body, "application/feed+json", {"ETag": etag})


def npr_feed_rewritten(server: FixtureServer, n: int | None = None, prefix: str = "/npr/") -> tuple[bytes, list[str]]:
    """The fixture JSON Feed (25 NPR items) with every item's link moved onto `server`; serves a real news
    page of the extraction benchmark at each. Returns (feed bytes, article paths)."""
    feed = json.loads(fixture_bytes("feed.json"))
    items = feed["items"][:n] if n is not None else feed["items"]
    feed["items"] = items
    pages = article_pages(len(items))
    paths = []
    for i, (item, page) in enumerate(zip(items, pages, strict=True)):
        path = f"{prefix}{i:02d}?utm_source=feed"
        item["url"] = server.url(path)
        server.add(path, Reply(200, page))
        paths.append(path)
    return json.dumps(feed).encode("utf-8"), paths


# What a pipeline's `assert_that` saw, for checks after the run. The checker is pickled into the pipeline,
# so it must be this module-level function (pickled by reference) rather than a closure over a local.
_COLLECTED: dict[str, list[Any]] = {}


def collect(key: str, items: list[Any]) -> None:
    _COLLECTED[key] = list(items)


def collected(key: str) -> list[Any]:
    assert key in _COLLECTED, f"the pipeline never reported {key!r}"
    return _COLLECTED.pop(key)
