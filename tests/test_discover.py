"""Discover: feeds, OPML and YAML lists, sitemaps (indexes, gzipped, Google News, hreflang) and URL lists into
EntryRefs with their evidence; sources fetched with conditional GET and replayed when not modified."""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import json
from functools import partial
from pathlib import Path

import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.state import SOURCES_SCHEMA, SOURCES_TABLE
from tests.beam_util import check
from tests.http_fixtures import FixtureServer, Reply, Request, collect, collected, fixture_bytes, static
from transforms.discover import (
    COUNT_ENTRIES,
    COUNT_FETCHED,
    COUNT_NOT_MODIFIED,
    COUNT_RECOVERED,
    COUNT_SAVED,
    Discover,
    load_validators,
    web_sources_from,
)
from transforms.storage.tables import write_table
from transforms.text import dates
from transforms.web.client import FetchConfig, Validators
from transforms.web.feeddates import parse_feed_date
from transforms.web.feeds import (
    EntryRef,
    SourceError,
    SourceRef,
    WebSources,
    entry_key,
    gunzip,
    parse_source,
    parse_source_list,
    parse_url_line,
)

pytestmark = pytest.mark.timeout(120)

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://news.example/business/merger.html</loc>
    <lastmod>2025-12-20T10:00:00Z</lastmod>
    <news:news>
      <news:publication><news:name>The Example Times</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2025-12-19T08:30:00+01:00</news:publication_date>
      <news:title>Companies A, B in Merger Talks</news:title>
      <news:keywords>business, merger, acquisition</news:keywords>
    </news:news>
  </url>
  <url>
    <loc>https://news.example/world/summit.html</loc>
    <news:news>
      <news:publication><news:name>The Example Times</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2025-12-18</news:publication_date>
      <news:title>Summit ends without deal</news:title>
    </news:news>
  </url>
</urlset>
"""

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>subscriptions</title></head>
  <body>
    <outline text="World" title="World">
      <outline type="rss" text="Wire" title="Wire service" xmlUrl="https://wire.example/rss.xml" htmlUrl="https://wire.example/"/>
      <outline type="rss" text="Gazette" xmlUrl="https://gazette.example/atom.xml"/>
    </outline>
    <outline type="link" text="just a page" url="https://elsewhere.example/"/>
  </body>
</opml>
"""


def utc(value: str | None) -> str | None:
    """A feed date as the UTC instant it names (a day alone stays a day): feed dates keep the publisher's
    offset, and most assertions here are about the instant."""
    if value is None or len(value) == 10:
        return value
    return dt.datetime.fromisoformat(value).astimezone(dt.timezone.utc).isoformat()


def test_rss_feed_entries_keep_title_date_summary() -> None:
    parsed = parse_source(fixture_bytes("feed2.rss"), "https://src.example/feed.rss")
    assert parsed.kind == "feed" and parsed.invalid == []
    [entry] = parsed.entries
    assert entry.url == "http://www.example.com/blog/post/1"
    assert entry.title == "Example entry"
    assert entry.published == "2009-09-06T16:20:00+00:00"
    assert entry.summary == "Here is some text containing an interesting description."
    assert (entry.source, entry.source_kind) == ("https://src.example/feed.rss", "feed")


def test_atom_feed_uses_updated_when_no_published_and_a_self_link_when_no_alternate() -> None:
    parsed = parse_source(fixture_bytes("feed1.atom"), "https://src.example/feed.atom")
    assert [(e.url, e.title, e.published) for e in parsed.entries] == [
        ("http://example.org/2003/12/13/atom03", "Atom-Powered Robots Run Amok", "2003-12-13T18:30:02+00:00"),
        ("http://example.org/1000", "Self-referenced link", "2003-12-13T18:30:02+00:00"),
    ]


