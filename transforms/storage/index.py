"""The article index `_state/article_index/`: one row per article revision written (ids, revision, content
hash, story, near-duplicate signature, salient terms, and the settings it was made under; `INDEX_SCHEMA`).

Reading and writing its rows, wherever the output is (Beam's file layer; the local filesystem directly only
to tell a listing of the article files that a compaction exchanged, `article_files`). Part files are named
`part-<run_id>-<shard>.parquet`; rows of a run that wrote articles but crashed before its index part are
rebuilt from its article files (`rebuild_rows`). Part files of an earlier schema version still read: the
columns they lack are null (`schemas.unchanged.fill_missing`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import logging
import os
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

import pyarrow as pa
from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.filesystems import FileSystems

from schemas.article import ARTICLES_GLOB
from schemas.state import INDEX_SCHEMA, INDEX_TABLE
from transforms.storage import tables
from transforms.storage.parquet import read_parquet
from transforms.text import minhash, stories

logger = logging.getLogger(__name__)

# part-<run_id>-<shard>.parquet; run ids contain dashes, shards do not.
_PART = re.compile(r"part-(?P<run>.+)-(?P<shard>[^-/]+)\.parquet$")
_DATE_DIR = re.compile(r"date=(\d{4}-\d{2}-\d{2})")
# Listings of the article files before giving up on a dataset whose partitions are exchanged under each one.
_LISTINGS = 20

# What exact duplicates and revisions need of every earlier article (the cheap columns).
KNOWN_COLUMNS = ["article_id", "revision", "content_hash", "story_id", "settings"]
# The text and ids an index row is rebuilt from, when a run's index part is missing.
_REBUILD_COLUMNS = [
    "article_id",
    "revision",
    "content_hash",
    "story_id",
    "duplicate_of",
    "published_at",
    "date_confidence",
    "ingested_at",
    "run_id",
    "text",
    "language",
]


def article_files_pattern(output: str) -> str:
    return FileSystems.join(output, ARTICLES_GLOB)


def article_files(output: str) -> list[FileMetadata]:
    """Every article file of a dataset, as `FileSystems.match` lists them, but never a listing that straddles
    a `newsbeam compact` exchange of a partition.

    Beam lists a local directory and then reads each listed file's size, dropping a file that is gone by
    then: a listing caught by an exchange loses the partition's whole old generation, without an error. So,
    on a local dataset, the partition directories' inodes are read before and after the listing (an
    exchange gives the partition's name another directory), and the listing is repeated until none changed.
    Object stores have no compaction (it refuses them), so one listing is the answer there."""
    pattern = article_files_pattern(output)
    for _ in range(_LISTINGS):
        before = _partition_inodes(output)
        found = FileSystems.match([pattern])[0].metadata_list
        if _partition_inodes(output) == before:
            return found
    raise OSError(f"the partitions of {output} kept changing while they were listed ({_LISTINGS} listings)")


def _partition_inodes(output: str) -> dict[str, int]:
    if output.startswith("file://"):
        output = output[len("file://") :]
    if "://" in output:
        return {}
    inodes = {}
    for directory in glob.glob(os.path.join(output, os.path.dirname(ARTICLES_GLOB))):
        with contextlib.suppress(FileNotFoundError):
            inodes[directory] = os.stat(directory).st_ino
    return inodes


def run_of(path: str) -> str | None:
    """The run id in a part file's name (`part-<run_id>-<shard>.parquet`)."""
    match = _PART.search(path)
    return match.group("run") if match else None


def _schema(columns: Sequence[str] | None) -> pa.Schema:
    return INDEX_SCHEMA if columns is None else pa.schema([INDEX_SCHEMA.field(c) for c in columns])


def read_part(handle: IO[bytes], columns: Sequence[str] | None = None, filters: Any = None) -> list[dict[str, Any]]:
    """The rows of one index part file (only `columns`; only those `filters` keep), any schema version."""
    return tables.read_any_version(handle, _schema(columns), filters).to_pylist()


