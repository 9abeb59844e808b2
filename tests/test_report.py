"""`newsbeam report` and `newsbeam runs`: every figure of the page against DuckDB over the same dataset, the
page self-contained and opened in headless Chromium, the runs table from the manifests without Beam.

The dataset is written directly in the layout the pipeline writes (articles partitioned by date and topic,
`_rejected/`, `_runs/` manifests, the `web_sources` state table), with every kind of row the page shows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import report, runs
from schemas.article import FILE_SCHEMA, Article, TopicScore
from schemas.rejected import REJECTED_DIR, REJECTED_SCHEMA
from tests.report_page import PageTables, parse

ROOT = Path(__file__).resolve().parents[1]
START = dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.timezone.utc)
TOPICS = ("politics", "sport", "science-technology", "economy-business-finance", "health")
LANGUAGES = ("en", "en", "en", "de", "fr", None)
PUBLISHERS = ("The Daily Planet", "Gazette", "Herald", None)
DATE_SOURCES = ("feed", "sitemap", "html", "url", "text", "ingested")
FEEDS = ("https://news.example/rss", "https://herald.example/sitemap.xml", "https://broken.example/feed")
REJECTS = (("fetch", "http-404"), ("extract", "no-text"), ("extract", "not-an-article"), ("read", "binary-content"))


def write_dataset(root: Path, n_articles: int, n_runs: int = 6, seed: int = 7) -> Path:
    """A dataset of `n_runs` runs, one a day, sharing `n_articles` articles; returns the dataset folder."""
    rng = random.Random(seed)
    out = root / "articles"
    partitions: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    rejected: dict[tuple[str, str], list[dict[str, Any]]] = {}
    web_rows: dict[str, list[dict[str, Any]]] = {}
    manifests = []
    for r in range(n_runs):
        started = START + dt.timedelta(days=r, minutes=rng.randrange(30))
        run_id = f"{started:%Y%m%dT%H%M%SZ}-{r:06x}"
        ingested = started.replace(microsecond=0)
        articles = n_articles // n_runs + (1 if r < n_articles % n_runs else 0)
        counts: dict[str, int] = {"written": articles}
        for i in range(articles):
            topic = rng.choice(TOPICS)
            day = (ingested - dt.timedelta(days=rng.choice((0, 0, 0, 1, 2, 40)))).date()
            publisher = rng.choice(PUBLISHERS)
            url = None if rng.random() < 0.1 else f"https://{rng.choice(('a', 'b', 'c'))}.example/{r}/{i}"
            published = dt.datetime.combine(day, dt.time(8), tzinfo=dt.timezone.utc)
            story = f"story-{rng.randrange(max(3, articles // 4))}" if rng.random() < 0.7 else None
            article = Article(
                article_id=f"{run_id}-{i}",
                revision=1,
                content_hash=f"h{r}-{i}",
                source=url or f"seeds/{r}-{i}.txt",
                source_format="html" if url else "txt",
                url=url,
                canonical_url=url,
                title=f"Headline {r}-{i}" if rng.random() < 0.9 else None,
                text="text " * 20,
                word_count=20,
                authors=[],
                publisher=publisher,
                language=rng.choice(LANGUAGES),
                published_at=published,
                date=day,
                date_source=rng.choice(DATE_SOURCES),
                date_confidence=0.5,
                topic=topic,
                topics=[TopicScore(topic, 0.9)],
                keywords=[],
                entities=[],
                duplicate_of=f"{run_id}-0" if i and rng.random() < 0.05 else None,
                story_id=story,
                ingested_at=ingested,
                run_id=run_id,
                updated_at=rng.choice((None, None, published, published + dt.timedelta(days=rng.randrange(1, 4)))),
            )
            partitions.setdefault((day.isoformat(), topic, run_id), []).append(article.to_row())
        for n in range(rng.randrange(2, 8)):
            stage, reason = rng.choice(REJECTS)
            at = started + dt.timedelta(seconds=n)
            row = {
                "source": f"https://c.example/x{n}",
                "stage": stage,
                "reason": reason,
                "detail": "made up",
                "url": f"https://c.example/x{n}",
                "rejected_at": at,
                "run_id": run_id,
            }
            rejected.setdefault((run_id, stage), []).append(row)
            key = f"rejected|{stage}|{reason}"
            counts[key] = counts.get(key, 0) + 1
        # Feed 0 answers in full on the first run and 304 after; feed 1 always in full; feed 2 fails every time.
        for f, feed in enumerate(FEEDS):
            if f == 2:
                row = {"source": feed, "stage": "fetch", "reason": "http-500", "detail": "feed HTTP 500"}
                rejected.setdefault((run_id, "fetch"), []).append(
                    {**row, "url": feed, "rejected_at": started, "run_id": run_id}
                )
                counts["rejected|fetch|http-500"] = counts.get("rejected|fetch|http-500", 0) + 1
            elif f == 1 or r == 0:
                entries = [{"url": f"{feed}/e{k}"} for k in range(3 + r + f)]
                web_rows.setdefault(run_id, []).append(
                    {
                        "url": feed,
                        "kind": "sitemap" if "sitemap" in feed else "feed",
                        "etag": None,
                        "last_modified": None,
                        "fetched_at": started,
                        "run_id": run_id,
                        "entries": json.dumps({"kind": "feed", "entries": entries, "children": []}),
                    }
                )
        counts["duplicates"] = rng.randrange(5)
        counts["inputs"] = (
            counts["written"] + counts["duplicates"] + sum(n for k, n in counts.items() if k.startswith("rejected|"))
        )
        params = {"ingested_at": ingested.isoformat(), "web": {"sources": list(FEEDS)}}
        manifests.append(({"run_id": run_id, "params": params, "counts": counts, "files": []}, started))
    for (day, topic, run_id), rows in partitions.items():
        folder = out / f"date={day}" / f"topic={topic}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=FILE_SCHEMA), folder / f"part-{run_id}-00000.parquet")
    (out / REJECTED_DIR).mkdir(parents=True, exist_ok=True)
    for (run_id, stage), rows in rejected.items():
        table = pa.Table.from_pylist(rows, schema=REJECTED_SCHEMA)
        pq.write_table(table, out / REJECTED_DIR / f"part-{run_id}-{stage}.parquet")
    web_dir = out.joinpath(*report.WEB_SOURCES_DIR)
    web_dir.mkdir(parents=True, exist_ok=True)
    for run_id, rows in web_rows.items():
        pq.write_table(pa.Table.from_pylist(rows), web_dir / f"part-{run_id}-00000.parquet")
    (out / runs.RUNS_DIR).mkdir(parents=True, exist_ok=True)
    for n, (body, started) in enumerate(manifests):
        path = out / runs.RUNS_DIR / f"{body['run_id']}.json"
        path.write_text(json.dumps(body))
        finished = (started + dt.timedelta(seconds=30 + 7 * n)).timestamp()
        os.utime(path, (finished, finished))
    return out


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("report"), 400)


N_RUNS = 6
END = (START + dt.timedelta(days=N_RUNS - 1)).date()
PERIOD = (END - dt.timedelta(days=29), END)


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[list[Any]]:
    return [[str(v) if isinstance(v, dt.date) else v for v in r] for r in con.execute(sql, list(params)).fetchall()]


@pytest.fixture(scope="module")
def page(dataset: Path) -> str:
    return report.build_report(str(dataset))


@pytest.fixture(scope="module")
def tables(page: str) -> PageTables:
    return parse(page)


@pytest.fixture(scope="module")
def con(dataset: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Plain DuckDB over the files (not the views `newsbeam report` builds): the reference the page must match."""
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW a AS SELECT * FROM read_parquet('{dataset}/date=*/topic=*/*.parquet', hive_partitioning = true, "
        f"hive_types = {{'date': DATE, 'topic': VARCHAR}}) WHERE ingested_at::DATE BETWEEN DATE '{PERIOD[0]}' "
        f"AND DATE '{PERIOD[1]}'"
    )
    con.execute(f"CREATE VIEW r AS SELECT * FROM read_parquet('{dataset}/{REJECTED_DIR}/*.parquet')")
    con.execute(
        f"CREATE VIEW m AS SELECT run_id, (params ->> 'ingested_at')::TIMESTAMPTZ AS started, counts FROM "
        f"read_json('{dataset}/{runs.RUNS_DIR}/*.json', "
        "columns = {run_id: 'VARCHAR', params: 'JSON', counts: 'JSON'})"
    )
    yield con
    con.close()