def test_json_feed_items_with_authors_dates_and_canonical_urls() -> None:
    parsed = parse_source(fixture_bytes("feed.json"), "https://feeds.npr.org/1019/feed.json")
    assert parsed.kind == "feed" and len(parsed.entries) == 25 and parsed.invalid == []
    first = parsed.entries[0]
    assert first.title == "Keller Rinaudo: How can delivery drones save lives?"
    assert first.published == "2021-10-29T10:26:00-04:00"  # as written: the publisher's day
    assert first.updated == "2021-10-29T11:59:00-04:00"
    assert first.authors == ("Manoush Zomorodi",)
    assert first.summary and first.summary.startswith("In rural areas")
    assert "utm_medium" in first.url and "utm_" not in first.canonical
    assert all(e.published and e.canonical.startswith("https://www.npr.org/") for e in parsed.entries)


def test_json_feed_1_1_authors_tags_and_relative_urls() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "t",
            "items": [
                {
                    "id": "1",
                    "url": "/a/one.html",
                    "title": "<b>One</b>",
                    "authors": [{"name": "A. Writer"}, {"name": "B. Writer"}],
                    "tags": ["politics", "eu"],
                    "date_published": "2025-12-18T09:00:00Z",
                },
                {"id": "2", "title": "no link"},
            ],
        }
    ).encode()
    parsed = parse_source(body, "https://site.example/feed.json")
    [entry] = parsed.entries
    assert entry.url == "https://site.example/a/one.html"
    assert entry.title == "One"
    assert entry.authors == ("A. Writer", "B. Writer")
    assert entry.categories == ("politics", "eu")
    assert entry.published == "2025-12-18T09:00:00+00:00"
    assert parsed.invalid == [("no link", "no-url")]


def test_sitemap_index_lists_child_sitemaps_cdata_included() -> None:
    parsed = parse_source(fixture_bytes("sitemap2.xml"), "http://www.example.com/sitemap_index.xml")
    assert parsed.kind == "sitemap-index" and parsed.entries == []
    assert [c.url for c in parsed.children] == [
        "http://www.example.com/sitemap1.xml.gz",
        "http://www.example.com/sitemap2.xml.gz",
    ]
    assert all(c.kind == "sitemap" and c.via == "http://www.example.com/sitemap_index.xml" for c in parsed.children)


def test_gzipped_sitemap_equals_the_plain_one_and_a_generation_stamp_is_not_a_date() -> None:
    plain = parse_source(fixture_bytes("sitemap.xml"), "https://www.sitemaps.org/sitemap.xml")
    zipped = parse_source(fixture_bytes("sitemap.xml.gz"), "https://www.sitemaps.org/sitemap.xml")
    assert len(plain.entries) == 84
    assert [e.url for e in zipped.entries] == [e.url for e in plain.entries]
    # Every URL has lastmod 2016-11-21: when the file was generated, not when 84 pages were published.
    assert {e.updated for e in zipped.entries} == {"2016-11-21"}
    assert {e.published for e in zipped.entries} == {None}
    assert {e.source_kind for e in zipped.entries} == {"sitemap"}


