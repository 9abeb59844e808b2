"""Fetch benchmark: 20 hosts × 25 articles, each answer after 100 ms, a per-host delay of 1 s.

The hosts are 127.0.0.1 … 127.0.0.20 (loopback addresses, all on this machine, one server each), so the
politeness key is the real host name, as in production. The politeness bound is 25 s (25 articles per host,
1 s apart); the target for the fetch stage is at most 1.3 × that. For comparison, a plain sequential loop
(urllib3, one URL after another, no delay at all, i.e. impolite) fetches the same 500 URLs.

Reports medians of 3 runs and rewrites the "Fetch" section of BENCHMARKS.md. Run: `python bench/bench_fetch.py`
(or `make bench`). Options: `--runs N`, `--no-write`.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import apache_beam as beam  # noqa: E402
import urllib3  # noqa: E402

from tests.http_fixtures import FixtureServer, Reply  # noqa: E402
from transforms.fetch import Fetch  # noqa: E402
from transforms.web.client import FetchConfig  # noqa: E402
from transforms.web.feeds import EntryRef, entry_key  # noqa: E402

HOSTS = 20
ARTICLES = 25
LATENCY = 0.1
DELAY = 1.0
BOUND = ARTICLES * DELAY  # 25 s
TARGET = 1.3
PAGE = b"<html><body><article><p>" + b"Council approves the harbour budget. " * 40 + b"</p></article></body></html>"


def start_servers() -> list[FixtureServer]:
    servers = []
    for n in range(1, HOSTS + 1):
        server = FixtureServer(f"127.0.0.{n}", latency=LATENCY).start()
        for i in range(ARTICLES):
            server.add(f"/article/{i}", Reply(200, PAGE))
        servers.append(server)
    return servers


def entries(servers: list[FixtureServer]) -> list[EntryRef]:
    found = []
    for i, server in itertools.product(range(ARTICLES), servers):  # interleaved, as feeds would list them
        url = server.url(f"/article/{i}")
        key = entry_key(url)
        assert key is not None
        found.append(EntryRef(url=url, canonical=key, source="bench", source_kind="urls"))
    return found


def run_pipeline(refs: list[EntryRef]) -> tuple[float, int, int]:
    """Wall time of a pipeline that is only the fetch stage (Create → Fetch), and its pages and rejects
    (from the stage's metrics)."""
    config = FetchConfig(per_host_delay=DELAY, timeout=10, allowed_networks=("127.0.0.0/8",))
    started = time.monotonic()
    p = beam.Pipeline()
    _ = p | beam.Create(refs) | Fetch(config, "bench")
    result = p.run()
    result.wait_until_finish()
    elapsed = time.monotonic() - started
    counters = {c.key.metric.name: c.committed for c in result.metrics().query()["counters"]}
    return elapsed, counters.get("pages", 0), counters.get("rejected", 0)


def sequential(refs: list[EntryRef]) -> float:
    pool = urllib3.PoolManager(retries=False)
    started = time.monotonic()
    for ref in refs:
        response = pool.request("GET", ref.url)
        assert response.status == 200
    return time.monotonic() - started


def min_gap(servers: list[FixtureServer], since: float) -> float:
    """Smallest time between two request arrivals at one host (≥ delay + latency when polite)."""
    gaps = []
    for server in servers:
        times = sorted(r.at for r in server.log if r.at >= since)
        gaps.extend(b - a for a, b in itertools.pairwise(times))
    return min(gaps)


def write_section(text: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = re.compile(r"^## Fetch\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if section.search(current):
        updated = section.sub(lambda _m: text + "\n", current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(updated, encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    servers = start_servers()
    try:
        refs = entries(servers)
        fetch_times, loop_times, gaps = [], [], []
        for run in range(1, args.runs + 1):
            since = time.monotonic()
            elapsed, docs, rejected = run_pipeline(refs)
            assert (docs, rejected) == (HOSTS * ARTICLES, 0), (docs, rejected)
            gaps.append(min_gap(servers, since))
            fetch_times.append(elapsed)
            loop = sequential(refs)
            loop_times.append(loop)
            print(f"run {run}: fetch stage {elapsed:.1f} s ({docs} pages), sequential loop {loop:.1f} s", flush=True)
    finally:
        for server in servers:
            server.stop()
    fetch, loop = statistics.median(fetch_times), statistics.median(loop_times)
    ratio = fetch / BOUND
    verdict = "meets" if ratio <= TARGET else "MISSES"
    lines = [
        "## Fetch",
        "",
        f"`python bench/bench_fetch.py` ({args.runs} runs, medians; {platform.python_version()}, "
        f"{platform.machine()}, DirectRunner in-process). {HOSTS} hosts (127.0.0.1 … 127.0.0.{HOSTS}, one "
        f"server each) × {ARTICLES} articles, every answer after {LATENCY * 1000:.0f} ms, per-host delay "
        f"{DELAY:g} s (end of one request to start of the next), plus one robots.txt request per host.",
        "",
        "| what | wall time | vs. politeness bound (25 s) |",
        "|---|---|---|",
        f"| Fetch stage (a pipeline of Create → Fetch only, Beam start-up included) | {fetch:.1f} s | "
        f"{ratio:.2f}× ({verdict} the ≤ {TARGET}× target) |",
        f"| plain sequential loop (urllib3, no delay at all: impolite) | {loop:.1f} s | {loop / BOUND:.2f}× |",
        "",
        f"Runs: fetch {', '.join(f'{t:.1f}' for t in fetch_times)} s; "
        f"loop {', '.join(f'{t:.1f}' for t in loop_times)} s. "
        f"Smallest gap between two requests to one host: {min(gaps):.2f} s (≥ {DELAY:g} s delay + "
        f"{LATENCY * 1000:.0f} ms answer), so no host saw more than its allowed rate. Per host the floor is "
        f"{ARTICLES} gaps of {DELAY:g} s + {ARTICLES + 1} answers of {LATENCY:g} s = "
        f"{ARTICLES * DELAY + (ARTICLES + 1) * LATENCY:.1f} s; the stage runs all {HOSTS} hosts at once "
        f"(threads inside one DoFn), so it costs about one host's time. A polite sequential loop would take "
        f"at least {HOSTS} × {(ARTICLES - 1) * DELAY + ARTICLES * LATENCY:.1f} s = "
        f"{HOSTS * ((ARTICLES - 1) * DELAY + ARTICLES * LATENCY):.0f} s.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(text)
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
