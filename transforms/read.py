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
import ftfy
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes, FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from charset_normalizer.md import mess_ratio

from transforms import warc
from transforms._deadletter import REJECTED, DeadLetterFn, reject
from transforms._outputs import ParDoWithOutputs
from transforms.dedupe import Duplicate
from transforms.document import RawDocument

logger = logging.getLogger(__name__)

STAGE = "read"

FORMATS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
FORMATS.update(dict.fromkeys(warc.SUFFIXES, warc.FORMAT))  # web archives: `.warc(.gz)`, `.arc(.gz)`
DUPLICATES = "duplicates"  # ReadLocal's output of inputs that are duplicates as read (WARC revisit records)
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
# What browsers decode a declared label as (the WHATWG Encoding Standard's label table): pages labelled
# iso-8859-1 or ascii are written in windows-1252 (its curly quotes and dashes sit where iso-8859-1 has C1
# controls), and the older CJK labels name subsets of the encodings pages really use.
_WEB_CODECS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
    # A `<meta>` cannot declare UTF-16 (the bytes would not be readable as ASCII): browsers take UTF-8.
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
}
# C1 controls (U+0080-U+009F) never belong in text: they are bytes 0x80-0x9F read with a code page that has
# no characters there (iso-8859-x), where the page's own code page has quotes, dashes or letters.
_C1 = re.compile("[\x80-\x9f]")
_ASCII_BYTES = bytes(range(128))
# UTF-8 read as a single-byte code page, the usual mojibake ("Ã©" for "é", "â€™" for "’", "Ĺ›" for "ś"): the
# first byte of a sequence as those code pages show it, then its continuation bytes (0x80-0xBF). First bytes
# of two-byte sequences are those of Latin, Greek, Cyrillic, Hebrew and Arabic letters ("Ã", "Ð", ...),
# of three-byte ones "à"-"ï" (punctuation, CJK). Only a page holding such a sequence (or a C1 control) is
# given to ftfy, whose test of the whole page is too slow for every page.
_MOJIBAKE_CODECS = ("cp1252", "cp1250", "iso8859-2", "latin-1")
_CONTINUATIONS = "".join(
    sorted({c for codec in _MOJIBAKE_CODECS for c in bytes(range(0x80, 0xC0)).decode(codec, "ignore")})
)
_LEADS_2, _LEADS_3 = "ÂÃÄÅĂĹÎÏÐÑ×ØÙ", "à-ï"
_CONT = f"[{re.escape(_CONTINUATIONS)}]"
_CONT_NO_NBSP = f"[{re.escape(_CONTINUATIONS.replace(chr(0xA0), ''))}]"  # "é\xa0»" is French typography
# One character set first (fast to scan for), the rest checked behind it.
_SUSPECT = re.compile(
    f"[\\x80-\\x9f{_LEADS_2}{_LEADS_3}]"
    f"(?:(?<=[\\x80-\\x9f])|(?<=[{_LEADS_2}]){_CONT}|(?<=[{_LEADS_3}]){_CONT_NO_NBSP}{_CONT})"
)
_BOUNDS = ("<", ">", "\n")
_REACH = 400
# ftfy's repairs of encodings only: mojibake, mixed UTF-8, C1 controls read as windows-1252 (as browsers
# read `&#150;`). Nothing else of the page is touched (no unescaping, quotes, widths or normalisation).
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


def web_codec(name: str | None) -> str | None:
    """Python's codec for a declared charset label, read as browsers read it (iso-8859-1 is windows-1252);
    None when Python does not know the label."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return _WEB_CODECS.get(codec, codec)


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first bytes (`<meta charset>` or http-equiv), if Python
    knows it."""
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    return web_codec(match.group(1).decode("ascii", "ignore"))


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


def _mostly_utf8(data: bytes, declared: str | None) -> str | None:
    """`data` as UTF-8 with its few invalid bytes replaced (U+FFFD), when the rest says UTF-8: most of its
    non-ASCII sequences are valid UTF-8 (half of them when the page declares UTF-8, four in five otherwise).
    Text in a single-byte code page almost never forms a valid UTF-8 sequence, so a page with many valid
    ones and a stray byte (a truncated character, a pasted byte) is UTF-8; None otherwise."""
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(text) - (len(data) - len(data.translate(None, _ASCII_BYTES)))  # chars from bytes >= 0x80
    valid = non_ascii - invalid
    needed = 1 if declared == "utf-8" else 4
    return text if valid >= needed * invalid else None


