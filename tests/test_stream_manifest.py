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
from pipeline.stream import verify_windows
from schemas.document import RunContext
from tests.http_fixtures import FixtureServer, GrowingFeed, npr_feed_rewritten
from transforms.discover import web_sources_from
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
    verified: set[str] = set()
    assert verify_windows(str(out), "s1", verified) == []
    assert verified == set(windows)
    # A window whose counts do not add up is a problem the stream reports (and exits non-zero on).
    path = Path(manifest.manifest_path(str(out), windows[0]))
    body["counts"][manifest.INPUTS] += 1
    path.write_text(json.dumps(body), encoding="utf-8")
    problems = verify_windows(str(out), "s1", set())
    assert len(problems) == 1 and problems[0].startswith(f"window {windows[0]}: inputs ")
