"""Dedupe: exact copies are written once, changed texts become revisions, near-duplicates and stories are
tagged, within a run and across runs. The decisions themselves are plain functions
(`transforms.text.duplicates`: pick, revise, cluster, decide); this module runs them over Beam groupings.

What earlier runs kept is read from the article index `_state/article_index/` (one row per written
article: ids, revision, content hash, story, near-duplicate signature, salient terms and the settings it was
made under; see `INDEX_SCHEMA`, `transforms.storage.index`). The index is derived from the output and never
ahead of it:

- a run appends its index part only after its article files are written (`WriteIndex` waits for them), so
  the index never claims an article that is not on disk;
- a run that crashed between the two left article files without an index part; the next run finds such
  runs by listing file names (no reads), rebuilds their rows from their article files (text, story ids and
  revisions are in them) and uses and writes them (`part-<run_id>-repair.parquet`). So nothing written is
  ever missing from the index for longer than one run.

Steps, each a shuffle or a parallel map except one. No shuffle carries an article's text: a runner may hold
every shuffled PCollection in memory (Beam's FnApiRunner does, and in multi-processing mode lost elements of
large streams), so every decision is taken on compact records (`Signed`, packed while they wait in a shuffle:
`transforms.storage.packed`) and the articles wait on disk:
1. signatures, salient terms and a fingerprint of every incoming article, duplicates included, in parallel
   and fused with the stage before (`_SignFn`): a compact record per article, and the article appended to
   the bundle's staging file (`transforms.storage.staging`; the record keeps its `Ref`);
2. exact duplicates: CoGroupByKey of the compact records on `content_hash` with the index's hashes; one is
   kept (`duplicates.pick`), the others become `Duplicate`s here. An index row made under other settings
   (`settings`, or `reprocess`) lets the same article through again: it becomes its next revision;
3. revisions: CoGroupByKey on `article_id` with the index's revisions (same URL, new text: max + 1);
4. near-duplicates and stories in ONE DoFn (`_ClusterFn`) over the run's compact entries and the index
   rows in the story window (read with a Parquet filter on `date`): LSH and candidate-index look-ups, then
   deterministic average-link clustering (`transforms.text.stories.assign`). One worker holds the run's new
   entries plus the window's (≈1 KB each, no text), which bounds a run to a few hundred thousand of those;
5. the decisions (revision, story, near-duplicate) join the kept records on `content_hash`: each kept
   article leaves as a `StagedArticle` (its staging ref, partition and decision), which the sink reads back
   and writes; the other copies were reported in step 2. So every input is exactly one of unique, duplicate
   or rejected.

`StreamDedupe` runs the same decisions for one window inside one DoFn, with the window's articles in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.article import Article
from schemas.state import INDEX_TABLE
from schemas.unchanged import newsbeam_version
from transforms._barrier import AfterFiles
from transforms._deadletter import REJECTED, DeadLetterFn
from transforms._outputs import ParDoWithOutputs
from transforms._stage import Stage
from transforms.storage import tables
from transforms.storage.index import (
    KNOWN_COLUMNS,
    article_files_pattern,
    entry_from_row,
    index_row,
    read_index,
    read_part,
    rebuild_rows,
    run_of,
    unindexed_article_files,
    write_index,
)
from transforms.storage.packed import pack, unpack
from transforms.storage.staging import StagedArticle, StagingWriter, staging_dir
from transforms.text import duplicates, minhash, stories
from transforms.text.duplicates import (
    COUNT_JOINED,
    COUNT_NEAR_DUPLICATES,
    Decision,
    Signed,
)

__all__ = [
    "COUNT_INDEX_ROWS",
    "Dedupe",
    "DedupeResult",
    "StreamDedupe",
    "WriteIndex",
]

STAGE = "dedupe"
DUPLICATES = "duplicates"
INDEX = "index"
COUNTS = "counts"
# Keys of this stage's counts in the run manifest (the clustering's are in `transforms.text.duplicates`).
COUNT_INDEX_ROWS = "stories|index-rows-written"
REPAIR_SHARD = "repair"
RUN_SHARD = "00000"
_SHARD = "_shard"  # marks a rebuilt index row on its way to WriteIndex


class DedupeResult(NamedTuple):
    # What to write: `StagedArticle`s from `Dedupe` (read back by the sink), Articles from `StreamDedupe`;
    # either way with revision, duplicate_of and story_id decided
    unique: beam.PCollection
    duplicates: beam.PCollection  # Duplicate records (not written)
    rejected: beam.PCollection  # Rejected rows (an article the dedupe stage could not handle)
    index_rows: beam.PCollection  # index rows to append to `_state/article_index/` with `WriteIndex`
    counts: beam.PCollection  # (key, n) for the run manifest: stories, joins, near-duplicates


class _Made(NamedTuple):
    """What this run's records are made under: its settings fingerprint (`transforms.unchanged.settings_key`),
    newsbeam's version, and whether earlier records under the same settings are ignored (`--reprocess`)."""

    settings: str | None = None
    version: str | None = None
    reprocess: bool = False


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

    def __init__(self, made: _Made) -> None:
        self.made = made
        self.rebuilt = Metrics.counter(STAGE, "index_rows_rebuilt")

    def process(self, meta: FileMetadata) -> Iterator[dict[str, Any]]:
        rows = rebuild_rows(meta.path, self.made.settings, self.made.version)
        self.rebuilt.inc(len(rows))
        yield from rows


