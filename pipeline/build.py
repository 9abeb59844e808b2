"""Assemble the batch graph from the stage transforms; nothing here knows which runner it is on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import apache_beam as beam

from pipeline import manifest
from pipeline.options import NewsbeamOptions
from schemas.document import RunContext
from transforms.clean import CleanText
from transforms.dedupe import Dedupe, WriteIndex
from transforms.extract import Extract
from transforms.fetch import MarkSeen, ReadWeb
from transforms.read import ReadLocal
from transforms.sink import WritePartitions, WriteRejected
from transforms.tag import DEFAULT_MIN_WORDS, TagArticles
from transforms.text.minhash import DEFAULT_NEAR_DUPLICATE_THRESHOLD
from transforms.text.stories import DEFAULT_STORY_THRESHOLD, DEFAULT_WINDOW_DAYS
from transforms.unchanged import (
    Fingerprint,
    Key,
    RecordUnchanged,
    SkipUnchanged,
    UnchangedFiles,
    settings_key,
    source_file,
)
from transforms.web.client import FetchConfig
from transforms.web.feeds import WebSources


@dataclass(frozen=True)
class StageSettings:
    """What the tagging and dedupe stages are told, the same for a batch run and a stream; one place to add
    a stage option instead of four."""

    min_words: int = DEFAULT_MIN_WORDS
    taxonomy: str | None = None
    near_duplicate_threshold: float = DEFAULT_NEAR_DUPLICATE_THRESHOLD
    story_threshold: float = DEFAULT_STORY_THRESHOLD
    story_window_days: int = DEFAULT_WINDOW_DAYS
    keep_non_articles: bool = False  # write pages the article gate turns away (`page_kind` says what they are)

    @classmethod
    def from_options(cls, opts: NewsbeamOptions) -> StageSettings:
        return cls(
            min_words=opts.min_words,
            taxonomy=opts.taxonomy,
            near_duplicate_threshold=opts.near_duplicate_threshold,
            story_threshold=opts.story_threshold,
            story_window_days=opts.story_window_days,
            keep_non_articles=opts.keep_non_articles,
        )

    def dedupe_options(self) -> dict[str, Any]:
        """The keyword arguments of `Dedupe` and `StreamDedupe` (also recorded in the run manifest)."""
        return {
            "near_duplicate_threshold": self.near_duplicate_threshold,
            "story_threshold": self.story_threshold,
            "story_window_days": self.story_window_days,
        }


DEFAULT_SETTINGS = StageSettings()


def _count(label: str, pcoll: beam.PCollection, key: str) -> beam.PCollection:
    return pcoll | label >> beam.Map(lambda _: (key, 1))


def build_batch(
    p: beam.Pipeline,
    *,
    inputs: Sequence[str],
    output: str,
    ctx: RunContext,
    max_bytes: int,
    settings: StageSettings = DEFAULT_SETTINGS,
    params: dict[str, Any] | None = None,
    web: WebSources | None = None,
    fetch: FetchConfig | None = None,
    unchanged_files: Sequence[str] = (),
    unchanged_inputs: Mapping[str, int] | None = None,
    fingerprints: Sequence[Fingerprint] = (),
    unchanged_rejects: Mapping[str, int] | None = None,
) -> None:
    """Read → extract → clean → tag → dedupe → write, every stage's rejects to `_rejected/`, and a
    manifest of the run in `_runs/<run_id>.json`. Web sources (`web`) are fetched into documents that join
    the local ones before Extract. `unchanged_files` (not read: `transforms.unchanged.plan_reads`) count as
    inputs and duplicates (as many as `unchanged_inputs` says each held, `unchanged_rejects` of them settled
    rejects); `fingerprints` of the files read are recorded for the next run."""
    run_id = ctx.run_id
    # Inputs that are duplicates as read (web archives' revisit records) count as read and as duplicates.
    docs, read_rejected, read_duplicates = p | "ReadLocal" >> ReadLocal(inputs, run_id, max_bytes, duplicates=True)
    # Local inputs an earlier run already made articles of are not extracted again.
    # ... and so are those rejected for a reason these settings would give again (`settings_key`).
    decided_by = settings_key(settings.min_words, settings.keep_non_articles, max_bytes)
    local = docs | "SkipUnchanged" >> SkipUnchanged(output, decided_by)
    to_extract = local.fresh
    fetched = None
    if web:
        # Each fetched page and each failed source or entry is one input, like a local file.
        fetched = p | "ReadWeb" >> ReadWeb(web, output, run_id, fetch or FetchConfig(max_bytes=max_bytes))
        docs = (docs, fetched["documents"]) | "LocalAndWeb" >> beam.Flatten()
        to_extract = (to_extract, fetched["documents"]) | "FreshAndWeb" >> beam.Flatten()
        read_rejected = (read_rejected, fetched["rejected"]) | "ReadAndFetchRejects" >> beam.Flatten()
    drafts, extract_rejected = to_extract | "Extract" >> Extract(run_id, ctx.reference_date, settings.keep_non_articles)
    cleaned, clean_rejected = drafts | "CleanText" >> CleanText(run_id)
    articles, tag_rejected = cleaned | "Tag" >> TagArticles(ctx, settings.taxonomy, settings.min_words)
    deduped = articles | "Dedupe" >> Dedupe(output, run_id, **settings.dedupe_options())
    unique = deduped.unique
    not_read = p | "UnchangedFiles" >> UnchangedFiles(unchanged_files, unchanged_inputs, unchanged_rejects)
    duplicates = (deduped.duplicates, local.unchanged, not_read, read_duplicates) | "AllDuplicates" >> beam.Flatten()

    written = unique | "WritePartitions" >> WritePartitions(output, run_id)
    rejected = (
        read_rejected,
        extract_rejected,
        clean_rejected,
        tag_rejected,
        deduped.rejected,
    ) | "AllRejected" >> beam.Flatten()
    rejected_written = rejected | "WriteRejected" >> WriteRejected(output, run_id)

    counts = (
        (
            _count("CountDocuments", docs, manifest.INPUTS),
            _count("CountReadRejects", read_rejected, manifest.INPUTS),
            _count("CountReadDuplicates", read_duplicates, manifest.INPUTS),
            _count("CountDuplicates", duplicates, manifest.DUPLICATES),
            rejected | "KeyRejects" >> beam.Map(lambda r: (f"{manifest.REJECTED_PREFIX}{r.stage}|{r.reason}", 1)),
            written | "CountWritten" >> beam.Map(lambda f: (manifest.WRITTEN, f.rows)),
        )
        | "AllCounts" >> beam.Flatten()
        | "SumCounts" >> beam.CombinePerKey(sum)
    )
    files = (written, rejected_written) | "AllFiles" >> beam.Flatten()
    by_reason = duplicates | "KeyDuplicates" >> beam.Map(lambda d: (f"{manifest.DUPLICATES}|{d.reason}", 1))
    counts = (counts, by_reason) | "WithDuplicateReasons" >> beam.Flatten()
    # State for the next run, written once the article files exist: the article index (signatures, story
    # ids, revisions) and the hashes of the local inputs that became articles.
    indexed = {"rows": deduped.index_rows, "after": written} | "WriteIndex" >> WriteIndex(output)
    input_outcomes = (
        unique | "ArticleSources" >> beam.Map(lambda a: a.source),
        duplicates | "DuplicateInputSources" >> beam.Map(lambda d: d.source),
    ) | "ArticleOutcomes" >> beam.Flatten()
    # A revisit record settles as a duplicate and counts towards its file's inputs (no hash to record).
    revisit_keys = read_duplicates | "RevisitKeys" >> beam.Map(
        lambda d: (d.source, Key("", source_file(d.source), False))
    )
    recorded = {
        "keys": (local.keys, revisit_keys) | "InputKeys" >> beam.Flatten(),
        "articles": input_outcomes,
        "rejected": rejected,
        "fingerprints": p
        | "Fingerprints" >> beam.Create([(path, (size, mtime)) for path, size, mtime in fingerprints]),
        "after": written,
    } | "RecordUnchanged" >> RecordUnchanged(output, run_id, decided_by)
    counts = (
        counts,
        deduped.counts,
        indexed,
        recorded,
        _count("CountNotRead", not_read, manifest.INPUTS),
    ) | "WithStoryCounts" >> beam.Flatten()
    if fetched is not None:
        # An entry not fetched (seen in an earlier run, or listed twice) is an input and a duplicate.
        skipped = fetched["skipped"]
        outcomes = (
            unique | "WrittenSources" >> beam.Map(lambda a: (a.source, "written")),
            duplicates | "DuplicateSources" >> beam.Map(lambda d: (d.source, "duplicate")),
            rejected | "RejectedSources" >> beam.Map(lambda r: (r.source, "rejected")),
        ) | "Outcomes" >> beam.Flatten()
        recorded = {
            "documents": fetched["documents"],
            "outcomes": outcomes,
            "settled": fetched["settled"],
            "after": files,
        } | "MarkSeen" >> MarkSeen(output, run_id)
        counts = (
            counts,
            fetched["counts"],
            recorded,
            _count("CountSkipped", skipped, manifest.INPUTS),
            _count("CountSkippedDuplicates", skipped, manifest.DUPLICATES),
            skipped | "KeySkipped" >> beam.Map(lambda s: (f"{manifest.DUPLICATES}|{s.reason}", 1)),
        ) | "WithWebCounts" >> beam.Flatten()
    # The manifest is the one sink every other step leads to, by main inputs only (no side inputs, no
    # dead-end steps): Beam's Dask runner computes just the ancestors of the last step.
    _ = (counts, files) | "WriteManifest" >> manifest.WriteManifest(output, run_id, params or {})
