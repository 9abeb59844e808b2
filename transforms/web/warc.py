"""Web archives (WARC and ARC) record by record, for the reading stage (`transforms.read`); no Beam here.

Every crawler writes WARC (Common Crawl's CC-NEWS, Heritrix, wget `--warc-file`, Browsertrix...), older
ones ARC. Records are parsed by warcio (it reads ARC as well, gives each record's offset in the file, and
undoes chunked transfer and gzip/deflate/br content encodings). What a record becomes:

- `response` and `resource` records are inputs: a 2xx HTML page is a `Page` (its bytes and the charset
  its HTTP header declares); anything else is `Turned` away with a reason users group by (`http-404`,
  `unsupported-content-type`, `truncated-record`, `corrupt-record`...).
- a `revisit` record (the crawler saw the same content again and stored only a reference) is an input
  and a duplicate: `Revisit`.
- `warcinfo`, `request`, `metadata` and the rest describe the crawl, not pages: `Skipped`, not inputs.

Each outcome names its record as `<file>#<offset>`: the byte offset of the record (of its gzip member in a
`.warc.gz`) in the file, so `dd`/`warcio extract` lead back to it. A file gzipped as a whole (not one gzip
member per record, as the standard recommends) has no offsets to seek to: it is read as one stream and its
offsets count the decompressed bytes.

Large files are read in slices cut at record starts (`plan_cuts`: one pass over the records' headers),
so one 1 GB CC-NEWS file keeps every worker busy. A damaged record is turned away with its offset and
reading goes on at the next record that parses (`next_record`); only one record's payload (at most
`max_bytes`) is held at a time, and the payload of a record that is not an HTML page is never read.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import brotli
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader

from transforms.web.charset import web_codec
from transforms.web.isotime import utc_time

FORMAT = "warc"
SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
REVISIT = "warc-revisit"  # the duplicate reason of a revisit record
INPUT_TYPES = ("response", "resource")
HTML_TYPES = ("text/html", "application/xhtml+xml")
TRUNCATED = "truncated-record"
CORRUPT = "corrupt-record"
CRAWLED = "crawled"  # RawDocument.meta key: the record's WARC-Date (ISO 8601), when the page was fetched

_SCAN_BLOCK = 1024 * 1024
_WARC_START = re.compile(rb"\x1f\x8b\x08|WARC/1\.\d")
_ARC_START = re.compile(rb"\x1f\x8b\x08|(?:^|(?<=\n))(?:https?|ftp|dns|filedesc)://")
_WHOLE_GZIP = "non-chunked gzip"  # warcio's complaint about a file gzipped as a whole


class _Brotli:
    """warcio's `br` decoder for Brotli 1.2, whose Decompressor takes no attributes warcio sets on it; each
    block's output is bounded (a bomb's page ends up `too-large`)."""

    unused_data = b""
    _BLOCK_LIMIT = 64 * 1024 * 1024

    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def decompress(self, data: bytes) -> bytes:
        return bytes(self._decompressor.process(data, output_buffer_limit=self._BLOCK_LIMIT))


BufferedReader.DECOMPRESSORS["br"] = _Brotli


def is_archive(path: str) -> bool:
    """Whether `path` names a WARC or ARC file, compressed or not."""
    return path.lower().endswith(SUFFIXES)


def _is_arc(path: str) -> bool:
    return path.lower().endswith((".arc", ".arc.gz"))


def source_of(path: str, offset: int) -> str:
    return f"{path}#{offset}"


@dataclass(frozen=True)
class Page:
    """A 2xx HTML response (or HTML resource): the payload as served, transfer and content encodings undone."""

    source: str
    url: str | None
    payload: bytes
    charset: str | None  # declared by the HTTP Content-Type (or a resource record's), if Python knows it
    crawled: str | None  # WARC-Date


@dataclass(frozen=True)
class Turned:
    """An input record that is no page to extract: a rejected row."""

    source: str
    reason: str
    detail: str
    url: str | None = None


@dataclass(frozen=True)
class Revisit:
    """A revisit record: the same content as an earlier capture, an input and a duplicate."""

    source: str
    url: str | None


@dataclass(frozen=True)
class Skipped:
    """A record that describes the crawl (warcinfo, request, metadata...), not an input."""

    source: str
    record_type: str


Outcome = Page | Turned | Revisit | Skipped


def crawl_day(meta: dict[str, Any]) -> dt.date | None:
    """The UTC day a web archive's page was fetched (`RawDocument.meta`), None for other inputs: nothing on
    the page was published after it."""
    when = utc_time(meta.get(CRAWLED))
    return None if when is None else when.astimezone(dt.timezone.utc).date()


def _iterator(handle: IO[bytes], headers_only: bool = False) -> ArchiveIterator:
    return ArchiveIterator(handle, arc2warc=True, no_record_parse=headers_only)


def plan_cuts(handle: IO[bytes], range_bytes: int) -> list[int]:
    """Offsets where the slices of an archive start: record starts about `range_bytes` apart, found by one
    pass over the records (headers parsed, payloads skipped: a `.gz` is inflated all the same, which is most
    of the cost; zlib alone saves only ~20%). A file gzipped as a whole, or whose records stop parsing, is
    not cut past that point: the slice holding it reads on record by record."""
    cuts = [0]
    handle.seek(0)
    records = _iterator(handle, headers_only=True)
    try:
        for _record in records:
            if records.offset - cuts[-1] >= range_bytes:
                cuts.append(records.offset)
    except Exception:  # any damage ends the plan; the reader reports it with its offset
        pass
    return cuts


def next_record(handle: IO[bytes], after: int, end: int, arc: bool = False) -> int | None:
    """The offset of the first record that parses at or after `after` and before `end` (a gzip member or a
    `WARC/1.x` line; an ARC header line in an ARC file), None when there is none: where reading resumes
    after a damaged record."""
    pattern = _ARC_START if arc else _WARC_START
    position = after
    while position < end:
        handle.seek(position)
        block = handle.read(_SCAN_BLOCK + 16)
        if not block:
            return None
        for match in pattern.finditer(block):
            candidate = position + match.start()
            if candidate >= end or match.start() >= _SCAN_BLOCK:
                break
            if _parses_at(handle, candidate):
                return candidate
        position += _SCAN_BLOCK
    return None


def _parses_at(handle: IO[bytes], offset: int) -> bool:
    handle.seek(offset)
    try:
        records = _iterator(handle, headers_only=True)
        record = next(iter(records))
        return record.rec_type is not None and records.offset == offset
    except Exception:  # not a record start
        return False


def _media_type(value: str | None) -> tuple[str | None, str | None]:
    """(mime type, charset Python knows) of a Content-Type header."""
    if not value:
        return None, None
    parts = value.split(";")
    mime = parts[0].strip().lower() or None
    charset = None
    for param in parts[1:]:
        name, _, setting = param.partition("=")
        if name.strip().lower() == "charset":
            charset = web_codec(setting.strip().strip("\"'"))
    return mime, charset


def _outcome(record: Any, path: str, offset: int, max_bytes: int) -> Outcome:
    """One record's outcome; the payload is read only for an HTML page, at most `max_bytes` + 1 of it."""
    source = source_of(path, offset)
    kind = record.rec_type
    url = record.rec_headers.get_header("WARC-Target-URI") or None
    if kind == "revisit":
        return Revisit(source, url)
    if kind not in INPUT_TYPES:
        return Skipped(source, kind)
    if kind == "response":
        http = record.http_headers
        status = http.get_statuscode() if http is not None else None
        if not status or not status.isdigit():
            line = http.statusline if http is not None else "none"
            return Turned(source, "invalid-http", f"HTTP status line: {line!r}"[:200], url)
        if not 200 <= int(status) < 300:
            return Turned(source, f"http-{status}", http.statusline, url)
        content_type = http.get_header("Content-Type")
    else:
        content_type = record.rec_headers.get_header("Content-Type")
    mime, charset = _media_type(content_type)
    if mime is not None and mime not in HTML_TYPES:
        return Turned(source, "unsupported-content-type", content_type, url)
    try:
        payload = record.content_stream().read(max_bytes + 1)
    except Exception as exc:  # a broken gzip/br body or chunking: this record only
        return Turned(source, "unreadable-payload", f"{type(exc).__name__}: {exc}", url)
    if len(payload) > max_bytes:
        return Turned(source, "too-large", f"payload > --max-bytes {max_bytes}", url)
    missing = getattr(record.raw_stream, "limit", 0)
    if missing > 0:  # the record ends before its Content-Length: the file was cut or its gzip members are
        return Turned(source, TRUNCATED, f"{missing} of {record.length} bytes missing", url)
    return Page(source, url, payload, charset, record.rec_headers.get_header("WARC-Date"))