class _ReadIndexFn(beam.DoFn):
    """An index part file → its rows (only `columns`), any schema version."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)

    def process(self, meta: FileMetadata) -> Iterator[dict[str, Any]]:
        with FileSystems.open(meta.path) as handle:
            yield from read_part(handle, self.columns)


class _ReadWindowFn(beam.DoFn):
    """`(index file, (first, last))` → the file's rows with `date` in the window (row groups outside it are
    skipped by their statistics)."""

    def __init__(self) -> None:
        self.loaded = Metrics.counter(STAGE, "window_rows")

    def process(self, element: tuple[str, tuple[dt.date, dt.date]]) -> Iterator[stories.Entry]:
        path, (first, last) = element
        with FileSystems.open(path) as handle:
            rows = read_part(handle, filters=[("date", ">=", first), ("date", "<=", last)])
        self.loaded.inc(len(rows))
        for row in rows:
            yield entry_from_row(row)


class _PickFn(beam.DoFn):
    """The compact records of one content hash and the `(article_id, settings)` of the index rows with it →
    the one kept (`duplicates.pick`), and a `Duplicate` for each other copy."""

    def __init__(self, made: _Made) -> None:
        self.made = made
        self.kept = Metrics.counter(STAGE, "kept")
        self.dropped = Metrics.counter(STAGE, "duplicates")

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[Any]:
        text_hash, groups = element
        picked = duplicates.pick(text_hash, groups["new"], groups["earlier"], self.made.settings, self.made.reprocess)
        if picked.kept is not None:
            self.kept.inc()
            yield picked.kept
        for duplicate in picked.duplicates:
            self.dropped.inc()
            yield beam.pvalue.TaggedOutput(DUPLICATES, duplicate)


class _ReviseFn(beam.DoFn):
    """The kept records of one article id and its earlier `(revision, story_id)`s → numbered revisions
    (`duplicates.revise`)."""

    def __init__(self) -> None:
        self.revisions = Metrics.counter(STAGE, "new_revisions")

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[Signed]:
        _, groups = element
        for record in duplicates.revise(groups["new"], groups["earlier"]):
            if record.entry.revision > 1:
                self.revisions.inc()
            yield record


class _SignFn(DeadLetterFn):
    """Article → its compact record (`duplicates.sign`). With a `staging` folder (batch) the article is
    appended to the bundle's staging file and the record carries its `Ref`; without (a stream window, all
    in one process) it goes out as `(record, article)`. An article that cannot be signed is rejected and goes
    nowhere else."""

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
        record = duplicates.sign(article)
        self.signed.inc()
        if self.writer is not None:
            yield Signed(record.entry, record.source, record.key, record.topic, self.writer.append(article))
            return
        yield record, article


def _counted(clustered: duplicates.Clustered, made: _Made) -> Iterator[Any]:
    """A clustering's outputs: the assignments, then its index rows and counts as tagged outputs."""
    yield from clustered.assignments
    for entry in clustered.entries:
        yield beam.pvalue.TaggedOutput(INDEX, index_row(entry, made.settings, made.version))
    for key, n in clustered.counts.items():
        yield beam.pvalue.TaggedOutput(COUNTS, (key, n))


class _ClusterFn(beam.DoFn):
    """All of a run's new entries and the window's earlier ones, in one call (`duplicates.cluster`)."""

    def __init__(self, thresholds: dict[str, Any], made: _Made) -> None:
        self.thresholds = thresholds
        self.made = made
        self.near_duplicates = Metrics.counter(STAGE, "near_duplicates")
        self.joined = Metrics.counter(STAGE, "joined_earlier_story")

    def process(self, element: tuple[int, Iterable[tuple[str, Any]]]) -> Iterator[Any]:
        _, tagged = element
        new: list[stories.Entry] = []
        earlier: list[stories.Entry] = []
        rebuilt: list[stories.Entry] = []
        for tag, value in tagged:
            if tag == "new":
                new.append(value)
            elif tag == "earlier":
                earlier.append(value)
            else:
                rebuilt.append(entry_from_row(value))
        clustered = duplicates.cluster(new, earlier + rebuilt, **self.thresholds)
        self.near_duplicates.inc(clustered.counts.get(COUNT_NEAR_DUPLICATES, 0))
        self.joined.inc(clustered.counts.get(COUNT_JOINED, 0))
        yield from _counted(clustered, self.made)


