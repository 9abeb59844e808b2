"""Dedupe, WriteIndex, SkipUnchanged and RecordUnchanged: exact copies kept once, revisions, near-duplicates
and stories, within a run and across runs, with the state under `_state/`."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.testing.test_pipeline import TestPipeline

from pipeline.query import connect
from schemas.article import Article
from schemas.document import RawDocument
from schemas.rejected import Rejected
from schemas.state import INDEX_TABLE
from tests.beam_util import check
from tests.conftest import SEEDS
from tests.factories import NOW, make_article
from transforms.dedupe import Dedupe, WriteIndex
from transforms.sink import WritePartitions
from transforms.storage.index import read_index, run_of
from transforms.storage.staging import StagedArticle, load_staged
from transforms.storage.tables import table_dir
from transforms.text import identity
from transforms.text.duplicates import fingerprint
from transforms.unchanged import TABLE, Key, RecordUnchanged, SkipUnchanged, input_hash, plan_reads

SEED = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
WIRE = (
    "The city council approved a budget of 4.2 million euros for the harbour on Tuesday, after a debate "
    "that lasted most of the evening. The mayor said the dredging of the eastern basin would begin in "
    "March and take about eleven weeks. Fishermen from Kettleby had asked for the work for years."
)


def _eq(a: object, b: object) -> None:
    assert a == b, f"{a!r} != {b!r}"


def run_dedupe(out: str, run_id: str, articles: list[Article], checks: dict[str, Any] | None = None) -> None:
    """One run's dedupe stage as the pipeline wires it: Dedupe → WritePartitions → WriteIndex.
    `checks` maps "unique", "duplicates", "rejected", "counts" to checkers of those outputs."""
    with TestPipeline() as p:
        result = p | "Articles" >> beam.Create(articles) | Dedupe(out, run_id)
        written = result.unique | WritePartitions(out, run_id)
        _ = result.index_rows | WriteIndex(out, after=written)
        for name, checker in (checks or {}).items():
            check(getattr(result, name), _as_written(checker) if name == "unique" else checker, name)


def _as_written(checker: Callable[[list[Article]], None]) -> Callable[[list[StagedArticle]], None]:
    """Dedupe hands the sink staged articles; a check of what is kept reads them back as the sink does."""
    return lambda staged: checker(load_staged(staged))


def written(out: str, sql: str) -> list[tuple[Any, ...]]:
    return connect(out).sql(sql).fetchall()


def test_exact_copies_within_a_run_keep_the_earliest(tmp_path: Path) -> None:
    a_late = make_article("Same  story TEXT.", source="late.txt", day=dt.date(2025, 12, 21))
    a_early = make_article("same story text.", source="early.txt", day=dt.date(2025, 12, 20))
    other = make_article("A different story.", source="other.txt")

    def check_unique(articles: list[Article]) -> None:
        assert sorted(a.source for a in articles) == ["early.txt", "other.txt"]
        assert all(a.revision == 1 and a.story_id for a in articles)

    def check_dups(dups: list[Any]) -> None:
        assert [(d.source, d.reason, d.duplicate_of) for d in dups] == [
            ("late.txt", "duplicate-in-run", a_early.article_id)
        ]

    run_dedupe(
        str(tmp_path / "out"),
        "run1",
        [a_late, other, a_early],
        {"unique": check_unique, "duplicates": check_dups, "rejected": lambda xs: _eq(xs, [])},
    )


def test_every_input_is_exactly_one_of_unique_duplicate_or_rejected(tmp_path: Path) -> None:
    """Exact-copy groups (one sharing its source, as JSONL records naming one outlet do, with an identical
    twin), a revision with its own copy, a copy of an earlier run's article and one that cannot be signed:
    each input ends up in exactly one output, and the kept copy is the one the duplicates point at, in any
    input order."""
    url = "https://news.example/harbour"
    old = make_article(SEED["004"], source="old.txt")
    v1 = make_article(WIRE, source="v1.html", url=url)
    x1 = make_article(SEED["001"], source="a.txt", day=dt.date(2025, 12, 21), run_id="run2")
    x2 = make_article(SEED["001"], source="c.txt", day=dt.date(2025, 12, 20), run_id="run2")
    x3 = make_article(SEED["001"], source="b.txt", day=dt.date(2025, 12, 20), run_id="run2")
    bad = make_article(SEED["001"], source="0.txt", day=dt.date(2025, 12, 19), run_id="run2")
    bad.language = ["en"]  # type: ignore[assignment]  # signing it raises: it is rejected, never kept
    day = dt.date(2025, 12, 20)
    y1 = make_article(SEED["002"], source="gazette", day=day, url="https://gazette.example/y1", run_id="run2")
    y2 = make_article(SEED["002"], source="gazette", day=day, url="https://gazette.example/y2", run_id="run2")
    twin = copy.deepcopy(y1)  # the same record read twice
    v2a = make_article(WIRE + " The vote was 21 to 14.", source="v2a.html", url=url, run_id="run2")
    v2b = make_article(WIRE + " The vote was 21 to 14.", source="v2b.html", url=url, run_id="run2")
    again = make_article(SEED["004"], source="old-again.txt", run_id="run2")
    fresh = make_article("Story two, about something else entirely.", source="fresh.txt", run_id="run2")
    run2 = [x1, x2, x3, bad, y1, y2, twin, v2a, v2b, again, fresh]
    y_kept = min((y1, y2), key=fingerprint)
    expected_unique = [
        ("b.txt", x3.article_id, 1),
        ("fresh.txt", fresh.article_id, 1),
        ("gazette", y_kept.article_id, 1),
        ("v2a.html", v1.article_id, 2),
    ]
    expected_duplicates = [
        ("a.txt", "duplicate-in-run", x3.article_id),
        ("c.txt", "duplicate-in-run", x3.article_id),
        ("gazette", "duplicate-in-run", y_kept.article_id),
        ("gazette", "duplicate-in-run", y_kept.article_id),
        ("old-again.txt", "seen-in-earlier-run", old.article_id),
        ("v2b.html", "duplicate-in-run", v1.article_id),
    ]
    expected_rejected = [("0.txt", "internal-error")]
    assert len(expected_unique) + len(expected_duplicates) + len(expected_rejected) == len(run2)

    def check_unique(articles: list[Article]) -> None:
        _eq(sorted((a.source, a.article_id, a.revision) for a in articles), expected_unique)
        kept = next(a for a in articles if a.source == "gazette")
        _eq((kept.url, kept.title), (y_kept.url, y_kept.title))
        _eq(kept.published_at, y_kept.published_at)
        assert all(a.story_id and "story_hint" not in a.extra for a in articles)

    for i, order in enumerate((run2, run2[::-1])):
        out = str(tmp_path / f"out{i}")
        run_dedupe(out, "run1", [old, v1])
        run_dedupe(
            out,
            "run2",
            order,
            {
                "unique": check_unique,
                "duplicates": lambda xs: _eq(
                    sorted((d.source, d.reason, d.duplicate_of) for d in xs), expected_duplicates
                ),
                "rejected": lambda xs: _eq([(r.source, r.reason) for r in xs], expected_rejected),
            },
        )
        rows = written(out, "SELECT source, revision FROM articles WHERE run_id = 'run2' ORDER BY source")
        assert rows == [(s, r) for s, _, r in expected_unique]
        story = dict(written(out, "SELECT revision, story_id FROM articles WHERE source LIKE 'v%'"))
        assert story[1] == story[2]  # the revision stays in its article's story


def test_an_earlier_run_is_read_from_the_index(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    first = make_article(WIRE, source="one.txt")
    run_dedupe(out, "run1", [first])
    assert read_index(out, ["article_id", "run_id"]).to_pylist() == [{"article_id": first.article_id, "run_id": "run1"}]

    again = make_article(" ".join(WIRE.split()), source="copy.txt", run_id="run2")
    fresh = make_article("Story two, about something else entirely.", source="two.txt", run_id="run2")
    run_dedupe(
        out,
        "run2",
        [again, fresh],
        {
            "unique": lambda xs: _eq([a.source for a in xs], ["two.txt"]),
            "duplicates": lambda xs: _eq(
                [(d.source, d.reason, d.duplicate_of) for d in xs],
                [("copy.txt", "seen-in-earlier-run", first.article_id)],
            ),
        },
    )
    parts = sorted(p.name for p in Path(table_dir(out, INDEX_TABLE)).iterdir())
    assert parts == ["part-run1-00000.parquet", "part-run2-00000.parquet"]
    assert {run_of(p) for p in parts} == {"run1", "run2"}


def test_a_run_that_left_no_index_is_rebuilt_from_its_articles(tmp_path: Path) -> None:
    """A run that crashed after writing its articles and before its index part: the next run rebuilds the
    rows from the article files, uses them, and writes them as that run's repair part."""
    out = str(tmp_path / "out")
    crashed = make_article(SEED["000"], source="000.txt", run_id="crashed")
    crashed.story_id = "s-crashed"
    with TestPipeline() as p:
        _ = p | beam.Create([crashed]) | WritePartitions(out, run_id="crashed")

    copy = make_article(SEED["000"], source="copy.txt", run_id="run2")
    related = make_article(SEED["001"], source="001.txt", run_id="run2")
    run_dedupe(
        out,
        "run2",
        [copy, related],
        {
            "unique": lambda xs: _eq([(a.source, a.story_id) for a in xs], [("001.txt", "s-crashed")]),
            "duplicates": lambda xs: _eq([d.reason for d in xs], ["seen-in-earlier-run"]),
        },
    )
    parts = sorted(p.name for p in Path(table_dir(out, INDEX_TABLE)).iterdir())
    assert parts == ["part-crashed-repair.parquet", "part-run2-00000.parquet"]
    rows = {r["article_id"]: r for r in read_index(out).to_pylist()}
    assert rows[crashed.article_id]["story_id"] == "s-crashed"
    assert rows[crashed.article_id]["run_id"] == "crashed"
    assert rows[related.article_id]["story_id"] == "s-crashed"


