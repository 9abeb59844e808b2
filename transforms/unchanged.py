"""Unchanged local inputs: what an earlier run already made an article of is not read or extracted again.

Two checks, both counting a skipped input as a duplicate (`unchanged-input`):

1. Before the pipeline (`plan_reads`, called by the launcher): a file (`.txt`, `.html`, `.jsonl`) whose
   path, size and modification time are recorded in `_state/file_fingerprints/` is not even read; it
   counts as the number of inputs it held. This is what makes a second run over the same files cheap (and,
   when every file is unchanged, lets the launcher skip Beam altogether).
2. Right after reading (`SkipUnchanged`): each input is hashed (`input_hash`: its decoded content and
   everything else the reader took from it, not its path) and looked up in the hashes of
   `_state/input_hashes/`, which each worker loads once (`setup`, 32 bytes a hash: 1 million recorded
   inputs take ~100 MB). This catches copies, moves, touched files and JSONL lines. The same bytes always
   extract to the same text, which would be an exact duplicate anyway. A look-up and not a CoGroupByKey:
   a join would shuffle every document's body, which Beam's DirectRunner holds in memory.

`RecordUnchanged` records both, for inputs whose every outcome was an article (written, or a duplicate
of one already kept): an input hash per settled source, a fingerprint per file whose every input settled
and none was rejected (a JSONL file with one bad line is read again). Rejected inputs are tried again (a
newer extractor may succeed). It writes only after the run's article files exist, so nothing is recorded
for an article not on disk; a run that crashes before it merely re-reads those inputs next time and finds
them exact duplicates. The fingerprint is the one taken before the run read the file: a file changed
meanwhile is read again next time.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms import state
from transforms._outputs import ParDoWithOutputs
from transforms.dedupe import Duplicate
from transforms.document import RawDocument
from transforms.read import expand_inputs, format_of

STAGE = "unchanged"
TABLE = "input_hashes"
SCHEMA = pa.schema(
    [
        pa.field("input_hash", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
    ]
)
FILES_TABLE = "file_fingerprints"
FILES_SCHEMA = pa.schema(
    [
        pa.field("path", pa.string(), nullable=False),
        pa.field("size", pa.int64(), nullable=False),
        pa.field("mtime", pa.float64(), nullable=False),
        pa.field("inputs", pa.int64(), nullable=False),  # how many inputs the file held (JSONL records)
    ]
)
UNCHANGED = "unchanged"
KEYS = "keys"
REASON = "unchanged-input"
COUNT_RECORDED = "stories|input-hashes-recorded"
COUNT_FINGERPRINTS = "stories|file-fingerprints-recorded"
_FILE = "file"  # a (file, settled) outcome on its way from _DecideFn to _DecideFileFn
_FINGERPRINTED = ("txt", "html", "jsonl")
_LINE_SOURCE = re.compile(r"^(?P<file>.+)#L\d+$")  # a JSONL record's source when it names no URL

Fingerprint = tuple[str, int, float]  # path, size in bytes, modification time (s)


@dataclass
class ReadPlan:
    """Which matched files to read (as literal match patterns) and which an earlier run already made
    articles of, unchanged since (with how many inputs each held); `fingerprints` of the files to read,
    for the record."""

    read: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    inputs: dict[str, int] = field(default_factory=dict)  # inputs held by each unchanged file
    fingerprints: list[Fingerprint] = field(default_factory=list)
    read_bytes: int = 0

    @property
    def unchanged_inputs(self) -> int:
        return sum(self.inputs.get(path, 1) for path in self.unchanged)


def literal_pattern(path: str) -> str:
    """`path` as a match pattern for that one file (Beam patterns have no escape character: glob
    characters become one-character classes)."""
    return "".join({"*": "[*]", "?": "[?]", "[": "[\\[]"}.get(c, c) for c in path)


def plan_reads(output: str, inputs: Sequence[str]) -> ReadPlan:
    """Match `inputs` and set aside the files `_state/file_fingerprints/` knows unchanged (metadata only,
    nothing is read)."""
    known: dict[str, dict[tuple[int, float], int]] = {}
    for row in state.read_table(output, FILES_TABLE, FILES_SCHEMA).to_pylist():
        known.setdefault(row["path"], {})[(row["size"], row["mtime"])] = row["inputs"]
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
                plan.inputs[meta.path] = held
                continue
            plan.read.append(literal_pattern(meta.path))
            plan.read_bytes += meta.size_in_bytes
            if fingerprinted and mtime is not None:
                plan.fingerprints.append((meta.path, meta.size_in_bytes, mtime))
    return plan


class UnchangedFiles(beam.PTransform):
    """The files `plan_reads` set aside → a Duplicate per input they held (each an input and a duplicate of
    the run)."""

    def __init__(self, paths: Sequence[str], inputs: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self.files = [(path, (inputs or {}).get(path, 1)) for path in sorted(paths)]

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return (
            pbegin
            | "Paths" >> beam.Create(self.files)
            | "AsDuplicates" >> beam.FlatMapTuple(lambda path, n: [Duplicate(path, None, None, REASON)] * n)
        )


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


def known_hashes(output: str) -> set[bytes]:
    """The input hashes earlier runs recorded, as digests."""
    table = state.read_table(output, TABLE, pa.schema([SCHEMA.field("input_hash")]))
    return {bytes.fromhex(h) for h in table.column("input_hash").to_pylist()}


class Key(NamedTuple):
    """What RecordUnchanged needs of each input read: its hash, the file it came from, and whether it was
    fresh (an unchanged one is recorded already, but still counts towards its file)."""

    input_hash: str
    origin: str
    fresh: bool


class _SkipFn(beam.DoFn):
    def __init__(self, output: str) -> None:
        self.output = output
        self.known: set[bytes] = set()
        self.skipped = Metrics.counter(STAGE, "unchanged_inputs")
        self.fresh = Metrics.counter(STAGE, "fresh_inputs")

    def setup(self) -> None:
        self.known = known_hashes(self.output)

    def process(self, doc: RawDocument) -> Iterator[Any]:
        digest = input_hash(doc)
        fresh = bytes.fromhex(digest) not in self.known
        yield beam.pvalue.TaggedOutput(KEYS, (doc.source, Key(digest, doc.origin or doc.source, fresh)))
        if fresh:
            self.fresh.inc()
            yield doc
        else:
            self.skipped.inc()
            yield beam.pvalue.TaggedOutput(UNCHANGED, Duplicate(doc.source, None, None, REASON))


class SkipUnchanged(beam.PTransform):
    """RawDocuments → `UnchangedResult`: documents an earlier run already made articles of are set aside,
    in the same fused step as the reading (no shuffle)."""

    def __init__(self, output: str) -> None:
        super().__init__()
        self.output = output

    def expand(self, docs: beam.PCollection) -> UnchangedResult:
        results = docs | "Skip" >> ParDoWithOutputs(_SkipFn(self.output), UNCHANGED, KEYS, main="fresh")
        return UnchangedResult(results["fresh"], results[UNCHANGED], results[KEYS])


class _DecideFn(beam.DoFn):
    """Per source: record its fresh input hashes only when none of its inputs was rejected (sources can
    repeat, e.g. JSONL records naming one outlet, so this is decided per source), and tell each input's
    file whether it settled. Emits `(TABLE, row)` and `(_FILE, (file, settled))`."""

    def __init__(self) -> None:
        self.recorded = Metrics.counter(STAGE, "recorded_inputs")

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[tuple[str, Any]]:
        source, groups = element
        rejected = any(True for _ in groups["rejected"])
        made_articles = any(True for _ in groups["articles"])
        settled = made_articles and not rejected
        keys: list[Key] = list(groups["inputs"])
        for digest in sorted({k.input_hash for k in keys if k.fresh}) if settled else []:
            self.recorded.inc()
            yield TABLE, {"input_hash": digest, "source": source}
        for key in keys:
            yield _FILE, (key.origin, settled)


def _file_of(source: str) -> Iterator[tuple[str, None]]:
    """The file a rejected input came from, where its source says (a path, or `<path>#L<n>`)."""
    yield source, None
    match = _LINE_SOURCE.match(source)
    if match:
        yield match.group("file"), None


class _DecideFileFn(beam.DoFn):
    """A file's fingerprint is recorded when every input read from it settled and none was rejected."""

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[tuple[str, dict[str, Any]]]:
        path, groups = element
        outcomes = list(groups["inputs"])
        if not outcomes or not all(outcomes) or any(True for _ in groups["rejected"]):
            return
        for size, mtime in sorted(set(groups["fingerprints"])):
            yield FILES_TABLE, {"path": path, "size": size, "mtime": mtime, "inputs": len(outcomes)}