def test_sitemap_lastmod_per_page_is_the_date() -> None:
    body = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://s.example/a</loc><lastmod>2025-12-01</lastmod></url>
      <url><loc>https://s.example/b</loc><lastmod>2025-12-02T10:00:00+02:00</lastmod></url>
      <url><loc>https://s.example/c</loc></url>
    </urlset>"""
    parsed = parse_source(body, "https://s.example/sitemap.xml")
    assert [utc(e.published) for e in parsed.entries] == ["2025-12-01", "2025-12-02T08:00:00+00:00", None]


def test_google_news_sitemap_gives_title_date_publisher_keywords() -> None:
    parsed = parse_source(NEWS_SITEMAP, "https://news.example/news-sitemap.xml")
    first, second = parsed.entries
    assert first.title == "Companies A, B in Merger Talks"
    assert utc(first.published) == "2025-12-19T07:30:00+00:00"  # news:publication_date beats lastmod
    assert first.updated == "2025-12-20T10:00:00+00:00"
    assert first.publisher == "The Example Times" and first.language == "en"
    assert first.categories == ("business", "merger", "acquisition")
    assert (second.title, second.published) == ("Summit ends without deal", "2025-12-18")


def test_hreflang_sitemap_gives_each_page_its_own_language() -> None:
    parsed = parse_source(fixture_bytes("sitemap-hreflang.xml"), "http://www.example.com/sitemap.xml")
    assert [(e.url, e.language) for e in parsed.entries] == [
        ("http://www.example.com/english/page.html", "en"),
        ("http://www.example.com/deutsch/page.html", "de"),
        ("http://www.example.com/schweiz-deutsch/page.html", "de-ch"),
    ]


def test_opml_lists_every_feed_at_any_depth() -> None:
    parsed = parse_source(OPML, "https://me.example/subscriptions.opml")
    assert parsed.kind == "opml"
    assert [(c.url, c.title) for c in parsed.children] == [
        ("https://wire.example/rss.xml", "Wire service"),
        ("https://gazette.example/atom.xml", "Gazette"),
    ]


def test_source_lists_from_opml_and_yaml(tmp_path: Path) -> None:
    assert [s.url for s in parse_source_list(OPML, "subs.opml")] == [
        "https://wire.example/rss.xml",
        "https://gazette.example/atom.xml",
    ]
    listed = parse_source_list(b"- https://a.example/rss\n- url: https://b.example/atom\n  title: B\n", "f.yaml")
    assert [(s.url, s.kind, s.title) for s in listed] == [
        ("https://a.example/rss", "feed", None),
        ("https://b.example/atom", "feed", "B"),
    ]
    mapping = parse_source_list(
        b"feeds:\n  - https://a.example/rss\nsitemaps:\n  - https://a.example/news-sitemap.xml\n", "f.yaml"
    )
    assert [(s.url, s.kind) for s in mapping] == [
        ("https://a.example/rss", "feed"),
        ("https://a.example/news-sitemap.xml", "sitemap"),
    ]
    with pytest.raises(ValueError, match="not an http"):
        parse_source_list(b"- ftp://a.example/rss\n", "f.yaml")
    with pytest.raises(ValueError, match="unknown keys"):
        parse_source_list(b"feed: [https://a.example/rss]\n", "f.yaml")
    (tmp_path / "empty.yaml").write_text("[]\n")
    with pytest.raises(ValueError, match="lists no feeds"):
        web_sources_from(feed_lists=[str(tmp_path / "empty.yaml")])
    with pytest.raises(ValueError, match="cannot read"):
        web_sources_from(feed_lists=[str(tmp_path / "missing.opml")])
    with pytest.raises(ValueError, match="http"):
        web_sources_from(feeds=["file:///etc/passwd"])
    with pytest.raises(ValueError, match="not found"):
        web_sources_from(url_lists=[str(tmp_path / "missing.txt")])


def test_url_list_lines() -> None:
    assert parse_url_line("  # a comment", "l#L1") is None
    assert parse_url_line("   ", "l#L2") is None
    # The URL as listed, its key without the tracking parameter, and no evidence beyond the line.
    made = parse_url_line("https://x.example/a?utm_source=t  trailing notes", "l#L3")
    assert made == EntryRef("https://x.example/a?utm_source=t", "https://x.example/a", "l#L3", "urls")
    assert parse_url_line("javascript:alert(1)", "l#L4") == ("javascript:alert(1)", "invalid-url")
    assert parse_url_line("not a url", "l#L5") == ("not", "invalid-url")


def test_entry_key_falls_back_for_urls_courlan_refuses() -> None:
    assert entry_key("https://www.npr.org/x?utm_medium=JSONFeed#top") == "https://www.npr.org/x"
    # courlan's crawl filters refuse hosts with ports and paths like /feed; the key must still exist.
    assert entry_key("http://127.0.0.1:8080/news/1?utm_source=a&b=2&a=1#x") == "http://127.0.0.1:8080/news/1?a=1&b=2"
    assert entry_key("HTTP://Intranet:8080/feed") == "http://intranet:8080/feed"
    assert entry_key("mailto:a@b.example") is None


def test_xml_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = f"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/&xxe;</loc></url></urlset>
""".encode()
    parsed = parse_source(xxe, "https://a.example/sitemap.xml")
    assert all("TOP-SECRET" not in e.url for e in parsed.entries)
    laughs = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/&lol9;</loc></url></urlset>
