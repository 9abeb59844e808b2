"""Fetching on loopback: politeness (robots.txt, Crawl-delay, per-host delay, one request at a time), safety
(http/https only, no private addresses after DNS and after redirects), limits (timeouts, body and
decompressed size, redirects, content types), retries, and the Fetch / SkipSeen / MarkSeen composites."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import socket
import zlib
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import brotli
import pytest
from apache_beam import Create
from apache_beam.testing.test_pipeline import TestPipeline

from schemas.document import REJECTED as REJECTED_OUTCOME
from schemas.document import WRITTEN, Outcome, RawDocument
from schemas.state import SEEN_SCHEMA, SEEN_TABLE
from tests.beam_util import check
from tests.http_fixtures import FixtureServer, Reply, collect, collected, redirect, sequence, static
from transforms.fetch import DUPLICATE_URL, SEEN_URL, Fetch, MarkSeen, SkipSeen, document_from, pick_entry
from transforms.storage.tables import read_table, write_table
from transforms.web import client as _http
from transforms.web.client import (
    ARTICLE,
    DEFAULT_USER_AGENT,
    SOURCE,
    AddressGuard,
    FetchConfig,
    FetchFailure,
    PoliteClient,
    Validators,
    address_blocked,
    backoff_delay,
    parse_retry_after,
    per_host,
)
from transforms.web.feeds import EntryRef, entry_key

pytestmark = pytest.mark.timeout(120)

PAGE = (
    b"<html><head><title>t</title></head><body><article><p>Council approves the harbour budget.</p>"
    b"</article></body></html>"
)
LOCAL = ("127.0.0.1/32",)


def config(**overrides: Any) -> FetchConfig:
    values: dict[str, Any] = dict(
        per_host_delay=0.0, timeout=1.0, attempts=2, backoff=0.05, max_bytes=1_000_000, allowed_networks=LOCAL
    )
    values.update(overrides)
    return FetchConfig(**values)


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with FixtureServer() as srv:
        srv.add("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", "text/plain"))
        srv.add("/ok", Reply(200, PAGE))
        yield srv


def fail(client: PoliteClient, url: str, kind: str = ARTICLE) -> FetchFailure:
    with pytest.raises(FetchFailure) as caught:
        client.get(url, kind)
    return caught.value


# --- plain functions ---------------------------------------------------------------------------------------


def test_address_policy() -> None:
    for ip in ("127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0"):
        assert address_blocked(ip), ip
    for ip in ("224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1", "ff02::1", "::"):
        assert address_blocked(ip), ip
    assert address_blocked("::ffff:127.0.0.1") and address_blocked("::ffff:10.1.2.3")  # IPv4 inside IPv6
    assert address_blocked("2002:7f00:1::")  # 6to4 of 127.0.0.1
    for ip in ("93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"):
        assert not address_blocked(ip), ip
    guard = AddressGuard(allowed_networks=["127.0.0.1/32"])
    assert guard.permitted("127.0.0.1") and not guard.permitted("127.0.0.2")
    assert AddressGuard(allow_private=True).permitted("10.0.0.1")


def test_retry_after_and_backoff() -> None:
    now = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.timezone.utc)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Sat, 21 Nov 2026 10:00:30 GMT", now) == 30.0
    assert parse_retry_after("Sat, 21 Nov 2026 09:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    waits = [backoff_delay(n, 1.0, 30.0) for n in (1, 2, 3, 4, 10)]
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0 and 2.0 <= waits[2] <= 4.0 and 4 <= waits[3] <= 8
    assert 15.0 <= waits[4] <= 30.0  # capped
    assert len({backoff_delay(3, 1.0, 30.0) for _ in range(20)}) > 1  # jitter


# --- the client ----------------------------------------------------------------------------------------------


def test_page_with_a_descriptive_user_agent(server: FixtureServer) -> None:
    result = PoliteClient(config()).get(server.url("/ok"))
    assert (result.status, result.body, result.content_type, result.attempts) == (200, PAGE, "text/html", 1)
    assert server.requests("/ok")[0].headers["user-agent"] == DEFAULT_USER_AGENT
    assert "newsbeam" in DEFAULT_USER_AGENT and "+http" in DEFAULT_USER_AGENT
    assert "br" in server.requests("/ok")[0].headers["accept-encoding"]
    PoliteClient(config(user_agent="acme-news/2.0")).get(server.url("/ok"))
    assert server.requests("/ok")[1].headers["user-agent"] == "acme-news/2.0"


def test_500_then_success_is_retried(server: FixtureServer) -> None:
    server.add("/flaky", sequence(Reply(500, b"oops"), Reply(200, PAGE)))
    result = PoliteClient(config()).get(server.url("/flaky"))
    assert (result.status, result.attempts, server.hits("/flaky")) == (200, 2, 2)


def test_500_every_time_ends_with_the_final_status(server: FixtureServer) -> None:
    server.add("/down", Reply(503, b"down"))
    failure = fail(PoliteClient(config(attempts=3)), server.url("/down"))
    assert (failure.reason, failure.status, failure.permanent) == ("http-503", 503, False)
    assert "after 3 tries" in failure.detail and server.hits("/down") == 3


def test_429_waits_for_retry_after(server: FixtureServer) -> None:
    server.add("/busy", sequence(Reply(429, headers={"Retry-After": "1"}), Reply(200, PAGE)))
    result = PoliteClient(config()).get(server.url("/busy"))
    first, second = server.requests("/busy")
    assert result.status == 200 and second.at - first.at >= 1.0


def test_429_with_a_long_retry_after_is_rejected_not_waited_for(
    server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add("/later", Reply(429, headers={"Retry-After": "3600"}))
    waits: list[float] = []
    monkeypatch.setattr(_http.time, "sleep", waits.append)  # what the client would have waited, not waiting
    failure = fail(PoliteClient(config()), server.url("/later"))
    assert failure.reason == "http-429" and "Retry-After 3600" in failure.detail
    assert server.hits("/later") == 1 and all(w < 1 for w in waits), waits


def test_a_hanging_response_times_out(server: FixtureServer) -> None:
    server.add("/hang", Reply(hang=True))  # hangs 60 s: only the client's timeout ends each attempt
    failure = fail(PoliteClient(config(timeout=0.5, attempts=2)), server.url("/hang"))
    assert failure.reason in ("timeout", "read-timeout") and failure.retriable
    assert server.hits("/hang") == 2


def test_a_dripping_body_hits_the_total_deadline(server: FixtureServer) -> None:
    # One byte every 0.2 s (21 s in all) never trips the read timeout (1 s); the total deadline (1.5 s) ends it.
    server.add("/drip", Reply(200, b"<p>" + b"x" * 100 + b"</p>", drip=0.2))
    failure = fail(PoliteClient(config(timeout=1.5, read_timeout=1.0, attempts=1)), server.url("/drip"))
    assert failure.reason == "timeout"


def test_a_reset_connection_is_retried_then_rejected(server: FixtureServer) -> None:
    server.add("/reset", Reply(reset=True))
    failure = fail(PoliteClient(config()), server.url("/reset"))
    assert failure.reason in ("connection-reset", "connection-error") and failure.retriable
    assert server.hits("/reset") == 2


def test_oversized_bodies_are_refused(server: FixtureServer) -> None:
    server.add("/big", Reply(200, b"x" * 2_000_000))
    server.add("/big-unannounced", Reply(200, b"<p>" + b"x" * 2_000_000, close_delimited=True))
    client = PoliteClient(config())
    failure = fail(client, server.url("/big"))
    assert (failure.reason, failure.permanent) == ("too-large", True) and "Content-Length" in failure.detail
    failure = fail(client, server.url("/big-unannounced"))
    assert (failure.reason, failure.permanent) == ("too-large", True)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("br", partial(brotli.compress, quality=5))],
)
def test_decompression_bombs_are_capped(server: FixtureServer, encoding: str, compress: Any) -> None:
    bomb = compress(b"\0" * 50_000_000)  # 50 MB inflated from well under 100 KB
    assert len(bomb) < 100_000
    server.add("/bomb", Reply(200, bomb, headers={"Content-Encoding": encoding}))
    failure = fail(PoliteClient(config(max_bytes=1_000_000)), server.url("/bomb"))
    assert (failure.reason, failure.permanent) == ("too-large-decompressed", True)


def test_compressed_pages_are_decoded(server: FixtureServer) -> None:
    for encoding, compress in (("gzip", gzip.compress), ("deflate", zlib.compress), ("br", brotli.compress)):
        server.add(f"/{encoding}", Reply(200, compress(PAGE), headers={"Content-Encoding": encoding}))
        assert PoliteClient(config()).get(server.url(f"/{encoding}")).body == PAGE
    server.add("/zz", Reply(200, PAGE, headers={"Content-Encoding": "compress"}))
    assert fail(PoliteClient(config()), server.url("/zz")).reason == "unsupported-content-encoding"


def test_redirects_are_followed_up_to_a_limit(server: FixtureServer) -> None:
    server.add("/moved", redirect("/ok", 301))
    result = PoliteClient(config()).get(server.url("/moved"))
    assert (result.status, result.final_url, result.url) == (200, server.url("/ok"), server.url("/moved"))
    server.add("/loop-a", redirect("/loop-b"))
    server.add("/loop-b", redirect("/loop-a"))
    failure = fail(PoliteClient(config()), server.url("/loop-a"))
    assert (failure.reason, failure.permanent) == ("redirect-loop", True)
    for i in range(8):
        server.add(f"/hop{i}", redirect(f"/hop{i + 1}"))
    failure = fail(PoliteClient(config(max_redirects=5)), server.url("/hop0"))
    assert failure.reason == "too-many-redirects" and server.hits(pattern=r"/hop\d") == 6


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address the client opens a socket to."""
    made: list[tuple[str, int]] = []
    real = _http.urllib3_connection.create_connection

    def spy(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        made.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(_http.urllib3_connection, "create_connection", spy)
    return made


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin"])
def test_a_redirect_to_a_private_address_is_refused_before_connecting(
    server: FixtureServer, connections: list[tuple[str, int]], target: str
) -> None:
    server.add("/to-private", redirect(target))
    failure = fail(PoliteClient(config(timeout=5)), server.url("/to-private"))
    assert failure.reason == "blocked-address" and failure.url == target
    # Only the allowed first hop (and its robots.txt): no connect attempt to the private address at all.
    assert {ip for ip, _ in connections} == {"127.0.0.1"}


def test_private_addresses_are_refused_after_dns(
    server: FixtureServer, connections: list[tuple[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo
    answers = {"intranet.test": ["10.1.2.3"], "rebind.test": ["93.184.216.34", "127.0.0.2"]}
    asked: list[str] = []

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            asked.append(host)
            # A rebinding resolver: first a public answer (the check), then a private one (the connect).
            ip = answers[host][0] if host != "rebind.test" or asked.count(host) == 1 else answers[host][1]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, args[0] if args else 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    client = PoliteClient(config(obey_robots=False, attempts=1))
    assert fail(client, f"http://intranet.test:{server.port}/ok").reason == "blocked-address"
    assert fail(client, f"http://rebind.test:{server.port}/ok").reason == "blocked-address"
    assert asked.count("rebind.test") == 2  # checked before, and again for the socket itself
    assert connections == []


def test_loopback_is_refused_by_default_and_allowed_on_request(server: FixtureServer) -> None:
    failure = fail(PoliteClient(FetchConfig(per_host_delay=0)), server.url("/ok"))
    assert failure.reason == "blocked-address" and server.hits() == 0
    assert PoliteClient(FetchConfig(per_host_delay=0, allow_private_hosts=True)).get(server.url("/ok")).status == 200


def test_only_http_and_https(server: FixtureServer) -> None:
    client = PoliteClient(config())
    assert fail(client, "ftp://example.com/file").reason == "unsupported-scheme"
    assert fail(client, "file:///etc/passwd").reason == "unsupported-scheme"
    server.add("/to-file", redirect("file:///etc/passwd"))
    assert fail(client, server.url("/to-file")).reason == "unsupported-scheme"
    assert fail(client, "http:///nohost").reason == "invalid-url"


def test_content_types_are_checked(server: FixtureServer) -> None:
    server.add("/img", Reply(200, b"\x89PNG....", "image/png"))
    server.add("/feed", Reply(200, b"<rss/>", "application/rss+xml"))
    client = PoliteClient(config())
    failure = fail(client, server.url("/img"))
    assert (failure.reason, failure.permanent) == ("unsupported-content-type", True)
    assert fail(client, server.url("/feed")).reason == "unsupported-content-type"  # not an article page
    assert client.get(server.url("/feed"), SOURCE).body == b"<rss/>"  # fine as a source
    assert fail(client, server.url("/img"), SOURCE).reason == "unsupported-content-type"


def test_robots_disallow_and_cache(server: FixtureServer) -> None:
    server.add("/private/page", Reply(200, PAGE))
    client = PoliteClient(config())
    failure = fail(client, server.url("/private/page"))
    assert (failure.reason, failure.permanent) == ("robots-disallowed", True)
    assert server.hits("/private/page") == 0
    client.get(server.url("/ok"))
    assert server.hits("/robots.txt") == 1


def test_robots_matches_our_user_agent_and_honours_crawl_delay(server: FixtureServer) -> None:
    server.add(
        "/robots.txt",
        Reply(
            200,
            b"User-agent: newsbeam\nCrawl-delay: 0.5\nDisallow: /nb-only/\n\nUser-agent: *\nDisallow: /",
            "text/plain",
        ),
    )
    server.add("/nb-only/x", Reply(200, PAGE))
    client = PoliteClient(config())
    assert fail(client, server.url("/nb-only/x")).reason == "robots-disallowed"
    client.get(server.url("/ok"))
    client.get(server.url("/ok"))
    first, second = server.requests("/ok")
    assert second.at - first.at >= 0.5
    # Another crawler name falls under `*`, which disallows everything.
    assert fail(PoliteClient(config(user_agent="otherbot/1.0")), server.url("/ok")).reason == "robots-disallowed"


def test_robots_failures(server: FixtureServer) -> None:
    server.add("/robots.txt", Reply(404, b"none", "text/plain"))
    assert PoliteClient(config()).get(server.url("/ok")).status == 200  # no robots.txt: all allowed
    server.add("/robots.txt", Reply(503, b"down", "text/plain"))
    failure = fail(PoliteClient(config()), server.url("/ok"))
    assert (failure.reason, failure.permanent) == ("robots-unreachable", False)  # RFC 9309: assume disallowed
    server.add("/robots.txt", Reply(200, b"User-agent: *\nCrawl-delay: 3600\n", "text/plain"))
    assert fail(PoliteClient(config()), server.url("/ok")).reason == "crawl-delay-too-long"


def test_conditional_get(server: FixtureServer) -> None:
    server.add(
        "/feed.xml", static(b"<rss/>", "application/rss+xml", etag='"v1"', modified="Mon, 01 Dec 2025 00:00:00 GMT")
    )
    client = PoliteClient(config())
    first = client.get(server.url("/feed.xml"), SOURCE)
    assert (first.status, first.headers["etag"]) == (200, '"v1"')
    again = client.get(server.url("/feed.xml"), SOURCE, Validators('"v1"', "Mon, 01 Dec 2025 00:00:00 GMT"))
    assert again.not_modified and again.body == b""
    sent = server.requests("/feed.xml")[-1].headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == "Mon, 01 Dec 2025 00:00:00 GMT"


def test_one_host_at_its_delay_many_hosts_at_once() -> None:
    """Each host sees one request at a time, `delay` apart; hosts are served at the same time, so two slow
    hosts take about as long as one."""
    with FixtureServer("127.0.0.1", latency=0.3) as one, FixtureServer("127.0.0.2", latency=0.3) as two:
        for srv in (one, two):
            for i in range(3):
                srv.add(f"/a{i}", Reply(200, PAGE))
        client = PoliteClient(config(per_host_delay=0.2, allowed_networks=("127.0.0.0/8",), obey_robots=False))
        groups = {srv.host: [srv.url(f"/a{i}") for i in range(3)] for srv in (one, two)}
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(4) as pool:
            bodies = list(per_host(pool, groups, lambda u: [client.get(u).body], lambda u, e: [e]))
        assert bodies == [PAGE] * 6
        # The hosts overlapped: each got its first request before the other got its last (in sequence, one
        # host's three requests would all come after the other's).
        for a, b in ((one, two), (two, one)):
            assert a.log[0].at < b.log[-1].at, ([r.at for r in one.log], [r.at for r in two.log])
        for srv in (one, two):
            times = [r.at for r in srv.log]
            assert all(b - a >= 0.3 + 0.2 - 0.02 for a, b in itertools.pairwise(times)), times


def test_per_host_turns_exceptions_into_results() -> None:
    from concurrent.futures import ThreadPoolExecutor

    def work(item: int) -> list[int]:
        if item == 2:
            raise RuntimeError("boom")
        return [item]

    with ThreadPoolExecutor(2) as pool:
        out = sorted(per_host(pool, {"a": [1, 2], "b": [3]}, work, lambda item, exc: [-item]))
    assert out == [-2, 1, 3]


# --- documents ---------------------------------------------------------------------------------------------


def _entry(url: str, **evidence: Any) -> EntryRef:
    key = entry_key(url)
    assert key is not None
    values: dict[str, Any] = {"source": "https://feeds.example/rss", "source_kind": "feed"}
    values.update(evidence)
    return EntryRef(url=url, canonical=key, **values)


def test_document_keeps_the_entry_evidence() -> None:
    entry = _entry(
        "https://news.example/a?utm_source=rss",
        title="Feed title",
        published="2025-12-18T09:00:00+00:00",
        authors=("A. Writer",),
        summary="Short",
        categories=("politics",),
    )
    result = _http.FetchResult(
        entry.url,
        "https://news.example/a",
        200,
        {"content-type": "text/html; charset=cp1252"},
        "Café".encode("cp1252") + b"<p>x</p>",
    )
    doc = document_from(entry, result)
    assert isinstance(doc, RawDocument)
    assert (doc.source, doc.url, doc.kind, doc.title) == (
        "https://news.example/a",
        "https://news.example/a",
        "html",
        "Feed title",
    )
    assert (doc.published, doc.published_source, doc.authors) == ("2025-12-18T09:00:00+00:00", "feed", ["A. Writer"])
    assert doc.content.startswith("Café")
    assert doc.meta["summary"] == "Short" and doc.meta["categories"] == ["politics"]
    sitemap_doc = document_from(_entry("https://news.example/b", source_kind="sitemap", published="2025-12-01"), result)
    assert isinstance(sitemap_doc, RawDocument) and sitemap_doc.published_source == "sitemap"
    empty = _http.FetchResult(entry.url, entry.url, 200, {}, b"  ")
    assert document_from(entry, empty) == ("empty", "HTTP 200 with 2 bytes")
    binary = _http.FetchResult(entry.url, entry.url, 200, {}, b"\x00\x01\x02" * 100)
    assert document_from(entry, binary)[0] == "binary-content"  # type: ignore[index]


def test_pick_entry_prefers_dated_feed_evidence_and_fills_gaps() -> None:
    bare = _entry("https://n.example/a", source="urls.txt#L1", source_kind="urls")
    mapped = _entry(
        "https://n.example/a",
        source="https://n.example/sitemap.xml",
        source_kind="sitemap",
        published="2025-12-01",
        language="en",
    )
    fed = _entry("https://n.example/a?utm_source=x", title="From the feed", summary="s")
    chosen = pick_entry([bare, mapped, fed])
    assert chosen.source_kind == "sitemap" and chosen.published == "2025-12-01"
    assert (chosen.title, chosen.summary, chosen.language) == ("From the feed", "s", "en")
    dated_feed = _entry("https://n.example/a", published="2025-11-30")
    assert pick_entry([mapped, dated_feed]).source_kind == "feed"


# --- composites --------------------------------------------------------------------------------------------

FAULTS = {
    # path: (reply, expected reason or None for a document, permanent)
    "/ok": (Reply(200, PAGE), None, False),
    "/flaky": (sequence(Reply(500), Reply(200, PAGE)), None, False),
    "/busy": (sequence(Reply(429, headers={"Retry-After": "1"}), Reply(200, PAGE)), None, False),
    "/moved": (redirect("/ok-2"), None, False),
    "/hang": (Reply(hang=True), "timeout", False),
    "/reset": (Reply(reset=True), "connection-reset", False),
    "/down": (Reply(502), "http-502", False),
    "/big": (Reply(200, b"x" * 2_000_000), "too-large", True),
    "/bomb": (
        Reply(200, gzip.compress(b"\0" * 50_000_000), headers={"Content-Encoding": "gzip"}),
        "too-large-decompressed",
        True,
    ),
    "/loop": (redirect("/loop"), "redirect-loop", True),
    "/to-metadata": (redirect("http://169.254.169.254/latest/meta-data/"), "blocked-address", False),
    "/private/secret": (Reply(200, PAGE), "robots-disallowed", True),
    "/missing": (Reply(404), "http-404", True),
    "/image": (Reply(200, b"\x89PNG", "image/png"), "unsupported-content-type", True),
    "/binary": (Reply(200, b"\x00\x01\x02\x03" * 50), "binary-content", True),
}


def test_fetch_composite_accounts_for_every_entry(server: FixtureServer) -> None:
    server.add("/ok-2", Reply(200, PAGE))
    for path, (reply, _, _) in FAULTS.items():
        server.add(path, reply)
    entries = [_entry(server.url(path)) for path in FAULTS]
    with TestPipeline() as p:
        docs, rejected, settled = p | Create(entries) | Fetch(config(timeout=1.0, attempts=2), "run1")
        check(docs, partial(collect, "fetch-docs"), "Docs")
        check(rejected, partial(collect, "fetch-rejected"), "Rejected")
        check(settled, partial(collect, "fetch-settled"), "Settled")
    docs, rejected, settled = collected("fetch-docs"), collected("fetch-rejected"), collected("fetch-settled")
    path = lambda url: url.replace(server.url(""), "")  # noqa: E731
    assert len(docs) + len(rejected) == len(entries)
    assert sorted(path(d.source) for d in docs) == sorted(p for p, (_, reason, _) in FAULTS.items() if reason is None)
    assert {path(d.source): path(d.url) for d in docs}["/moved"] == "/ok-2"
    got = {path(r.source): r.reason for r in rejected}
    assert got == {p: reason for p, (_, reason, _) in FAULTS.items() if reason is not None}
    assert all(r.stage == "fetch" and r.url and r.run_id == "run1" for r in rejected)
    assert {path(u) for u in settled} == {p for p, (_, _, permanent) in FAULTS.items() if permanent}
    down = next(r for r in rejected if r.reason == "http-502")
    assert "HTTP 502" in (down.detail or "") and "after 2 tries" in (down.detail or "")


def test_skip_seen_skips_earlier_urls_and_repeats(tmp_path: Path) -> None:
    out = str(tmp_path)
    now = dt.datetime.now(dt.timezone.utc)
    write_table(
        out,
        SEEN_TABLE,
        SEEN_SCHEMA,
        [{"canonical_url": "https://n.example/old", "outcome": "written", "run_id": "r0", "seen_at": now}],
        "r0",
    )
    entries = [
        _entry("https://n.example/old?utm_source=rss"),
        _entry(
            "https://n.example/new",
            source="https://n.example/sitemap.xml",
            source_kind="sitemap",
            published="2025-12-01",
        ),
        _entry("https://n.example/new?utm_campaign=x", title="Feed title"),
        _entry("https://n.example/other"),
    ]
    with TestPipeline() as p:
        fresh, skipped = p | Create(entries) | SkipSeen(out)
        check(fresh, partial(collect, "fresh"), "Fresh")
        check(skipped, partial(collect, "skipped"), "Skipped")
    fresh_entries, skipped_entries = collected("fresh"), collected("skipped")
    assert sorted((e.canonical, e.title) for e in fresh_entries) == [
        ("https://n.example/new", "Feed title"),
        ("https://n.example/other", None),
    ]
    assert sorted((s.source, s.reason) for s in skipped_entries) == [
        ("https://n.example/new", DUPLICATE_URL),
        ("https://n.example/old", SEEN_URL),
    ]


def test_mark_seen_records_only_settled_fetched_urls(tmp_path: Path) -> None:
    out = str(tmp_path)
    docs = [
        RawDocument(source=s, source_format="html", kind="html", content="<p>x</p>")
        for s in ("https://a/1", "https://a/2", "https://a/3")
    ]
    outcomes = [
        Outcome("https://a/1", WRITTEN),
        Outcome("https://a/2", REJECTED_OUTCOME, "not-an-article", "extract"),
        Outcome("/local/file.html", WRITTEN),
    ]
    with TestPipeline() as p:
        counts = (
            p
            | "Outcomes" >> Create(outcomes)
            | MarkSeen(
                out,
                "run1",
                after=p | "Files" >> Create(["file-a", "file-b"]),
                fetched=p | "Docs" >> Create(docs),
                settled=p | "Settled" >> Create(["https://a/404"]),
            )
        )
        check(counts, partial(collect, "seen-counts"), "Counts")
    assert collected("seen-counts") == [("web|seen-urls-recorded", 3)]
    rows = read_table(out, SEEN_TABLE, SEEN_SCHEMA).to_pylist()
    # https://a/3 was fetched but has no outcome (the run would have died before it): not recorded.
    assert sorted((r["canonical_url"], r["outcome"], r["run_id"]) for r in rows) == [
        ("https://a/1", "written", "run1"),
        ("https://a/2", "rejected", "run1"),
        ("https://a/404", "rejected", "run1"),
    ]
