"""Web archives: every record of real-world WARC/ARC files accounted for, slices cut at record starts, damaged
records turned away with their offset while the rest of the file is read, encodings undone."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import io
import itertools
import uuid
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import brotli
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.beam_util import check
from tests.conftest import SHARED_DATA
from tests.html_samples import news_page
from transforms.read import ReadLocal, format_of, plan_ranges
from transforms.web import warc
from transforms.web.isotime import utc_time

pytestmark = pytest.mark.data

WARCIO_TESTS = SHARED_DATA / "warc" / "warcio-tests"
DATE = "2025-12-21T10:00:00Z"


def shared_archives() -> list[Path]:
    assert WARCIO_TESTS.is_dir(), f"the shared evaluation data is missing: {WARCIO_TESTS}"
    return sorted(p for p in WARCIO_TESTS.iterdir() if p.name != "LICENSE.txt")


def http(status: str = "200 OK", content_type: str | None = "text/html; charset=utf-8", **extra: str) -> Any:
    headers = [("Content-Type", content_type)] if content_type else []
    headers += [(name.replace("_", "-"), value) for name, value in extra.items()]
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def write_archive(path: Path, records: Sequence[tuple[str, str, bytes, Any]], gz: bool = True) -> Path:
    """A WARC of `(type, url, payload, http_headers)` records (warcio's writer, one gzip member each)."""
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gz)
        for number, (kind, url, payload, headers) in enumerate(records):
            # Fixed record ids: the same records make the same bytes, so damage lands where it did before.
            record_id = f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{number}:{url}')}>"
            extra: dict[str, Any] = {"warc_headers_dict": {"WARC-Date": DATE, "WARC-Record-ID": record_id}}
            if kind == "resource":
                extra["warc_content_type"] = headers
                headers = None
            record = writer.create_warc_record(url, kind, payload=io.BytesIO(payload), http_headers=headers, **extra)
            if kind == "revisit":
                record.rec_headers.replace_header("WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/identical")
            writer.write_record(record)
    return path


def outcomes(path: Path, range_bytes: int | None = None, max_bytes: int = 10**7) -> list[warc.Outcome]:
    """Every outcome of `path`, read whole or slice by slice as ReadLocal plans it."""
    size = path.stat().st_size
    found: list[warc.Outcome] = []
    with open(path, "rb") as handle:
        starts = warc.plan_cuts(handle, range_bytes) if range_bytes else [0]
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else size
            found.extend(warc.read_records(handle, str(path), start, end, max_bytes))
    return found


def offset(outcome: warc.Outcome) -> int:
    return int(outcome.source.rsplit("#", 1)[1])


def listed_offsets(path: Path) -> list[int]:
    """The record offsets warcio lists, up to the first record it cannot parse."""
    offsets = []
    with open(path, "rb") as handle:
        records = ArchiveIterator(handle, arc2warc=True)
        try:
            for _record in records:
                offsets.append(records.offset)
        except Exception:
            pass
    return offsets


_READ: dict[str, list[Any]] = {}


def _keep(label: str, elements: list[Any]) -> None:
    _READ[label] = elements


