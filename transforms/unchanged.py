"""Unchanged local inputs: what an earlier run already settled is not read or extracted again.

An input is settled when it became an article (written, or a duplicate of one kept) or was rejected for a
reason the same settings would give again (`SETTLED_REASONS`: no main text, not an article, too short, invalid
JSON...); a fetch error or an `internal-error` is not settled and is tried again. Two checks, both counting a
skipped input as a duplicate, `unchanged-input` (it became an article) or `settled-reject` (it was rejected),
so a run still balances read = written + rejected + duplicates:

1. Before the pipeline (`plan_reads`, called by the launcher): a file (`.txt`, `.html`, `.jsonl`, WARC) whose
   path, size and modification time are recorded in `_state/file_fingerprints/` is not even read; it
   counts as the number of inputs it held. This is what makes a second run over the same files cheap (and,
   when every file is unchanged, lets the launcher skip Beam altogether).
2. Right after reading (`SkipUnchanged`): each input is hashed (`input_hash`: its decoded content and
   everything else the reader took from it, not its path) and looked up in the hashes of
   `_state/input_hashes/` (articles) and `_state/settled_rejects/` (rejects), which each worker loads once
   (`setup`, 32 bytes a hash: 1 million recorded inputs take ~100 MB). This catches copies, moves, touched
   files and JSONL lines. The same bytes always extract to the same text, which would be an exact duplicate
   anyway. A look-up and not a CoGroupByKey: a join would shuffle every document's body, which Beam's
   DirectRunner holds in memory. An input the reader rejected (invalid JSON...) has no hash: in a file read
   again it is rejected again, which costs the read the file needs anyway.

Reprocessing is explicit: every record carries `settings_key` (newsbeam's version and everything that shapes an
article: extraction, cleaning, the taxonomy file's content, `--min-words`, `--keep-non-articles`, `--max-bytes`,
the near-duplicate and story thresholds) and newsbeam's version, and is ignored by a run with other settings
(or by any run with `--reprocess`): that run reads those inputs again and Dedupe writes their articles as new
revisions (`transforms.text.duplicates.pick`). A record without settings (written before records carried them)
holds for none. The reference date is left out on purpose: it changes every day and bounds only the dates
trafilatura picks, not whether a page has main text.

`RecordUnchanged` records both: an input hash per settled source (sources can repeat, e.g. JSONL records naming
one outlet, so a source that made both articles and rejects records no hash), and a fingerprint per file whose
every input settled. It writes only after the run's article files exist, so nothing is recorded for an article
not on disk; a run that crashes before it merely re-reads those inputs next time and finds them exact
duplicates. The fingerprint is the one taken before the run read the file: a file changed meanwhile is read
again next time. The tables' schemas and versions are in `schemas.unchanged`.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, NamedTuple, Protocol

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.document import Duplicate, RawDocument
from schemas.rejected import Rejected
from schemas.unchanged import (
    FILE_FINGERPRINTS,
    FILE_FINGERPRINTS_SCHEMA,
    INPUT_HASHES,
    INPUT_HASHES_SCHEMA,
    SETTLED_REJECTS,
    SETTLED_REJECTS_SCHEMA,
    newsbeam_version,
    package_version,
)
from transforms import state
from transforms._barrier import AfterFiles
from transforms._outputs import ParDoWithOutputs
from transforms._stage import Stage
from transforms.read import expand_inputs, format_of
from transforms.storage import tables
from transforms.text import minhash, stories
from transforms.text.topics import BUILTIN_RESOURCE

STAGE = "unchanged"
TABLE, SCHEMA = INPUT_HASHES, INPUT_HASHES_SCHEMA
FILES_TABLE, FILES_SCHEMA = FILE_FINGERPRINTS, FILE_FINGERPRINTS_SCHEMA
SETTLED_TABLE, SETTLED_SCHEMA = SETTLED_REJECTS, SETTLED_REJECTS_SCHEMA
UNCHANGED = "unchanged"
KEYS = "keys"
REASON = "unchanged-input"  # the duplicate reason of an input that became an article in an earlier run
SETTLED = "settled-reject"  # ... of one an earlier run rejected for a reason these settings would give again
COUNT_RECORDED = "stories|input-hashes-recorded"
COUNT_SETTLED = "stories|settled-rejects-recorded"
COUNT_FINGERPRINTS = "stories|file-fingerprints-recorded"
_FILE = "file"  # a (file, outcome) on its way from _DecideFn to _DecideFileFn
_COUNTS = {TABLE: COUNT_RECORDED, SETTLED_TABLE: COUNT_SETTLED, FILES_TABLE: COUNT_FINGERPRINTS}
_ARTICLE, _REJECT = "article", "reject"  # an input's settled outcome, towards its file
_FINGERPRINTED = ("txt", "html", "jsonl", "warc")
# A JSONL record's source when it names no URL (`#L<line>`), a web archive record's (`#<offset>`).
_LINE_SOURCE = re.compile(r"^(?P<file>.+)#L?\d+$")

# The rejections the same input would get again under the same settings, by stage. Read: the bytes themselves
# (a web archive's records turned away: `http-<status>` too); extract: trafilatura and the article gate; tag:
# the word count. Not settled: `internal-error` (any stage), fetch failures, and what clean and dedupe reject.
SETTLED_REASONS: dict[str, frozenset[str]] = {
    "read": frozenset(
        {
            "empty",
            "binary-content",
            "undecodable",
            "too-large",
            "unsupported-format",
            "invalid-json",
            "invalid-record",
            "missing-content",
            "invalid-http",
            "unsupported-content-type",
            "unreadable-payload",
            "truncated-record",
            "corrupt-record",
        }
    ),
    "extract": frozenset({"no-main-text", "not-an-article"}),
    "tag": frozenset({"empty-text", "too-short"}),
}
_HTTP_STATUS = re.compile(r"^http-\d{3}$")

Fingerprint = tuple[str, int, float]  # path, size in bytes, modification time (s)


def is_settled(stage: str, reason: str) -> bool:
    """Whether a rejection is one the same input would get again under the same settings."""
    return reason in SETTLED_REASONS.get(stage, ()) or (stage == "read" and bool(_HTTP_STATUS.match(reason)))


def _taxonomy_digest(path: str | None) -> str:
    """The taxonomy's content (a user file can extend the built-in one, so both count), not its path."""
    digest = hashlib.sha256(importlib.resources.files("transforms").joinpath(BUILTIN_RESOURCE).read_bytes())
    if path is not None:
        try:
            with open(path, "rb") as handle:
                digest.update(handle.read())
        except OSError:
            digest.update(path.encode())  # the run fails on it anyway, when it loads the taxonomy
    return digest.hexdigest()


