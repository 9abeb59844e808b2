"""The batch and stream graphs, assembled from the stage composites; nothing here knows which runner it is on.

Both graphs are the same data flow with a different front end (files and web sources read once, or feeds
polled in fixed windows):

    read / fetch → ProcessDocuments → Dedupe → WritePartitions (articles), WriteRejected (every stage's rejects)
    → Outcomes (one per input) → state for the next run, after the files (`AfterFiles`)
    → Ledger (every count, from the outcomes) → WriteManifest (`_runs/<run id>.json`, per stream window)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.transforms.window import FixedWindows

from pipeline.manifest import Ledger, Outcomes, WriteManifest
from pipeline.settings import DEFAULT_SETTINGS, StageSettings
from schemas.document import DUPLICATE, WRITTEN, Outcome, RunContext
from schemas.document import REJECTED as REJECTED_OUTCOME
from schemas.state import SOURCES_SCHEMA, SOURCES_TABLE
from transforms.dedupe import Dedupe, DedupeResult, StreamDedupe, WriteIndex
from transforms.discover import COUNT_SAVED
from transforms.fetch import Fetch, MarkSeen, ReadWeb, WebRead
from transforms.poll import PollFeeds, Ticks, stop_marker
from transforms.process import ProcessDocuments
from transforms.read import ReadLocal
from transforms.sink import StampWindow, WritePartitions, WriteRejected
from transforms.state import WriteStateRows
from transforms.unchanged import (
    Fingerprint,
    Key,
    RecordUnchanged,
    SkipUnchanged,
    UnchangedFiles,
    settings_key_of,
    source_file,
)
from transforms.web.client import FetchConfig
from transforms.web.feeds import SourceRef, WebSources

__all__ = ["DEFAULT_SETTINGS", "StageSettings", "build_batch", "build_stream"]


def _process(ctx: RunContext, settings: StageSettings) -> ProcessDocuments:
    return ProcessDocuments(
        ctx, taxonomy=settings.taxonomy, min_words=settings.min_words, keep_non_articles=settings.keep_non_articles
    )


class _Landed(NamedTuple):
    written: beam.PCollection  # the article files' WrittenFiles
    files: beam.PCollection  # every WrittenFile of the run (articles and rejected rows)
    outcomes: beam.PCollection  # one Outcome per input


def _land(
    output: str, run_id: str, deduped: DedupeResult, duplicates: beam.PCollection, rejected: beam.PCollection
) -> _Landed:
    """The shared tail: write articles and rejected rows, and derive the one `Outcome` of every input."""
    written = deduped.unique | "WritePartitions" >> WritePartitions(output, run_id)
    rejected_files = rejected | "WriteRejected" >> WriteRejected(output, run_id)
    files = (written, rejected_files) | "AllFiles" >> beam.Flatten()
    outcomes = (deduped.unique, duplicates, rejected) | "Outcomes" >> Outcomes()
    return _Landed(written, files, outcomes)


def _web(fetched: WebRead | None, name: str) -> list[beam.PCollection]:
    """One output of the web sources' read, when the run has web sources."""
    return [getattr(fetched, name)] if fetched else []


def _not_rejected(outcome: Outcome) -> Iterator[str]:
    """The source of an input that became an article or a duplicate (`RecordUnchanged` settles those)."""
    if outcome.kind != REJECTED_OUTCOME:
        yield outcome.source


def _revisit_key(duplicate: Any) -> tuple[str, Key]:
    """A revisit record settles as a duplicate and counts towards its file's inputs (no hash to record)."""
    return duplicate.source, Key("", source_file(duplicate.source), False)


