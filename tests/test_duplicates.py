"""Dedupe's decisions as plain functions (`transforms.text.duplicates`) and the article index's rows
(`transforms.storage.index`), without Beam: which copy is kept, revisions, near-duplicates and stories, what is
stamped on the kept article, and reprocessing under other settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.article import SCHEMA_VERSION_KEY
from schemas.state import INDEX_SCHEMA, INDEX_TABLE
from tests.conftest import SEEDS
from tests.factories import make_article
from transforms.storage import index
from transforms.storage.tables import table_dir
from transforms.text import duplicates
from transforms.text.duplicates import EARLIER_RUN, IN_RUN, Signed, cluster, pick, revise, sign

SEED = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
TEXT = "The harbour budget passed on Tuesday after a long debate about dredging the eastern basin."
DAY = dt.date(2025, 12, 20)


def _signed(text: str, source: str, url: str | None = None, day: dt.date | None = DAY) -> Signed:
    return sign(make_article(text, source=source, url=url, day=day))


def test_copies_in_a_run_keep_the_earliest_published() -> None:
    late = _signed(TEXT, "late.txt", day=dt.date(2025, 12, 21))
    early = _signed(TEXT, "early.txt", day=dt.date(2025, 12, 20))
    picked = pick(early.entry.content_hash, [late, early], [])
    assert picked.kept == early
    assert [(d.source, d.reason, d.duplicate_of) for d in picked.duplicates] == [
        ("late.txt", IN_RUN, early.entry.article_id)
    ]
    assert pick("h", [], []) == duplicates.Picked(None, [])


def test_a_text_an_earlier_run_kept_under_the_same_settings_is_a_duplicate() -> None:
    copy = _signed(TEXT, "copy.txt")
    rows = [("kept-b", "s1"), ("kept-a", "s1")]
    picked = pick(copy.entry.content_hash, [copy], rows, "s1")
    assert picked.kept is None
    assert [(d.reason, d.duplicate_of) for d in picked.duplicates] == [(EARLIER_RUN, "kept-a")]


def test_under_other_settings_the_same_article_is_kept_again_and_copies_elsewhere_stay_duplicates() -> None:
    same = _signed(TEXT, "a.html", url="https://example.com/a")
    elsewhere = _signed(TEXT, "b.html", url="https://example.com/b", day=dt.date(2025, 12, 19))
    text_hash = same.entry.content_hash
    rows = [(same.entry.article_id, "old-settings")]
    picked = pick(text_hash, [elsewhere, same], rows, "new-settings")
    assert picked.kept == same  # the earlier article itself, though the other copy was published first
    assert [(d.source, d.reason, d.duplicate_of) for d in picked.duplicates] == [
        ("b.html", IN_RUN, same.entry.article_id)
    ]
    # a copy at another address alone is a duplicate of the earlier article, whatever the settings
    alone = pick(text_hash, [elsewhere], rows, "new-settings")
    assert alone.kept is None and [d.reason for d in alone.duplicates] == [EARLIER_RUN]
    # a row without settings (written before rows carried them) holds for no settings
    assert pick(text_hash, [same], [(same.entry.article_id, None)], "new-settings").kept == same
    # --reprocess: kept again under the same settings too
    assert pick(text_hash, [same], [(same.entry.article_id, "s1")], "s1", reprocess=True).kept == same


def test_revisions_number_on_from_the_highest_and_keep_its_story() -> None:
    url = "https://example.com/story"
    v2 = _signed(TEXT + " Updated.", "v2.html", url=url, day=dt.date(2025, 12, 21))
    v3 = _signed(TEXT + " Updated again.", "v3.html", url=url, day=dt.date(2025, 12, 22))
    out = revise([v3, v2], [(1, "story-1"), (2, "story-2")])
    assert [(r.source, r.entry.revision, r.entry.story_hint) for r in out] == [
        ("v2.html", 3, "story-2"),
        ("v3.html", 4, "story-2"),
    ]
    (first,) = revise([v2], [])
    assert (first.entry.revision, first.entry.story_hint) == (1, None)


def _indexed(entry: duplicates.stories.Entry, story: str, duplicate_of: str | None = None) -> duplicates.stories.Entry:
    """`entry` as an earlier run left it in the index (its story decided, read back from a row)."""
    row = index.index_row(dataclasses.replace(entry, story_id=story, duplicate_of=duplicate_of), "s1", "0")
    return index.entry_from_row(row)


def test_a_reprocessed_article_is_not_the_near_duplicate_of_its_own_copy() -> None:
    """Seed 001 copied: an earlier run kept the original and flagged the copy; processed again, the original's
    new revision replaces its earlier entry and is no near-duplicate of the copy, which stays one of it."""
    original = _signed(SEED["001"], "001.txt").entry
    copy = _signed(SEED["001"] + " Reporting by the wires.", "copy.txt", day=DAY + dt.timedelta(days=1)).entry
    earlier = [_indexed(original, "story-a"), _indexed(copy, "story-a", original.article_id)]
    again = [
        dataclasses.replace(original, revision=2, story_hint="story-a"),
        dataclasses.replace(copy, revision=2, story_hint="story-a"),
    ]
    result = cluster(again, earlier)
    decided = {a.article_id: (a.duplicate_of, a.story_id) for a in result.assignments}
    assert decided == {original.article_id: (None, "story-a"), copy.article_id: (original.article_id, "story-a")}
    assert result.counts[duplicates.COUNT_JOINED] == 2 and result.counts[duplicates.COUNT_NEW_STORIES] == 0
    assert [e.revision for e in result.entries] == [2, 2]


def test_clustering_counts_and_decisions() -> None:
    new = [_signed(SEED[n], f"{n}.txt").entry for n in ("000", "001", "004")]
    result = cluster(new, [])
    assert len(result.assignments) == len(result.entries) == 3
    assert result.counts[duplicates.COUNT_STORY_ARTICLES] == 3
    assert result.counts[duplicates.COUNT_NEW_STORIES] == len({a.story_id for a in result.assignments})
    assert {e.story_id for e in result.entries} == {a.story_id for a in result.assignments}
    assert cluster([], new) == duplicates.Clustered([], [], {})


def test_the_decision_is_stamped_on_the_kept_article() -> None:
    article = make_article(SEED["002"], extra={"story_hint": "s-0"})
    kept = dataclasses.replace(sign(article), entry=dataclasses.replace(sign(article).entry, revision=3))
    assignment = duplicates.stories.Assignment(article.content_hash, article.article_id, "other", "s-1", DAY)
    stamped = duplicates.decide(kept, assignment).apply(article)
    assert (stamped.revision, stamped.duplicate_of, stamped.story_id) == (3, "other", "s-1")
    assert (stamped.date, stamped.date_source) == (DAY, "story") and "story_hint" not in stamped.extra


def test_index_rows_round_trip_and_old_parts_read_with_null_settings(tmp_path: Path) -> None:
    entry = _signed(SEED["003"], "003.txt").entry
    row = index.index_row(dataclasses.replace(entry, story_id="s-1"), "settings-1", "1.2.3")
    back = index.entry_from_row(row)
    assert (back.article_id, back.story_id, back.terms, back.minhash) == (
        entry.article_id,
        "s-1",
        entry.terms,
        entry.minhash,
    )
    out = str(tmp_path / "out")
    index.write_index(out, [row], "run2", "00000")
    # a part of schema version 1 (no `settings`, no `version`) still reads
    v1 = pa.schema(
        [f for f in INDEX_SCHEMA if f.name not in ("settings", "version")], metadata={SCHEMA_VERSION_KEY: b"1"}
    )
    old = {k: v for k, v in row.items() if k in v1.names} | {"article_id": "old", "run_id": "run1"}
    pq.write_table(
        pa.Table.from_pylist([old], schema=v1), Path(table_dir(out, INDEX_TABLE)) / "part-run1-00000.parquet"
    )
    rows = index.read_index(out, ["article_id", "settings", "version"]).to_pylist()
    assert sorted(rows, key=lambda r: r["article_id"]) == [
        {"article_id": entry.article_id, "settings": "settings-1", "version": "1.2.3"},
        {"article_id": "old", "settings": None, "version": None},
    ]
    assert sorted(index.run_of(p.name) or "" for p in Path(table_dir(out, INDEX_TABLE)).iterdir()) == ["run1", "run2"]
