"""TagArticles: turn drafts into `Article` rows with identity, date (where it came from, how sure), topics,
language, authors, publisher, keywords and named entities. The logic lives in plain modules (dates,
topics + topic_model, language, authors, keywords, entities, identity) that are tested alone; this module
only puts their answers into the row."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.article import DATE_SOURCES, Article, TopicScore
from schemas.document import DateEvidence, Draft, RunContext
from transforms._deadletter import REJECTED, DeadLetterFn, reject
from transforms._outputs import ParDoWithOutputs
from transforms._progress import Progress
from transforms._stage import Stage
from transforms.text import dates, identity, language, wordcount
from transforms.text.authors import clean_authors
from transforms.text.entities import EntityRecognizer
from transforms.text.keywords import extract_keywords, warm_up
from transforms.text.topics import TopicScorer, primary_topic

logger = logging.getLogger(__name__)

STAGE = "tag"

# Confidence given to a date stated by the input's own metadata (feed entry, JSONL `published`).
INPUT_DATE_CONFIDENCE = 0.95
INGESTED_CONFIDENCE = 0.05
# Fewer words than this is a navigation stub or an empty shell, not an article.
DEFAULT_MIN_WORDS = 5
# Characters read past `dates.DATELINE_CHARS` for a page's dateline, so a date that starts in time ends in the slice.
_DATELINE_MARGIN = 1000


def date_candidates(draft: Draft, reference: dt.date) -> list[DateEvidence]:
    """Every piece of date evidence for one article: the input's own (feed, sitemap), the page's (HTML),
    the URL's and the text's; `dates.choose_date` ranks them."""
    found = list(draft.dates)
    stated = dates.parse_iso(draft.published, reference, draft.published_source, INPUT_DATE_CONFIDENCE)
    if stated is not None:
        found.append(stated)
    from_url = dates.url_date(draft.url, reference)
    if from_url is not None:
        found.append(from_url)
    if draft.kind == "html":
        # A page's own date is in its markup; dates in passing in its text are mostly those of the events,
        # comments and references it shows, so only a dateline counts there. A dateline starts within
        # `DATELINE_CHARS` of the start, so only the start is read (a date written out is far shorter than
        # the margin): the same datelines, without a scan of the whole text.
        head = draft.text[: dates.DATELINE_CHARS + _DATELINE_MARGIN]
        found.extend(e for e in dates.text_dates(head, reference) if dates.is_dateline(e))
    else:
        found.extend(dates.text_dates(draft.text, reference))
    return found


@dataclass(frozen=True)
class ArticleDate:
    """The date columns of a row: `published_at` (UTC, None when only the ingest time is known), the
    partition `day` (the publisher's calendar day where known), `source` and `confidence`."""

    published_at: dt.datetime | None
    day: dt.date
    source: str
    confidence: float
    detail: str = ""
    has_time: bool = False  # `published_at` holds a time of day, not only the day


def article_date(draft: Draft, ctx: RunContext) -> ArticleDate:
    """The best date evidence for a draft, or the ingest time when there is none."""
    reference = dates.latest_day(ctx.reference_date, draft.not_after)
    best = dates.choose_date(date_candidates(draft, reference), reference)
    if best is None:
        day = ctx.ingested_at.astimezone(dt.timezone.utc).date()
        return ArticleDate(None, day, "ingested", INGESTED_CONFIDENCE)
    value = best.value.astimezone(dt.timezone.utc)
    confidence = round(float(best.confidence), 3)
    return ArticleDate(value, dates.evidence_day(best), best.source, confidence, best.detail, best.has_time)


def updated_at(draft: Draft, when: ArticleDate, ctx: RunContext) -> dt.datetime | None:
    """The article's last update in UTC: the one its page states, else the one its input states (a feed
    entry's, a sitemap's lastmod, a JSONL record's); one before the publication chosen does not count (a stale
    `dateModified` is another record's, or a template's)."""
    reference = dates.latest_day(ctx.reference_date, draft.not_after)
    stated = dates.parse_iso(draft.updated, reference, draft.published_source, INPUT_DATE_CONFIDENCE)
    for found in (draft.page_updated, stated):
        if found is not None and not _before_publication(found, when):
            return found.value.astimezone(dt.timezone.utc)
    return None


def _before_publication(found: DateEvidence, when: ArticleDate) -> bool:
    """Whether a date is earlier than the publication chosen: an earlier day, or an earlier time where both
    state one."""
    if when.published_at is None:
        return False
    early_time = found.has_time and when.has_time and found.value < when.published_at
    return dates.evidence_day(found) < when.day or early_time


def publisher_name(publisher: str | None, url: str | None) -> str | None:
    """The site name as given (trafilatura's `sitename`, a feed, a copyright line), else the URL's host.

    A site name that is itself a URL or a domain becomes the bare host ("www.example.com" -> "example.com").
    """
    name = " ".join((publisher or "").split()).strip(" |-–—:@")
    if name and ("://" in name or (" " not in name and "." in name and name.count(".") <= 3)):
        name = _host(name if "://" in name else f"https://{name}") or name
    if name:
        return name
    return _host(url) if url else None


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


@dataclass
class Taggers:
    """What the stage loads before its first article: the topic scorer (taxonomy and model) and the entity
    gazetteer. Built once per worker (`TagArticles` does it in `DoFn.setup`), then shared by every article."""

    topics: TopicScorer
    entities: EntityRecognizer

    @classmethod
    def load(cls, taxonomy_path: str | None = None) -> Taggers:
        warm_up()  # stop words and word frequencies of English, so the first article is not slow
        language.warm_up()  # and the language model
        return cls(TopicScorer.load(taxonomy_path), EntityRecognizer())


def stub_reason(words: int, min_words: int) -> str | None:
    """Why a text of `words` words is no article (`empty-text`, `too-short`), or None when it may be one."""
    if words == 0:
        return "empty-text"
    return "too-short" if words < min_words else None


def build_article(draft: Draft, taggers: Taggers, ctx: RunContext, word_count: int | None = None) -> Article:
    """The tagged output row for a draft. `word_count` is `wordcount.word_count(draft.text)` when the caller has it
    already (the Tag stage counts words to turn stubs away), so that the text is not split twice."""
    when = article_date(draft, ctx)
    lang, _ = language.detect_language(draft.text, draft.language_hint)
    scores = taggers.topics.score(draft.text, draft.title, lang)
    canonical = identity.canonical_url(draft.url)
    text_hash = identity.content_hash(draft.text)
    return Article(
        article_id=identity.article_id(canonical, text_hash),
        revision=1,
        content_hash=text_hash,
        source=draft.source,
        source_format=draft.source_format,
        url=draft.url,
        canonical_url=canonical,
        title=draft.title,
        text=draft.text,
        word_count=wordcount.word_count(draft.text) if word_count is None else word_count,
        # Stated: a feed's or record's author field, names extraction already chose, or bylines cleaned.
        authors=clean_authors(draft.authors, stated=True),
        publisher=publisher_name(draft.publisher, identity.site_url(canonical or draft.url)),
        language=lang,
        published_at=when.published_at,
        date=when.day,
        date_source=when.source,
        date_confidence=when.confidence,
        topic=primary_topic(scores),
        topics=[TopicScore(label, round(float(score), 4)) for label, score in scores],
        keywords=extract_keywords(draft.text, draft.title, lang),
        entities=taggers.entities.extract(draft.text, lang),
        duplicate_of=None,
        story_id=None,
        ingested_at=ctx.ingested_at,
        run_id=ctx.run_id,
        page_kind=draft.page_kind,
        updated_at=updated_at(draft, when, ctx),
    )


class _TagFn(DeadLetterFn):
    stage = STAGE

    def __init__(self, ctx: RunContext, taxonomy_path: str | None, min_words: int) -> None:
        super().__init__(ctx.run_id)
        self.ctx = ctx
        self.min_words = min_words
        self.taxonomy_path = taxonomy_path
        self.taggers: Taggers | None = None
        self.progress: Progress | None = None
        self.tagged = Metrics.counter(STAGE, "articles")
        self.undated = Metrics.counter(STAGE, "dated_by_ingest_time")
        self.dated_by = {source: Metrics.counter(STAGE, f"date_source_{source}") for source in DATE_SOURCES}
        self.uncategorized = Metrics.counter(STAGE, "uncategorized")
        self.with_authors = Metrics.counter(STAGE, "with_authors")
        self.with_entities = Metrics.counter(STAGE, "with_entities")

    def setup(self) -> None:
        self.taggers = Taggers.load(self.taxonomy_path)
        self.progress = Progress("articles tagged")

    def handle(self, draft: Draft) -> Iterable[Any]:
        words = wordcount.word_count(draft.text)  # Chinese/Japanese characters and Thai segments count too
        stub = stub_reason(words, self.min_words)
        if stub is not None:
            detail = (
                "no text left after cleaning"
                if stub == "empty-text"
                else f"{words} words < --min-words {self.min_words}: {draft.text[:80]!r}"
            )
            yield reject(draft.source, STAGE, stub, detail, self.run_id, draft.url)
            return
        assert self.taggers is not None
        article = build_article(draft, self.taggers, self.ctx, word_count=words)
        self.tagged.inc()
        if self.progress is not None:
            self.progress.tick()
        if article.date_source == "ingested":
            self.undated.inc()
        if article.date_source in self.dated_by:
            self.dated_by[article.date_source].inc()
        if not article.topics:
            self.uncategorized.inc()
        if article.authors:
            self.with_authors.inc()
        if article.entities:
            self.with_entities.inc()
        yield article


class Tagged(NamedTuple):
    """What `TagArticles` returns."""

    articles: beam.PCollection  # Articles, on to Dedupe
    rejected: beam.PCollection  # Rejected rows, stage "tag" (too short, empty…)


@dataclass(eq=False, repr=False)
class TagArticles(Stage):
    """Drafts → `Tagged(articles, rejected)`."""

    ctx: RunContext
    taxonomy_path: str | None = None
    min_words: int = DEFAULT_MIN_WORDS

    def expand(self, drafts: beam.PCollection) -> Tagged:
        results = drafts | "Tag" >> ParDoWithOutputs(
            _TagFn(self.ctx, self.taxonomy_path, self.min_words), REJECTED, main="articles"
        )
        return Tagged(results["articles"], results[REJECTED])
