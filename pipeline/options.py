"""newsbeam's pipeline options; everything Beam knows (runner, workers, …) passes through unchanged."""

from __future__ import annotations

import argparse

from apache_beam.options.pipeline_options import PipelineOptions

from pipeline import DEFAULT_INPUT, DEFAULT_OUTPUT
from transforms.read import DEFAULT_MAX_BYTES
from transforms.tag import DEFAULT_MIN_WORDS
from transforms.text.minhash import DEFAULT_NEAR_DUPLICATE_THRESHOLD
from transforms.text.stories import DEFAULT_STORY_THRESHOLD, DEFAULT_WINDOW_DAYS
from transforms.web.client import DEFAULT_PER_HOST_DELAY, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT


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
            f"Default: {DEFAULT_INPUT} (none when a web source is given)",
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
            help="Largest document accepted, in bytes (for a fetched page, feed or sitemap: after decompression); "
            f"larger ones are rejected. Default: {DEFAULT_MAX_BYTES}",
        )
        group.add_argument(
            "--min-words",
            dest="min_words",
            type=int,
            default=DEFAULT_MIN_WORDS,
            help=f"Articles with fewer words after cleaning are rejected as too short. Default: {DEFAULT_MIN_WORDS}",
        )
        group.add_argument(
            "--keep-non-articles",
            dest="keep_non_articles",
            action="store_true",
            default=False,
            help="Write pages that are not articles (product, service, forum, listing, collection, documentation "
            "and error pages) too, their kind in the `page_kind` column. Default: they become rejected rows "
            "(stage extract, reason not-an-article).",
        )
        group.add_argument(
            "--max-internal-errors",
            dest="max_internal_errors",
            type=int,
            default=0,
            help="Internal errors (rejected rows with reason internal-error: a bug, not a bad input) a run "
            "tolerates; with more it exits 1 and prints the first traceback. The rows are written either way. "
            "Default: 0",
        )
        group.add_argument(
            "--run-id",
            dest="run_id",
            default=None,
            help="Identifier stamped on every row and file of the run. Default: UTC time plus a random suffix.",
        )
        stories = parser.add_argument_group("newsbeam duplicates and stories")
        stories.add_argument(
            "--near-duplicate-threshold",
            dest="near_duplicate_threshold",
            type=float,
            default=DEFAULT_NEAR_DUPLICATE_THRESHOLD,
            help="Estimated Jaccard similarity of word 3-shingles from which an article is flagged as a near-"
            f"duplicate (`duplicate_of`) of an earlier one. Default: {DEFAULT_NEAR_DUPLICATE_THRESHOLD}",
        )
        stories.add_argument(
            "--story-threshold",
            dest="story_threshold",
            type=float,
            default=DEFAULT_STORY_THRESHOLD,
            help="Mean salient-term cosine similarity from which articles form one story. "
            f"Default: {DEFAULT_STORY_THRESHOLD}",
        )
        stories.add_argument(
            "--story-window-days",
            dest="story_window_days",
            type=int,
            default=DEFAULT_WINDOW_DAYS,
            help="Articles whose publication dates are further apart are never in one story; earlier articles "
            f"this close to a run's dates are looked up. Default: {DEFAULT_WINDOW_DAYS}",
        )
        web = parser.add_argument_group("newsbeam web sources")
        web.add_argument(
            "--feed",
            dest="feed",
            action="append",
            default=None,
            help="URL of an RSS, Atom or JSON Feed (an OPML list works too); repeatable.",
        )
        web.add_argument(
            "--feeds",
            dest="feeds",
            action="append",
            default=None,
            help="File listing feeds and sitemaps: OPML (as feed readers export it) or YAML (a list of URLs, or "
            "feeds: and sitemaps: lists); repeatable.",
        )
        web.add_argument(
            "--sitemap",
            dest="sitemap",
            action="append",
            default=None,
            help="URL of a sitemap or sitemap index (gzipped or not, Google News sitemaps included); repeatable.",
        )
        web.add_argument(
            "--urls",
            dest="urls",
            action="append",
            default=None,
            help="File with one article URL per line (# comments); repeatable.",
        )
        web.add_argument(
            "--allow-private-hosts",
            dest="allow_private_hosts",
            action="store_true",
            default=False,
            help="Allow requests to loopback, private, link-local and other non-public addresses (tests, "
            "intranets). Default: refused, checked after DNS resolution and after every redirect.",
        )
        web.add_argument(
            "--user-agent",
            dest="user_agent",
            default=DEFAULT_USER_AGENT,
            help=f"User-Agent of every request, also matched against robots.txt. Default: {DEFAULT_USER_AGENT}",
        )
        web.add_argument(
            "--per-host-delay",
            dest="per_host_delay",
            type=float,
            default=DEFAULT_PER_HOST_DELAY,
            help="Seconds between the end of one request to a host and the start of the next (a robots.txt "
            f"Crawl-delay can raise it). Default: {DEFAULT_PER_HOST_DELAY:g}",
        )
        web.add_argument(
            "--timeout",
            dest="timeout",
            type=float,
            default=DEFAULT_TIMEOUT,
            help="Seconds one request may take in all (connect at most 10 of them, each silence on the socket "
            f"at most 20); a slower response is retried, then rejected. Default: {DEFAULT_TIMEOUT:g}",
        )