# --- the figures against DuckDB -----------------------------------------------------------------------------------


def test_runs_per_day_are_the_manifests_counts(tables: PageTables, con: duckdb.DuckDBPyConnection) -> None:
    expected = rows(
        con,
        "SELECT started::DATE, count(*), sum((counts ->> 'inputs')::INT), sum((counts ->> 'written')::INT), "
        "sum((counts ->> 'duplicates')::INT) FROM m GROUP BY 1 ORDER BY 1",
    )
    assert len(expected) == N_RUNS
    assert [r[:5] for r in tables.tables["runs-per-day"]] == expected
    # read = written + duplicates + rejected, and every run balanced
    for day, _, read, written, duplicates, rejected, _, unbalanced in tables.tables["runs-per-day"]:
        assert read == written + duplicates + rejected, day
        assert unbalanced == 0


def test_recent_runs_newest_first(tables: PageTables, con: duckdb.DuckDBPyConnection) -> None:
    expected = [r[0] for r in rows(con, "SELECT run_id FROM m ORDER BY started DESC LIMIT 10")]
    assert [r[0] for r in tables.tables["recent-runs"]] == expected


def test_articles_per_day_by_topic(tables: PageTables, con: duckdb.DuckDBPyConnection) -> None:
    long = rows(
        con,
        "SELECT date, topic, count(*) FROM a WHERE date BETWEEN ? AND ? GROUP BY ALL ORDER BY ALL",
        *PERIOD,
    )
    header = tables.headers["articles-per-day"]
    got = {
        (row[0], topic, n)
        for row in tables.tables["articles-per-day"]
        for topic, n in zip(header[1:-1], row[1:-1], strict=True)
        if n
    }
    assert got == {tuple(r) for r in long}
    assert all(row[-1] == sum(row[1:-1]) for row in tables.tables["articles-per-day"])