def read_index(output: str, columns: Sequence[str] | None = None) -> pa.Table:
    """The whole article index (for a stream window, tests and inspection; a batch graph streams it)."""
    return tables.read_table(output, INDEX_TABLE, _schema(columns))


def index_row(entry: stories.Entry, settings: str | None = None, version: str | None = None) -> dict[str, Any]:
    """The index row of an entry, made under `settings` by newsbeam `version`."""
    return {
        "article_id": entry.article_id,
        "revision": entry.revision,
        "content_hash": entry.content_hash,
        "story_id": entry.story_id,
        "duplicate_of": entry.duplicate_of,
        "date": entry.date,
        "published_at": entry.published_at,
        "date_confidence": entry.date_confidence,
        "ingested_at": entry.ingested_at,
        "minhash": entry.minhash,
        "terms": [w for w, _ in entry.terms],
        "weights": [x for _, x in entry.terms],
        "run_id": entry.run_id,
        "settings": settings,
        "version": version,
    }


def entry_from_row(row: dict[str, Any]) -> stories.Entry:
    return stories.Entry(
        article_id=row["article_id"],
        revision=row["revision"],
        content_hash=row["content_hash"],
        date=row["date"],
        published_at=row["published_at"],
        date_confidence=row["date_confidence"],
        ingested_at=row["ingested_at"],
        minhash=row["minhash"],
        terms=tuple(zip(row["terms"], row["weights"], strict=True)),
        story_id=row["story_id"],
        duplicate_of=row["duplicate_of"],
        run_id=row["run_id"],
    )


def rebuild_rows(path: str, settings: str | None = None, version: str | None = None) -> list[dict[str, Any]]:
    """Index rows for one article file of a run that has no index part (it crashed after writing). They are
    taken as made under the rebuilding run's `settings`: the usual repair is the same command again."""
    match = _DATE_DIR.search(path)
    if match is None:
        return []
    day = dt.date.fromisoformat(match.group(1))
    logger.warning("rebuilding the index rows of %s (its run left no index part)", path)
    with FileSystems.open(path) as handle:
        rows = read_parquet(handle, _REBUILD_COLUMNS).to_pylist()
    out = []
    for row in rows:
        entry = stories.Entry(
            article_id=row["article_id"],
            revision=row["revision"],
            content_hash=row["content_hash"],
            date=day,
            published_at=row["published_at"],
            date_confidence=row["date_confidence"],
            ingested_at=row["ingested_at"],
            minhash=minhash.signature(row["text"]),
            terms=stories.salient_terms(row["text"], row["language"]),
            story_id=row["story_id"],
            duplicate_of=row["duplicate_of"],
            run_id=row["run_id"],
        )
        out.append(index_row(entry, settings, version))
    return out


def runs_in_table(output: str, table: str) -> set[str]:
    """The runs (or stream windows) that wrote a part of the state table `table`."""
    metas = FileSystems.match([tables.table_glob(output, table)])[0].metadata_list
    return {run for m in metas if (run := run_of(m.path))}


def article_files_missing_from(output: str, table: str, *, merged: bool) -> list[str]:
    """The article files of runs (or stream windows) that wrote no part of the state table `table`: what a
    crash between the files and the state left unrecorded. With `merged`, also the files `newsbeam compact`
    merged, whose names say no run (so whether their runs were recorded is not known)."""
    recorded = runs_in_table(output, table)
    return [
        meta.path
        for meta in article_files(output)
        if (run := run_of(meta.path)) not in recorded and (merged or run is not None)
    ]


def unindexed_article_files(output: str) -> list[str]:
    """The article files of runs (or stream windows) that left no index part (merged files left out)."""
    return article_files_missing_from(output, INDEX_TABLE, merged=False)


def write_index(output: str, rows: Iterable[dict[str, Any]], run_id: str, shard: str) -> int:
    """Appends rows as `part-<run_id>-<shard>.parquet`; returns how many."""
    return tables.write_table(output, INDEX_TABLE, INDEX_SCHEMA, rows, run_id, shard)
