"""What flows between stages: raw documents, drafts, date evidence and the duplicates that are not written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawDocument:
    """An input as read or fetched, decoded to text. `kind` picks the extractor: `html` or `text`."""

    source: str
    source_format: str
    kind: str
    content: str
    url: str | None = None
    title: str | None = None
    published: str | None = None
    # Which metadata stated `published`: "feed" (a feed entry, or a JSONL record's own field) or "sitemap".
    published_source: str = "feed"
    # The page's last update as the input states it: a feed entry's updated, a sitemap's lastmod, a JSONL
    # record's `updated`.
    updated: str | None = None
    publisher: str | None = None
    authors: list[str] = field(default_factory=list)
    encoding: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    origin: str | None = None  # the file it was read from (a JSONL file holds many); None when fetched
    # The source vouched for this page being an article (a feed entry, a news-sitemap entry, a JSONL record
    # stating its title or date): the article gate turns it away only on strong evidence.
    vouched: bool = False


@dataclass(frozen=True)
class DateEvidence:
    """One candidate publication date and where it came from; the tagger picks the strongest."""

    value: dt.datetime  # timezone-aware (UTC) when `has_time`, else midnight UTC of the day
    source: str  # one of schemas.article.DATE_SOURCES
    confidence: float
    has_time: bool = False
    detail: str = ""
    # The calendar day in the publisher's own time zone, when the source stated a UTC offset (or the day
    # comes from another statement of the same moment); None means the UTC date of `value`.
    day: dt.date | None = None


@dataclass
class Draft:
    """An extracted, cleaned article that is not tagged yet."""

    source: str
    source_format: str
    kind: str  # what the text came from: "html" (already extracted) or "text" (still to clean)
    text: str
    url: str | None = None
    published: str | None = None  # as the input stated it (JSONL `published`, feed entry date)
    published_source: str = "feed"  # see RawDocument.published_source
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    language_hint: str | None = None
    dates: list[DateEvidence] = field(default_factory=list)
    removed_lines: int = 0
    # What kind of page the text came from (`transforms.text.pagekind.KINDS`): "article" unless the gate says
    # otherwise; plain texts are articles. `page_evidence` names what decided it, `article_score` is the
    # gate's probability that the page is an article.
    page_kind: str = "article"
    page_evidence: str = ""
    article_score: float = 1.0
    # The day a web archive's crawler fetched the page (WARC-Date): nothing on it was published later.
    not_after: dt.date | None = None
    # The last update the page states (`dates.html_dates`), beside its publication in `dates`, and the one its
    # input states (RawDocument.updated), as written.
    page_updated: DateEvidence | None = None
    updated: str | None = None


@dataclass(frozen=True)
class RunContext:
    """Facts fixed for a whole run; every stage that stamps rows gets the same ones."""

    run_id: str
    ingested_at: dt.datetime  # timezone-aware UTC
    reference_date: dt.date


@dataclass(frozen=True)
class Duplicate:
    """An input not written because the same content is already kept (or the same input was already read)."""

    source: str
    content_hash: str | None  # None for an input skipped before extraction (an unchanged input, a seen URL)
    duplicate_of: str | None  # article_id of the kept copy, when known
    reason: str  # "duplicate-in-run", "seen-in-earlier-run", "unchanged-input", "settled-reject" or "warc-revisit"


WRITTEN, DUPLICATE, REJECTED = "written", "duplicate", "rejected"


@dataclass(frozen=True)
class Outcome:
    """How one input of a run ended: written as an article, a duplicate (and why) or rejected (by which stage,
    and why). Derived once per graph; the run's counts, its state tables and its seen URLs all read it."""

    source: str
    kind: str  # WRITTEN, DUPLICATE or REJECTED
    reason: str = ""  # why it is a duplicate or was rejected; "" for a written article
    stage: str = ""  # the stage that rejected it; "" otherwise
