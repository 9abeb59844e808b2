"""Discover: web sources (feeds, OPML and YAML lists, sitemaps, URL lists) → `EntryRef`s, the URLs to fetch
with what the source says about each (title, dates, authors, summary, categories).

Sources are fetched through the same polite client as articles (`transforms.web.client`), with a conditional GET
(ETag / Last-Modified). Every full response is stored in the state table `web_sources` with its
validators and the entries it listed, in one row, so one atomic file holds both. When a later run gets
`304 Not Modified`, the stored entries are replayed: an article whose fetch failed for a passing reason is
tried again, and the seen-URL check (`transforms.fetch.SkipSeen`) keeps everything else from being fetched
twice.

What a body is, is decided by its content, not by the option that named it: JSON Feed (parsed with `json`;
feedparser 6.0 does not read JSON Feed), sitemap and sitemap index, OPML, else RSS/Atom through feedparser.
Sitemap indexes and OPML lists are followed one level (the sitemap protocol does not nest indexes), in a
second round of fetching. XML is parsed by lxml with entity resolution, network access and huge trees off
(no XXE, no entity expansion bombs, no network), so no new dependency (defusedxml) is needed; feedparser
gets the bytes as a stream (never a string, which it would treat as a URL or a file name) and disables
external entities itself.

Real feeds break in three ways this module answers. A feed that is not well-formed XML (cut short, say) and
gives no entry is a rejected source (`malformed-feed`), not an empty feed, and a feed read past its errors
is never cached: its validators and listing are not stored, so the next run fetches it in full. Dates are
read from the strings the feed wrote, in the publisher's language, by `transforms.web.feeddates`, or not at all.
An entry without a link is `no-url` and one whose link is not http(s) `invalid-url`, whatever the format.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.state import SOURCES_SCHEMA, SOURCES_TABLE
from transforms._deadletter import REJECTED, DeadLetterFn, reject
from transforms._lanes import LaneFn, by_lane
from transforms._outputs import ParDoWithOutputs
from transforms._stage import Stage
from transforms.state import ReadStateRows, WriteStateRows
from transforms.storage.tables import read_table
from transforms.web.client import (
    SOURCE,
    FetchConfig,
    FetchFailure,
    Validators,
)
from transforms.web.feeds import (
    EntryRef,
    ParsedSource,
    SourceError,
    SourceRef,
    WebSources,
    from_snapshot,
    parse_source,
    parse_source_list,
    parse_url_line,
    snapshot,
    web_url,
)

logger = logging.getLogger(__name__)

# Failures to get or read a source are fetch failures (schemas.rejected.STAGES).
STAGE = "fetch"

_VALIDATOR_COLUMNS = pa.schema([SOURCES_SCHEMA.field(n) for n in ("url", "etag", "last_modified", "fetched_at")])

# Sources named by the user are depth 0; sitemaps of an index and feeds of an OPML list depth 1.
MAX_DEPTH = 1
# Count keys for the run manifest (summed with the other counts of the run).
COUNT_FETCHED = "web|sources-fetched"
COUNT_NOT_MODIFIED = "web|sources-not-modified"
COUNT_ENTRIES = "web|entries"
COUNT_SAVED = "web|sources-saved"
# Feeds that were not well-formed XML but still listed entries: used, never cached (see `parse_feed`).
COUNT_RECOVERED = "web|sources-recovered"


# --- plain parsing ------------------------------------------------------------------------------------------


def load_source_list(path: str) -> list[SourceRef]:
    """Read a `--feeds` file (local path or any Beam filesystem URL); ValueError with the reason if unusable."""
    try:
        with FileSystems.open(path) as handle:
            data = handle.read()
    except Exception as exc:  # Beam raises BeamIOError and friends
        raise ValueError(f"cannot read {path}: {exc}") from exc
    sources = parse_source_list(data, path)
    if not sources:
        raise ValueError(f"{path} lists no feeds or sitemaps")
    return sources


def web_sources_from(
    feeds: Sequence[str] = (),
    feed_lists: Sequence[str] = (),
    sitemaps: Sequence[str] = (),
    url_lists: Sequence[str] = (),
) -> WebSources:
    """The web inputs named on the command line; ValueError with a message for anything unusable (a
    `--feeds` file that is missing or lists nothing, a URL that is not http(s), a missing `--urls` file)."""
    sources: list[SourceRef] = []
    for url in feeds:
        sources.append(SourceRef(web_url(url, "--feed"), "feed"))
    for path in feed_lists:
        if urlsplit(path).scheme in ("http", "https"):
            sources.append(SourceRef(path, "opml"))  # a remote OPML list: read like any source
        else:
            sources.extend(load_source_list(path))
    for url in sitemaps:
        sources.append(SourceRef(web_url(url, "--sitemap"), "sitemap"))
    for path in url_lists:
        try:
            found = FileSystems.match([path])[0].metadata_list
        except Exception as exc:  # BeamIOError
            raise ValueError(f"cannot read --urls {path}: {exc}") from exc
        if not found:
            raise ValueError(f"--urls file not found: {path}")
    return WebSources(tuple(sources), tuple(url_lists))


def load_validators(output: str) -> dict[str, Validators]:
    """The newest ETag / Last-Modified per source URL from earlier runs (a small table, read by the launcher)."""
    table = read_table(output, SOURCES_TABLE, _VALIDATOR_COLUMNS)
    latest: dict[str, tuple[dt.datetime, Validators]] = {}
    for row in table.to_pylist():
        when = row["fetched_at"]
        if row["url"] not in latest or when >= latest[row["url"]][0]:
            latest[row["url"]] = (when, Validators(row["etag"], row["last_modified"]))
    return {url: v for url, (_, v) in latest.items() if v.etag or v.last_modified}


def source_row(url: str, parsed: ParsedSource, etag: str | None, modified: str | None, run_id: str) -> dict[str, Any]:
    """A full response as a row of `web_sources`: its validators and what it listed."""
    return {
        "url": url,
        "kind": parsed.kind,
        "etag": etag,
        "last_modified": modified,
        "fetched_at": dt.datetime.now(dt.timezone.utc),
        "run_id": run_id,
        "entries": snapshot(parsed),
    }


# --- Beam ---------------------------------------------------------------------------------------------------

CHILDREN = "children"
NOT_MODIFIED = "not_modified"
STATE = "state"
COUNTS = "counts"


def _emit_parsed(parsed: ParsedSource, ref: SourceRef, run_id: str) -> Iterator[Any]:
    """Entries on the main output; listed sources one level down (deeper ones rejected); unusable items
    rejected."""
    yield from parsed.entries
    for child in parsed.children:
        if ref.depth >= MAX_DEPTH:
            yield reject(
                child.url,
                STAGE,
                "nested-index",
                f"{child.url} is listed by {ref.url}, itself listed by {ref.via}: indexes do not nest",
                run_id,
                url=child.url,
            )
        else:
            yield beam.pvalue.TaggedOutput(CHILDREN, dataclasses.replace(child, depth=ref.depth + 1, via=ref.url))
    for listed, reason in parsed.invalid:
        yield reject(f"{ref.url}#{listed}", STAGE, reason, f"{ref.url} lists {listed!r}", run_id, url=None)


class _FetchSourcesFn(LaneFn):
    """Fetches the sources of one lane: hosts in parallel, each host's sources in order."""

    stage = STAGE
    thread_name = "discover"

    def __init__(self, run_id: str, config: FetchConfig, validators: Mapping[str, Validators]) -> None:
        super().__init__(run_id, config)
        self.validators = dict(validators)
        self.fetched = Metrics.counter(STAGE, "sources_fetched")
        self.not_modified = Metrics.counter(STAGE, "sources_not_modified")
        self.entries = Metrics.counter(STAGE, "entries_discovered")
        self.recovered = Metrics.counter(STAGE, "sources_recovered")
        self.counters = {
            COUNT_FETCHED: self.fetched,
            COUNT_NOT_MODIFIED: self.not_modified,
            COUNT_RECOVERED: self.recovered,
        }

    def handle(self, element: tuple[int, Iterable[SourceRef]]) -> Iterable[Any]:
        _, refs = element
        unique = {ref.url: ref for ref in refs}  # a source named twice is fetched once
        for out in self.by_host(unique.values()):
            if isinstance(out, EntryRef):
                self.entries.inc()
            elif isinstance(out, beam.pvalue.TaggedOutput) and out.tag == COUNTS:
                self.counters[out.value[0]].inc()
            yield out

    def _one(self, ref: SourceRef) -> list[Any]:
        validators = self.validators.get(ref.url)
        try:
            result = self.client.get(ref.url, SOURCE, validators)
        except FetchFailure as failure:
            return [reject(ref.url, STAGE, failure.reason, f"{ref.kind} {failure.detail}", self.run_id, url=ref.url)]
        if result.not_modified:
            return [
                beam.pvalue.TaggedOutput(NOT_MODIFIED, (ref.url, ref)),
                beam.pvalue.TaggedOutput(COUNTS, (COUNT_NOT_MODIFIED, 1)),
            ]
        try:
            content_type = result.headers.get("content-type", "")  # with its charset, for feedparser
            parsed = parse_source(result.body, result.final_url, content_type, self.config.max_bytes)
        except SourceError as exc:
            return [reject(ref.url, STAGE, exc.reason, f"{ref.kind} {ref.url}: {exc.detail}", self.run_id, ref.url)]
        outs: list[Any] = [beam.pvalue.TaggedOutput(COUNTS, (COUNT_FETCHED, 1))]
        outs.extend(_emit_parsed(parsed, ref, self.run_id))
        if parsed.malformed:
            # Its entries are used, but its validators and listing are not kept: the next run fetches it in
            # full rather than replaying what a broken file happened to hold.
            logger.warning(
                "%s: not well-formed, %d entries recovered (%s)", ref.url, len(parsed.entries), parsed.malformed
            )
            outs.append(beam.pvalue.TaggedOutput(COUNTS, (COUNT_RECOVERED, 1)))
            return outs
        etag, modified = result.headers.get("etag"), result.headers.get("last-modified")
        if etag or modified:
            outs.append(beam.pvalue.TaggedOutput(STATE, source_row(ref.url, parsed, etag, modified, self.run_id)))
        logger.debug("%s: %s with %d entries", ref.url, parsed.kind, len(parsed.entries))
        return outs


