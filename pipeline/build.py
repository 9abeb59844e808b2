"""Assemble the batch graph from the stage transforms; nothing here knows which runner it is on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import AsDict, AsSingleton

from pipeline import manifest
from transforms.clean import CleanText
from transforms.dedupe import Dedupe
from transforms.document import RunContext
from transforms.extract import Extract
from transforms.read import ReadLocal
from transforms.sink import WritePartitions, WriteRejected
from transforms.tag import TagArticles


def _count(label: str, pcoll: beam.PCollection, key: str) -> beam.PCollection:
    return pcoll | label >> beam.Map(lambda _: (key, 1))


def build_batch(
    p: beam.Pipeline,
    *,
    inputs: Sequence[str],
    output: str,
    ctx: RunContext,
    taxonomy: str | None = None,
    max_bytes: int,
    min_words: int,
    params: dict[str, Any] | None = None,
) -> None:
    """Read → extract → clean → tag → dedupe → write, every stage's rejects to `_rejected/`, and a
    manifest of the run in `_runs/<run_id>.json`."""
    run_id = ctx.run_id
    docs, read_rejected = p | "ReadLocal" >> ReadLocal(inputs, run_id, max_bytes)
    drafts, extract_rejected = docs | "Extract" >> Extract(run_id, ctx.reference_date)
    cleaned, clean_rejected = drafts | "CleanText" >> CleanText(run_id)
    articles, tag_rejected = cleaned | "Tag" >> TagArticles(ctx, taxonomy, min_words)
    unique, duplicates = articles | "Dedupe" >> Dedupe(output)

    written = unique | "WritePartitions" >> WritePartitions(output, run_id)
    rejected = (
        read_rejected,
        extract_rejected,
        clean_rejected,
        tag_rejected,
    ) | "AllRejected" >> beam.Flatten()
    rejected_written = rejected | "WriteRejected" >> WriteRejected(output, run_id)

    counts = (
        (
            _count("CountDocuments", docs, manifest.INPUTS),
            _count("CountReadRejects", read_rejected, manifest.INPUTS),
            _count("CountDuplicates", duplicates, manifest.DUPLICATES),
            rejected | "KeyRejects" >> beam.Map(lambda r: (f"{manifest.REJECTED_PREFIX}{r.stage}|{r.reason}", 1)),
            written | "CountWritten" >> beam.Map(lambda f: (manifest.WRITTEN, f.rows)),
        )
        | "AllCounts" >> beam.Flatten()
        | "SumCounts" >> beam.CombinePerKey(sum)
    )
    files = (written, rejected_written) | "AllFiles" >> beam.Flatten() | "ListFiles" >> beam.combiners.ToList()
    _ = (
        p
        | "RunId" >> beam.Create([run_id])
        | "WriteManifest"
        >> beam.Map(
            manifest.write_manifest,
            output=output,
            counts=AsDict(counts),
            files=AsSingleton(files),
            params=params or {},
        )
    )
