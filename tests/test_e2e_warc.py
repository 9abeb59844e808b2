"""`newsbeam run` on web archives: the same articles as from the pages themselves, every record accounted
for in the summary, and an archive already made into articles not read again."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import duckdb
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import SHARED_DATA
from tests.html_samples import news_page
from tests.support import REFERENCE, newsbeam, summary_counts

pytestmark = [pytest.mark.e2e, pytest.mark.data]

SCRAPINGHUB = SHARED_DATA / "extraction" / "scrapinghub-dev"
CRAWLED = "2025-12-21T10:00:00Z"
PAGES = 6


def http(status: str = "200 OK", content_type: str = "text/html; charset=utf-8") -> StatusAndHeaders:
    return StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")


def write_warc(path: Path, records: list[tuple[str, str, bytes, StatusAndHeaders | None]]) -> Path:
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=path.suffix == ".gz")
        for kind, url, payload, headers in records:
            record = writer.create_warc_record(
                url, kind, payload=io.BytesIO(payload), http_headers=headers, warc_headers_dict={"WARC-Date": CRAWLED}
            )
            writer.write_record(record)
    return path


def articles(out: Path) -> list[dict[str, str]]:
    rows = duckdb.execute(f"SELECT source, url, text FROM '{out}/date=*/topic=*/*.parquet' ORDER BY source").fetchall()
    return [{"source": s, "url": u, "text": t} for s, u, t in rows]


def test_a_warc_gives_the_articles_of_its_pages(tmp_path: Path) -> None:
    """Real news pages written into a WARC (one gzip member a record) and the same pages as HTML files: the
    same articles, each with the record's target URI as its URL and `<file>#<offset>` as its source."""
    assert SCRAPINGHUB.is_dir(), f"the shared evaluation data is missing: {SCRAPINGHUB}"
    truth = json.loads((SCRAPINGHUB / "ground-truth.json").read_text("utf-8"))
    ids = sorted(truth)[:PAGES]
    html_dir = tmp_path / "html"
    html_dir.mkdir()
    records = []
    for page_id in ids:
        body = gzip.decompress((SCRAPINGHUB / "html" / f"{page_id}.html.gz").read_bytes())
        (html_dir / f"{page_id}.html").write_bytes(body)
        records.append(("response", truth[page_id]["url"], body, http(content_type="text/html")))
    archive = write_warc(tmp_path / "pages.warc.gz", records)

    runs = {}
    for name, source in (("html", html_dir), ("warc", archive)):
        out = tmp_path / f"out-{name}"
        result = newsbeam("run", "--input", str(source), "--output", str(out), "--reference-date", REFERENCE)
        assert result.returncode == 0, result.stderr
        assert "balanced" in result.stdout, result.stdout
        runs[name] = (summary_counts(result.stdout), articles(out))
    assert runs["warc"][0] == runs["html"][0]
    assert runs["html"][0]["written"] > 0

    from_html = {Path(a["source"]).stem: a["text"] for a in runs["html"][1]}
    offsets = sorted(int(a["source"].rsplit("#", 1)[1]) for a in runs["warc"][1])
    assert all(a["source"].startswith(f"{archive}#") for a in runs["warc"][1])
    # Records are written in `ids` order, so the n-th article by offset is the n-th page that became one.
    written_ids = [page_id for page_id in ids if page_id in from_html]
    by_offset = {int(a["source"].rsplit("#", 1)[1]): a for a in runs["warc"][1]}
    from_warc = {page_id: by_offset[o] for page_id, o in zip(written_ids, offsets, strict=True)}
    assert {page_id: a["text"] for page_id, a in from_warc.items()} == from_html
    assert {page_id: a["url"] for page_id, a in from_warc.items()} == {i: truth[i]["url"] for i in written_ids}


def test_every_record_is_accounted_for_and_settled_archives_are_not_read_again(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    story = news_page("Harbour budget approved", "2025-12-25").encode()  # dated after its fetch
    write_warc(
        src / "crawl.warc.gz",
        [
            ("warcinfo", "", b"software: test\r\n", None),
            ("response", "https://news.example/budget", story, http()),
            ("revisit", "https://news.example/budget", b"", http()),
            ("response", "https://news.example/gone", b"<html>gone</html>", http("404 Not Found")),
            ("response", "https://news.example/logo.png", b"\x89PNG\r\n", http(content_type="image/png")),
        ],
    )
    write_warc(
        src / "settled.warc",
        [
            ("response", "https://news.example/ferry", news_page("Ferry timetable", "2025-12-20").encode(), http()),
            ("revisit", "https://news.example/ferry", b"", http()),
        ],
    )
    args = ("run", "--input", str(src), "--output", str(out), "--reference-date", REFERENCE)
    first = newsbeam(*args)
    assert first.returncode == 0, first.stderr
    assert summary_counts(first.stdout) == {"read": 6, "written": 2, "duplicates": 2, "rejected": 2}
    for line in ("warc-revisit: 2", "read/http-404: 1", "read/unsupported-content-type: 1"):
        assert re.search(rf"^\s+{line}$", first.stdout, re.MULTILINE), first.stdout
    rows = articles(out)
    assert sorted(a["url"] for a in rows) == ["https://news.example/budget", "https://news.example/ferry"]
    # The crawl bounds the dates: a date after the fetch (the budget page's) is not taken, one before is.
    days = dict(duckdb.execute(f"SELECT url, CAST(date AS VARCHAR) FROM '{out}/date=*/topic=*/*.parquet'").fetchall())
    assert days["https://news.example/ferry"] == "2025-12-20"
    assert days["https://news.example/budget"] != "2025-12-25"
    rejected = duckdb.execute(f"SELECT source, reason, url FROM '{out}/_rejected/*.parquet' ORDER BY 1").fetchall()
    assert [(Path(s).name.split("#")[0], r, u) for s, r, u in rejected] == [
        ("crawl.warc.gz", "http-404", "https://news.example/gone"),
        ("crawl.warc.gz", "unsupported-content-type", "https://news.example/logo.png"),
    ]

    second = newsbeam(*args)
    assert second.returncode == 0, second.stderr
    # Every record settled (an article, a duplicate, or turned away for what its bytes say): neither file is
    # read again, and each record still counts, as a duplicate.
    assert "2 of 2 files unchanged since an earlier run" in second.stderr
    assert summary_counts(second.stdout) == {"read": 6, "written": 0, "duplicates": 6, "rejected": 0}