def settings_key(
    min_words: int,
    keep_non_articles: bool,
    max_bytes: int,
    *,
    taxonomy: str | None = None,
    near_duplicate_threshold: float = minhash.DEFAULT_NEAR_DUPLICATE_THRESHOLD,
    story_threshold: float = stories.DEFAULT_STORY_THRESHOLD,
    story_window_days: int = stories.DEFAULT_WINDOW_DAYS,
) -> str:
    """What shapes an article (and whether an input is rejected), as a short key stored with every record of
    what a run did: a run whose key differs processes those inputs again. The one place that lists these
    settings; extraction and cleaning have no others, so their libraries' versions stand for them."""
    basis = {
        "newsbeam": newsbeam_version(),
        "trafilatura": package_version("trafilatura"),
        "htmldate": package_version("htmldate"),
        "min_words": min_words,
        "keep_non_articles": keep_non_articles,
        "max_bytes": max_bytes,
        "taxonomy": _taxonomy_digest(taxonomy),
        "near_duplicate_threshold": near_duplicate_threshold,
        "story_threshold": story_threshold,
        "story_window_days": story_window_days,
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:16]


class ShapingSettings(Protocol):
    """The stage settings a run is given (`StageSettings`), as far as they shape an article."""

    @property
    def min_words(self) -> int: ...
    @property
    def keep_non_articles(self) -> bool: ...
    @property
    def taxonomy(self) -> str | None: ...
    @property
    def near_duplicate_threshold(self) -> float: ...
    @property
    def story_threshold(self) -> float: ...
    @property
    def story_window_days(self) -> int: ...


