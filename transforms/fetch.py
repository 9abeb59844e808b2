"""Fetch: `EntryRef`s → `RawDocument`s (the article pages), politely and safely (see `transforms.web.client`),
with hosts in parallel and each host's pages in order.

Three composites make a web run incremental:
- `SkipSeen` (before fetching): an entry whose canonical URL an earlier run settled, or that another
  source of this run already lists, is not fetched; it is counted as a duplicate (`seen-url`,
  `duplicate-url`), so the run's inputs still balance.
- `Fetch`: one output per entry, a document or a rejected row (stage `fetch`, the final status and reason);
  permanent failures (404, robots disallow, oversized…) are also reported as settled.
- `MarkSeen` (after the run's files are written): the entry URLs that ended as an article, a duplicate or
  a permanent reject go to `_state/seen_urls`. Written last, so a run that dies loses nothing: what it
  did not record is fetched again next time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.document import DUPLICATE, WRITTEN, RawDocument
from schemas.document import REJECTED as REJECTED_OUTCOME
from schemas.state import SEEN_SCHEMA, SEEN_TABLE
from transforms import state
from transforms._barrier import AfterFiles
from transforms._deadletter import REJECTED, reject
from transforms._lanes import LaneFn, by_lane
from transforms._outputs import ParDoWithOutputs
from transforms._stage import Stage
from transforms.discover import Discover
from transforms.state import ReadStateRows, window_run_id
from transforms.web.charset import declared_charset, decode, sniff_binary, web_codec
from transforms.web.client import (
    ARTICLE,
    FetchConfig,
    FetchFailure,
    FetchResult,
)
from transforms.web.feeds import EntryRef, WebSources

logger = logging.getLogger(__name__)

STAGE = "fetch"


SKIPPED = "skipped"
SETTLED = "settled"
SEEN_URL = "seen-url"  # settled by an earlier run
DUPLICATE_URL = "duplicate-url"  # listed again by another source (or twice by one) in this run
COUNT_SEEN_RECORDED = "web|seen-urls-recorded"

# Which listing's evidence to keep when several list one URL: a feed says more than a sitemap, a sitemap
# more than a bare URL list.
_EVIDENCE_RANK = {"feed": 0, "sitemap": 1, "urls": 2}


@dataclass(frozen=True)
class Skipped:
    """An entry not fetched; counted as a duplicate input of the run."""

    source: str  # the canonical URL
    url: str
    reason: str  # SEEN_URL or DUPLICATE_URL
    via: str  # the feed, sitemap or list that named it


def pick_entry(entries: Iterable[EntryRef]) -> EntryRef:
    """One entry for a URL listed several times: the richest listing (dated, feed over sitemap over list),
    with fields it lacks taken from the others."""
    ranked = sorted(entries, key=lambda e: (e.published is None, _EVIDENCE_RANK.get(e.source_kind, 9), e.source))
    best = ranked[0]
    missing = {
        name: next((getattr(e, name) for e in ranked[1:] if getattr(e, name)), None)
        for name in ("title", "summary", "publisher", "language")
        if not getattr(best, name)
    }
    filled = {name: value for name, value in missing.items() if value}
    return dataclasses.replace(best, **filled) if filled else best


class _PickFn(beam.DoFn):
    def __init__(self) -> None:
        self.fresh = Metrics.counter(STAGE, "entries_to_fetch")
        self.seen = Metrics.counter(STAGE, "entries_seen_before")
        self.twice = Metrics.counter(STAGE, "entries_listed_twice")

    def process(self, element: tuple[str, Mapping[str, Iterable[Any]]]) -> Iterable[Any]:
        _, groups = element
        entries = list(groups["entries"])
        if not entries:
            return
        if any(True for _ in groups["seen"]):
            for entry in entries:
                self.seen.inc()
                yield beam.pvalue.TaggedOutput(SKIPPED, Skipped(entry.canonical, entry.url, SEEN_URL, entry.source))
            return
        chosen = pick_entry(entries)
        self.fresh.inc()
        yield chosen
        dropped = list(entries)
        dropped.remove(next(e for e in entries if e.source == chosen.source and e.url == chosen.url))
        for entry in dropped:
            self.twice.inc()
            yield beam.pvalue.TaggedOutput(SKIPPED, Skipped(entry.canonical, entry.url, DUPLICATE_URL, entry.source))


class Unseen(NamedTuple):
    """What `SkipSeen` returns."""

    fresh: beam.PCollection  # EntryRefs to fetch
    skipped: beam.PCollection  # `Skipped` entries: each one input and one duplicate of the run


@dataclass(eq=False, repr=False)
class SkipSeen(Stage):
    """EntryRefs → `Unseen(fresh, skipped)`: one per canonical URL, none that an earlier run settled.

    Earlier runs' URLs are streamed from `_state/seen_urls` and meet the entries in a CoGroupByKey on the
    canonical URL, so no worker holds every URL ever seen."""

    output: str

    def expand(self, entries: beam.PCollection) -> Unseen:
        seen = (
            entries.pipeline
            | "ReadSeen" >> ReadStateRows(self.output, SEEN_TABLE, ["canonical_url"])
            | "KeySeen" >> beam.Map(lambda row: (row["canonical_url"], None))
        )
        keyed = entries | "KeyByCanonical" >> beam.Map(lambda e: (e.canonical, e))
        results = (
            {"entries": keyed, "seen": seen}
            | "JoinSeen" >> beam.CoGroupByKey()
            | "Pick" >> ParDoWithOutputs(_PickFn(), SKIPPED, main="fresh")
        )
        return Unseen(results["fresh"], results[SKIPPED])


def document_from(entry: EntryRef, result: FetchResult) -> RawDocument | tuple[str, str]:
    """The fetched page as a RawDocument carrying the entry's evidence; (reason, detail) when the body is
    not usable text."""
    data = result.body
    if not data.strip():
        return ("empty", f"HTTP {result.status} with {len(data)} bytes")
    binary = sniff_binary(data)
    if binary:
        return ("binary-content", f"looks like {binary}, not HTML")
    try:
        text, encoding = decode(data, web_codec(result.charset) or declared_charset(data))
    except UnicodeDecodeError as exc:
        return ("undecodable", str(exc))
    meta: dict[str, Any] = {"via": entry.source, "listed_url": entry.url, "http_status": result.status}
    if entry.summary:
        meta["summary"] = entry.summary
    if entry.categories:
        meta["categories"] = list(entry.categories)
    if entry.language:
        meta["language"] = entry.language
    return RawDocument(
        source=entry.canonical,
        source_format="html",
        kind="html",
        content=text,
        url=result.final_url,
        title=entry.title,
        published=entry.published,
        published_source="sitemap" if entry.source_kind == "sitemap" else "feed",
        updated=entry.updated,
        publisher=entry.publisher,
        authors=list(entry.authors),
        encoding=encoding,
        meta=meta,
        # A feed entry vouches for its page, and so does a news-sitemap entry (news:title); a plain sitemap
        # or URL-list line does not.
        vouched=entry.source_kind == "feed" or (entry.source_kind == "sitemap" and entry.title is not None),
    )


class _FetchPagesFn(LaneFn):
    """Fetches the entries of one lane: hosts in parallel (bounded threads), each host's pages in order at
    its polite rate. Outputs come out in this thread as pages arrive."""

    stage = STAGE
    thread_name = "fetch"
    source_attr = "canonical"  # an entry's rows are keyed by its canonical URL, as its other outcomes

    def __init__(self, run_id: str, config: FetchConfig) -> None:
        super().__init__(run_id, config)
        self.pages = Metrics.counter(STAGE, "pages")
        self.permanent = Metrics.counter(STAGE, "permanent_failures")

    def handle(self, element: tuple[int, Iterable[EntryRef]]) -> Iterable[Any]:
        _, entries = element
        for out in self.by_host(entries):
            if isinstance(out, RawDocument):
                self.pages.inc()
            elif isinstance(out, beam.pvalue.TaggedOutput) and out.tag == SETTLED:
                self.permanent.inc()
            yield out

    def _one(self, entry: EntryRef) -> list[Any]:
        outs: list[Any]
        try:
            result = self.client.get(entry.url, ARTICLE)
        except FetchFailure as failure:
            status = f"HTTP {failure.status}: " if failure.status and failure.reason != f"http-{failure.status}" else ""
            outs = [
                reject(entry.canonical, STAGE, failure.reason, f"{status}{failure.detail}", self.run_id, url=entry.url)
            ]
            if failure.permanent:
                outs.append(beam.pvalue.TaggedOutput(SETTLED, entry.canonical))
            return outs
        made = document_from(entry, result)
        if isinstance(made, RawDocument):
            return [made]
        reason, detail = made
        outs = [reject(entry.canonical, STAGE, reason, detail, self.run_id, url=entry.url)]
        if reason != "empty":  # binary or undecodable bytes served as HTML will be the same next time
            outs.append(beam.pvalue.TaggedOutput(SETTLED, entry.canonical))
        return outs


class Fetched(NamedTuple):
    """What `Fetch` returns: exactly one document or one rejected row per entry."""

    documents: beam.PCollection  # RawDocuments, on to ProcessDocuments
    rejected: beam.PCollection  # Rejected rows, stage "fetch"
    settled: beam.PCollection  # canonical URLs of permanent failures (for MarkSeen)


@dataclass(eq=False, repr=False)
class Fetch(Stage):
    """EntryRefs → `Fetched(documents, rejected, settled)`.

    Entries are grouped by lane (hash of the host), so every host is fetched by one worker, which alone
    keeps to the host's delay and one-request-at-a-time limit."""

    config: FetchConfig
    run_id: str

    def expand(self, entries: beam.PCollection) -> Fetched:
        results = by_lane(entries, self.config) | "FetchPages" >> ParDoWithOutputs(
            _FetchPagesFn(self.run_id, self.config), SETTLED, REJECTED, main="documents"
        )
        return Fetched(results["documents"], results[REJECTED], results[SETTLED])