def read_records(handle: IO[bytes], path: str, start: int, end: int, max_bytes: int) -> Iterator[Outcome]:
    """The outcome of every record that starts in `[start, end)` of the archive `handle` (seekable, as
    stored: compressed or not), in file order. A record that cannot be parsed, or is cut short, is `Turned`
    away with its offset, and reading resumes at the next record that parses."""
    arc = _is_arc(path)
    gzipped = path.lower().endswith(".gz")
    size = handle.seek(0, 2)
    yielded = 0  # records given an outcome, in file order
    reported: set[int] = set()  # offsets given an outcome
    position: int | None = start
    while position is not None and position < end:
        handle.seek(position)
        records = _iterator(handle)
        read_here = False  # whether this pass gave a record an outcome
        resume: int | None = None  # a damaged record's offset: look for the next record after it
        try:
            for record in records:
                at = records.offset
                if at >= end:
                    return
                outcome = _outcome(record, path, at, max_bytes)
                if isinstance(outcome, Turned) and outcome.reason == TRUNCATED:
                    if gzipped and start == 0 and _consumed(handle, records) < size and _inflates(handle, at):
                        # A sound gzip member that ends inside its record: members and records do not
                        # line up, so the file is read as one stream.
                        yield from _whole_gzip(handle, path, max_bytes, skip=yielded)
                        return
                    resume = at  # its Content-Length ran past the records after it, or the file is cut
                elif gzipped and isinstance(outcome, Turned):
                    # warcio passes over a gzip member that breaks off once it has inflated part of it, and
                    # may lose the records after it: a record turned away has its member checked.
                    here = handle.tell()
                    if not _inflates(handle, at):
                        outcome = Turned(outcome.source, CORRUPT, "its gzip member does not inflate", outcome.url)
                        resume = at
                    handle.seek(here)
                reported.add(at)
                yielded += 1
                read_here = True
                yield outcome
                if resume is not None:
                    break
            else:
                tail = records.offset  # where the next record would start
                if tail >= min(end, size) or tail in reported:
                    return
                # warcio ends quietly at a gzip member cut short: those bytes hold no whole record.
                reported.add(tail)
                yield Turned(source_of(path, tail), TRUNCATED, f"the last {size - tail} bytes hold no whole record")
                return
        except Exception as exc:  # a damaged record, reported below
            if _WHOLE_GZIP in str(exc) and start == 0:
                yield from _whole_gzip(handle, path, max_bytes, skip=yielded)
                return
            resume = records.offset
            # Damage right after a record already reported, where no record starts, is that record's tail.
            if resume not in reported and (not read_here or _starts_record(handle, resume, gzipped, arc)):
                reported.add(resume)
                detail = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
                yield Turned(source_of(path, resume), CORRUPT, detail)
        position = next_record(handle, resume + 1, end, arc)


