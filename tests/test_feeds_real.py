"""Real feeds, served from loopback through the Discover composite: feedparser's own test feeds (2,107 small
files: encodings, entities, malformed XML, every RSS/Atom element) and trafilatura's real RSS and Atom
feeds cut short at many lengths, as a server that dies mid-response or a generator that crashed leaves
them. Every feed is served with an ETag, so what newsbeam keeps for the next run is checked too.

The reference is feedparser itself (its own reading of each file) and the whole feed of each cut one."""

from __future__ import annotations

import datetime as dt
import io
import json
import warnings
import xml.sax
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from xml.parsers.expat import errors

import feedparser
import pytest
from apache_beam.testing.test_pipeline import TestPipeline

from tests.beam_util import check
from tests.http_fixtures import SHARED_DATA, FixtureServer, Reply, collect, collected, fixture_bytes, shared
from transforms.discover import Discover, load_validators
from transforms.web.client import FetchConfig
from transforms.web.feeddates import parse_feed_date
from transforms.web.feeds import EntryRef, SourceRef, WebSources, parse_source

pytestmark = [pytest.mark.timeout(300), pytest.mark.data]

CORPUS = SHARED_DATA / "feeds" / "feedparser-tests"
CUT_FEEDS = ("feed2.rss", "feed1.atom")
CUT_STEP = 7  # bytes between two cuts
SOURCE_REASONS = {"not-a-feed", "malformed-feed", "invalid-json"}
ITEM_REASONS = {"no-url", "invalid-url", "malformed-feed"}


@dataclass
class Outcome:
    """What one served source gave: entries, rejected rows about it or its items, whether it was cached."""

    entries: list[EntryRef] = field(default_factory=list)
    source_rows: list[Any] = field(default_factory=list)
    item_rows: list[Any] = field(default_factory=list)
    cached: bool = False


@dataclass
class Served:
    corpus: dict[str, Outcome]  # by file of the index
    cuts: dict[tuple[str, int], Outcome]  # by (fixture, length)


def _index() -> list[dict[str, Any]]:
    return list(json.loads(shared(CORPUS / "index.json").read_text(encoding="utf-8")))


