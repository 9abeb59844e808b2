"""WritePartitions / WriteRejected: hive layout, atomic names, schema version, DuckDB-readable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import apache_beam as beam
import duckdb
import pyarrow.parquet as pq
from apache_beam.testing.test_pipeline import TestPipeline

from schemas.article import SCHEMA_VERSION
from schemas.rejected import Rejected
from tests.beam_util import check
from tests.factories import NOW, make_article
from transforms.sink import WritePartitions, WriteRejected
from transforms.storage.parquet import partition_dir, partition_value, write_parquet


def test_articles_land_in_their_partitions(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    articles = [
        make_article(f"article number {i}", topic="politics" if i % 2 else "sport", day=dt.date(2025, 12, 20 + i % 2))
        for i in range(7)
    ]

    def check_written(files: list) -> None:
        assert sum(f.rows for f in files) == 7
        assert {(f.date, f.topic) for f in files} == {("2025-12-21", "politics"), ("2025-12-20", "sport")}

    with TestPipeline() as p:
        written = p | beam.Create(articles) | WritePartitions(out, run_id="run1", rows_per_file=3)
        check(written, check_written, "Written")

    files = sorted(Path(out).rglob("*.parquet"))
    # 4 sport rows at 3 per file -> 2 files; 3 politics rows -> 1 file.
    assert [str(f.relative_to(out)) for f in files] == [
        "date=2025-12-20/topic=sport/part-run1-00000.parquet",
        "date=2025-12-20/topic=sport/part-run1-00001.parquet",
        "date=2025-12-21/topic=politics/part-run1-00000.parquet",
    ]
    assert not [p for p in Path(out).rglob("*") if p.name.startswith(".")], "temporary files left behind"
    meta = pq.ParquetFile(files[0]).schema_arrow.metadata
    assert meta[b"newsbeam.schema_version"] == SCHEMA_VERSION.encode()
    assert pq.ParquetFile(files[0]).metadata.row_group(0).column(0).compression == "ZSTD"
    rows = duckdb.sql(
        f"SELECT date, topic, count(*) FROM read_parquet('{out}/date=*/topic=*/*.parquet', hive_partitioning=true)"
        " GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert rows == [(dt.date(2025, 12, 20), "sport", 4), (dt.date(2025, 12, 21), "politics", 3)]


def test_rejected_rows_are_written_per_stage(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    rejected = [Rejected(f"f{i}", "read" if i else "extract", "empty", None, None, NOW, "run1") for i in range(3)]
    with TestPipeline() as p:
        written = p | beam.Create(rejected) | WriteRejected(out, run_id="run1")
        check(written, lambda files: _eq(sorted(f.rows for f in files), [1, 2]), "Written")
    got = duckdb.sql(f"SELECT stage, count(*) FROM '{out}/_rejected/*.parquet' GROUP BY ALL ORDER BY ALL").fetchall()
    assert got == [("extract", 1), ("read", 2)]


def _eq(a: object, b: object) -> None:
    assert a == b


def test_partition_values_cannot_escape_the_output(tmp_path: Path) -> None:
    for hostile in ("../../etc", "a/b", "..", "", "UPPER Case", "x\x00y"):
        value = partition_value(hostile)
        assert "/" not in value and ".." not in value and value
        path = Path(partition_dir(str(tmp_path), "2025-01-01", hostile)).resolve()
        assert path.parent.parent == tmp_path.resolve()


def test_a_rewrite_replaces_the_file(tmp_path: Path) -> None:
    from schemas.rejected import REJECTED_SCHEMA

    path = str(tmp_path / "x.parquet")
    row = Rejected("s", "read", "empty", None, None, NOW, "r").to_row()
    assert write_parquet(path, REJECTED_SCHEMA, [row] * 3) == 3
    assert write_parquet(path, REJECTED_SCHEMA, [row]) == 1
    assert pq.ParquetFile(path).metadata.num_rows == 1
    assert write_parquet(str(tmp_path / "empty.parquet"), REJECTED_SCHEMA, []) == 0


def test_readers_never_glob_a_file_in_progress(tmp_path: Path, monkeypatch) -> None:
    """While a file is being written it exists only under a hidden temporary name that neither the
    DuckDB glob nor the dedupe stage's glob matches; the final name appears in one rename."""
    import fnmatch

    from apache_beam.io.filesystems import FileSystems

    from schemas.article import ARTICLES_GLOB
    from schemas.rejected import REJECTED_SCHEMA
    from transforms.storage import parquet

    seen_during_write: list[list[str]] = []
    real_rename = FileSystems.rename

    def spying_rename(sources: list[str], destinations: list[str]) -> None:
        seen_during_write.append(sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()))
        real_rename(sources, destinations)

    monkeypatch.setattr(parquet.FileSystems, "rename", spying_rename)
    final = tmp_path / "date=2025-01-01" / "topic=politics" / "part-r-00000.parquet"
    row = Rejected("s", "read", "empty", None, None, NOW, "r").to_row()
    parquet.write_parquet(str(final), REJECTED_SCHEMA, [row])
    (before_rename,) = seen_during_write
    assert before_rename == ["date=2025-01-01/topic=politics/.part-r-00000.parquet.inprogress"]
    assert not any(fnmatch.fnmatch(p, ARTICLES_GLOB) for p in before_rename)
    assert fnmatch.fnmatch(str(final.relative_to(tmp_path)), ARTICLES_GLOB)


def test_footers_keep_statistics_a_filter_can_use_and_drop_the_texts(tmp_path: Path) -> None:
    from schemas.article import FILE_SCHEMA

    path = tmp_path / "articles.parquet"
    rows = [make_article(f"Body {i} " * 200, url=f"https://example.com/{i}").to_row() for i in range(3)]
    write_parquet(str(path), FILE_SCHEMA, [{k: v for k, v in r.items() if k in FILE_SCHEMA.names} for r in rows])
    metadata = pq.ParquetFile(path).metadata
    group = metadata.row_group(0)
    with_stats = {group.column(i).path_in_schema for i in range(metadata.num_columns) if group.column(i).is_stats_set}
    leaves = {group.column(i).path_in_schema for i in range(metadata.num_columns)}
    assert leaves - with_stats == {"text"}
    assert {"run_id", "published_at", "topics.list.element.label", "entities.list.element.text"} <= with_stats
    # A footer no longer carries the article text: it stays small however long the articles are.
    assert metadata.serialized_size < 6_000
    assert b"Body 2 Body 2" not in path.read_bytes()[-metadata.serialized_size - 8 :]
