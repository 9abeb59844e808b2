"""Dedupe: exact copies are written once, changed texts become revisions, near-duplicates and stories are
tagged, within a run and across runs.

What earlier runs kept is read from the article index `_state/article_index/` (one row per written
article: ids, revision, content hash, story, near-duplicate signature and salient terms; see
`INDEX_SCHEMA`). The index is derived from the output and never ahead of it:

- a run appends its index part only after its article files are written (`WriteIndex` waits for them), so
  the index never claims an article that is not on disk;
- a run that crashed between the two left article files without an index part; the next run finds such
  runs by listing file names (no reads), rebuilds their rows from their article files (text, story ids and
  revisions are in them) and uses and writes them (`part-<run_id>-repair.parquet`). So nothing written is
  ever missing from the index for longer than one run.

Steps, each a shuffle or a parallel map except one. No shuffle carries an article's text: a runner may hold
every shuffled PCollection in memory (Beam's FnApiRunner does, and in multi-processing mode lost elements of
large streams), so every decision is taken on compact records (`_Signed`, packed while they wait in a shuffle:
`transforms.storage.packed`) and the articles wait on disk:
1. signatures, salient terms and a fingerprint of every incoming article, duplicates included, in parallel
   and fused with the stage before (`_SignFn`): a compact record per article, and the article appended to
   the bundle's staging file (`transforms.storage.staging`; the record keeps its `Ref`);
2. exact duplicates: CoGroupByKey of the compact records on `content_hash` with the index's hashes; one is
   kept (`_keep_first`), the others become `Duplicate`s here;
3. revisions: CoGroupByKey on `article_id` with the index's revisions (same URL, new text: max + 1);
4. near-duplicates and stories in ONE DoFn (`_ClusterFn`) over the run's compact entries and the index
   rows in the story window (read with a Parquet filter on `date`): LSH and candidate-index look-ups, then
   deterministic average-link clustering (`transforms.text.stories.assign`). One worker holds the run's new
   entries plus the window's (≈1 KB each, no text), which bounds a run to a few hundred thousand of those;
5. the decisions (revision, story, near-duplicate) join the kept records on `content_hash`: each kept
   article leaves as a `StagedArticle` (its staging ref, partition and decision), which the sink reads back
   and writes; the other copies were reported in step 2. So every input is exactly one of unique, duplicate
   or rejected.

`StreamDedupe` runs the same steps for one window inside one DoFn, with the window's articles in memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io import fileio
from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.article import ARTICLES_GLOB, Article
from schemas.document import Duplicate
from schemas.state import INDEX_SCHEMA, INDEX_TABLE
from transforms import state
from transforms._deadletter import REJECTED, DeadLetterFn
from transforms._outputs import ParDoWithOutputs
from transforms.storage import tables
from transforms.storage.packed import pack, unpack
from transforms.storage.staging import Decision, Ref, StagedArticle, StagingWriter, staging_dir
from transforms.text import minhash, stories

logger = logging.getLogger(__name__)

STAGE = "dedupe"
DUPLICATES = "duplicates"
ARTICLES = "articles"  # `_SignFn`'s output of the full articles, keyed for step 5
INDEX = "index"
COUNTS = "counts"
# Keys of this stage's counts in the run manifest.
COUNT_INDEX_ROWS = "stories|index-rows-written"
COUNT_STORY_ARTICLES = "stories|articles"
COUNT_NEW_STORIES = "stories|new-stories"
COUNT_JOINED = "stories|joined-earlier-story"
COUNT_NEAR_DUPLICATES = "stories|near-duplicates"
REPAIR_SHARD = "repair"
RUN_SHARD = "00000"
_SHARD = "_shard"  # marks a rebuilt index row on its way to WriteIndex

_LATEST = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
# part-<run_id>-<shard>.parquet; run ids contain dashes, shards do not.
_PART = re.compile(r"part-(?P<run>.+)-(?P<shard>[^-/]+)\.parquet$")
_DATE_DIR = re.compile(r"date=(\d{4}-\d{2}-\d{2})")

# What steps 1 and 2 need of every earlier article (the cheap columns).
_KNOWN_COLUMNS = ["article_id", "revision", "content_hash", "story_id"]
# The text and ids an index row is rebuilt from, when a run's index part is missing.
_REBUILD_COLUMNS = [
    "article_id",
    "revision",
    "content_hash",
    "story_id",
    "duplicate_of",
    "published_at",
    "date_confidence",
    "ingested_at",
    "run_id",
    "text",
    "language",
]




class DedupeResult(NamedTuple):
    # What to write: `StagedArticle`s from `Dedupe` (read back by the sink), Articles from `StreamDedupe`;
    # either way with revision, duplicate_of and story_id decided
    unique: beam.PCollection
    duplicates: beam.PCollection  # Duplicate records (not written)
    rejected: beam.PCollection  # Rejected rows (an article the dedupe stage could not handle)
    index_rows: beam.PCollection  # index rows to append to `_state/article_index/` with `WriteIndex`
    counts: beam.PCollection  # (key, n) for the run manifest: stories, joins, near-duplicates


def article_files_pattern(output: str) -> str:
    return FileSystems.join(output, ARTICLES_GLOB)


def run_of(path: str) -> str | None:
    """The run id in a part file's name (`part-<run_id>-<shard>.parquet`)."""
    match = _PART.search(path)
    return match.group("run") if match else None


