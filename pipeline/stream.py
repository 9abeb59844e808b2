"""`newsbeam stream`: poll feeds continuously and land new articles in the dataset, window by window.

Graph (streaming; nothing here knows which runner it is on):
  Ticks (PeriodicImpulse, stoppable) → PollFeeds (conditional GET, new entries only) → FixedWindows →
  Fetch → Extract → CleanText → Tag → stamp the window's run id → StreamDedupe → WritePartitions,
  and per window, once its article files are in place: the article index (`WriteIndex`) and the entry URLs
  (`_state/seen_urls`). Rejected rows of every stage go to `_rejected/`, one file per stage and window.

Exactly once: a window's rows and files carry `<run_id>-w<window start>` (`transforms.sink.window_run_id`),
so a window is a run of its own to the state's repair logic. State is written only after the files, and
what a crash left unrecorded is derived from the files on the next start (index rows rebuilt by
`StreamDedupe`, entry URLs read from the files by `transforms.poll.seen_at_start`). A duplicate never gets
past the content-hash check against the index as it is on disk when the window fires.

Clean stop: SIGINT/SIGTERM (or --max-duration) → the impulse stops; its watermark goes to the end of
time, so every open window fires, is written and recorded, and the pipeline finishes by itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.transforms.window import FixedWindows

from pipeline import runners
from pipeline.build import DEFAULT_SETTINGS, StageSettings
from pipeline.compact import dataset_lock
from pipeline.job import (
    _check_story_options,
    _parse_reference,
    _web_sources,
    internal_errors,
    new_run_id,
    print_internal_errors,
)
from pipeline.options import NewsbeamOptions
from schemas.document import RunContext
from transforms.clean import CleanText
from transforms.dedupe import StreamDedupe, WriteIndex
from transforms.extract import Extract
from transforms.fetch import SEEN_SCHEMA, SEEN_TABLE, Fetch
from transforms.poll import PollFeeds, Ticks, stop_requested
from transforms.sink import WritePartitions, WriteRejected, window_run_id
from transforms.storage import tables
from transforms.tag import TagArticles
from transforms.web.client import FetchConfig
from transforms.web.feeds import SourceRef

logger = logging.getLogger(__name__)

STOP_DIR = "stream"
# Without --max-duration the impulse still needs an end: far enough away to be "never".
FOREVER = 100 * 365 * 86400
_DIRECT_RUNNERS = ("DirectRunner", "BundleBasedDirectRunner", "SwitchingDirectRunner")


class StreamOptions(PipelineOptions):
    """`newsbeam stream`'s own options (the batch `run`, and its Flex Template, do not have them)."""

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        stream = parser.add_argument_group("newsbeam stream")
        stream.add_argument(
            "--poll-interval",
            dest="poll_interval",
            type=float,
            default=300.0,
            help="`newsbeam stream`: seconds between two polls of every feed (conditional GET). Default: 300",
        )
        stream.add_argument(
            "--window",
            dest="window",
            type=float,
            default=600.0,
            help="`newsbeam stream`: seconds of polls whose new articles are written together, at most one file "
            "per partition per window. Default: 600",
        )
        stream.add_argument(
            "--max-duration",
            dest="max_duration",
            type=float,
            default=None,
            help="`newsbeam stream`: stop (flushing the open window) after this many seconds. Default: run until "
            "SIGINT or SIGTERM",
        )


def stop_marker(output: str, run_id: str) -> str:
    """The file whose existence stops the stream `run_id` (written by the signal handler)."""
    return FileSystems.join(tables.table_dir(output, STOP_DIR), f"stop-{run_id}")


