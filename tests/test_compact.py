"""`newsbeam compact`: small files merged, every row kept, readers never see a partial or doubled dataset,
and the runs whose files were merged still verify."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from apache_beam.io.filesystem import MatchResult
from apache_beam.io.filesystems import FileSystems

from pipeline import compact as compaction
from pipeline import manifest
from pipeline.job import run
from pipeline.query import articles_glob, connect, vanished_file
from schemas.article import ARTICLES_GLOB, FILE_SCHEMA, SCHEMA_VERSION, SCHEMA_VERSION_KEY
from tests.conftest import SEEDS
from tests.factories import make_article
from transforms.storage import index
from transforms.storage.parquet import partition_dir, write_parquet

REFERENCE = "2026-11-21"


def make_dataset(root: Path, partitions: int, files: int, rows: int) -> int:
    """`partitions` × `files` small Parquet files of `rows` distinct articles each, written by the sink's
    own atomic writer; returns the number of rows."""
    total = 0
    for p in range(partitions):
        day = dt.date(2025, 12, 1) + dt.timedelta(days=p)
        for f in range(files):
            run_id = f"2025120{p}T0000{f:02d}Z-run{f:02d}"
            articles = [
                make_article(f"partition {p} file {f} row {r}: the council met again today", day=day, run_id=run_id)
                for r in range(rows)
            ]
            path = FileSystems.join(
                partition_dir(str(root), day.isoformat(), "politics"), f"part-{run_id}-00000.parquet"
            )
            total += write_parquet(path, FILE_SCHEMA, (a.to_row() for a in articles))
    return total


def parquet_files(root: Path) -> list[Path]:
    return sorted(root.glob(ARTICLES_GLOB))


def all_rows(root: Path) -> list[tuple[object, ...]]:
    return duckdb.sql(
        f"SELECT * EXCLUDE (filename) FROM read_parquet('{articles_glob(str(root))}', hive_partitioning = true, "
        "filename = true) ORDER BY article_id"
    ).fetchall()


def test_plan_merges_small_files_into_bins_of_the_target_size() -> None:
    mb = 1024 * 1024
    files = {"a": 40 * mb, "b": 40 * mb, "c": 40 * mb, "big": 100 * mb, "d": 10 * mb, "e": 200 * mb}
    bins = compaction.plan_bins(files, 100 * mb, lambda name: "same")
    # files over 3/4 of the target stay; a, b (80 MB) fill one bin, c and d the next
    assert bins == [["a", "b"], ["c", "d"]]
    assert compaction.plan_bins({"a": 1, "b": 1}, 100, lambda name: name) == []  # one schema each: no pair
    assert compaction.plan_bins({"only": 1}, 100, lambda name: "same") == []


def test_compaction_keeps_every_row_and_reduces_files(tmp_path: Path) -> None:
    out = tmp_path / "articles"
    total = make_dataset(out, partitions=3, files=6, rows=4)
    before = all_rows(out)
    assert len(before) == total == 72 and len(parquet_files(out)) == 18

    report = compaction.compact(str(out), target_mb=1)

    after = all_rows(out)
    assert after == before
    files = parquet_files(out)
    assert len(files) == 3 and report.files_before == 18 and report.files_after == 3
    for path in files:
        assert path.name.startswith(f"compact-{report.compaction_id}-")
        meta = pq.ParquetFile(path).schema_arrow.metadata
        assert meta[SCHEMA_VERSION_KEY] == SCHEMA_VERSION.encode()
        assert pq.ParquetFile(path).schema_arrow.equals(FILE_SCHEMA)
    # nothing hidden left behind, and a record of what went where
    assert not [p for p in out.rglob(".*") if p.name != ".lock"]
    records = sorted((out / manifest.COMPACTIONS_DIR).glob("*.json"))
    assert len(records) == 3
    body = json.loads(records[0].read_text())
    assert sum(len(m["inputs"]) for m in body["outputs"]) == 6
    assert sum(m["rows"] for m in body["outputs"]) == 24

    again = compaction.compact(str(out), target_mb=1)
    assert again.partitions == [] and all_rows(out) == before


def test_large_files_stay_and_only_small_ones_merge(tmp_path: Path) -> None:
    out = tmp_path / "articles"
    total = make_dataset(out, partitions=1, files=4, rows=2)
    big_rows = [
        make_article(f"{i} " + os.urandom(600).hex(), day=dt.date(2025, 12, 1), run_id="big").to_row()
        for i in range(200)
    ]
    big = Path(partition_dir(str(out), "2025-12-01", "politics")) / "part-big-00000.parquet"
    total += write_parquet(str(big), FILE_SCHEMA, big_rows)
    inode = big.stat().st_ino
    target_mb = big.stat().st_size / 0.75 / 1024 / 1024 * 0.99  # the big file is just over 3/4 of the target

    compaction.compact(str(out), target_mb=target_mb)

    names = sorted(p.name for p in parquet_files(out))
    assert len(names) == 2 and big.name in names  # the four small files became one, the big one stayed
    assert big.stat().st_ino == inode  # carried over by a hard link, not rewritten
    assert _count_duckdb(out) == (total, total)


def _count_duckdb(root: Path) -> tuple[int, int]:
    con = connect(str(root))
    try:
        return con.sql("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchall()[0]
    finally:
        con.close()


def _count_like_dedupe(root: Path) -> tuple[int, int]:
    """The dedupe stage's way: list the article files through Beam's FileSystems (`index.article_files`),
    read content hashes."""
    hashes: list[str] = []
    for meta in index.article_files(str(root)):
        with FileSystems.open(meta.path) as handle:
            hashes += pq.read_table(handle, columns=["content_hash"]).column("content_hash").to_pylist()
    return len(hashes), len(set(hashes))


def test_a_listing_that_straddles_an_exchange_is_taken_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beam's match lists a partition, then reads each file's size and drops the files gone by then: an
    exchange in between loses the partition without an error. `index.article_files` lists again."""
    out = tmp_path / "articles"
    total = make_dataset(out, partitions=2, files=3, rows=2)
    partition = Path(partition_dir(str(out), "2025-12-01", "politics"))
    merged = partition.parent / ".politics-merged"
    merged.mkdir()
    for path in sorted(partition.glob("*.parquet")):
        shutil.copy(path, merged / f"merged-{path.name}")
    real_match = FileSystems.match
    lost: list[int] = []

    def match_caught_by_an_exchange(patterns: list[str], limits: Any = None) -> list[MatchResult]:
        if lost:
            return real_match(patterns, limits)
        # Beam listed the old names; the exchange came before it read their sizes, so it dropped them all.
        compaction.exchange(str(merged), str(partition))
        listed = real_match(patterns, limits)[0]
        kept = [m for m in listed.metadata_list if Path(m.path).parent != partition]
        lost.append(len(listed.metadata_list) - len(kept))
        return [MatchResult(listed.pattern, kept)]

    monkeypatch.setattr(FileSystems, "match", match_caught_by_an_exchange)
    files = index.article_files(str(out))
    assert lost == [3]  # the first listing missed the partition's three files, and said nothing
    assert sorted(Path(m.path).name for m in files if Path(m.path).parent == partition) == [
        f"merged-{p.name}" for p in sorted((partition.parent / ".politics-merged").glob("*.parquet"))
    ]
    assert sum(pq.read_metadata(m.path).num_rows for m in files) == total


