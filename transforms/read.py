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

import codecs
import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import apache_beam as beam
import charset_normalizer
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes, FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from charset_normalizer.md import mess_ratio

from transforms._deadletter import REJECTED, DeadLetterFn, reject
from transforms._outputs import ParDoWithOutputs
from transforms.document import RawDocument

logger = logging.getLogger(__name__)

STAGE = "read"

FORMATS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Signatures of common binary formats that sometimes arrive with a text extension.
_MAGIC = {
    b"%PDF": "pdf",
    b"PK\x03\x04": "zip",
    b"\x1f\x8b": "gzip",
    b"\x89PNG": "png",
    b"\xff\xd8\xff": "jpeg",
    b"GIF8": "gif",
    b"\x7fELF": "elf",
}


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Turn directories into recursive globs, so `--input seeds/` means every file below it."""
    patterns = []
    for item in inputs:
        if item.endswith(("/", os.sep)) or (FileSystems.get_scheme(item) is None and os.path.isdir(item)):
            patterns.append(FileSystems.join(item.rstrip("/" + os.sep) or "/", "**"))
        else:
            patterns.append(item)
    return patterns


def sniff_binary(data: bytes) -> str | None:
    """Name the binary format of `data`, or None when it looks like text."""
    head = data[:8192]
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    if b"\x00" in head:
        # UTF-16/32 text has NULs too; a BOM says so.
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            return None
        return "binary"
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if head and controls / len(head) > 0.1:
        return "binary"
    return None


_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SAMPLE_BYTES = 64 * 1024
_FALLBACK_CODECS = ["cp1250", "cp1251", "cp1253", "iso8859-2", "koi8-r", "iso8859-15"]
# Initial/final quotes, dashes, spaces and connectors sit next to letters in any language.
_LEGIT_NEXT_TO_LETTERS = {"Pi", "Pf", "Pd", "Pc", "Zs", "Mn", "Mc"}


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first bytes (`<meta charset>` or http-equiv), if Python
    knows it."""
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _glued_symbols(text: str) -> int:
    """Symbols stuck to letters, the mark of a wrong single-byte code page (`powiedzia³`, `bêd¹` for
    Polish read as windows-1252). Quotes and dashes are left out: they touch words legitimately."""
    count = 0
    for i, char in enumerate(text):
        if char < "\xa0" or char.isalpha() or unicodedata.category(char) in _LEGIT_NEXT_TO_LETTERS:
            continue
        if (i and text[i - 1].isalpha()) or (i + 1 < len(text) and text[i + 1].isalpha()):
            count += 1
    return count


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes to text; returns (text, encoding).

    A BOM or valid UTF-8 decide at once. Otherwise the candidates (the page's declared charset,
    windows-1252, charset-normalizer's matches, the common Central/Eastern European code pages) are
    compared on a sample: fewest symbols glued to letters, then charset-normalizer's mess ratio. On short
    texts charset-normalizer alone mistakes German for Baltic (cp775) and Polish for Western (cp1252).
    Raises UnicodeDecodeError when no encoding fits.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:_SAMPLE_BYTES]
    candidates = [c for c in (declared, "cp1252") if c] + [m.encoding for m in charset_normalizer.from_bytes(sample)]
    candidates += _FALLBACK_CODECS
    best: tuple[tuple[int, float, int], str] | None = None
    for rank, codec in enumerate(dict.fromkeys(candidates)):
        try:
            text = sample.decode(codec)
            data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        score = (_glued_symbols(text), mess_ratio(text, 1.0), rank)
        if best is None or score < best[0]:
            best = (score, codec)
    if best is None:
        raise UnicodeDecodeError("unknown", data[:1], 0, 1, "no encoding fits these bytes")
    return data.decode(best[1]), best[1]


def format_of(path: str) -> str | None:
    return FORMATS.get(os.path.splitext(path)[1].lower())


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value.strip() or None


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
        encoding="utf-8",
    )


# JSONL files are read in slices of about this size, so one large file spreads over every worker.
RANGE_BYTES = 1024 * 1024
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
    with the line number they start at (one pass over the bytes, counting newlines)."""
    if format_of(path) != "jsonl" or size <= range_bytes:
        yield ReadRange(path, size, 0, size, 1, True)
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

    def _decode(self, data: bytes, source: str, html: bool = False) -> tuple[str, str] | beam.pvalue.TaggedOutput:
        if not data.strip():
            return reject(source, STAGE, "empty", f"{len(data)} bytes, no content", self.run_id)
        binary = sniff_binary(data)
        if binary:
            return reject(source, STAGE, "binary-content", f"looks like {binary}, not text", self.run_id)
        try:
            return decode(data, declared_charset(data) if html else None)
        except UnicodeDecodeError as exc:
            return reject(source, STAGE, "undecodable", str(exc), self.run_id)

    def _jsonl(self, part: ReadRange) -> Iterator[Any]:
        records = 0
        position = part.start
        with _open_raw(part.path) as handle:
            handle.seek(part.start)
            for number, raw_line in enumerate(handle, start=part.first_line):
                if position >= part.end:
                    break
                position += len(raw_line)
                if not raw_line.strip():
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


class ReadLocal(beam.PTransform):
    """Files matching `patterns` (paths, globs, directories) → (RawDocuments, Rejected rows).

    Output tuple: `(documents, rejected)`.
    """

    def __init__(
        self, patterns: Sequence[str], run_id: str, max_bytes: int = DEFAULT_MAX_BYTES, range_bytes: int = RANGE_BYTES
    ) -> None:
        super().__init__()
        self.patterns = expand_inputs(patterns)
        self.run_id = run_id
        self.max_bytes = max_bytes
        self.range_bytes = range_bytes

    def expand(self, pbegin: beam.pvalue.PBegin) -> tuple[beam.PCollection, beam.PCollection]:
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
            _ReadRangeFn(self.run_id, self.max_bytes), REJECTED, main="documents"
        )
        return results["documents"], results[REJECTED]