class _StampWindowFn(beam.DoFn):
    """Rows (articles, rejected) get the run id of their window, which names the files they land in."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def process(self, row: Any, window: Any = beam.DoFn.WindowParam) -> Any:
        yield replace(row, run_id=window_run_id(self.run_id, window))


def _seen_row(source: str, outcome: str, run_id: str) -> dict[str, Any]:
    return {"canonical_url": source, "outcome": outcome, "run_id": run_id, "seen_at": dt.datetime.now(dt.timezone.utc)}


class _WriteSeenFn(beam.DoFn):
    def __init__(self, output: str, run_id: str) -> None:
        self.output = output
        self.run_id = run_id

    def process(self, element: tuple[int, dict[str, Any]], window: Any = beam.DoFn.WindowParam) -> Any:
        _, groups = element
        run_id = window_run_id(self.run_id, window)
        rows = [_seen_row(source, outcome, run_id) for source, outcome in groups["outcomes"]]
        if rows:
            yield tables.write_table(self.output, SEEN_TABLE, SEEN_SCHEMA, rows, run_id)


class RecordSeen(beam.PTransform):
    """Per window, `(canonical URL, outcome)` pairs → `_state/seen_urls/part-<window run id>-00000.parquet`,
    written once the window's article files exist (a CoGroupByKey with them fires when both are complete)."""

    def __init__(self, output: str, run_id: str) -> None:
        super().__init__()
        self.output = output
        self.run_id = run_id

    def expand(self, pcolls: dict[str, beam.PCollection]) -> beam.PCollection:
        return (
            {
                "outcomes": pcolls["outcomes"] | "OneKey" >> beam.Map(lambda o: (0, o)),
                "after": pcolls["after"] | "Written" >> beam.Map(lambda _f: (0, None)),
            }
            | "AfterWrites" >> beam.CoGroupByKey()
            | "WriteSeen" >> beam.ParDo(_WriteSeenFn(self.output, self.run_id))
        )


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
) -> None:
    """The streaming graph: the batch stages between a poller and per-window writes (module docstring)."""
    run_id = ctx.run_id
    ticks = p | "Ticks" >> Ticks(start, stop, poll_interval, stop_marker(output, run_id))
    entries, poll_rejected, _counts = ticks | "Poll" >> PollFeeds(sources, output, run_id, fetch)
    windowed = entries | "Window" >> beam.WindowInto(FixedWindows(window))
    documents, fetch_rejected, _settled = windowed | "Fetch" >> Fetch(fetch, run_id)
    drafts, extract_rejected = documents | "Extract" >> Extract(run_id, ctx.reference_date, settings.keep_non_articles)
    cleaned, clean_rejected = drafts | "CleanText" >> CleanText(run_id)
    articles, tag_rejected = cleaned | "Tag" >> TagArticles(ctx, settings.taxonomy, settings.min_words)
    stamped = articles | "StampArticles" >> beam.ParDo(_StampWindowFn(run_id))
    deduped = stamped | "Dedupe" >> StreamDedupe(output, run_id, **settings.dedupe_options())
    written = deduped.unique | "WritePartitions" >> WritePartitions(output, run_id)
    rejected = (
        poll_rejected | "WindowPollRejects" >> beam.WindowInto(FixedWindows(window)),
        fetch_rejected,
        extract_rejected,
        clean_rejected,
        tag_rejected,
        deduped.rejected,
    ) | "AllRejected" >> beam.Flatten()
    _ = (
        rejected
        | "StampRejected" >> beam.ParDo(_StampWindowFn(run_id))
        | "WriteRejected" >> WriteRejected(output, run_id)
    )
    _ = {"rows": deduped.index_rows, "after": written} | "WriteIndex" >> WriteIndex(output)
    outcomes = (
        deduped.unique | "WrittenSources" >> beam.Map(lambda a: (a.source, "written")),
        deduped.duplicates | "DuplicateSources" >> beam.Map(lambda d: (d.source, "duplicate")),
    ) | "Outcomes" >> beam.Flatten()
    _ = {"outcomes": outcomes, "after": written} | "RecordSeen" >> RecordSeen(output, run_id)


