"""TagArticles: turn drafts into `Article` rows with identity, date (and where it came from), topics and
language. The logic lives in plain modules (dates, topics, language, identity) that are tested alone."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.article import Article, TopicScore
from transforms import dates, identity, language
from transforms._deadletter import REJECTED, DeadLetterFn, reject
from transforms._outputs import ParDoWithOutputs
from transforms._progress import Progress
from transforms.document import DateEvidence, Draft, RunContext
from transforms.topics import Taxonomy, primary_topic

logger = logging.getLogger(__name__)

STAGE = "tag"

# Confidence given to a date stated by the input's own metadata (feed entry, JSONL `published`).
INPUT_DATE_CONFIDENCE = 0.95
INGESTED_CONFIDENCE = 0.05
# Fewer words than this is a navigation stub or an empty shell, not an article.
DEFAULT_MIN_WORDS = 5


def date_candidates(draft: Draft, reference: dt.date) -> list[DateEvidence]:
    """Every piece of date evidence for one article, strongest sources first."""
    found = list(draft.dates)
    stated = dates.parse_iso(draft.published, reference, draft.published_source, INPUT_DATE_CONFIDENCE)
    if stated is not None:
        found.append(stated)
    from_url = dates.url_date(draft.url, reference)
    if from_url is not None:
        found.append(from_url)
    found.extend(dates.text_dates(draft.text, reference))
    return found


def build_article(draft: Draft, taxonomy: Taxonomy, ctx: RunContext) -> Article:
    """The tagged output row for a draft."""
    best = dates.choose_date(date_candidates(draft, ctx.reference_date), ctx.reference_date)
    if best is None:
        published_at = None
        day = ctx.ingested_at.astimezone(dt.timezone.utc).date()
        date_source, confidence = "ingested", INGESTED_CONFIDENCE
    else:
        published_at = best.value.astimezone(dt.timezone.utc)
        day = published_at.date()
        date_source, confidence = best.source, best.confidence
    scores = taxonomy.score(draft.text, draft.title)
    lang, _ = language.detect_language(draft.text, draft.language_hint)
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
        word_count=len(draft.text.split()),
        authors=list(draft.authors),
        publisher=draft.publisher,
        language=lang,
        published_at=published_at,
        date=day,
        date_source=date_source,
        date_confidence=round(float(confidence), 3),
        topic=primary_topic(scores),
        topics=[TopicScore(label, round(float(score), 4)) for label, score in scores],
        keywords=[],
        entities=[],
        duplicate_of=None,
        story_id=None,
        ingested_at=ctx.ingested_at,
        run_id=ctx.run_id,
    )


class _TagFn(DeadLetterFn):
    stage = STAGE

    def __init__(self, ctx: RunContext, taxonomy_path: str | None, min_words: int) -> None:
        super().__init__(ctx.run_id)
        self.ctx = ctx
        self.min_words = min_words
        self.taxonomy_path = taxonomy_path
        self.taxonomy: Taxonomy | None = None
        self.progress: Progress | None = None
        self.tagged = Metrics.counter(STAGE, "articles")
        self.undated = Metrics.counter(STAGE, "dated_by_ingest_time")

    def setup(self) -> None:
        self.taxonomy = Taxonomy.load(self.taxonomy_path)
        self.progress = Progress("articles tagged")

    def handle(self, draft: Draft) -> Iterable[Any]:
        words = len(draft.text.split())
        if words == 0:
            yield reject(draft.source, STAGE, "empty-text", "no text left after cleaning", self.run_id, draft.url)
            return
        if words < self.min_words:
            detail = f"{words} words < --min-words {self.min_words}: {draft.text[:80]!r}"
            yield reject(draft.source, STAGE, "too-short", detail, self.run_id, draft.url)
            return
        assert self.taxonomy is not None
        article = build_article(draft, self.taxonomy, self.ctx)
        self.tagged.inc()
        if self.progress is not None:
            self.progress.tick()
        if article.date_source == "ingested":
            self.undated.inc()
        yield article


class TagArticles(beam.PTransform):
    """Drafts → (Articles, Rejected rows)."""

    def __init__(self, ctx: RunContext, taxonomy_path: str | None = None, min_words: int = DEFAULT_MIN_WORDS) -> None:
        super().__init__()
        self.ctx = ctx
        self.taxonomy_path = taxonomy_path
        self.min_words = min_words

    def expand(self, drafts: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        results = drafts | "Tag" >> ParDoWithOutputs(
            _TagFn(self.ctx, self.taxonomy_path, self.min_words), REJECTED, main="articles"
        )
        return results["articles"], results[REJECTED]
