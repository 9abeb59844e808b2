"""`newsbeam stream`: poll feeds continuously and land new articles in the dataset, window by window.

Graph (`pipeline.build.build_stream`, the batch run's composites between a poller and per-window writes):
  Ticks (PeriodicImpulse, stoppable) → PollFeeds (conditional GET, new entries only) → FixedWindows →
  Fetch → ProcessDocuments → stamp the window's run id → StreamDedupe → WritePartitions, and per window,
  once its article files are in place: the article index (`WriteIndex`), the entry URLs (`_state/seen_urls`)
  and the window's manifest `_runs/<window run id>.json`, which balances like a batch run's. Rejected rows
  of every stage go to `_rejected/`, one file per stage and window; the feeds' full responses go to
  `_state/web_sources`, one file per window.

Exactly once: a window's rows and files carry `<run_id>-w<window start>` (`transforms.sink.window_run_id`),
so a window is a run of its own to the state's repair logic. State is written only after the files, and
what a crash left unrecorded is derived from the files on the next start (index rows rebuilt by
`StreamDedupe`, entry URLs read from the files by `transforms.poll.seen_at_start`). A duplicate never gets
past the content-hash check against the index as it is on disk when the window fires.

Clean stop: SIGINT/SIGTERM (or --max-duration) → the impulse stops; its watermark goes to the end of
time, so every open window fires, is written and recorded, and the pipeline finishes by itself.
"""

from __future__ import annotations

import logging
import signal
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipeline import manifest, runners
from pipeline.build import build_stream
from pipeline.compact import dataset_lock
from pipeline.job import internal_error_count, too_many_internal_errors
from pipeline.options import Option, option_groups
from pipeline.settings import RunSettings
from transforms.poll import stop_marker, stop_requested

logger = logging.getLogger(__name__)

# Without --max-duration the impulse still needs an end: far enough away to be "never".
FOREVER = 100 * 365 * 86400
_DIRECT_RUNNERS = ("DirectRunner", "BundleBasedDirectRunner", "SwitchingDirectRunner")
DEFAULT_POLL_INTERVAL = 300.0  # seconds
DEFAULT_WINDOW = 600.0  # seconds


class StreamOptions(PipelineOptions):
    """`newsbeam stream`'s own options (the batch `run`, and its Flex Template, do not have them)."""

    _add_argparse_args = option_groups(
        (
            "newsbeam stream",
            (
                Option(
                    "poll-interval",
                    "`newsbeam stream`: seconds between two polls of every feed (conditional GET).",
                    type=float,
                    default=DEFAULT_POLL_INTERVAL,
                ),
                Option(
                    "window",
                    "`newsbeam stream`: seconds of polls whose new articles are written together, at most one "
                    "file per partition per window.",
                    type=float,
                    default=DEFAULT_WINDOW,
                ),
                Option(
                    "max-duration",
                    "`newsbeam stream`: stop (flushing the open window) after this many seconds. Default: run "
                    "until SIGINT or SIGTERM",
                    type=float,
                ),
            ),
        )
    )


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
    runners.remember_option_views()  # and parses the command line again for each transform
    timing = options.view_as(StreamOptions)
    if timing.poll_interval <= 0 or timing.window <= 0:
        raise SystemExit("newsbeam: --poll-interval and --window must be positive")
    if timing.max_duration is not None and timing.max_duration <= 0:
        raise SystemExit("newsbeam: --max-duration must be positive")
    settings = RunSettings.from_options(options)
    ctx, web, output = settings.ctx, settings.web, settings.output
    if not web.sources:
        raise SystemExit("newsbeam: stream needs at least one --feed or --feeds")
    if web.url_lists:
        raise SystemExit("newsbeam: stream polls feeds; --urls is for `newsbeam run`")
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
    # The pollers' keyed state ends with each pipeline: they also keep it in a local directory, so each
    # pipeline goes on where the last one stopped (conditional GETs, entries already emitted).
    segmented = runner in _DIRECT_RUNNERS
    carry = tempfile.TemporaryDirectory(prefix="newsbeam-stream-") if segmented else None
    # Internal errors are bugs: past --max-internal-errors the stream stops after the window that found them.
    windows = WindowChecks(output, ctx.run_id)
    try:
        with _StopOnSignal(marker), dataset_lock(output, exclusive=False):
            while not stop_requested(marker) and time.time() < stop:
                begin = time.time()
                end = min(stop, (begin // timing.window + 1) * timing.window) if segmented else stop
                with beam.Pipeline(options=options) as p:
                    build_stream(
                        p,
                        **settings.graph_args(),
                        sources=web.sources,
                        poll_interval=timing.poll_interval,
                        window=timing.window,
                        start=begin,
                        stop=end,
                        carry_dir=carry.name if carry else None,
                    )
                windows.check_new()
                if windows.internal_errors > settings.max_internal_errors or windows.problems:
                    break
    finally:
        if FileSystems.exists(marker):
            FileSystems.delete([marker])
        if carry:
            carry.cleanup()
    logger.info("stream %s stopped after %.1f s", ctx.run_id, time.time() - start)
    print(f"newsbeam stream {ctx.run_id} stopped after {time.time() - start:.1f} s; output {output}")
    windows.check_new()  # the last window of a runner that never paused
    for problem in windows.problems:
        logger.error("verification failed: %s", problem)
        print(f"verification failed: {problem}")
    pattern = f"part-{ctx.run_id}-w*.parquet"
    too_many = too_many_internal_errors(output, pattern, windows.internal_errors, settings.max_internal_errors)
    return 1 if windows.problems or too_many else 0


@dataclass
class WindowChecks:
    """What the stream `run_id` has learned from its windows' manifests: each is checked once, as a batch
    run's is (files on disk, read = written + rejected + duplicates), and counts its internal errors, so the
    rejected rows are only read for the traceback printed at the end."""

    output: str
    run_id: str
    verified: set[str] = field(default_factory=set)  # the windows checked
    problems: list[str] = field(default_factory=list)
    internal_errors: int = 0

    def check_new(self) -> list[str]:
        """Check the windows not checked yet; returns their problems (also added to `problems`)."""
        pattern = manifest.manifest_path(self.output, f"{self.run_id}-w*")
        problems = []
        for meta in sorted(FileSystems.match([pattern])[0].metadata_list, key=lambda m: m.path):
            window = FileSystems.split(meta.path)[1].removesuffix(".json")
            if window in self.verified:
                continue
            self.verified.add(window)
            report = manifest.verify(self.output, window)
            problems += [f"window {window}: {problem}" for problem in report.problems]
            self.internal_errors += internal_error_count(report)
        self.problems += problems
        return problems