def _decided(groups: dict[str, Iterable[Any]]) -> tuple[Signed, Decision] | None:
    """Step 5 for one content hash: its kept compact record and the decision for it; None when nothing was
    kept (an earlier run has the text)."""
    for kept in list(groups["kept"])[:1]:
        for a in list(groups["assignment"])[:1]:
            return kept, duplicates.decide(kept, a)
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


def _known_hash(row: dict[str, Any]) -> tuple[str, tuple[str, str | None]]:
    return row["content_hash"], (row["article_id"], row["settings"])


def _known_revision(row: dict[str, Any]) -> tuple[str, tuple[int, str | None]]:
    return row["article_id"], (row["revision"], row["story_id"])


@dataclass(eq=False, repr=False)
class _DedupeStage(Stage):
    """The settings both dedupe stages take; `made` says what the index rows they write were made under."""

    output: str
    run_id: str = ""
    _: KW_ONLY
    near_duplicate_threshold: float = minhash.DEFAULT_NEAR_DUPLICATE_THRESHOLD
    story_threshold: float = stories.DEFAULT_STORY_THRESHOLD
    story_window_days: int = stories.DEFAULT_WINDOW_DAYS
    settings: str | None = None
    reprocess: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self.made = _Made(self.settings, newsbeam_version(), self.reprocess)

    def thresholds(self) -> dict[str, Any]:
        """The keyword arguments of `duplicates.cluster` that these settings give."""
        return {
            "near_duplicate_threshold": self.near_duplicate_threshold,
            "story_threshold": self.story_threshold,
            "window_days": self.story_window_days,
        }


