"""Stream latency benchmark: from an entry appearing in a feed to its row being readable by DuckDB.

`newsbeam stream` (a subprocess, as a user runs it) polls a loopback JSON Feed every 5 s and writes 10 s
windows; entries are published one at a time at spread-out moments, and the dataset is queried through
`pipeline.query.connect` every 0.25 s until each one's row is there. Target: at most poll + window + 5 s =
20 s. Writes the "stream" section of BENCHMARKS.md. Run: `python bench/bench_stream.py` (or `make bench`);
`--no-write` to only print.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import machine, write_section  # noqa: E402
from pipeline.query import connect  # noqa: E402
from tests.http_fixtures import FixtureServer, GrowingFeed, npr_feed_rewritten  # noqa: E402
from transforms.web.feeds import entry_key  # noqa: E402

POLL = 5.0
WINDOW = 10.0
TARGET = POLL + WINDOW + 5.0
ENTRIES = 4
GAP = 13.0  # seconds between publications: not a multiple of the poll or the window


def readable(out: Path, source: str) -> bool:
    try:
        con = connect(str(out))
        row = con.execute("SELECT count(*) FROM articles WHERE source = ?", [source]).fetchone()
        return bool(row and row[0])
    except Exception:  # no files yet (no view), or a file renamed in while listing
        return False


def measure() -> list[float]:
    with FixtureServer() as server, tempfile.TemporaryDirectory() as tmp:
        feed_bytes, paths = npr_feed_rewritten(server, n=ENTRIES + 1)
        feed = GrowingFeed(feed_bytes)
        server.add("/feed.json", feed)
        feed.publish(1)  # one entry before the start, so start-up is not part of the figures
        out = Path(tmp) / "ds"
        args = ["stream", "--feed", server.url("/feed.json"), "--output", str(out), "--allow-private-hosts"]
        args += ["--per-host-delay", "0", "--poll-interval", str(POLL), "--window", str(WINDOW)]
        args += ["--max-duration", str(25 + ENTRIES * GAP + TARGET), "--reference-date", "2026-11-21"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, env=env)
        latencies = []
        try:
            first = entry_key(server.url(paths[0])) or ""
            deadline = time.monotonic() + 60
            while not readable(out, first) and time.monotonic() < deadline:
                time.sleep(0.25)
            for i in range(1, ENTRIES + 1):
                source = entry_key(server.url(paths[i])) or ""
                feed.publish(i + 1)
                published = time.monotonic()
                while not readable(out, source) and time.monotonic() - published < 3 * TARGET:
                    time.sleep(0.25)
                latencies.append(time.monotonic() - published)
                print(f"entry {i}: readable after {latencies[-1]:.1f} s", flush=True)
                time.sleep(max(0.0, GAP - latencies[-1]) + (i * 3.7) % POLL)
        finally:
            proc.terminate()
            proc.wait(timeout=120)
        return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    latencies = measure()
    worst, median = max(latencies), statistics.median(latencies)
    verdict = "meets" if worst <= TARGET else "MISSES"
    body = f"""## Stream latency

`newsbeam stream`, poll {POLL:g} s, window {WINDOW:g} s, one loopback feed, {ENTRIES} entries published one at a
time; latency = from the entry appearing in the feed to its row being readable by DuckDB (`pipeline.query`).

| entries | median | worst | target (poll + window + 5 s) |
|---|---|---|---|
| {ENTRIES} | {median:.1f} s | {worst:.1f} s | {TARGET:g} s ({verdict}) |

Each: {", ".join(f"{x:.1f} s" for x in latencies)}. {machine()}. Run: `python bench/bench_stream.py`.
"""
    print(body)
    if not args.no_write:
        write_section("stream", body)
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
