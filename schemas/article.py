"""The article row: one cleaned, tagged news article as written to Parquet.

`ARTICLE_SCHEMA` is the contract a reader sees through DuckDB with hive partitioning: the file columns
plus `date` and `topic`, which live in the directory names (`date=YYYY-MM-DD/topic=<slug>/`) and are
therefore left out of the files themselves (`FILE_SCHEMA`), as hive layouts expect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

# Bump on any change of columns or types; it is stored in every file's key-value metadata.
SCHEMA_VERSION = "3"
SCHEMA_VERSION_KEY = b"newsbeam.schema_version"

PARTITION_COLUMNS = ("date", "topic")
# Where article files live below a dataset folder; readers glob exactly this (temporary files never match).
ARTICLES_GLOB = "date=*/topic=*/*.parquet"

DATE_SOURCES = ("feed", "sitemap", "html", "url", "text", "story", "ingested")

_UTC_US = pa.timestamp("us", tz="UTC")
_TOPIC_SCORE = pa.struct([pa.field("label", pa.string(), nullable=False), pa.field("score", pa.float32())])
_ENTITY = pa.struct([pa.field("text", pa.string(), nullable=False), pa.field("label", pa.string(), nullable=False)])

ARTICLE_SCHEMA = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("revision", pa.int32(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("source_format", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("canonical_url", pa.string()),
        pa.field("title", pa.string()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("authors", pa.list_(pa.string()), nullable=False),
        pa.field("publisher", pa.string()),
        pa.field("language", pa.string()),
        pa.field("published_at", _UTC_US),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("date_source", pa.string(), nullable=False),
        pa.field("date_confidence", pa.float32(), nullable=False),
        pa.field("topic", pa.string(), nullable=False),
        pa.field("topics", pa.list_(_TOPIC_SCORE), nullable=False),
        pa.field("keywords", pa.list_(pa.string()), nullable=False),
        pa.field("entities", pa.list_(_ENTITY), nullable=False),
        pa.field("duplicate_of", pa.string()),
        pa.field("story_id", pa.string()),
        pa.field("ingested_at", _UTC_US, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        # What kind of page the row came from: "article", or with --keep-non-articles one of
        # transforms.text.pagekind.KINDS (product, service, forum, listing, collection, documentation, error).
        # Added in schema version 2: files of version 1 lack it (readers with union_by_name see NULL).
        pa.field("page_kind", pa.string(), nullable=False),
        # The article's last update: as its page states it (shown to its reader as "Updated …", or its
        # markup's dateModified), else as its input does (a feed entry's updated, a sitemap's lastmod, a JSONL
        # record's `updated`); never before `published_at`; NULL when nothing states one. Added in version 3.
        pa.field("updated_at", _UTC_US),
    ],
    metadata={SCHEMA_VERSION_KEY: SCHEMA_VERSION.encode()},
)

FILE_SCHEMA = pa.schema(
    [f for f in ARTICLE_SCHEMA if f.name not in PARTITION_COLUMNS],
    metadata=ARTICLE_SCHEMA.metadata,
)


@dataclass(frozen=True)
class TopicScore:
    label: str
    score: float


@dataclass(frozen=True)
class Entity:
    """A named entity in the text; `label` is PER, ORG or LOC."""

    text: str
    label: str


@dataclass
class Article:
    """One output row; field names, order and types mirror `ARTICLE_SCHEMA` (tests/test_schemas.py)."""

    article_id: str
    revision: int
    content_hash: str
    source: str
    source_format: str
    url: str | None
    canonical_url: str | None
    title: str | None
    text: str
    word_count: int
    authors: list[str]
    publisher: str | None
    language: str | None
    published_at: dt.datetime | None
    date: dt.date
    date_source: str
    date_confidence: float
    topic: str
    topics: list[TopicScore]
    keywords: list[str]
    entities: list[Entity]
    duplicate_of: str | None
    story_id: str | None
    ingested_at: dt.datetime
    run_id: str
    page_kind: str = "article"
    updated_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def to_row(self) -> dict[str, Any]:
        """A dict for `pa.Table.from_pylist`; `extra` is pipeline-internal and never written."""
        row = asdict(self)
        row.pop("extra")
        return row
