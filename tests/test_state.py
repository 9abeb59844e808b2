"""State tables: rows written by one run are read back by the next, in and out of the pipeline."""

from __future__ import annotations

from pathlib import Path

import apache_beam as beam
import pyarrow as pa
from apache_beam.testing.test_pipeline import TestPipeline

from tests.beam_util import check
from transforms.state import ReadStateRows, WriteStateRows, WriteStateTables
from transforms.storage.tables import read_table, write_table

SCHEMA = pa.schema([pa.field("url", pa.string(), nullable=False), pa.field("etag", pa.string())])


def test_tables_append_per_run_and_read_back(tmp_path: Path) -> None:
    out = str(tmp_path)
    assert read_table(out, "validators", SCHEMA).num_rows == 0
    write_table(out, "validators", SCHEMA, [{"url": "a", "etag": "1"}], run_id="r1")
    write_table(out, "validators", SCHEMA, [{"url": "b", "etag": None}], run_id="r2")
    table = read_table(out, "validators", SCHEMA)
    assert sorted(table.column("url").to_pylist()) == ["a", "b"]
    assert not list((tmp_path / "_state" / "validators").glob(".*")), "temporary files left behind"


def test_pipeline_rows_round_trip(tmp_path: Path) -> None:
    out = str(tmp_path)
    with TestPipeline() as p:
        counts = (
            p
            | beam.Create([{"url": f"u{i}", "etag": None} for i in range(5)])
            | WriteStateRows(out, "seen", SCHEMA, run_id="r1")
        )
        check(counts, lambda xs: _eq(xs, [5]), "Count")
    with TestPipeline() as p:
        rows = p | ReadStateRows(out, "seen", ["url"])
        check(rows, lambda xs: _eq(sorted(r["url"] for r in xs), [f"u{i}" for i in range(5)]), "Rows")
    with TestPipeline() as p:
        rows = p | ReadStateRows(out, "missing", ["url"])
        check(rows, lambda xs: _eq(xs, []), "Empty")


def test_state_tables_written_from_one_group_of_named_rows(tmp_path: Path) -> None:
    """One part file per listed table that has rows, a count for each of those; a table with no rows gets
    neither, and rows named for a table not listed are left alone."""
    out = str(tmp_path)
    other = pa.schema([pa.field("hash", pa.string(), nullable=False)])
    named = [("seen", {"url": "a", "etag": "1"}), ("hashes", {"hash": "h1"}), ("seen", {"url": "b", "etag": None})]
    named.append(("file", {"anything": 1}))
    with TestPipeline() as p:
        counts = (
            p
            | beam.Create([named])
            | WriteStateTables(out, {"seen": SCHEMA, "hashes": other, "empty": SCHEMA}, run_id="r1")
        )
        check(counts, lambda xs: _eq(sorted(xs), [("hashes", 1), ("seen", 2)]), "Counts")
    assert sorted(read_table(out, "seen", SCHEMA).column("url").to_pylist()) == ["a", "b"]
    assert read_table(out, "hashes", other).column("hash").to_pylist() == ["h1"]
    assert sorted(p.name for p in (tmp_path / "_state").iterdir()) == ["hashes", "seen"]
    assert [p.name for p in (tmp_path / "_state" / "seen").iterdir()] == ["part-r1-00000.parquet"]


def _eq(a: object, b: object) -> None:
    assert a == b
