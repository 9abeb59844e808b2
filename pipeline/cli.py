"""The `newsbeam` command: `run` a batch job, `query` its output with DuckDB.

This is the only place that configures logging; library modules just use `logging.getLogger(__name__)`.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

# Beam, DuckDB and the extractors are imported inside the commands: logging must be configured before
# Beam is imported (it logs while importing), and `newsbeam query` should not pay for Beam at all.
from pipeline import dataset_parser

USAGE = """newsbeam run   [--input PATH_OR_GLOB ...] [--feed URL ...] [--feeds FILE] [--sitemap URL] [--urls FILE]
               [--output DIR] [--reference-date YYYY-MM-DD] [Beam options]   (newsbeam run --help)
       newsbeam stream --feed URL [--feeds FILE] [--output DIR] [--poll-interval SECONDS] [--window SECONDS]
                       [--max-duration SECONDS] [web options of run]
       newsbeam query "SQL" [--output DIR] [--format table|csv|jsonl]
       newsbeam compact [--output DIR] [--target-size-mb N]
       newsbeam verify --run-id ID [--output DIR]
       newsbeam report [--output DIR] [--out report.html] [--days 30]
       newsbeam runs [--output DIR] [--last 20]

Views in queries: articles, articles_latest (one row per article: its latest revision), rejected.
Options of run and stream may also be spelled with underscores (--max_bytes); switches take =true/=false.
"""

SPELLINGS = "Every option may also be spelled with underscores (--max_bytes); switches take =true or =false."


def _configure_logging(verbose: bool) -> None:
    """newsbeam's own progress at INFO; Beam and the extraction libraries only when they warn (or with
    --verbose), since they narrate every step at INFO."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
        force=True,
    )
    if not verbose:
        for name in ("newsbeam", "pipeline", "transforms"):
            logging.getLogger(name).setLevel(logging.INFO)
        for name in ("apache_beam", "trafilatura", "htmldate", "courlan"):
            logging.getLogger(name).setLevel(logging.WARNING)
        # Relays every worker's start-up warnings (unparsed newsbeam options, no semi-persistent dir).
        logging.getLogger("apache_beam.runners.portability.local_job_service").setLevel(logging.ERROR)


class _OneSpelling(argparse.HelpFormatter):
    """Lists each option once, by its dashed name; the epilog says the underscore spelling works too."""

    def _format_action_invocation(self, action: argparse.Action) -> str:
        shown = [o for o in action.option_strings if "_" not in o or o.replace("_", "-") not in action.option_strings]
        if shown != action.option_strings:
            action = copy.copy(action)
            action.option_strings = shown
        return super()._format_action_invocation(action)


def _print_help(
    prog: str, option_classes: Sequence[Any], description: str | None = None, epilog: str | None = None
) -> int:
    """`--help` of a Beam-backed command: its own option groups, not Beam's hundreds of options."""
    epilog = f"{epilog} {SPELLINGS}" if epilog else SPELLINGS
    parser = argparse.ArgumentParser(prog=prog, description=description, epilog=epilog, formatter_class=_OneSpelling)
    for options in option_classes:
        options._add_argparse_args(parser)
    parser.print_help()
    return 0


def _beam_help(command: str) -> int:
    """`newsbeam run --help` and `newsbeam stream --help`: newsbeam's options plus the command's own."""
    from pipeline.options import NewsbeamOptions

    if command == "run":
        from pipeline.runners import DaskSetupOptions

        epilog = (
            "Any other option goes to Beam, e.g. --runner, --direct_num_workers 2. "
            "--runner dask runs on a local Dask cluster (or the one at --dask-address)."
        )
        return _print_help("newsbeam run", [NewsbeamOptions, DaskSetupOptions], epilog=epilog)
    from pipeline.stream import StreamOptions

    description = (
        "Poll feeds continuously; write new articles window by window, each once. "
        "SIGINT/SIGTERM flush the open window and stop."
    )
    return _print_help("newsbeam stream", [NewsbeamOptions, StreamOptions], description=description)


def query(argv: Sequence[str]) -> int:
    parser = dataset_parser("newsbeam query", "Run SQL over a newsbeam dataset.")
    parser.add_argument("sql", help="SQL; the views `articles`, `articles_latest` and `rejected` are defined.")
    parser.add_argument("--format", choices=("table", "csv", "jsonl"), default="table")
    parser.add_argument("--max-rows", type=int, default=50, help="Rows shown in table format. Default: 50")
    args = parser.parse_args(argv)
    from pipeline.query import connect, vanished_file

    con = connect(args.output)
    for attempt in range(3):
        try:
            return _print_query(con, args)
        except Exception as exc:
            # `newsbeam compact` replaced a partition between DuckDB listing its files and opening them.
            if attempt == 2 or not vanished_file(exc):
                raise
    return 1


def _print_query(con: Any, args: argparse.Namespace) -> int:
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


def compact_parser() -> argparse.ArgumentParser:
    from pipeline.compact import DEFAULT_TARGET_MB

    parser = dataset_parser(
        "newsbeam compact",
        "Merge each partition's small files into files of about the target size, atomically "
        "for readers (local datasets only).",
    )
    parser.add_argument(
        "--target-size-mb",
        type=float,
        default=DEFAULT_TARGET_MB,
        help=f"Size of the merged files; files under 3/4 of it are merged. Default: {DEFAULT_TARGET_MB}",
    )
    return parser


def compact(argv: Sequence[str]) -> int:
    args = compact_parser().parse_args(argv)
    from pipeline.compact import compact as run_compaction
    from pipeline.compact import format_report

    report = run_compaction(args.output, args.target_size_mb)
    print(format_report(report, args.output))
    return 0


def verify(argv: Sequence[str]) -> int:
    parser = dataset_parser("newsbeam verify", "Check a finished run's manifest against the files on disk.")
    parser.add_argument("--run-id", required=True, help="The run to check (its _runs/<run_id>.json).")
    args = parser.parse_args(argv)
    from pipeline import manifest
    from pipeline.job import format_summary
    from pipeline.settings import dataset_root

    output = dataset_root(args.output)
    report = manifest.verify(output, args.run_id)
    print(format_summary(report, output, None))
    for problem in report.problems:
        logging.getLogger(__name__).error("verification failed: %s", problem)
    return 1 if report.problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    verbose = "--verbose" in rest
    rest = [a for a in rest if a != "--verbose"]
    _configure_logging(verbose)
    if command in ("run", "stream"):
        from pipeline.runners import return_freed_memory

        return_freed_memory()
        if "-h" in rest or "--help" in rest:
            return _beam_help(command)
        if command == "run":
            from pipeline.job import run

            return run(rest)
        from pipeline.stream import run_stream

        return run_stream(rest)
    if command == "query":
        return query(rest)
    if command == "compact":
        return compact(rest)
    if command == "verify":
        return verify(rest)
    if command == "report":
        from pipeline.report import main as report_main

        return report_main(rest)
    if command == "runs":
        from pipeline.runs import main as runs_main

        return runs_main(rest)
    print(f"newsbeam: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


def command() -> NoReturn:
    """The `newsbeam` command: `main`, then an exit that skips the interpreter's teardown. The C++ libraries a
    run loads (Arrow, gRPC) can abort a finished, verified run while their threads are torn down at exit
    ("terminate called without an active exception", about 3 re-runs in 100), and a scheduler would read
    that as a failure. Output is flushed first; every file of the run is closed by then."""
    try:
        code: object = main()
    except SystemExit as stop:
        code = stop.code
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    command()
