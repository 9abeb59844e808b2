"""The state tables that carry a dataset from one run to the next: the article index, the seen URLs and the
web sources' listings. (The tables that let a run skip unchanged local inputs are in `schemas.unchanged`.)

Each lives in `<output>/_state/<name>/` as append-only Parquet part files (`transforms.storage.tables`) and
carries its schema version (`newsbeam.schema_version` in the file's metadata).
"""

from __future__ import annotations

import pyarrow as pa

from schemas.article import ARTICLE_SCHEMA
from schemas.columns import RUN_ID, SETTINGS, UTC_US, VERSION, versioned_schema

INDEX_TABLE = "article_index"
# 2: `settings` and `version` (what the row was made under; null in version 1 parts: unknown).
INDEX_VERSION = "2"
# The article row's columns an index row repeats, as the article files have them.
_ARTICLE_COLUMNS = (
    "article_id",
    "revision",
    "content_hash",
    "story_id",
    "duplicate_of",
    "date",
    "published_at",
    "date_confidence",
    "ingested_at",
)
# One row per article revision written: what dedupe and stories compare later runs' articles with.
INDEX_SCHEMA = versioned_schema(
    INDEX_VERSION,
    *map(ARTICLE_SCHEMA.field, _ARTICLE_COLUMNS),
    pa.field("minhash", pa.binary(), nullable=False),
    pa.field("terms", pa.list_(pa.string()), nullable=False),
    pa.field("weights", pa.list_(pa.float32()), nullable=False),
    RUN_ID,
    # An exact copy is a duplicate of the row only under the same settings; under others the same article is
    # written again as its next revision.
    SETTINGS,
    VERSION,
)

SEEN_TABLE = "seen_urls"
SEEN_VERSION = "1"
# Every fetched article URL and what became of it: a later run does not fetch it again.
SEEN_SCHEMA = versioned_schema(
    SEEN_VERSION,
    pa.field("canonical_url", pa.string(), nullable=False),
    pa.field("outcome", pa.string(), nullable=False),  # written, duplicate, rejected
    RUN_ID,
    pa.field("seen_at", UTC_US, nullable=False),
)

SOURCES_TABLE = "web_sources"
SOURCES_VERSION = "1"
# A feed's or sitemap's last full response: its HTTP validators and what it listed, replayed on a 304.
SOURCES_SCHEMA = versioned_schema(
    SOURCES_VERSION,
    pa.field("url", pa.string(), nullable=False),
    pa.field("kind", pa.string(), nullable=False),
    pa.field("etag", pa.string()),
    pa.field("last_modified", pa.string()),
    pa.field("fetched_at", UTC_US, nullable=False),
    RUN_ID,
    pa.field("entries", pa.string(), nullable=False),  # JSON: {"entries": [...], "children": [...]}
)