def test_concurrent_readers_see_every_row_exactly_once(tmp_path: Path) -> None:
    """Two readers (DuckDB's glob and the dedupe stage's match-and-read) count in a loop while three
    compactions rewrite 6 partitions: every completed count is the full dataset, never part or double."""
    out = tmp_path / "articles"
    total = make_dataset(out, partitions=6, files=12, rows=3)
    results: dict[str, Counter[object]] = {"duckdb": Counter(), "dedupe": Counter()}
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader(name: str, count: object) -> None:
        while not stop.is_set():
            try:
                results[name][count(out)] += 1  # type: ignore[operator]
            except Exception as exc:
                if not vanished_file(exc):
                    errors.append(exc)
                results[name]["listed the old generation, opened after the swap"] += 1

    threads = [
        threading.Thread(target=reader, args=("duckdb", _count_duckdb)),
        threading.Thread(target=reader, args=("dedupe", _count_like_dedupe)),
    ]
    for thread in threads:
        thread.start()
    swaps = 0
    try:
        # three passes: 12 files per partition → 6 (pairs) → 3 (pairs again) → 1
        for last in (False, False, True):
            pair = max(p.stat().st_size for p in parquet_files(out)) * 2.2 / 1024 / 1024
            swaps += len(compaction.compact(str(out), target_mb=1 if last else pair).partitions)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors
    assert swaps >= 12 and len(parquet_files(out)) == 6
    for name, seen in results.items():
        counts = {k: v for k, v in seen.items() if isinstance(k, tuple)}
        assert set(counts) == {(total, total)}, (name, seen)
        assert sum(counts.values()) >= 3, (name, seen)  # the reader really ran during the compactions
    print({name: dict(seen) for name, seen in results.items()})