def _release(element: tuple[int, dict[str, Iterable[Any]]]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from element[1]["rows"]


def _rows_of(pair: tuple[str, Any], table: str) -> Iterable[Any]:
    return (pair[1],) if pair[0] == table else ()


class RecordUnchanged(beam.PTransform):
    """`{"keys", "articles" (sources of articles written or duplicated), "rejected" (sources rejected),
    "fingerprints" ((path, (size, mtime)) of the files read), "after" (the run's WrittenFiles)}` → rows
    appended to `_state/input_hashes/` and `_state/file_fingerprints/` once the article files exist (the
    rows wait for `after` through a CoGroupByKey); emits `(key, n)` counts."""

    def __init__(self, output: str, run_id: str) -> None:
        super().__init__()
        self.output = output
        self.run_id = run_id

    def expand(self, pcolls: Mapping[str, beam.PCollection]) -> beam.PCollection:
        decided = (
            {
                "inputs": pcolls["keys"],
                "articles": pcolls["articles"] | "KeyArticles" >> beam.Map(lambda s: (s, None)),
                "rejected": pcolls["rejected"] | "KeyRejected" >> beam.Map(lambda s: (s, None)),
            }
            | "JoinOnSource" >> beam.CoGroupByKey()
            | "Decide" >> beam.ParDo(_DecideFn())
        )
        file_rows = (
            {
                "inputs": decided | "FileOutcomes" >> beam.FlatMap(_rows_of, _FILE),
                "rejected": pcolls["rejected"] | "RejectedFiles" >> beam.FlatMap(_file_of),
                "fingerprints": pcolls["fingerprints"],
            }
            | "JoinOnFile" >> beam.CoGroupByKey()
            | "DecideFile" >> beam.ParDo(_DecideFileFn())
        )
        rows = (
            decided | "HashOutcomes" >> beam.Filter(lambda pair: pair[0] == TABLE),
            file_rows,
        ) | "AllRows" >> beam.Flatten()
        released = (
            {
                "rows": rows | "OneKey" >> beam.Map(lambda row: (0, row)),
                "after": pcolls["after"] | "Written" >> beam.Map(lambda _f: (0, None)),
            }
            | "AfterWrites" >> beam.CoGroupByKey()
            | "Release" >> beam.FlatMap(_release)
        )
        hashes = (
            released
            | "HashRows" >> beam.FlatMap(_rows_of, TABLE)
            | "WriteHashes" >> state.WriteStateRows(self.output, TABLE, SCHEMA, self.run_id)
            | "CountHashes" >> beam.Map(lambda n: (COUNT_RECORDED, n))
        )
        files = (
            released
            | "FileRows" >> beam.FlatMap(_rows_of, FILES_TABLE)
            | "WriteFingerprints" >> state.WriteStateRows(self.output, FILES_TABLE, FILES_SCHEMA, self.run_id)
            | "CountFingerprints" >> beam.Map(lambda n: (COUNT_FINGERPRINTS, n))
        )
        return (hashes, files) | "Counts" >> beam.Flatten()
