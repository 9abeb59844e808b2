"""The composites both graphs share: ProcessDocuments, the AfterFiles barrier, Outcomes and the Ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.internal import pickler
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline import runs
from pipeline.manifest import Ledger, Outcomes
from schemas.document import DUPLICATE, REJECTED, WRITTEN, Duplicate, Outcome, RunContext
from schemas.rejected import Rejected
from tests.html_samples import ARTICLE_PARAGRAPHS, news_page, product_page
from transforms._barrier import AfterFiles
from transforms.process import ProcessDocuments
from transforms.read import ReadLocal

CTX = RunContext(
    run_id="r1", ingested_at=dt.datetime(2026, 11, 21, 12, tzinfo=dt.timezone.utc), reference_date=dt.date(2026, 11, 21)
)


def test_process_documents_makes_one_article_or_one_reject_per_document(tmp_path: Path) -> None:
    """Bodies come from files (ReadLocal), never through beam.Create."""
    (tmp_path / "page.html").write_text(news_page(), encoding="utf-8")
    (tmp_path / "note.txt").write_text("Harbour Gazette\n\n" + "\n\n".join(ARTICLE_PARAGRAPHS) + "\n", encoding="utf-8")
    (tmp_path / "short.txt").write_text("Too short to be news.\n", encoding="utf-8")
    (tmp_path / "nav.html").write_text("<html><body><script>var a = 1;</script></body></html>", encoding="utf-8")
    with TestPipeline() as p:
        read = p | ReadLocal([str(tmp_path)], run_id="r1")
        processed = read.documents | ProcessDocuments(CTX, min_words=20)
        assert_that(
            processed.articles | beam.Map(lambda a: (Path(a.source).name, a.run_id)),
            equal_to([("page.html", "r1"), ("note.txt", "r1")]),
            label="Articles",
        )
        assert_that(
            processed.rejected | beam.Map(lambda r: (Path(r.source).name, r.stage, r.reason)),
            equal_to([("short.txt", "tag", "too-short"), ("nav.html", "extract", "no-main-text")]),
            label="Rejected",
        )


@pytest.mark.parametrize("keep", [False, True])
def test_process_documents_passes_its_settings_to_the_stages(tmp_path: Path, keep: bool) -> None:
    (tmp_path / "short.txt").write_text("Too short to be news.\n", encoding="utf-8")
    (tmp_path / "product.html").write_text(product_page(), encoding="utf-8")
    with TestPipeline() as p:
        read = p | ReadLocal([str(tmp_path)], run_id="r1")
        processed = read.documents | ProcessDocuments(CTX, min_words=3, keep_non_articles=keep)
        assert_that(
            # kept, the product page is written as the non-article kind the gate names (its model's guess)
            processed.articles | beam.Map(lambda a: (Path(a.source).name, a.page_kind == "article")),
            equal_to([("short.txt", True)] + ([("product.html", False)] if keep else [])),
            label="Articles",
        )
        assert_that(
            processed.rejected | beam.Map(lambda r: (Path(r.source).name, r.stage, r.reason)),
            equal_to([] if keep else [("product.html", "extract", "not-an-article")]),
            label="Rejected",
        )


# What the barrier's downstream saw, in the order it saw it, and when (the DirectRunner runs in this process).
_EVENTS: list[tuple[str, Any]] = []


def _note(item: Any, what: str) -> Any:
    _EVENTS.append((what, item))
    return item


def test_after_files_releases_every_row_only_once_the_files_exist() -> None:
    _EVENTS.clear()
    with TestPipeline() as p:
        files = p | "Files" >> beam.Create(["part-1.parquet", "part-2.parquet"]) | "Wrote" >> beam.Map(_note, "file")
        rows = p | "Rows" >> beam.Create([{"id": 1}, {"id": 2}, {"id": 3}])
        released = rows | AfterFiles(files) | "Released" >> beam.Map(_note, "row")
        assert_that(released | beam.Map(lambda r: r["id"]), equal_to([1, 2, 3]))
    kinds = [kind for kind, _ in _EVENTS]
    assert sorted(kinds) == ["file", "file", "row", "row", "row"]
    assert kinds.index("row") > max(i for i, kind in enumerate(kinds) if kind == "file"), kinds


def test_after_files_together_releases_the_rows_as_one_element_once_the_files_exist() -> None:
    _EVENTS.clear()
    with TestPipeline() as p:
        files = p | "Files" >> beam.Create(["part-1.parquet", "part-2.parquet"]) | "Wrote" >> beam.Map(_note, "file")
        rows = p | "Rows" >> beam.Create([{"id": 1}, {"id": 2}, {"id": 3}])
        released = rows | AfterFiles(files, together=True) | "Released" >> beam.Map(_note, "rows")
        assert_that(released | beam.Map(lambda rs: sorted(r["id"] for r in rs)), equal_to([[1, 2, 3]]))
    kinds = [kind for kind, _ in _EVENTS]
    assert sorted(kinds) == ["file", "file", "rows"]
    assert kinds.index("rows") > max(i for i, kind in enumerate(kinds) if kind == "file"), kinds


def test_after_files_releases_rows_when_the_run_wrote_no_file() -> None:
    with TestPipeline() as p:
        files = p | "NoFiles" >> beam.Create([]).with_output_types(str)
        rows = p | "Rows" >> beam.Create(["a", "b"])
        assert_that(rows | AfterFiles(files), equal_to(["a", "b"]))


def test_a_stage_written_as_a_dataclass_stays_a_beam_ptransform(tmp_path: Path) -> None:
    """`transforms._stage.Stage`: the fields are the settings, a derived setting is made after them, and Beam's
    label, repr, identity equality and pickling are as for any PTransform."""
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    first, second = ReadLocal([str(tmp_path)], "r1", max_bytes=10), ReadLocal([str(tmp_path)], "r1", max_bytes=10)
    assert first.patterns == [f"{tmp_path}/**"]  # the folder, expanded once the fields are set
    assert first != second and len({first, second}) == 2
    assert first.label == "ReadLocal" and repr(first).startswith("<ReadLocal(PTransform) label=[ReadLocal]")
    back = pickler.loads(pickler.dumps(first))
    assert (type(back), back.patterns, back.run_id, back.max_bytes) == (ReadLocal, first.patterns, "r1", 10)
    with pytest.raises(TypeError):
        ProcessDocuments(CTX, "taxonomy.yaml")  # type: ignore[misc]  # settings after the context are by keyword
    with TestPipeline() as p:
        read = p | "ReadTheFolder" >> first
        assert_that(read.documents | beam.Map(lambda d: Path(d.source).name), equal_to(["a.txt"]))
    assert "ReadTheFolder" in {t.full_label for t in p.transforms_stack[0].parts}


def _rejected(source: str, stage: str, reason: str) -> Rejected:
    return Rejected(
        source=source,
        stage=stage,
        reason=reason,
        detail=None,
        url=None,
        rejected_at=dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc),
        run_id="r1",
    )


class _Written:
    def __init__(self, source: str) -> None:
        self.source = source


def test_outcomes_and_ledger_count_every_input_once() -> None:
    duplicates = [
        Duplicate("b", "h", "a1", "duplicate-in-run"),
        Duplicate("c", None, None, "unchanged-input"),
        Duplicate("d", "h", None, "duplicate-in-run"),
    ]
    rejected = [_rejected("e", "read", "empty"), _rejected("f", "tag", "too-short"), _rejected("g", "tag", "too-short")]
    with TestPipeline() as p:
        outcomes = (
            p | "Written" >> beam.Create([_Written("a")]),
            p | "Duplicates" >> beam.Create(duplicates),
            p | "Rejected" >> beam.Create(rejected),
        ) | Outcomes()
        assert_that(
            outcomes,
            equal_to(
                [
                    Outcome("a", WRITTEN),
                    Outcome("b", DUPLICATE, "duplicate-in-run"),
                    Outcome("c", DUPLICATE, "unchanged-input"),
                    Outcome("d", DUPLICATE, "duplicate-in-run"),
                    Outcome("e", REJECTED, "empty", "read"),
                    Outcome("f", REJECTED, "too-short", "tag"),
                    Outcome("g", REJECTED, "too-short", "tag"),
                ]
            ),
            label="Outcomes",
        )
        # Inputs are counted from what was read, not from the outcomes: here one input more than outcomes.
        read = p | "Read" >> beam.Create(list("abcdefgh"))
        stories = p | "StageCounts" >> beam.Create([("stories|articles", 1)])
        counts = outcomes | Ledger([read], [stories])
        expected = {
            "inputs": 8,
            "written": 1,
            "duplicates": 3,
            "duplicates|duplicate-in-run": 2,
            "duplicates|unchanged-input": 1,
            "rejected|read|empty": 1,
            "rejected|tag|too-short": 2,
            "stories|articles": 1,
        }
        assert_that(counts, equal_to(list(expected.items())), label="Counts")
    tally = runs.Tally.from_counts(expected)
    assert (tally.inputs, tally.written, tally.duplicates, tally.rejected_total) == (8, 1, 3, 3)
    assert not tally.balanced  # 8 read, 7 outcomes: one input lost somewhere
    assert tally.rejected == {("read", "empty"): 1, ("tag", "too-short"): 2}
    assert tally.duplicate_reasons == {"duplicate-in-run": 2, "unchanged-input": 1}


def test_tally_reads_back_the_counts_it_writes_and_old_manifests() -> None:
    tally = runs.Tally(6, 3, 2, {"warc-revisit": 2}, {("extract", "no-main-text"): 1})
    assert runs.Tally.from_counts(tally.to_counts()) == tally
    assert tally.balanced
    # A manifest written before the ledger: the same keys, plus the stages' own counts.
    old = {"inputs": 5, "written": 4, "rejected|read|invalid-json": 1, "stories|articles": 4}
    assert runs.Tally.from_counts(old) == runs.Tally(5, 4, 0, {}, {("read", "invalid-json"): 1})
    with pytest.raises(ValueError):
        runs.outcome_keys("lost")
