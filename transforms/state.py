"""Tables that must survive between runs (seen URLs, HTTP validators, signatures, story ids).

Each is a folder `<output>/_state/<name>/` of Parquet part files, one or more per run, append-only,
read and written through Beam's `FileSystems` so the same code works when the output is `gs://…` or
`s3://…`. Writers use the sink's atomic write (temporary name, then rename), so a crashed run leaves no
half-written state, and readers glob only final names.

Two ways in: `read_table` loads a small table whole (HTTP validators, read once by the launcher);
`ReadStateRows` streams a large one inside the pipeline, so no single process holds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
import pyarrow as pa
from apache_beam.io import fileio
from apache_beam.transforms.window import IntervalWindow

from transforms._stage import Stage
from transforms.storage.parquet import read_parquet
from transforms.storage.tables import table_glob, write_table


class _ReadRowsFn(beam.DoFn):
    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)

    def process(self, readable: fileio.ReadableFile) -> Iterator[dict[str, Any]]:
        with readable.open() as handle:
            table = read_parquet(handle, self.columns)
        yield from table.to_pylist()


class ReadStateRows(beam.PTransform):
    """The rows of state table `name` (only `columns`) as dicts; nothing when the table does not exist."""

    def __init__(self, output: str, name: str, columns: Sequence[str]) -> None:
        super().__init__()
        self.pattern = table_glob(output, name)
        self.columns = list(columns)

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return (
            pbegin
            | "Pattern" >> beam.Create([self.pattern])
            | "Match" >> fileio.MatchAll(fileio.EmptyMatchTreatment.ALLOW)
            | "Open" >> fileio.ReadMatches()
            | "ReadRows" >> beam.ParDo(_ReadRowsFn(self.columns))
        )


class _WriteRowsFn(beam.DoFn):
    def __init__(self, output: str, name: str, schema: pa.Schema, run_id: str) -> None:
        self.output = output
        self.name = name
        self.schema = schema
        self.run_id = run_id

    def process(
        self, element: tuple[int, Iterable[dict[str, Any]]], window: Any = beam.DoFn.WindowParam
    ) -> Iterator[int]:
        _, rows = element
        yield write_table(self.output, self.name, self.schema, rows, window_run_id(self.run_id, window))


@dataclass(eq=False, repr=False)
class WriteStateRows(Stage):
    """Append a PCollection of dicts to state table `name` as one part file for this run (for each window of
    a stream, named by the window's run id); emits its row count (0 rows write no file)."""

    output: str
    name: str
    schema: pa.Schema
    run_id: str

    def expand(self, rows: beam.PCollection) -> beam.PCollection:
        return (
            rows
            | "OneFile" >> beam.Map(lambda row: (0, row))
            | "Group" >> beam.GroupByKey()
            | "Write" >> beam.ParDo(_WriteRowsFn(self.output, self.name, self.schema, self.run_id))
        )


class _WriteTablesFn(beam.DoFn):
    def __init__(self, output: str, tables: dict[str, pa.Schema], run_id: str) -> None:
        self.output = output
        self.tables = tables
        self.run_id = run_id

    def process(
        self, element: Iterable[tuple[str, dict[str, Any]]], window: Any = beam.DoFn.WindowParam
    ) -> Iterator[tuple[str, int]]:
        rows: dict[str, list[dict[str, Any]]] = {}
        for name, row in element:
            if name in self.tables:
                rows.setdefault(name, []).append(row)
        run_id = window_run_id(self.run_id, window)
        for name, schema in self.tables.items():
            if name in rows:
                yield name, write_table(self.output, name, schema, rows[name], run_id)


@dataclass(eq=False, repr=False)
class WriteStateTables(Stage):
    """Each element, an iterable of `(table name, row)` (all the rows of a run or of a stream window, as
    `AfterFiles(..., together=True)` releases them) → one part file per table named in `tables`
    (name → schema) that has rows, and `(name, rows written)` for each of those. A table's rows are held
    until the element is read through; they are state rows (hashes, fingerprints), never bodies."""

    output: str
    tables: dict[str, pa.Schema]
    run_id: str

    def expand(self, groups: beam.PCollection) -> beam.PCollection:
        return groups | "Write" >> beam.ParDo(_WriteTablesFn(self.output, self.tables, self.run_id))


def window_run_id(run_id: str, window: Any) -> str:
    """The id of one window of a streaming run, `<run_id>-w<start, UTC>`: it names the window's files and is
    stamped on its rows, so each window is a run of its own to the index repair and to readers. Outside a
    bounded window (batch, global window) it is `run_id` itself."""
    if not isinstance(window, IntervalWindow):
        return run_id
    return f"{run_id}-w{window.start.to_utc_datetime():%Y%m%dT%H%M%SZ}"
