"""Tables that must survive between runs (seen URLs, HTTP validators, signatures, story ids, input hashes).

Each is a folder `<output>/_state/<name>/` of Parquet part files, one or more per run, append-only, read and
written through Beam's `FileSystems` (the file layer only, no pipeline code) so the same code works when the
output is `gs://…` or `s3://…`. Writes are atomic (temporary name, then rename), so a crashed run leaves no
half-written state, and readers glob only final names. Their schemas live in `schemas/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

import pyarrow as pa
from apache_beam.io.filesystems import FileSystems

from schemas.unchanged import fill_missing
from transforms.storage.parquet import read_parquet, write_parquet

STATE_DIR = "_state"


def table_dir(output: str, name: str) -> str:
    return FileSystems.join(output, STATE_DIR, name)


def table_glob(output: str, name: str) -> str:
    return FileSystems.join(table_dir(output, name), "*.parquet")


def read_any_version(handle: IO[bytes], schema: pa.Schema, filters: Any = None) -> pa.Table:
    """One part file of a state table as `schema`, whatever schema version wrote it: the columns it lacks
    are null. Only `schema`'s columns are read (and only the rows `filters` keep)."""
    return fill_missing(read_parquet(handle, schema.names, filters), schema)


def read_table(output: str, name: str, schema: pa.Schema) -> pa.Table:
    """Every row of a state table (only `schema`'s columns; empty, with `schema`, when there is none yet),
    part files of earlier schema versions included."""
    parts = []
    for meta in FileSystems.match([table_glob(output, name)])[0].metadata_list:
        with FileSystems.open(meta.path) as handle:
            parts.append(read_any_version(handle, schema))
    return pa.concat_tables(parts) if parts else schema.empty_table()


def write_table(
    output: str, name: str, schema: pa.Schema, rows: Iterable[dict[str, Any]], run_id: str, shard: str = "00000"
) -> int:
    """Append rows to a state table as `part-<run_id>-<shard>.parquet`; returns the rows written."""
    path = FileSystems.join(table_dir(output, name), f"part-{run_id}-{shard}.parquet")
    return write_parquet(path, schema, rows)