"""
    parsed = parse_source(laughs, "https://a.example/sitemap.xml")
    assert all(len(e.url) < 1000 for e in parsed.entries)  # expanded, the URL would be 10^9 "lol"s


def test_feed_bytes_are_never_opened_as_a_file_name(tmp_path: Path) -> None:
    secret = tmp_path / "feed-secret.xml"
    secret.write_text('<rss version="2.0"><channel><item><link>https://leak.example/</link></item></channel></rss>')
    with pytest.raises(SourceError) as caught:
        parse_source(str(secret).encode(), "https://a.example/feed")
    assert caught.value.reason == "not-a-feed"


def test_gunzip_is_capped() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    with pytest.raises(SourceError) as caught:
        gunzip(bomb, 1_000_000)
    assert caught.value.reason == "too-large-decompressed"
    assert gunzip(gzip.compress(b"<urlset/>"), 100) == b"<urlset/>"
    with pytest.raises(SourceError, match="truncated"):
        gunzip(bomb[:200], 10_000_000)


def test_html_is_not_a_feed() -> None:
    with pytest.raises(SourceError) as caught:
        parse_source(b"<html><body><p>hello</p></body></html>", "https://a.example/")
    assert caught.value.reason == "not-a-feed"
    with pytest.raises(SourceError) as caught:
        parse_source(b"  ", "https://a.example/")
    assert caught.value.reason == "empty"


def _rss(*items: str) -> bytes:
    body = "".join(f"<item>{item}</item>" for item in items)
    return f'<rss version="2.0"><channel><title>t</title><link>https://s.example/</link>{body}</channel></rss>'.encode()


@pytest.mark.parametrize(
    ("written", "read"),
    [
        # The publisher's language: French, German, Spanish, Portuguese, Dutch, Polish, Russian, Greek.
        ("mer, 16 nov 2022 00:38:15 +0100", "2022-11-15T23:38:15+00:00"),
        ("Mi, 16 Nov 2022 00:38:15 +0100", "2022-11-15T23:38:15+00:00"),
        ("mié, 16 nov 2022 00:38:15 +0100", "2022-11-15T23:38:15+00:00"),
        ("qua, 16 nov 2022 00:38:15 +0100", "2022-11-15T23:38:15+00:00"),
        ("wo, 16 nov 2022 00:38:15 +0100", "2022-11-15T23:38:15+00:00"),
        ("ven., 18 nov. 2022 08:00:00 +0100", "2022-11-18T07:00:00+00:00"),
        ("Di, 15 Mrz 2022 10:00:00 +0100", "2022-03-15T09:00:00+00:00"),
        ("mar, 15 mar 2022 10:00:00 +0100", "2022-03-15T09:00:00+00:00"),  # Tuesday, then March
        ("16 listopada 2022 10:00 +0100", "2022-11-16T09:00:00+00:00"),
        ("16 ноября 2022 10:00 +0300", "2022-11-16T07:00:00+00:00"),
        ("Τρι, 29 Ιούν 2004 12:53:00 GMT", "2004-06-29T12:53:00+00:00"),
        ("16 de noviembre de 2022", "2022-11-16"),
        # A 12-hour time takes its PM; 12 AM is midnight.
        ("Dec 16 2023 02:02:33 PM +0100", "2023-12-16T13:02:33+00:00"),
        ("Tue, 15 Nov 2022 2:05pm EST", "2022-11-15T19:05:00+00:00"),
        ("Dec 16 2023 12:02:33 AM GMT", "2023-12-16T00:02:33+00:00"),
        # A time without a zone keeps its day only.
        ("Dec 16 2023 02:02:33 PM", "2023-12-16"),
        ("2022-11-16T23:30:00", "2022-11-16"),
        ("Sun Jan  4 16:29:06 2004", "2004-01-04"),
        # Zones feedparser takes for UTC, and RFC 822's own forms.
        ("Wed, 16 Nov 2022 00:38:15 CET", "2022-11-15T23:38:15+00:00"),
        ("Wed, 16 Nov 2022 00:38:15 +0100 (CET)", "2022-11-15T23:38:15+00:00"),
        ("Thu, 01 Jan 04 19:48:21 GMT", "2004-01-01T19:48:21+00:00"),
        ("Wed, 19 Feb 2012 22:40:00 GMT-01:01", "2012-02-19T23:41:00+00:00"),
        ("2021-10-29T10:26:00-04:00", "2021-10-29T14:26:00+00:00"),
        # Not read in full, or not a day: no date.
        ("Wed, 16 Nov 2022 00:38:15 IST", None),  # India, Israel or Ireland
        ("Wed, 16 Nov 2022 00:38:15 (CET)", None),
        ("Mon, 26 January 2004 16:31:00 ET", None),
        ("Dec 16 2023 13:02:33 PM +0000", None),
        ("garbage 16 nov 2022 00:38", None),
        ("16 nov 2022 soon", None),
        ("Thu, 31 Feb 2022 10:00:00 GMT", None),
        ("11/12/2022", None),
        ("yesterday", None),
        ("Nov 2022", None),
        ("2003-12", None),
        ("jui 2022 16", None),  # juin or juillet
    ],
)
def test_feed_dates_are_read_in_their_language_or_not_at_all(written: str, read: str | None) -> None:
    assert utc(parse_feed_date(written)) == read
    feed = parse_source(_rss(f"<link>https://s.example/a</link><pubDate>{written}</pubDate>"), "https://s.example/f")
    assert [utc(e.published) for e in feed.entries] == [read]


def test_feed_dates_keep_the_publishers_offset_so_the_day_is_the_publishers() -> None:
    """Just after midnight in Paris is still the evening before in UTC: the article is dated the 16th."""
    assert parse_feed_date("mer, 16 nov 2022 00:38:15 +0100") == "2022-11-16T00:38:15+01:00"
    evidence = dates.parse_iso(parse_feed_date("mer, 16 nov 2022 00:38:15 +0100"), dt.date(2026, 1, 1), "feed", 0.95)
    assert evidence is not None and dates.evidence_day(evidence) == dt.date(2022, 11, 16)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
    st.booleans(),
)
def test_feed_dates_round_trip_rfc_822_and_rfc_3339(moment: dt.datetime, minutes: int, twelve_hour: bool) -> None:
    """Any instant written as RFC 822 (RSS), as RFC 3339 (Atom, JSON Feed) or with a 12-hour clock reads
    back as that instant in UTC."""
    stamp = moment.replace(microsecond=0, tzinfo=dt.timezone(dt.timedelta(minutes=minutes)))
    expected = stamp.astimezone(dt.timezone.utc).isoformat()
    assert utc(parse_feed_date(email.utils.format_datetime(stamp))) == expected
    assert utc(parse_feed_date(stamp.isoformat())) == expected
    if twelve_hour:
        written = stamp.strftime("%b %d %Y %I:%M:%S %p ") + stamp.strftime("%z")
        assert utc(parse_feed_date(written)) == expected, written


def test_json_feed_dates_in_rfc_822() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [
                {
                    "id": "1",
                    "url": "https://s.example/a",
                    "date_published": "Wed, 16 Nov 2022 00:38:15 +0100",
                    "date_modified": "Thu, 17 Nov 2022 09:00:00 GMT",
                }
            ],
        }
    ).encode()
    [entry] = parse_source(body, "https://s.example/feed.json").entries
    assert (entry.published, utc(entry.updated)) == ("2022-11-16T00:38:15+01:00", "2022-11-17T09:00:00+00:00")


def test_entries_without_a_link_get_one_reason_in_every_format() -> None:
    """No link at all: `no-url` (an id that is not a web URL is no link); a link that is not http(s):
    `invalid-url`. The same for RSS, Atom and JSON Feed."""
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id>'
        b"<entry><title>urn id</title><id>urn:uuid:1</id></entry>"
        b"<entry><title>tag id</title><id>tag:s.example,2020:1</id></entry>"
        b'<entry><title>enclosure only</title><id>urn:2</id><link rel="enclosure" href="https://s.example/a.mp3"/>'
        b"</entry>"
        b'<entry><title>ftp</title><id>urn:3</id><link href="ftp://s.example/a"/></entry>'
        b"<entry><title>web id</title><id>https://s.example/by-id</id></entry></feed>"
    )
    rss = _rss(
        "<title>nothing</title>",
        "<title>guid 1234</title><guid>1234</guid>",
        '<title>not a permalink</title><guid isPermaLink="false">https://s.example/guid</guid>',
        "<title>mailto</title><link>mailto:a@s.example</link>",
        "<title>permalink</title><guid>https://s.example/permalink</guid>",
    )
    items = [
        {"id": "1", "title": "nothing"},
        {"id": "urn:1", "title": "urn id"},
        {"id": "2", "title": "mailto", "url": "mailto:a@s.example"},
        {"id": "3", "title": "number", "url": 5},
        {"id": "https://s.example/by-id", "title": "web id"},
    ]
    results = {
        "atom": parse_source(atom, "https://s.example/atom.xml"),
        "rss": parse_source(rss, "https://s.example/rss.xml"),
        "json": parse_source(json.dumps({"items": items}).encode(), "https://s.example/feed.json"),
    }
    assert results["atom"].invalid == [
        ("urn id", "no-url"),
        ("tag id", "no-url"),
        ("enclosure only", "no-url"),
        ("ftp://s.example/a", "invalid-url"),
    ]
    assert results["rss"].invalid == [
        ("nothing", "no-url"),
        ("guid 1234", "no-url"),  # not <feed URL>/1234
        ("not a permalink", "no-url"),
        ("mailto:a@s.example", "invalid-url"),
    ]
    assert results["json"].invalid == [
        ("nothing", "no-url"),
        ("urn id", "no-url"),
        ("mailto:a@s.example", "invalid-url"),
        ("5", "invalid-url"),
    ]
    assert [e.url for e in results["atom"].entries] == ["https://s.example/by-id"]
    assert [e.url for e in results["rss"].entries] == ["https://s.example/permalink"]
    assert [e.url for e in results["json"].entries] == ["https://s.example/by-id"]


def test_truncated_feed_is_malformed_not_empty() -> None:
    body = fixture_bytes("feed2.rss")
    cut = body[: body.index(b"<item>") + 20]  # inside the only item, before its link
    with pytest.raises(SourceError) as caught:
        parse_source(cut, "https://s.example/rss.xml")
    assert caught.value.reason == "malformed-feed"
    assert "SAXParseException" in caught.value.detail
    # Cut after the first entry: what was read whole is used, and the feed is marked as read past errors.
    atom = fixture_bytes("feed1.atom")
    second = atom.index(b"<entry>", atom.index(b"</entry>"))
    partial = parse_source(atom[: atom.index(b"<link", second) + 20], "https://s.example/atom.xml")  # in a link
    assert partial.malformed and "SAXParseException" in partial.malformed
    whole = parse_source(atom, "https://s.example/atom.xml")
    assert whole.malformed is None
    assert partial.entries == whole.entries[:1]
    # An HTML entity undefined in XML loses nothing: an empty feed with one is still an empty feed.
    empty = parse_source(
        b'<rss version="2.0"><channel><title>caf&eacute;</title></channel></rss>', "https://s.example/"
    )
    assert (empty.entries, empty.malformed) == ([], None)


def test_validators_latest_per_url(tmp_path: Path) -> None:
    out = str(tmp_path)
    base = dict(kind="feed", run_id="r", entries="{}")
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    write_table(
        out,
        SOURCES_TABLE,
        SOURCES_SCHEMA,
        [
            {**base, "url": "u1", "etag": '"1"', "last_modified": None, "fetched_at": t0},
            {**base, "url": "u2", "etag": None, "last_modified": "Mon, 01 Dec 2025 00:00:00 GMT", "fetched_at": t0},
        ],
        run_id="r1",
    )
    later = t0 + dt.timedelta(hours=1)
    row = {**base, "url": "u1", "etag": '"2"', "last_modified": None, "fetched_at": later}
    write_table(out, SOURCES_TABLE, SOURCES_SCHEMA, [row], run_id="r2")
    assert load_validators(out) == {
        "u1": Validators('"2"', None),
        "u2": Validators(None, "Mon, 01 Dec 2025 00:00:00 GMT"),
    }


# --- the composite, against a local server --------------------------------------------------------------------


def _config() -> FetchConfig:
    return FetchConfig(per_host_delay=0, timeout=5, attempts=2, backoff=0.05, allowed_networks=("127.0.0.1/32",))


def _serve_sources(server: FixtureServer) -> WebSources:
    rss = fixture_bytes("feed2.rss").replace(b"http://www.example.com/blog/post/1", server.url("/post/1").encode())
    server.add("/rss.xml", static(rss, "application/rss+xml", etag='"rss-1"'))
    child = gzip.compress(
        f"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <url><loc>{server.url("/s/1")}</loc><lastmod>2025-12-01</lastmod></url>
        <url><loc>{server.url("/s/2")}</loc><lastmod>2025-12-02</lastmod></url></urlset>""".encode()
    )
    server.add("/sitemap-1.xml.gz", static(child, "application/gzip", modified="Mon, 01 Dec 2025 00:00:00 GMT"))
    news = NEWS_SITEMAP.replace(b"https://news.example/", server.url("/news/").encode())
    server.add("/news.xml", static(news, "application/xml", etag='"n1"'))
    nested = f"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>{server.url("/index.xml")}</loc></sitemap></sitemapindex>""".encode()
    server.add("/nested.xml", Reply(200, nested, "application/xml"))
    index = f"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>{server.url("/sitemap-1.xml.gz")}</loc></sitemap>
        <sitemap><loc>{server.url("/news.xml")}</loc></sitemap>
        <sitemap><loc>{server.url("/nested.xml")}</loc></sitemap></sitemapindex>""".encode()
    server.add("/index.xml", static(index, "application/xml", etag='"i1"'))
    server.add("/page.html", Reply(200, b"<html><body>not a feed</body></html>"))
    return WebSources(
        (
            SourceRef(server.url("/rss.xml")),
            SourceRef(server.url("/index.xml"), "sitemap"),
            SourceRef(server.url("/page.html")),
            SourceRef(server.url("/gone.xml")),
        ),
    )


def _run_discover(web: WebSources, out: str, run_id: str) -> tuple[list, list, dict]:
    with TestPipeline() as p:
        entries, rejected, counts = p | Discover(web, out, run_id, _config())
        check(entries, partial(collect, f"{run_id}-entries"), "Entries")
        check(rejected, partial(collect, f"{run_id}-rejected"), "Rejected")
        check(counts, partial(collect, f"{run_id}-counts"), "Counts")
    totals: dict = {}
    for key, n in collected(f"{run_id}-counts"):
        totals[key] = totals.get(key, 0) + n
    return collected(f"{run_id}-entries"), collected(f"{run_id}-rejected"), totals


def test_discover_fetches_follows_indexes_and_replays_when_not_modified(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    url_list = tmp_path / "urls.txt"
    with FixtureServer() as server:
        web = _serve_sources(server)
        url_list.write_text(f"# picks\n{server.url('/listed/1')}\n\nnot-a-url\n", encoding="utf-8")
        web = WebSources(web.sources, (str(url_list),))

        entries, rejected, counts = _run_discover(web, out, "run1")
        by_url = {e.url.replace(server.url(""), ""): e for e in entries}
        assert set(by_url) == {
            "/post/1",
            "/s/1",
            "/s/2",
            "/news/business/merger.html",
            "/news/world/summit.html",
            "/listed/1",
        }
        assert (by_url["/post/1"].source_kind, by_url["/post/1"].published) == ("feed", "2009-09-06T16:20:00+00:00")
        assert (by_url["/s/2"].source_kind, by_url["/s/2"].published) == ("sitemap", "2025-12-02")
        assert by_url["/news/world/summit.html"].title == "Summit ends without deal"
        assert by_url["/listed/1"].source == f"{url_list}#L2"
        reasons = sorted((r.source.replace(server.url(""), ""), r.stage, r.reason) for r in rejected)
        assert reasons == [
            ("/gone.xml", "fetch", "http-404"),
            ("/index.xml", "fetch", "nested-index"),  # /nested.xml lists the index again: no third level
            ("/page.html", "fetch", "not-a-feed"),
            (f"{url_list}#L4", "fetch", "invalid-url"),
        ]
        assert counts[COUNT_ENTRIES] == 6
        assert counts[COUNT_FETCHED] == 5  # rss, index, gz child, news, nested
        assert COUNT_NOT_MODIFIED not in counts
        assert server.hits("/robots.txt") == 1  # one origin, robots.txt read once

        # Second run: validators go back, unchanged sources answer 304 and their listings are replayed.
        entries2, rejected2, counts2 = _run_discover(web, out, "run2")
        assert sorted(e.url for e in entries2) == sorted(e.url for e in entries)
        assert sorted(entries2, key=lambda e: e.url) == sorted(entries, key=lambda e: e.url)
        assert counts2[COUNT_NOT_MODIFIED] == 4  # rss, index, gz child (Last-Modified), news
        assert counts2[COUNT_FETCHED] == 1  # /nested.xml has no validators
        assert len(rejected2) == len(rejected)
        assert server.requests("/rss.xml")[-1].headers.get("if-none-match") == '"rss-1"'
        assert server.requests("/sitemap-1.xml.gz")[-1].headers.get("if-modified-since") == (
            "Mon, 01 Dec 2025 00:00:00 GMT"
        )


def test_a_broken_feed_is_rejected_and_never_replayed(tmp_path: Path) -> None:
    """A truncated feed with an ETag: a `malformed-feed` row, and neither its validators nor its (empty)
    listing are kept, so the next run fetches it in full instead of replaying nothing on a 304. A feed
    broken after its first entry gives that entry, and is not cached either."""
    out = str(tmp_path / "out")
    with FixtureServer() as server:
        full = fixture_bytes("feed2.rss").replace(b"http://www.example.com/blog/post/1", server.url("/post/1").encode())
        truncated = full[: full.index(b"<item>") + 20]
        state = {"fixed": False}

        def broken(request: Request) -> Reply:
            body, etag = (full, '"full"') if state["fixed"] else (truncated, '"cut"')
            if request.headers.get("if-none-match") == etag:
                return Reply(304, content_type=None, headers={"ETag": etag})
            return Reply(200, body, "application/rss+xml", {"ETag": etag})

        server.add("/broken.xml", broken)
        atom = fixture_bytes("feed1.atom")
        cut = atom[: atom.index(b"<link", atom.index(b"<entry>", atom.index(b"</entry>"))) + 20]
        server.add("/cut.atom", static(cut, "application/atom+xml", etag='"atom-cut"'))
        web = WebSources((SourceRef(server.url("/broken.xml")), SourceRef(server.url("/cut.atom"))))

        entries, rejected, counts = _run_discover(web, out, "run1")
        assert [e.url for e in entries] == ["http://example.org/2003/12/13/atom03"]
        # The cut feed, and the entry of the other one that was cut before its link.
        assert sorted((r.source, r.stage, r.reason) for r in rejected) == [
            (server.url("/broken.xml"), "fetch", "malformed-feed"),
            (server.url("/cut.atom") + "#Self-referenced link", "fetch", "malformed-feed"),
        ]
        assert "SAXParseException" in (min(rejected, key=lambda r: r.source).detail or "")
        assert counts[COUNT_FETCHED] == 1 and counts[COUNT_RECOVERED] == 1  # a rejected source is not counted
        assert counts.get(COUNT_SAVED, 0) == 0
        assert load_validators(out) == {}

        state["fixed"] = True
        entries2, rejected2, counts2 = _run_discover(web, out, "run2")
        assert server.requests("/broken.xml")[-1].headers.get("if-none-match") is None
        assert server.requests("/cut.atom")[-1].headers.get("if-none-match") is None
        assert {e.url for e in entries2} == {"http://example.org/2003/12/13/atom03", server.url("/post/1")}
        assert [r.source for r in rejected2] == [server.url("/cut.atom") + "#Self-referenced link"]  # still cut
        assert COUNT_NOT_MODIFIED not in counts2
        assert set(load_validators(out)) == {server.url("/broken.xml")}  # whole now: cached from here on