def _headers(item: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    """The test's HTTP headers: its content type (None: no header, as feedparser's own suite reads them),
    and the rest but ETag, which every served feed gets."""
    content_type = next((v for k, v in item["http_headers"] if k.lower() == "content-type"), None)
    rest = {k: v for k, v in item["http_headers"] if k.lower() not in ("content-type", "etag")}
    return content_type, rest


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Served:
    out = str(tmp_path_factory.mktemp("feeds") / "out")
    paths: dict[str, Any] = {}
    with FixtureServer() as server:
        for number, item in enumerate(_index()):
            content_type, headers = _headers(item)
            body = (CORPUS / item["file"]).read_bytes()
            # Closed after each reply: no keep-alive delay per request, so 2,000 feeds take seconds.
            reply = Reply(200, body, content_type, {**headers, "ETag": f'"fp-{number}"'}, close_delimited=True)
            paths[server.add(f"/fp/{number}", reply)] = item["file"]
        for name in CUT_FEEDS:
            body = fixture_bytes(name)
            for length in [*range(1, len(body), CUT_STEP), len(body)]:
                etag = {"ETag": f'"{name}-{length}"'}
                reply = Reply(200, body[:length], "application/xml", etag, close_delimited=True)
                paths[server.add(f"/cut/{name}/{length}", reply)] = (name, length)
        config = FetchConfig(
            per_host_delay=0, timeout=10, attempts=1, allowed_networks=("127.0.0.1/32",), obey_robots=False
        )
        web = WebSources(tuple(SourceRef(url) for url in paths))
        with TestPipeline() as p:
            entries, rejected, _counts = p | Discover(web, out, "real", config, validators={})
            check(entries, partial(collect, "real-entries"), "Entries")
            check(rejected, partial(collect, "real-rejected"), "Rejected")
    outcomes: dict[str, Outcome] = defaultdict(Outcome)
    for entry in collected("real-entries"):
        outcomes[entry.source].entries.append(entry)
    for row in collected("real-rejected"):
        source, _, listed = row.source.partition("#")
        (outcomes[source].item_rows if listed else outcomes[source].source_rows).append(row)
    for url in load_validators(out):
        outcomes[url].cached = True
    assert set(outcomes) <= set(paths)
    corpus = {key: outcomes[url] for url, key in paths.items() if isinstance(key, str)}
    cuts = {key: outcomes[url] for url, key in paths.items() if isinstance(key, tuple)}
    return Served(corpus, cuts)


def _feedparser(item: dict[str, Any]) -> Any:
    content_type, _ = _headers(item)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        body = io.BytesIO((CORPUS / item["file"]).read_bytes())
        return feedparser.parse(body, response_headers={"content-type": content_type} if content_type else {})


def _broken(result: Any) -> bool:
    """Not well-formed XML in feedparser's reading, an undefined (HTML) entity aside."""
    problem = result.get("bozo_exception")
    return isinstance(problem, xml.sax.SAXParseException) and problem.getMessage() != errors.XML_ERROR_UNDEFINED_ENTITY


def test_every_feed_ends_as_entries_rows_or_an_empty_feed(served: Served) -> None:
    for key, outcome in [*served.corpus.items(), *served.cuts.items()]:
        if outcome.source_rows:
            [row] = outcome.source_rows
            assert row.reason in SOURCE_REASONS and row.stage == "fetch", (key, row)
            assert not outcome.entries and not outcome.item_rows and not outcome.cached, key
        assert {r.reason for r in outcome.item_rows} <= ITEM_REASONS, (key, outcome.item_rows)


def test_a_broken_feed_is_rejected_with_its_reason_and_never_cached(served: Served) -> None:
    rejected = recovered = 0
    for item in _index():
        outcome = served.corpus[item["file"]]
        result = _feedparser(item)
        if not result.get("version") or item["file"].endswith(".json"):
            continue  # not RSS/Atom to feedparser: JSON Feed, or not a feed at all
        if _broken(result):
            if outcome.entries:
                recovered += 1  # entries read past the error are used...
            else:
                rejected += 1
                [row] = outcome.source_rows
                assert row.reason == "malformed-feed", (item["file"], row)
                assert type(result.bozo_exception).__name__ in (row.detail or "")
            assert not outcome.cached, item["file"]  # ...but a broken file is never replayed
        else:
            assert not outcome.source_rows, (item["file"], outcome.source_rows)
            assert outcome.cached, item["file"]
    assert rejected and recovered  # the corpus has both kinds


def test_a_cut_feed_gives_whole_entries_or_a_rejected_row(served: Served) -> None:
    """At every length, what comes through is an entry of the whole feed with its own link, title and
    dates, or nothing: never half a link or half a date. Only the whole file is cached."""
    for name in CUT_FEEDS:
        body = fixture_bytes(name)
        lengths = sorted(length for (fixture, length) in served.cuts if fixture == name)
        whole_outcome = served.cuts[(name, len(body))]
        whole = {e.url: e for e in whole_outcome.entries}
        assert whole and whole_outcome.cached and not whole_outcome.item_rows
        malformed = 0
        for length in lengths[:-1]:
            outcome = served.cuts[(name, length)]
            for entry in outcome.entries:
                full = whole[entry.url]
                for attribute in ("title", "published", "updated", "summary"):
                    assert getattr(entry, attribute) in (None, getattr(full, attribute)), (name, length, attribute)
            malformed += any(r.reason == "malformed-feed" for r in outcome.source_rows)
            if length < len(body.rstrip()):
                assert not outcome.cached, (name, length)
        assert malformed  # cuts inside the document are rejected, not taken for empty feeds


def _utc(parsed: Any) -> str:
    year, month, day, hour, minute, second = parsed[:6]
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.timezone.utc).isoformat()


def _instant(value: str) -> str:
    """newsbeam's feed date (the publisher's offset kept) as its UTC instant; a day alone stays a day."""
    return value if len(value) == 10 else dt.datetime.fromisoformat(value).astimezone(dt.timezone.utc).isoformat()


def test_every_date_of_the_corpus_reads_as_feedparser_reads_it() -> None:
    """newsbeam reads feed dates itself (`transforms.web.feeddates`); on every date feedparser's suite holds it
    gives feedparser's instant, or the same day when the string states no zone."""
    checked = 0
    for item in _index():
        result = _feedparser(item)
        for node in [result.feed, *result.entries]:
            for key in ("published", "updated", "created", "expired"):
                written, parsed = node.get(key), node.get(f"{key}_parsed")
                if not isinstance(written, str) or not parsed:
                    continue
                ours = parse_feed_date(written)
                assert ours is not None and _utc(parsed).startswith(_instant(ours)), (item["file"], written, ours)
                checked += 1
    assert checked


def test_a_served_feed_gives_what_its_bytes_give(served: Served) -> None:
    """The served path (HTTP, content type, Beam) gives what `parse_source` gives on the same bytes."""
    for name in CUT_FEEDS:
        body = fixture_bytes(name)
        plain = parse_source(body, "https://example.invalid/feed")
        got = served.cuts[(name, len(body))].entries
        assert {(e.url, e.title, e.published) for e in got} == {(e.url, e.title, e.published) for e in plain.entries}
