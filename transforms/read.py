"""ReadLocal: local (or any Beam filesystem) files into `RawDocument`s.

Files are matched and read inside the pipeline, never passed through `beam.Create`: Beam would pickle every
body into the pipeline graph itself, which is slow and holds the whole corpus in memory. Only the patterns
enter through `Create`.

No body crosses a shuffle here. What is shuffled to spread the work over workers is a list of byte ranges
(`ReadRange`): one per HTML/text file, and ~1 MiB slices of each JSONL file cut at line ends. Beam's
DirectRunner holds every shuffled collection in memory, and with multi-processing workers it lost elements
of a shuffle of 10,000 documents of 180 KB (`tests/test_graph.py` keeps bodies out of shuffles).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes, FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.document import Duplicate, RawDocument
from transforms._deadletter import REJECTED, DeadLetterFn, reject
from transforms._outputs import ParDoWithOutputs
from transforms._stage import Stage
from transforms.web import warc
from transforms.web.charset import declared_charset, decode, sniff_binary
from transforms.web.client import DEFAULT_MAX_BYTES

logger = logging.getLogger(__name__)

STAGE = "read"

FORMATS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
FORMATS.update(dict.fromkeys(warc.SUFFIXES, warc.FORMAT))  # web archives: `.warc(.gz)`, `.arc(.gz)`
DUPLICATES = "duplicates"  # ReadLocal's output of inputs that are duplicates as read (WARC revisit records)


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Turn directories into recursive globs, so `--input seeds/` means every file below it."""
    patterns = []
    for item in inputs:
        if item.endswith(("/", os.sep)) or (FileSystems.get_scheme(item) is None and os.path.isdir(item)):
            patterns.append(FileSystems.join(item.rstrip("/" + os.sep) or "/", "**"))
        else:
            patterns.append(item)
    return patterns


def format_of(path: str) -> str | None:
    if warc.is_archive(path):  # two suffixes: `.warc.gz`
        return warc.FORMAT
    return FORMATS.get(os.path.splitext(path)[1].lower())


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value.strip() or None


def _blank(data: bytes) -> bool:
    """Whether `data` is empty or ASCII whitespace only, as `not data.strip()` without copying a long line."""
    return not data or data.isspace()


