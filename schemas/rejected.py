"""The dead-letter row: an input newsbeam could not turn into an article, and why."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa

from schemas.article import SCHEMA_VERSION
from schemas.columns import RUN_ID, SOURCE, versioned_schema

# Rejected rows live in this folder of a dataset, as `part-<run_id>-<stage>.parquet`.
REJECTED_DIR = "_rejected"

# Stages that can reject an input; `stage` is always one of these.
STAGES = ("read", "fetch", "extract", "clean", "tag", "dedupe", "write")

REJECTED_SCHEMA = versioned_schema(
    SCHEMA_VERSION,
    SOURCE,
    pa.field("stage", pa.string(), nullable=False),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("detail", pa.string()),
    pa.field("url", pa.string()),
    pa.field("rejected_at", pa.timestamp("us", tz="UTC"), nullable=False),
    RUN_ID,
)


@dataclass
class Rejected:
    """One rejected input. `reason` is a short stable code (e.g. `binary-content`) to group by;
    `detail` is the human explanation (exception text, sizes, offending value)."""

    source: str
    stage: str
    reason: str
    detail: str | None
    url: str | None
    rejected_at: dt.datetime
    run_id: str

    def to_row(self) -> dict[str, Any]:
        return asdict(self)