class _StopOnSignal:
    """SIGINT/SIGTERM create the stop marker (the pipeline then drains); a second signal exits at once."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> _StopOnSignal:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, _frame: Any) -> None:
        if FileSystems.exists(self.marker):
            raise SystemExit(128 + signum)
        logger.info("%s: flushing the open window, then stopping", signal.Signals(signum).name)
        request_stop(self.marker)


def request_stop(marker: str) -> None:
    with FileSystems.create(marker) as handle:
        handle.write(b"stop\n")


def run_stream(argv: Sequence[str]) -> int:
    """`newsbeam stream`: returns the exit code once the stream has stopped (signal or --max-duration)."""
    options = PipelineOptions(list(argv))
    options.view_as(StandardOptions).streaming = True
    runners.remember_dofn_specs()  # as for a batch run: Beam asks the same DoFns for their specs again and again
    opts = options.view_as(NewsbeamOptions)
    timing = options.view_as(StreamOptions)
    _check_story_options(opts)
    if timing.poll_interval <= 0 or timing.window <= 0:
        raise SystemExit("newsbeam: --poll-interval and --window must be positive")
    if timing.max_duration is not None and timing.max_duration <= 0:
        raise SystemExit("newsbeam: --max-duration must be positive")
    web = _web_sources(opts)
    if not web.sources:
        raise SystemExit("newsbeam: stream needs at least one --feed or --feeds")
    if web.url_lists:
        raise SystemExit("newsbeam: stream polls feeds; --urls is for `newsbeam run`")
    now = dt.datetime.now(dt.timezone.utc)
    ctx = RunContext(
        run_id=opts.run_id or new_run_id(now),
        ingested_at=now.replace(microsecond=0),
        reference_date=_parse_reference(opts.reference_date, now),
    )
    fetch = FetchConfig(
        user_agent=opts.user_agent,
        per_host_delay=opts.per_host_delay,
        timeout=opts.timeout,
        max_bytes=opts.max_bytes,
        allow_private_hosts=opts.allow_private_hosts,
    )
    output = opts.output.rstrip("/") or "/"
    marker = stop_marker(output, ctx.run_id)
    start = time.time()
    stop = start + (timing.max_duration if timing.max_duration is not None else FOREVER)
    logger.info(
        "stream %s: %d source(s) → %s, poll every %gs, windows of %gs%s",
        ctx.run_id,
        len(web.sources),
        output,
        timing.poll_interval,
        timing.window,
        f", for {timing.max_duration:g}s" if timing.max_duration is not None else "",
    )
    runner = runners.resolve_runner(options)
    # The Python DirectRunner holds a splittable DoFn's output watermark until its range is done, so no
    # window fires while the impulse runs. There the stream runs as one pipeline per window (same graph,
    # its impulse ending at the window's end): each drains, flushing its window, before the next starts.
    # Runners that honour the impulse's watermark (Dataflow, Flink) run one pipeline for the whole stream.
    segmented = runner in _DIRECT_RUNNERS
    # Internal errors are bugs: past --max-internal-errors the stream stops after the window that found them.
    windows = f"part-{ctx.run_id}-w*.parquet"
    errors, first, counted = 0, None, set[str]()
    try:
        with _StopOnSignal(marker), dataset_lock(output, exclusive=False):
            while not stop_requested(marker) and time.time() < stop:
                begin = time.time()
                end = min(stop, (begin // timing.window + 1) * timing.window) if segmented else stop
                with beam.Pipeline(options=options) as p:
                    build_stream(
                        p,
                        sources=web.sources,
                        output=output,
                        ctx=ctx,
                        fetch=fetch,
                        poll_interval=timing.poll_interval,
                        window=timing.window,
                        start=begin,
                        stop=end,
                        settings=StageSettings.from_options(opts),
                    )
                found, earliest, read = internal_errors(output, windows, frozenset(counted))
                errors, first, counted = errors + found, first or earliest, counted | read
                if errors > opts.max_internal_errors:
                    break
    finally:
        if FileSystems.exists(marker):
            FileSystems.delete([marker])
    logger.info("stream %s stopped after %.1f s", ctx.run_id, time.time() - start)
    print(f"newsbeam stream {ctx.run_id} stopped after {time.time() - start:.1f} s; output {output}")
    if errors > opts.max_internal_errors:
        print_internal_errors(output, windows, errors, opts.max_internal_errors, first)
        return 1
    return 0