def parse_jsonl_record(line: str, source: str) -> RawDocument:
    """One JSONL line into a RawDocument; ValueError with a reason code as its first arg when unusable."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError("invalid-json", str(exc)) from exc
    if not isinstance(record, dict):
        raise ValueError("invalid-record", f"a JSON {type(record).__name__}, not an object")
    try:
        html = _str_or_none(record.get("html"))
        text = _str_or_none(record.get("text"))
        url = _str_or_none(record.get("url"))
        title = _str_or_none(record.get("title"))
        published = _str_or_none(record.get("published"))
        updated = _str_or_none(record.get("updated"))
        own_source = _str_or_none(record.get("source"))
    except TypeError as exc:
        raise ValueError("invalid-record", str(exc)) from exc
    if html is None and text is None:
        raise ValueError("missing-content", "the record has neither `html` nor `text`")
    return RawDocument(
        source=own_source or url or source,
        source_format="jsonl",
        kind="html" if html is not None else "text",
        content=html if html is not None else text or "",
        url=url,
        title=title,
        published=published,
        updated=updated,
        encoding="utf-8",
        # A record that states the page's title or date vouches for it; `url` and `html` alone do not.
        vouched=title is not None or published is not None,
    )


# JSONL files are read in slices of about this size, so one large file spreads over every worker.
RANGE_BYTES = 1024 * 1024
# A compressed web archive holds ~5x the pages per byte: its slices are a quarter of that size, so that they
# hold a few pages each too (with ~30 pages a slice, one worker was left alone with a slice after the other ended).
GZ_RANGE_SHARE = 4
_SCAN_BLOCK = 4 * 1024 * 1024


class ReadRange(NamedTuple):
    """Bytes `[start, end)` of `path`, starting at line `first_line`; `whole` when it is the entire file
    (a JSONL file with no records is then rejected as empty)."""

    path: str
    size: int
    start: int
    end: int
    first_line: int
    whole: bool


def _open_raw(path: str) -> Any:
    """The file's bytes as stored (a `.gz` suffix is not ours to undo: such files are unsupported)."""
    return FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def plan_ranges(path: str, size: int, range_bytes: int = RANGE_BYTES) -> Iterator[ReadRange]:
    """The slices a file is read in: the whole file, or for JSONL ~`range_bytes` slices ending at line ends
    with the line number they start at (one pass over the bytes, counting newlines), for web archives
    slices starting at record starts (`warc.plan_cuts`; a quarter of `range_bytes` when compressed)."""
    fmt = format_of(path)
    if fmt == warc.FORMAT and path.endswith(".gz"):
        range_bytes = max(1, range_bytes // GZ_RANGE_SHARE)
    if fmt not in ("jsonl", warc.FORMAT) or size <= range_bytes:
        yield ReadRange(path, size, 0, size, 1, True)
        return
    if fmt == warc.FORMAT:
        with _open_raw(path) as handle:
            starts = warc.plan_cuts(handle, range_bytes)
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else size
            yield ReadRange(path, size, start, end, 1, len(starts) == 1)
        return
    cuts: list[tuple[int, int]] = [(0, 1)]  # (offset, line number) where each slice starts
    offset, lines, blank = 0, 1, True
    with _open_raw(path) as handle:
        while block := handle.read(_SCAN_BLOCK):
            blank = blank and block.isspace()
            at = 0
            while True:
                # The first line end at or after the next cut point, within this block.
                target = cuts[-1][0] + range_bytes - offset
                if target >= len(block):
                    break
                newline = block.find(b"\n", max(target, at))
                if newline < 0:
                    break
                lines += block.count(b"\n", at, newline + 1)
                at = newline + 1
                if offset + at < size:
                    cuts.append((offset + at, lines))
            lines += block.count(b"\n", at)
            offset += len(block)
    if blank:  # no record at all: one whole range, so the file is rejected as empty, not silently nothing
        cuts = cuts[:1]
    for i, (start, first_line) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else size
        yield ReadRange(path, size, start, end, first_line, len(cuts) == 1)


class _PlanFn(beam.DoFn):
    def __init__(self, range_bytes: int) -> None:
        self.range_bytes = range_bytes

    def process(self, meta: FileMetadata) -> Iterator[ReadRange]:
        yield from plan_ranges(meta.path, meta.size_in_bytes, self.range_bytes)


class _ReadRangeFn(DeadLetterFn):
    """Reads one range: a whole HTML/text file, or a slice of a JSONL file line by line (never whole)."""

    stage = STAGE

    def __init__(self, run_id: str, max_bytes: int) -> None:
        super().__init__(run_id)
        self.max_bytes = max_bytes
        self.files = Metrics.counter(STAGE, "files")
        self.documents = Metrics.counter(STAGE, "documents")
        self.records_skipped = Metrics.counter(STAGE, "archive_records_not_inputs")

    def handle(self, part: ReadRange) -> Iterable[Any]:
        path = part.path
        if part.start == 0:
            self.files.inc()
        fmt = format_of(path)
        if fmt is None:
            ext = os.path.splitext(path)[1] or "(none)"
            yield reject(path, STAGE, "unsupported-format", f"file extension {ext}", self.run_id)
            return
        if fmt == "jsonl":
            yield from self._jsonl(part)
            return
        if fmt == warc.FORMAT:
            yield from self._archive(part)
            return
        if part.size > self.max_bytes:
            yield reject(path, STAGE, "too-large", f"{part.size} bytes > --max-bytes {self.max_bytes}", self.run_id)
            return
        with _open_raw(path) as handle:
            data = handle.read()
        out = self._decode(data, path, html=fmt == "html")
        if isinstance(out, beam.pvalue.TaggedOutput):
            yield out
            return
        text, encoding = out
        self.documents.inc()
        yield RawDocument(
            source=path,
            source_format=fmt,
            kind="html" if fmt == "html" else "text",
            content=text,
            encoding=encoding,
            origin=path,
        )

    def _decode(
        self, data: bytes, source: str, html: bool = False, declared: str | None = None
    ) -> tuple[str, str] | beam.pvalue.TaggedOutput:
        if _blank(data):
            return reject(source, STAGE, "empty", f"{len(data)} bytes, no content", self.run_id)
        binary = sniff_binary(data)
        if binary:
            return reject(source, STAGE, "binary-content", f"looks like {binary}, not text", self.run_id)
        try:
            return decode(data, declared or (declared_charset(data) if html else None))
        except UnicodeDecodeError as exc:
            return reject(source, STAGE, "undecodable", str(exc), self.run_id)

    def _archive(self, part: ReadRange) -> Iterator[Any]:
        """The records of a web archive starting in this slice, one at a time (`transforms.web.warc`)."""
        records = 0
        with _open_raw(part.path) as handle:
            for outcome in warc.read_records(handle, part.path, part.start, part.end, self.max_bytes):
                records += 1
                if isinstance(outcome, warc.Skipped):
                    self.records_skipped.inc()
                elif isinstance(outcome, warc.Revisit):
                    yield beam.pvalue.TaggedOutput(DUPLICATES, Duplicate(outcome.source, None, None, warc.REVISIT))
                elif isinstance(outcome, warc.Turned):
                    yield reject(outcome.source, STAGE, outcome.reason, outcome.detail, self.run_id, url=outcome.url)
                else:
                    # The charset the HTTP header declares, else the page's meta tag, else detection.
                    out = self._decode(outcome.payload, outcome.source, html=True, declared=outcome.charset)
                    if isinstance(out, beam.pvalue.TaggedOutput):
                        yield out
                        continue
                    self.documents.inc()
                    yield RawDocument(
                        source=outcome.source,
                        source_format=warc.FORMAT,
                        kind="html",
                        content=out[0],
                        url=outcome.url,
                        encoding=out[1],
                        meta={warc.CRAWLED: outcome.crawled} if outcome.crawled else {},
                        origin=part.path,
                    )
        if not records and part.whole:
            yield reject(part.path, STAGE, "empty", "no WARC/ARC record in the file", self.run_id)

    def _jsonl(self, part: ReadRange) -> Iterator[Any]:
        records = 0
        position = part.start
        with _open_raw(part.path) as handle:
            handle.seek(part.start)
            for number, raw_line in enumerate(handle, start=part.first_line):
                if position >= part.end:
                    break
                position += len(raw_line)
                if _blank(raw_line):
                    continue  # blank lines separate nothing in JSONL; they are not inputs
                records += 1
                source = f"{part.path}#L{number}"
                if len(raw_line) > self.max_bytes:
                    yield reject(
                        source,
                        STAGE,
                        "too-large",
                        f"{len(raw_line)} bytes > --max-bytes {self.max_bytes}",
                        self.run_id,
                    )
                    continue
                out = self._decode(raw_line, source)
                if isinstance(out, beam.pvalue.TaggedOutput):
                    yield out
                    continue
                try:
                    doc = parse_jsonl_record(out[0], source)
                except ValueError as exc:
                    reason, detail = exc.args if len(exc.args) == 2 else ("invalid-record", str(exc))
                    yield reject(source, STAGE, reason, detail, self.run_id)
                    continue
                doc.encoding = out[1]
                doc.origin = part.path
                self.documents.inc()
                yield doc
        if not records and part.whole:  # an empty file is an input like an empty .txt: rejected
            yield reject(part.path, STAGE, "empty", "JSONL file with no records", self.run_id)


class LocalRead(NamedTuple):
    """What `ReadLocal` returns; every element of the three is one input of the run."""

    documents: beam.PCollection  # RawDocuments, on to Extract
    rejected: beam.PCollection  # Rejected rows (empty, binary, undecodable, too large…)
    duplicates: beam.PCollection  # Duplicates as read: a web archive's revisit records


@dataclass(eq=False, repr=False)
class ReadLocal(Stage):
    """Files matching `patterns` (paths, globs, directories) → `LocalRead(documents, rejected, duplicates)`."""

    patterns: Sequence[str]
    run_id: str
    max_bytes: int = DEFAULT_MAX_BYTES
    range_bytes: int = RANGE_BYTES

    def __post_init__(self) -> None:
        super().__post_init__()
        self.patterns = expand_inputs(self.patterns)

    def expand(self, pbegin: beam.pvalue.PBegin) -> LocalRead:
        ranges = (
            pbegin
            | "Patterns" >> beam.Create(self.patterns)
            | "Match" >> fileio.MatchAll(fileio.EmptyMatchTreatment.ALLOW)
            # A file named by two patterns is read once.
            | "KeyByPath" >> beam.Map(lambda m: (m.path, m))
            | "UniquePaths" >> beam.GroupByKey()
            | "FirstMatch" >> beam.MapTuple(lambda _path, matches: next(iter(matches)))
            | "PlanRanges" >> beam.ParDo(_PlanFn(self.range_bytes))
            # Spreads the reading, and everything Beam fuses after it, over the workers: ranges, not bodies.
            | "SpreadRanges" >> beam.Reshuffle()
        )
        results = ranges | "ReadFile" >> ParDoWithOutputs(
            _ReadRangeFn(self.run_id, self.max_bytes), REJECTED, DUPLICATES, main="documents"
        )
        return LocalRead(results["documents"], results[REJECTED], results[DUPLICATES])