def test_languages_and_publishers(tables: PageTables, con: duckdb.DuckDBPyConnection) -> None:
    languages = rows(con, "SELECT coalesce(language, '(unknown)'), count(*) FROM a GROUP BY 1 ORDER BY 2 DESC, 1")
    assert [r[:2] for r in tables.tables["languages"]] == languages
    assert sum(r[2] for r in tables.tables["languages"]) == pytest.approx(100, abs=0.3)
    outlet = "coalesce(publisher, regexp_extract(url, '://([^/]+)', 1), '(unknown)')"
    publishers = rows(
        con, f"SELECT {outlet} AS o, count(*), min(date), max(date) FROM a GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15"
    )
    assert tables.tables["publishers"] == publishers


def test_date_source_shares(tables: PageTables, con: duckdb.DuckDBPyConnection) -> None:
    counts = rows(con, "SELECT ingested_at::DATE, date_source, count(*) FROM a GROUP BY ALL")
    totals: dict[str, int] = {}
    for day, _, n in counts:
        totals[day] = totals.get(day, 0) + n
    updated = dict(rows(con, "SELECT ingested_at::DATE, count(*) FROM a WHERE updated_at::DATE > date GROUP BY 1"))
    assert sum(updated.values()) > 0, "the dataset has updated articles to count"
    header = tables.headers["date-sources"]
    assert header[-2:] == ["articles", "updated"] and "ingested" in header
    for row in tables.tables["date-sources"]:
        day = row[0]
        assert row[-2] == totals[day]
        assert row[-1] == updated.get(day, 0)
        for source, share in zip(header[1:-2], row[1:-2], strict=True):
            n = next((c for d, s, c in counts if d == day and s == source), 0)
            assert share == pytest.approx(round(100 * n / totals[day], 1)), (day, source)
    assert len(tables.tables["date-sources"]) == len(totals)


