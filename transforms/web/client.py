"""The polite, safe HTTP client behind Discover and Fetch (plain Python; no Beam here).

Why urllib3 directly (not requests or httpx): it is already a dependency, it lets us plug in our own
connection class, so the socket is opened to the IP address we resolved and checked ourselves (no DNS
rebinding gap between the check and the connect), it never reads proxy settings from the environment, it
hands us redirects to follow one hop at a time (each hop re-checked), and since 2.6 its streaming decoder
bounds every decompression step (`max_length`), so a gzip/deflate/br bomb is caught after at most one
chunk of output instead of after inflating in memory.

What one `PoliteClient.get` does, in order, for every hop of a redirect chain:
  URL check (http/https only) → DNS + address policy → robots.txt of the origin (protego, cached per
  origin, Crawl-delay raises the host's delay) → the host's turn (one request at a time per host, at
  least `delay` seconds between the end of one request and the start of the next) → request with
  connect/read timeouts and a total deadline (a watchdog shuts the socket down when it passes) →
  status handling → body streamed and decoded with caps on raw and decompressed bytes.
Retries (429, 5xx, 408, connection errors and timeouts) wait with exponential backoff plus jitter, or the
server's Retry-After when it asks for longer, by pushing the host's next allowed start; after the last
try `FetchFailure` carries the final status and reason.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import logging
import queue
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import urllib3
from protego import Protego
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util import connection as urllib3_connection

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "newsbeam/0.1 (+https://github.com/newsbeam)"
DEFAULT_PER_HOST_DELAY = 1.0
DEFAULT_TIMEOUT = 30.0
# The largest document newsbeam accepts, fetched or read from a file (`--max-bytes`; the one definition).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# What each kind of request accepts. Articles must be HTML; feeds and sitemaps come as XML, JSON, plain
# text or gzip (and often with a wrong type, so only clearly non-text types are refused).
ARTICLE = "article"
SOURCE = "source"
ROBOTS = "robots"
_ARTICLE_TYPES = ("text/html", "application/xhtml+xml")
_REFUSED_SOURCE_PREFIXES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")
_ENCODINGS = {"identity", "gzip", "x-gzip", "deflate"}
try:
    import brotli  # noqa: F401

    _ENCODINGS.add("br")
except ImportError:  # pragma: no cover - brotli is a dependency
    pass
ACCEPT_ENCODING = ", ".join(sorted(_ENCODINGS - {"identity", "x-gzip"}))
_REDIRECTS = {301, 302, 303, 307, 308}
_RETRY_STATUSES = {408, 429}
_CHUNK = 64 * 1024
# RFC 9309: crawlers must read at least 500 KiB of robots.txt; more is ignored.
_ROBOTS_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class FetchConfig:
    """Everything that decides how newsbeam talks to web servers; frozen, so it pickles into DoFns and
    keys the per-process client."""

    user_agent: str = DEFAULT_USER_AGENT
    per_host_delay: float = DEFAULT_PER_HOST_DELAY
    timeout: float = DEFAULT_TIMEOUT  # total per attempt: connect + headers + body
    connect_timeout: float = 10.0  # capped by `timeout`
    read_timeout: float = 20.0  # longest silence on the socket, capped by `timeout`
    max_bytes: int = DEFAULT_MAX_BYTES  # cap on the body, compressed and decompressed
    max_redirects: int = 5
    attempts: int = 3  # tries per URL, including the first
    backoff: float = 1.0  # first retry waits about this long, then twice as long each time
    max_backoff: float = 30.0
    max_retry_after: float = 120.0  # a server asking for a longer pause gets a rejected row instead
    max_crawl_delay: float = 60.0  # a robots.txt Crawl-delay above this: the host's URLs are rejected
    allow_private_hosts: bool = False
    # Networks allowed even when private hosts are not (an intranet, or 127.0.0.1 in tests).
    allowed_networks: tuple[str, ...] = ()
    obey_robots: bool = True
    parallel_hosts: int = 32  # hosts fetched at once by one worker
    # Groups of hosts, each fetched by one worker. One suits the DirectRunner (all hosts overlap in one
    # worker's threads); a distributed runner wants about one per worker.
    lanes: int = 1
    # Scopes the per-process client (pools, robots cache, host clocks) to one run.
    session: str = field(default_factory=lambda: secrets.token_hex(6))

    @property
    def connect_seconds(self) -> float:
        return min(self.connect_timeout, self.timeout)

    @property
    def read_seconds(self) -> float:
        return min(self.read_timeout, self.timeout)


class FetchFailure(Exception):
    """A URL that could not be fetched. `reason` is the short code of the rejected row; `retriable` says
    whether another try may help; `permanent` whether the URL is settled for good (a 404, a robots
    disallow, an oversized body) and need not be tried again in later runs."""

    def __init__(
        self,
        reason: str,
        detail: str,
        *,
        status: int | None = None,
        retriable: bool = False,
        permanent: bool = False,
        retry_after: float | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.status = status
        self.retriable = retriable
        self.permanent = permanent
        self.retry_after = retry_after
        self.url = url


class BlockedAddress(Exception):
    """A host that resolves only to addresses the policy refuses; raised before any connection."""


@dataclass
class FetchResult:
    url: str  # as requested
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    attempts: int = 1

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends back: the ETag and Last-Modified of the last full response."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


# --- addresses ---------------------------------------------------------------------------------------------


def address_blocked(ip: str) -> bool:
    """Loopback, private, link-local, multicast, reserved, unspecified and shared (CGNAT) addresses, and
    IPv6 forms that embed one of them, are not for a crawler to visit."""
    address = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None and address_blocked(str(embedded)):
            return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


class AddressGuard:
    """Resolves a host and keeps only the addresses the policy allows; the connection then goes to one of
    exactly those addresses."""

    def __init__(self, allow_private: bool = False, allowed_networks: Sequence[str] = ()) -> None:
        self.allow_private = allow_private
        self.allowed = [ipaddress.ip_network(n, strict=False) for n in allowed_networks]

    def permitted(self, ip: str) -> bool:
        if self.allow_private:
            return True
        address = ipaddress.ip_address(ip.split("%")[0])
        if any(address in network for network in self.allowed):
            return True
        return not address_blocked(ip)

    def resolve(self, host: str, port: int) -> list[str]:
        """The permitted addresses of `host`; BlockedAddress when there are none, socket.gaierror when
        the name does not resolve."""
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        allowed = [a for a in addresses if self.permitted(a)]
        if not allowed:
            raise BlockedAddress(f"{host} resolves to {', '.join(addresses)}: not a public address")
        return allowed


# --- connections that go where the guard said, and a per-request deadline -----------------------------------

_local = threading.local()


class _Deadline:
    """Shuts down the sockets of a request when its total time is up, which unblocks a read stuck on a
    server that drips bytes slower than the read timeout could notice."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def watch(self, connection: Any) -> None:
        with self._lock:
            self._connections.append(connection)
            fired = self.fired
        if fired:
            self._shutdown(connection)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            connections = list(self._connections)
        for connection in connections:
            self._shutdown(connection)

    @staticmethod
    def _shutdown(connection: Any) -> None:
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        _local.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _local.deadline = None