class _ReplayFn(DeadLetterFn):
    """A source that answered 304: what it listed last time, from `web_sources`."""

    stage = STAGE

    def handle(self, element: tuple[str, Mapping[str, Iterable[Any]]]) -> Iterable[Any]:
        url, groups = element
        refs = list(groups["refs"])
        if not refs:
            return
        ref = refs[0]
        snapshots = list(groups["snapshots"])
        if not snapshots:
            yield reject(url, STAGE, "not-modified-without-snapshot", "304 but no stored entries", self.run_id, url)
            return
        latest = max(snapshots, key=lambda row: row["fetched_at"])
        yield from _emit_parsed(from_snapshot(latest["entries"]), ref, self.run_id)


@dataclass(eq=False, repr=False)
class _SourceRound(Stage):
    """One level of sources: fetch (grouped by lane so each host is fetched by one worker), parse, and
    replay the stored listing of those that were not modified."""

    run_id: str
    config: FetchConfig
    validators: Mapping[str, Validators]
    snapshots: beam.PCollection

    def expand(self, refs: beam.PCollection) -> dict[str, beam.PCollection]:
        fetched = by_lane(refs, self.config) | "FetchSources" >> ParDoWithOutputs(
            _FetchSourcesFn(self.run_id, self.config, self.validators),
            CHILDREN,
            NOT_MODIFIED,
            STATE,
            COUNTS,
            REJECTED,
            main="entries",
        )
        replayed = (
            {"refs": fetched[NOT_MODIFIED], "snapshots": self.snapshots}
            | "JoinSnapshots" >> beam.CoGroupByKey()
            | "Replay" >> ParDoWithOutputs(_ReplayFn(self.run_id), CHILDREN, REJECTED, main="entries")
        )
        return {
            "entries": (fetched["entries"], replayed["entries"]) | "Entries" >> beam.Flatten(),
            CHILDREN: (fetched[CHILDREN], replayed[CHILDREN]) | "Children" >> beam.Flatten(),
            REJECTED: (fetched[REJECTED], replayed[REJECTED]) | "Rejected" >> beam.Flatten(),
            STATE: fetched[STATE],
            COUNTS: fetched[COUNTS],
        }