def test_rejects_and_non_articles(tables: PageTables, con: duckdb.DuckDBPyConnection) -> None:
    expected = rows(con, "SELECT rejected_at::DATE, stage, reason, count(*) FROM r GROUP BY ALL ORDER BY ALL")
    assert tables.tables["rejects"] == expected
    turned_away = rows(
        con,
        "SELECT rejected_at::DATE, count(*), count(DISTINCT source) FROM r WHERE reason = 'not-an-article' "
        "GROUP BY 1 ORDER BY 1",
    )
    assert turned_away, "the dataset has non-articles to show"
    assert tables.tables["non-articles"] == turned_away


def test_near_and_exact_duplicates(tables: PageTables, con: duckdb.DuckDBPyConnection) -> None:
    near = {
        d: (n, k) for d, n, k in rows(con, "SELECT ingested_at::DATE, count(*), count(duplicate_of) FROM a GROUP BY 1")
    }
    exact = dict(rows(con, "SELECT started::DATE, sum((counts ->> 'duplicates')::INT) FROM m GROUP BY 1"))
    assert sum(k for _, k in near.values()) > 0, "the dataset has near-duplicates to show"
    for day, articles, flagged, share, exact_n in tables.tables["near-duplicates"]:
        assert (articles, flagged) == near[day]
        assert share == pytest.approx(round(100 * flagged / articles, 1))
        assert exact_n == exact[day]


def test_web_sources(tables: PageTables) -> None:
    got = {r[0]: r for r in tables.tables["web-sources"]}
    assert set(got) == set(FEEDS)
    header = tables.headers["web-sources"]
    col = {name: i for i, name in enumerate(header)}
    rss, sitemap, broken = (got[f] for f in FEEDS)
    # written by write_dataset: the feed answers in full once then 304, the sitemap always in full, one always fails
    assert [rss[col[k]] for k in ("runs", "fetched", "not modified", "failures")] == [N_RUNS, 1, N_RUNS - 1, 0]
    assert [sitemap[col[k]] for k in ("runs", "fetched", "not modified", "failures")] == [N_RUNS, N_RUNS, 0, 0]
    assert [broken[col[k]] for k in ("runs", "fetched", "not modified", "failures")] == [N_RUNS, 0, 0, N_RUNS]
    assert (rss[col["last status"]], sitemap[col["last status"]]) == ("not modified", "fetched")
    assert broken[col["last status"]] == "failed: http-500"
    assert rss[col["not modified %"]] == pytest.approx(round(100 * (N_RUNS - 1) / N_RUNS, 1))
    assert (rss[col["entries"]], sitemap[col["entries"]], broken[col["entries"]]) == (3, 4 + N_RUNS - 1, None)


def test_largest_stories(tables: PageTables, con: duckdb.DuckDBPyConnection) -> None:
    expected = rows(
        con,
        "SELECT story_id, count(*), min(date), max(date) FROM a WHERE story_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC",
    )
    got = tables.tables["stories"]
    assert len(got) == min(15, len(expected))
    sizes = {r[0]: r[1:] for r in expected}
    for story, _, articles, outlets, _, first, last in got:
        assert [articles, first, last] == sizes[story]
        assert 1 <= outlets <= articles
    assert [r[2] for r in got] == sorted((r[1] for r in expected), reverse=True)[: len(got)]


