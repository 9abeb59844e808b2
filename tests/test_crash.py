"""Crash safety: SIGKILL a run in its write phase, run again, and compare with a clean run of the same input.

The killed run is a real `newsbeam run` subprocess in its own process group; the test polls the output
until the first article file has been renamed into place and kills the whole group at once, so some
partitions are written and the rest (and the index, the state, the manifest) are not.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.job import remove_stale_temporaries
from pipeline.query import connect
from tests.bad_inputs import ROOT, newsbeam, shared, summary

pytestmark = pytest.mark.timeout(400)

BBC = Path(__file__).resolve().parents[2] / "shared" / "data" / "topics" / "bbc-news" / "bbc_news.jsonl"
REFERENCE = "2026-11-21"
N_ARTICLES = 240


def _input(tmp: Path) -> Path:
    """BBC articles spread over 40 days, so the run writes many partitions (date × topic)."""
    lines = shared(BBC).read_text(encoding="utf-8").splitlines()
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    day0 = dt.date(2026, 9, 1)
    for line in lines:
        record = json.loads(line)
        if record["text"] in seen:  # the corpus has exact duplicates; keep the expectation simple
            continue
        seen.add(record["text"])
        i = len(rows)
        rows.append(
            {
                "url": f"https://news.example/{record['id']}",
                "title": record["title"],
                "text": record["text"],
                "published": f"{day0 + dt.timedelta(days=i % 40)}T09:00:00+00:00",
            }
        )
        if len(rows) == N_ARTICLES:
            break
    path = tmp / "articles.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _article_files(out: Path) -> list[Path]:
    return list(out.glob("date=*/topic=*/part-*.parquet"))


def _run_killed_in_write_phase(source: Path, out: Path) -> str:
    """Start a run, SIGKILL its process group as soon as the first article file is in place; its run id."""
    run_id = "killed-run"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["run", "--input", str(source), "--output", str(out), "--reference-date", REFERENCE, "--run-id", run_id]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    try:
        while not _article_files(out):
            assert proc.poll() is None, "the run finished before it wrote a file: nothing to kill"
            assert time.monotonic() < deadline, "the run wrote no article file in 240 s"
            time.sleep(0.005)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return run_id


def _rows(out: Path) -> list[tuple[str, str, int]]:
    con = connect(str(out))
    return con.execute("SELECT article_id, content_hash, revision FROM articles ORDER BY ALL").fetchall()


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("crash")
    source = _input(tmp)
    clean_out, out = tmp / "clean", tmp / "crashed"
    clean = newsbeam("run", "--input", str(source), "--output", str(clean_out), "--reference-date", REFERENCE)
    assert clean.returncode == 0, clean.stderr[-3000:]
    killed = _run_killed_in_write_phase(source, out)
    left = {
        "files": len(_article_files(out)),
        "temporaries": len(list(out.rglob("*.inprogress"))),
        "manifest": (out / "_runs" / f"{killed}.json").exists(),
    }
    again = newsbeam("run", "--input", str(source), "--output", str(out), "--reference-date", REFERENCE)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    return {"clean": clean, "clean_out": clean_out, "out": out, "left": left, "again": again}


def test_kill_landed_in_the_write_phase(crashed: dict[str, object]) -> None:
    """The kill left some article files of the run in place and no manifest: a partial write to recover from."""
    left = crashed["left"]
    assert isinstance(left, dict)
    assert left["files"] >= 1
    assert not left["manifest"]
    clean_files = len(_article_files(crashed["clean_out"]))  # type: ignore[arg-type]
    assert left["files"] < clean_files, "the kill came after every partition was written"


def test_rerun_after_kill_has_every_article_once(crashed: dict[str, object]) -> None:
    clean_out, out = crashed["clean_out"], crashed["out"]
    assert isinstance(clean_out, Path) and isinstance(out, Path)
    clean_rows, rows = _rows(clean_out), _rows(out)
    assert len(clean_rows) == N_ARTICLES
    # No article missing, none twice (by id and by content), same revisions as a clean run.
    assert sorted(rows) == sorted(clean_rows)
    assert len({r[0] for r in rows}) == len(rows)
    assert len({r[1] for r in rows}) == len(rows)


def test_rerun_accounts_for_the_killed_runs_articles(crashed: dict[str, object]) -> None:
    """The re-run writes what the killed run did not and counts the rest as duplicates of it: balanced."""
    counts = summary(str(getattr(crashed["again"], "stdout", "")))
    left = crashed["left"]
    assert isinstance(left, dict)
    assert counts["read"] == N_ARTICLES
    assert counts["written"] + counts["duplicates"] == N_ARTICLES
    assert counts["duplicates"] >= 1  # the killed run's articles were recognised, not written again


def test_no_partial_or_corrupt_file_is_visible(crashed: dict[str, object]) -> None:
    """Every file DuckDB's glob sees is complete; no temporary survives the re-run (it cleans up stale ones)."""
    out = crashed["out"]
    assert isinstance(out, Path)
    con = duckdb.connect()
    for path in out.rglob("*.parquet"):
        found = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()
        assert found is not None and found[0] >= 0
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
