"""How newsbeam writes Parquet, in one place for the sink, the state tables and `newsbeam compact`:
atomically (a hidden temporary name, then a rename, through Beam's `FileSystems` file layer) and with
footers kept small.

Every query reads the footer of every file it opens, and a partition of a few dozen articles is a small
file, so what the footer holds is paid file by file. Min/max statistics of article text (two truncated
texts, up to 4 KB each) were half of such a footer, and no filter can use them; MinHash signatures are the
same kind of column. Those columns are written without statistics; every other leaf column keeps them, so
filters on ids, dates, scores and the rest still skip row groups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

COMPRESSION = "zstd"
NO_STATISTICS = frozenset({"text", "minhash"})


def _leaf_paths(path: str, type_: pa.DataType) -> Iterator[str]:
    """Parquet's names of the leaf columns under `path` (`topics.list.element.label`)."""
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        yield from _leaf_paths(f"{path}.list.element", type_.value_type)
    elif pa.types.is_struct(type_):
        for field in type_:
            yield from _leaf_paths(f"{path}.{field.name}", field.type)
    else:
        yield path


# Per schema object (newsbeam's schemas are module constants): hashing a schema costs as much as the walk.
_STATISTICS: dict[int, tuple[pa.Schema, tuple[str, ...]]] = {}


def _statistics_columns(schema: pa.Schema) -> tuple[str, ...]:
    """The leaf columns written with statistics (all but `NO_STATISTICS`); once per schema, not per file."""
    known = _STATISTICS.get(id(schema))
    if known is None or known[0] is not schema:
        if len(_STATISTICS) >= 64:  # schemas read from files are new objects each time: keep the cache small
            _STATISTICS.clear()
        columns = tuple(
            leaf for field in schema if field.name not in NO_STATISTICS for leaf in _leaf_paths(field.name, field.type)
        )
        known = _STATISTICS[id(schema)] = (schema, columns)
    return known[1]


def writer_options(schema: pa.Schema, dictionary: bool = True) -> dict[str, Any]:
    """Keyword arguments of `pyarrow.parquet.ParquetWriter` for files of `schema`. `dictionary` False writes
    every column plainly encoded: for a file of a few rows, dictionary pages are a set-up per column that
    repeats nothing (a quarter of the writer's CPU on a one-article file, and a larger file)."""
    options: dict[str, Any] = {"compression": COMPRESSION, "write_statistics": list(_statistics_columns(schema))}
    if not dictionary:
        options["use_dictionary"] = False
    return options


ROWS_PER_BATCH = 1_000


_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def partition_value(value: str) -> str:
    """A value that is safe as one path segment `key=value`: lower-case slug characters only, so no
    topic or date can climb out of the output folder or create extra levels."""
    slug = _UNSAFE.sub("-", value.strip().lower()).strip("-")
    return slug or "unknown"


def partition_dir(output: str, date: str, topic: str) -> str:
    return FileSystems.join(output, f"date={partition_value(date)}", f"topic={partition_value(topic)}")


def read_parquet(handle: IO[bytes], columns: Sequence[str] | None = None, filters: Any = None) -> pa.Table:
    """A Parquet file from an open file (any Beam filesystem): one read of the object, then parsed from memory,
    so Arrow's reader threads never call back into a Python file object (state files are small)."""
    data = pa.BufferReader(handle.read())
    if columns is not None:  # a part file of an earlier schema version may lack some: `fill_missing` adds them
        present = set(pq.read_schema(data).names)
        columns = [c for c in columns if c in present]
        data.seek(0)
    return pq.read_table(data, columns=columns, filters=filters)


def write_parquet(path: str, schema: pa.Schema, rows: Iterable[dict[str, Any]]) -> int:
    """Stream `rows` into a Parquet file at `path` atomically; returns the rows written.

    Rows go out in record batches, so memory holds one batch, not the file. A file of one short batch (most
    partitions: a date and topic hold a few articles) is written without dictionary pages (`writer_options`).
    """
    directory, name = FileSystems.split(path)
    temp = FileSystems.join(directory, f".{name}.inprogress")
    written = 0
    iterator = iter(rows)
    batch = list(islice(iterator, ROWS_PER_BATCH))
    options = writer_options(schema, dictionary=len(batch) == ROWS_PER_BATCH)
    with FileSystems.create(temp) as handle, pq.ParquetWriter(handle, schema, **options) as writer:
        while batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            written += len(batch)
            batch = list(islice(iterator, ROWS_PER_BATCH))
    if FileSystems.exists(path):
        FileSystems.delete([path])  # a retried bundle replaces its own earlier output
    FileSystems.rename([temp], [path])
    return written
