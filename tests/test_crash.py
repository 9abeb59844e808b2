"""Crash safety: SIGKILL a run in its write phase, run again, and compare with a clean run of the same input.

The killed run is a real `newsbeam run` subprocess in its own process group that kills the whole group
right after its first article file has been renamed into place (tests/support.py plants the crash), so
some partitions are written and the rest (and the index, the state, the manifest) are not.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.job import remove_stale_temporaries
from tests.support import (
    CRASH_ARTICLES,
    REFERENCE,
    article_files,
    article_rows,
    bbc_articles_jsonl,
    newsbeam,
    run_killed_in_write_phase,
    summary_counts,
)

pytestmark = pytest.mark.timeout(400)


def _end_to_end(test: Callable[..., None]) -> Callable[..., None]:
    """The crash tests start newsbeam processes on BBC articles from the shared data."""
    return pytest.mark.e2e(pytest.mark.data(test))


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("crash")
    source = bbc_articles_jsonl(tmp)
    clean_out, out = tmp / "clean", tmp / "crashed"
    clean = newsbeam("run", "--input", str(source), "--output", str(clean_out), "--reference-date", REFERENCE)
    assert clean.returncode == 0, clean.stderr[-3000:]
    killed = run_killed_in_write_phase(source, out)
    left = {
        "files": len(article_files(out)),
        "temporaries": len(list(out.rglob("*.inprogress"))),
        "manifest": (out / "_runs" / f"{killed}.json").exists(),
    }
    again = newsbeam("run", "--input", str(source), "--output", str(out), "--reference-date", REFERENCE)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    return {"clean": clean, "clean_out": clean_out, "out": out, "left": left, "again": again}


@_end_to_end
def test_kill_landed_in_the_write_phase(crashed: dict[str, object]) -> None:
    """The kill left some article files of the run in place and no manifest: a partial write to recover from."""
    left = crashed["left"]
    assert isinstance(left, dict)
    assert left["files"] >= 1
    assert not left["manifest"]
    clean_files = len(article_files(crashed["clean_out"]))  # type: ignore[arg-type]
    assert left["files"] < clean_files, "the kill came after every partition was written"


@_end_to_end
def test_rerun_after_kill_has_every_article_once(crashed: dict[str, object]) -> None:
    clean_out, out = crashed["clean_out"], crashed["out"]
    assert isinstance(clean_out, Path) and isinstance(out, Path)
    clean_rows, rows = article_rows(clean_out), article_rows(out)
    assert len(clean_rows) == CRASH_ARTICLES
    # No article missing, none twice (by id and by content), same revisions as a clean run.
    assert sorted(rows) == sorted(clean_rows)
    assert len({r[0] for r in rows}) == len(rows)
    assert len({r[1] for r in rows}) == len(rows)


@_end_to_end
def test_rerun_accounts_for_the_killed_runs_articles(crashed: dict[str, object]) -> None:
    """The re-run writes what the killed run did not and counts the rest as duplicates of it: balanced."""
    counts = summary_counts(str(getattr(crashed["again"], "stdout", "")), verified=True)
    left = crashed["left"]
    assert isinstance(left, dict)
    assert counts["read"] == CRASH_ARTICLES
    assert counts["written"] + counts["duplicates"] == CRASH_ARTICLES
    assert counts["duplicates"] >= 1  # the killed run's articles were recognised, not written again


@_end_to_end
def test_no_partial_or_corrupt_file_is_visible(crashed: dict[str, object]) -> None:
    """Every Parquet file a reader's glob sees reads whole (every page, not only the footer) with as many rows
    as its footer says, article files are never empty, and no temporary survives the re-run (it cleans up
    stale ones)."""
    out = crashed["out"]
    assert isinstance(out, Path)
    files = list(out.rglob("*.parquet"))
    assert files
    for path in files:
        table = pq.read_table(path)
        assert table.num_rows == pq.ParquetFile(path).metadata.num_rows, path
    con = duckdb.connect()
    for path in article_files(out):
        found = con.execute("SELECT count(*) FROM (SELECT * FROM read_parquet(?))", [str(path)]).fetchone()
        assert found is not None and found[0] > 0, path
    assert list(out.rglob("*.inprogress")) == []


def test_stale_temporaries_removed_only_when_no_writer(tmp_path: Path) -> None:
    """Temporaries and staged articles of a dead run are removed; while another writer holds the dataset lock
    they are kept."""
    import fcntl

    stale = tmp_path / "date=2026-01-01" / "topic=politics" / ".part-dead-00000.parquet.inprogress"
    state = tmp_path / "_state" / "article_index" / ".part-dead-00000.parquet.inprogress"
    staged = tmp_path / "_state" / "staging" / "dead" / "0123abcd.pickles"  # articles between tag and write
    for path in (stale, state, staged):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"PAR1 half a file")
    keep = tmp_path / "date=2026-01-01" / "topic=politics" / "part-live-00000.parquet"
    keep.write_bytes(b"not touched")
    lock = tmp_path / "_compactions" / ".lock"
    lock.parent.mkdir()
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)  # a run writing right now
        assert remove_stale_temporaries(str(tmp_path)) == 0
        assert stale.exists() and state.exists() and staged.exists()
        fcntl.flock(handle, fcntl.LOCK_UN)
    assert remove_stale_temporaries(str(tmp_path)) == 3
    assert not stale.exists() and not state.exists() and not staged.parent.exists() and keep.exists()
