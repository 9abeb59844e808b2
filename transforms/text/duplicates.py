"""Dedupe's decisions as plain functions: which copy of a text is kept, its revision, its near-duplicate and
story, and what is stamped on the kept article.

`transforms.dedupe` runs them over Beam groupings (batch) or over one window in memory (stream); both hand
them the same inputs: the run's compact records (`Signed`, never an article's text) and what earlier runs
left in the article index. Each function is deterministic, so a run decides the same whatever the order or
the bundling of its inputs.

Reprocessing: an index row carries the settings fingerprint it was made under
(`transforms.unchanged.settings_key`). An exact copy of an earlier text is a duplicate when an earlier row
with the same settings has it; under other settings (or with `reprocess`), the copy whose `article_id` an
earlier row has is kept again and becomes that article's next revision, so the re-tagged article is written;
copies at other addresses stay duplicates of the earlier one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from schemas.article import Article
from schemas.document import Duplicate
from transforms.text import minhash, stories

IN_RUN = "duplicate-in-run"
EARLIER_RUN = "seen-in-earlier-run"
# Keys of the clustering counts in the run manifest.
COUNT_STORY_ARTICLES = "stories|articles"
COUNT_NEW_STORIES = "stories|new-stories"
COUNT_JOINED = "stories|joined-earlier-story"
COUNT_NEAR_DUPLICATES = "stories|near-duplicates"

_LATEST = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Signed:
    """What the decisions need of one article (ids, hash, source, dates, signature, terms), never its text."""

    entry: stories.Entry
    source: str
    key: str  # `fingerprint` of the article: identifies the kept copy among those with one text
    topic: str = ""  # with `entry.date`, the partition the article is written to
    ref: Any = None  # where the batch stage staged the article (a `transforms.storage.staging.Ref`)


@dataclass(frozen=True)
class Decision:
    """What Dedupe sets on an article it keeps."""

    revision: int
    duplicate_of: str | None
    story_id: str | None
    # The story's day for an article with no date of its own (`transforms.text.stories.story_days`).
    story_date: dt.date | None = None

    def apply(self, article: Article) -> Article:
        extra = {k: v for k, v in article.extra.items() if k != "story_hint"}  # a hint for Dedupe only
        article = replace(
            article, revision=self.revision, duplicate_of=self.duplicate_of, story_id=self.story_id, extra=extra
        )
        if self.story_date is None or article.date_source != "ingested":
            return article
        return replace(
            article, date=self.story_date, date_source="story", date_confidence=stories.STORY_DATE_CONFIDENCE
        )


def fingerprint(article: Article) -> str:
    """A digest of everything written of `article`. `source` is not unique (JSONL records may all name one
    outlet, a file may be read twice), so this is the last tie-break between copies and how the kept one is
    found again; copies with the same digest would be written identically, so either one will do."""
    return hashlib.sha256(repr(article.to_row()).encode("utf-8")).hexdigest()[:32]


def entry_for(article: Article) -> stories.Entry:
    """The compact entry of a new article: its signatures, not its text."""
    return stories.Entry(
        article_id=article.article_id,
        revision=article.revision,
        content_hash=article.content_hash,
        date=article.date,
        published_at=article.published_at,
        date_confidence=article.date_confidence,
        ingested_at=article.ingested_at,
        minhash=minhash.signature(article.text),
        terms=stories.salient_terms(article.text, article.language),
        story_hint=article.extra.get("story_hint"),
        run_id=article.run_id,
    )


def sign(article: Article, ref: Any = None) -> Signed:
    """The compact record of `article` (and where it is staged, if it is)."""
    return Signed(entry_for(article), article.source, fingerprint(article), article.topic, ref)


def keep_first(record: Signed) -> tuple[dt.datetime, str, str]:
    """The copy to keep: the earliest published, then the smallest source, then the smallest fingerprint,
    so the choice is stable and names exactly one article."""
    return (record.entry.published_at or _LATEST, record.source, record.key)


class Picked(NamedTuple):
    kept: Signed | None  # None: an earlier run kept this text (under these settings), or nothing came
    duplicates: list[Duplicate]  # every other copy


def pick(
    content_hash: str,
    new: Iterable[Signed],
    earlier: Iterable[tuple[str, str | None]],
    settings: str | None = None,
    reprocess: bool = False,
) -> Picked:
    """The copies of one text in this run and the `(article_id, settings)` of the index rows that have it →
    the copy to keep and a `Duplicate` for each other. An earlier row made under the same `settings` (and
    without `reprocess`) makes every copy a duplicate; one made under other settings only when no copy is
    that earlier article itself (which is then kept again: a reprocessing)."""
    records = sorted(new, key=keep_first)
    rows = sorted(set(earlier), key=lambda row: (row[0], row[1] or ""))
    current = [article_id for article_id, made_under in rows if made_under == settings and not reprocess]
    redone = [r for r in records if any(r.entry.article_id == article_id for article_id, _ in rows)]
    kept: Signed | None = None
    if current or (rows and not redone):
        kept_id = (current or [rows[0][0]])[0]
        rest, reason = records, EARLIER_RUN
    elif redone:
        kept, kept_id = redone[0], redone[0].entry.article_id
        rest, reason = [r for r in records if r is not kept], IN_RUN
    elif records:
        kept, kept_id = records[0], records[0].entry.article_id
        rest, reason = records[1:], IN_RUN
    else:
        return Picked(None, [])
    duplicates = [Duplicate(r.source, content_hash, kept_id, reason) for r in rest]
    return Picked(kept, duplicates)


def revision_order(entry: stories.Entry) -> tuple[dt.datetime, str]:
    return (entry.published_at or entry.ingested_at, entry.content_hash)


def revise(new: Iterable[Signed], earlier: Iterable[tuple[int, str | None]]) -> list[Signed]:
    """The kept texts of one `article_id` in this run and the `(revision, story_id)` of its earlier index
    rows → the records numbered on from the highest known revision; they stay in that revision's story."""
    records = sorted(new, key=lambda r: revision_order(r.entry))
    known = sorted(earlier, key=lambda rs: (rs[0], rs[1] or ""))
    latest, story = known[-1] if known else (0, None)
    out = []
    for offset, record in enumerate(records, start=1):
        entry = replace(record.entry, revision=latest + offset)
        if story:
            entry.story_hint = story
        out.append(replace(record, entry=entry))
    return out


