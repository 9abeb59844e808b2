"""`newsbeam runs`: the recent runs of a dataset, read from their manifests (`_runs/<run_id>.json`).

People who run newsbeam every hour want to see at a glance whether the last runs brought in as much as usual.
This module reads the manifests as plain JSON and never imports Beam (`pipeline.manifest` does, for the
pipeline's writing step), so the command answers in a fraction of a second; `newsbeam report` reuses it.

A manifest does not record when the run ended: it is written as the run's last step, so its modification
time is the end, and the run's start is `params.ingested_at` (the launch time, to the second).
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline import DEFAULT_OUTPUT

# The folder and count keys of pipeline/manifest.py (which imports Beam; tests/test_report.py checks they agree).
RUNS_DIR = "_runs"
INPUTS = "inputs"
DUPLICATES = "duplicates"
WRITTEN = "written"
REJECTED_PREFIX = "rejected|"


@dataclass(frozen=True)
class Run:
    """One run as its manifest tells it."""

    run_id: str
    started: dt.datetime | None  # UTC; None when the manifest has no `params.ingested_at`
    finished: dt.datetime | None  # UTC: when the manifest was written
    read: int
    written: int
    duplicates: int
    rejected: int
    counts: dict[str, int] = field(default_factory=dict, repr=False)
    params: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def duration_s(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return max(0.0, (self.finished - self.started).total_seconds())

    @property
    def balanced(self) -> bool:
        return self.read == self.written + self.rejected + self.duplicates

    def rejected_by(self) -> dict[tuple[str, str], int]:
        """Rejected inputs by (stage, reason)."""
        found: dict[tuple[str, str], int] = {}
        for key, n in self.counts.items():
            if key.startswith(REJECTED_PREFIX):
                stage, _, reason = key[len(REJECTED_PREFIX) :].partition("|")
                found[(stage, reason)] = found.get((stage, reason), 0) + n
        return found


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


_RUN_ID_TIME = re.compile(r"^(\d{8}T\d{6})Z?(?:-|$)")


def _time_of_run_id(run_id: str) -> dt.datetime | None:
    """The launch time a run id starts with (`20261121T101700Z-…`, Airflow's `20261121T101700-airflow`)."""
    match = _RUN_ID_TIME.match(run_id)
    if match is None:
        return None
    try:
        return dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def run_from_manifest(body: dict[str, Any], finished: dt.datetime | None) -> Run:
    counts = {str(k): int(v) for k, v in (body.get("counts") or {}).items() if isinstance(v, int | float)}
    params = body.get("params") or {}
    run_id = str(body.get("run_id", ""))
    return Run(
        run_id=run_id,
        started=_parse_time(params.get("ingested_at")) or _time_of_run_id(run_id),
        finished=finished,
        read=counts.get(INPUTS, 0),
        written=counts.get(WRITTEN, 0),
        duplicates=counts.get(DUPLICATES, 0),
        rejected=sum(n for k, n in counts.items() if k.startswith(REJECTED_PREFIX)),
        counts=counts,
        params=params,
    )


def _manifests(output: str) -> Iterator[tuple[bytes, float | None]]:
    """(manifest bytes, modification time) of every finished manifest; temporary `.…inprogress` names never match."""
    if "://" not in output:
        for path in glob.glob(os.path.join(glob.escape(output), RUNS_DIR, "*.json")):
            try:
                with open(path, "rb") as handle:
                    yield handle.read(), os.stat(path).st_mtime
            except FileNotFoundError:  # removed while listing
                continue
        return
    fs, root = remote_filesystem(output)
    for path in fs.glob(f"{root.rstrip('/')}/{RUNS_DIR}/*.json"):
        try:
            modified: float | None = fs.modified(path).timestamp()
        except (NotImplementedError, AttributeError, OSError):
            modified = None
        yield fs.cat_file(path), modified


def remote_filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system of a `gs://…`/`s3://…` dataset and the path in it (gcsfs or s3fs must be installed)."""
    try:
        import fsspec

        return fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise SystemExit(
            f"newsbeam: reading {url} needs fsspec and its file system for that scheme "
            f"(pip install gcsfs, or s3fs): {exc}"
        ) from exc


def load_runs(output: str) -> list[Run]:
    """Every run of the dataset at `output`, oldest first (an unreadable manifest is skipped)."""
    runs = []
    for raw, mtime in _manifests(output.rstrip("/") or "/"):
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(body, dict):
            finished = None if mtime is None else dt.datetime.fromtimestamp(mtime, dt.timezone.utc)
            runs.append(run_from_manifest(body, finished))
    epoch = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return sorted(runs, key=lambda r: (r.started or epoch, r.run_id))


COLUMNS = ("run id", "start (UTC)", "duration", "read", "written", "duplicates", "rejected", "balanced")


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def table_rows(runs: Sequence[Run]) -> list[tuple[str, ...]]:
    return [
        (
            r.run_id,
            r.started.strftime("%Y-%m-%d %H:%M:%S") if r.started else "?",
            format_duration(r.duration_s),
            str(r.read),
            str(r.written),
            str(r.duplicates),
            str(r.rejected),
            "yes" if r.balanced else "NO",
        )
        for r in runs
    ]


def format_table(runs: Sequence[Run]) -> str:
    """A plain text table, numbers right-aligned."""
    rows = [COLUMNS, *table_rows(runs)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    numeric = {3, 4, 5, 6}
    lines = []
    for n, row in enumerate(rows):
        cells = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    """`newsbeam runs`: the table of the latest runs; a run that does not balance shows "NO"."""
    parser = argparse.ArgumentParser(prog="newsbeam runs", description="Recent runs of a dataset, from its manifests.")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help=f"Dataset folder. Default: {DEFAULT_OUTPUT}")
    parser.add_argument("--last", type=int, default=20, help="How many of the latest runs to show. Default: 20")
    args = parser.parse_args(argv)
    if args.last < 1:
        parser.error("--last must be at least 1")
    runs = load_runs(args.output)
    if not runs:
        print(f"No runs in {args.output} yet (no {RUNS_DIR}/*.json).")
        return 0
    shown = runs[-args.last :]
    print(format_table(shown))
    print(f"\n{len(shown)} of {len(runs)} runs in {args.output}")
    return 0


__all__ = [
    "COLUMNS",
    "Run",
    "format_duration",
    "format_table",
    "load_runs",
    "main",
    "remote_filesystem",
    "run_from_manifest",
]