def _seen_row(item: tuple[str, str], run_id: str, window: Any = beam.DoFn.WindowParam) -> dict[str, Any]:
    """A `seen_urls` row, stamped with the run id of the run (or of the stream's window)."""
    canonical, outcome = item
    return {
        "canonical_url": canonical,
        "outcome": outcome,
        "run_id": window_run_id(run_id, window),
        "seen_at": dt.datetime.now(dt.timezone.utc),
    }


def _fetched_outcomes(element: tuple[str, Mapping[str, Iterable[Any]]]) -> Iterable[tuple[str, str]]:
    source, groups = element
    if any(True for _ in groups["fetched"]):
        for outcome in groups["outcomes"]:
            yield (source, outcome)


@dataclass(eq=False, repr=False)
class MarkSeen(Stage):
    """`outcomes | MarkSeen(output, run_id, after=files, …)`: record the entry URLs this run (or stream window)
    settled in `_state/seen_urls`, once its files `after` exist (`AfterFiles`).

    `outcomes` are the run's `Outcome`s; with `fetched` (the documents Fetch returned) only those of fetched
    pages are kept (a batch run's outcomes include local inputs), `kinds` says which outcomes count as seen,
    and `settled` adds the canonical URLs permanently rejected at fetch. Emits
    `("web|seen-urls-recorded", n)` for the run's counts, so the manifest depends on it."""

    output: str
    run_id: str
    _: KW_ONLY
    after: beam.PCollection
    fetched: beam.PCollection | None = None
    settled: beam.PCollection | None = None
    kinds: Iterable[str] = (WRITTEN, DUPLICATE, REJECTED_OUTCOME)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.kinds = frozenset(self.kinds)

    def expand(self, outcomes: beam.PCollection) -> beam.PCollection:
        kinds = self.kinds
        pairs = outcomes | "SeenKinds" >> beam.FlatMap(lambda o: [(o.source, o.kind)] if o.kind in kinds else [])
        if self.fetched is not None:
            pairs = (
                {"fetched": self.fetched | "KeyFetched" >> beam.Map(lambda d: (d.source, None)), "outcomes": pairs}
                | "JoinOutcomes" >> beam.CoGroupByKey()
                | "FetchedOutcomes" >> beam.FlatMap(_fetched_outcomes)
            )
        if self.settled is not None:
            settled = self.settled | "SettledAtFetch" >> beam.Map(lambda url: (url, REJECTED_OUTCOME))
            pairs = (pairs, settled) | "Settled" >> beam.Flatten()
        return (
            pairs
            | "AfterFiles" >> AfterFiles(self.after)
            | "SeenRows" >> beam.Map(_seen_row, self.run_id)
            | "WriteSeen" >> state.WriteStateRows(self.output, SEEN_TABLE, SEEN_SCHEMA, self.run_id)
            | "CountSeen" >> beam.Map(lambda n: (COUNT_SEEN_RECORDED, n))
        )


