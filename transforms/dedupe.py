"""Dedupe: an exact copy of an article is written once, within a run and across runs.

What earlier runs wrote is read back from the output itself (the `content_hash` column of the article
files), so the check can never disagree with what is on disk: a crashed run leaves no state claiming
articles it did not write. Articles and earlier hashes meet in a CoGroupByKey on the hash, so no worker
holds every hash ever seen.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.article import ARTICLES_GLOB, Article

logger = logging.getLogger(__name__)

DUPLICATES = "duplicates"

_LATEST = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Duplicate:
    """An input not written because the same content is already kept."""

    source: str
    content_hash: str
    duplicate_of: str | None  # article_id of the kept copy; None when it was written by an earlier run
    reason: str  # "duplicate-in-run" or "seen-in-earlier-run"


def article_files_pattern(output: str) -> str:
    return FileSystems.join(output, ARTICLES_GLOB)


def _keep_first(article: Article) -> tuple[dt.datetime, str]:
    """The copy to keep: the earliest published, then the smallest source, so the choice is stable."""
    return (article.published_at or _LATEST, article.source)


class _ReadHashesFn(beam.DoFn):
    def __init__(self) -> None:
        self.hashes = Metrics.counter("dedupe", "earlier_hashes")

    def process(self, readable: fileio.ReadableFile) -> Iterator[str]:
        with readable.open() as handle:
            column = pq.read_table(handle, columns=["content_hash"]).column("content_hash")
        self.hashes.inc(len(column))
        yield from column.to_pylist()


class _PickFn(beam.DoFn):
    def __init__(self) -> None:
        self.kept = Metrics.counter("dedupe", "kept")
        self.dropped = Metrics.counter("dedupe", "duplicates")

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[Any]:
        text_hash, groups = element
        articles = sorted(groups["new"], key=_keep_first)
        if not articles:
            return
        seen_before = any(True for _ in groups["earlier"])
        if seen_before:
            kept = None
        else:
            kept = articles[0]
            self.kept.inc()
            yield kept
        for other in articles if kept is None else articles[1:]:
            self.dropped.inc()
            yield beam.pvalue.TaggedOutput(
                DUPLICATES,
                Duplicate(
                    source=other.source,
                    content_hash=text_hash,
                    duplicate_of=kept.article_id if kept else None,
                    reason="duplicate-in-run" if kept else "seen-in-earlier-run",
                ),
            )


class Dedupe(beam.PTransform):
    """Articles → (unique Articles, Duplicates), checked against what `output` already holds."""

    def __init__(self, output: str) -> None:
        super().__init__()
        self.output = output

    def expand(self, articles: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        earlier = (
            articles.pipeline
            | "EarlierFiles" >> beam.Create([article_files_pattern(self.output)])
            | "MatchEarlier" >> fileio.MatchAll(fileio.EmptyMatchTreatment.ALLOW)
            | "OpenEarlier" >> fileio.ReadMatches()
            | "ReadEarlierHashes" >> beam.ParDo(_ReadHashesFn())
            | "KeyEarlier" >> beam.Map(lambda h: (h, None))
        )
        keyed = articles | "KeyByHash" >> beam.Map(lambda a: (a.content_hash, a))
        results = (
            {"new": keyed, "earlier": earlier}
            | "JoinOnHash" >> beam.CoGroupByKey()
            | "Pick" >> beam.ParDo(_PickFn()).with_outputs(DUPLICATES, main="unique")
        )
        return results.unique, results[DUPLICATES]