def test_a_listing_that_straddles_the_exchange_still_sees_the_whole_old_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader opens the partition's directory just before the exchange and reads its entries after it: it
    must find the old generation's names (opening a merged one then fails, and the reader retries), never an
    emptied directory, which would count a partition as having no rows. The old generation goes once the run
    is over."""
    out = tmp_path / "articles"
    make_dataset(out, partitions=1, files=5, rows=2)
    partition = parquet_files(out)[0].parent
    old_names = {p.name for p in parquet_files(out)}
    listings: list[Iterator[os.DirEntry[str]]] = []
    read_late: list[set[str]] = []
    exchange = compaction.exchange

    def swap_then_read(a: str, b: str) -> None:
        listings.append(os.scandir(partition))  # the directory is opened now: the old generation
        exchange(a, b)

    compact_partition = compaction.compact_partition

    def read_after_the_partition_is_done(*args: Any, **kwargs: Any) -> compaction.PartitionResult | None:
        result = compact_partition(*args, **kwargs)
        read_late.append({entry.name for entry in listings[0]})
        return result

    monkeypatch.setattr(compaction, "exchange", swap_then_read)
    monkeypatch.setattr(compaction, "compact_partition", read_after_the_partition_is_done)
    compaction.compact(str(out), target_mb=1)
    assert read_late == [old_names]
    assert not [p for p in partition.parent.iterdir() if p.name.startswith(".")]  # the old generation is gone
    assert {p.name for p in parquet_files(out)}.isdisjoint(old_names)


def test_the_swap_is_all_or_nothing_and_late_files_are_kept(tmp_path: Path) -> None:
    """At the last moment before the exchange the readers still see exactly the old files; a file that a
    run adds to the old generation at that moment is carried into the new one."""
    out = tmp_path / "articles"
    total = make_dataset(out, partitions=1, files=5, rows=2)
    old_names = {p.name for p in parquet_files(out)}
    seen: list[tuple[set[str], tuple[int, int], tuple[int, int]]] = []
    late = make_article("a late article written by a run while the partition was compacted", day=dt.date(2025, 12, 1))

    def before_swap(new_generation: str) -> None:
        seen.append(({p.name for p in parquet_files(out)}, _count_duckdb(out), _count_like_dedupe(out)))
        partition = Path(partition_dir(str(out), "2025-12-01", "politics"))
        write_parquet(str(partition / "part-late-00000.parquet"), FILE_SCHEMA, [late.to_row()])

    compaction.compact(str(out), target_mb=1, before_swap=before_swap)
    assert seen == [(old_names, (total, total), (total, total))]
    names = {p.name for p in parquet_files(out)}
    assert "part-late-00000.parquet" in names and not names & old_names
    assert _count_duckdb(out) == (total + 1, total + 1)


def test_object_stores_and_concurrent_writers_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not a local filesystem"):
        compaction.compact("gs://bucket/articles")
    out = tmp_path / "articles"
    make_dataset(out, partitions=1, files=2, rows=1)
    for holder in (True, False):  # another compaction, or a run writing
        with compaction.dataset_lock(str(out), exclusive=holder), pytest.raises(SystemExit, match="is writing to"):
            compaction.compact(str(out), target_mb=1)
    assert len(parquet_files(out)) == 2


def test_leftovers_of_an_interrupted_compaction_are_invisible_then_removed(tmp_path: Path) -> None:
    out = tmp_path / "articles"
    total = make_dataset(out, partitions=1, files=2, rows=2)
    partition = Path(partition_dir(str(out), "2025-12-01", "politics"))
    leftover = partition.parent / f".{partition.name}.compact-20261121T000000Z-dead00"
    leftover.mkdir()
    for path in partition.glob("*.parquet"):
        shutil.copy(path, leftover / f"compact-x-{path.name}")
    assert _count_duckdb(out) == (total, total) and _count_like_dedupe(out) == (total, total)
    compaction.compact(str(out), target_mb=1)
    assert not leftover.exists() and _count_duckdb(out) == (total, total)


def test_compaction_is_refused_where_the_exchange_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an atomic exchange nothing is changed: the old generation stays, the work is removed."""
    out = tmp_path / "articles"
    make_dataset(out, partitions=1, files=3, rows=1)
    before = {p.name for p in parquet_files(out)}

    def no_exchange(a: str, b: str) -> None:
        raise OSError(38, "no atomic directory exchange")

    monkeypatch.setattr(compaction, "exchange", no_exchange)
    with pytest.raises(OSError):
        compaction.compact(str(out), target_mb=1)
    assert {p.name for p in parquet_files(out)} == before
    assert not [p for p in out.rglob(".*") if p.name != ".lock"]
    assert not list((out / manifest.COMPACTIONS_DIR).glob("*.json"))


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The seeds ingested by three runs (2 + 2 + 1 files), so partitions hold files of several runs."""
    root = tmp_path_factory.mktemp("runs")
    out = root / "articles"
    seeds = sorted(SEEDS.glob("*.txt"))
    run_ids = []
    for number, group in enumerate((seeds[:2], seeds[2:4], seeds[4:])):
        run_id = f"20261121T10000{number}Z-run{number}"
        args = ["--output", str(out), "--reference-date", REFERENCE, "--run-id", run_id]
        assert run([*args, "--input", *map(str, group)]) == 0
        run_ids.append(run_id)
    return out, run_ids


def test_runs_still_verify_after_their_files_are_merged(
    three_runs: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli import main

    out, run_ids = three_runs
    before = all_rows(out)
    reports = {r: manifest.verify(str(out), r) for r in run_ids}
    assert all(not r.problems for r in reports.values())
    files = len(parquet_files(out))
    capsys.readouterr()

    assert main(["compact", "--output", str(out), "--target-size-mb", "4"]) == 0
    printed = capsys.readouterr().out
    match = re.match(r"newsbeam compact \S+: (\d+) partitions, (\d+) files → (\d+)", printed)
    assert match, printed
    merged_away = int(match.group(2)) - int(match.group(3))
    assert merged_away >= 1, "the seeds' runs should share at least one partition"
    assert len(parquet_files(out)) == files - merged_away
    assert all_rows(out) == before
    merged = 0
    for run_id in run_ids:
        after = manifest.verify(str(out), run_id)
        assert after.problems == [], run_id
        assert (after.written, after.topics) == (reports[run_id].written, reports[run_id].topics)
        merged += after.compacted_files
    assert merged >= 2
    assert main(["verify", "--output", str(out), "--run-id", run_ids[0]]) == 0
    assert "verified against the files" in capsys.readouterr().out

    # Dedupe reads the merged files: the same seeds again are all duplicates.
    assert run(["--input", str(SEEDS), "--output", str(out), "--reference-date", REFERENCE, "--run-id", "rerun"]) == 0
    rerun = manifest.verify(str(out), "rerun")
    assert (rerun.written, rerun.duplicates) == (0, 5)

    # A merged file that lost a row no longer verifies for the run whose row it was.
    target = next(p for p in parquet_files(out) if p.name.startswith("compact-"))
    table = pq.read_table(target)
    victim_run = table.column("run_id")[0].as_py()
    pq.write_table(table.slice(1), target, compression="zstd")
    problems = manifest.verify(str(out), victim_run).problems
    assert any("rows of this run in compacted files" in p for p in problems), problems
    assert main(["verify", "--output", str(out), "--run-id", victim_run]) == 1
    # and a merged file that is gone altogether as well
    os.remove(target)
    assert manifest.verify(str(out), victim_run).problems


def test_query_runs_again_when_a_swap_removed_a_listed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`newsbeam query` that listed a partition's old files just before a swap gets "file not found" once
    and answers from the new generation on the next attempt; other errors are not retried."""
    from pipeline import cli

    out = tmp_path / "articles"
    total = make_dataset(out, partitions=1, files=2, rows=2)
    real = cli._print_query
    calls = []

    def straddled(con: object, args: object) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise duckdb.IOException('IO Error: Cannot open file "x/part-a.parquet": No such file or directory')
        return real(con, args)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "_print_query", straddled)
    assert cli.main(["query", "SELECT count(*) AS n FROM articles", "--output", str(out), "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", str(total)] and len(calls) == 2

    def broken(con: object, args: object) -> int:
        raise duckdb.BinderException("Binder Error: no such column")

    monkeypatch.setattr(cli, "_print_query", broken)
    with pytest.raises(duckdb.BinderException):
        cli.main(["query", "SELECT nope FROM articles", "--output", str(out)])


def test_a_file_replaced_during_compaction_leaves_the_partition_alone(tmp_path: Path) -> None:
    """A writer rewriting a file that is being merged (a retried bundle) makes that partition's
    compaction stand down: no row lost or doubled, nothing recorded, the next compaction merges it."""
    out = tmp_path / "articles"
    total = make_dataset(out, partitions=1, files=3, rows=2)
    victim = parquet_files(out)[0]
    rows = pq.read_table(victim).to_pylist()

    def rewrite(new_generation: str) -> None:
        write_parquet(str(victim), FILE_SCHEMA, rows)  # same name, a new file (temporary + rename)

    report = compaction.compact(str(out), target_mb=1, before_swap=rewrite)
    assert report.partitions == [] and len(parquet_files(out)) == 3
    assert _count_duckdb(out) == (total, total)
    assert not list((out / manifest.COMPACTIONS_DIR).glob("*.json"))
    assert not [p for p in out.rglob(".*") if p.name != ".lock"]
    assert len(compaction.compact(str(out), target_mb=1).partitions) == 1
    assert _count_duckdb(out) == (total, total) and len(parquet_files(out)) == 1
