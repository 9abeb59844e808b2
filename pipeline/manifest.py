"""The run manifest: what a run read, wrote and rejected, written by the pipeline and verified after it.

The pipeline reports each file it wrote with its row count; after the run the CLI reads every file's
footer and checks that the rows are really there. That catches a sink that "succeeds" without writing
(Beam's WriteToParquet on the Dask runner did exactly that) on any runner.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from schemas.article import ARTICLES_GLOB

RUNS_DIR = "_runs"

# Keys of the counts the pipeline sums; rejected counts are keyed "rejected|<stage>|<reason>".
INPUTS = "inputs"
DUPLICATES = "duplicates"
WRITTEN = "written"
REJECTED_PREFIX = "rejected|"


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


@dataclass
class RunReport:
    run_id: str
    inputs: int
    written: int
    duplicates: int
    rejected: dict[tuple[str, str], int]
    topics: dict[str, int]
    article_files: int
    rejected_rows: int
    problems: list[str] = field(default_factory=list)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def balanced(self) -> bool:
        return self.inputs == self.written + self.rejected_total + self.duplicates


def read_manifest(output: str, run_id: str) -> dict[str, Any]:
    with FileSystems.open(manifest_path(output, run_id)) as handle:
        return json.loads(handle.read().decode("utf-8"))


def _footer_rows(path: str) -> int:
    with FileSystems.open(path) as handle:
        return pq.ParquetFile(handle).metadata.num_rows


def verify(output: str, run_id: str) -> RunReport:
    """Check the manifest against the files on disk; every disagreement becomes a problem line."""
    manifest = read_manifest(output, run_id)
    counts: dict[str, int] = manifest["counts"]
    problems: list[str] = []
    topics: dict[str, int] = {}
    article_files = rejected_rows = 0
    for entry in manifest["files"]:
        actual = _footer_rows(entry["path"]) if FileSystems.exists(entry["path"]) else None
        if actual is None:
            problems.append(f"missing file {entry['path']}")
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
    rejected: dict[tuple[str, str], int] = {}
    for key, n in counts.items():
        if key.startswith(REJECTED_PREFIX):
            stage, reason = key[len(REJECTED_PREFIX) :].split("|", 1)
            rejected[(stage, reason)] = n
    report = RunReport(
        run_id=run_id,
        inputs=counts.get(INPUTS, 0),
        written=sum(topics.values()),
        duplicates=counts.get(DUPLICATES, 0),
        rejected=rejected,
        topics=dict(sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))),
        article_files=article_files,
        rejected_rows=rejected_rows,
        problems=problems,
    )
    if report.written != counts.get(WRITTEN, 0):
        problems.append(f"{report.written} article rows on disk, pipeline counted {counts.get(WRITTEN, 0)}")
    if rejected_rows != report.rejected_total:
        problems.append(f"{rejected_rows} rejected rows on disk, pipeline counted {report.rejected_total}")
    if not report.balanced:
        problems.append(
            f"inputs {report.inputs} != written {report.written} + rejected {report.rejected_total}"
            f" + duplicates {report.duplicates}"
        )
    return report
