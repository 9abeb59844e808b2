"""WritePartitions and WriteRejected: hive-partitioned Parquet, written atomically, on any runner.

Beam's `WriteToParquet` is not used: on the Dask runner it wrote files with 0 rows and raised nothing. Here
each partition (`date=…/topic=…`) is grouped and written by one DoFn with pyarrow through Beam's
`FileSystems` (so `gs://`, `s3://` work the same), first to a hidden temporary name that no reader's glob
matches, then renamed into place. File names are deterministic per run, partition and chunk, so a bundle
retried by the runner overwrites its own output instead of duplicating it. Every write reports
`WrittenFile(path, rows)`, which the run verifies against the files' footers afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.article import FILE_SCHEMA, Article
from schemas.rejected import REJECTED_DIR, REJECTED_SCHEMA, Rejected
from transforms._stage import Stage
from transforms.state import window_run_id
from transforms.storage.packed import pack, unpack
from transforms.storage.parquet import (
    ROWS_PER_BATCH,
    partition_dir,
    partition_value,
    write_parquet,
)
from transforms.storage.staging import StagedArticle, load_staged

logger = logging.getLogger(__name__)

DEFAULT_ROWS_PER_FILE = 100_000


@dataclass(frozen=True)
class WrittenFile:
    path: str
    rows: int
    kind: str  # "articles" or "rejected"
    date: str | None = None
    topic: str | None = None


class _StampWindowFn(beam.DoFn):
    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def process(self, row: Any, window: Any = beam.DoFn.WindowParam) -> Iterator[Any]:
        stamped = window_run_id(self.run_id, window)
        yield {**row, "run_id": stamped} if isinstance(row, dict) else replace(row, run_id=stamped)


@dataclass(eq=False, repr=False)
class StampWindow(Stage):
    """Rows with a `run_id` (Articles, Rejected rows, a state table's dicts) → the same rows carrying their
    window's run id (`window_run_id`), which names the files they land in; a batch run's rows keep the run id."""

    run_id: str

    def expand(self, rows: beam.PCollection) -> beam.PCollection:
        return rows | "Stamp" >> beam.ParDo(_StampWindowFn(self.run_id))


def _chunks(items: Iterable[Any], size: int) -> Iterator[Iterator[Any]]:
    iterator = iter(items)
    for first in iterator:
        yield _chain_one(first, islice(iterator, size - 1))


def _chain_one(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _keyed(item: Article | StagedArticle) -> tuple[tuple[str, str], bytes | StagedArticle]:
    """An article's partition and what the writer needs of it: a staged article's ref and decision, or an
    in-memory article's row, packed for the shuffle (`transforms.storage.packed`)."""
    if isinstance(item, StagedArticle):
        return item.partition(), item
    return (item.date.isoformat(), item.topic), pack(item.to_row())


def _rows(items: Iterable[bytes | StagedArticle]) -> Iterator[dict[str, Any]]:
    """Rows of `_keyed` values; staged articles are read back a batch at a time, each file once."""
    iterator = iter(items)
    while batch := list(islice(iterator, ROWS_PER_BATCH)):
        loaded = iter(load_staged([x for x in batch if isinstance(x, StagedArticle)]))
        for item in batch:
            yield next(loaded).to_row() if isinstance(item, StagedArticle) else unpack(item)


class _WritePartitionFn(beam.DoFn):
    def __init__(self, output: str, run_id: str, rows_per_file: int) -> None:
        self.output = output
        self.run_id = run_id
        self.rows_per_file = rows_per_file
        self.files = Metrics.counter("write", "article_files")
        self.rows = Metrics.counter("write", "article_rows")

    def process(
        self, element: tuple[tuple[str, str], Iterable[bytes | StagedArticle]], window: Any = beam.DoFn.WindowParam
    ) -> Iterator[WrittenFile]:
        (date, topic), items = element
        directory = partition_dir(self.output, date, topic)
        run_id = window_run_id(self.run_id, window)
        for index, chunk in enumerate(_chunks(items, self.rows_per_file)):
            path = FileSystems.join(directory, f"part-{run_id}-{index:05d}.parquet")
            rows = write_parquet(path, FILE_SCHEMA, _rows(chunk))
            self.files.inc()
            self.rows.inc(rows)
            logger.debug("wrote %d rows to %s", rows, path)
            yield WrittenFile(path, rows, "articles", date, topic)


class _WriteRejectedFn(beam.DoFn):
    def __init__(self, output: str, run_id: str) -> None:
        self.output = output
        self.run_id = run_id
        self.rows = Metrics.counter("write", "rejected_rows")

    def process(
        self, element: tuple[str, Iterable[Rejected]], window: Any = beam.DoFn.WindowParam
    ) -> Iterator[WrittenFile]:
        stage, rejected = element
        name = f"part-{window_run_id(self.run_id, window)}-{partition_value(stage)}.parquet"
        path = FileSystems.join(self.output, REJECTED_DIR, name)
        rows = write_parquet(path, REJECTED_SCHEMA, (r.to_row() for r in rejected))
        self.rows.inc(rows)
        yield WrittenFile(path, rows, "rejected")


@dataclass(eq=False, repr=False)
class WritePartitions(Stage):
    """Articles or `StagedArticle`s → `<output>/date=YYYY-MM-DD/topic=<slug>/part-<run_id>-NNNNN.parquet`;
    emits WrittenFile. No article object crosses its shuffle: a staged article goes as its ref and decision
    (the text waits in its staging file), an in-memory article (a stream window's) as its packed row.

    In fixed windows (streaming) each window writes its own files, `part-<run_id>-w<start>-NNNNN.parquet`
    (`window_run_id`), at most one per partition and window below `rows_per_file`."""

    output: str
    run_id: str
    rows_per_file: int = DEFAULT_ROWS_PER_FILE

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        return (
            articles
            | "KeyByPartition" >> beam.Map(_keyed)
            | "GroupByPartition" >> beam.GroupByKey()
            | "WriteFiles" >> beam.ParDo(_WritePartitionFn(self.output, self.run_id, self.rows_per_file))
        )


@dataclass(eq=False, repr=False)
class WriteRejected(Stage):
    """Rejected rows → `<output>/_rejected/part-<run_id>-<stage>.parquet`; emits WrittenFile."""

    output: str
    run_id: str

    def expand(self, rejected: beam.PCollection) -> beam.PCollection:
        return (
            rejected
            | "KeyByStage" >> beam.Map(lambda r: (r.stage, r))
            | "GroupByStage" >> beam.GroupByKey()
            | "WriteFiles" >> beam.ParDo(_WriteRejectedFn(self.output, self.run_id))
        )