def read_with_beam(patterns: list[str], **options: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """ReadLocal's three outputs (the pipeline runs in this process, so its checkers can hand them back)."""
    _READ.clear()
    with TestPipeline() as p:
        outputs = p | ReadLocal(patterns, run_id="r1", **options)
        for label, pcoll in zip(("docs", "rejected", "duplicates"), outputs, strict=True):
            check(pcoll, functools.partial(_keep, label), label)
    return _READ["docs"], _READ["rejected"], _READ["duplicates"]


def pages(n: int) -> list[tuple[str, str, bytes, Any]]:
    return [
        ("response", f"https://news.example/story-{i}", news_page(f"Story number {i}").encode(), http())
        for i in range(n)
    ]


# --- the shared real-world files -------------------------------------------------------------------------


@pytest.mark.parametrize("path", shared_archives(), ids=lambda p: p.name)
def test_every_shared_file_reads_and_every_record_is_accounted_for(path: Path) -> None:
    """No crash; each record warcio lists has exactly one outcome at its offset; offsets never repeat."""
    found = outcomes(path)
    offsets = [offset(o) for o in found]
    assert len(offsets) == len(set(offsets))
    if path.suffix == ".bad":  # not an archive name: ReadLocal rejects it as a file (test below)
        assert format_of(str(path)) is None
        return
    assert found, "an archive with records gave no outcome"
    listed = listed_offsets(path)
    assert set(listed) <= set(offsets)
    # Sliced as ReadLocal slices it (a cut at every record), the outcomes are the same.
    assert [o.source for o in outcomes(path, range_bytes=1)] == [o.source for o in found]


def test_shared_files_outcomes() -> None:
    """What the known files hold: pages, revisits, 404s, JSON, images, ARC, resources, broken chunking."""
    by_file = {p.name: outcomes(p) for p in shared_archives()}

    def kinds(name: str) -> list[str]:
        return [type(o).__name__ if not isinstance(o, warc.Turned) else o.reason for o in by_file[name]]

    assert kinds("example.warc.gz") == ["Skipped", "Skipped", "Page", "Skipped", "Revisit", "Skipped"]
    assert kinds("example.warc") == kinds("example.warc.gz")
    assert kinds("example.arc") == ["Skipped", "Page"] == kinds("example.arc.gz")
    assert kinds("post-test.warc.gz") == ["unsupported-content-type", "Skipped"] * 3
    assert kinds("bad.arc") == ["Skipped", "invalid-http", "invalid-http", "invalid-http"]
    assert kinds("example-space-in-target-uri.warc.gz") == ["Skipped", "unsupported-content-type"]
    assert kinds("example-resource.warc.gz") == ["Skipped", "Skipped", "Page"]
    # wget's own log and arguments are resource records, but not pages.
    assert kinds("example-wget-bad-target-uri.warc.gz").count("unsupported-content-type") == 2
    # gzip members that do not line up with the records (and a whole-file gzip): the page is read whole.
    for name in ("example-wrong-chunks.warc.gz", "example-bad-non-chunked.warc.gz"):
        page = next(o for o in by_file[name] if isinstance(o, warc.Page))
        assert page.payload.rstrip().endswith(b"</html>"), name
    page = next(o for o in by_file["example.warc.gz"] if isinstance(o, warc.Page))
    assert page.url == "http://example.com/"
    assert page.source.endswith("example.warc.gz#784")
    assert page.crawled == "2017-03-06T04:02:06Z"
    assert b"Example Domain" in page.payload  # the gzip content encoding undone
    chunked = next(o for o in by_file["example-iana.org-chunked.warc"] if isinstance(o, warc.Page))
    assert chunked.payload.rstrip().endswith(b"</html>") and chunked.charset == "utf-8"


def test_shared_files_through_readlocal(tmp_path: Path) -> None:
    """Read by the pipeline's reader: each input record is one document, rejected row or duplicate."""
    paths = shared_archives()
    expected_inputs = sum(
        1 for p in paths if format_of(str(p)) for o in outcomes(p) if not isinstance(o, warc.Skipped)
    ) + sum(1 for p in paths if not format_of(str(p)))  # an unknown extension: the file is one rejected row
    docs, rejected, duplicates = read_with_beam([str(p) for p in paths])
    assert len(docs) + len(rejected) + len(duplicates) == expected_inputs
    assert {d.reason for d in duplicates} == {warc.REVISIT}
    assert all(d.source_format == "warc" and d.url and d.meta[warc.CRAWLED] for d in docs)
    reasons = {r.reason for r in rejected}
    assert {"unsupported-content-type", "invalid-http", "unsupported-format"} <= reasons
    assert all("#" in r.source for r in rejected if r.reason != "unsupported-format")


# --- archives written here --------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_slices_cut_at_record_starts_read_every_record_once(tmp_path: Path, gz: bool) -> None:
    path = write_archive(tmp_path / ("big.warc.gz" if gz else "big.warc"), pages(40), gz=gz)
    whole = outcomes(path)
    assert [type(o) for o in whole] == [warc.Page] * 40
    size = path.stat().st_size
    ranges = list(plan_ranges(str(path), size, range_bytes=size // 7))
    assert len(ranges) >= 6
    assert ranges[0].start == 0 and ranges[-1].end == size
    assert all(a.end == b.start for a, b in itertools.pairwise(ranges))
    assert set(listed_offsets(path)) >= {r.start for r in ranges}  # every cut is a record start
    assert [o.source for o in outcomes(path, range_bytes=size // 7)] == [o.source for o in whole]
    docs, rejected, duplicates = read_with_beam([str(path)], range_bytes=size // 7)
    assert (len(docs), rejected, duplicates) == (40, [], [])
    assert sorted(d.url for d in docs) == sorted(f"https://news.example/story-{i}" for i in range(40))


def test_record_types_and_statuses(tmp_path: Path) -> None:
    page = news_page().encode()
    path = write_archive(
        tmp_path / "mixed.warc.gz",
        [
            ("warcinfo", "", b"software: test\r\n", None),
            ("request", "https://a.example/1", b"", StatusAndHeaders("GET /1 HTTP/1.1", [("Host", "a.example")])),
            ("response", "https://a.example/1", page, http()),
            ("response", "https://a.example/gone", b"<html>gone</html>", http("404 Not Found")),
            ("response", "https://a.example/moved", b"", http("301 Moved Permanently", Location="/1")),
            ("response", "https://a.example/logo.png", b"\x89PNG....", http(content_type="image/png")),
            ("revisit", "https://a.example/1", b"", http()),
            ("resource", "https://a.example/r.html", page, "text/html"),
            ("metadata", "https://a.example/1", b"outlink: https://b.example/\r\n", None),
        ],
    )
    kinds = [type(o).__name__ if not isinstance(o, warc.Turned) else o.reason for o in outcomes(path)]
    assert kinds == [
        "Skipped",
        "Skipped",
        "Page",
        "http-404",
        "http-301",
        "unsupported-content-type",
        "Revisit",
        "Page",
        "Skipped",
    ]
    docs, rejected, duplicates = read_with_beam([str(path)])
    assert sorted(d.url for d in docs) == ["https://a.example/1", "https://a.example/r.html"]
    assert sorted(r.reason for r in rejected) == ["http-301", "http-404", "unsupported-content-type"]
    assert all(r.url and r.source.startswith(f"{path}#") for r in rejected)
    assert [(d.reason, d.source) for d in duplicates] == [(warc.REVISIT, outcomes(path)[6].source)]


def test_a_damaged_record_is_turned_away_and_the_rest_is_read(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "damaged.warc.gz", pages(5))
    starts = listed_offsets(path)
    data = bytearray(path.read_bytes())
    middle = (starts[2] + starts[3]) // 2
    data[middle : middle + 40] = b"\x00" * 40  # the third record's gzip member is garbage from here on
    path.write_bytes(bytes(data))
    found = outcomes(path)
    assert [offset(o) for o in found if isinstance(o, warc.Page)] == [starts[0], starts[1], starts[3], starts[4]]
    turned = [o for o in found if isinstance(o, warc.Turned)]
    assert [offset(o) for o in turned] == [starts[2]]
    assert turned[0].reason in ("corrupt-record", "unreadable-payload")


def test_a_plain_warc_with_a_wrong_length_resumes_at_the_next_record(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "bad-length.warc", pages(4), gz=False)
    starts = listed_offsets(path)
    data = path.read_bytes()
    head_end = data.index(b"\r\n\r\n", starts[1])
    record = data[starts[1] : head_end].replace(b"Content-Length: ", b"Content-Length: 9")
    path.write_bytes(data[: starts[1]] + record + data[head_end:])  # the second record claims far too much
    shift = len(record) - (head_end - starts[1])
    found = outcomes(path)
    pages_at = [offset(o) for o in found if isinstance(o, warc.Page)]
    assert pages_at[0] == starts[0] and pages_at[-2:] == [starts[2] + shift, starts[3] + shift]
    assert any(isinstance(o, warc.Turned) and offset(o) == starts[1] for o in found)


def test_a_cut_off_file_keeps_its_whole_records(tmp_path: Path) -> None:
    for gz in (True, False):
        path = write_archive(tmp_path / ("cut.warc.gz" if gz else "cut.warc"), pages(3), gz=gz)
        starts = listed_offsets(path)
        path.write_bytes(path.read_bytes()[: starts[2] + 600])
        found = outcomes(path)
        assert [offset(o) for o in found if isinstance(o, warc.Page)] == starts[:2], gz
        assert [offset(o) for o in found if isinstance(o, warc.Turned)] == [starts[2]], gz


def test_a_file_gzipped_whole_reads_like_one_gzipped_per_record(tmp_path: Path) -> None:
    plain = write_archive(tmp_path / "p.warc", pages(3), gz=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    found = outcomes(whole)
    assert [o.payload for o in found if isinstance(o, warc.Page)] == [
        o.payload for o in outcomes(plain) if isinstance(o, warc.Page)
    ]
    assert [offset(o) for o in found] == listed_offsets(plain)  # offsets in the decompressed stream


def chunked(body: bytes, size: int = 100) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def test_encodings_and_charsets_are_undone(tmp_path: Path) -> None:
    text = "Ружа цвіте. Zażółć gęślą jaźń."
    page = news_page(text)
    deflate = zlib.compressobj(wbits=-15)
    path = write_archive(
        tmp_path / "enc.warc.gz",
        [
            ("response", "https://a.example/gz", gzip.compress(page.encode()), http(Content_Encoding="gzip")),
            ("response", "https://a.example/br", brotli.compress(page.encode()), http(Content_Encoding="br")),
            (
                "response",
                "https://a.example/chunked-deflate",
                chunked(deflate.compress(page.encode()) + deflate.flush()),
                http(Content_Encoding="deflate", Transfer_Encoding="chunked"),
            ),
            (
                "response",
                "https://a.example/cp1251",
                page.replace("utf-8", "windows-1251").encode("cp1251", "replace"),
                http(content_type="text/html; charset=windows-1251"),
            ),
            (
                "response",
                "https://a.example/meta-only",
                page.replace("utf-8", "iso-8859-2").encode("iso8859-2", "replace"),
                http(content_type="text/html"),
            ),
        ],
    )
    docs, rejected, _ = read_with_beam([str(path)])
    assert rejected == []
    by_url = {d.url: d for d in docs}
    for url in ("gz", "br", "chunked-deflate"):
        assert text in by_url[f"https://a.example/{url}"].content, url
    assert "Ружа цвіте" in by_url["https://a.example/cp1251"].content
    assert by_url["https://a.example/cp1251"].encoding == "cp1251"
    assert "Zażółć gęślą jaźń" in by_url["https://a.example/meta-only"].content


def test_a_non_html_payload_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records that are no HTML page are turned away on their headers: their payload is never opened."""
    path = write_archive(
        tmp_path / "mixed.warc.gz",
        [
            ("response", "https://a.example/x.jpg", b"\xff\xd8\xff" * 1000, http("200 OK", "image/jpeg")),
            ("response", "https://a.example/gone", b"<html>gone</html>", http("404 Not Found")),
            ("response", "https://a.example/page", news_page().encode(), http()),
        ],
    )

    def refuse(record: ArcWarcRecord) -> None:
        raise RuntimeError("payload opened")

    monkeypatch.setattr(ArcWarcRecord, "content_stream", refuse)
    found = outcomes(path)
    reasons = [o.reason if isinstance(o, warc.Turned) else type(o).__name__ for o in found]
    # The page's payload is the only one opened (and refused here).
    assert reasons == ["unsupported-content-type", "http-404", "unreadable-payload"]


def test_a_payload_over_max_bytes_is_rejected(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "big.warc.gz", pages(2))
    found = outcomes(path, max_bytes=500)
    assert [o.reason for o in found if isinstance(o, warc.Turned)] == ["too-large", "too-large"]


def test_an_empty_or_foreign_file_is_one_rejected_row(tmp_path: Path) -> None:
    (tmp_path / "empty.warc").write_bytes(b"")
    (tmp_path / "page.warc.gz").write_bytes(gzip.compress(news_page().encode()))
    _, rejected, _ = read_with_beam([str(tmp_path / "*")])
    assert sorted((Path(r.source).name, r.reason) for r in rejected) == [
        ("empty.warc", "empty"),
        ("page.warc.gz#0", "corrupt-record"),
    ]


def test_crawl_day_bounds_dates() -> None:
    assert warc.crawl_day({warc.CRAWLED: "2025-12-21T23:30:00Z"}) == dt.date(2025, 12, 21)
    assert warc.crawl_day({warc.CRAWLED: "2025-12-21T23:30:00-02:00"}) == dt.date(2025, 12, 22)
    assert warc.crawl_day({warc.CRAWLED: "yesterday"}) is None
    assert warc.crawl_day({}) is None


def test_utc_time_reads_the_timestamps_records_keep() -> None:
    """WARC-Date and a manifest's `ingested_at`: `Z`, an offset, or none (UTC); anything else is unknown."""
    at = dt.datetime(2025, 12, 21, 23, 30, tzinfo=dt.timezone.utc)
    assert utc_time("2025-12-21T23:30:00Z") == utc_time("2025-12-21T23:30:00") == at
    assert utc_time("2025-12-21T21:30:00-02:00") == at
    assert utc_time("2025-12-21T23:30:00+00:00") == at and utc_time("2025-12-21") == at.replace(hour=0, minute=0)
    assert utc_time("yesterday") is utc_time(None) is utc_time(1766359800) is None