def in_window(day: dt.date, bounds: tuple[dt.date, dt.date] | None) -> bool:
    """Whether `day` lies within `bounds` (never, without bounds)."""
    return bounds is not None and bounds[0] <= day <= bounds[1]


class Clustered(NamedTuple):
    assignments: list[stories.Assignment]  # one per new entry, `story_date` set where it takes its story's day
    entries: list[stories.Entry]  # the new entries as indexed: story, near-duplicate and day decided
    counts: dict[str, int]  # for the run manifest (empty when nothing new)


def cluster(
    new: Sequence[stories.Entry],
    earlier: Iterable[stories.Entry],
    *,
    near_duplicate_threshold: float = minhash.DEFAULT_NEAR_DUPLICATE_THRESHOLD,
    story_threshold: float = stories.DEFAULT_STORY_THRESHOLD,
    window_days: int = stories.DEFAULT_WINDOW_DAYS,
) -> Clustered:
    """All of a run's new entries against the earlier ones (in the story window; the first of each content
    hash counts), in one call: deterministic by design. The earlier entry of a text that a new entry of the
    same article carries again (a reprocessing) is replaced by it, so an article is never its own copy's
    near-duplicate."""
    bounds = stories.window_bounds((e.date for e in new), window_days) if new else None
    window: dict[str, stories.Entry] = {}
    for entry in sorted(earlier, key=lambda e: -e.revision):  # of a text indexed twice, its latest row
        if in_window(entry.date, bounds):
            window.setdefault(entry.content_hash, entry)
    earlier_stories = {e.story_id for e in window.values()}
    redone = {(e.article_id, e.content_hash) for e in new}
    olds = [e for e in window.values() if (e.article_id, e.content_hash) not in redone]
    if not new:
        return Clustered([], [], {})
    assignments = stories.assign(
        new,
        olds,
        near_duplicate_threshold=near_duplicate_threshold,
        story_threshold=story_threshold,
        window_days=window_days,
    )
    by_hash = {e.content_hash: e for e in new}
    # An article with no date of its own takes its story's day (its partition and index row too).
    story_day = stories.story_days(assignments, new, olds)
    decided: list[stories.Assignment] = []
    entries: list[stories.Entry] = []
    for a in assignments:
        entry = replace(by_hash[a.content_hash], story_id=a.story_id, duplicate_of=a.duplicate_of)
        day = story_day.get(a.content_hash)
        if day is not None:
            a = replace(a, story_date=day)
            entry = replace(entry, date=day, date_confidence=stories.STORY_DATE_CONFIDENCE)
        decided.append(a)
        entries.append(entry)
    joined = sum(1 for a in decided if a.story_id in earlier_stories)
    counts = {
        COUNT_STORY_ARTICLES: len(decided),
        COUNT_NEW_STORIES: len({a.story_id for a in decided if a.story_id not in earlier_stories}),
        COUNT_JOINED: joined,
        COUNT_NEAR_DUPLICATES: sum(1 for a in decided if a.duplicate_of),
    }
    return Clustered(decided, entries, counts if decided else {})


def decide(kept: Signed, assignment: stories.Assignment) -> Decision:
    """What is stamped on the kept copy of a text: its revision, near-duplicate, story and story day."""
    return Decision(kept.entry.revision, assignment.duplicate_of, assignment.story_id, assignment.story_date)