def settings_key_of(settings: ShapingSettings, max_bytes: int) -> str:
    """`settings_key` of a run's stage settings and `--max-bytes`."""
    return settings_key(
        settings.min_words,
        settings.keep_non_articles,
        max_bytes,
        taxonomy=settings.taxonomy,
        near_duplicate_threshold=settings.near_duplicate_threshold,
        story_threshold=settings.story_threshold,
        story_window_days=settings.story_window_days,
    )


@dataclass
class ReadPlan:
    """Which matched files to read (as literal match patterns) and which an earlier run already settled,
    unchanged since (with how many inputs each held, and how many of those were settled rejects);
    `fingerprints` of the files to read, for the record."""

    read: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    inputs: dict[str, int] = field(default_factory=dict)  # inputs held by each unchanged file
    rejects: dict[str, int] = field(default_factory=dict)  # of which settled rejects
    fingerprints: list[Fingerprint] = field(default_factory=list)
    read_bytes: int = 0

    @property
    def unchanged_inputs(self) -> int:
        return sum(self.inputs.get(path, 1) for path in self.unchanged)

    def duplicate_reasons(self) -> dict[str, int]:
        """The unchanged files' inputs by duplicate reason (`unchanged-input`, `settled-reject`)."""
        rejects = sum(self.rejects.get(path, 0) for path in self.unchanged)
        counts = {REASON: self.unchanged_inputs - rejects, SETTLED: rejects}
        return {reason: n for reason, n in counts.items() if n}


def literal_pattern(path: str) -> str:
    """`path` as a match pattern for that one file (Beam patterns have no escape character: glob
    characters become one-character classes)."""
    return "".join({"*": "[*]", "?": "[?]", "[": "[\\[]"}.get(c, c) for c in path)


def plan_reads(output: str, inputs: Sequence[str], settings: str | None = None, reprocess: bool = False) -> ReadPlan:
    """Match `inputs` and set aside the files `_state/file_fingerprints/` knows unchanged under the same
    `settings` (`settings_key`; metadata only, nothing is read); with `reprocess`, none."""
    known: dict[str, dict[tuple[int, float], tuple[int, int]]] = {}
    for row in [] if reprocess else tables.read_table(output, FILES_TABLE, FILES_SCHEMA).to_pylist():
        if row["settings"] != settings:
            continue  # settled under other settings (or before records carried them): processed again
        known.setdefault(row["path"], {})[(row["size"], row["mtime"])] = (row["inputs"], row["rejects"] or 0)
    plan = ReadPlan()
    seen: set[str] = set()
    for pattern in expand_inputs(inputs):
        for meta in FileSystems.match([pattern])[0].metadata_list:
            if meta.path in seen:
                continue
            seen.add(meta.path)
            updated = getattr(meta, "last_updated_in_seconds", None)
            mtime = float(updated) if updated is not None else None
            fingerprinted = format_of(meta.path) in _FINGERPRINTED and mtime is not None
            held = None
            if fingerprinted and mtime is not None:
                held = known.get(meta.path, {}).get((meta.size_in_bytes, mtime))
            if held is not None:
                plan.unchanged.append(meta.path)
                plan.inputs[meta.path], plan.rejects[meta.path] = held
                continue
            plan.read.append(literal_pattern(meta.path))
            plan.read_bytes += meta.size_in_bytes
            if fingerprinted and mtime is not None:
                plan.fingerprints.append((meta.path, meta.size_in_bytes, mtime))
    return plan


def _not_read(path: str, inputs: int, rejects: int) -> list[Duplicate]:
    return [Duplicate(path, None, None, REASON)] * (inputs - rejects) + [Duplicate(path, None, None, SETTLED)] * rejects


class UnchangedFiles(beam.PTransform):
    """The files `plan_reads` set aside → a Duplicate per input they held (each an input and a duplicate of
    the run): `settled-reject` for as many as were settled rejects, `unchanged-input` for the rest."""

    def __init__(
        self, paths: Sequence[str], inputs: Mapping[str, int] | None = None, rejects: Mapping[str, int] | None = None
    ) -> None:
        super().__init__()
        self.files = [(path, (inputs or {}).get(path, 1), (rejects or {}).get(path, 0)) for path in sorted(paths)]

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return pbegin | "Paths" >> beam.Create(self.files) | "AsDuplicates" >> beam.FlatMapTuple(_not_read)


