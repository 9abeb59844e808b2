"""End to end on loopback: `newsbeam run` with web sources, checked through DuckDB and the server's log.

The server runs in this process; the CLI runs as a subprocess, as a user would run it."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipeline.query import connect
from tests.html_samples import news_page
from tests.http_fixtures import (
    FixtureServer,
    Reply,
    article_pages,
    fixture_bytes,
    npr_feed_rewritten,
    sequence,
    static,
)

pytestmark = [pytest.mark.timeout(300), pytest.mark.e2e, pytest.mark.data]

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "2026-11-21"


def newsbeam(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        capture_output=True,
        text=True,
        timeout=280,
        cwd=cwd or ROOT,
        env=env,
        check=False,
    )


def summary(stdout: str) -> dict[str, int]:
    found = {}
    for key in ("read", "written", "duplicates", "rejected"):
        match = re.search(rf"^\s+{key}\s+(\d+)", stdout, re.MULTILINE)
        assert match, f"summary has no {key!r} line:\n{stdout}"
        found[key] = int(match.group(1))
    assert found["read"] == found["written"] + found["rejected"] + found["duplicates"], stdout
    assert "balanced" in stdout and "verified against the files" in stdout, stdout
    return found


# --- a feed, twice -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def feed_server() -> Iterator[tuple[FixtureServer, list[str]]]:
    with FixtureServer() as server:
        feed, paths = npr_feed_rewritten(server)
        server.add("/feed.json", static(feed, "application/feed+json", etag='"npr-1"'))
        yield server, paths


@pytest.fixture(scope="module")
def feed_runs(
    feed_server: tuple[FixtureServer, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str], subprocess.CompletedProcess[str], int, int]:
    server, paths = feed_server
    out = tmp_path_factory.mktemp("feed") / "articles"
    args = ("run", "--feed", server.url("/feed.json"), "--output", str(out), "--allow-private-hosts")
    args += ("--per-host-delay", "0", "--reference-date", REFERENCE)
    first = newsbeam(*args, cwd=tmp_path_factory.mktemp("elsewhere"))  # no seeds/ here: none needed
    assert first.returncode == 0, first.stderr
    after_first = sum(server.hits(p) for p in paths)
    second = newsbeam(*args)
    assert second.returncode == 0, second.stderr
    after_second = sum(server.hits(p) for p in paths)
    return out, first, second, after_first, after_second


def test_feed_run_writes_articles_dated_by_the_feed(feed_runs: tuple) -> None:
    out, first, _, article_requests, _ = feed_runs
    counts = summary(first.stdout)
    assert counts["read"] == 25 and article_requests == 25
    assert counts["written"] >= 20, first.stdout
    assert "web: 25 entries from 1 feed/sitemap source (0 not modified since the last run)" in first.stdout
    rows = duckdb.sql(
        f"SELECT url, title, date, date_source, published_at, authors, updated_at "
        f"FROM read_parquet('{out}/date=*/topic=*/*.parquet', hive_partitioning = true)"
    ).fetchall()
    assert len(rows) == counts["written"]
    feed = json.loads(fixture_bytes("feed.json"))
    by_title = {item["title"]: item for item in feed["items"]}
    for url, title, date, date_source, published_at, authors, updated_at in rows:
        assert date_source == "feed", (url, date_source)
        item = by_title[title]  # the title the feed gave, not the page's own
        stated = dt.datetime.fromisoformat(item["date_published"])
        # Partitioned by the publisher's day (the offset the feed wrote), stored as the UTC instant.
        assert date == stated.date(), (title, date, stated)
        assert published_at == stated.astimezone(dt.timezone.utc), (title, published_at, stated)
        assert authors == [item["author"]["name"]]
        # The pages (older than the feed) state no later update: the feed's `date_modified` is the update.
        modified = item.get("date_modified")
        assert updated_at == (dt.datetime.fromisoformat(modified).astimezone(dt.timezone.utc) if modified else None)
        assert url.startswith("http://127.0.0.1:") and "utm_source=feed" in url
    rejected = connect(str(out)).sql("SELECT stage, reason FROM rejected").fetchall()
    assert len(rejected) == counts["rejected"]


def test_second_run_adds_nothing_and_fetches_no_article(
    feed_runs: tuple, feed_server: tuple[FixtureServer, list[str]]
) -> None:
    out, first, second, after_first, after_second = feed_runs
    server, _ = feed_server
    assert after_second == after_first  # not one article fetched again
    counts = summary(second.stdout)
    assert counts == {"read": 25, "written": 0, "duplicates": 25, "rejected": 0}
    assert "seen-url: 25" in second.stdout
    assert "1 not modified since the last run" in second.stdout
    feed_requests = server.requests("/feed.json")
    assert len(feed_requests) == 2 and feed_requests[1].headers.get("if-none-match") == '"npr-1"'
    total = duckdb.sql(f"SELECT count(*) FROM '{out}/date=*/topic=*/*.parquet'").fetchall()[0][0]
    assert total == summary(first.stdout)["written"]
    assert len(list((out / "_rejected").glob("*.parquet"))) <= 1  # the second run wrote no rejected file


# --- every kind of source at once, with faults ---------------------------------------------------------------

NEWS = """<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
  xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
 <url><loc>{base}/news/1</loc><news:news><news:publication><news:name>Loopback Times</news:name>
  <news:language>en</news:language></news:publication><news:publication_date>2025-12-15T08:00:00Z</news:publication_date>
  <news:title>News sitemap title</news:title></news:news></url>
