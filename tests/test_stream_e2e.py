"""End to end on loopback: `newsbeam stream` as a subprocess polls a feed that grows between polls; the
dataset holds each published article exactly once, also across a SIGTERM and a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipeline import report
from pipeline.query import connect
from pipeline.stream import run_stream
from tests.http_fixtures import FixtureServer, GrowingFeed, npr_feed_rewritten
from tests.report_page import parse
from tests.support import REFERENCE, ROOT, wait_until
from transforms import tag
from transforms.web.feeds import entry_key

pytestmark = [pytest.mark.timeout(180), pytest.mark.e2e]

Served = tuple[FixtureServer, GrowingFeed, list[str]]  # the server, its growing feed, the entries' URLs


@pytest.fixture()
def server() -> Iterator[Served]:
    with FixtureServer() as srv:
        feed_bytes, paths = npr_feed_rewritten(srv, n=6)
        feed = GrowingFeed(feed_bytes)
        srv.add("/feed.json", feed)
        srv.paths = paths  # type: ignore[attr-defined]
        yield srv, feed, [entry_key(srv.url(p)) or "" for p in paths]


def stream_args(server: FixtureServer, out: Path, max_duration: float) -> list[str]:
    return [
        "--feed",
        server.url("/feed.json"),
        "--output",
        str(out),
        "--allow-private-hosts",
        "--per-host-delay",
        "0",
        "--poll-interval",
        "1",
        "--window",
        "2",
        "--max-duration",
        str(max_duration),
        "--reference-date",
        REFERENCE,
    ]


def start_stream(server: FixtureServer, out: Path, max_duration: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "stream", *stream_args(server, out, max_duration)],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 90) -> str:
    stdout, stderr = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{stdout}\n{stderr[-4000:]}"
    return stdout + stderr


def outcomes(out: Path) -> tuple[list[str], set[str]]:
    """(sources of every written row, with repeats; sources rejected)."""
    con = connect(str(out))
    views = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
    written = [r[0] for r in con.sql("SELECT source FROM articles").fetchall()] if "articles" in views else []
    rejected = {r[0] for r in con.sql("SELECT source FROM rejected").fetchall()} if "rejected" in views else set()
    return written, rejected


def article_files(out: Path) -> list[Path]:
    return sorted(out.glob("date=*/topic=*/*.parquet"))


def assert_exactly_once(out: Path, urls: list[str]) -> list[str]:
    written, rejected = outcomes(out)
    assert len(written) == len(set(written)), f"written twice: {sorted(written)}"
    assert set(written) | rejected >= set(urls), f"lost: {set(urls) - set(written) - rejected}"
    assert set(written) <= set(urls)
    assert len(written) >= len(urls) // 2, f"too few articles written: {written}, rejected {rejected}"
    assert not list(out.rglob("*.inprogress")), "a half-written file was left behind"
    return written


def test_feed_growing_between_polls_lands_each_article_once(server: Served, tmp_path: Path) -> None:
    srv, feed, urls = server
    out = tmp_path / "ds"
    feed.publish(3)
    proc = start_stream(srv, out, max_duration=14)
    # More entries appear while the stream runs, once it has polled twice: a later poll picks them up.
    srv.wait_for("/feed.json", 2)
    feed.publish(6)
    log = finish(proc)
    assert "stopped after" in log
    written = assert_exactly_once(out, urls)
    assert set(written) & set(urls[3:]), "entries published mid-run were never written"
    # Polls are conditional: an unchanged feed was answered 304 at least once.
    feed_requests = srv.requests("/feed.json")
    assert len(feed_requests) >= 3
    assert any("if-none-match" in r.headers for r in feed_requests)
    # Windowed files: `part-<run_id>-w<start>-NNNNN.parquet`, at most one per partition per window.
    names = [f.name for f in article_files(out)]
    assert names and all("-w" in n for n in names), names
    per_partition_window = [(f.parent, f.name.rsplit("-", 1)[0]) for f in article_files(out)]
    assert len(per_partition_window) == len(set(per_partition_window))
    # The state recorded the entry URLs and the index their articles, after the files.
    assert list((out / "_state" / "seen_urls").glob("*.parquet"))
    assert list((out / "_state" / "article_index").glob("*.parquet"))
    # Each page fetched once in the whole run (new entries only, no re-fetch on later polls).
    hits = [srv.hits(path) for path in srv.paths]  # type: ignore[attr-defined]
    assert all(n <= 1 for n in hits) and sum(hits) >= len(written), hits
    # The feed's two full responses (3 entries, then 6) are stored in `web_sources` under their windows' run
    # ids, and the report counts them: every other window's polls were answered 304.
    sources = pq.read_table(out / "_state" / "web_sources").to_pylist()
    assert sorted(len(json.loads(r["entries"])["entries"]) for r in sources) == [3, 6]
    assert all(r["url"] == srv.url("/feed.json") and "-w" in r["run_id"] for r in sources)
    windows = len(list((out / "_runs").glob("*.json")))
    [row] = parse(report.build_report(str(out))).tables["web-sources"]
    assert row[:6] == [srv.url("/feed.json"), "feed", windows, 2, windows - 2, 0], row
    assert row[-1] == 6


def test_sigterm_then_restart_loses_and_duplicates_nothing(server: Served, tmp_path: Path) -> None:
    srv, feed, urls = server
    out = tmp_path / "ds"
    feed.publish(4)
    # Long enough that only the signal can end it within finish's timeout.
    proc = start_stream(srv, out, max_duration=600)
    wait_until(lambda: bool(article_files(out)) or proc.poll() is not None, 60, "an article file")
    assert article_files(out), "nothing written before the stop"
    proc.send_signal(signal.SIGTERM)
    finish(proc, timeout=60)
    first, _ = outcomes(out)
    assert len(first) == len(set(first))
    assert not (out / "_state" / "stream").exists() or not list((out / "_state" / "stream").iterdir())
    # While it was down, two more entries were published; the restart writes them and nothing again.
    feed.publish(6)
    finish(start_stream(srv, out, max_duration=8))
    written = assert_exactly_once(out, urls)
    assert set(first) <= set(written)
    assert set(written) - set(first), "the restart wrote nothing new"


def test_internal_errors_stop_the_stream_after_their_window_with_the_first_traceback(
    server: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stream counts internal errors from each window's manifest; past --max-internal-errors (0) it stops
    after that window, without waiting for --max-duration, exits 1 and prints the traceback of the earliest."""
    srv, feed, urls = server
    buggy_url = srv.url(srv.paths[1])  # type: ignore[attr-defined]
    build_article = tag.build_article

    def buggy(draft: Any, *args: Any, **kwargs: Any) -> Any:
        if draft.url == buggy_url:
            raise RuntimeError(f"planted bug: {draft.url}")
        return build_article(draft, *args, **kwargs)

    monkeypatch.setattr(tag, "build_article", buggy)  # the stream runs in this process (DirectRunner)
    out = tmp_path / "ds"
    feed.publish(3)
    assert run_stream(stream_args(srv, out, max_duration=120)) == 1
    written, rejected = outcomes(out)
    assert rejected == {urls[1]} and set(written) == {urls[0], urls[2]}
    # One window (2 s) polls the feed at most 3 times; had the stream gone on, it would poll for 120 s.
    assert len(srv.requests("/feed.json")) <= 3, "the stream went on after the window with the error"
    stderr = capsys.readouterr().err
    assert "newsbeam: 1 internal error " in stderr and "--max-internal-errors 0" in stderr
    assert f"RuntimeError: planted bug: {buggy_url}" in stderr