def _starts_record(handle: IO[bytes], offset: int, gzipped: bool, arc: bool) -> bool:
    """Whether the bytes at `offset` begin like a record (a gzip member, `WARC/`, an ARC header line)."""
    handle.seek(offset)
    head = handle.read(8)
    if gzipped:
        return head.startswith(b"\x1f\x8b")
    return head.startswith(b"WARC/") or (arc and head[:1].isalpha())


def _inflates(handle: IO[bytes], offset: int) -> bool:
    """Whether the gzip member at `offset` inflates to its end without error (output dropped)."""
    handle.seek(offset)
    inflater = zlib.decompressobj(31)
    while not inflater.eof:
        data = handle.read(_SCAN_BLOCK)
        if not data:
            return False
        try:
            while data and not inflater.eof:
                inflater.decompress(data, _SCAN_BLOCK)
                data = inflater.unconsumed_tail
        except zlib.error:
            return False
    return True


def _consumed(handle: IO[bytes], records: ArchiveIterator) -> int:
    """How far into the file warcio has read (what it buffered but not used excluded)."""
    return handle.tell() - records.reader.rem_length()


def _whole_gzip(handle: IO[bytes], path: str, max_bytes: int, skip: int) -> Iterator[Outcome]:
    """A file gzipped as a whole: one decompressed stream, offsets counted in it; the first `skip` records
    were reported already."""
    handle.seek(0)
    stream = gzip.GzipFile(fileobj=handle, mode="rb")
    records = _iterator(stream)  # type: ignore[arg-type]
    seen = 0
    try:
        for record in records:
            seen += 1
            if seen > skip:
                yield _outcome(record, path, records.offset, max_bytes)
    except Exception as exc:  # no record offsets to resume at in a single gzip stream
        detail = f"{type(exc).__name__}: {' '.join(str(exc).split())}; the rest of the stream is unreadable"
        yield Turned(source_of(path, records.offset), CORRUPT, detail)