def build_batch(
    p: beam.Pipeline,
    *,
    inputs: Sequence[str],
    output: str,
    ctx: RunContext,
    max_bytes: int,
    settings: StageSettings = DEFAULT_SETTINGS,
    params: dict[str, Any] | None = None,
    web: WebSources | None = None,
    fetch: FetchConfig | None = None,
    unchanged_files: Sequence[str] = (),
    unchanged_inputs: Mapping[str, int] | None = None,
    fingerprints: Sequence[Fingerprint] = (),
    unchanged_rejects: Mapping[str, int] | None = None,
    decided_by: str | None = None,
) -> None:
    """A batch run: local files (and `web` sources, fetched) → articles, rejects, state and the manifest.

    Local inputs an earlier run settled are not processed again: `unchanged_files` are not even read
    (`transforms.unchanged.plan_reads`; each counts as many inputs, and duplicates, as `unchanged_inputs`
    says, `unchanged_rejects` of them settled rejects), and inputs read whose hash an earlier run recorded
    skip processing (`SkipUnchanged`). `fingerprints` of the files read are recorded for the next run.
    `decided_by` is the run's settings key (`settings_key_of`, which the launcher already computed)."""
    run_id = ctx.run_id
    decided_by = decided_by or settings_key_of(settings, max_bytes)  # what this run's records are made under
    read = p | "ReadLocal" >> ReadLocal(inputs, run_id, max_bytes)
    local = read.documents | "SkipUnchanged" >> SkipUnchanged(output, decided_by, settings.reprocess)
    not_read = p | "UnchangedFiles" >> UnchangedFiles(unchanged_files, unchanged_inputs, unchanged_rejects)
    fetched = p | "ReadWeb" >> ReadWeb(web, output, run_id, fetch or FetchConfig(max_bytes=max_bytes)) if web else None
    # Each of these is one input of the run: a document read or fetched, or an input settled as it was read.
    inputs_read = [read.documents, read.rejected, read.duplicates, not_read]
    inputs_read += [*_web(fetched, "documents"), *_web(fetched, "rejected"), *_web(fetched, "skipped")]

    documents = (local.fresh, *_web(fetched, "documents")) | "Documents" >> beam.Flatten()
    processed = documents | "Process" >> _process(ctx, settings)
    deduped = processed.articles | "Dedupe" >> Dedupe(
        output, run_id, settings=decided_by, reprocess=settings.reprocess, **settings.dedupe_options()
    )
    rejected = (
        read.rejected,
        *_web(fetched, "rejected"),
        processed.rejected,
        deduped.rejected,
    ) | "Rejected" >> beam.Flatten()
    duplicates = (
        read.duplicates,
        local.unchanged,
        not_read,
        *_web(fetched, "skipped"),
        deduped.duplicates,
    ) | "Duplicates" >> beam.Flatten()
    landed = _land(output, run_id, deduped, duplicates, rejected)

    # State for the next run, once the files exist: the article index, and what settled the local inputs.
    indexed = deduped.index_rows | "WriteIndex" >> WriteIndex(output, after=landed.written)
    keys = (local.keys, read.duplicates | "RevisitKeys" >> beam.Map(_revisit_key)) | "InputKeys" >> beam.Flatten()
    recorded = keys | "RecordUnchanged" >> RecordUnchanged(
        output,
        run_id,
        decided_by,
        articles=landed.outcomes | "NotRejected" >> beam.FlatMap(_not_rejected),
        rejected=rejected,
        fingerprints=p | "Fingerprints" >> beam.Create([(path, (size, mtime)) for path, size, mtime in fingerprints]),
        after=landed.written,
    )
    counts = [deduped.counts, indexed, recorded]
    if fetched:
        seen = landed.outcomes | "MarkSeen" >> MarkSeen(
            output, run_id, after=landed.files, fetched=fetched.documents, settled=fetched.settled
        )
        counts += [fetched.counts, seen]

    # Every input is counted once as read and once by its outcome; the manifest is the one sink every step
    # leads to, by main inputs only (Beam's Dask runner computes just the ancestors of the last step).
    ledger = landed.outcomes | "Ledger" >> Ledger(inputs_read, counts)
    _ = (ledger, landed.files) | "WriteManifest" >> WriteManifest(output, run_id, params or {})


def build_stream(
    p: beam.Pipeline,
    *,
    sources: Sequence[SourceRef],
    output: str,
    ctx: RunContext,
    fetch: FetchConfig,
    poll_interval: float,
    window: float,
    start: float,
    stop: float,
    settings: StageSettings = DEFAULT_SETTINGS,
    carry_dir: str | None = None,
) -> None:
    """A stream: feeds polled every `poll_interval` seconds from `start` to `stop` (or the stop marker),
    new entries fetched and landed in windows of `window` seconds. Each window is a run of its own: its rows
    and files carry `<run_id>-w<window start>`, its state waits for its files, and it leaves a manifest
    `_runs/<window run id>.json` that balances like a batch run's (`pipeline/stream.py` tells the rest).
    `carry_dir`: where the pollers' state outlives this pipeline, for a stream run as one per window."""
    run_id = ctx.run_id
    windows = FixedWindows(window)
    ticks = p | "Ticks" >> Ticks(start, stop, poll_interval, stop_marker(output, run_id))
    polled = ticks | "Poll" >> PollFeeds(sources, output, run_id, fetch, carry_dir)
    entries = polled.entries | "Window" >> beam.WindowInto(windows)
    poll_rejected = polled.rejected | "WindowPollRejects" >> beam.WindowInto(windows)
    poll_counts = polled.counts | "WindowPollCounts" >> beam.WindowInto(windows)
    sources_saved = (
        polled.sources
        | "WindowSources" >> beam.WindowInto(windows)
        | "StampSources" >> StampWindow(run_id)
        | "WriteSources" >> WriteStateRows(output, SOURCES_TABLE, SOURCES_SCHEMA, run_id)
        | "CountSourcesSaved" >> beam.Map(lambda n: (COUNT_SAVED, n))
    )

    fetched = entries | "Fetch" >> Fetch(fetch, run_id)
    processed = fetched.documents | "Process" >> _process(ctx, settings)
    stamped = processed.articles | "StampArticles" >> StampWindow(run_id)
    deduped = stamped | "Dedupe" >> StreamDedupe(
        output, run_id, settings=settings_key_of(settings, fetch.max_bytes), **settings.dedupe_options()
    )
    rejected = (
        (poll_rejected, fetched.rejected, processed.rejected, deduped.rejected)
        | "Rejected" >> beam.Flatten()
        | "StampRejected" >> StampWindow(run_id)
    )
    landed = _land(output, run_id, deduped, deduped.duplicates, rejected)

    indexed = deduped.index_rows | "WriteIndex" >> WriteIndex(output, after=landed.written)
    # A stream records the entries that became articles or duplicates; a rejected one is tried again after
    # a restart.
    seen = landed.outcomes | "MarkSeen" >> MarkSeen(output, run_id, after=landed.written, kinds=(WRITTEN, DUPLICATE))
    ledger = landed.outcomes | "Ledger" >> Ledger(
        [entries, poll_rejected], [poll_counts, sources_saved, deduped.counts, indexed, seen]
    )
    # What a stream window's manifest records about the stream (the window's own bounds are added to it).
    recorded = {
        "stream": ctx.run_id,
        "sources": sorted({s.url for s in sources}),
        "poll_interval": poll_interval,
        "window": window,
        **settings.recorded(output, ctx),
    }
    _ = (ledger, landed.files) | "WriteManifest" >> WriteManifest(output, run_id, recorded, windowed=True)
