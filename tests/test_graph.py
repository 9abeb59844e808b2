"""The shape of the graphs: what crosses a shuffle, and the composites the batch and stream graphs share.

Beam's DirectRunner keeps every shuffled collection in memory, and with multi-processing workers it lost
elements of a 1.8 GB shuffle of documents (10,000 pages of 180 KB through Reshuffle + CoGroupByKey came
out as 9,823). So up to Dedupe nothing is shuffled but file names and byte ranges: reading, skipping
unchanged inputs, extraction, cleaning and tagging fuse into one step per range of input.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.pipeline import PipelineVisitor

from pipeline.build import build_batch, build_stream
from schemas.document import RunContext
from transforms.discover import web_sources_from
from transforms.web.client import FetchConfig


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
    per_document = ("ReadLocal/", "SkipUnchanged/", "Documents", "Process/")
    early = [label for label in shuffles.labels if label.startswith(per_document)]
    # Only the file names (one read per file) and the byte ranges to read are shuffled.
    assert early == ["ReadLocal/UniquePaths", "ReadLocal/SpreadRanges/ReshufflePerKey/GroupByKey"]
    assert any(label.startswith("Dedupe/") for label in shuffles.labels)  # the visitor does see shuffles


class _TopLevel(PipelineVisitor):
    def __init__(self) -> None:
        self.types: dict[str, str] = {}

    def enter_composite_transform(self, node) -> None:  # type: ignore[no-untyped-def]
        if node.full_label and "/" not in node.full_label:
            self.types[node.full_label] = type(node.transform).__name__

    def visit_transform(self, node) -> None:  # type: ignore[no-untyped-def]
        self.enter_composite_transform(node)


def _top_level(p: beam.Pipeline) -> dict[str, str]:
    visitor = _TopLevel()
    p.visit(visitor)
    return visitor.types


def test_batch_and_stream_graphs_share_their_composites(tmp_path: Path) -> None:
    ctx = RunContext(
        run_id="r", ingested_at=dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc), reference_date=dt.date(2026, 11, 21)
    )
    batch = beam.Pipeline()
    web = web_sources_from(["https://news.example/feed.xml"])
    build_batch(batch, inputs=[str(tmp_path)], output=str(tmp_path / "out"), ctx=ctx, max_bytes=1 << 20, web=web)
    stream = beam.Pipeline(options=PipelineOptions(["--streaming"]))
    build_stream(
        stream,
        sources=web.sources,
        output=str(tmp_path / "out"),
        ctx=ctx,
        fetch=FetchConfig(),
        poll_interval=1.0,
        window=10.0,
        start=0.0,
        stop=1.0,
    )
    batch_steps, stream_steps = _top_level(batch), _top_level(stream)
    shared = {
        "Process": "ProcessDocuments",
        "WritePartitions": "WritePartitions",
        "WriteRejected": "WriteRejected",
        "Outcomes": "Outcomes",
        "WriteIndex": "WriteIndex",
        "MarkSeen": "MarkSeen",
        "Ledger": "Ledger",
        "WriteManifest": "WriteManifest",
    }
    for label, kind in shared.items():
        assert batch_steps.get(label) == stream_steps.get(label) == kind, (label, batch_steps, stream_steps)
    # Each graph stays short enough to read at a glance: a couple of dozen named steps.
    assert len(batch_steps) <= 25 and len(stream_steps) <= 25, (sorted(batch_steps), sorted(stream_steps))