class WebRead(NamedTuple):
    """What `ReadWeb` returns; every element of `documents`, `rejected` and `skipped` is one input of the run."""

    documents: beam.PCollection  # RawDocuments, on to ProcessDocuments
    rejected: beam.PCollection  # Rejected rows of sources and entries that failed
    skipped: beam.PCollection  # `Skipped` entries, not fetched: each one input and one duplicate
    settled: beam.PCollection  # canonical URLs permanently rejected at fetch (for MarkSeen)
    counts: beam.PCollection  # (key, n) pairs about the sources, for the run manifest


@dataclass(eq=False, repr=False)
class ReadWeb(Stage):
    """Web sources → `WebRead(documents, rejected, skipped, settled, counts)`: Discover → SkipSeen → Fetch."""

    web: WebSources
    output: str
    run_id: str
    config: FetchConfig

    def expand(self, pbegin: beam.pvalue.PBegin) -> WebRead:
        found = pbegin | "Discover" >> Discover(self.web, self.output, self.run_id, self.config)
        unseen = found.entries | "SkipSeen" >> SkipSeen(self.output)
        fetched = unseen.fresh | "Fetch" >> Fetch(self.config, self.run_id)
        rejected = (found.rejected, fetched.rejected) | "WebRejected" >> beam.Flatten()
        return WebRead(fetched.documents, rejected, unseen.skipped, fetched.settled, found.counts)