@dataclass(frozen=True)
class _Signed:
    """What steps 2-4 need of one article (ids, hash, source, dates, signature, terms), never its text."""

    entry: stories.Entry
    source: str
    key: str  # `_fingerprint` of the article: identifies it in step 5
    topic: str = ""  # with `entry.date`, the partition the article is written to
    ref: Ref | None = None  # where the batch `Dedupe` staged the article (`transforms.storage.staging`)


def _fingerprint(article: Article) -> str:
    """A digest of everything written of `article`. `source` is not unique (JSONL records may all name one
    outlet, a file may be read twice), so this is the last tie-break between copies and how step 5 finds the
    kept one; copies with the same digest would be written identically, so either one will do."""
    return hashlib.sha256(repr(article.to_row()).encode("utf-8")).hexdigest()[:32]


def _keep_first(record: _Signed) -> tuple[dt.datetime, str, str]:
    """The copy to keep: the earliest published, then the smallest source, then the smallest fingerprint,
    so the choice is stable and names exactly one article."""
    return (record.entry.published_at or _LATEST, record.source, record.key)


def _revision_order(entry: stories.Entry) -> tuple[dt.datetime, str]:
    return (entry.published_at or entry.ingested_at, entry.content_hash)


def index_row(entry: stories.Entry) -> dict[str, Any]:
    return {
        "article_id": entry.article_id,
        "revision": entry.revision,
        "content_hash": entry.content_hash,
        "story_id": entry.story_id,
        "duplicate_of": entry.duplicate_of,
        "date": entry.date,
        "published_at": entry.published_at,
        "date_confidence": entry.date_confidence,
        "ingested_at": entry.ingested_at,
        "minhash": entry.minhash,
        "terms": [w for w, _ in entry.terms],
        "weights": [x for _, x in entry.terms],
        "run_id": entry.run_id,
    }


def entry_from_row(row: dict[str, Any]) -> stories.Entry:
    return stories.Entry(
        article_id=row["article_id"],
        revision=row["revision"],
        content_hash=row["content_hash"],
        date=row["date"],
        published_at=row["published_at"],
        date_confidence=row["date_confidence"],
        ingested_at=row["ingested_at"],
        minhash=row["minhash"],
        terms=tuple(zip(row["terms"], row["weights"], strict=True)),
        story_id=row["story_id"],
        duplicate_of=row["duplicate_of"],
        run_id=row["run_id"],
    )


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


def in_window(day: dt.date, bounds: tuple[dt.date, dt.date] | None) -> bool:
    """Whether `day` lies within `bounds` (never, without bounds)."""
    return bounds is not None and bounds[0] <= day <= bounds[1]


class _RunOfFn(beam.DoFn):
    """The run id of a matched part file (or `(run id, file)` with `keep_file`)."""

    def __init__(self, keep_file: bool = False) -> None:
        self.keep_file = keep_file

    def process(self, meta: Any) -> Iterator[Any]:
        run = run_of(meta.path)
        if run is not None:
            yield (run, meta) if self.keep_file else run