def test_headline_numbers(tables: PageTables, con: duckdb.DuckDBPyConnection) -> None:
    (articles, stories, near) = con.execute(
        "SELECT count(*), count(DISTINCT story_id), count(duplicate_of) FROM a"
    ).fetchone()
    assert tables.kpis["articles"] == articles
    assert tables.kpis["stories"] == stories
    assert tables.kpis["near-duplicates"] == near
    assert tables.kpis["runs"] == N_RUNS
    outlets = "coalesce(publisher, regexp_extract(url, '://([^/]+)', 1))"
    assert tables.kpis["publishers"] == con.execute(f"SELECT count(DISTINCT {outlets}) FROM a").fetchone()[0]
    assert tables.kpis["rejected"] == con.execute("SELECT count(*) FROM r").fetchone()[0]


def test_days_narrow_the_period(dataset: Path, con: duckdb.DuckDBPyConnection) -> None:
    narrow = parse(report.build_report(str(dataset), days=2))
    assert [r[0] for r in narrow.tables["runs-per-day"]] == [str(END - dt.timedelta(days=1)), str(END)]
    (articles,) = con.execute(
        "SELECT count(*) FROM a WHERE ingested_at::DATE >= ?", [END - dt.timedelta(days=1)]
    ).fetchone()
    assert narrow.kpis["articles"] == articles


# --- the page itself ----------------------------------------------------------------------------------------------


def test_page_is_self_contained(page: str, tables: PageTables) -> None:
    assert tables.scripts == 0
    assert tables.external == [], "only in-page links"
    assert not re.search(r"url\(|@import|@font-face", page), "no fetched styles or fonts"
    assert page.count("<svg") == 10, "one chart for each figure with a chart"
    assert "default-src 'none'" in page


def test_empty_and_new_datasets_say_so(tmp_path: Path) -> None:
    missing = report.build_report(str(tmp_path / "nothing-here"))
    assert 'id="empty-dataset"' in missing and "Nothing to report yet" in missing
    # A brand-new dataset: one run that read nothing, no article or rejected file.
    out = tmp_path / "new"
    (out / runs.RUNS_DIR).mkdir(parents=True)
    manifest = {"run_id": "r1", "params": {"ingested_at": "2026-11-21T10:00:00+00:00"}, "counts": {}, "files": []}
    (out / runs.RUNS_DIR / "r1.json").write_text(json.dumps(manifest))
    new = parse(report.build_report(str(out)))
    assert new.kpis == {"runs": 1, "articles": 0, "publishers": 0, "stories": 0, "near-duplicates": 0, "rejected": 0}
    assert new.tables["runs-per-day"] == [["2026-11-21", 1, 0, 0, 0, 0, new.tables["runs-per-day"][0][6], 0]]
    new_page = report.build_report(str(out))
    assert new_page.count('class="empty"') >= 7, "figures without data say so"


