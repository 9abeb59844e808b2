"""The run manifest: what a run read, wrote and rejected, written by the pipeline and verified after it.

The pipeline reports each file it wrote with its row count; after the run the CLI reads every file's
footer and checks that the rows are really there. That catches a sink that "succeeds" without writing
(Beam's WriteToParquet on the Dask runner did exactly that) on any runner.

`newsbeam compact` merges small files into `compact-<id>-NNNNN.parquet` and records which files went
where in `_compactions/`. For a run whose files were merged, `verify` checks instead that the merged files
of each partition hold exactly as many rows of that run (the `run_id` column) as the run reported in the
files that went into them; files that are simply gone are still reported missing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import apache_beam as beam
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import IntervalWindow

from pipeline.runs import DUPLICATES, INPUTS, REJECTED_PREFIX, RUNS_DIR, WRITTEN, Balance, Tally, outcome_keys
from schemas import document
from schemas.article import ARTICLES_GLOB
from schemas.document import Outcome
from transforms.state import window_run_id
from transforms.storage.staging import remove_staging

logger = logging.getLogger(__name__)
# Written by `newsbeam compact` (pipeline/compact.py): its records, and the prefix of the merged files.
COMPACTIONS_DIR = "_compactions"
COMPACTED_PREFIX = "compact-"
__all__ = ["DUPLICATES", "INPUTS", "REJECTED_PREFIX", "RUNS_DIR", "WRITTEN", "Ledger", "Outcomes", "WriteManifest"]


def manifest_path(output: str, run_id: str) -> str:
    return FileSystems.join(output, RUNS_DIR, f"{run_id}.json")


def write_manifest(
    run_id: str, output: str, counts: Mapping[str, int], files: Iterable[Any], params: Mapping[str, Any]
) -> str:
    """Write `_runs/<run_id>.json` atomically; called once, inside the pipeline, after all writes."""
    body = {
        "run_id": run_id,
        "params": dict(params),
        "counts": dict(sorted(counts.items())),
        "files": sorted((asdict(f) for f in files), key=lambda f: f["path"]),
    }
    path = manifest_path(output, run_id)
    directory, name = FileSystems.split(path)
    temp = FileSystems.join(directory, f".{name}.inprogress")
    with FileSystems.create(temp) as handle:
        handle.write(json.dumps(body, indent=1, default=str).encode("utf-8"))
    if FileSystems.exists(path):
        FileSystems.delete([path])
    FileSystems.rename([temp], [path])
    return path


class Outcomes(beam.PTransform):
    """`(articles written, Duplicates, Rejected rows) | Outcomes()` → one `Outcome` per input of the run: the
    one collection the ledger, the state of unchanged inputs and the seen URLs all read."""

    def expand(self, pcolls: tuple[beam.PCollection, beam.PCollection, beam.PCollection]) -> beam.PCollection:
        written, duplicates, rejected = pcolls
        return (
            written | "Written" >> beam.Map(lambda a: Outcome(a.source, document.WRITTEN)),
            duplicates | "Duplicates" >> beam.Map(lambda d: Outcome(d.source, document.DUPLICATE, d.reason)),
            rejected | "Rejected" >> beam.Map(lambda r: Outcome(r.source, document.REJECTED, r.reason, r.stage)),
        ) | "All" >> beam.Flatten()


def _outcome_counts(outcome: Outcome) -> Iterator[tuple[str, int]]:
    for key in outcome_keys(outcome.kind, outcome.reason, outcome.stage):
        yield key, 1


class Ledger(beam.PTransform):
    """`outcomes | Ledger(inputs, counts)` → the `(key, n)` counts of the run's manifest.

    `inputs` are the collections whose every element is one input of the run (documents read or fetched,
    inputs rejected or found duplicate as they were read, entries not fetched…); they are counted on their
    own, so `read = written + rejected + duplicates` checks that every input has exactly one outcome.
    The outcomes give written, duplicates by reason and rejected by stage and reason (`runs.outcome_keys`);
    `counts` are the stages' own `(key, n)` pairs (stories, web sources, state rows written)."""

    def __init__(self, inputs: Sequence[beam.PCollection], counts: Sequence[beam.PCollection] = ()) -> None:
        super().__init__()
        self.inputs = list(inputs)
        self.counts = list(counts)

    def expand(self, outcomes: beam.PCollection) -> beam.PCollection:
        read = [pcoll | f"CountInputs{i}" >> beam.Map(lambda _: (INPUTS, 1)) for i, pcoll in enumerate(self.inputs)]
        settled = outcomes | "CountOutcomes" >> beam.FlatMap(_outcome_counts)
        return (*read, settled, *self.counts) | "AllCounts" >> beam.Flatten() | "Sum" >> beam.CombinePerKey(sum)


