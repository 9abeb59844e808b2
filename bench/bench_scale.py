"""Scale: articles per second of one `newsbeam run` on the DirectRunner with 1 and 2 worker processes and
on the Dask runner with 2 workers, on the same corpus; writes the "Scale" section of BENCHMARKS.md, with
what 1M articles a day needs on Dataflow or Flink worked out from the measured per-core rate.

    python bench/bench_scale.py [--copies 4] [--repeats 3]

The corpus is the 102 ScrapingHub evaluation pages beside the project (decompressed into a temporary
folder, never into the repository), each copied `--copies` times with a marker sentence in its main
text so that dedupe keeps every copy: one HTML file per article. Each figure is the median of
`--repeats` whole CLI runs (start-up, cluster start and output verification included) into a fresh
output folder, measured from outside.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import source_pages, variant
from report import machine, median, write_section

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "2026-11-21"
CONFIGS = {
    "DirectRunner, 1 worker process": ["--direct_running_mode", "multi_processing", "--direct_num_workers", "1"],
    "DirectRunner, 2 worker processes": ["--direct_running_mode", "multi_processing", "--direct_num_workers", "2"],
    "Dask runner, 2 workers (local cluster)": ["--runner", "dask", "--dask-workers", "2"],
}


def _copies_differ(page: str) -> bool:
    """Whether two copies of a page extract to different texts (the marker landed in the main text)."""
    import datetime as dt

    from transforms.extract import extract_html

    first, second = (extract_html(variant(page, n), None, dt.date.fromisoformat(REFERENCE)) for n in (0, 1))
    return first is not None and second is not None and first.text != second.text


def build_corpus(copies: int, folder: Path) -> int:
    """One HTML file per article: every page `copies` times, each copy distinct in its main text. Pages
    whose main text has no line the marker can go into are left out (their copies would be identical,
    and dedupe would rightly drop them)."""
    pages = [page for page in source_pages() if _copies_differ(page)]
    for copy in range(copies):
        for number, page in enumerate(pages):
            (folder / f"c{copy}-p{number:03d}.html").write_text(variant(page, copy * len(pages) + number), "utf-8")
    return copies * len(pages)


def run_once(corpus: Path, out: Path, extra: list[str]) -> tuple[float, int]:
    """One `newsbeam run` into a fresh folder (left for inspection): (wall seconds, articles written)."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "--input", str(corpus), "--output", str(out)]
    started = time.monotonic()
    result = subprocess.run(
        [*cmd, "--reference-date", REFERENCE, *extra], cwd=ROOT, capture_output=True, text=True, check=False
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0 or "verified against the files" not in result.stdout:
        raise RuntimeError(f"newsbeam run failed ({' '.join(extra)}):\n{result.stdout}\n{result.stderr[-3000:]}")
    written = re.search(r"^\s+written\s+(\d+)", result.stdout, re.MULTILINE)
    assert written, result.stdout
    return elapsed, int(written.group(1))


def article_bytes(out: Path) -> tuple[float, int]:
    """Parquet bytes per article row and article files of a dataset folder."""
    import duckdb

    files = sorted(out.glob("date=*/topic=*/*.parquet"))
    rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/date=*/topic=*/*.parquet')").fetchall()[0][0]
    return sum(f.stat().st_size for f in files) / max(rows, 1), len(files)


def paper(per_core: float, two_vs_one: float, dask_vs_one: float, bytes_per_article: float, files: int) -> str:
    """What 1M articles a day needs, worked out from the measured rate of one worker process (one core)."""
    per_day = 1_000_000
    core_hours = per_day / per_core / 3600
    hourly = per_day / 24
    cores_hourly = hourly / per_core / 900  # an hourly run finished within 15 minutes
    cores_peak = 3 * cores_hourly  # morning peak of ~3x the mean hour
    workers = math.ceil(cores_peak / 4)
    return f"""### 1M articles a day on Dataflow or Flink (on paper)

Worked out from the measured {per_core:.1f} articles/s of one worker process (one core; start-up included,
so the steady rate is somewhat higher), for HTML articles through extraction, cleaning, tagging, dedupe
and Parquet, all Python:

- **Workers**: 1,000,000 articles / {per_core:.1f} per s = {core_hours:,.0f} core-hours a day
  ({core_hours / 24:.1f} cores busy on average). Hourly runs of ~{hourly:,.0f} articles that must finish within 15
  minutes need ~{cores_hourly:.0f} cores, ~{cores_peak:.0f} at a morning peak of 3x the mean hour: on Dataflow
  e.g. `--max_num_workers {workers}` of `n2-standard-4` with autoscaling (the Python SDK runs one harness
  process per core; more harness threads do not help CPU-bound Python), on Flink {math.ceil(cores_peak):.0f}
  task slots, each with a Python SDK worker (`k8s/flink.yaml`: 2 slots per task manager).
- **Cost drivers**: worker vCPU-hours dominate: {core_hours:,.0f} a day, ~{core_hours * 30:,.0f} a month;
  at a Dataflow batch list price of roughly $0.056 per vCPU-hour (region-dependent) that is
  ~${core_hours * 30 * 0.056:,.0f} a month, plus memory (trafilatura on large pages wants ~2-4 GB per core)
  and autoscaling slack. FlexRS (`--flexrs_goal COST_OPTIMIZED`) is roughly 40% cheaper where a start
  delay of up to 6 h is acceptable (a daily backfill, not an hourly schedule). Shuffle is small (the
  article rows once through dedupe's joins and the partition grouping). Storage:
  {bytes_per_article / 1000:.1f} KB per article in zstd Parquet (measured here) ≈
  {bytes_per_article * per_day / 1e9:.1f} GB a day. Files: this one-day corpus made {files} article files
  in one run (one per date × topic); 24 hourly runs make ~{24 * files:,} a day, each listed and opened by
  every DuckDB query and by dedupe until merged. Fetching (egress, politeness delays) and the launcher
  are small next to the workers.
- **Where the bottleneck moves**: on one machine it is CPU in extraction (trafilatura) and tagging. That
  work is independent per document, so it spreads over workers (here 2 DirectRunner processes ran
  {two_vs_one:.2f}x and 2 Dask workers {dask_vs_one:.2f}x as fast as one process, with fixed start-up costs and
  a shared machine in the way; a cloud vCPU is one hyperthread, so count on up to ~1.5x the cores above).
  With enough workers the next limits are the steps that see everything: dedupe reads every earlier
  article's hash and signature (the index grows by 1M rows a day: it needs a bounded look-back window
  or partitioning by hash prefix), story clustering joins on a time window, and the run manifest is one
  grouped step (tiny). Then object-store listing: dedupe's glob and every DuckDB query list all
  partitions, and small files multiply with every run; hourly runs need compaction, which on an object
  store needs a table format with atomic commits (Iceberg, Delta Lake), since `newsbeam compact` is only
  atomic on a local filesystem. Past ~10M a day a streaming pipeline (Pub/Sub or Kafka in, windowed
  writes) beats hourly batches that re-read their state each run.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4, help="Copies of each of the 102 pages. Default: 4")
    parser.add_argument("--repeats", type=int, default=3, help="Runs per configuration. Default: 3")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="newsbeam-scale-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        articles = build_corpus(args.copies, corpus)
        out = Path(tmp) / "out"
        results: dict[str, tuple[float, int, list[float]]] = {}
        for name, extra in CONFIGS.items():
            times, written = [], set()
            for repeat in range(args.repeats):
                elapsed, count = run_once(corpus, out, extra)
                times.append(elapsed)
                written.add(count)
                print(f"{name}: run {repeat + 1}: {elapsed:.1f} s, {count} articles", flush=True)
            assert written == {articles}, f"{name} wrote {written}, expected {articles}"
            results[name] = (median(times), articles, times)
        bytes_per_article, files = article_bytes(out)
    load_after = os.getloadavg()[0]
    one = results["DirectRunner, 1 worker process"]
    two = results["DirectRunner, 2 worker processes"]
    dask = results["Dask runner, 2 workers (local cluster)"]
    rows = [
        f"| {name} | {n / t:.1f} | {t:.1f} | {', '.join(f'{x:.1f}' for x in times)} | {one[0] / t:.2f}x |"
        for name, (t, n, times) in results.items()
    ]
    command = f"python bench/bench_scale.py --copies {args.copies} --repeats {args.repeats}"
    body = f"""## Scale

`{command}` on {machine()}; load average {load_before:.1f} before, {load_after:.1f} after (the machine
is shared: absolute figures are low, ratios within the run are what to read).

Corpus: {articles} HTML articles, one file each ({args.copies} distinct copies of each ScrapingHub
evaluation page whose main text can carry the copy's marker); every configuration wrote all {articles}
and verified them. Wall time of the whole `newsbeam run` (process start, Dask cluster start,
verification included), median of {args.repeats}.

| configuration | articles/s | median s | runs (s) | vs 1 process |
|---|---|---|---|---|
{chr(10).join(rows)}

Two DirectRunner processes ran {one[0] / two[0]:.2f}x as fast as one, two Dask workers {one[0] / dask[0]:.2f}x. Both
pay fixed costs a single process does not (starting worker processes; for Dask also the cluster, one
DoFn `setup` per partition and step, and bags materialised between steps), and the 2 cores are shared
with other work, so 2x is out of reach at this size. On Dask the launcher hands ReadLocal the matched
file list, spread over `--dask_npartitions` partitions (one per worker, at most 200 files each).

{paper(articles / one[0], one[0] / two[0], one[0] / dask[0], bytes_per_article, files)}"""
    write_section("scale", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
