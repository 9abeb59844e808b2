"""The streaming pieces with TestStream: windowed dedupe and writes, empty windows, crash repair, and the
stoppable impulse."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_stream import TestStream
from apache_beam.transforms.window import FixedWindows, GlobalWindow, IntervalWindow, TimestampedValue

from schemas.article import Article
from schemas.state import INDEX_SCHEMA, INDEX_TABLE, SEEN_SCHEMA, SEEN_TABLE
from tests.factories import make_article
from tests.http_fixtures import FixtureServer, GrowingFeed, npr_feed_rewritten
from transforms import dedupe
from transforms.poll import PollFeeds, Ticks, seen_at_start
from transforms.sink import StampWindow, WritePartitions
from transforms.state import window_run_id
from transforms.storage import tables
from transforms.storage.index import read_index, unindexed_article_files
from transforms.web.client import FetchConfig
from transforms.web.feeds import SourceRef, entry_key

WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau"


def text(n: int) -> str:
    words = WORDS.split()
    return " ".join(f"{words[(i * 7 + n) % len(words)]}{n}{i}" for i in range(60))


def streaming() -> PipelineOptions:
    options = PipelineOptions([])
    options.view_as(StandardOptions).streaming = True
    return options


def run_windows(out: Path, events: list[tuple[float, list[Article]]], key: str) -> None:
    """Articles arrive at event times; 10 s windows; dedupe, write files and index like `newsbeam stream`."""
    stream = TestStream()
    for at, articles in events:
        stream = stream.add_elements([TimestampedValue(a, at) for a in articles]).advance_watermark_to(at + 10)
    stream = stream.advance_watermark_to_infinity()
    with beam.Pipeline(options=streaming()) as p:
        stamped = p | stream | beam.WindowInto(FixedWindows(10)) | "Stamp" >> StampWindow("run")
        deduped = stamped | dedupe.StreamDedupe(str(out), "run")
        written = deduped.unique | WritePartitions(str(out), "run")
        _ = deduped.index_rows | dedupe.WriteIndex(str(out), after=written)
        _ = deduped.duplicates | beam.Map(lambda d: (d.source, d.reason)) | beam.Map(append, key)


# What the pipelines saw, element by element (the DirectRunner runs them in this process).
_SEEN: dict[str, list[Any]] = {}


def append(item: Any, key: str) -> None:
    _SEEN.setdefault(key, []).append(item)


def collected(key: str) -> list[Any]:
    return _SEEN.pop(key, [])


def rows(out: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(out.glob("date=*/topic=*/*.parquet")):
        for row in pq.read_table(path, columns=["source", "run_id"]).to_pylist():
            found.append({**row, "file": path.name})
    return found


def test_window_run_id_names_each_window() -> None:
    assert window_run_id("r1", GlobalWindow()) == "r1"
    assert window_run_id("r1", IntervalWindow(20, 30)) == "r1-w19700101T000020Z"


def test_windows_write_their_own_files_and_dedupe_within_and_across_windows(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    a, b, c = text(1), text(2), text(3)
    run_windows(
        out,
        [
            (0, [make_article(a, source="a"), make_article(b, source="b"), make_article(a, source="a-copy")]),
            (10, [make_article(c, source="c")]),
            # Window [20, 30) is empty. Window [30, 40) repeats window 0's text from another URL.
            (30, [make_article(a, source="a-again")]),
        ],
        "dups",
    )
    found = rows(out)
    assert sorted(r["source"] for r in found) == ["a", "b", "c"]
    by_source = {r["source"]: r for r in found}
    assert by_source["a"]["run_id"] == by_source["b"]["run_id"] == "run-w19700101T000000Z"
    assert by_source["c"]["run_id"] == "run-w19700101T000010Z"
    assert by_source["a"]["file"] == "part-run-w19700101T000000Z-00000.parquet"
    # One file per partition per window; the empty windows wrote nothing.
    files = sorted(p.name for p in out.glob("date=*/topic=*/*.parquet"))
    assert files == ["part-run-w19700101T000000Z-00000.parquet", "part-run-w19700101T000010Z-00000.parquet"]
    assert sorted(collected("dups")) == [("a-again", "seen-in-earlier-run"), ("a-copy", "duplicate-in-run")]
    index = read_index(str(out), ["content_hash", "run_id"]).to_pylist()
    assert sorted(r["run_id"] for r in index) == ["run-w19700101T000000Z"] * 2 + ["run-w19700101T000010Z"]


def test_a_restarted_stream_skips_what_earlier_windows_wrote_and_repairs_a_missing_index(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    a, b = text(4), text(5)
    run_windows(out, [(0, [make_article(a, source="a")])], "first")
    assert collected("first") == []
    # A crash between the article file and the index part: the index part is lost.
    for part in (out / "_state" / "article_index").glob("*.parquet"):
        part.unlink()
    run_windows(out, [(100, [make_article(a, source="a"), make_article(b, source="b")])], "second")
    assert collected("second") == [("a", "seen-in-earlier-run")]
    assert sorted(r["source"] for r in rows(out)) == ["a", "b"]
    # The lost index rows were rebuilt from the article file and written as a repair part.
    parts = sorted(p.name for p in (out / "_state" / "article_index").glob("*.parquet"))
    assert parts == ["part-run-w19700101T000000Z-repair.parquet", "part-run-w19700101T000140Z-00000.parquet"]


def test_a_restart_reads_the_urls_of_unrecorded_and_merged_files_and_repairs_only_unindexed_runs(
    tmp_path: Path,
) -> None:
    out = tmp_path / "ds"
    partition = out / "date=2026-11-20" / "topic=politics"
    partition.mkdir(parents=True)
    # Window w1 recorded its URLs and its index part, w2 neither; `newsbeam compact` merged a third file.
    for name, source in (("part-s-w1-00000", "u1"), ("part-s-w2-00000", "u2"), ("compact-c1-00000", "u3")):
        pq.write_table(pa.table({"source": [source]}), partition / f"{name}.parquet")
    seen = {"canonical_url": "u0", "outcome": "written", "run_id": "s-w1", "seen_at": dt.datetime.now(dt.timezone.utc)}
    tables.write_table(str(out), SEEN_TABLE, SEEN_SCHEMA, [seen], "s-w1")
    tables.write_table(str(out), INDEX_TABLE, INDEX_SCHEMA, [], "s-w1")
    assert seen_at_start(str(out)) == {"u0", "u2", "u3"}  # w1's file is not read again: its URLs are recorded
    assert [Path(p).name for p in unindexed_article_files(str(out))] == ["part-s-w2-00000.parquet"]


def _stop_after(tick: Any, marker: str, n: int) -> Any:
    """Records each tick; the n-th creates the stop marker (the stop is an event of the stream itself)."""
    append(tick, "tick-values")
    if len(_SEEN["tick-values"]) == n:
        Path(marker).touch()
    return tick


def test_ticks_stop_when_the_marker_appears_and_flush_the_open_window(tmp_path: Path) -> None:
    marker = tmp_path / "stop"
    start = float(int(time.time()))
    with beam.Pipeline(options=streaming()) as p:
        _ = (
            p
            | Ticks(start, start + 120, 0.5, str(marker))
            | beam.Map(_stop_after, str(marker), 4)
            | "Windows" >> beam.WindowInto(FixedWindows(2))
            | beam.Map(lambda t: (0, 1))
            | beam.CombinePerKey(sum)
            | beam.Map(lambda kv: kv[1])
            | beam.Map(append, "ticks")
        )
    ticks = collected("tick-values")
    # The ticks ran from the start, every 0.5 s, without a gap, and the marker stopped them (the 120 s bound
    # would have made 240).
    assert 4 <= len(ticks) < 240, ticks
    assert sorted(ticks) == [start + 0.5 * i for i in range(len(ticks))], ticks
    # Every tick landed in some window, the last (open) one included.
    assert sum(collected("ticks")) == len(ticks)


def _poll(out: Path, source: SourceRef, carry_dir: str | None, ticks: int = 1) -> list[str]:
    """One pipeline of a segmented stream: `ticks` polls of `source`; the entries it emitted, in order."""
    config = FetchConfig(per_host_delay=0, timeout=5, attempts=1, allowed_networks=("127.0.0.1/32",))
    with beam.Pipeline() as p:
        polled = p | beam.Create(range(ticks)) | PollFeeds([source], str(out), "run", config, carry_dir)
        _ = polled.entries | beam.Map(lambda e: e.canonical) | "Entries" >> beam.Map(append, "polled")
        _ = polled.rejected | "Rejected" >> beam.Map(append, "poll-rejected")
    assert not collected("poll-rejected")
    return collected("polled")


def test_each_pipeline_of_a_segmented_stream_polls_on_from_where_the_last_one_stopped(tmp_path: Path) -> None:
    """On the DirectRunner a stream is one pipeline per window and keyed state ends with each; the carried
    state makes the next pipeline's first poll conditional and keeps entries emitted once from coming back,
    though none of them was written (a rejected entry would otherwise be fetched again every window)."""
    with FixtureServer() as srv:
        feed_bytes, paths = npr_feed_rewritten(srv, n=5)
        feed = GrowingFeed(feed_bytes)
        srv.add("/feed.json", feed)
        source = SourceRef(srv.url("/feed.json"))
        keys = [entry_key(srv.url(path)) or "" for path in paths]
        carry = tmp_path / "carry"
        carry.mkdir()
        feed.publish(3)
        assert sorted(_poll(tmp_path / "ds", source, str(carry))) == sorted(keys[:3])
        assert _poll(tmp_path / "ds", source, str(carry)) == []
        assert srv.requests("/feed.json")[-1].headers.get("if-none-match") == '"v3"'
        feed.publish(5)
        assert sorted(_poll(tmp_path / "ds", source, str(carry))) == sorted(keys[3:])
        assert _poll(tmp_path / "ds", source, str(carry), ticks=2) == []
        assert [r.headers.get("if-none-match") for r in srv.requests("/feed.json")[-2:]] == ['"v5"', '"v5"']
        # Without the carried state a new pipeline starts afresh: it emits every entry nothing has settled.
        assert sorted(_poll(tmp_path / "ds", source, None)) == sorted(keys)
        assert "if-none-match" not in srv.requests("/feed.json")[-1].headers
