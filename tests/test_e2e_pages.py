"""End to end through the `newsbeam` CLI and DuckDB: the article gate turns product and error pages into
rejected rows (stage extract, reason not-an-article), keeps news pages and plain texts, and with
`--keep-non-articles` writes them with their `page_kind`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from pipeline.query import connect
from tests.conftest import SEEDS
from tests.html_samples import error_page, news_page, product_page
from tests.support import REFERENCE, newsbeam, summary_counts
from transforms.text import pagekind

pytestmark = pytest.mark.e2e

PRODUCT_URL = "https://shop.example/products/trail-runner-3"


def _inputs(root: Path) -> Path:
    src = root / "in"
    src.mkdir()
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, src / seed.name)
    (src / "news.html").write_text(news_page(), encoding="utf-8")
    (src / "product.html").write_text(product_page(), encoding="utf-8")
    (src / "down.html").write_text(error_page("We'll be right back"), encoding="utf-8")
    # A JSONL record with only `url` and `html` is a plain container: it vouches for nothing.
    record = {"url": PRODUCT_URL, "html": product_page()}
    (src / "crawl.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pages")
    src = _inputs(root)
    out = {}
    for name, extra in (("gate", []), ("keep", ["--keep-non-articles"])):
        target = root / name
        result = newsbeam("run", "--input", str(src), "--output", str(target), "--reference-date", REFERENCE, *extra)
        assert result.returncode == 0, result.stderr
        counts = summary_counts(result.stdout)
        assert counts["read"] == 9
        assert counts["read"] == counts["written"] + counts["rejected"] + counts["duplicates"]
        out[name] = target
    return out


def _name(source: str) -> str:
    """A file's name, or the URL of a JSONL record (its source when the record names none)."""
    return source if source.startswith("https://") else Path(source).name


def test_non_articles_become_rejected_rows_naming_their_kind(runs: dict[str, Path]) -> None:
    con = connect(str(runs["gate"]))
    rejected = {
        _name(source): (stage, reason, detail)
        for source, stage, reason, detail in con.sql("SELECT source, stage, reason, detail FROM rejected").fetchall()
    }
    assert set(rejected) == {"product.html", "down.html", PRODUCT_URL}
    for name in ("product.html", PRODUCT_URL):
        stage, reason, detail = rejected[name]
        assert (stage, reason) == ("extract", "not-an-article")
        assert detail.split(" page", 1)[0] in pagekind.KINDS[1:] and "p(article)=" in detail
    # with its URL the page is named for what it is (without one, a shop's table of sizes may read as a listing)
    assert rejected[PRODUCT_URL][2].startswith("product page")
    stage, reason, detail = rejected["down.html"]
    assert (stage, reason) == ("extract", "not-an-article")
    assert detail.startswith("error page") and "right back" in detail


def test_articles_and_every_seed_are_written(runs: dict[str, Path]) -> None:
    con = connect(str(runs["gate"]))
    rows = con.sql("SELECT source, page_kind FROM articles").fetchall()
    names = {_name(source) for source, _ in rows}
    assert names == {p.name for p in SEEDS.glob("*.txt")} | {"news.html"}
    assert {kind for _, kind in rows} == {"article"}


def test_keep_non_articles_writes_them_with_their_kind(runs: dict[str, Path]) -> None:
    con = connect(str(runs["keep"]))
    kinds = {_name(source): kind for source, kind in con.sql("SELECT source, page_kind FROM articles").fetchall()}
    # the product page and the JSONL record of it hold the same text: one is written, the other a duplicate
    written = [kinds[name] for name in ("product.html", PRODUCT_URL) if name in kinds]
    assert len(written) == 1 and written[0] in ("product", "listing"), written
    assert kinds["down.html"] == "error"
    assert kinds["news.html"] == "article"
    assert all(kinds[p.name] == "article" for p in SEEDS.glob("*.txt"))
    reasons = {r for (r,) in con.sql("SELECT reason FROM rejected").fetchall()}
    assert "not-an-article" not in reasons


def test_files_written_before_the_column_existed_still_read(tmp_path: Path) -> None:
    """A dataset holding version-1 files (no `page_kind`, no `updated_at`), alone and beside new ones: the
    `articles` view reads both, the old rows with neither."""
    import pyarrow as pa

    from schemas.article import FILE_SCHEMA, SCHEMA_VERSION_KEY
    from tests.factories import make_article
    from transforms.storage.parquet import write_parquet

    old_schema = pa.schema(
        [f for f in FILE_SCHEMA if f.name not in ("page_kind", "updated_at")], metadata={SCHEMA_VERSION_KEY: b"1"}
    )
    folder = tmp_path / "date=2025-12-19" / "topic=politics"
    folder.mkdir(parents=True)
    old = make_article("An older article about the harbour budget. " * 20, source="old.txt").to_row()
    new = make_article("A newer article about the harbour dredging. " * 20, source="new.txt").to_row()
    new["page_kind"], new["updated_at"] = "product", dt.datetime(2025, 12, 20, 9, 0, tzinfo=dt.timezone.utc)
    write_parquet(str(folder / "part-old-00000.parquet"), old_schema, [{k: old[k] for k in old_schema.names}])
    # Before any newer file exists (the first query after an upgrade), the new columns read as NULL.
    con = connect(str(tmp_path))
    assert con.sql("SELECT source, page_kind, updated_at FROM articles").fetchall() == [("old.txt", None, None)]
    assert con.sql("SELECT typeof(updated_at) FROM articles").fetchall() == [("TIMESTAMP WITH TIME ZONE",)]
    write_parquet(str(folder / "part-new-00000.parquet"), FILE_SCHEMA, [{k: new[k] for k in FILE_SCHEMA.names}])
    found = connect(str(tmp_path)).sql("SELECT source, page_kind, updated_at FROM articles").fetchall()
    rows = {source: rest for source, *rest in found}
    assert rows == {"old.txt": [None, None], "new.txt": ["product", new["updated_at"]]}


def test_the_publisher_is_the_name_the_site_goes_by(tmp_path: Path) -> None:
    """A page whose first stated name is its publishing company and whose `<title>` ends in a tagline: the
    publisher written is the name of the site, which its WebSite markup states."""
    markup = (
        '<meta name="publisher" content="Gazette Medien GmbH">\n<script type="application/ld+json">'
        + json.dumps(
            {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebSite", "name": "Harbour Gazette", "url": "https://harbourgazette.example/"},
                    {"@type": "NewsArticle", "headline": "Council approves harbour budget",
                     "publisher": {"@type": "Organization", "name": "Gazette Medien GmbH"}},
                ],
            }
        )
        + "</script>"
    )  # fmt: skip
    page = news_page().replace('<meta property="og:site_name" content="Harbour Gazette">', markup)
    page = page.replace("| Harbour Gazette</title>", "- Breaking news, sport and weather</title>")
    record = {"url": "https://www.harbourgazette.example/2025/12/19/harbour-budget", "html": page}
    src = tmp_path / "in"
    src.mkdir()
    (src / "crawl.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = newsbeam("run", "--input", str(src), "--output", str(out), "--reference-date", REFERENCE)
    assert result.returncode == 0, result.stderr
    rows = connect(str(out)).sql("SELECT title, publisher FROM articles").fetchall()
    assert rows == [("Council approves harbour budget", "Harbour Gazette")]