def test_same_url_with_changed_text_is_a_new_revision(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    url = "https://news.example/harbour?utm_source=feed"
    v1 = make_article(WIRE, source="v1.html", url=url)
    run_dedupe(out, "run1", [v1])
    v2 = make_article(WIRE + " The vote was 21 to 14.", source="v2.html", url=url, run_id="run2")
    v3 = make_article(WIRE + " The vote was 21 to 15.", source="v3.html", url=url, run_id="run2")
    v3.published_at = NOW + dt.timedelta(hours=1)  # v2 (undated: ingest time) before v3
    assert v1.article_id == v2.article_id == v3.article_id

    def check_unique(articles: list[Article]) -> None:
        assert sorted((a.source, a.revision) for a in articles) == [("v2.html", 2), ("v3.html", 3)]
        assert all(a.duplicate_of is None for a in articles)  # a revision is not a copy of itself

    run_dedupe(out, "run2", [v3, v2, make_article(WIRE, source="v1-again.html", url=url, run_id="run2")], {
        "unique": check_unique,
        "duplicates": lambda xs: _eq([d.source for d in xs], ["v1-again.html"]),
    })  # fmt: skip
    rows = written(out, "SELECT revision, source, story_id FROM articles ORDER BY revision")
    assert [r[:2] for r in rows] == [(1, "v1.html"), (2, "v2.html"), (3, "v3.html")]
    assert len({r[2] for r in rows}) == 1  # revisions stay in their article's story
    latest = written(out, "SELECT article_id, revision, source FROM articles_latest")
    assert latest == [(v1.article_id, 3, "v3.html")]
    v4 = make_article(WIRE + " Final.", source="v4.html", url=url, run_id="run3")
    run_dedupe(out, "run3", [v4], {"unique": lambda xs: _eq([a.revision for a in xs], [4])})
    assert written(out, "SELECT revision FROM articles_latest") == [(4,)]


def test_near_duplicates_are_written_and_flagged(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    original = make_article(WIRE, source="wire.txt", day=dt.date(2025, 12, 1))
    edited = make_article(
        WIRE.replace("Tuesday", "Monday") + " More soon.", source="site.txt", day=dt.date(2025, 12, 2)
    )
    other = make_article(SEED["004"], source="004.txt", day=dt.date(2025, 12, 2))

    def check_unique(articles: list[Article]) -> None:
        got = {a.source: a for a in articles}
        assert set(got) == {"wire.txt", "site.txt", "004.txt"}
        assert got["site.txt"].duplicate_of == original.article_id
        assert got["wire.txt"].duplicate_of is None and got["004.txt"].duplicate_of is None
        assert got["site.txt"].story_id == got["wire.txt"].story_id != got["004.txt"].story_id

    def check_counts(counts: list[tuple[str, int]]) -> None:
        found = dict(counts)
        assert found["stories|near-duplicates"] == 1
        assert found["stories|new-stories"] == 2 and found["stories|articles"] == 3

    run_dedupe(out, "run1", [edited, other, original], {"unique": check_unique, "counts": check_counts})
    flagged = written(out, "SELECT source, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL")
    assert flagged == [("site.txt", original.article_id)]


def test_a_later_run_joins_an_earlier_story_and_a_rerun_adds_nothing(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    run1 = [make_article(SEED[n], source=f"{n}.txt") for n in ("000", "004")]
    run_dedupe(out, "run1", run1)
    stories_run1 = dict(written(out, "SELECT source, story_id FROM articles"))
    assert stories_run1["000.txt"] != stories_run1["004.txt"]

    run2 = [make_article(SEED[n], source=f"{n}.txt", run_id="run2") for n in ("001", "002", "003")]

    def check_counts(counts: list[tuple[str, int]]) -> None:
        found = dict(counts)
        assert found["stories|joined-earlier-story"] == 3 and found["stories|new-stories"] == 0

    run_dedupe(out, "run2", run2, {"counts": check_counts})
    by_source = dict(written(out, "SELECT source, story_id FROM articles"))
    assert by_source["001.txt"] == by_source["002.txt"] == by_source["003.txt"] == stories_run1["000.txt"]

    before = written(out, "SELECT count(*) FROM articles")
    run_dedupe(
        out,
        "run3",
        [make_article(SEED[n], source=f"{n}.txt", run_id="run3") for n in SEED],
        {"unique": lambda xs: _eq(xs, []), "counts": lambda xs: _eq(xs, [])},
    )
    assert written(out, "SELECT count(*) FROM articles") == before == [(5,)]
    assert sorted(run_of(p.name) or "" for p in Path(table_dir(out, INDEX_TABLE)).iterdir()) == ["run1", "run2"]


def test_index_waits_for_the_article_files(tmp_path: Path) -> None:
    """WriteIndex releases its rows through a grouping with the written files: with the articles' write
    failing, no index part appears."""
    out = str(tmp_path / "out")

    def explode(_: Any) -> Any:
        raise RuntimeError("disk full")

    try:
        with TestPipeline() as p:
            result = p | beam.Create([make_article(WIRE)]) | Dedupe(out, "run1")
            files = result.unique | WritePartitions(out, "run1") | beam.Map(explode)
            _ = result.index_rows | WriteIndex(out, after=files)
    except Exception as exc:
        assert "disk full" in str(exc)
    else:
        raise AssertionError("the pipeline should have failed")
    assert not Path(table_dir(out, INDEX_TABLE)).exists()
    assert read_index(out).num_rows == 0


# --- SkipUnchanged / RecordUnchanged


def doc(content: str, source: str) -> RawDocument:
    return RawDocument(source=source, source_format="txt", kind="text", content=content)


def test_input_hash_ignores_where_an_input_was_found() -> None:
    assert input_hash(doc("Body.", "a.txt")) == input_hash(doc("Body.", "elsewhere/b.txt"))
    assert input_hash(doc("Body.", "a.txt")) != input_hash(doc("Body!", "a.txt"))
    html = RawDocument(source="a.html", source_format="html", kind="html", content="Body.")
    assert input_hash(html) != input_hash(doc("Body.", "a.txt"))


ORIGINS = ("bad.txt", "copy.txt", "kept.txt")


def test_unchanged_inputs_are_skipped_after_their_articles_exist(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    docs = [doc("Kept body.", "kept.txt"), doc("Copy body.", "copy.txt"), doc("Bad body.", "bad.txt")]
    with TestPipeline() as p:
        result = p | beam.Create(docs) | SkipUnchanged(out)
        check(result.unchanged, lambda xs: _eq(xs, []), "NothingSkipped")
        check(
            result.keys,
            lambda xs: _eq(sorted((s, k.origin, k.fresh) for s, k in xs), [(n, n, True) for n in sorted(ORIGINS)]),
            "Keys",
        )
        files = p | "Files" >> beam.Create(["a written file"])
        recorded = result.keys | RecordUnchanged(
            out,
            "run1",
            articles=p | "Articles" >> beam.Create(["kept.txt", "copy.txt"]),  # written / duplicate
            rejected=p | "Rejected" >> beam.Create(["bad.txt"]),
            fingerprints=p | "Fingerprints" >> beam.Create([("kept.txt", (10, 1.5))]),
            after=files,
        )
        check(
            recorded,
            lambda xs: _eq(
                sorted(xs), [("stories|file-fingerprints-recorded", 1), ("stories|input-hashes-recorded", 2)]
            ),
            "Recorded",
        )
    rows = pq.read_table(Path(table_dir(out, TABLE))).to_pylist()
    assert sorted(r["source"] for r in rows) == ["copy.txt", "kept.txt"]

    again = [doc("Kept body.", "moved/kept.txt"), doc("Bad body.", "bad.txt"), doc("New body.", "new.txt")]
    with TestPipeline() as p:
        result = p | beam.Create(again) | SkipUnchanged(out)
        check(
            result.unchanged,
            lambda xs: _eq([(d.source, d.reason) for d in xs], [("moved/kept.txt", "unchanged-input")]),
            "Skipped",
        )
        check(result.fresh, lambda xs: _eq(sorted(d.source for d in xs), ["bad.txt", "new.txt"]), "Fresh")


def test_a_source_with_any_rejected_input_is_not_recorded(tmp_path: Path) -> None:
    """JSONL records may name one outlet as their source: one rejected record keeps all of them fresh."""
    out = str(tmp_path / "out")
    with TestPipeline() as p:
        keys = p | "Keys" >> beam.Create(
            [
                ("gazette", Key("h1", "f.jsonl", True)),
                ("gazette", Key("h2", "f.jsonl", True)),
                ("solo", Key("h3", "s", True)),
            ]
        )
        rejected = Rejected(
            source="gazette", stage="tag", reason="too-short", detail=None, url=None, rejected_at=NOW, run_id="r"
        )
        recorded = keys | RecordUnchanged(
            out,
            "run1",
            articles=p | "Articles" >> beam.Create(["gazette", "solo"]),
            rejected=p | "Rejected" >> beam.Create([rejected]) | beam.Map(lambda r: r.source),
            fingerprints=p | "Fingerprints" >> beam.Create([("gazette", (1, 1.0))]),
            after=p | "Files" >> beam.Create([]),
        )
        check(recorded, lambda xs: _eq(xs, [("stories|input-hashes-recorded", 1)]), "Recorded")


def test_read_plan_sets_aside_recorded_unchanged_files(tmp_path: Path) -> None:
    src, out = tmp_path / "in", str(tmp_path / "out")
    src.mkdir()
    names = ["a.txt", "odd [draft] name?.html", "lines.jsonl", "b.txt"]
    for name in names:
        (src / name).write_text(f"{name} body", encoding="utf-8")
    first = plan_reads(out, [str(src)])
    assert first.unchanged == [] and len(first.read) == 4
    assert sorted(Path(p).name for p, _, _ in first.fingerprints) == [
        "a.txt",
        "b.txt",
        "lines.jsonl",
        "odd [draft] name?.html",
    ]
    # every read pattern matches exactly its own file, glob characters included
    for pattern in first.read:
        (meta,) = FileSystems.match([pattern])[0].metadata_list
        assert Path(meta.path).parent == src
    with TestPipeline() as p:
        recorded = (
            p | "Keys" >> beam.Create([(path, Key(f"h-{path}", path, True)) for path, _, _ in first.fingerprints])
        ) | RecordUnchanged(
            out,
            "run1",
            articles=p | "Articles" >> beam.Create([str(src / "a.txt"), str(src / "odd [draft] name?.html")]),
            rejected=p | "Rejected" >> beam.Create([str(src / "b.txt")]),
            fingerprints=p | "Fp" >> beam.Create([(path, (size, mtime)) for path, size, mtime in first.fingerprints]),
            after=p | "Files" >> beam.Create(["written"]),
        )
        check(
            recorded,
            lambda xs: _eq(
                sorted(xs), [("stories|file-fingerprints-recorded", 2), ("stories|input-hashes-recorded", 2)]
            ),
            "Recorded",
        )
    (src / "odd [draft] name?.html").write_text("changed body, another length", encoding="utf-8")
    second = plan_reads(out, [str(src)])
    # b.txt was rejected; lines.jsonl made no input at all in this run (no keys), so it is read again
    assert [Path(p).name for p in second.unchanged] == ["a.txt"] and second.unchanged_inputs == 1
    assert len(second.read) == 3 and second.read_bytes == sum(
        (src / n).stat().st_size for n in ("odd [draft] name?.html", "lines.jsonl", "b.txt")
    )


def test_identity() -> None:
    assert identity.canonical_url("https://Example.com/a?utm_source=x&b=1#top") == "https://example.com/a?b=1"
    assert identity.canonical_url("ftp://example.com/a") is None
    assert identity.canonical_url(None) is None
    assert identity.content_hash("A  b\nC") == identity.content_hash("a b c")
    url_id = identity.article_id("https://example.com/a", identity.content_hash("x"))
    assert url_id == identity.article_id("https://example.com/a", identity.content_hash("changed text"))
    assert identity.article_id(None, identity.content_hash("x")) != identity.article_id(
        None, identity.content_hash("y")
    )


def test_canonical_url_keeps_hosts_a_crawler_filter_would_drop() -> None:
    assert identity.canonical_url("http://127.0.0.1:8080/a/b?utm_source=x&id=2#f") == "http://127.0.0.1:8080/a/b?id=2"
    assert identity.canonical_url("https://intranet/news/1") == "https://intranet/news/1"
    assert identity.canonical_url("https://Example.com/feed") == "https://example.com/feed"
    assert identity.canonical_url("mailto:someone@example.com") is None
    assert identity.canonical_url("file:///etc/passwd") is None


def test_a_story_day_dates_only_an_article_dated_by_its_ingest_time() -> None:
    from transforms.storage.staging import Decision
    from transforms.text.stories import STORY_DATE_CONFIDENCE

    story_day = dt.date(2025, 12, 21)
    decision = Decision(1, None, "s-1", story_day)
    undated = decision.apply(make_article(SEED["002"]))
    assert (undated.date, undated.date_source, undated.story_id) == (story_day, "story", "s-1")
    assert undated.date_confidence == STORY_DATE_CONFIDENCE and undated.published_at is None
    dated = decision.apply(make_article(SEED["000"], day=dt.date(2025, 12, 20)))
    assert (dated.date, dated.date_source) == (dt.date(2025, 12, 20), "text")
    plain = Decision(1, None, "s-1").apply(make_article(SEED["002"]))
    assert plain.date_source == "ingested"
