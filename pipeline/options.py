"""newsbeam's pipeline options; everything Beam knows (runner, workers, …) passes through unchanged.

Every newsbeam option has two spellings, `--max-bytes` and `--max_bytes` (the argparse `dest`), and every
switch takes a value too (`--keep-non-articles=true`): launchers that pass options as `--name=value`
(Dataflow Flex Template parameters, Airflow's `pipeline_options`, Beam's own `PipelineOptions.from_dictionary`
on workers) then need no translation. The defaults are the libraries' own constants, so each is written once.
"""

from __future__ import annotations

import argparse
import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Option:
    """One newsbeam option as data, so that an options class is its list and each is added the same way
    (`add_option`: both spellings).

    A `help` that does not state the default itself ends with `Default: <default>` (a float as `%g`) where
    there is one: the default, usually a library's constant, is then written once."""

    name: str
    help: str
    type: Callable[[str], Any] | None = None
    default: Any = None
    action: str | builtins.type[argparse.Action] | None = None  # `type` is the field above
    nargs: str | None = None

    def add_to(self, group: Any) -> argparse.Action:
        text = self.help
        if self.default is not None and "Default:" not in text:
            shown = f"{self.default:g}" if isinstance(self.default, float) else self.default
            text = f"{text} Default: {shown}"
        given = {"type": self.type, "default": self.default, "action": self.action, "nargs": self.nargs}
        return add_option(group, self.name, help=text, **{k: v for k, v in given.items() if v is not None})


def option_groups(*groups: tuple[str, Sequence[Option]]) -> Any:
    """The `_add_argparse_args` of an options class declared as data: each `--help` group's title and options
    (a classmethod, typed Any: mypy compares a classmethod object with Beam's method signature and refuses it).

    The class must still derive from `PipelineOptions` directly, not from a common base of newsbeam's own:
    Beam's `get_all_options` (what reaches the workers) asks only direct subclasses for their options."""

    def add_argparse_args(cls: type, parser: argparse.ArgumentParser) -> None:
        for title, options in groups:
            group = parser.add_argument_group(title)
            for option in options:
                option.add_to(group)

    return classmethod(add_argparse_args)


_RUN = (
    Option(
        "input",
        "Files, globs or directories to read (.txt/.text, .html/.htm, .jsonl, web archives "
        ".warc/.warc.gz/.arc/.arc.gz); repeatable. "
        f"Default: {DEFAULT_INPUT} (none when a web source is given)",
        action="extend",
        nargs="+",
    ),
    Option("output", "Dataset folder (local path or any Beam filesystem URL).", default=DEFAULT_OUTPUT),
    Option(
        "reference-date",
        "YYYY-MM-DD that dates without a year are resolved against, and after which no date is believed. "
        "Default: today (UTC).",
    ),
    Option(
        "taxonomy",
        "YAML topic taxonomy: a list of topics replaces the built-in IPTC Media Topics top level; "
        "a mapping {extends: iptc, topics: [...]} adds to it (format: transforms/data/iptc_topics.yaml).",
    ),
    Option(
        "max-bytes",
        "Largest document accepted, in bytes (for a fetched page, feed or sitemap: after decompression); "
        "larger ones are rejected.",
        type=int,
        default=DEFAULT_MAX_BYTES,
    ),
    Option(
        "min-words",
        "Articles with fewer words after cleaning are rejected as too short.",
        type=int,
        default=DEFAULT_MIN_WORDS,
    ),
    Option(
        "keep-non-articles",
        "Write pages that are not articles (product, service, forum, listing, collection, documentation "
        "and error pages) too, their kind in the `page_kind` column. Default: they become rejected rows "
        "(stage extract, reason not-an-article).",
        action=Switch,
    ),
    Option(
        "reprocess",
        "Process every input again, even those an earlier run with the same settings settled; their "
        "articles are written as new revisions. Default: only inputs that are new, changed, or settled "
        "under another newsbeam version or other settings are processed.",
        action=Switch,
    ),
    Option(
        "max-internal-errors",
        "Internal errors (rejected rows with reason internal-error: a bug, not a bad input) a run "
        "tolerates; with more it exits 1 and prints the first traceback. The rows are written either way.",
        type=int,
        default=0,
    ),
    Option("run-id", "Identifier stamped on every row and file of the run. Default: UTC time plus a random suffix."),
)
_STORIES = (
    Option(
        "near-duplicate-threshold",
        "Estimated Jaccard similarity of word 3-shingles from which an article is flagged as a near-"
        "duplicate (`duplicate_of`) of an earlier one.",
        type=float,
        default=DEFAULT_NEAR_DUPLICATE_THRESHOLD,
    ),
    Option(
        "story-threshold",
        "Mean salient-term cosine similarity from which articles form one story.",
        type=float,
        default=DEFAULT_STORY_THRESHOLD,
    ),
    Option(
        "story-window-days",
        "Articles whose publication dates are further apart are never in one story; earlier articles "
        "this close to a run's dates are looked up.",
        type=int,
        default=DEFAULT_WINDOW_DAYS,
    ),
)
_WEB = (
    Option("feed", "URL of an RSS, Atom or JSON Feed (an OPML list works too); repeatable.", action="append"),
    Option(
        "feeds",
        "File listing feeds and sitemaps: OPML (as feed readers export it) or YAML (a list of URLs, or "
        "feeds: and sitemaps: lists); repeatable.",
        action="append",
    ),
    Option(
        "sitemap",
        "URL of a sitemap or sitemap index (gzipped or not, Google News sitemaps included); repeatable.",
        action="append",
    ),
    Option("urls", "File with one article URL per line (# comments); repeatable.", action="append"),
    Option(
        "allow-private-hosts",
        "Allow requests to loopback, private, link-local and other non-public addresses (tests, "
        "intranets). Default: refused, checked after DNS resolution and after every redirect.",
        action=Switch,
    ),
    Option("user-agent", "User-Agent of every request, also matched against robots.txt.", default=DEFAULT_USER_AGENT),
    Option(
        "per-host-delay",
        "Seconds between the end of one request to a host and the start of the next (a robots.txt "
        "Crawl-delay can raise it).",
        type=float,
        default=DEFAULT_PER_HOST_DELAY,
    ),
    Option(
        "timeout",
        f"Seconds one request may take in all (connect at most {FetchConfig.connect_timeout:g} of them, "
        f"each silence on the socket at most {FetchConfig.read_timeout:g}); a slower response is retried, "
        "then rejected.",
        type=float,
        default=DEFAULT_TIMEOUT,
    ),
)


class NewsbeamOptions(PipelineOptions):
    """The options of `newsbeam run` and `newsbeam stream` (and of the Flex Template), in three groups."""

    _add_argparse_args = option_groups(
        ("newsbeam", _RUN), ("newsbeam duplicates and stories", _STORIES), ("newsbeam web sources", _WEB)
    )
