"""Streaming sources: a stoppable periodic impulse and the feed poller it drives (`newsbeam stream`).

- `Ticks`: Beam's PeriodicImpulse machinery (`ImpulseSeqGenDoFn`) with one addition: when the stop marker
  file exists, the generator claims the rest of its range and returns, so its watermark goes to the end of
  time and every open window fires. That is a drain, not a cancel: what was polled is still written. The
  marker is a file (any Beam filesystem), so the same graph stops the same way on any runner.
- `PollFeeds`: ticks → every source → a stateful DoFn keyed by source URL that GETs it conditionally
  (ETag / Last-Modified kept in state) and emits the entries it has not emitted before (also kept in state,
  seeded at start from `_state/seen_urls` and from article files whose window never recorded its URLs).
  Failures become rejected rows (stage `fetch`), and each full response a `web_sources` row, like
  `transforms.discover`.
- Where a stream runs as one pipeline per window (the DirectRunner, see `pipeline/stream.py`), keyed state
  ends with each pipeline. The poller then also keeps each source's state in a local carry directory that
  the next pipeline of the same run starts from, so its first poll is conditional too and an entry emitted
  once (even one that was rejected) is not emitted again by a later window of the run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import apache_beam as beam
import pyarrow as pa
from apache_beam.coders import PickleCoder
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.restriction_trackers import OffsetRange
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.metrics import Metrics
from apache_beam.transforms.periodicsequence import ImpulseSeqGenDoFn, ImpulseSeqGenRestrictionProvider
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec
from apache_beam.utils import timestamp

from schemas.state import SEEN_SCHEMA, SEEN_TABLE
from transforms._deadletter import REJECTED, DeadLetterFn, reject
from transforms._stage import Stage
from transforms.discover import STAGE, source_row
from transforms.storage import tables
from transforms.storage.index import article_files_missing_from
from transforms.storage.parquet import read_parquet
from transforms.web.client import SOURCE, FetchConfig, FetchFailure, Validators, acquire_client, release_client
from transforms.web.feeds import EntryRef, SourceError, SourceRef, parse_source

logger = logging.getLogger(__name__)

COUNT_POLLS = "stream|polls"
COUNT_NOT_MODIFIED = "stream|not-modified"
STOP_DIR = "stream"
SOURCES = "sources"  # the output of `web_sources` rows


def stop_marker(output: str, run_id: str) -> str:
    """The file whose existence stops the stream `run_id` (written by `newsbeam stream`'s signal handler)."""
    return FileSystems.join(tables.table_dir(output, STOP_DIR), f"stop-{run_id}")


def stop_requested(marker: str) -> bool:
    try:
        return bool(FileSystems.exists(marker))
    except Exception:  # an unreadable marker location must not kill the stream
        return False


_RESTRICTION = beam.DoFn.RestrictionParam(ImpulseSeqGenRestrictionProvider())
_WATERMARK = beam.DoFn.WatermarkEstimatorParam(ManualWatermarkEstimator.default_provider())
_VALIDATORS = ReadModifyWriteStateSpec("validators", PickleCoder())
_EMITTED = ReadModifyWriteStateSpec("emitted", PickleCoder())
_VALIDATORS_PARAM = beam.DoFn.StateParam(_VALIDATORS)
_EMITTED_PARAM = beam.DoFn.StateParam(_EMITTED)


class _StoppableSeqGenFn(ImpulseSeqGenDoFn):
    """PeriodicImpulse's generator that ends early once `marker` exists."""

    def __init__(self, marker: str) -> None:
        super().__init__(None)
        self.marker = marker

    @beam.DoFn.unbounded_per_element()
    def process(
        self,
        element: Any,
        restriction_tracker: Any = _RESTRICTION,
        watermark_estimator: Any = _WATERMARK,
    ) -> Iterator[Any]:
        if stop_requested(self.marker):
            restriction: OffsetRange = restriction_tracker.current_restriction()
            if restriction.stop > restriction.start:
                # Claiming the last position completes the range: no residual, the watermark is released.
                restriction_tracker.try_claim(restriction.stop - 1)
            logger.info("stop requested: no more polls")
            return
        yield from super().process(element, restriction_tracker, watermark_estimator)


@dataclass(eq=False, repr=False)
class Ticks(Stage):
    """A timestamp every `interval` seconds from `start` until `stop` (exclusive) or until `marker` exists."""

    start: float
    stop: float
    interval: float
    marker: str

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        bounds = (timestamp.Timestamp.of(self.start), timestamp.Timestamp.of(self.stop), float(self.interval))
        return (
            pbegin
            | "Impulse" >> beam.Impulse()
            | "Bounds" >> beam.Map(lambda _: bounds)
            | "Generate" >> beam.ParDo(_StoppableSeqGenFn(self.marker))
        )


def seen_at_start(output: str) -> set[str]:
    """Canonical URLs already settled: `_state/seen_urls`, plus the sources of article files whose window
    died before recording them (state is derived from the files, never ahead of them), and of the files
    `newsbeam compact` merged, which may hold such a window."""
    seen = {row["canonical_url"] for row in tables.read_table(output, SEEN_TABLE, _SEEN_URL_SCHEMA).to_pylist()}
    for path in article_files_missing_from(output, SEEN_TABLE, merged=True):
        with FileSystems.open(path) as handle:
            seen.update(v for v in read_parquet(handle, ["source"]).column("source").to_pylist() if v)
    return seen


_SEEN_URL_SCHEMA = pa.schema([SEEN_SCHEMA.field("canonical_url")])


@dataclass(frozen=True)
class _Carried:
    """One source's poll state as the previous pipeline of a segmented stream left it."""

    validators: Validators
    emitted: frozenset[str]


def _write_carried(carry_dir: str, url: str, validators: Validators, emitted: Iterable[str]) -> None:
    """Replace `url`'s carried state (a temporary file renamed over it: a reader never sees half of one)."""
    path = Path(carry_dir) / f"{hashlib.sha1(url.encode('utf-8')).hexdigest()}.json"
    record = {"url": url, "etag": validators.etag, "last_modified": validators.last_modified}
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({**record, "emitted": sorted(emitted)}), encoding="utf-8")
    os.replace(tmp, path)