def _guarded_socket(conn: HTTPConnection, guard: AddressGuard) -> socket.socket:
    """urllib3's `_new_conn`, but to an address the guard checked, and re-checked on the connected
    socket's peer."""
    try:
        addresses = guard.resolve(conn._dns_host, conn.port or 80)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    last: OSError | None = None
    for address in addresses:
        try:
            sock = urllib3_connection.create_connection(
                (address, conn.port or 80),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except OSError as exc:
            last = exc
            continue
        peer = sock.getpeername()[0]
        if not guard.permitted(peer):  # belt and braces: what we are connected to, not what we meant
            sock.close()
            raise BlockedAddress(f"{conn.host} connected to {peer}: not a public address")
        return sock
    if isinstance(last, TimeoutError):
        raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out (connect timeout={conn.timeout})")
    raise NewConnectionError(conn, f"Failed to establish a new connection: {last}")


def _pool_classes(guard: AddressGuard) -> dict[str, type[HTTPConnectionPool]]:
    class _Connection(HTTPConnection):
        """Connects only to addresses the guard allows; each request runs under the try's deadline."""

        def _new_conn(self) -> socket.socket:
            return _guarded_socket(self, guard)

        def request(self, *args: Any, **kwargs: Any) -> None:
            deadline = getattr(_local, "deadline", None)
            if deadline is not None:
                deadline.watch(self)
            super().request(*args, **kwargs)

    # The same guard and deadline over TLS (MRO: _Connection's overrides, then HTTPSConnection).
    class _TLSConnection(_Connection, HTTPSConnection):
        pass

    class _Pool(HTTPConnectionPool):
        ConnectionCls = _Connection

    class _TLSPool(HTTPSConnectionPool):
        ConnectionCls = _TLSConnection

    return {"http": _Pool, "https": _TLSPool}


# --- per-host politeness -------------------------------------------------------------------------------------


class HostGate:
    """One request at a time per host, and at least `delay` seconds from the end of one to the start of the
    next. Retry-After and backoff push the next start further (`defer`)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._lock = threading.Lock()
        self._not_before = 0.0

    def defer(self, seconds: float) -> None:
        self._not_before = max(self._not_before, time.monotonic() + seconds)

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._lock:
            wait = self._not_before - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                self._not_before = max(self._not_before, time.monotonic() + self.delay)


@dataclass
class _Robots:
    parser: Protego | None  # None: everything allowed (no robots.txt, or a 4xx)
    unreachable: str | None = None  # robots.txt failed with 5xx/connection error: nothing allowed (RFC 9309)


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter after failed try number `attempt` (1-based): half of
    `base * 2**(attempt-1)` (capped) for sure, the other half at random, so retries of many URLs spread."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def permanent_status(status: int) -> bool:
    """A client error the server will give again (404, 410, 403, …), unlike 408/429."""
    return 400 <= status < 500 and status not in _RETRY_STATUSES and status != 425


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def host_of(url: str) -> str:
    """The politeness key: the host name (any port), lower case."""
    return (urlsplit(url).hostname or "").lower()


class PoliteClient:
    """One per process and run (see `shared_client`): a connection pool, the robots.txt cache and the
    per-host clocks shared by every DoFn of the run in this process."""

    def __init__(self, config: FetchConfig) -> None:
        self.config = config
        self.guard = AddressGuard(config.allow_private_hosts, config.allowed_networks)
        self.pool = urllib3.PoolManager(num_pools=256, maxsize=2, block=False, retries=False)
        self.pool.pool_classes_by_scheme = _pool_classes(self.guard)
        self._gates: dict[str, HostGate] = {}
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.rng = random.Random()

    # -- bookkeeping

    def gate(self, host: str) -> HostGate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = HostGate(self.config.per_host_delay)
            return gate

    def close(self) -> None:
        self.pool.clear()

    # -- public

    def get(self, url: str, kind: str = ARTICLE, validators: Validators | None = None) -> FetchResult:
        """GET `url` politely, following redirects, retrying what may pass; FetchFailure otherwise."""
        attempts = self.config.attempts if kind != ROBOTS else min(2, self.config.attempts)
        for attempt in range(1, attempts + 1):
            try:
                result = self._follow(url, kind, validators)
                result.attempts = attempt
                return result
            except FetchFailure as failure:
                failure.url = failure.url or url
                if not failure.retriable or attempt == attempts:
                    if attempt > 1:
                        failure.detail = f"{failure.detail} (after {attempt} tries)"
                    raise
                wait = backoff_delay(attempt, self.config.backoff, self.config.max_backoff, self.rng)
                if failure.retry_after is not None:
                    if failure.retry_after > self.config.max_retry_after:
                        failure.detail = (
                            f"{failure.detail}; Retry-After {failure.retry_after:.0f} s is longer than "
                            f"{self.config.max_retry_after:.0f} s"
                        )
                        raise
                    wait = max(wait, failure.retry_after)
                logger.debug("%s: %s, try %d of %d in %.1f s", url, failure.reason, attempt + 1, attempts, wait)
                self.gate(host_of(failure.url)).defer(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- one try, hop by hop

    def _follow(self, url: str, kind: str, validators: Validators | None) -> FetchResult:
        current = url
        visited = {url}
        for hop in range(self.config.max_redirects + 1):
            parts = self._check_url(current)
            host = (parts.hostname or "").lower()
            port = parts.port or (443 if parts.scheme == "https" else 80)
            try:
                self.guard.resolve(host, port)
            except BlockedAddress as exc:
                raise FetchFailure("blocked-address", str(exc), url=current) from exc
            except (socket.gaierror, UnicodeError) as exc:
                raise FetchFailure("dns-error", f"{host}: {exc}", retriable=True, url=current) from exc
            gate = self.gate(host)
            if kind != ROBOTS and self.config.obey_robots:
                self._check_robots(current, gate)
            headers = {"User-Agent": self.config.user_agent, "Accept-Encoding": ACCEPT_ENCODING}
            headers["Accept"] = _ACCEPT[kind]
            if validators is not None and hop == 0:
                headers.update(validators.headers())
            with gate.turn():
                response = self._request(current, headers, kind)
            if response.status in _REDIRECTS and "location" in response.headers:
                target = urljoin(current, response.headers["location"])
                if target in visited:
                    raise FetchFailure(
                        "redirect-loop", f"{current} redirects back to {target}", permanent=True, url=url
                    )
                visited.add(target)
                current = target
                continue
            response.url = url
            return response
        raise FetchFailure(
            "too-many-redirects", f"more than {self.config.max_redirects} redirects from {url}", permanent=True
        )

    def _check_url(self, url: str) -> Any:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError as exc:
            raise FetchFailure("invalid-url", f"{url!r}: {exc}", permanent=True, url=url) from exc
        if parts.scheme not in ("http", "https"):
            raise FetchFailure("unsupported-scheme", f"{url!r}: only http and https", permanent=True, url=url)
        if not parts.hostname:
            raise FetchFailure("invalid-url", f"{url!r} has no host", permanent=True, url=url)
        return parts

    def _check_robots(self, url: str, gate: HostGate) -> None:
        robots = self.robots(url)
        if robots.unreachable is not None:
            raise FetchFailure("robots-unreachable", robots.unreachable, retriable=False, url=url)
        if robots.parser is None:
            return
        if not robots.parser.can_fetch(url, self.config.user_agent):
            raise FetchFailure("robots-disallowed", f"robots.txt disallows {url}", permanent=True, url=url)
        delay = robots.parser.crawl_delay(self.config.user_agent)
        if delay is not None:
            if delay > self.config.max_crawl_delay:
                raise FetchFailure(
                    "crawl-delay-too-long",
                    f"robots.txt asks for {delay:g} s between requests (limit {self.config.max_crawl_delay:g} s)",
                    url=url,
                )
            gate.delay = max(gate.delay, float(delay))

    def robots(self, url: str) -> _Robots:
        """The robots.txt rules of `url`'s origin, fetched once per run and process."""
        origin = origin_of(url)
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:
            cached = self._robots.get(origin)
            if cached is None:
                cached = self._robots[origin] = self._fetch_robots(origin)
            return cached

    def _fetch_robots(self, origin: str) -> _Robots:
        robots_url = origin + "/robots.txt"
        try:
            result = self.get(robots_url, ROBOTS)
        except FetchFailure as failure:
            if failure.status is not None and 400 <= failure.status < 500 and failure.status != 429:
                return _Robots(None)  # RFC 9309 2.3.1.3: unavailable, anything may be fetched
            return _Robots(None, unreachable=f"{robots_url}: {failure.reason} ({failure.detail})")
        text = result.body[:_ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
        return _Robots(Protego.parse(text))

    def _request(self, url: str, headers: dict[str, str], kind: str) -> FetchResult:
        config = self.config
        timeout = urllib3.Timeout(connect=config.connect_seconds, read=config.read_seconds)
        response = None
        with _Deadline(config.timeout) as deadline:
            try:
                # `get` follows redirects and retries itself (retries are off for the whole pool); `_read` streams
                # the body, which urllib3 decodes (`ACCEPT_ENCODING`) by default.
                response = self.pool.request(
                    "GET", url, headers=headers, redirect=False, preload_content=False, timeout=timeout
                )
                return self._read(url, response, kind, deadline)
            except FetchFailure:
                raise
            except BlockedAddress as exc:
                raise FetchFailure("blocked-address", str(exc), url=url) from exc
            except (HTTPError, OSError) as exc:
                read_is_total = config.read_seconds >= config.timeout
                raise _classify(exc, url, deadline.fired, config.timeout, read_is_total) from exc
            finally:
                if response is not None:
                    response.release_conn()

    def _read(self, url: str, response: Any, kind: str, deadline: _Deadline) -> FetchResult:
        status = int(response.status)
        headers = {k.lower(): v for k, v in response.headers.items()}
        result = FetchResult(url, url, status, headers, b"")
        if status in _REDIRECTS and "location" in headers:
            response.close()
            return result
        if status == 304:
            return result
        if status >= 400 or status < 200:
            response.close()
            retriable = status >= 500 or status in _RETRY_STATUSES
            raise FetchFailure(
                f"http-{status}",
                f"HTTP {status} {response.reason or ''}".strip(),
                status=status,
                retriable=retriable,
                permanent=permanent_status(status),
                retry_after=parse_retry_after(headers.get("retry-after")) if retriable else None,
                url=url,
            )
        if status >= 300:
            response.close()
            raise FetchFailure(f"http-{status}", f"HTTP {status} without a usable Location", status=status, url=url)
        self._check_type(url, result, kind, response)
        encodings = [e.strip().lower() for e in headers.get("content-encoding", "").split(",") if e.strip()]
        unknown = [e for e in encodings if e not in _ENCODINGS]
        if unknown:
            response.close()
            raise FetchFailure(
                "unsupported-content-encoding", f"Content-Encoding {', '.join(unknown)}", permanent=True, url=url
            )
        limit = self.config.max_bytes
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            response.close()
            raise FetchFailure(
                "too-large", f"Content-Length {length} > --max-bytes {limit}", status=status, permanent=True, url=url
            )
        chunks = []
        size = 0
        for chunk in response.stream(_CHUNK, decode_content=True):
            size += len(chunk)
            if size > limit:
                response.close()
                what = "decompressed body" if encodings and encodings != ["identity"] else "body"
                raise FetchFailure(
                    "too-large-decompressed" if what != "body" else "too-large",
                    f"{what} over --max-bytes {limit}",
                    status=status,
                    permanent=True,
                    url=url,
                )
            chunks.append(chunk)
            if deadline.fired:
                break
        if deadline.fired:
            response.close()
            raise FetchFailure(
                "timeout", f"response not complete within {self.config.timeout:g} s", retriable=True, url=url
            )
        result.body = b"".join(chunks)
        return result

    @staticmethod
    def _check_type(url: str, result: FetchResult, kind: str, response: Any) -> None:
        ctype = result.content_type
        if kind == ARTICLE:
            ok = not ctype or ctype in _ARTICLE_TYPES
        elif kind == SOURCE:
            ok = not ctype.startswith(_REFUSED_SOURCE_PREFIXES)
        else:
            ok = True
        if not ok:
            response.close()
            raise FetchFailure(
                "unsupported-content-type",
                f"Content-Type {ctype} for a {kind}",
                status=result.status,
                permanent=True,
                url=url,
            )


_ACCEPT = {
    ARTICLE: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    SOURCE: "application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,"
    "text/xml;q=0.9,application/json;q=0.8,*/*;q=0.5",
    ROBOTS: "text/plain,*/*;q=0.5",
}


def _classify(
    exc: BaseException, url: str, deadline_fired: bool, timeout: float, read_is_total: bool = False
) -> FetchFailure:
    """A urllib3/socket error as a FetchFailure. Order matters: urllib3's NewConnectionError subclasses
    ConnectTimeoutError, and NameResolutionError subclasses NewConnectionError. When the read timeout is the
    whole time allowed (`read_is_total`), the socket's timeout and the deadline's timer race for the same
    moment: either way the time was up."""
    read_timed_out = isinstance(exc, (ReadTimeoutError, TimeoutError))
    if deadline_fired or (read_is_total and read_timed_out):
        return FetchFailure("timeout", f"no complete response within {timeout:g} s", retriable=True, url=url)
    if isinstance(exc, NameResolutionError):
        return FetchFailure("dns-error", _describe(exc), retriable=True, url=url)
    if isinstance(exc, NewConnectionError):
        return FetchFailure("connection-error", _describe(exc), retriable=True, url=url)
    if isinstance(exc, ConnectTimeoutError):
        return FetchFailure("connect-timeout", _describe(exc), retriable=True, url=url)
    if read_timed_out:
        return FetchFailure("read-timeout", _describe(exc), retriable=True, url=url)
    if isinstance(exc, SSLError):
        return FetchFailure("tls-error", _describe(exc), url=url)
    if isinstance(exc, DecodeError):
        return FetchFailure("bad-content-encoding", _describe(exc), permanent=True, url=url)
    if isinstance(exc, ProtocolError) and "reset" in str(exc).lower():
        return FetchFailure("connection-reset", _describe(exc), retriable=True, url=url)
    return FetchFailure("connection-error", _describe(exc), retriable=True, url=url)


def _describe(exc: BaseException) -> str:
    """The innermost useful message of a urllib3 exception chain."""
    inner = getattr(exc, "reason", None)
    if not isinstance(inner, BaseException):
        inner = next((a for a in getattr(exc, "args", ()) if isinstance(a, BaseException)), None)
    if inner is not None and str(inner):
        return f"{type(inner).__name__}: {inner}"
    return str(exc)


# --- one client per process and run --------------------------------------------------------------------------

_CLIENTS: dict[FetchConfig, tuple[PoliteClient, int]] = {}
_CLIENTS_LOCK = threading.Lock()


def acquire_client(config: FetchConfig) -> PoliteClient:
    """The client of this run in this process, shared by Discover's and Fetch's DoFns so that robots.txt is
    read once per origin and a host's clock covers feed, sitemap and article requests alike."""
    with _CLIENTS_LOCK:
        client, users = _CLIENTS.get(config, (None, 0))
        if client is None:
            client = PoliteClient(config)
        _CLIENTS[config] = (client, users + 1)
        return client


def release_client(config: FetchConfig) -> None:
    with _CLIENTS_LOCK:
        client, users = _CLIENTS.get(config, (None, 0))
        if client is None:
            return
        if users <= 1:
            del _CLIENTS[config]
            client.close()
        else:
            _CLIENTS[config] = (client, users - 1)


# --- hosts in parallel, each host in order --------------------------------------------------------------------

T = TypeVar("T")
R = TypeVar("R")
_DONE = object()


def per_host(
    executor: Executor,
    groups: Mapping[str, Sequence[T]],
    work: Callable[[T], Iterable[R]],
    on_error: Callable[[T, Exception], Iterable[R]],
) -> Iterator[R]:
    """Run `work` over every item, one thread per host (bounded by the executor), the items of a host in
    order; yield each result in the calling thread as soon as it is ready (Beam outputs and metrics must
    come from the DoFn's own thread). An exception from `work` on one item becomes `on_error(item, exc)`,
    so every item yields its results exactly once."""
    results: queue.Queue[Any] = queue.Queue()

    def run(items: Sequence[T]) -> None:
        try:
            for item in items:
                try:
                    outs = list(work(item))
                except Exception as exc:
                    logger.warning("fetching %r failed: %s", item, exc, exc_info=True)
                    outs = list(on_error(item, exc))
                for out in outs:
                    results.put(out)
        finally:
            results.put(_DONE)

    pending = 0
    for items in groups.values():
        executor.submit(run, items)
        pending += 1
    while pending:
        out = results.get()
        if out is _DONE:
            pending -= 1
            continue
        yield out