</urlset>"""


def test_feeds_file_sitemaps_url_list_and_local_files_together(tmp_path: Path) -> None:
    pages = article_pages(6)
    with FixtureServer() as server:
        base = server.url("")
        server.add("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", "text/plain"))
        rss = fixture_bytes("feed2.rss").replace(b"http://www.example.com/blog/post/1", f"{base}/blog/1".encode())
        server.add("/rss.xml", static(rss, "application/rss+xml", etag='"r1"'))
        server.add("/blog/1", Reply(200, pages[0]))
        child = gzip.compress(
            f"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc>{base}/map/1</loc><lastmod>2025-12-01</lastmod></url>
            <url><loc>{base}/map/2</loc><lastmod>2025-12-02</lastmod></url></urlset>""".encode()
        )
        server.add("/sitemap-pages.xml.gz", static(child, "application/x-gzip", etag='"c1"'))
        server.add("/map/1", Reply(200, pages[1]))
        server.add("/map/2", Reply(200, pages[2]))
        server.add("/news.xml", static(NEWS.format(base=base).encode(), "application/xml", etag='"n1"'))
        server.add("/news/1", Reply(200, pages[3]))
        index = f"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <sitemap><loc>{base}/sitemap-pages.xml.gz</loc></sitemap><sitemap><loc>{base}/news.xml</loc></sitemap>
            </sitemapindex>"""
        server.add("/sitemap-index.xml", static(index.encode(), "application/xml", etag='"i1"'))
        server.add("/flaky", sequence(Reply(500), Reply(200, pages[4])))
        server.add("/private/x", Reply(200, pages[5]))
        server.add("/slow", Reply(hang=True))
        server.add("/big", Reply(200, b"<p>" + b"x" * 4_000_000 + b"</p>"))
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(
            f"feeds:\n  - {base}/rss.xml\n  - {base}/broken.xml\nsitemaps:\n  - {base}/sitemap-index.xml\n"
        )
        urls = tmp_path / "urls.txt"
        urls.write_text(
            f"# reading list\n{base}/flaky\n{base}/private/x\n{base}/slow\n{base}/big\n{base}/map/1\nnot a url\n"
        )
        local = tmp_path / "local"
        local.mkdir()
        (local / "page.html").write_text(news_page(), encoding="utf-8")
        out = tmp_path / "out"
        args = ["run", "--feeds", str(feeds), "--urls", str(urls), "--input", str(local), "--output", str(out)]
        args += ["--allow-private-hosts", "--per-host-delay", "0.2", "--timeout", "1", "--max-bytes", "3000000"]
        args += ["--user-agent", "e2e-bot/1.0 (+https://example.invalid)", "--reference-date", REFERENCE]
        result = newsbeam(*args)
        assert result.returncode == 0, result.stderr
        counts = summary(result.stdout)
        # local page 1 + rss entry 1 + sitemap entries 3 + url lines 6 (one also in the sitemap) + broken feed 1
        assert counts["read"] == 12, result.stdout
        assert "duplicate-url: 1" in result.stdout
        con = connect(str(out))
        rejected = sorted(
            (r[0].replace(base, ""), r[1], r[2])
            for r in con.sql("SELECT source, stage, reason FROM rejected").fetchall()
        )
        assert rejected == [
            ("/big", "fetch", "too-large"),
            ("/broken.xml", "fetch", "http-404"),
            ("/private/x", "fetch", "robots-disallowed"),
            ("/slow", "fetch", "timeout"),
            (f"{urls}#L7", "fetch", "invalid-url"),
        ]
        rows = {
            r[0].replace(base, ""): r[1:]
            for r in con.sql("SELECT source, date_source, date, title, publisher FROM articles").fetchall()
        }
        assert rows["/blog/1"][:3] == ("feed", dt.date(2009, 9, 6), "Example entry")
        assert rows["/map/2"][:2] == ("sitemap", dt.date(2025, 12, 2))
        assert rows["/map/1"][0] == "sitemap"  # listed by the sitemap and the URL list: the sitemap's evidence
        assert rows["/news/1"] == ("sitemap", dt.date(2025, 12, 15), "News sitemap title", "Loopback Times")
        assert "/flaky" in rows and server.hits("/flaky") == 2
        assert any(source.endswith("page.html") for source in rows)
        assert counts["written"] == len(rows) == 6  # 5 web pages (/flaky after a retry) and the local one
        assert {r.headers["user-agent"] for r in server.log} == {"e2e-bot/1.0 (+https://example.invalid)"}
        starts = sorted(r.at for r in server.log if r.path in ("/blog/1", "/map/1", "/map/2", "/news/1"))
        assert all(b - a >= 0.2 for a, b in itertools.pairwise(starts)), starts
        article_paths = {"/blog/1", "/map/1", "/map/2", "/news/1", "/flaky", "/private/x", "/slow", "/big"}
        fetched_before = {p: server.hits(p) for p in article_paths}

        again = newsbeam(*args)
        assert again.returncode == 0, again.stderr
        counts2 = summary(again.stdout)
        assert counts2["written"] == 0
        # Retried: only what failed for a passing reason (the hanging page); never a settled one.
        refetched = {p for p in article_paths if server.hits(p) > fetched_before[p]}
        assert refetched == {"/slow"}
        total = duckdb.sql(f"SELECT count(*) FROM '{out}/date=*/topic=*/*.parquet'").fetchall()[0][0]
        assert total == counts["written"]


def test_private_addresses_are_refused_by_default(tmp_path: Path) -> None:
    with FixtureServer() as server:
        server.add("/feed.json", Reply(200, b"{}", "application/json"))
        result = newsbeam("run", "--feed", server.url("/feed.json"), "--output", str(tmp_path / "o"), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert summary(result.stdout) == {"read": 1, "written": 0, "duplicates": 0, "rejected": 1}
        assert "fetch/blocked-address: 1" in result.stdout
        assert server.hits() == 0


def test_bad_web_options_stop_the_run(tmp_path: Path) -> None:
    missing = newsbeam("run", "--feeds", str(tmp_path / "nope.opml"), "--output", str(tmp_path / "o"))
    assert missing.returncode != 0 and "cannot read" in missing.stderr
    ftp = newsbeam("run", "--feed", "ftp://example.com/rss", "--output", str(tmp_path / "o"))
    assert ftp.returncode != 0 and "http(s) URL" in ftp.stderr
    no_list = newsbeam("run", "--urls", str(tmp_path / "urls.txt"), "--output", str(tmp_path / "o"))
    assert no_list.returncode != 0 and "not found" in no_list.stderr


def test_real_feed_faults_cut_feed_localized_dates_and_a_12_hour_time(tmp_path: Path) -> None:
    """A French feed (`mer, 18 nov 2026`), a 12-hour time (`02:02:33 PM`) and a feed cut short: the dates
    are read in their language and with their PM, the cut feed is a rejected row and is fetched in full by
    the next run instead of a 304 replaying nothing."""
    pages = article_pages(2)
    with FixtureServer() as server:
        base = server.url("")
        feed = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Le Quotidien</title><link>{base}/</link><language>fr</language>
<item><title>Le conseil vote le budget</title><link>{base}/a/1</link>
<pubDate>mer, 18 nov 2026 10:38:15 +0100</pubDate></item>
<item><title>Match nul au stade</title><link>{base}/a/2</link><pubDate>Nov 19 2026 02:02:33 PM +0000</pubDate></item>
</channel></rss>""".encode()
        server.add("/fr.xml", static(feed, "application/rss+xml", etag='"fr1"'))
        server.add("/cut.xml", static(feed[: feed.index(b"<item>") + 30], "application/rss+xml", etag='"cut1"'))
        server.add("/a/1", Reply(200, pages[0]))
        server.add("/a/2", Reply(200, pages[1]))
        out = tmp_path / "out"
        args = ["run", "--feed", f"{base}/fr.xml", "--feed", f"{base}/cut.xml", "--output", str(out)]
        args += ["--allow-private-hosts", "--per-host-delay", "0", "--reference-date", REFERENCE]
        first = newsbeam(*args)
        assert first.returncode == 0, first.stderr
        counts = summary(first.stdout)
        con = connect(str(out))
        rows = {
            r[0].replace(base, ""): r[1:]
            for r in con.sql("SELECT source, date_source, date, published_at FROM articles").fetchall()
        }
        utc = dt.timezone.utc
        assert rows["/a/1"][:2] == ("feed", dt.date(2026, 11, 18))
        assert rows["/a/1"][2] == dt.datetime(2026, 11, 18, 9, 38, 15, tzinfo=utc)
        assert rows["/a/2"][:2] == ("feed", dt.date(2026, 11, 19))
        assert rows["/a/2"][2] == dt.datetime(2026, 11, 19, 14, 2, 33, tzinfo=utc)  # PM: 14:02, not 02:02
        rejected = [
            (r[0].replace(base, ""), r[1], r[2])
            for r in con.sql("SELECT source, stage, reason FROM rejected").fetchall()
        ]
        assert rejected == [("/cut.xml", "fetch", "malformed-feed")]
        assert counts["rejected"] == 1

        again = newsbeam(*args)
        assert again.returncode == 0, again.stderr
        assert server.requests("/fr.xml")[-1].headers.get("if-none-match") == '"fr1"'
        assert server.requests("/cut.xml")[-1].headers.get("if-none-match") is None  # not cached: fetched again
        assert "fetch/malformed-feed: 1" in again.stdout
