"""End to end: the `newsbeam` CLI on the seeds and on a mixed folder, checked through DuckDB."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipeline.query import connect
from tests.html_samples import ARTICLE_PARAGRAPHS, news_page
from tests.support import REFERENCE, REMOVED, SEEDS, newsbeam, summary_counts

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("seeds") / "articles"
    result = newsbeam("run", "--input", str(SEEDS), "--output", str(out), "--reference-date", REFERENCE)
    assert result.returncode == 0, result.stderr
    return out, result


def test_seeds_summary_balances(seeds_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    _, result = seeds_run
    counts = summary_counts(result.stdout)
    assert counts == {"read": 5, "written": 5, "duplicates": 0, "rejected": 0}
    assert "balanced" in result.stdout and "verified against the files" in result.stdout


def test_a_finished_run_leaves_no_staged_articles(seeds_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """The articles wait in `_state/staging/<run_id>/` between tagging and writing; the run's last step
    deletes them, and a killed run's folder goes at the start of the next run (`remove_stale_temporaries`)."""
    out, _ = seeds_run
    assert not any((out / "_state" / "staging").glob("*"))


def test_seeds_in_duckdb(seeds_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = seeds_run
    rows = duckdb.sql(
        f"SELECT source, date, topic, date_source, title, authors, publisher, language, text, run_id "
        f"FROM read_parquet('{out}/date=*/topic=*/*.parquet', hive_partitioning = true)"
    ).fetchall()
    assert len(rows) == 5
    by_name = {Path(r[0]).name: r for r in rows}
    assert set(by_name) == {p.name for p in SEEDS.glob("*.txt")}
    run_ids = {r[9] for r in rows}
    assert len(run_ids) == 1 and next(iter(run_ids))
    for name, (_, date, topic, *_rest) in by_name.items():
        assert topic in {"conflict-war-peace", "politics"}, name
        assert isinstance(date, dt.date)
        assert (out / f"date={date.isoformat()}" / f"topic={topic}").is_dir()
    for name in ("000_a36a2d63ccc73221.txt", "001_fab9527af4f6b0ab.txt"):
        date, date_source = by_name[name][1], by_name[name][3]
        assert dt.date(2025, 12, 20) <= date <= dt.date(2025, 12, 31), name
        assert date_source == "text"
    assert by_name["001_fab9527af4f6b0ab.txt"][4] == (
        "Russia rejects and wants to rewrite 20-point peace plan, Bloomberg reports"
    )
    assert by_name["003_383210d72824bc91.txt"][5] == ["Jim Thomas"]
    assert by_name["003_383210d72824bc91.txt"][6] == "Newsmax"
    assert {r[7] for r in rows} == {"en"}

    for name, (_, *_mid, text, _run) in by_name.items():
        original = [line.rstrip() for line in (SEEDS / name).read_text(encoding="utf-8").splitlines() if line.strip()]
        removed = REMOVED.get(name, [])
        kept = [line for line in original if not any(line.startswith(r) for r in removed)]
        assert len(original) - len(kept) == len(removed), name
        assert text.splitlines() == kept, name


def test_seeds_stories(seeds_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """000, 001 and 002 are three outlets' versions of one Bloomberg report; 003 is the same days' Kremlin
    response to the same 20-point plan; 004 is March's 30-day-ceasefire demands, another story."""
    out, _ = seeds_run
    rows = connect(str(out)).sql("SELECT source, story_id, duplicate_of, revision FROM articles").fetchall()
    story = {Path(source).name[:3]: story_id for source, story_id, _, _ in rows}
    assert story["000"] == story["001"] == story["002"] == story["003"]
    assert story["004"] != story["000"] and story["004"]
    assert {(dup, rev) for _, _, dup, rev in rows} == {(None, 1)}  # rewrites, not copies; first revisions
    latest = connect(str(out)).sql("SELECT count(*), count(DISTINCT article_id) FROM articles_latest").fetchall()
    assert latest == [(5, 5)]


def test_second_run_adds_nothing(seeds_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = seeds_run
    index = sorted((out / "_state" / "article_index").iterdir())
    result = newsbeam("run", "--input", str(SEEDS), "--output", str(out), "--reference-date", REFERENCE)
    assert result.returncode == 0, result.stderr
    assert summary_counts(result.stdout) == {"read": 5, "written": 0, "duplicates": 5, "rejected": 0}
    # skipped right after reading, before extraction: the same files were made articles by the first run
    assert re.search(r"^\s+unchanged-input: 5$", result.stdout, re.MULTILINE), result.stdout
    assert duckdb.sql(f"SELECT count(*) FROM '{out}/date=*/topic=*/*.parquet'").fetchall() == [(5,)]
    assert sorted((out / "_state" / "article_index").iterdir()) == index  # no new state either


def test_a_later_run_joins_an_earlier_story(tmp_path: Path) -> None:
    first, second, out = tmp_path / "first", tmp_path / "second", tmp_path / "out"
    first.mkdir()
    second.mkdir()
    for name in ("000_a36a2d63ccc73221.txt", "004_46723dfe6c79f676.txt"):
        shutil.copy(SEEDS / name, first / name)
    for name in ("000_a36a2d63ccc73221.txt", "001_fab9527af4f6b0ab.txt", "002_5dbc7340132de969.txt"):
        shutil.copy(SEEDS / name, second / name)
    # another outlet's copy of 000 with its own last paragraph: a near-duplicate, still written
    lines = (SEEDS / "000_a36a2d63ccc73221.txt").read_text(encoding="utf-8").splitlines()[:-1]
    (second / "wire-copy.txt").write_text("\n".join([*lines, "More on this story as it develops."]), "utf-8")
    assert newsbeam("run", "--input", str(first), "--output", str(out), "--reference-date", REFERENCE).returncode == 0
    result = newsbeam("run", "--input", str(second), "--output", str(out), "--reference-date", REFERENCE)
    assert result.returncode == 0, result.stderr
    assert summary_counts(result.stdout) == {"read": 4, "written": 3, "duplicates": 1, "rejected": 0}
    # the copy of 000 under another path is read, then recognised by its content before extraction
    assert re.search(r"^\s+unchanged-input: 1$", result.stdout, re.MULTILINE), result.stdout
    rows = connect(str(out)).sql("SELECT source, story_id, duplicate_of, article_id FROM articles").fetchall()
    by_name = {Path(source).name[:3]: (story, dup, aid) for source, story, dup, aid in rows}
    assert by_name["001"][0] == by_name["002"][0] == by_name["wir"][0] == by_name["000"][0] != by_name["004"][0]
    assert by_name["wir"][1] == by_name["000"][2]  # flagged as a near-duplicate of the earlier run's article
    assert by_name["001"][1] is None and by_name["002"][1] is None


def test_a_jsonl_file_already_made_into_articles_is_not_read_again(tmp_path: Path) -> None:
    """A JSONL file whose every record became an article, or was rejected for a reason it would be again
    (invalid JSON), is skipped before Beam starts and still counts as all its records; once changed, it is
    read again (its good records skipped by their hashes)."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    texts = [" ".join(f"{w} {i}" for w in ARTICLE_PARAGRAPHS[i % len(ARTICLE_PARAGRAPHS)].split()) for i in range(5)]
    (src / "good.jsonl").write_text("\n".join(json.dumps({"text": t}) for t in texts[:3]) + "\n", "utf-8")
    (src / "mixed.jsonl").write_text(
        "\n".join([json.dumps({"text": texts[3]}), "{not json", json.dumps({"text": texts[4]})]) + "\n", "utf-8"
    )
    args = ("run", "--input", str(src), "--output", str(out), "--reference-date", REFERENCE)
    first = newsbeam(*args)
    assert first.returncode == 0, first.stderr
    assert summary_counts(first.stdout) == {"read": 6, "written": 5, "duplicates": 0, "rejected": 1}

    second = newsbeam(*args)
    assert second.returncode == 0, second.stderr
    assert summary_counts(second.stdout) == {"read": 6, "written": 0, "duplicates": 6, "rejected": 0}
    assert re.search(r"^\s+unchanged-input: 5$", second.stdout, re.MULTILINE), second.stdout
    assert re.search(r"^\s+settled-reject: 1$", second.stdout, re.MULTILINE), second.stdout
    assert "2 of 2 files unchanged since an earlier run" in second.stderr  # neither file was read

    (src / "mixed.jsonl").write_text(json.dumps({"text": texts[3]}) + "\n", "utf-8")  # the bad line fixed
    third = newsbeam(*args)
    assert summary_counts(third.stdout) == {"read": 4, "written": 0, "duplicates": 4, "rejected": 0}
    fourth = newsbeam(*args)  # now both files are settled: nothing is read, Beam does not even start
    assert summary_counts(fourth.stdout) == {"read": 4, "written": 0, "duplicates": 4, "rejected": 0}
    assert "2 of 2 files unchanged since an earlier run" in fourth.stderr
    assert duckdb.sql(f"SELECT count(*) FROM '{out}/date=*/topic=*/*.parquet'").fetchall() == [(5,)]


def test_query_command(seeds_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = seeds_run
    result = newsbeam(
        "query",
        "SELECT topic, count(*) AS n FROM articles GROUP BY ALL ORDER BY ALL",
        "--output",
        str(out),
        "--format",
        "jsonl",
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert sum(r["n"] for r in rows) == 5
    table = newsbeam("query", "SELECT count(*) AS n FROM rejected", "--output", str(out))
    assert table.returncode == 0 and "0" in table.stdout


def test_mixed_folder(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "page.html").write_text(news_page(), encoding="utf-8")
    shutil.copy(SEEDS / "003_383210d72824bc91.txt", src / "newsmax.txt")
    shutil.copy(SEEDS / "003_383210d72824bc91.txt", src / "newsmax-copy.txt")
    latin = "Die Regierung in Kiew prüft den überarbeiteten Friedensplan, sagte ein Sprecher am Dienstag. " * 3
    (src / "latin1.txt").write_bytes(latin.encode("cp1252"))
    (src / "empty.txt").write_bytes(b"")
    (src / "random.txt").write_bytes(os.urandom(4096))
    (src / "notes.docx").write_bytes(b"PK\x03\x04 zip container")
    lines = [
        json.dumps(
            {
                "html": news_page(title="Harbour dredging begins"),
                "url": "https://gazette.example/dredging",
                "published": "2025-12-18T09:00:00+01:00",
                "updated": "2025-12-20T15:00:00+01:00",
                "source": "gazette",
            }
        ),
        json.dumps(
            {
                "text": "Wire copy: the ministry said exports rose for a third month in a row in November.",
                "title": "Exports rise again",
            }
        ),
        "{this is not json",
        json.dumps({"title": "no body"}),
    ]
    (src / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"

    result = newsbeam("run", "--input", str(src), "--output", str(out), "--reference-date", REFERENCE)
    assert result.returncode == 0, result.stderr
    counts = summary_counts(result.stdout)
    # 6 files that hold one document each (the .docx is rejected unread) + 4 JSONL lines = 11 inputs
    assert counts == {"read": 11, "written": 5, "duplicates": 1, "rejected": 5}
    assert counts["read"] == counts["written"] + counts["rejected"] + counts["duplicates"]

    con = connect(str(out))
    rejected = con.sql("SELECT source, stage, reason FROM rejected ORDER BY source").fetchall()
    reasons = sorted(
        (Path(s.split("#")[0]).name + ("#" + s.split("#")[1] if "#" in s else ""), st, r) for s, st, r in rejected
    )
    assert reasons == [
        ("batch.jsonl#L3", "read", "invalid-json"),
        ("batch.jsonl#L4", "read", "missing-content"),
        ("empty.txt", "read", "empty"),
        ("notes.docx", "read", "unsupported-format"),
        ("random.txt", "read", "binary-content"),
    ]
    articles = {
        Path(r[0]).name if "/" in r[0] else r[0]: r
        for r in con.sql(
            "SELECT source, title, text, date, date_source, language, url, run_id, updated_at FROM articles"
        ).fetchall()
    }
    assert len(articles) == 5
    assert {"page.html", "latin1.txt", "gazette"} <= set(articles)
    assert len({"newsmax.txt", "newsmax-copy.txt"} & set(articles)) == 1
    page = articles["page.html"]
    assert page[1] == "Council approves harbour budget"
    assert all(p in page[2] for p in ARTICLE_PARAGRAPHS) and "Most read" not in page[2]
    assert (page[3], page[4]) == (dt.date(2025, 12, 19), "html")
    assert articles["latin1.txt"][2].startswith("Die Regierung in Kiew prüft")
    assert articles["latin1.txt"][5] == "de"
    gazette = articles["gazette"]
    assert (gazette[3], gazette[4], gazette[6]) == (
        dt.date(2025, 12, 18),
        "feed",
        "https://gazette.example/dredging",
    )
    assert (
        len({r[7] for r in articles.values()} | {r[0] for r in con.sql("SELECT run_id FROM rejected").fetchall()}) == 1
    )
    # The record's `updated` (its page states none); the page read from a file states none either.
    assert gazette[8] == dt.datetime(2025, 12, 20, 14, 0, tzinfo=dt.timezone.utc)
    assert page[8] is None


def test_bad_input_path_is_an_error(tmp_path: Path) -> None:
    result = newsbeam("run", "--input", str(tmp_path / "nope" / "*.txt"), "--output", str(tmp_path / "o"))
    assert result.returncode != 0
    assert "no file matches" in result.stderr


def test_beam_options_pass_through_and_workers_agree(
    seeds_run: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    """Two worker processes (multi-processing DirectRunner) write the same articles as one in-process run."""
    first, _ = seeds_run
    out = tmp_path / "mp"
    result = newsbeam(
        "run",
        "--input",
        str(SEEDS),
        "--output",
        str(out),
        "--reference-date",
        REFERENCE,
        "--direct_running_mode",
        "multi_processing",
        "--direct_num_workers",
        "2",
    )
    assert result.returncode == 0, result.stderr
    columns = (
        "article_id, content_hash, date, topic, date_source, title, authors, text, revision, story_id, duplicate_of"
    )
    query = "SELECT {c} FROM read_parquet('{o}/date=*/topic=*/*.parquet', hive_partitioning = true) ORDER BY 1"
    one = duckdb.sql(query.format(c=columns, o=first)).fetchall()
    two = duckdb.sql(query.format(c=columns, o=out)).fetchall()
    assert len(one) == 5 and one == two
