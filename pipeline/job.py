"""`newsbeam run`: one batch job from options to a verified dataset and a printed summary."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import time
from collections.abc import Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions, WorkerOptions

from pipeline import DEFAULT_INPUT, manifest
from pipeline.build import build_batch
from pipeline.options import NewsbeamOptions
from transforms.document import RunContext
from transforms.read import expand_inputs

logger = logging.getLogger(__name__)


def new_run_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _parse_reference(value: str | None, now: dt.datetime) -> dt.date:
    if value is None:
        return now.date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise SystemExit(f"newsbeam: --reference-date must be YYYY-MM-DD, got {value!r}") from exc


def _check_inputs(inputs: Sequence[str]) -> tuple[int, int]:
    """A typo in --input should stop the run with a message, not produce an empty dataset.

    Returns the number of files and bytes matched."""
    files = size = 0
    for pattern in expand_inputs(inputs):
        try:
            found = FileSystems.match([pattern])[0].metadata_list
        except Exception as exc:  # Beam raises BeamIOError for unreadable patterns
            raise SystemExit(f"newsbeam: cannot read input {pattern!r}: {exc}") from exc
        if not found:
            raise SystemExit(f"newsbeam: no file matches input {pattern!r}")
        files += len(found)
        size += sum(m.size_in_bytes for m in found)
    return files, size


# Above these, a local run is worth the ~1.5 s it takes to start one worker process per core.
PARALLEL_MIN_FILES = 200
PARALLEL_MIN_BYTES = 20 * 1024 * 1024


def use_all_cores_if_large(options: PipelineOptions, argv: Sequence[str], files: int, size: int) -> bool:
    """On the DirectRunner with no worker options given, run large inputs on every core (multi-processing);
    small ones stay in-process, where they start faster. Returns whether it switched."""
    given = {a.split("=", 1)[0] for a in argv if a.startswith("--")}
    if given & {"--runner", "--direct_running_mode", "--direct_num_workers"}:
        return False
    if files < PARALLEL_MIN_FILES and size < PARALLEL_MIN_BYTES:
        return False
    direct = options.view_as(DirectOptions)
    direct.direct_running_mode = "multi_processing"
    direct.direct_num_workers = os.cpu_count() or 1
    worker = options.view_as(WorkerOptions)
    if worker.default_sdk_harness_log_level is None:
        worker.default_sdk_harness_log_level = "WARNING"  # the harness narrates its start-up at INFO
    return True


def run(argv: Sequence[str]) -> int:
    """`newsbeam run`: returns the process exit code (0 only when the output verifies)."""
    options = PipelineOptions(list(argv))
    opts = options.view_as(NewsbeamOptions)
    now = dt.datetime.now(dt.timezone.utc)
    ctx = RunContext(
        run_id=opts.run_id or new_run_id(now),
        ingested_at=now.replace(microsecond=0),
        reference_date=_parse_reference(opts.reference_date, now),
    )
    inputs = opts.input or [DEFAULT_INPUT]
    files, size = _check_inputs(inputs)
    if use_all_cores_if_large(options, argv, files, size):
        logger.info(
            "%d files, %.1f MB: running on %d worker processes (pass --direct_num_workers to choose)",
            files,
            size / 1e6,
            options.view_as(DirectOptions).direct_num_workers,
        )
    output = opts.output.rstrip("/") or "/"
    runner = options.view_as(StandardOptions).runner or "DirectRunner"
    logger.info("run %s: %s → %s on %s", ctx.run_id, ", ".join(inputs), output, runner)
    params = {
        "inputs": list(inputs),
        "output": output,
        "reference_date": ctx.reference_date.isoformat(),
        "ingested_at": ctx.ingested_at.isoformat(),
        "runner": runner,
        "taxonomy": opts.taxonomy,
    }
    started = time.monotonic()
    with beam.Pipeline(options=options) as p:
        build_batch(
            p,
            inputs=inputs,
            output=output,
            ctx=ctx,
            taxonomy=opts.taxonomy,
            max_bytes=opts.max_bytes,
            min_words=opts.min_words,
            params=params,
        )
    elapsed = time.monotonic() - started
    report = manifest.verify(output, ctx.run_id)
    print(format_summary(report, output, elapsed))
    if report.problems:
        for problem in report.problems:
            logger.error("verification failed: %s", problem)
        return 1
    return 0


def format_summary(report: manifest.RunReport, output: str, elapsed: float) -> str:
    rate = report.inputs / elapsed if elapsed > 0 else 0.0
    lines = [
        f"newsbeam run {report.run_id} finished in {elapsed:.1f} s ({rate:.1f} inputs/s)",
        f"  read        {report.inputs}",
        f"  written     {report.written} articles in {report.article_files} files",
        f"  duplicates  {report.duplicates}",
        f"  rejected    {report.rejected_total}",
    ]
    for (stage, reason), n in sorted(report.rejected.items()):
        lines.append(f"    {stage}/{reason}: {n}")
    if report.topics:
        lines.append("  by topic")
        lines.extend(f"    {topic}: {n}" for topic, n in report.topics.items())
    balance = "balanced" if report.balanced else "NOT BALANCED"
    lines.append(
        f"  check       read {report.inputs} = written {report.written} + rejected {report.rejected_total}"
        f" + duplicates {report.duplicates}: {balance}"
    )
    verified = "verified against the files" if not report.problems else "VERIFICATION FAILED"
    lines.append(f"  output      {output}/date=*/topic=*/*.parquet ({verified})")
    if report.rejected_total:
        lines.append(f"  rejected    {output}/_rejected/*.parquet")
    return "\n".join(lines)