class _RebuildFn(beam.DoFn):
    """Index rows for one article file of a run that has no index part (it crashed after writing)."""

    def __init__(self) -> None:
        self.rebuilt = Metrics.counter(STAGE, "index_rows_rebuilt")

    def process(self, meta: FileMetadata) -> Iterator[dict[str, Any]]:
        match = _DATE_DIR.search(meta.path)
        day = dt.date.fromisoformat(match.group(1)) if match else None
        rows: list[dict[str, Any]] = []
        if day is not None:
            logger.warning("rebuilding the index rows of %s (its run left no index part)", meta.path)
            with FileSystems.open(meta.path) as handle:
                rows = pq.read_table(handle, columns=_REBUILD_COLUMNS).to_pylist()
        for row in rows:
            entry = stories.Entry(
                article_id=row["article_id"],
                revision=row["revision"],
                content_hash=row["content_hash"],
                date=day or dt.date.min,
                published_at=row["published_at"],
                date_confidence=row["date_confidence"],
                ingested_at=row["ingested_at"],
                minhash=minhash.signature(row["text"]),
                terms=stories.salient_terms(row["text"], row["language"]),
                story_id=row["story_id"],
                duplicate_of=row["duplicate_of"],
                run_id=row["run_id"],
            )
            self.rebuilt.inc()
            yield index_row(entry)


class _ReadWindowFn(beam.DoFn):
    """`(index file, (first, last))` → the file's rows with `date` in the window (row groups outside it are
    skipped by their statistics)."""

    def __init__(self) -> None:
        self.loaded = Metrics.counter(STAGE, "window_rows")

    def process(self, element: tuple[str, tuple[dt.date, dt.date]]) -> Iterator[stories.Entry]:
        path, (first, last) = element
        with FileSystems.open(path) as handle:
            table = pq.read_table(handle, filters=[("date", ">=", first), ("date", "<=", last)])
        rows = table.cast(INDEX_SCHEMA).to_pylist()
        self.loaded.inc(len(rows))
        for row in rows:
            yield entry_from_row(row)


class _PickFn(beam.DoFn):
    """The compact records of one content hash → the one kept (none if an earlier run has it), and a
    `Duplicate` for each other copy."""

    def __init__(self) -> None:
        self.kept = Metrics.counter(STAGE, "kept")
        self.dropped = Metrics.counter(STAGE, "duplicates")

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[Any]:
        text_hash, groups = element
        records: list[_Signed] = sorted(groups["new"], key=_keep_first)
        earlier = sorted(groups["earlier"])
        if earlier or not records:
            kept_id = earlier[0] if earlier else None
            rest = records
        else:
            kept_id = records[0].entry.article_id
            rest = records[1:]
            self.kept.inc()
            yield records[0]
        for other in rest:
            self.dropped.inc()
            yield beam.pvalue.TaggedOutput(
                DUPLICATES,
                Duplicate(
                    source=other.source,
                    content_hash=text_hash,
                    duplicate_of=kept_id,
                    reason="seen-in-earlier-run" if earlier else "duplicate-in-run",
                ),
            )


class _ReviseFn(beam.DoFn):
    """Same article id, new text: revision = the highest known + 1; it stays in that revision's story."""

    def __init__(self) -> None:
        self.revisions = Metrics.counter(STAGE, "new_revisions")

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[_Signed]:
        _, groups = element
        records: list[_Signed] = sorted(groups["new"], key=lambda r: _revision_order(r.entry))
        earlier = sorted(groups["earlier"], key=lambda rs: (rs[0], rs[1] or ""))
        latest, story = earlier[-1] if earlier else (0, None)
        for offset, record in enumerate(records, start=1):
            entry = replace(record.entry, revision=latest + offset)
            if story:
                entry.story_hint = story
            if entry.revision > 1:
                self.revisions.inc()
            yield replace(record, entry=entry)


