"""The `newsbeam` command: `run` a batch job, `query` its output with DuckDB.

This is the only place that configures logging; library modules just use `logging.getLogger(__name__)`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import secrets
import sys
import time
from collections.abc import Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipeline import manifest
from pipeline.build import build_batch
from pipeline.options import DEFAULT_INPUT, DEFAULT_OUTPUT, NewsbeamOptions
from pipeline.query import connect
from transforms.document import RunContext
from transforms.read import expand_inputs

logger = logging.getLogger("newsbeam")

USAGE = """newsbeam run   [--input PATH_OR_GLOB ...] [--output DIR] [--reference-date YYYY-MM-DD] [Beam options]
       newsbeam query "SQL" [--output DIR] [--format table|csv|jsonl]

Views in queries: articles, rejected.
"""


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    if not verbose:
        # Beam and its dependencies narrate every stage at INFO; keep the user's terminal for newsbeam.
        for name in ("apache_beam", "root", "trafilatura", "htmldate", "courlan", "charset_normalizer"):
            logging.getLogger(name).setLevel(logging.WARNING)
        logging.getLogger().setLevel(logging.WARNING)
        logger.setLevel(logging.INFO)
        for name in ("pipeline", "transforms"):
            logging.getLogger(name).setLevel(logging.INFO)


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


def query(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="newsbeam query", description="Run SQL over a newsbeam dataset.")
    parser.add_argument("sql", help="SQL; the views `articles` and `rejected` are defined.")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help=f"Dataset folder. Default: {DEFAULT_OUTPUT}")
    parser.add_argument("--format", choices=("table", "csv", "jsonl"), default="table")
    parser.add_argument("--max-rows", type=int, default=50, help="Rows shown in table format. Default: 50")
    args = parser.parse_args(argv)
    con = connect(args.output)
    relation = con.sql(args.sql)
    if relation is None:  # a statement without a result (e.g. COPY … TO …)
        return 0
    if args.format == "table":
        relation.show(max_rows=args.max_rows, max_width=200)
    else:
        columns = relation.columns
        rows = relation.fetchall()
        if args.format == "csv":
            import csv

            writer = csv.writer(sys.stdout)
            writer.writerow(columns)
            writer.writerows(rows)
        else:
            for row in rows:
                print(json.dumps(dict(zip(columns, row, strict=True)), default=str, ensure_ascii=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    verbose = "--verbose" in rest
    rest = [a for a in rest if a != "--verbose"]
    _configure_logging(verbose)
    if command == "run":
        if "-h" in rest or "--help" in rest:
            help_parser = argparse.ArgumentParser(
                prog="newsbeam run",
                epilog="Any other option goes to Beam, e.g. --runner, --direct_num_workers 2.",
            )
            NewsbeamOptions._add_argparse_args(help_parser)
            help_parser.print_help()
            return 0
        return run(rest)
    if command == "query":
        return query(rest)
    print(f"newsbeam: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