def repair(text: str) -> str:
    """`text` with mojibake undone by ftfy: pages captured or served after a wrong decoding ("fÃ¼r",
    "â\\x80\\x9c") and C1 controls (read as windows-1252). Text without a suspect sequence is returned as it is."""
    if text.isascii() or _SUSPECT.search(text) is None:
        return text
    # Only the stretches around a suspect sequence go to ftfy (between markup and line ends: a text node or
    # an attribute; within a few hundred characters, cut at a space), which otherwise takes seconds over a
    # long page of minified HTML.
    pieces = []
    done = 0
    for match in _SUSPECT.finditer(text):
        if match.start() < done:
            continue
        low = max(done, match.start() - _REACH)
        start = max(low, *(text.rfind(bound, low, match.start()) + 1 for bound in _BOUNDS))
        if start == low and low > done:
            start = text.find(" ", low, match.start()) + 1 or low
        high = min(len(text), match.end() + _REACH)
        end = min([i for i in (text.find(bound, match.end(), high) for bound in _BOUNDS) if i >= 0], default=high)
        if end == high < len(text):
            space = text.rfind(" ", match.end(), high)
            end = space if space >= 0 else high
        pieces += [text[done:start], ftfy.fix_text(text[start:end], _FTFY)]
        done = end
    pieces.append(text[done:])
    # The C1 controls windows-1252 has no character for (0x81, 0x8D, 0x8F, 0x90, 0x9D) are left: no text.
    return _C1.sub("", "".join(pieces))


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes to text; returns (text, encoding).

    In order: a BOM; valid UTF-8; UTF-8 but for a few stray bytes (replaced with U+FFFD, see `_mostly_utf8`);
    the declared charset (`declared`, read as browsers read labels: `web_codec`) when it decodes without C1
    controls; else detection. Detection compares candidates (the declared charset, windows-1252,
    charset-normalizer's matches, the common Central/Eastern European code pages) on a sample: fewest C1
    controls, then fewest symbols glued to letters, then charset-normalizer's mess ratio. On short texts
    charset-normalizer alone mistakes German for Baltic (cp775) and Polish for Western (cp1252).
    Then mojibake already in the text is repaired (`repair`), so no C1 control comes out.
    Raises UnicodeDecodeError when no encoding fits.
    """
    text, encoding = _decode(data, declared)
    return repair(text), encoding


def _decode(data: bytes, declared: str | None) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = web_codec(declared)
    text = _mostly_utf8(data, declared)
    if text is not None:
        return text, "utf-8"
    if declared and declared != "utf-8":
        try:
            text = data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is not None and _C1.search(text) is None:
            return text, declared
    sample = data[:_SAMPLE_BYTES]
    candidates = [c for c in (declared, "cp1252") if c] + [m.encoding for m in charset_normalizer.from_bytes(sample)]
    candidates += _FALLBACK_CODECS
    best: tuple[tuple[int, int, float, int], str] | None = None
    for rank, codec in enumerate(dict.fromkeys(candidates)):
        try:
            text = sample.decode(codec)
            data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        score = (len(_C1.findall(text)), _glued_symbols(text), mess_ratio(text, 1.0), rank)
        if best is None or score < best[0]:
            best = (score, codec)
    if best is None:
        raise UnicodeDecodeError("unknown", data[:1], 0, 1, "no encoding fits these bytes")
    return data.decode(best[1]), best[1]


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
        # A record that states the page's title or date vouches for it; `url` and `html` alone do not.
        vouched=title is not None or published is not None,
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
    with the line number they start at (one pass over the bytes, counting newlines), for web archives
    slices starting at record starts (`warc.plan_cuts`)."""
    fmt = format_of(path)
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
        if not data.strip():
            return reject(source, STAGE, "empty", f"{len(data)} bytes, no content", self.run_id)
        binary = sniff_binary(data)
        if binary:
            return reject(source, STAGE, "binary-content", f"looks like {binary}, not text", self.run_id)
        try:
            return decode(data, declared or (declared_charset(data) if html else None))
        except UnicodeDecodeError as exc:
            return reject(source, STAGE, "undecodable", str(exc), self.run_id)

    def _archive(self, part: ReadRange) -> Iterator[Any]:
        """The records of a web archive starting in this slice, one at a time (`transforms.warc`)."""
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

    Output tuple: `(documents, rejected)`; with `duplicates=True`, `(documents, rejected, duplicates)`: the
    `Duplicate`s of inputs that are duplicates as read (a web archive's revisit records), each an input of
    the run. Without it those are dropped, so a run that balances its inputs asks for them.
    """

    def __init__(
        self,
        patterns: Sequence[str],
        run_id: str,
        max_bytes: int = DEFAULT_MAX_BYTES,
        range_bytes: int = RANGE_BYTES,
        duplicates: bool = False,
    ) -> None:
        super().__init__()
        self.patterns = expand_inputs(patterns)
        self.run_id = run_id
        self.max_bytes = max_bytes
        self.range_bytes = range_bytes
        self.duplicates = duplicates

    def expand(self, pbegin: beam.pvalue.PBegin) -> tuple[beam.PCollection, ...]:
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
        if self.duplicates:
            return results["documents"], results[REJECTED], results[DUPLICATES]
        return results["documents"], results[REJECTED]