class _SignFn(DeadLetterFn):
    """Article → its compact record. With a `staging` folder (batch) the article is appended to the
    bundle's staging file and the record carries its `Ref`; without (a stream window, all in one process)
    it goes out as `(content_hash, (fingerprint, article))` on `ARTICLES`. An article that cannot be
    signed is rejected and goes nowhere else."""

    stage = STAGE

    def __init__(self, run_id: str, staging: str | None = None) -> None:
        super().__init__(run_id)
        self.staging = staging
        self.writer: StagingWriter | None = None
        self.signed = Metrics.counter(STAGE, "signatures")

    def start_bundle(self) -> None:
        self.writer = StagingWriter(self.staging) if self.staging else None

    def finish_bundle(self) -> None:
        if self.writer is not None:
            self.writer.close()  # before the bundle's records leave: their refs must be readable

    def teardown(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def handle(self, article: Article) -> Iterable[Any]:
        entry, key = entry_for(article), _fingerprint(article)
        self.signed.inc()
        if self.writer is not None:
            yield _Signed(entry, article.source, key, article.topic, self.writer.append(article))
            return
        yield _Signed(entry, article.source, key, article.topic)
        yield beam.pvalue.TaggedOutput(ARTICLES, (article.content_hash, (key, article)))


class _ClusterFn(beam.DoFn):
    """All of a run's new entries and the window's earlier ones, in one call: deterministic by design."""

    def __init__(self, near_duplicate_threshold: float, story_threshold: float, window_days: int) -> None:
        self.near_duplicate_threshold = near_duplicate_threshold
        self.story_threshold = story_threshold
        self.window_days = window_days
        self.near_duplicates = Metrics.counter(STAGE, "near_duplicates")
        self.joined = Metrics.counter(STAGE, "joined_earlier_story")

    def process(self, element: tuple[int, Iterable[tuple[str, Any]]]) -> Iterator[Any]:
        _, tagged = element
        new: list[stories.Entry] = []
        earlier: dict[str, stories.Entry] = {}
        rebuilt: list[stories.Entry] = []
        for tag, value in tagged:
            if tag == "new":
                new.append(value)
            elif tag == "earlier":
                earlier.setdefault(value.content_hash, value)
            else:
                rebuilt.append(entry_from_row(value))
        bounds = stories.window_bounds((e.date for e in new), self.window_days)
        for entry in rebuilt:
            if in_window(entry.date, bounds):
                earlier.setdefault(entry.content_hash, entry)
        assignments = (
            stories.assign(
                new,
                list(earlier.values()),
                near_duplicate_threshold=self.near_duplicate_threshold,
                story_threshold=self.story_threshold,
                window_days=self.window_days,
            )
            if new
            else []
        )
        earlier_stories = {e.story_id for e in earlier.values()}
        by_hash = {e.content_hash: e for e in new}
        # An article with no date of its own takes its story's day (its partition and index row too).
        story_day = stories.story_days(assignments, new, list(earlier.values()))
        new_stories = set()
        for a in assignments:
            if a.duplicate_of:
                self.near_duplicates.inc()
            if a.story_id in earlier_stories:
                self.joined.inc()
            else:
                new_stories.add(a.story_id)
            entry = replace(by_hash[a.content_hash], story_id=a.story_id, duplicate_of=a.duplicate_of)
            day = story_day.get(a.content_hash)
            if day is not None:
                a = replace(a, story_date=day)
                entry = replace(entry, date=day, date_confidence=stories.STORY_DATE_CONFIDENCE)
            yield a
            yield beam.pvalue.TaggedOutput(INDEX, index_row(entry))
        if assignments:
            for key, n in (
                (COUNT_STORY_ARTICLES, len(assignments)),
                (COUNT_NEW_STORIES, len(new_stories)),
                (COUNT_JOINED, sum(1 for a in assignments if a.story_id in earlier_stories)),
                (COUNT_NEAR_DUPLICATES, sum(1 for a in assignments if a.duplicate_of)),
            ):
                yield beam.pvalue.TaggedOutput(COUNTS, (key, n))


def _decided(groups: dict[str, Iterable[Any]]) -> tuple[_Signed, Decision] | None:
    """Step 5 for one content hash: its kept compact record and the decision for it (revision,
    duplicate_of, story_id); None when nothing was kept (an earlier run has the text)."""
    for kept in list(groups["kept"])[:1]:
        for a in list(groups["assignment"])[:1]:
            return kept, Decision(kept.entry.revision, a.duplicate_of, a.story_id, a.story_date)
    return None


class _PlaceFn(beam.DoFn):
    """One content hash's kept record and its assignment → a `StagedArticle`: the kept copy's staging ref,
    its partition and the decision the sink applies when it reads the article back."""

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[StagedArticle]:
        decided = _decided(element[1])
        if decided is not None:
            kept, decision = decided
            assert kept.ref is not None, "the batch Dedupe stages every article it signs"
            day = decision.story_date or kept.entry.date
            yield StagedArticle(kept.ref, day, kept.topic, kept.source, decision)


class _ApplyFn(beam.DoFn):
    """`StreamDedupe`'s step 5, with the window's articles in memory: one content hash's full articles, its
    kept compact record and its assignment → the kept article with revision, duplicate_of and story_id set.
    Nothing kept (an earlier run has the text), or a copy that is not the kept one: dropped, as step 2
    already reported it a `Duplicate`."""

    def __init__(self) -> None:
        self.missing = Metrics.counter(STAGE, "kept_article_missing")

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[Article]:
        text_hash, groups = element
        decided = _decided(groups)
        if decided is None:
            return
        kept, decision = decided
        article = next((art for key, art in groups["article"] if key == kept.key), None)
        if article is None:  # cannot happen: the record and the keyed article come from one call
            self.missing.inc()
            logger.error("dedupe: the kept article of %s is missing", text_hash)
        else:
            yield decision.apply(article)


class _BoundsFn(beam.CombineFn):
    """The first and last `date` of the run's new articles, widened by the story window."""

    def __init__(self, window_days: int) -> None:
        self.window_days = window_days

    def create_accumulator(self) -> tuple[dt.date, dt.date] | None:
        return None

    def add_input(self, acc: Any, day: dt.date) -> tuple[dt.date, dt.date]:
        return (day, day) if acc is None else (min(acc[0], day), max(acc[1], day))

    def merge_accumulators(self, accs: Iterable[Any]) -> Any:
        out = None
        for acc in accs:
            if acc is not None:
                out = acc if out is None else (min(out[0], acc[0]), max(out[1], acc[1]))
        return out

    def extract_output(self, acc: Any) -> tuple[dt.date, dt.date] | None:
        return None if acc is None else stories.window_bounds(acc, self.window_days)


def _window_files(element: tuple[int, dict[str, Iterable[Any]]]) -> Iterator[tuple[str, tuple[dt.date, dt.date]]]:
    _, groups = element
    for bounds in groups["bounds"]:
        if bounds is not None:
            for path in groups["files"]:
                yield (path, bounds)


def _unindexed(element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[FileMetadata]:
    _, groups = element
    if not any(True for _ in groups["indexed"]):
        yield from groups["files"]


class Dedupe(beam.PTransform):
    """Articles → `DedupeResult`: unique articles tagged with revision, near-duplicate and story, the
    duplicates not written, rejects, and this run's index rows (write them with `WriteIndex`)."""

    def __init__(
        self,
        output: str,
        run_id: str = "",
        *,
        near_duplicate_threshold: float = minhash.DEFAULT_NEAR_DUPLICATE_THRESHOLD,
        story_threshold: float = stories.DEFAULT_STORY_THRESHOLD,
        story_window_days: int = stories.DEFAULT_WINDOW_DAYS,
    ) -> None:
        super().__init__()
        self.output = output
        self.run_id = run_id
        self.near_duplicate_threshold = near_duplicate_threshold
        self.story_threshold = story_threshold
        self.story_window_days = story_window_days

    def expand(self, articles: beam.PCollection) -> DedupeResult:
        p = articles.pipeline
        # Runner-neutral graph (see transforms/_outputs.py): no side inputs, no multi-output ParDo; the
        # window's bounds reach the index files through a CoGroupByKey.
        index_files = (
            p
            | "IndexPattern" >> beam.Create([tables.table_glob(self.output, INDEX_TABLE)])
            | "MatchIndex" >> fileio.MatchAll(fileio.EmptyMatchTreatment.ALLOW)
        )
        # Earlier articles: the index, plus rows rebuilt for runs that wrote articles but no index part.
        article_files = (
            p
            | "ArticlePattern" >> beam.Create([article_files_pattern(self.output)])
            | "MatchArticles" >> fileio.MatchAll(fileio.EmptyMatchTreatment.ALLOW)
            | "ArticleRuns" >> beam.ParDo(_RunOfFn(keep_file=True))
        )
        rebuilt = (
            {
                "files": article_files,
                "indexed": index_files | "IndexedRuns" >> beam.ParDo(_RunOfFn(keep_file=True)),
            }
            | "JoinOnRun" >> beam.CoGroupByKey()
            | "Unindexed" >> beam.FlatMap(_unindexed)
            | "RebuildIndex" >> beam.ParDo(_RebuildFn())
        )
        known = (
            p | "ReadIndex" >> state.ReadStateRows(self.output, INDEX_TABLE, _KNOWN_COLUMNS),
            rebuilt | "KnownRebuilt" >> beam.Map(lambda r: {c: r[c] for c in _KNOWN_COLUMNS}),
        ) | "AllKnown" >> beam.Flatten()

        # 1. Compact records of every article, in parallel (fuses with the stage before).
        staging = staging_dir(self.output, self.run_id)
        signed = articles | "Sign" >> ParDoWithOutputs(_SignFn(self.run_id, staging), REJECTED, main="signed")
        # 2. Exact duplicates.
        picked = (
            {
                "new": signed["signed"] | "KeyByHash" >> beam.Map(lambda r: (r.entry.content_hash, pack(r))),
                "earlier": known | "KnownHashes" >> beam.Map(lambda r: (r["content_hash"], r["article_id"])),
            }
            | "JoinOnHash" >> beam.CoGroupByKey()
            | "UnpackByHash" >> beam.Map(_unpacked, "new")
            | "Pick" >> ParDoWithOutputs(_PickFn(), DUPLICATES, main="unique")
        )
        # 3. Revisions.
        revised = (
            {
                "new": picked["unique"] | "KeyById" >> beam.Map(lambda r: (r.entry.article_id, pack(r))),
                "earlier": known
                | "KnownRevisions" >> beam.Map(lambda r: (r["article_id"], (r["revision"], r["story_id"]))),
            }
            | "JoinOnId" >> beam.CoGroupByKey()
            | "UnpackById" >> beam.Map(_unpacked, "new")
            | "Revise" >> beam.ParDo(_ReviseFn())
        )
        entries = revised | "Entries" >> beam.Map(lambda r: r.entry)
        # 4. Near-duplicates and stories against the window's earlier entries, in one DoFn.
        bounds = (
            entries
            | "KeyDates" >> beam.Map(lambda e: (0, e.date))
            | "Window" >> beam.CombinePerKey(_BoundsFn(self.story_window_days))
        )
        window = (
            {"bounds": bounds, "files": index_files | "KeyIndexFiles" >> beam.Map(lambda m: (0, m.path))}
            | "JoinWindow" >> beam.CoGroupByKey()
            | "WindowFiles" >> beam.FlatMap(_window_files)
            | "ReadWindow" >> beam.ParDo(_ReadWindowFn())
        )
        clustered = (
            (
                entries | "TagNew" >> beam.Map(lambda e: ("new", pack(e))),
                window | "TagWindow" >> beam.Map(lambda e: ("earlier", pack(e))),
                rebuilt | "TagRebuilt" >> beam.Map(lambda r: ("rebuilt", pack(r))),
            )
            | "AllEntries" >> beam.Flatten()
            | "OneGroup" >> beam.Map(lambda x: (0, x))
            | "GatherEntries" >> beam.GroupByKey()
            | "UnpackEntries" >> beam.MapTuple(lambda key, tagged: (key, [(tag, unpack(v)) for tag, v in tagged]))
            | "Cluster"
            >> ParDoWithOutputs(
                _ClusterFn(self.near_duplicate_threshold, self.story_threshold, self.story_window_days),
                INDEX,
                COUNTS,
                main="assignments",
            )
        )
        # 5. The decisions with the kept copies' staging refs: the sink reads the articles back.
        unique = (
            {
                "kept": revised | "KeyKeptByHash" >> beam.Map(lambda r: (r.entry.content_hash, pack(r))),
                "assignment": clustered["assignments"] | "KeyAssignments" >> beam.Map(lambda a: (a.content_hash, a)),
            }
            | "JoinDecisions" >> beam.CoGroupByKey()
            | "UnpackKept" >> beam.Map(_unpacked, "kept")
            | "Place" >> beam.ParDo(_PlaceFn())
        )
        index_rows = (
            clustered[INDEX],
            rebuilt | "Rebuilt" >> beam.Map(_mark_rebuilt),
        ) | "AllIndexRows" >> beam.Flatten()
        return DedupeResult(unique, picked[DUPLICATES], signed[REJECTED], index_rows, clustered[COUNTS])


def _unpacked(element: tuple[Any, dict[str, Iterable[Any]]], tag: str) -> tuple[Any, dict[str, Iterable[Any]]]:
    """A CoGroupByKey result with the values under `tag` unpacked again."""
    key, groups = element
    return key, {**groups, tag: [unpack(v) for v in groups[tag]]}


def _mark_rebuilt(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, _SHARD: REPAIR_SHARD}


def _part_of(row: dict[str, Any]) -> tuple[int, tuple[tuple[str, str], bytes]]:
    """An index row → `(0, ((run id, shard), the row packed))`: its part file, and the row as bytes for the
    two shuffles it waits in (`transforms.storage.packed`)."""
    part = (row["run_id"], row.get(_SHARD, RUN_SHARD))
    return 0, (part, pack({k: v for k, v in row.items() if k != _SHARD}))


def _release(element: tuple[int, dict[str, Iterable[Any]]]) -> Iterator[tuple[tuple[str, str], bytes]]:
    _, groups = element
    yield from groups["rows"]


class _WriteIndexFn(beam.DoFn):
    def __init__(self, output: str) -> None:
        self.output = output
        self.rows = Metrics.counter(STAGE, "index_rows_written")

    def process(self, element: tuple[tuple[str, str], Iterable[bytes]]) -> Iterator[tuple[str, int]]:
        (run_id, shard), packed = element
        rows = (unpack(row) for row in packed)
        written = tables.write_table(self.output, INDEX_TABLE, INDEX_SCHEMA, rows, run_id, shard)
        self.rows.inc(written)
        yield (COUNT_INDEX_ROWS, written)


class WriteIndex(beam.PTransform):
    """`{"rows": index rows, "after": the run's WrittenFiles}` → rows appended to `_state/article_index/`
    (`part-<run_id>-00000.parquet`, rebuilt rows as `part-<their run>-repair.parquet`) once every article
    file exists: the index must never be ahead of the output. The rows wait for `after` through a
    CoGroupByKey (a grouping emits only when all its inputs are complete). Emits `(key, rows)` counts."""

    def __init__(self, output: str) -> None:
        super().__init__()
        self.output = output

    def expand(self, pcolls: dict[str, beam.PCollection]) -> beam.PCollection:
        return (
            {
                "rows": pcolls["rows"] | "OneKey" >> beam.Map(_part_of),
                "after": pcolls["after"] | "Written" >> beam.Map(lambda _f: (0, None)),
            }
            | "AfterWrites" >> beam.CoGroupByKey()
            | "Release" >> beam.FlatMap(_release)
            | "GroupByPart" >> beam.GroupByKey()
            | "WriteParts" >> beam.ParDo(_WriteIndexFn(self.output))
        )


def read_index(output: str, columns: Sequence[str] | None = None) -> pa.Table:
    """The whole article index (for tests, benchmarks and inspection; pipelines stream it)."""
    schema = INDEX_SCHEMA if columns is None else pa.schema([INDEX_SCHEMA.field(c) for c in columns])
    return tables.read_table(output, INDEX_TABLE, schema)


# --- streaming ----------------------------------------------------------------------------------------------


def _rebuilt_rows(output: str) -> list[dict[str, Any]]:
    """Index rows rebuilt from the article files of runs (or stream windows) that left no index part."""
    indexed = {
        run
        for m in FileSystems.match([tables.table_glob(output, INDEX_TABLE)])[0].metadata_list
        if (run := run_of(m.path))
    }
    rebuild = _RebuildFn()
    rows: list[dict[str, Any]] = []
    for meta in FileSystems.match([article_files_pattern(output)])[0].metadata_list:
        if (run := run_of(meta.path)) is not None and run not in indexed:
            rows.extend(rebuild.process(meta))
    return rows


class _DedupeWindowFn(beam.DoFn):
    """One window's articles against the index as it is on disk when the window fires: the same steps and
    DoFns as `Dedupe`, run in one call. Reading the state per window (not once at start, as a batch graph
    does) is what lets each window see the articles that earlier windows wrote."""

    def __init__(
        self, output: str, run_id: str, near_duplicate_threshold: float, story_threshold: float, window_days: int
    ) -> None:
        self.output = output
        self.run_id = run_id
        self.near_duplicate_threshold = near_duplicate_threshold
        self.story_threshold = story_threshold
        self.window_days = window_days
        self.windows = Metrics.counter(STAGE, "stream_windows")

    def setup(self) -> None:
        self.pick = _PickFn()
        self.revise = _ReviseFn()
        self.cluster = _ClusterFn(self.near_duplicate_threshold, self.story_threshold, self.window_days)
        self.apply = _ApplyFn()

    def process(self, element: tuple[int, Iterable[Article]], window: Any = beam.DoFn.WindowParam) -> Iterator[Any]:
        from transforms.sink import window_run_id

        _, grouped = element
        articles = list(grouped)
        if not articles:
            return
        self.windows.inc()
        sign = _SignFn(window_run_id(self.run_id, window))
        rebuilt = _rebuilt_rows(self.output)
        index = tables.read_table(self.output, INDEX_TABLE, INDEX_SCHEMA).to_pylist()
        known = index + rebuilt
        # 1. Compact records (and the articles by content hash and fingerprint).
        records: list[_Signed] = []
        full: dict[str, list[tuple[str, Article]]] = {}
        for article in articles:
            for out in sign.process(article):
                if isinstance(out, beam.pvalue.TaggedOutput) and out.tag == ARTICLES:
                    text_hash, keyed = out.value
                    full.setdefault(text_hash, []).append(keyed)
                elif isinstance(out, beam.pvalue.TaggedOutput):
                    yield out
                else:
                    records.append(out)
        # 2. Exact duplicates.
        by_hash: dict[str, list[_Signed]] = {}
        for record in records:
            by_hash.setdefault(record.entry.content_hash, []).append(record)
        earlier_ids: dict[str, list[str]] = {}
        for row in known:
            earlier_ids.setdefault(row["content_hash"], []).append(row["article_id"])
        kept: list[_Signed] = []
        for text_hash, group in by_hash.items():
            for out in self.pick.process((text_hash, {"new": group, "earlier": earlier_ids.get(text_hash, [])})):
                if isinstance(out, beam.pvalue.TaggedOutput):
                    yield out
                else:
                    kept.append(out)
        # 3. Revisions.
        by_id: dict[str, list[_Signed]] = {}
        for record in kept:
            by_id.setdefault(record.entry.article_id, []).append(record)
        revisions: dict[str, list[tuple[int, str | None]]] = {}
        for row in known:
            if row["article_id"] in by_id:
                revisions.setdefault(row["article_id"], []).append((row["revision"], row["story_id"]))
        revised = [
            r
            for article_id, group in by_id.items()
            for r in self.revise.process((article_id, {"new": group, "earlier": revisions.get(article_id, [])}))
        ]
        entries = [r.entry for r in revised]
        # 4. Near-duplicates and stories against the earlier entries in the story window.
        bounds = stories.window_bounds((e.date for e in entries), self.window_days) if entries else None
        tagged: list[tuple[str, Any]] = [("new", e) for e in entries]
        tagged += [("earlier", entry_from_row(r)) for r in index if in_window(r["date"], bounds)]
        tagged += [("rebuilt", r) for r in rebuilt]
        assignments: dict[str, Any] = {}
        for out in self.cluster.process((0, tagged)):
            if isinstance(out, beam.pvalue.TaggedOutput):
                yield out
            else:
                assignments[out.content_hash] = out
        # 5. The decisions onto the articles.
        for record in revised:
            text_hash = record.entry.content_hash
            if text_hash in assignments:
                yield from self.apply.process(
                    (text_hash, {"article": full[text_hash], "kept": [record], "assignment": [assignments[text_hash]]})
                )
        for row in rebuilt:
            yield beam.pvalue.TaggedOutput(INDEX, _mark_rebuilt(row))


class StreamDedupe(beam.PTransform):
    """`Dedupe` for a windowed, unbounded PCollection: per window, the window's articles against the index
    on disk (plus rows rebuilt from files a crashed window left unindexed). Same `DedupeResult`; index rows
    carry the window's run id (`transforms.sink.window_run_id`), so `WriteIndex` writes one part per window.

    The batch `Dedupe` reads the index once, from bounded reads in the global window, which never meet the
    articles of later windows; hence this variant. One worker dedupes a window: it holds that window's
    articles and the index's cheap columns."""

    def __init__(
        self,
        output: str,
        run_id: str,
        *,
        near_duplicate_threshold: float = minhash.DEFAULT_NEAR_DUPLICATE_THRESHOLD,
        story_threshold: float = stories.DEFAULT_STORY_THRESHOLD,
        story_window_days: int = stories.DEFAULT_WINDOW_DAYS,
    ) -> None:
        super().__init__()
        self.fn = _DedupeWindowFn(output, run_id, near_duplicate_threshold, story_threshold, story_window_days)

    def expand(self, articles: beam.PCollection) -> DedupeResult:
        results = (
            articles
            | "OneGroup" >> beam.Map(lambda a: (0, a))
            | "GatherWindow" >> beam.GroupByKey()
            | "DedupeWindow" >> beam.ParDo(self.fn).with_outputs(DUPLICATES, REJECTED, INDEX, COUNTS, main="unique")
        )
        return DedupeResult(results.unique, results[DUPLICATES], results[REJECTED], results[INDEX], results[COUNTS])
