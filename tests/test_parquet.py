"""write_parquet: a file of one short batch is written without dictionary pages, a longer one with them; the
rows, schema and statistics read back are the same either way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from schemas.article import FILE_SCHEMA
from tests.factories import make_article
from transforms.storage import parquet
from transforms.storage.parquet import NO_STATISTICS, write_parquet, writer_options


def _rows(n: int) -> list[dict[str, Any]]:
    return [make_article(f"article number {i} about the harbour budget", topic="politics").to_row() for i in range(n)]


def _dictionary_columns(path: Path) -> set[str]:
    meta = pq.read_metadata(path)
    return {
        meta.row_group(g).column(c).path_in_schema
        for g in range(meta.num_row_groups)
        for c in range(meta.num_columns)
        if meta.row_group(g).column(c).has_dictionary_page
    }


def _statistics(path: Path) -> dict[str, tuple[Any, Any] | None]:
    meta = pq.read_metadata(path)
    out: dict[str, tuple[Any, Any] | None] = {}
    for c in range(meta.num_columns):
        column = meta.row_group(0).column(c)
        stats = column.statistics
        out[column.path_in_schema] = (stats.min, stats.max) if stats is not None and stats.has_min_max else None
    return out


def test_a_file_of_one_short_batch_has_no_dictionary_pages_and_the_same_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquet, "ROWS_PER_BATCH", 4)
    rows = _rows(3)
    short, plain = tmp_path / "short.parquet", tmp_path / "plain.parquet"
    assert write_parquet(str(short), FILE_SCHEMA, iter(rows)) == 3
    with pq.ParquetWriter(plain, FILE_SCHEMA, **writer_options(FILE_SCHEMA)) as writer:  # dictionary pages
        writer.write_table(pq.read_table(short))
    assert not _dictionary_columns(short) and _dictionary_columns(plain)
    assert pq.read_table(short).equals(pq.read_table(plain))
    assert pq.read_table(short).to_pylist() == pq.read_table(plain).to_pylist()
    assert pq.read_schema(short).equals(pq.read_schema(plain), check_metadata=True)
    assert _statistics(short) == _statistics(plain)
    # the text keeps no statistics, ids and dates do
    stats = _statistics(short)
    assert all(stats[name] is None for name in stats if name.split(".")[0] in NO_STATISTICS)
    assert stats["article_id"] is not None


def test_a_file_of_several_batches_keeps_its_dictionary_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet, "ROWS_PER_BATCH", 4)
    path = tmp_path / "long.parquet"
    assert write_parquet(str(path), FILE_SCHEMA, iter(_rows(9))) == 9
    assert "source" in _dictionary_columns(path)
    assert pq.read_table(path).num_rows == 9 and pq.read_metadata(path).num_row_groups == 3


def test_an_empty_file_has_a_schema_and_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    assert write_parquet(str(path), FILE_SCHEMA, iter([])) == 0
    assert pq.read_table(path).num_rows == 0 and pq.read_metadata(path).num_row_groups == 0
    assert pq.read_schema(path).equals(FILE_SCHEMA)


def test_writer_options_are_built_once_per_schema() -> None:
    first, again = writer_options(FILE_SCHEMA), writer_options(FILE_SCHEMA)
    assert first == again and first["write_statistics"] is not again["write_statistics"]  # each caller its own
    assert not any(column.split(".")[0] in NO_STATISTICS for column in first["write_statistics"])
    assert "use_dictionary" not in first and writer_options(FILE_SCHEMA, dictionary=False)["use_dictionary"] is False
