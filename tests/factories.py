"""The one article factory of the tests and benchmarks: a valid Article from a text, any field overridable."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from schemas.article import Article, TopicScore
from transforms.text import identity

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone.utc)


def make_article(
    text: str,
    *,
    source: str = "s.txt",
    topic: str = "politics",
    day: dt.date | None = None,
    url: str | None = None,
    run_id: str = "run1",
    **fields: Any,
) -> Article:
    """An article of `text` as tagging would leave it (ids from the text and URL, dated `day` or ingested
    today); `fields` set any other column (e.g. `topics=`, `authors=`, `story_id=`)."""
    text_hash = identity.content_hash(text)
    canonical = identity.canonical_url(url)
    published = dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc) if day else None
    article = Article(
        article_id=identity.article_id(canonical, text_hash),
        revision=1,
        content_hash=text_hash,
        source=source,
        source_format="txt",
        url=url,
        canonical_url=canonical,
        title=None,
        text=text,
        word_count=len(text.split()),
        authors=[],
        publisher=None,
        language="en",
        published_at=published,
        date=day or NOW.date(),
        date_source="text" if day else "ingested",
        date_confidence=0.5 if day else 0.05,
        topic=topic,
        topics=[TopicScore(topic, 0.9)],
        keywords=[],
        entities=[],
        duplicate_of=None,
        story_id=None,
        ingested_at=NOW,
        run_id=run_id,
    )
    return dataclasses.replace(article, **fields) if fields else article
