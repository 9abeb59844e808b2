"""The columns several of newsbeam's tables share, defined once, and how a table carries its schema version.

A column that means the same in two tables (the run that wrote a row, the input it came from, the settings and
the newsbeam version it was made under) is one `pa.field` here, so the tables cannot drift apart.
"""

from __future__ import annotations

import pyarrow as pa

from schemas.article import SCHEMA_VERSION_KEY

UTC_US = pa.timestamp("us", tz="UTC")

RUN_ID = pa.field("run_id", pa.string(), nullable=False)  # the run (or stream window) that wrote the row
SOURCE = pa.field("source", pa.string(), nullable=False)  # the input: a file (`#L<n>` for a line of one) or a URL
INPUT_HASH = pa.field("input_hash", pa.string(), nullable=False)  # `transforms.unchanged.input_hash` of it
# `transforms.unchanged.settings_key` of the run that made the row: the row holds under those settings only
# (null in parts written before it was kept: under none).
SETTINGS = pa.field("settings", pa.string())
VERSION = pa.field("version", pa.string())  # newsbeam's


def versioned_schema(version: str, *fields: pa.Field) -> pa.Schema:
    """A table's columns with its schema `version` in the file metadata (`newsbeam.schema_version`), which
    readers check."""
    return pa.schema(fields, metadata={SCHEMA_VERSION_KEY: version.encode()})
