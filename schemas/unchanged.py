"""The state tables that let a run skip local inputs whose outcome an earlier run settled (`transforms.unchanged`).

Each lives in `<output>/_state/<name>/` as Parquet part files, one per run, and carries its own schema version
(`newsbeam.schema_version` in the file's metadata). A later version only adds nullable columns, so part files
of an earlier version still read: the missing columns are null (`fill_missing`).

Every record says what it was made under: `settings` (`transforms.unchanged.settings_key`: newsbeam's version
and the settings that shape an article) and `version` (newsbeam's). A record holds only for a run with the same
`settings`; a record without them (written before they were kept) holds for none, so such inputs are processed
again once.
"""

from __future__ import annotations

import functools
from importlib import metadata

import pyarrow as pa

from schemas.columns import INPUT_HASH, SETTINGS, SOURCE, VERSION, versioned_schema


@functools.cache
def package_version(package: str = "newsbeam") -> str:
    """An installed package's version ("unknown" when it is not installed)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def newsbeam_version() -> str:
    """The installed newsbeam's version, stamped on every record of what a run did."""
    return package_version("newsbeam")


INPUT_HASHES = "input_hashes"
# 2: `settings` and `version` (version 1 rows held under any settings).
INPUT_HASHES_VERSION = "2"
# The hash of an input that became an article (written, or a duplicate of one kept) under `settings`.
INPUT_HASHES_SCHEMA = versioned_schema(INPUT_HASHES_VERSION, INPUT_HASH, SOURCE, SETTINGS, VERSION)

FILE_FINGERPRINTS = "file_fingerprints"
# 2: `rejects` and `settings` (a file that held settled rejected inputs; version 1 files held none).
# 3: `settings` on every row (not only those with rejects) and `version`.
FILE_FINGERPRINTS_VERSION = "3"
# A file whose every input settled: not read again while its path, size and modification time are these.
FILE_FINGERPRINTS_SCHEMA = versioned_schema(
    FILE_FINGERPRINTS_VERSION,
    pa.field("path", pa.string(), nullable=False),
    pa.field("size", pa.int64(), nullable=False),
    pa.field("mtime", pa.float64(), nullable=False),
    pa.field("inputs", pa.int64(), nullable=False),  # how many inputs the file held (JSONL records)
    pa.field("rejects", pa.int64()),  # how many of them were rejected for a settled reason (null: none)
    SETTINGS,
    VERSION,
)

SETTLED_REJECTS = "settled_rejects"
# 2: `version`.
SETTLED_REJECTS_VERSION = "2"
# The hash of an input rejected for a reason the same settings would give again (no main text, too short...).
SETTLED_REJECTS_SCHEMA = versioned_schema(
    SETTLED_REJECTS_VERSION,
    INPUT_HASH,
    SOURCE,
    pa.field("reason", pa.string(), nullable=False),  # `<stage>/<reason>` of the rejected row(s)
    SETTINGS.with_nullable(False),  # a settled reject holds under its run's settings, never under none
    VERSION,
)


def fill_missing(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` (one part file, any earlier version) as `schema`: nullable columns it lacks become nulls."""
    for field in schema:
        if field.name not in table.column_names:
            if not field.nullable:
                raise ValueError(f"a state table part lacks the column {field.name!r}, which cannot be null")
            table = table.append_column(field, pa.nulls(table.num_rows, field.type))
    return table.select(schema.names).cast(schema)
