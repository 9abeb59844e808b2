"""newsbeam's pipeline options; everything Beam knows (runner, workers, …) passes through unchanged.

Every newsbeam option has two spellings, `--max-bytes` and `--max_bytes` (the argparse `dest`), and every
switch takes a value too (`--keep-non-articles=true`): launchers that pass options as `--name=value`
(Dataflow Flex Template parameters, Airflow's `pipeline_options`, Beam's own `PipelineOptions.from_dictionary`
on workers) then need no translation. The defaults are the libraries' own constants, so each is written once.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from apache_beam.options.pipeline_options import PipelineOptions

from pipeline import DEFAULT_INPUT, DEFAULT_OUTPUT
from transforms.tag import DEFAULT_MIN_WORDS
from transforms.text.minhash import DEFAULT_NEAR_DUPLICATE_THRESHOLD
from transforms.text.stories import DEFAULT_STORY_THRESHOLD, DEFAULT_WINDOW_DAYS
from transforms.web.client import (
    DEFAULT_MAX_BYTES,
    DEFAULT_PER_HOST_DELAY,
    DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT,
    FetchConfig,
)

_ON = frozenset({"true", "1", "yes", "on"})
_OFF = frozenset({"false", "0", "no", "off"})


class Switch(argparse.Action):
    """An on/off option: given bare or as `=true` it is on, as `=false` off; absent, off.

    `store_true` would refuse `--allow_private_hosts=true`, the only way a Flex Template parameter or an
    Airflow option can say it."""

    def __init__(
        self, option_strings: Sequence[str], dest: str, default: bool = False, help: str | None = None
    ) -> None:
        super().__init__(option_strings, dest, nargs="?", const=True, default=default, metavar="true|false", help=help)

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: str | None = None
    ) -> None:
        if isinstance(values, str):
            word = values.strip().lower()
            if word not in _ON | _OFF:
                raise argparse.ArgumentError(self, f"expects true or false, got {values!r}")
            values = word in _ON
        setattr(namespace, self.dest, bool(values))


def add_option(group: Any, name: str, **kwargs: Any) -> argparse.Action:
    """Add the option `--<name>` (dashes) under both spellings, `--max-bytes` and `--max_bytes`; its `dest`
    is the underscore name.

    The underscore spelling is left out when Beam already has an option of that name and `dest`
    (`--user_agent`, Beam's setup option): both then set the same value, and a second flag would clash."""
    dest = name.replace("-", "_")
    flags = ["--" + name.replace("_", "-")]
    underscored = "--" + dest
    known = group._option_string_actions.get(underscored)  # shared by a parser and its groups
    if known is not None and known.dest != dest:
        raise ValueError(f"{underscored} is another option's flag ({known.dest})")
    if underscored != flags[0] and known is None:
        flags.append(underscored)
    action: argparse.Action = group.add_argument(*flags, dest=dest, **kwargs)
    return action


class NewsbeamOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("newsbeam")
        add_option(
            group,
            "input",
            action="extend",
            nargs="+",
            default=None,
            help=f"Files, globs or directories to read (.txt, .html/.htm, .jsonl); repeatable. "
            f"Default: {DEFAULT_INPUT} (none when a web source is given)",
        )
        add_option(
            group,
            "output",
            default=DEFAULT_OUTPUT,
            help=f"Dataset folder (local path or any Beam filesystem URL). Default: {DEFAULT_OUTPUT}",
        )
        add_option(
            group,
            "reference-date",
            default=None,
            help="YYYY-MM-DD that dates without a year are resolved against, and after which no date "
            "is believed. Default: today (UTC).",
        )
        add_option(
            group,
            "taxonomy",
            default=None,
            help="YAML topic taxonomy: a list of topics replaces the built-in IPTC Media Topics top level; "
            "a mapping {extends: iptc, topics: [...]} adds to it (format: transforms/data/iptc_topics.yaml).",
        )
        add_option(
            group,
            "max-bytes",
            type=int,
            default=DEFAULT_MAX_BYTES,
            help="Largest document accepted, in bytes (for a fetched page, feed or sitemap: after decompression); "
            f"larger ones are rejected. Default: {DEFAULT_MAX_BYTES}",
        )
        add_option(
            group,
            "min-words",
            type=int,
            default=DEFAULT_MIN_WORDS,
            help=f"Articles with fewer words after cleaning are rejected as too short. Default: {DEFAULT_MIN_WORDS}",
        )
        add_option(
            group,
            "keep-non-articles",
            action=Switch,
            help="Write pages that are not articles (product, service, forum, listing, collection, documentation "
            "and error pages) too, their kind in the `page_kind` column. Default: they become rejected rows "
            "(stage extract, reason not-an-article).",
        )
        add_option(
            group,
            "reprocess",
            action=Switch,
            help="Process every input again, even those an earlier run with the same settings settled; their "
            "articles are written as new revisions. Default: only inputs that are new, changed, or settled "
            "under another newsbeam version or other settings are processed.",
        )
        add_option(
            group,
            "max-internal-errors",
            type=int,
            default=0,
            help="Internal errors (rejected rows with reason internal-error: a bug, not a bad input) a run "
            "tolerates; with more it exits 1 and prints the first traceback. The rows are written either way. "
            "Default: 0",
        )
        add_option(
            group,
            "run-id",
            default=None,
            help="Identifier stamped on every row and file of the run. Default: UTC time plus a random suffix.",
        )
        stories = parser.add_argument_group("newsbeam duplicates and stories")
        add_option(
            stories,
            "near-duplicate-threshold",
            type=float,
            default=DEFAULT_NEAR_DUPLICATE_THRESHOLD,
            help="Estimated Jaccard similarity of word 3-shingles from which an article is flagged as a near-"
            f"duplicate (`duplicate_of`) of an earlier one. Default: {DEFAULT_NEAR_DUPLICATE_THRESHOLD}",
        )
        add_option(
            stories,
            "story-threshold",
            type=float,
            default=DEFAULT_STORY_THRESHOLD,
            help="Mean salient-term cosine similarity from which articles form one story. "
            f"Default: {DEFAULT_STORY_THRESHOLD}",
        )
        add_option(
            stories,
            "story-window-days",
            type=int,
            default=DEFAULT_WINDOW_DAYS,
            help="Articles whose publication dates are further apart are never in one story; earlier articles "
            f"this close to a run's dates are looked up. Default: {DEFAULT_WINDOW_DAYS}",
        )
        web = parser.add_argument_group("newsbeam web sources")
        add_option(
            web,
            "feed",
            action="append",
            default=None,
            help="URL of an RSS, Atom or JSON Feed (an OPML list works too); repeatable.",
        )
        add_option(
            web,
            "feeds",
            action="append",
            default=None,
            help="File listing feeds and sitemaps: OPML (as feed readers export it) or YAML (a list of URLs, or "
            "feeds: and sitemaps: lists); repeatable.",
        )
        add_option(
            web,
            "sitemap",
            action="append",
            default=None,
            help="URL of a sitemap or sitemap index (gzipped or not, Google News sitemaps included); repeatable.",
        )
        add_option(
            web,
            "urls",
            action="append",
            default=None,
            help="File with one article URL per line (# comments); repeatable.",
        )
        add_option(
            web,
            "allow-private-hosts",
            action=Switch,
            help="Allow requests to loopback, private, link-local and other non-public addresses (tests, "
            "intranets). Default: refused, checked after DNS resolution and after every redirect.",
        )
        add_option(
            web,
            "user-agent",
            default=DEFAULT_USER_AGENT,
            help=f"User-Agent of every request, also matched against robots.txt. Default: {DEFAULT_USER_AGENT}",
        )
        add_option(
            web,
            "per-host-delay",
            type=float,
            default=DEFAULT_PER_HOST_DELAY,
            help="Seconds between the end of one request to a host and the start of the next (a robots.txt "
            f"Crawl-delay can raise it). Default: {DEFAULT_PER_HOST_DELAY:g}",
        )
        add_option(
            web,
            "timeout",
            type=float,
            default=DEFAULT_TIMEOUT,
            help=f"Seconds one request may take in all (connect at most {FetchConfig.connect_timeout:g} of them, "
            f"each silence on the socket at most {FetchConfig.read_timeout:g}); a slower response is retried, "
            f"then rejected. Default: {DEFAULT_TIMEOUT:g}",
        )
