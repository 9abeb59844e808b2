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
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import source_pages, variant
from report import machine, median, write_section

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "2026-11-21"
CONFIGS = {
    "DirectRunner, 1 worker process": ["--direct_running_mode", "multi_processing", "--direct_num_workers", "1"],
    "DirectRunner, 2 worker processes": ["--direct_running_mode", "multi_processing", "--direct_num_workers", "2"],
    "Dask runner, 2 workers (local cluster)": ["--runner", "dask", "--dask-workers", "2"],
}


def build_corpus(copies: int, folder: Path) -> int:
    """One HTML file per article: every page `copies` times, each copy distinct in its main text."""
    pages = source_pages()
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


def paper(per_core: float, dask_efficiency: float, bytes_per_article: float, files_per_run: int) -> str:
    """What 1M articles a day needs, from the measured rate of one worker process (one core)."""
    per_day = 1_000_000
    core_hours = per_day / per_core / 3600
    avg_cores = per_day / per_core / 86400
    return f"""### 1M articles a day on Dataflow or Flink (on paper)

From the measured {per_core:.1f} articles/s per worker process (one core, extraction + cleaning + tagging
+ dedupe + Parquet, all in Python):

- **Compute**: 1,000,000 / {per_core:.1f} per s = {core_hours:,.0f} core-hours a day, {avg_cores:.1f} cores on
  average. Ingest is bursty (feeds publish in the morning), so size for ~3x the mean at peak: an hourly
  batch of ~42k articles done in 15 minutes needs ~{42_000 / per_core / 900:.0f} cores. On Dataflow that
  is e.g. `--max_num_workers {max(2, round(42_000 / per_core / 900 / 4))}` of `n2-standard-4` with autoscaling
  (Python SDK: one harness process per core; `--number_of_worker_harness_threads` does not help
  CPU-bound Python); on Flink the same number of task slots, each with its Python SDK worker.
- **Cost drivers**: worker vCPU-hours dominate ({core_hours:,.0f}/day ≈ {core_hours * 30:,.0f}/month; at a
  Dataflow batch list price of roughly $0.056 per vCPU-hour (region-dependent) ≈
  ${core_hours * 30 * 0.056:,.0f}/month, plus memory at ~4 GB per core for trafilatura on large pages);
  FlexRS (`--flexrs_goal COST_OPTIMIZED`) is roughly 40% cheaper when a start delay of up to 6 h is
  acceptable, which a daily backfill allows and an hourly schedule does not. Shuffle is small (article
  rows keyed by hash and partition, ~5-20 KB each: ~10 GB/day through Dataflow Shuffle). Storage:
  {bytes_per_article / 1000:.1f} KB per article in zstd Parquet (measured) ≈
  {bytes_per_article * per_day / 1e9:.1f} GB/day; files: this corpus of one
  reference day made {files_per_run} files in one run (one per date × topic), so 24 hourly runs make
  ~{24 * files_per_run:,} a day, listed and opened by every DuckDB query until compacted (see below).
  Fetching (network egress, politeness delays) and the launcher are negligible next to the workers.
- **Where the bottleneck moves**: on one machine it is CPU in extraction (trafilatura) and tagging.
  Spread over workers that part scales linearly (the Dask runner reached {dask_efficiency:.0%} of the
  DirectRunner's 2-process rate here), and the next limits are single-keyed steps: dedupe reads every
  earlier article's hash and signature (the index grows by 1M rows a day; it needs partitioning by hash
  prefix or a bounded look-back window), the story clustering joins on a time window, and the run
  manifest is one grouped step (tiny). Then object-store listing: the dedupe/index glob and every
  DuckDB query list all partitions, and small files multiply per run; hourly runs need compaction, which
  on an object store needs a table format with atomic commits (Iceberg/Delta), since `newsbeam compact`
  is only atomic on a local filesystem. Beyond ~10M/day the Python SDK's per-element cost makes a
  streaming pipeline (Pub/Sub or Kafka in, windowed writes) cheaper than hourly batches that re-read
  state each run.
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

Corpus: {articles} HTML articles, one file each ({args.copies} distinct copies of the 102 ScrapingHub
evaluation pages); every configuration wrote all {articles} and verified them. Wall time of the whole
`newsbeam run` (process start, Dask cluster start, verification included), median of {args.repeats}.

| configuration | articles/s | median s | runs (s) | vs 1 process |
|---|---|---|---|---|
{chr(10).join(rows)}

The two processes of the DirectRunner run {one[0] / two[0]:.2f}x as fast as one on 2 cores; the Dask runner with 2
workers runs at {one[0] / dask[0]:.2f}x (its extra cost: starting the cluster, a DoFn `setup` per partition
and per step, and bags materialised between steps). On Dask the launcher hands ReadLocal the matched file
list, so the files are spread over `--dask_npartitions` partitions (one per worker up to 200 files each).

{paper(articles / one[0], two[0] / dask[0], bytes_per_article, files)}"""
    write_section("scale", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
