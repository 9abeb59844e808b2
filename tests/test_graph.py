"""The shape of the batch graph: what crosses a shuffle.

Beam's DirectRunner keeps every shuffled collection in memory, and with multi-processing workers it lost
elements of a 1.8 GB shuffle of documents (10,000 pages of 180 KB through Reshuffle + CoGroupByKey came
out as 9,823). So up to Dedupe nothing is shuffled but file names and byte ranges: reading, skipping
unchanged inputs, extraction, cleaning and tagging fuse into one step per range of input.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import apache_beam as beam
from apache_beam.pipeline import PipelineVisitor

from pipeline.build import build_batch
from schemas.document import RunContext


class _Shuffles(PipelineVisitor):
    def __init__(self) -> None:
        self.labels: list[str] = []

    def visit_transform(self, node) -> None:  # type: ignore[no-untyped-def]
        if isinstance(node.transform, beam.GroupByKey):
            self.labels.append(node.full_label)


def test_no_document_body_crosses_a_shuffle_before_dedupe(tmp_path: Path) -> None:
    ctx = RunContext(
        run_id="r", ingested_at=dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc), reference_date=dt.date(2026, 11, 21)
    )
    p = beam.Pipeline()
    build_batch(p, inputs=[str(tmp_path)], output=str(tmp_path / "out"), ctx=ctx, max_bytes=1 << 20)
    shuffles = _Shuffles()
    p.visit(shuffles)
    per_document = ("ReadLocal/", "SkipUnchanged/", "Extract/", "CleanText/", "Tag/")
    early = [label for label in shuffles.labels if label.startswith(per_document)]
    # Only the file names (one read per file) and the byte ranges to read are shuffled.
    assert early == ["ReadLocal/UniquePaths", "ReadLocal/SpreadRanges/ReshufflePerKey/GroupByKey"]
    assert any(label.startswith("Dedupe/") for label in shuffles.labels)  # the visitor does see shuffles