def _read_carried(carry_dir: str) -> dict[str, _Carried]:
    """Every source's carried state, by source URL."""
    carried = {}
    for path in Path(carry_dir).glob("*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        validators = Validators(record["etag"], record["last_modified"])
        carried[record["url"]] = _Carried(validators, frozenset(record["emitted"]))
    return carried


class _PollFn(DeadLetterFn):
    """One source per key: conditional GET, parse, emit the entries not emitted before.

    State per source: its validators and the canonical URLs it listed that were already emitted (pruned to
    the current listing, so it stays the size of one feed)."""

    stage = STAGE

    def __init__(self, output: str, run_id: str, config: FetchConfig, carry_dir: str | None) -> None:
        super().__init__(run_id)
        self.output = output
        self.config = config
        self.carry_dir = carry_dir
        self.polls = Metrics.counter("stream", "polls")
        self.not_modified = Metrics.counter("stream", "not_modified")
        self.new_entries = Metrics.counter("stream", "new_entries")
        self._seen: set[str] | None = None

    def setup(self) -> None:
        self.client = acquire_client(self.config)
        self.carried = _read_carried(self.carry_dir) if self.carry_dir else {}

    def teardown(self) -> None:
        release_client(self.config)

    def process(
        self,
        element: tuple[str, SourceRef],
        validators_state: Any = _VALIDATORS_PARAM,
        emitted_state: Any = _EMITTED_PARAM,
    ) -> Iterator[Any]:
        self._validators_state = validators_state
        self._emitted_state = emitted_state
        yield from super().process(element)

    def _settled(self) -> set[str]:
        if self._seen is None:
            self._seen = seen_at_start(self.output)
            logger.info("%d entry URLs settled by earlier runs", len(self._seen))
        return self._seen

    def handle(self, element: tuple[str, SourceRef]) -> Iterable[Any]:
        url, ref = element
        self.polls.inc()
        carried = self.carried.get(url)
        validators = self._validators_state.read()
        if validators is None and carried is not None:
            validators = carried.validators
        try:
            result = self.client.get(url, SOURCE, validators)
        except FetchFailure as failure:
            yield reject(url, STAGE, failure.reason, f"{ref.kind} {failure.detail}", self.run_id, url=url)
            return
        if result.not_modified:
            self.not_modified.inc()
            yield beam.pvalue.TaggedOutput("counts", (COUNT_NOT_MODIFIED, 1))
            return
        yield beam.pvalue.TaggedOutput("counts", (COUNT_POLLS, 1))
        try:
            parsed = parse_source(
                result.body, result.final_url, result.headers.get("content-type", ""), self.config.max_bytes
            )
        except SourceError as exc:
            yield reject(url, STAGE, exc.reason, f"{ref.kind} {url}: {exc.detail}", self.run_id, url=url)
            return
        etag, modified = result.headers.get("etag"), result.headers.get("last-modified")
        # A feed read past XML errors is fetched in full next time (see `transforms.web.feeds.parse_feed`).
        keep = (etag or modified) and not parsed.malformed
        validators = Validators(etag, modified) if keep else Validators()
        self._validators_state.write(validators)
        if keep:
            # Stored as a batch run stores it: the report's record of the feed, and a later batch run's
            # conditional GET (a 304 there replays this listing).
            yield beam.pvalue.TaggedOutput(SOURCES, source_row(url, parsed, etag, modified, self.run_id))
        emitted: set[str] = self._emitted_state.read() or set()
        if not emitted:
            listing = {e.canonical for e in parsed.entries}
            emitted = set(carried.emitted if carried else ()) | (listing & self._settled())
        listed = set()
        for entry in parsed.entries:
            listed.add(entry.canonical)
            if entry.canonical in emitted:
                continue
            emitted.add(entry.canonical)
            self.new_entries.inc()
            yield entry
        for child in parsed.children:
            yield reject(child.url, STAGE, "nested-index", f"{url} lists sources; streams poll feeds", self.run_id)
        for listed_url, reason in parsed.invalid:
            yield reject(f"{url}#{listed_url}", STAGE, reason, f"{url} lists {listed_url!r}", self.run_id)
        self._emitted_state.write(emitted & listed)
        if self.carry_dir:
            _write_carried(self.carry_dir, url, validators, emitted & listed)


class Polled(NamedTuple):
    """What `PollFeeds` returns, each element timestamped with its poll."""

    entries: beam.PCollection  # new EntryRefs, each one input of the stream
    rejected: beam.PCollection  # Rejected rows of feeds that failed (each one input)
    counts: beam.PCollection  # (key, n) pairs for the window's manifest
    sources: beam.PCollection  # a `web_sources` row per full response with validators


@dataclass(eq=False, repr=False)
class PollFeeds(Stage):
    """Ticks → `Polled(entries, rejected, counts, sources)`."""

    sources: Sequence[SourceRef]
    output: str
    run_id: str
    config: FetchConfig
    carry_dir: str | None = None  # a local directory: each source's state outlives this pipeline

    def __post_init__(self) -> None:
        super().__post_init__()
        self.sources = [dataclasses.replace(s) for s in {s.url: s for s in self.sources}.values()]

    def expand(self, ticks: beam.PCollection) -> Polled:
        sources = self.sources
        polled = (
            ticks
            | "EverySource"
            >> beam.FlatMap(lambda _t: [(s.url, s) for s in sources]).with_output_types(beam.typehints.Tuple[str, Any])
            | "Poll"
            >> beam.ParDo(_PollFn(self.output, self.run_id, self.config, self.carry_dir)).with_outputs(
                REJECTED, "counts", SOURCES, main="entries"
            )
        )
        return Polled(polled.entries, polled[REJECTED], polled["counts"], polled[SOURCES])


def now() -> float:
    return time.time()


__all__ = ["EntryRef", "PollFeeds", "Polled", "Ticks", "seen_at_start", "stop_marker", "stop_requested"]
