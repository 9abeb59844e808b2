"""`newsbeam run`: one batch job from options to a verified dataset and a printed summary."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

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


def _check_inputs(inputs: Sequence[str]) -> None:
    """A typo in --input should stop the run with a message, not produce an empty dataset."""
    for pattern in expand_inputs(inputs):
        try:
            found = FileSystems.match([pattern])[0].metadata_list
        except Exception as exc:  # Beam raises BeamIOError for unreadable patterns
            raise SystemExit(f"newsbeam: cannot read input {pattern!r}: {exc}") from exc
        if not found:
            raise SystemExit(f"newsbeam: no file matches input {pattern!r}")


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
    _check_inputs(inputs)
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