_RUN, _COUNT, _FILE = "run", "count", "file"


def _window_params(params: Mapping[str, Any], window: Any) -> dict[str, Any]:
    """A stream window's manifest says which window it is. Its run started with the window, or with the
    stream (`ingested_at`, the time stamped on its rows) when that came later: `newsbeam runs` shows it."""
    if not isinstance(window, IntervalWindow):
        return dict(params)
    start, end = (t.to_utc_datetime().replace(tzinfo=dt.timezone.utc).isoformat() for t in (window.start, window.end))
    stream_start = params.get("ingested_at")
    started = max(start, stream_start) if isinstance(stream_start, str) else start
    return {**params, "ingested_at": started, "window_start": start, "window_end": end}


class _WriteManifestFn(beam.DoFn):
    def __init__(self, output: str, params: Mapping[str, Any]) -> None:
        self.output = output
        self.params = dict(params)

    def process(
        self, element: tuple[str, Iterable[tuple[str, Any]]], window: Any = beam.DoFn.WindowParam
    ) -> Iterator[str]:
        run_id, parts = element
        counts: dict[str, int] = {}
        files = []
        for kind, value in parts:
            if kind == _COUNT:
                key, n = value
                counts[key] = counts.get(key, 0) + n
            elif kind == _FILE:
                files.append(value)
        tally = Tally.from_counts(counts)
        if not tally.balanced:
            logger.error(
                "run %s does not balance: read %d != written %d + rejected %d + duplicates %d",
                run_id,
                tally.inputs,
                tally.written,
                tally.rejected_total,
                tally.duplicates,
            )
        path = write_manifest(run_id, self.output, counts, files, _window_params(self.params, window))
        # The last step of a run: every partition that read staged articles back has been written.
        remove_staging(self.output, run_id)
        yield path


class _KeyByRunFn(beam.DoFn):
    """A part of the manifest → `(run id, (kind, part))`; a stream window's parts go to the window's run."""

    def __init__(self, run_id: str, kind: str) -> None:
        self.run_id = run_id
        self.kind = kind

    def process(self, part: Any, window: Any = beam.DoFn.WindowParam) -> Iterator[tuple[str, tuple[str, Any]]]:
        yield window_run_id(self.run_id, window), (self.kind, tuple(part) if self.kind == _COUNT else part)


class WriteManifest(beam.PTransform):
    """`(counts, files)` → `_runs/<run_id>.json`, written once, after every write of the run; in a stream,
    `_runs/<window run id>.json` per window (`transforms.sink.window_run_id`). Logs an error when the
    counts do not balance.

    `counts` holds `(key, n)` pairs, `files` the sinks' `WrittenFile`s. Both reach the writing step as its
    main input, one group keyed by the run id (a batch run's also exists when it read nothing), not as side
    inputs: the manifest then depends on every sink as an ordinary input, which every runner executes
    once. Beam's Dask runner computes only the ancestors of the last step and evaluates each side input as
    a separate computation, which ran the whole pipeline again (and wrote twice).
    """

    def __init__(self, output: str, run_id: str, params: Mapping[str, Any], *, windowed: bool = False) -> None:
        super().__init__()
        self.output = output
        self.run_id = run_id
        self.params = dict(params)
        self.windowed = windowed

    def expand(self, pcolls: tuple[beam.PCollection, beam.PCollection]) -> beam.PCollection:
        counts, files = pcolls
        parts = [
            counts | "KeyCounts" >> beam.ParDo(_KeyByRunFn(self.run_id, _COUNT)),
            files | "KeyFiles" >> beam.ParDo(_KeyByRunFn(self.run_id, _FILE)),
        ]
        if not self.windowed:  # a stream window that saw nothing has no manifest; a batch run always has one
            parts.append(counts.pipeline | "RunId" >> beam.Create([(self.run_id, (_RUN, None))]))
        return (
            parts
            | "AllParts" >> beam.Flatten()
            | "OneGroup" >> beam.GroupByKey()
            | "Write" >> beam.ParDo(_WriteManifestFn(self.output, self.params))
        )


@dataclass
class RunReport(Balance):
    run_id: str
    inputs: int
    written: int
    duplicates: int
    rejected: dict[tuple[str, str], int]
    topics: dict[str, int]
    article_files: int
    rejected_rows: int
    problems: list[str] = field(default_factory=list)
    compacted_files: int = 0  # reported files since merged by `newsbeam compact`
    duplicate_reasons: dict[str, int] = field(default_factory=dict)


def read_manifest(output: str, run_id: str) -> dict[str, Any]:
    with FileSystems.open(manifest_path(output, run_id)) as handle:
        return json.loads(handle.read().decode("utf-8"))