def test_cli_writes_the_page_without_beam(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "site" / "report.html"
    done = newsbeam("report", "--output", str(dataset), "--out", str(out), "--days", "30")
    assert done.returncode == 0, done.stderr
    assert "apache_beam" not in done.stderr, "newsbeam report must not import Beam"
    assert parse(out.read_text()).kpis["runs"] == N_RUNS
    assert not list(out.parent.glob(".*inprogress"))


# --- newsbeam runs --------------------------------------------------------------------------------------------


def newsbeam(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it, with `-X importtime` (on stderr) to see what it imported."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipeline.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


def test_runs_table_from_manifests_without_beam(dataset: Path, con: duckdb.DuckDBPyConnection) -> None:
    done = newsbeam("runs", "--output", str(dataset), "--last", "4")
    assert done.returncode == 0, done.stderr
    assert "apache_beam" not in done.stderr, "newsbeam runs must not import Beam"
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["run", "id", "start"]
    expected = rows(
        con,
        "SELECT run_id, (counts ->> 'inputs')::INT, (counts ->> 'written')::INT, (counts ->> 'duplicates')::INT "
        "FROM m ORDER BY started DESC LIMIT 4",
    )
    body = [line.split() for line in lines[2:6]]
    assert [b[0] for b in body] == [r[0] for r in reversed(expected)]
    for cells, (run_id, read, written, duplicates) in zip(body, reversed(expected), strict=True):
        assert cells[0] == run_id
        numbers = [int(c) for c in cells[-5:-1]]
        assert numbers[:3] == [read, written, duplicates]
        assert numbers[0] == numbers[1] + numbers[2] + numbers[3]
        assert cells[-1] == "yes"
    assert f"4 of {N_RUNS} runs" in done.stdout


def test_runs_marks_unbalanced_and_reads_durations(tmp_path: Path) -> None:
    folder = tmp_path / runs.RUNS_DIR
    folder.mkdir()
    body = {
        "run_id": "r1",
        "params": {"ingested_at": "2026-11-21T10:00:00+00:00"},
        "counts": {"inputs": 3, "written": 1},
    }
    (folder / "r1.json").write_text(json.dumps(body))
    end = dt.datetime(2026, 11, 21, 10, 1, 5, tzinfo=dt.timezone.utc).timestamp()
    os.utime(folder / "r1.json", (end, end))
    (folder / ".r2.json.inprogress").write_text("{")
    (run,) = runs.load_runs(str(tmp_path))
    assert (run.read, run.written, run.rejected, run.balanced, run.duration_s) == (3, 1, 0, False, 65.0)
    assert "NO" in runs.format_table([run]).splitlines()[-1]
    assert "1 min 05 s" in runs.format_table([run])
    done = newsbeam("runs", "--output", str(tmp_path / "missing"))
    assert done.returncode == 0 and "No runs" in done.stdout
    # without params.ingested_at the start comes from the run id, when it begins with one
    no_params = runs.run_from_manifest({"run_id": "20261121T101700-airflow"}, None)
    assert no_params.started == dt.datetime(2026, 11, 21, 10, 17, tzinfo=dt.timezone.utc)
    assert runs.run_from_manifest({"run_id": "manual-1"}, None).started is None


def test_constants_agree_with_the_pipeline() -> None:
    """runs.py and report.py restate names of modules that import Beam; they must stay the same."""
    from pipeline import manifest
    from schemas import state
    from transforms import extract
    from transforms.storage import tables

    assert (runs.RUNS_DIR, runs.INPUTS, runs.WRITTEN, runs.DUPLICATES, runs.REJECTED_PREFIX) == (
        manifest.RUNS_DIR,
        manifest.INPUTS,
        manifest.WRITTEN,
        manifest.DUPLICATES,
        manifest.REJECTED_PREFIX,
    )
    assert report.WEB_SOURCES_DIR == (tables.STATE_DIR, state.SOURCES_TABLE)
    assert set(report.WEB_SOURCES_SCHEMA.names) <= set(state.SOURCES_SCHEMA.names)
    assert report.NOT_AN_ARTICLE == extract.NOT_AN_ARTICLE


# --- in a real browser ----------------------------------------------------------------------------------------

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    # No network: every request goes to a proxy that does not exist (the page must need none).
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--window-size=1400,1000",
)


def _find(*names: str) -> str | None:
    return next((path for path in map(shutil.which, names) if path), None)


def chromium_paths() -> tuple[str, str]:
    """Chromium and chromedriver. Missing in CI is a failure (`.ci/run` installs both); elsewhere a skip."""
    binary = _find("chromium", "chromium-browser", "google-chrome")
    driver_path = _find("chromedriver")
    if binary is None or driver_path is None:
        message = "Chromium and chromedriver are needed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary, driver_path


def test_missing_chromium_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        chromium_paths()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        chromium_paths()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium driven by Selenium through Debian's chromedriver, with a fresh profile and no network."""
    binary, driver_path = chromium_paths()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (*CHROMIUM_ARGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _open(browser: Any, path: Path) -> list[dict[str, Any]]:
    """Load the page; returns the console messages it caused (Chromium keeps them until read)."""
    browser.get_log("browser")
    browser.get(path.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    return list(browser.get_log("browser"))


def test_page_in_chromium(browser: Any, dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    report.write_report(str(dataset), str(out))
    console = _open(browser, out)
    assert [m for m in console if m.get("level") in ("SEVERE", "WARNING")] == []
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0, "nothing fetched"
    state = browser.execute_script(
        """
        const out = {};
        for (const s of document.querySelectorAll('main > section')) {
          const r = s.getBoundingClientRect();
          out[s.id] = {height: r.height, figures: [...s.querySelectorAll('.figure')].map(f => ({
            id: f.id, rows: Number(f.dataset.rows),
            tableRows: f.querySelectorAll('tbody tr').length,
            chart: [...f.querySelectorAll('.chart svg')].map(svg => {
              const b = svg.getBoundingClientRect();
              return {w: b.width, h: b.height, marks: svg.querySelectorAll('path, rect').length};
            }),
          }))};
        }
        return out;
        """
    )
    assert sorted(state) == sorted(report.SECTION_TITLES)
    for section, found in state.items():
        assert found["height"] > 50, section
        assert found["figures"], section
        for figure in found["figures"]:
            assert figure["rows"] > 0, f"{section}: {figure['id']} has no data"
            assert figure["tableRows"] == figure["rows"], figure["id"]
            for chart in figure["chart"]:
                assert chart["w"] > 200 and chart["h"] > 50 and chart["marks"] > 3, figure["id"]
    charts = sum(len(f["chart"]) for s in state.values() for f in s["figures"])
    assert charts == 10
    articles = browser.execute_script(
        "return [...document.querySelectorAll('.kpi')].find(k => k.textContent.includes('articles'))"
        ".querySelector('b').textContent"
    )
    assert int(articles.replace(",", "")) == parse(out.read_text()).kpis["articles"] > 0
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1400, height)
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_empty_page_in_chromium(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "empty.html"
    report.write_report(str(tmp_path / "no-dataset"), str(out))
    console = _open(browser, out)
    assert [m for m in console if m.get("level") in ("SEVERE", "WARNING")] == []
    banner = browser.execute_script("return document.getElementById('empty-dataset').innerText")
    assert "Nothing to report yet" in banner
    assert browser.execute_script("return document.querySelectorAll('main > section').length") == 5


def test_dataset_on_an_object_store(dataset: Path, tables: PageTables) -> None:
    """`gs://`/`s3://` datasets are read through fsspec; its in-memory file system stands in for a bucket."""
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    for path in dataset.rglob("*"):
        if path.is_file():
            fs.pipe_file(f"memory://bucket/articles/{path.relative_to(dataset)}", path.read_bytes())
    try:
        assert [r.run_id for r in runs.load_runs("memory://bucket/articles")] == [
            r.run_id for r in runs.load_runs(str(dataset))
        ]
        remote = parse(report.build_report("memory://bucket/articles"))
    finally:
        fs.rm("memory://bucket", recursive=True)
    # the same figures; durations differ (an object's modification time is when it was copied here)
    timed = {"runs-per-day": 6, "recent-runs": 2}
    for figure, got in remote.tables.items():
        column = timed.get(figure)
        strip = (
            (lambda rows, c=column: [r[:c] + r[c + 1 :] for r in rows]) if column is not None else (lambda rows: rows)
        )
        assert strip(got) == strip(tables.tables[figure]), figure
    assert remote.kpis == tables.kpis
