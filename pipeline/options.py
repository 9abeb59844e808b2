"""newsbeam's pipeline options; everything Beam knows (runner, workers, …) passes through unchanged."""

from __future__ import annotations

import argparse

from apache_beam.options.pipeline_options import PipelineOptions

from pipeline import DEFAULT_INPUT, DEFAULT_OUTPUT
from transforms.read import DEFAULT_MAX_BYTES
from transforms.tag import DEFAULT_MIN_WORDS


class NewsbeamOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("newsbeam")
        group.add_argument(
            "--input",
            dest="input",
            action="extend",
            nargs="+",
            default=None,
            help=f"Files, globs or directories to read (.txt, .html/.htm, .jsonl); repeatable. "
            f"Default: {DEFAULT_INPUT}",
        )
        group.add_argument(
            "--output",
            dest="output",
            default=DEFAULT_OUTPUT,
            help=f"Dataset folder (local path or any Beam filesystem URL). Default: {DEFAULT_OUTPUT}",
        )
        group.add_argument(
            "--reference-date",
            dest="reference_date",
            default=None,
            help="YYYY-MM-DD that dates without a year are resolved against, and after which no date "
            "is believed. Default: today (UTC).",
        )
        group.add_argument(
            "--taxonomy",
            dest="taxonomy",
            default=None,
            help="YAML topic taxonomy: a list of topics replaces the built-in IPTC Media Topics top level; "
            "a mapping {extends: iptc, topics: [...]} adds to it (format: transforms/data/iptc_topics.yaml).",
        )
        group.add_argument(
            "--max-bytes",
            dest="max_bytes",
            type=int,
            default=DEFAULT_MAX_BYTES,
            help=f"Largest document accepted, in bytes; larger ones are rejected. Default: {DEFAULT_MAX_BYTES}",
        )
        group.add_argument(
            "--min-words",
            dest="min_words",
            type=int,
            default=DEFAULT_MIN_WORDS,
            help=f"Articles with fewer words after cleaning are rejected as too short. Default: {DEFAULT_MIN_WORDS}",
        )
        group.add_argument(
            "--run-id",
            dest="run_id",
            default=None,
            help="Identifier stamped on every row and file of the run. Default: UTC time plus a random suffix.",
        )