class Dedupe(_DedupeStage):
    """Articles → `DedupeResult`: unique articles tagged with revision, near-duplicate and story, the
    duplicates not written, rejects, and this run's index rows (write them with `WriteIndex`). `settings`
    (`transforms.unchanged.settings_key`) is stamped on the index rows: an exact copy of an article an
    earlier run wrote under other settings, or any with `reprocess`, is written again as its next revision."""

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
            | "RebuildIndex" >> beam.ParDo(_RebuildFn(self.made))
        )
        known = (
            index_files | "ReadIndex" >> beam.ParDo(_ReadIndexFn(KNOWN_COLUMNS)),
            rebuilt | "KnownRebuilt" >> beam.Map(lambda r: {c: r[c] for c in KNOWN_COLUMNS}),
        ) | "AllKnown" >> beam.Flatten()

        # 1. Compact records of every article, in parallel (fuses with the stage before).
        staging = staging_dir(self.output, self.run_id)
        signed = articles | "Sign" >> ParDoWithOutputs(_SignFn(self.run_id, staging), REJECTED, main="signed")
        # 2. Exact duplicates.
        picked = (
            {
                "new": signed["signed"] | "KeyByHash" >> beam.Map(lambda r: (r.entry.content_hash, pack(r))),
                "earlier": known | "KnownHashes" >> beam.Map(_known_hash),
            }
            | "JoinOnHash" >> beam.CoGroupByKey()
            | "UnpackByHash" >> beam.Map(_unpacked, "new")
            | "Pick" >> ParDoWithOutputs(_PickFn(self.made), DUPLICATES, main="unique")
        )
        # 3. Revisions.
        revised = (
            {
                "new": picked["unique"] | "KeyById" >> beam.Map(lambda r: (r.entry.article_id, pack(r))),
                "earlier": known | "KnownRevisions" >> beam.Map(_known_revision),
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
                _ClusterFn(self.thresholds(), self.made),
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
    shuffle it waits in (`transforms.storage.packed`)."""
    part = (row["run_id"], row.get(_SHARD, RUN_SHARD))
    return 0, (part, pack({k: v for k, v in row.items() if k != _SHARD}))


class _WriteIndexFn(beam.DoFn):
    def __init__(self, output: str) -> None:
        self.output = output
        self.rows = Metrics.counter(STAGE, "index_rows_written")

    def process(self, element: Iterable[tuple[tuple[str, str], bytes]]) -> Iterator[tuple[str, int]]:
        """All the index rows of a run (or stream window), released together: one file per part."""
        for (run_id, shard), packed in _by(element, lambda pair: pair[0]).items():
            written = write_index(self.output, (unpack(row) for _part, row in packed), run_id, shard)
            self.rows.inc(written)
            yield (COUNT_INDEX_ROWS, written)


@dataclass(eq=False, repr=False)
class WriteIndex(Stage):
    """`index rows | WriteIndex(output, after=the run's WrittenFiles)` → rows appended to
    `_state/article_index/` (`part-<run_id>-00000.parquet`, rebuilt rows as `part-<their run>-repair.parquet`)
    once every article file exists (`AfterFiles`): the index must never be ahead of the output. Emits
    `(key, rows)` counts."""

    output: str
    after: beam.PCollection

    def expand(self, rows: beam.PCollection) -> beam.PCollection:
        return (
            rows
            | "Pack" >> beam.Map(_part_of)
            | "PartAndRow" >> beam.Values()
            # Released together, grouped by part file in the writer (no second shuffle).
            | "AfterFiles" >> AfterFiles(self.after, together=True)
            | "WriteParts" >> beam.ParDo(_WriteIndexFn(self.output))
        )


# --- streaming ----------------------------------------------------------------------------------------------


def _by(items: Iterable[Any], key: Any) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = {}
    for item in items:
        grouped.setdefault(key(item), []).append(item)
    return grouped


class _DedupeWindowFn(beam.DoFn):
    """One window's signed articles against the index as it is on disk when the window fires: the same
    decisions as `Dedupe` (`transforms.text.duplicates`), in one call. Reading the state per window (not once
    at start, as a batch graph does) is what lets each window see the articles that earlier windows wrote."""

    def __init__(self, output: str, thresholds: dict[str, Any], made: _Made) -> None:
        self.output = output
        self.thresholds = thresholds
        self.made = made
        self.windows = Metrics.counter(STAGE, "stream_windows")

    def process(self, element: tuple[int, Iterable[tuple[Signed, Article]]]) -> Iterator[Any]:
        _, grouped = element
        signed = list(grouped)
        if not signed:
            return
        self.windows.inc()
        made = self.made
        rebuilt = [
            row
            for path in unindexed_article_files(self.output)
            for row in rebuild_rows(path, made.settings, made.version)
        ]
        index = read_index(self.output).to_pylist()
        known = index + rebuilt
        articles = {record.key: article for record, article in signed}
        # 1. (Signing ran before the grouping.) 2. Exact duplicates.
        earlier_ids = _by(known, lambda row: row["content_hash"])
        kept: list[Signed] = []
        for text_hash, group in _by((r for r, _ in signed), lambda r: r.entry.content_hash).items():
            rows = [(row["article_id"], row["settings"]) for row in earlier_ids.get(text_hash, [])]
            picked = duplicates.pick(text_hash, group, rows, made.settings, made.reprocess)
            kept.extend([picked.kept] if picked.kept is not None else [])
            yield from (beam.pvalue.TaggedOutput(DUPLICATES, d) for d in picked.duplicates)
        # 3. Revisions.
        revisions = _by(known, lambda row: row["article_id"])
        revised = [
            record
            for article_id, group in _by(kept, lambda r: r.entry.article_id).items()
            for record in duplicates.revise(
                group, [(row["revision"], row["story_id"]) for row in revisions.get(article_id, [])]
            )
        ]
        # 4. Near-duplicates and stories against the earlier entries in the story window.
        earlier = [entry_from_row(row) for row in known]
        clustered = duplicates.cluster([r.entry for r in revised], earlier, **self.thresholds)
        assignments = {a.content_hash: a for a in clustered.assignments}
        for out in _counted(clustered, made):
            if isinstance(out, beam.pvalue.TaggedOutput):
                yield out
        # 5. The decisions onto the articles.
        for record in revised:
            assignment = assignments.get(record.entry.content_hash)
            if assignment is not None:
                yield duplicates.decide(record, assignment).apply(articles[record.key])
        for row in rebuilt:
            yield beam.pvalue.TaggedOutput(INDEX, _mark_rebuilt(row))


class StreamDedupe(_DedupeStage):
    """`Dedupe` for a windowed, unbounded PCollection: per window, the window's articles against the index
    on disk (plus rows rebuilt from files a crashed window left unindexed). Same `DedupeResult`; index rows
    carry the window's run id (`transforms.sink.window_run_id`), so `WriteIndex` writes one part per window.

    The batch `Dedupe` reads the index once, from bounded reads in the global window, which never meet the
    articles of later windows; hence this variant. One worker dedupes a window: it holds that window's
    articles and the index's cheap columns."""

    def expand(self, articles: beam.PCollection) -> DedupeResult:
        fn = _DedupeWindowFn(self.output, self.thresholds(), self.made)
        signed = articles | "Sign" >> beam.ParDo(_SignFn(self.run_id)).with_outputs(REJECTED, main="signed")
        results = (
            signed.signed
            | "OneGroup" >> beam.Map(lambda pair: (0, pair))
            | "GatherWindow" >> beam.GroupByKey()
            | "DedupeWindow" >> beam.ParDo(fn).with_outputs(DUPLICATES, INDEX, COUNTS, main="unique")
        )
        return DedupeResult(results.unique, results[DUPLICATES], signed[REJECTED], results[INDEX], results[COUNTS])