def input_hash(doc: RawDocument) -> str:
    """What the extractor will see of `doc` (not where it was found): same hash, same article."""
    basis = json.dumps(
        [
            doc.source_format,
            doc.kind,
            doc.url,
            doc.title,
            doc.published,
            doc.published_source,
            doc.publisher,
            list(doc.authors),
        ],
        ensure_ascii=False,
    )
    digest = hashlib.sha256(basis.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(doc.content.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class UnchangedResult(NamedTuple):
    fresh: beam.PCollection  # RawDocuments to extract
    unchanged: beam.PCollection  # Duplicate records for the inputs skipped
    keys: beam.PCollection  # (source, Key) of every input read, for RecordUnchanged


def known_hashes(output: str, settings: str | None = None) -> set[bytes]:
    """The hashes of the inputs earlier runs with these `settings` made articles of, as digests."""
    columns = pa.schema([SCHEMA.field("input_hash"), SCHEMA.field("settings")])
    rows = tables.read_table(output, TABLE, columns).to_pylist()
    return {bytes.fromhex(row["input_hash"]) for row in rows if row["settings"] == settings}


def settled_hashes(output: str, settings: str | None) -> set[bytes]:
    """The hashes of the inputs earlier runs with these `settings` rejected for a settled reason."""
    if settings is None:
        return set()
    columns = pa.schema([SETTLED_SCHEMA.field("input_hash"), SETTLED_SCHEMA.field("settings")])
    rows = tables.read_table(output, SETTLED_TABLE, columns).to_pylist()
    return {bytes.fromhex(row["input_hash"]) for row in rows if row["settings"] == settings}


class Key(NamedTuple):
    """What RecordUnchanged needs of each input read: its hash, the file it came from, whether it was
    fresh (an unchanged one is recorded already, but still counts towards its file), and whether it was
    skipped as a settled reject (it is among the run's duplicates, yet counts as a reject towards its file)."""

    input_hash: str
    origin: str
    fresh: bool
    rejected: bool = False


class _SkipFn(beam.DoFn):
    def __init__(self, output: str, settings: str | None, reprocess: bool = False) -> None:
        self.output = output
        self.settings = settings
        self.reprocess = reprocess
        self.known: set[bytes] = set()
        self.settled: set[bytes] = set()
        self.skipped = Metrics.counter(STAGE, "unchanged_inputs")
        self.skipped_rejects = Metrics.counter(STAGE, "settled_rejects")
        self.fresh = Metrics.counter(STAGE, "fresh_inputs")

    def setup(self) -> None:
        if not self.reprocess:
            self.known = known_hashes(self.output, self.settings)
            self.settled = settled_hashes(self.output, self.settings)

    def process(self, doc: RawDocument) -> Iterator[Any]:
        digest = input_hash(doc)
        raw = bytes.fromhex(digest)
        origin = doc.origin or doc.source
        if raw in self.known:
            self.skipped.inc()
            yield beam.pvalue.TaggedOutput(KEYS, (doc.source, Key(digest, origin, False)))
            yield beam.pvalue.TaggedOutput(UNCHANGED, Duplicate(doc.source, None, None, REASON))
        elif raw in self.settled:
            self.skipped_rejects.inc()
            yield beam.pvalue.TaggedOutput(KEYS, (doc.source, Key(digest, origin, False, rejected=True)))
            yield beam.pvalue.TaggedOutput(UNCHANGED, Duplicate(doc.source, None, None, SETTLED))
        else:
            self.fresh.inc()
            yield beam.pvalue.TaggedOutput(KEYS, (doc.source, Key(digest, origin, True)))
            yield doc


@dataclass(eq=False, repr=False)
class SkipUnchanged(Stage):
    """RawDocuments → `UnchangedResult`: documents an earlier run with the same `settings` (`settings_key`)
    already settled are set aside, in the same fused step as the reading (no shuffle); with `reprocess`,
    none are. Settled rejects count only with `settings` (None: none do)."""

    output: str
    settings: str | None = None
    reprocess: bool = False

    def expand(self, docs: beam.PCollection) -> UnchangedResult:
        skip = _SkipFn(self.output, self.settings, self.reprocess)
        results = docs | "Skip" >> ParDoWithOutputs(skip, UNCHANGED, KEYS, main="fresh")
        return UnchangedResult(results["fresh"], results[UNCHANGED], results[KEYS])


def _reject_label(rejected: Rejected | str, settings: str | None) -> tuple[str, str | None]:
    """A rejected input → (source, `<stage>/<reason>` when the rejection is settled, else None). A bare
    source, or any rejection when the run has no `settings`, is not settled."""
    if isinstance(rejected, str):
        return rejected, None
    settled = settings is not None and is_settled(rejected.stage, rejected.reason)
    return rejected.source, f"{rejected.stage}/{rejected.reason}" if settled else None


def _made(settings: str | None) -> dict[str, str | None]:
    """The columns of every record that say what it was made under."""
    return {"settings": settings, "version": newsbeam_version()}


class _DecideFn(beam.DoFn):
    """Per source: whether its inputs settled, as articles or as settled rejects, and which hashes to record
    (sources can repeat, e.g. JSONL records naming one outlet, so this is decided per source); tells each
    input's file its outcome (`_ARTICLE`, `_REJECT`, None: not settled). Emits `(TABLE, row)`,
    `(SETTLED_TABLE, row)` and `(_FILE, (file, outcome))`."""

    def __init__(self, settings: str | None) -> None:
        self.settings = settings
        self.made = _made(settings)
        self.recorded = Metrics.counter(STAGE, "recorded_inputs")
        self.recorded_rejects = Metrics.counter(STAGE, "recorded_settled_rejects")

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[tuple[str, Any]]:
        source, groups = element
        keys: list[Key] = sorted(groups["inputs"], key=lambda k: (not k.rejected, k))
        labels: list[str | None] = list(groups["rejected"])
        known_rejects = sum(1 for k in keys if k.rejected)  # skipped as settled rejects: among the duplicates
        articles = sum(1 for _ in groups["articles"]) - known_rejects
        rejects = len(labels) + known_rejects
        fresh = sorted({k.input_hash for k in keys if k.fresh})
        if any(label is None for label in labels) or (rejects == 0 and articles <= 0):
            outcomes: Sequence[str | None] = [None] * len(keys)
        elif rejects == 0:
            outcomes = [_ARTICLE] * len(keys)
            for digest in fresh:
                self.recorded.inc()
                yield TABLE, {"input_hash": digest, "source": source, **self.made}
        elif articles + rejects != len(keys) or self.settings is None:
            outcomes = [None] * len(keys)  # outcomes that do not add up to the inputs: not settled
        else:
            # Which of a source's inputs were rejected is not known when it also made articles: its files
            # settle (their counts are right), its hashes are not recorded.
            outcomes = [_REJECT] * rejects + [_ARTICLE] * articles
            reason = ",".join(sorted({label for label in labels if label}))
            for digest in fresh if articles == 0 and reason else []:
                self.recorded_rejects.inc()
                yield SETTLED_TABLE, {"input_hash": digest, "source": source, "reason": reason, **self.made}
        for key, outcome in zip(keys, outcomes, strict=True):
            yield _FILE, (key.origin, outcome)


def source_file(source: str) -> str:
    """The file an input came from: its source, or the path in `<path>#L<n>` (a JSONL record without a URL)
    and `<path>#<offset>` (a web archive's record)."""
    match = _LINE_SOURCE.match(source)
    return match.group("file") if match else source


def _file_of(source: str) -> Iterator[tuple[str, None]]:
    """The file a rejected input came from, where its source says (a path, `<path>#L<n>`, `<path>#<offset>`)."""
    yield source, None
    match = _LINE_SOURCE.match(source)
    if match:
        yield match.group("file"), None


def _read_reject_file(rejected: Rejected | str, settings: str | None) -> Iterator[tuple[str, None]]:
    """The file of an input the reader rejected for a settled reason (it has no `Key`, so it counts towards
    its file here)."""
    if isinstance(rejected, str) or rejected.stage != "read" or _reject_label(rejected, settings)[1] is None:
        return
    yield source_file(rejected.source), None


def _unsettled_files(rejected: Rejected | str, settings: str | None) -> Iterator[tuple[str, None]]:
    source, label = _reject_label(rejected, settings)
    if label is None:
        yield from _file_of(source)


class _DecideFileFn(beam.DoFn):
    """A file's fingerprint is recorded when every input read from it settled and none was rejected for an
    unsettled reason; when some were settled rejects, with the run's settings."""

    def __init__(self, settings: str | None) -> None:
        self.settings = settings

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[tuple[str, dict[str, Any]]]:
        path, groups = element
        outcomes = list(groups["inputs"])
        read_rejects = sum(1 for _ in groups["read_rejects"])
        if (not outcomes and not read_rejects) or None in outcomes or any(True for _ in groups["unsettled"]):
            return
        rejects = read_rejects + outcomes.count(_REJECT)
        if rejects and self.settings is None:
            return
        for size, mtime in sorted(set(groups["fingerprints"])):
            yield (
                FILES_TABLE,
                {
                    "path": path,
                    "size": size,
                    "mtime": mtime,
                    "inputs": len(outcomes) + read_rejects,
                    "rejects": rejects or None,
                    **_made(self.settings),
                },
            )


def _rows_of(pair: tuple[str, Any], table: str) -> Iterable[Any]:
    return (pair[1],) if pair[0] == table else ()


@dataclass(eq=False, repr=False)
class RecordUnchanged(Stage):
    """`keys` (`(source, Key)` of every input read) → rows appended to `_state/input_hashes/`,
    `_state/settled_rejects/` and `_state/file_fingerprints/` once the files `after` (the run's WrittenFiles)
    exist (`AfterFiles`); emits `(key, n)` counts. `articles`: sources of the inputs written or duplicated;
    `rejected`: `Rejected` rows (or bare sources: never settled); `fingerprints`: `(path, (size, mtime))` of
    the files read. Rejections settle only with `settings` (`settings_key`)."""

    output: str
    run_id: str
    settings: str | None = None
    _: KW_ONLY
    articles: beam.PCollection
    rejected: beam.PCollection
    fingerprints: beam.PCollection
    after: beam.PCollection

    def expand(self, keys: beam.PCollection) -> beam.PCollection:
        settings = self.settings
        rejected = self.rejected
        decided = (
            {
                "inputs": keys,
                "articles": self.articles | "KeyArticles" >> beam.Map(lambda s: (s, None)),
                "rejected": rejected | "KeyRejected" >> beam.Map(_reject_label, settings),
            }
            | "JoinOnSource" >> beam.CoGroupByKey()
            | "Decide" >> beam.ParDo(_DecideFn(settings))
        )
        file_rows = (
            {
                "inputs": decided | "FileOutcomes" >> beam.FlatMap(_rows_of, _FILE),
                "read_rejects": rejected | "ReadRejectFiles" >> beam.FlatMap(_read_reject_file, settings),
                "unsettled": rejected | "UnsettledFiles" >> beam.FlatMap(_unsettled_files, settings),
                "fingerprints": self.fingerprints,
            }
            | "JoinOnFile" >> beam.CoGroupByKey()
            | "DecideFile" >> beam.ParDo(_DecideFileFn(settings))
        )
        rows = (
            decided | "HashOutcomes" >> beam.Filter(lambda pair: pair[0] in (TABLE, SETTLED_TABLE)),
            file_rows,
        ) | "AllRows" >> beam.Flatten()
        # The three tables' rows wait for the files together and are written from the barrier's one group.
        tables = {TABLE: SCHEMA, SETTLED_TABLE: SETTLED_SCHEMA, FILES_TABLE: FILES_SCHEMA}
        return (
            rows
            | "AfterFiles" >> AfterFiles(self.after, together=True)
            | "WriteTables" >> state.WriteStateTables(self.output, tables, self.run_id)
            | "Counts" >> beam.MapTuple(lambda table, n: (_COUNTS[table], n))
        )
