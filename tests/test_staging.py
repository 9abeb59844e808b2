"""Staged articles: what the batch Dedupe writes aside instead of shuffling, and the sink reads back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline

from tests.beam_util import check
from tests.factories import make_article
from transforms.sink import WritePartitions, WrittenFile
from transforms.storage.staging import (
    Decision,
    StagedArticle,
    StagingWriter,
    read_staged,
    remove_staging,
    staging_dir,
)


def test_values_come_back_in_the_order_asked_from_several_files(tmp_path: Path) -> None:
    directory = staging_dir(str(tmp_path), "run1")
    refs = []
    for bundle in range(3):
        writer = StagingWriter(directory)
        refs += [writer.append({"bundle": bundle, "n": n, "text": "x" * n}) for n in range(50)]
        writer.close()
    assert len({r.path for r in refs}) == 3
    wanted = refs[::-7] + refs[:5]
    assert read_staged(wanted) == [
        {"bundle": r // 50, "n": r % 50, "text": "x" * (r % 50)} for r in [refs.index(w) for w in wanted]
    ]
    remove_staging(str(tmp_path), "run1")
    assert not Path(directory).exists()
    remove_staging(str(tmp_path), "run1")  # nothing staged: nothing to do


def test_a_writer_that_stages_nothing_creates_no_file(tmp_path: Path) -> None:
    StagingWriter(str(tmp_path / "staging")).close()
    assert not (tmp_path / "staging").exists()


def test_a_truncated_staging_file_is_an_error_not_a_short_article(tmp_path: Path) -> None:
    writer = StagingWriter(str(tmp_path))
    ref = writer.append("some article text" * 10)
    writer.close()
    Path(ref.path).write_bytes(Path(ref.path).read_bytes()[:-3])
    with pytest.raises(OSError, match="ends before"):
        read_staged([ref])


def test_the_sink_writes_staged_articles_with_their_decisions(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    writer = StagingWriter(staging_dir(out, "run1"))
    day = dt.date(2025, 12, 20)
    staged = []
    for i in range(5):
        article = make_article(f"staged article number {i}", topic="sport", day=day)
        decision = Decision(revision=i + 1, duplicate_of="a-0" if i else None, story_id=f"s-{i % 2}")
        staged.append(StagedArticle(writer.append(article), day, "sport", article.source, decision))
    writer.close()

    with TestPipeline() as p:
        written = p | beam.Create(staged) | WritePartitions(out, run_id="run1")
        check(written, _one_file_of(5), "Written")

    (path,) = Path(out).rglob("*.parquet")
    rows = sorted(pq.read_table(path).to_pylist(), key=lambda r: r["revision"])
    assert [r["revision"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["duplicate_of"] for r in rows] == [None, "a-0", "a-0", "a-0", "a-0"]
    assert [r["story_id"] for r in rows] == ["s-0", "s-1", "s-0", "s-1", "s-0"]
    assert [r["text"] for r in rows] == [f"staged article number {i}" for i in range(5)]


def _one_file_of(rows: int) -> Callable[[list[WrittenFile]], None]:
    def checker(files: list[WrittenFile]) -> None:
        assert [f.rows for f in files] == [rows]

    return checker


def test_a_failed_write_does_not_shift_the_values_after_it(tmp_path: Path) -> None:
    """A write that fails half-way (a full disk, say) leaves bytes behind; the next value goes to a new file,
    so every ref handed out still points at its own value."""
    writer = StagingWriter(str(tmp_path))
    first = writer.append("first")
    handle = writer._handle
    assert handle is not None
    real_write = handle.write

    def half_then_fail(data: bytes) -> int:
        real_write(data[: len(data) // 2])
        raise OSError("No space left on device")

    handle.write = half_then_fail  # type: ignore[method-assign]
    with pytest.raises(OSError, match="No space"):
        writer.append("second, lost")
    third = writer.append("third")
    writer.close()
    assert third.path != first.path
    assert read_staged([first, third]) == ["first", "third"]