def _footer_rows(path: str) -> int:
    with FileSystems.open(path) as handle:
        return pq.ParquetFile(handle).metadata.num_rows


def _normalised(path: str) -> str:
    return path if "://" in path else os.path.abspath(path)


def _compacted_inputs(output: str) -> dict[str, str]:
    """Every file `newsbeam compact` merged → the directory whose `compact-*` files now hold its rows."""
    merged_into: dict[str, str] = {}
    pattern = FileSystems.join(output, COMPACTIONS_DIR, "*.json")
    for meta in FileSystems.match([pattern])[0].metadata_list:
        with FileSystems.open(meta.path) as handle:
            record = json.loads(handle.read().decode("utf-8"))
        for merged in record["outputs"]:
            for source in merged["inputs"]:
                merged_into[_normalised(source["path"])] = record["directory"]
    return merged_into


def _run_rows_in_compacted(directory: str, run_id: str) -> int:
    """Rows of `run_id` in a directory's merged files; row groups whose run_id range excludes it are skipped."""
    rows = 0
    pattern = FileSystems.join(directory, f"{COMPACTED_PREFIX}*.parquet")
    for meta in FileSystems.match([pattern])[0].metadata_list:
        with FileSystems.open(meta.path) as handle:
            parquet = pq.ParquetFile(handle)
            # Row-group statistics are per leaf column, and list/struct columns come before run_id.
            leaves = parquet.metadata.schema
            column = next(i for i in range(len(leaves)) if leaves.column(i).path == "run_id")
            for group in range(parquet.metadata.num_row_groups):
                stats = parquet.metadata.row_group(group).column(column).statistics
                if stats is not None and stats.has_min_max and not stats.min <= run_id <= stats.max:
                    continue
                values = parquet.read_row_group(group, columns=["run_id"]).column("run_id")
                rows += pc.sum(pc.equal(values, run_id)).as_py() or 0
    return rows


def verify(output: str, run_id: str) -> RunReport:
    """Check the manifest against the files on disk; every disagreement becomes a problem line."""
    manifest = read_manifest(output, run_id)
    counts: dict[str, int] = manifest["counts"]
    problems: list[str] = []
    topics: dict[str, int] = {}
    article_files = rejected_rows = 0
    compacted: dict[str, int] = {}  # directory → rows of this run reported in files since merged there
    merged_into: dict[str, str] | None = None
    for entry in manifest["files"]:
        actual = _footer_rows(entry["path"]) if FileSystems.exists(entry["path"]) else None
        if actual is None:
            merged_into = _compacted_inputs(output) if merged_into is None else merged_into
            directory = merged_into.get(_normalised(entry["path"]))
            if directory is None:
                problems.append(f"missing file {entry['path']}")
            else:
                compacted[directory] = compacted.get(directory, 0) + entry["rows"]
                actual = entry["rows"]  # checked per directory below
        elif actual != entry["rows"]:
            problems.append(f"{entry['path']}: {actual} rows on disk, {entry['rows']} reported")
        if entry["kind"] == "articles":
            article_files += 1
            topics[entry["topic"]] = topics.get(entry["topic"], 0) + (actual or 0)
        else:
            rejected_rows += actual or 0
    # Files of this run that nobody reported (e.g. left by a retried bundle under another name).
    listed = {e["path"] for e in manifest["files"]}
    pattern = FileSystems.join(output, ARTICLES_GLOB.replace("*.parquet", f"part-{run_id}-*.parquet"))
    for meta in FileSystems.match([pattern])[0].metadata_list:
        if meta.path not in listed:
            problems.append(f"unreported file {meta.path}")
    tally = Tally.from_counts(counts)
    report = RunReport(
        run_id=run_id,
        inputs=tally.inputs,
        written=sum(topics.values()),
        duplicates=tally.duplicates,
        rejected=tally.rejected,
        topics=dict(sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))),
        article_files=article_files,
        rejected_rows=rejected_rows,
        problems=problems,
        compacted_files=sum(1 for e in manifest["files"] if merged_into and _normalised(e["path"]) in merged_into),
        duplicate_reasons=tally.duplicate_reasons,
    )
    for directory, expected in sorted(compacted.items()):
        found = _run_rows_in_compacted(directory, run_id)
        if found != expected:
            problems.append(
                f"{directory}: {found} rows of this run in compacted files, {expected} reported in the files merged"
            )
    if report.written != tally.written:
        problems.append(f"{report.written} article rows on disk, pipeline counted {tally.written}")
    if rejected_rows != report.rejected_total:
        problems.append(f"{rejected_rows} rejected rows on disk, pipeline counted {report.rejected_total}")
    if not report.balanced:
        problems.append(
            f"inputs {report.inputs} != written {report.written} + rejected {report.rejected_total}"
            f" + duplicates {report.duplicates}"
        )
    return report
