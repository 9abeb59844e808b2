"""Hostile input end to end: the feedparser corpus (a stratified sample; the whole corpus runs in
`bench/bench_reliability.py`) and generated bad files and web replies. No crash, no hang; every input ends
written, rejected with a reason, or a duplicate, and the run's books balance.

Every run is a `newsbeam run` subprocess; web runs go through `tests.bad_inputs`, which keeps every
connection on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.query import connect
from tests.bad_inputs import (
    IN_PROCESS,
    billion_laughs_feed,
    billion_laughs_sitemap,
    corpus_index,
    deeply_nested_html,
    fallback,
    minimal_pdf,
    newsbeam,
    newsbeam_loopback,
    rss,
    serve_corpus,
    stratified_sample,
    summary,
    write_feed_list,
    write_local_cases,
)
from tests.http_fixtures import FixtureServer, Reply, static

pytestmark = [pytest.mark.timeout(420), pytest.mark.e2e, pytest.mark.data]

REFERENCE = "2026-11-21"
SAMPLE = 300
WEB_ARGS = ("--per-host-delay", "0", "--timeout", "10", "--reference-date", REFERENCE, *IN_PROCESS)


def _manifest(out: Path) -> dict[str, Any]:
    (path,) = (out / "_runs").glob("*.json")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def _outcomes(out: Path) -> tuple[set[str], list[tuple[str, str, str, str]]]:
    """Sources of the written articles; (source, stage, reason, detail) of every rejected row."""
    con = connect(str(out))
    written = {r[0] for r in con.execute("SELECT source FROM articles").fetchall()}
    rejected = con.execute("SELECT source, stage, reason, detail FROM rejected").fetchall()
    return written, rejected


# --- the feedparser corpus ----------------------------------------------------------------------------------


def test_feedparser_corpus_sample_loses_nothing(tmp_path: Path) -> None:
    entries = corpus_index()
    assert len(entries) == 2107
    sample = stratified_sample(entries, SAMPLE)
    assert {e["category"] for e in sample} == {e["category"] for e in entries}
    with FixtureServer() as server:
        urls = serve_corpus(server, sample)
        feeds = write_feed_list(tmp_path / "feeds.yaml", urls)
        out = tmp_path / "out"
        result = newsbeam_loopback(
            server.port, "run", "--feeds", str(feeds), "--output", str(out), "--allow-private-hosts", *WEB_ARGS
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    counts = summary(result.stdout)
    raw = _manifest(out)["counts"]
    written, rejected = _outcomes(out)
    assert all(reason and detail for _s, _st, reason, detail in rejected)
    # Every feed is accounted for: fetched and parsed (its entries are inputs), or one rejected input.
    rejected_feeds = {source for source, *_ in rejected if source in set(urls)}
    assert raw["web|sources-fetched"] + len(rejected_feeds) == len(sample)
    assert (
        raw["web|entries"]
        + len(rejected_feeds)
        + sum(n for k, n in raw.items() if k.startswith("rejected|fetch|no-url"))
        >= counts["read"] - counts["duplicates"] - counts["written"] - counts["rejected"]
    )
    assert counts["written"] >= 5  # entries with links became articles: the path end to end works
    assert len(written) == counts["written"]
    assert len(rejected) == counts["rejected"]


# --- generated local files ----------------------------------------------------------------------------------


def test_hostile_local_files_end_written_or_rejected(tmp_path: Path) -> None:
    cases = write_local_cases(tmp_path / "in", big=True)
    out = tmp_path / "out"
    result = newsbeam("run", "--input", str(tmp_path / "in"), "--output", str(out), "--reference-date", REFERENCE)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    counts = summary(result.stdout)
    written, rejected = _outcomes(out)
    reasons = {source: reason for source, _stage, reason, _detail in rejected}
    assert all(reason and detail for *_x, reason, detail in rejected)

    def outcome(path: Path) -> set[str]:
        found = {"written" for s in written if s == str(path) or s.startswith(f"{path}#")}
        return found | {reasons[s] for s in reasons if s == str(path) or s.startswith(f"{path}#")}

    for kind, paths in cases.items():
        for path in paths:
            assert outcome(path), f"{kind}: {path.name} has no outcome"
    assert outcome(cases["50 MB HTML page"][0]) == {"too-large"}
    for path in cases["empty file"]:
        assert "written" not in outcome(path)
    for path in cases["random bytes"] + cases["PDF as .html"]:
        assert "written" not in outcome(path), path.name
    jsonl = outcome(cases["JSONL with broken lines"][0])
    assert "written" in jsonl and len(jsonl) >= 3  # the good lines written, the broken ones rejected by reason
    assert "written" in outcome(cases["invalid UTF-8"][0])  # decodable text survives its bad bytes
    assert counts["read"] == counts["written"] + counts["rejected"] + counts["duplicates"]


# --- generated web replies ----------------------------------------------------------------------------------


def test_hostile_web_sources_are_rejected_with_reasons(tmp_path: Path) -> None:
    private = ["http://10.0.0.1/a", "http://169.254.169.254/latest/meta-data/", "http://192.168.1.1/", "http://[::1]/x"]
    with FixtureServer() as server:
        pages = {
            "/pdf": Reply(200, minimal_pdf()),
            "/empty": Reply(200, b""),
            "/random": Reply(200, bytes(range(256)) * 64),
            "/invalid-utf8": Reply(
                200, b"<html><body><p>" + b"caf\xe9 \xc3\x28 news \xff " * 40 + b"</p></body></html>"
            ),
            "/nested": Reply(200, deeply_nested_html()),
            "/huge": Reply(200, b"<html><body>" + b"<p>x</p>" * (3 * 1024 * 1024) + b"</body></html>"),
        }
        links = [(name.strip("/"), server.add(name, reply)) for name, reply in pages.items()]
        links += [("file", "file:///etc/passwd"), ("ftp", "ftp://127.0.0.1/x")] + [("private", u) for u in private]
        feed = server.add("/feed.xml", static(rss(links), "application/rss+xml"))
        bombs = [
            server.add("/bomb-feed.xml", static(billion_laughs_feed(), "application/rss+xml")),
            server.add("/bomb-sitemap.xml", static(billion_laughs_sitemap(), "application/xml")),
            server.add("/random-feed", static(bytes(range(256)) * 16, "application/xml")),
            server.add("/empty-feed", static(b"", "application/xml")),
        ]
        fallback(server, lambda _r: Reply(404, b"gone", "text/plain"))
        out = tmp_path / "out"
        args = ["run", "--feed", feed, "--feed", bombs[0], "--sitemap", bombs[1], "--feed", bombs[2]]
        args += ["--feed", bombs[3], "--output", str(out), "--max-bytes", str(4 * 1024 * 1024), *WEB_ARGS]
        result = newsbeam_loopback(server.port, *args, allowed_networks="127.0.0.1/32")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    counts = summary(result.stdout)
    written, rejected = _outcomes(out)
    by_source = {source: (stage, reason, detail) for source, stage, reason, detail in rejected}
    # One input per listed link and per failed source, each with exactly one outcome.
    assert counts["read"] == len(links) + len(bombs)
    feed_listed = {url: f"{feed}#{url}" for url in ("file:///etc/passwd", "ftp://127.0.0.1/x")}
    feed_listed["file:///etc/passwd"] = f"{feed}#file://etc/passwd"  # feedparser drops the empty host
    for name, url in links:
        key = feed_listed.get(url, url)
        assert (key in written) != (key in by_source), f"{name}: {url}: {sorted(by_source.items())}"
    for url in feed_listed.values():
        assert by_source[url][:2] == ("fetch", "invalid-url"), by_source[url]  # never opened
    for url in private:
        assert by_source[url][:2] == ("fetch", "blocked-address"), by_source[url]
    assert by_source[server.url("/huge")][1] in ("too-large", "too-large-decompressed")
    assert by_source[server.url("/pdf")][1] == "binary-content"
    assert by_source[server.url("/random")][1] == "binary-content"
    assert by_source[server.url("/empty")][1] == "empty"
    assert by_source[server.url("/nested")][1] == "no-main-text"
    assert written == {server.url("/invalid-utf8")}
    # The entity bombs parse without expanding a single entity: one entry each, fetched (a 404 here).
    assert by_source["http://bomb.example/a"][1] == "http-404"
    assert by_source["http://bomb.example/"][1] == "http-404"
    assert by_source[bombs[2]][:2] == ("fetch", "not-a-feed")
    assert by_source[bombs[3]][:2] == ("fetch", "empty")