class _ReadUrlListFn(DeadLetterFn):
    """Streams a `--urls` file line by line: an EntryRef per URL, a rejected row per line that is not one."""

    stage = STAGE

    def handle(self, path: str) -> Iterable[Any]:
        with FileSystems.open(path) as handle:
            for number, raw in enumerate(io.TextIOWrapper(handle, encoding="utf-8", errors="replace"), start=1):
                source = f"{path}#L{number}"
                made = parse_url_line(raw, source)
                if made is None:
                    continue
                if isinstance(made, EntryRef):
                    yield made
                else:
                    yield reject(source, STAGE, made[1], f"not an http(s) URL: {made[0][:200]!r}", self.run_id)


class Discovered(NamedTuple):
    """What `Discover` returns."""

    entries: beam.PCollection  # EntryRefs, on to SkipSeen and Fetch
    rejected: beam.PCollection  # Rejected rows of sources and listed URLs that failed (each one input)
    counts: beam.PCollection  # (key, n) pairs about the sources, for the run manifest


@dataclass(eq=False, repr=False)
class Discover(Stage):
    """Web sources → `Discovered(entries, rejected, counts)`.

    Sources named by the user are fetched first; sitemaps of an index and feeds of an OPML list in a
    second round. New validators and listings go to `<output>/_state/web_sources/`.
    """

    web: WebSources
    output: str
    run_id: str
    config: FetchConfig
    validators: Mapping[str, Validators] | None = None

    def expand(self, pbegin: beam.pvalue.PBegin) -> Discovered:
        validators = self.validators if self.validators is not None else load_validators(self.output)
        snapshots = (
            pbegin
            | "ReadSnapshots" >> ReadStateRows(self.output, SOURCES_TABLE, ["url", "fetched_at", "entries"])
            | "KeySnapshots" >> beam.Map(lambda row: (row["url"], row))
        )
        unique = list({s.url: s for s in self.web.sources}.values())
        sources = pbegin | "Sources" >> beam.Create(unique)
        first = sources | "Named" >> _SourceRound(self.run_id, self.config, validators, snapshots)
        second = first[CHILDREN] | "Listed" >> _SourceRound(self.run_id, self.config, validators, snapshots)
        lists = (
            pbegin
            | "UrlLists" >> beam.Create(list(self.web.url_lists))
            | "ReadUrlLists" >> ParDoWithOutputs(_ReadUrlListFn(self.run_id), REJECTED, main="entries")
        )
        entries = (first["entries"], second["entries"], lists["entries"]) | "AllEntries" >> beam.Flatten()
        # Round two rejects what it would list (indexes do not nest), so its CHILDREN output stays empty.
        rejected = (first[REJECTED], second[REJECTED], lists[REJECTED]) | "SourceRejects" >> beam.Flatten()
        saved = (
            (first[STATE], second[STATE])
            | "NewValidators" >> beam.Flatten()
            | "WriteValidators" >> WriteStateRows(self.output, SOURCES_TABLE, SOURCES_SCHEMA, self.run_id)
            | "CountSaved" >> beam.Map(lambda n: (COUNT_SAVED, n))
        )
        # Every output leads to the counts, which lead to the run manifest: no dead ends a runner may skip.
        counts = (
            first[COUNTS],
            second[COUNTS],
            entries | "CountEntries" >> beam.Map(lambda _: (COUNT_ENTRIES, 1)),
            saved,
        ) | "SourceCounts" >> beam.Flatten()
        return Discovered(entries, rejected, counts)
