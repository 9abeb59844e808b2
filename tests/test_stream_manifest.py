"""A stream window is a run of its own: it leaves `_runs/<window run id>.json`, which balances and verifies like
a batch run's manifest, and `newsbeam runs` lists it."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipeline import manifest, runs
from pipeline.build import build_stream
from pipeline.runs import Tally
from pipeline.stream import WindowChecks
from schemas.document import RunContext
from schemas.rejected import REJECTED_DIR, REJECTED_SCHEMA, Rejected
from tests.http_fixtures import FixtureServer, GrowingFeed, npr_feed_rewritten
from transforms.discover import web_sources_from
from transforms.sink import WrittenFile
from transforms.storage.parquet import write_parquet
from transforms.web.client import FetchConfig

pytestmark = [pytest.mark.timeout(180)]

ENTRIES = 4


def test_each_stream_window_leaves_a_balanced_verified_manifest(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    ctx = RunContext(
        run_id="s1",
        ingested_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        reference_date=dt.date(2026, 11, 21),
    )
    options = PipelineOptions([])
    options.view_as(StandardOptions).streaming = True
    with FixtureServer() as srv:
        feed_bytes, _paths = npr_feed_rewritten(srv, n=ENTRIES)
        feed = GrowingFeed(feed_bytes)
        srv.add("/feed.json", feed)
        feed.publish(ENTRIES)
        sources = web_sources_from([srv.url("/feed.json")]).sources
        start = float(int(time.time()))
        with beam.Pipeline(options=options) as p:
            build_stream(
                p,
                sources=sources,
                output=str(out),
                ctx=ctx,
                fetch=FetchConfig(per_host_delay=0.0, allow_private_hosts=True),
                poll_interval=0.5,
                window=3600.0,
                start=start,
                stop=start + 1.5,
            )
    windows = sorted(path.stem for path in (out / manifest.RUNS_DIR).glob("*.json"))
    assert windows and all(w.startswith("s1-w") for w in windows), windows
    reports = [manifest.verify(str(out), w) for w in windows]
    for report in reports:
        assert report.problems == [], report.problems
        assert report.balanced
    # Every entry is one input of exactly one window, and each ended as an article or a rejected row.
    assert sum(r.inputs for r in reports) == ENTRIES
    assert sum(r.written + r.rejected_total for r in reports) == ENTRIES
    assert sum(r.written for r in reports) >= ENTRIES // 2
    listed = {r.run_id: r for r in runs.load_runs(str(out))}
    assert set(listed) == set(windows)
    assert all(r.balanced and r.params["stream"] == "s1" for r in listed.values())
    assert all(r.started is not None and r.started >= ctx.ingested_at for r in listed.values())
    # The window's manifest says which window it is; the rows and files carry its run id.
    body = manifest.read_manifest(str(out), windows[0])
    assert body["params"]["window_start"] < body["params"]["window_end"]
    assert all(f"part-{windows[0]}-" in Path(f["path"]).name for f in body["files"])
    # The stream's own check agrees, window by window, and checks each window once.
    checks = WindowChecks(str(out), "s1")
    assert checks.check_new() == []
    assert checks.verified == set(windows) and checks.internal_errors == 0
    assert checks.check_new() == []
    # A window whose counts do not add up is a problem the stream reports (and exits non-zero on).
    path = Path(manifest.manifest_path(str(out), windows[0]))
    body["counts"][manifest.INPUTS] += 1
    path.write_text(json.dumps(body), encoding="utf-8")
    problems = WindowChecks(str(out), "s1").check_new()
    assert len(problems) == 1 and problems[0].startswith(f"window {windows[0]}: inputs ")


def test_window_checks_count_internal_errors_from_the_manifests(tmp_path: Path) -> None:
    """The stream counts a window's internal errors from its manifest, once per window."""
    out = str(tmp_path)
    at = dt.datetime(2026, 11, 21, 12, tzinfo=dt.timezone.utc)
    reasons = ["internal-error", "too-short", "internal-error"]
    for n, reason in enumerate(reasons):
        window = f"s2-w{n}"
        path = str(tmp_path / REJECTED_DIR / f"part-{window}-tag.parquet")
        (tmp_path / REJECTED_DIR).mkdir(exist_ok=True)
        write_parquet(path, REJECTED_SCHEMA, [Rejected("s", "tag", reason, "why", None, at, window).to_row()])
        counts = Tally(inputs=1, rejected={("tag", reason): 1}).to_counts()
        manifest.write_manifest(window, out, counts, [WrittenFile(path, 1, "rejected")], {})
    checks = WindowChecks(out, "s2")
    assert checks.check_new() == []
    assert (checks.internal_errors, len(checks.verified)) == (reasons.count("internal-error"), len(reasons))
    checks.check_new()
    assert checks.internal_errors == reasons.count("internal-error")
    other = WindowChecks(out, "other")
    other.check_new()
    assert (other.verified, other.internal_errors) == (set(), 0)
