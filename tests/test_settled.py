"""Inputs rejected for a reason the same settings would give again are settled like written ones: a re-run over
unchanged input reads nothing, a changed file skips them by hash, and other settings try them again."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import apache_beam as beam
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline

from pipeline.settings import StageSettings
from schemas.article import SCHEMA_VERSION_KEY
from schemas.document import RawDocument
from schemas.rejected import Rejected
from schemas.unchanged import FILE_FINGERPRINTS_SCHEMA, INPUT_HASHES_SCHEMA, fill_missing
from tests.beam_util import check
from tests.factories import NOW
from tests.html_samples import ARTICLE_PARAGRAPHS
from tests.support import REFERENCE, UKRAINE_TAXONOMY, newsbeam, summary_counts
from transforms.storage.tables import table_dir, write_table
from transforms.unchanged import (
    FILES_TABLE,
    SETTLED_TABLE,
    TABLE,
    Key,
    RecordUnchanged,
    SkipUnchanged,
    input_hash,
    is_settled,
    known_hashes,
    plan_reads,
    settings_key,
    settings_key_of,
)

NAV_ONLY = "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>"


def _texts(n: int, offset: int = 0) -> list[str]:
    """`n` distinct article texts, long enough to be written."""
    return [
        " ".join(f"{w} {i}" for w in ARTICLE_PARAGRAPHS[i % len(ARTICLE_PARAGRAPHS)].split())
        for i in range(offset, offset + n)
    ]


def _feed(path: Path) -> None:
    """Three articles and four inputs rejected for settled reasons, one per stage that has them."""
    lines = [json.dumps({"text": t}) for t in _texts(3)] + [
        "{not json",  # read/invalid-json
        json.dumps({"url": "https://example.com/nothing"}),  # read/missing-content
        json.dumps({"text": "Brief wire note."}),  # tag/too-short: 3 words < 5
        json.dumps({"url": "https://example.com/menu", "html": NAV_ONLY}),  # extract: no article here
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rows(query: str) -> list[Any]:
    relation = duckdb.sql(query)
    assert relation is not None
    return relation.fetchall()


def _manifest_counts(out: Path, run_id: str) -> dict[str, int]:
    ((counts,),) = _rows(f"SELECT counts FROM read_json_auto('{out}/_runs/{run_id}.json')")
    return {key: value for key, value in counts.items() if value is not None}


def _count(glob: str) -> int:
    ((n,),) = _rows(f"SELECT count(*) FROM read_parquet('{glob}')")
    return int(n)


def test_a_second_run_reads_nothing_and_other_settings_read_again(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    _feed(src / "feed.jsonl")
    args = ("run", "--input", str(src), "--output", str(out), "--reference-date", REFERENCE)

    first = newsbeam(*args, "--run-id", "first")
    assert first.returncode == 0, first.stderr
    assert summary_counts(first.stdout, verified=True) == {"read": 7, "written": 3, "duplicates": 0, "rejected": 4}
    reasons = _rows(f"SELECT stage, count(*) FROM '{out}/_rejected/*.parquet' GROUP BY ALL ORDER BY ALL")
    assert reasons == [("extract", 1), ("read", 2), ("tag", 1)]

    second = newsbeam(*args, "--run-id", "second")
    assert second.returncode == 0, second.stderr
    assert summary_counts(second.stdout, verified=True) == {"read": 7, "written": 0, "duplicates": 7, "rejected": 0}
    assert "1 of 1 files unchanged since an earlier run" in second.stderr
    counts = _manifest_counts(out, "second")
    assert counts["duplicates|unchanged-input"] == 3 and counts["duplicates|settled-reject"] == 4
    assert not [key for key in counts if key.startswith("rejected|")]
    assert counts["inputs"] == 7
    # nothing new on disk: no article, no rejected row
    assert _count(f"{out}/date=*/topic=*/*.parquet") == 3
    assert _count(f"{out}/_rejected/*.parquet") == 4

    # Another --min-words is another setting that shapes articles: the file is read and processed again, its
    # articles are written as their next revisions, and the short text, now long enough, is written.
    third = newsbeam(*args, "--min-words", "2", "--run-id", "third")
    assert third.returncode == 0, third.stderr
    assert summary_counts(third.stdout, verified=True) == {"read": 7, "written": 4, "duplicates": 0, "rejected": 3}
    assert "unchanged since an earlier run" not in third.stderr
    assert "duplicates|unchanged-input" not in _manifest_counts(out, "third")
    rows = _rows(f"SELECT text, revision FROM '{out}/date=*/topic=*/*.parquet' WHERE run_id = 'third' ORDER BY ALL")
    assert sorted(revision for _, revision in rows) == [1, 2, 2, 2]
    assert [text for text, revision in rows if revision == 1] == ["Brief wire note."]


def test_a_changed_file_read_again_skips_its_settled_rejects_by_hash(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    feed = src / "feed.jsonl"
    _feed(feed)
    args = ("run", "--input", str(src), "--output", str(out), "--reference-date", REFERENCE)
    assert newsbeam(*args).returncode == 0

    with feed.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": _texts(1, offset=7)[0]}) + "\n")
    second = newsbeam(*args, "--run-id", "second")
    assert second.returncode == 0, second.stderr
    # read again: the new line is written, the too-short and non-article inputs are skipped before extraction,
    # the two lines the reader rejects are rejected again (they have no hash)
    assert summary_counts(second.stdout, verified=True) == {"read": 8, "written": 1, "duplicates": 5, "rejected": 2}
    counts = _manifest_counts(out, "second")
    assert counts["duplicates|settled-reject"] == 2 and counts["duplicates|unchanged-input"] == 3
    assert {key for key in counts if key.startswith("rejected|")} == {
        "rejected|read|invalid-json",
        "rejected|read|missing-content",
    }


def test_which_rejections_a_rerun_would_give_again() -> None:
    for stage, reason in [
        ("read", "invalid-json"),
        ("read", "too-large"),
        ("read", "http-404"),
        ("extract", "no-main-text"),
        ("extract", "not-an-article"),
        ("tag", "too-short"),
    ]:
        assert is_settled(stage, reason), (stage, reason)
    for stage, reason in [
        ("read", "internal-error"),
        ("extract", "internal-error"),
        ("fetch", "http-503"),
        ("fetch", "timeout"),
        ("dedupe", "internal-error"),
    ]:
        assert not is_settled(stage, reason), (stage, reason)


def test_a_rerun_with_another_deciding_setting_has_another_key() -> None:
    base = settings_key(5, False, 1000)
    assert base == settings_key(5, False, 1000)
    assert len({base, settings_key(6, False, 1000), settings_key(5, True, 1000), settings_key(5, False, 999)}) == 4


def _rejected(source: str, stage: str, reason: str) -> Rejected:
    return Rejected(source=source, stage=stage, reason=reason, detail=None, url=None, rejected_at=NOW, run_id="r")


def _recorded(counts: list[Any]) -> None:
    assert sorted(counts) == [
        ("stories|file-fingerprints-recorded", 1),
        ("stories|input-hashes-recorded", 2),
        ("stories|settled-rejects-recorded", 1),
    ]


def test_an_internal_error_is_tried_again_and_keeps_its_file_unsettled(tmp_path: Path) -> None:
    """Settled rejects record their hashes and let their file be fingerprinted with the settings; one
    internal error in a file keeps it (and its source's hash) to be read again."""
    out, key = str(tmp_path / "out"), settings_key(5, False, 1000)
    with TestPipeline() as p:
        keys = p | "Keys" >> beam.Create(
            [
                ("a.jsonl#L1", Key("h1", "a.jsonl", True)),
                ("a.jsonl#L2", Key("h2", "a.jsonl", True)),
                ("b.jsonl#L1", Key("h3", "b.jsonl", True)),
                ("b.jsonl#L2", Key("h4", "b.jsonl", True)),
            ]
        )
        rejected = p | "Rejected" >> beam.Create(
            [
                _rejected("a.jsonl#L2", "tag", "too-short"),
                _rejected("a.jsonl#L3", "read", "invalid-json"),
                _rejected("b.jsonl#L2", "clean", "internal-error"),
            ]
        )
        recorded = (keys) | RecordUnchanged(
            out,
            "run1",
            key,
            articles=p | "Articles" >> beam.Create(["a.jsonl#L1", "b.jsonl#L1"]),
            rejected=rejected,
            fingerprints=p | "Fingerprints" >> beam.Create([("a.jsonl", (10, 1.5)), ("b.jsonl", (20, 2.5))]),
            after=p | "Files" >> beam.Create(["a written file"]),
        )
        check(recorded, _recorded, "Recorded")
    files = pq.read_table(table_dir(out, FILES_TABLE)).to_pylist()
    assert [(f["path"], f["inputs"], f["rejects"], f["settings"]) for f in files] == [("a.jsonl", 3, 2, key)]
    settled = pq.read_table(table_dir(out, SETTLED_TABLE)).to_pylist()
    assert [(r["input_hash"], r["reason"], r["settings"]) for r in settled] == [("h2", "tag/too-short", key)]


def test_a_recorded_file_is_unchanged_only_under_the_same_settings(tmp_path: Path) -> None:
    src, out = tmp_path / "in", str(tmp_path / "out")
    src.mkdir()
    for name in ("rejects.jsonl", "articles.jsonl", "old.jsonl"):
        (src / name).write_text(f'{{"text": "{name}"}}\n', encoding="utf-8")
    first = plan_reads(out, [str(src)])
    fp = {Path(path).name: (path, size, mtime) for path, size, mtime in first.fingerprints}
    settings = settings_key(5, False, 1000)

    def row(name: str, rejects: int | None, key: str | None) -> dict[str, object]:
        path, size, mtime = fp[name]
        return {"path": path, "size": size, "mtime": mtime, "inputs": 3, "rejects": rejects, "settings": key}

    write_table(out, FILES_TABLE, FILE_FINGERPRINTS_SCHEMA, [row("rejects.jsonl", 2, settings)], "r1")
    write_table(out, FILES_TABLE, FILE_FINGERPRINTS_SCHEMA, [row("articles.jsonl", None, settings)], "r2")
    # a part file from before records carried their settings (schema version 1) still reads, and holds for none
    v1 = pa.schema(list(FILE_FINGERPRINTS_SCHEMA)[:4], metadata={SCHEMA_VERSION_KEY: b"1"})
    old = {k: v for k, v in row("old.jsonl", None, None).items() if k in v1.names}
    pq.write_table(pa.Table.from_pylist([old], schema=v1), os.path.join(table_dir(out, FILES_TABLE), "part-r0.parquet"))

    same = plan_reads(out, [str(src)], settings)
    assert sorted(Path(p).name for p in same.unchanged) == ["articles.jsonl", "rejects.jsonl"]
    assert [Path(p).name for p in same.read] == ["old.jsonl"]
    assert same.duplicate_reasons() == {"unchanged-input": 4, "settled-reject": 2}
    for other in (
        plan_reads(out, [str(src)], settings_key(6, False, 1000)),
        plan_reads(out, [str(src)], settings, True),
    ):
        assert other.unchanged == [] and len(other.read) == 3


def test_the_settings_key_covers_what_shapes_an_article(tmp_path: Path) -> None:
    """The taxonomy counts by its content, not its path; the thresholds count too."""
    a, b, c = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    a.write_text(UKRAINE_TAXONOMY, encoding="utf-8")
    b.write_text(UKRAINE_TAXONOMY, encoding="utf-8")
    c.write_text(UKRAINE_TAXONOMY.replace("witkoff: 2", "witkoff: 3"), encoding="utf-8")
    base = settings_key(5, False, 1000)
    assert settings_key(5, False, 1000, taxonomy=str(a)) == settings_key(5, False, 1000, taxonomy=str(b)) != base
    assert settings_key(5, False, 1000, taxonomy=str(c)) != settings_key(5, False, 1000, taxonomy=str(a))
    others = [
        settings_key(5, False, 1000, near_duplicate_threshold=0.9),
        settings_key(5, False, 1000, story_threshold=0.9),
        settings_key(5, False, 1000, story_window_days=1),
    ]
    assert len({base, *others}) == 4
    assert settings_key_of(StageSettings(min_words=5, taxonomy=str(a)), 1000) == settings_key(
        5, False, 1000, taxonomy=str(a)
    )


def test_input_hashes_hold_only_under_their_settings(tmp_path: Path) -> None:
    """A hash recorded under other settings, or before records carried settings (schema version 1), leaves
    its input fresh; so does `reprocess` for one recorded under the same settings."""
    out, settings = str(tmp_path / "out"), settings_key(5, False, 1000)
    docs = [_doc("Same body.", "same.txt"), _doc("Other body.", "other.txt"), _doc("Old body.", "old.txt")]
    write_table(out, TABLE, INPUT_HASHES_SCHEMA, [_hash_row(docs[0], settings)], "r1")
    write_table(out, TABLE, INPUT_HASHES_SCHEMA, [_hash_row(docs[1], settings_key(6, False, 1000))], "r2")
    v1 = pa.schema(list(INPUT_HASHES_SCHEMA)[:2], metadata={SCHEMA_VERSION_KEY: b"1"})
    old = {k: v for k, v in _hash_row(docs[2], None).items() if k in v1.names}
    pq.write_table(pa.Table.from_pylist([old], schema=v1), os.path.join(table_dir(out, TABLE), "part-r0.parquet"))
    assert known_hashes(out, settings) == {bytes.fromhex(input_hash(docs[0]))}
    for reprocess, skipped in ((False, ["same.txt"]), (True, [])):
        with TestPipeline() as p:
            result = p | beam.Create(docs) | SkipUnchanged(out, settings, reprocess)
            check(result.unchanged, lambda xs, skipped=skipped: _same([d.source for d in xs], skipped), "Skipped")


def _same(a: object, b: object) -> None:
    assert a == b, f"{a!r} != {b!r}"


def _doc(content: str, source: str) -> RawDocument:
    return RawDocument(source=source, source_format="txt", kind="text", content=content)


def _hash_row(doc: RawDocument, settings: str | None) -> dict[str, object]:
    return {"input_hash": input_hash(doc), "source": doc.source, "settings": settings, "version": "0"}


def test_an_unchanged_table_part_without_a_required_column_is_refused() -> None:
    with pytest.raises(ValueError, match="size"):
        fill_missing(pa.table({"path": ["a"]}), FILE_FINGERPRINTS_SCHEMA)
