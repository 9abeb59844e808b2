"""`newsbeam runs`: the recent runs of a dataset, read from their manifests (`_runs/<run_id>.json`).

People who run newsbeam every hour want to see at a glance whether the last runs brought in as much as usual.
This module reads the manifests as plain JSON and never imports Beam (`pipeline.manifest` does, for the
pipeline's writing step), so the command answers in a fraction of a second; `newsbeam report` reuses it.

A manifest does not record when the run ended: it is written as the run's last step, so its modification
time is the end, and the run's start is `params.ingested_at` (the launch time, to the second). Each window of
`newsbeam stream` leaves a manifest of its own (`<run_id>-w<window start>`), listed here like a run.

The counts' keys are spelled in one place, `outcome_keys`, and read back in one, `Tally.from_counts`: manifests
written before and after keep the same `counts` (DuckDB queries read them as JSON).
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline import dataset_parser
from schemas import document
from transforms.web.isotime import utc_time

# The folder and the count keys of a manifest (`pipeline.manifest`, which imports Beam, uses these).
RUNS_DIR = "_runs"
INPUTS = "inputs"
DUPLICATES = "duplicates"
WRITTEN = "written"
REJECTED_PREFIX = "rejected|"


def outcome_keys(kind: str, reason: str = "", stage: str = "") -> tuple[str, ...]:
    """The manifest count keys one input's outcome adds 1 to; `Tally.from_counts` reads them back. The
    only place the keys are spelled, so old manifests and new ones read the same."""
    if kind == document.WRITTEN:
        return (WRITTEN,)
    if kind == document.DUPLICATE:
        return (DUPLICATES, f"{DUPLICATES}|{reason}")
    if kind == document.REJECTED:
        return (f"{REJECTED_PREFIX}{stage}|{reason}",)
    raise ValueError(f"unknown outcome kind {kind!r}")


class Balance:
    """The check every run's ledger must pass, whoever counted it: read = written + rejected + duplicates."""

    inputs: int
    written: int
    duplicates: int
    rejected: dict[tuple[str, str], int]  # (stage, reason) → inputs

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def balanced(self) -> bool:
        return self.inputs == self.written + self.rejected_total + self.duplicates


@dataclass(frozen=True)
class Tally(Balance):
    """A run's ledger as its manifest's `counts` tell it: inputs, and how each ended."""

    inputs: int = 0
    written: int = 0
    duplicates: int = 0
    duplicate_reasons: dict[str, int] = field(default_factory=dict)
    rejected: dict[tuple[str, str], int] = field(default_factory=dict)  # (stage, reason) → inputs

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> Tally:
        reasons: dict[str, int] = {}
        rejected: dict[tuple[str, str], int] = {}
        for key, n in counts.items():
            if key.startswith(REJECTED_PREFIX):
                stage, _, reason = key[len(REJECTED_PREFIX) :].partition("|")
                rejected[(stage, reason)] = rejected.get((stage, reason), 0) + n
            elif key.startswith(f"{DUPLICATES}|"):
                reasons[key.partition("|")[2]] = n
        return cls(counts.get(INPUTS, 0), counts.get(WRITTEN, 0), counts.get(DUPLICATES, 0), reasons, rejected)

    def to_counts(self) -> dict[str, int]:
        counts = {INPUTS: self.inputs, WRITTEN: self.written, DUPLICATES: self.duplicates}
        counts.update({outcome_keys(document.DUPLICATE, r)[1]: n for r, n in self.duplicate_reasons.items()})
        counts.update({outcome_keys(document.REJECTED, r, s)[0]: n for (s, r), n in self.rejected.items()})
        return counts


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
        return Tally.from_counts(self.counts).rejected


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
    tally = Tally.from_counts(counts)
    return Run(
        run_id=run_id,
        started=utc_time(params.get("ingested_at")) or _time_of_run_id(run_id),
        finished=finished,
        read=tally.inputs,
        written=tally.written,
        duplicates=tally.duplicates,
        rejected=tally.rejected_total,
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
    parser = dataset_parser("newsbeam runs", "Recent runs of a dataset, from its manifests.")
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
    "Tally",
    "format_duration",
    "format_table",
    "load_runs",
    "main",
    "outcome_keys",
    "remote_filesystem",
    "run_from_manifest",
]
