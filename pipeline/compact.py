"""`newsbeam compact`: merge the small files of each partition into files of a target size, atomically.

Every run adds at least one file to each partition it writes, so an hourly schedule leaves thousands of
small files that make every DuckDB query open thousands of footers. Compaction rewrites a partition's
small files into few large ones without a reader ever seeing a row twice or missing one.

How the swap is atomic. Readers (DuckDB's glob `date=*/topic=*/*.parquet`, the dedupe stage, `verify`)
list each partition directory once and read what they listed. So a partition is never changed file by
file; its next generation is built beside it and the two directories are exchanged in one step:

1. list the partition (the snapshot) and plan: files under 3/4 of the target size are merged, in name
   order, into bins of about the target size; larger files stay as they are;
2. in a hidden sibling directory `date=…/.topic=….compact-<id>/` (no reader's glob matches a name
   starting with a dot) write each bin as `compact-<id>-NNNNN.parquet` and hard-link every file that
   stays, under its own name;
3. write the compaction record `_compactions/<id>-NNNNN.json` (which files went into which, rows per
   run), so `verify` can still account for the runs whose files were merged;
4. link files that arrived since the snapshot, then exchange the two directories with one
   `renameat2(RENAME_EXCHANGE)` (Linux; `renamex_np(RENAME_SWAP)` on macOS): the partition's name now
   holds the new generation, the hidden name the old one;
5. link anything that arrived in the old directory in between into the new one. The old generation is
   deleted only when every partition is done, and at least `OLD_GENERATION_GRACE` seconds after the last
   exchange: a reader may have opened the partition's directory just before an exchange and read its
   entries after it, and must then find the old files' names, not an emptied directory.

Guarantee on a local filesystem: a listing of the partition shows either the complete old set of files or
the complete new one, never both and never neither, so every read that completes counts every row
exactly once. A reader that listed the old generation and opens its files after the exchange finds them
gone and fails with "file not found" (it never returns a wrong answer); running it again reads the new
generation. Merged file names are never reused, so an old name can never open a new file.

Object stores (gs://, s3://) have no directory and no atomic multi-object change: any swap there leaves
a moment in which a listing sees both generations (publish first) or neither (delete first). Compaction
therefore refuses non-local outputs; see deploy/README.md "Compaction and object stores" for compacting a
mounted copy or choosing a table format with a metadata pointer (Iceberg, Delta) when that is needed.

Runs and compaction: on one host they never write a dataset at once (`dataset_lock`: runs hold
`_compactions/.lock` shared, compaction exclusively, and refuses to start while a run writes). A writer
the lock cannot see (another host on a shared mount) loses nothing either: files it adds during a
compaction are carried into the new generation (before the exchange, and again right after it); if it
replaces or removes a file being merged (a retried bundle; checked just before the exchange), that
partition is left as it was. Its temporary file can straddle the exchange, in which case its rename
fails and the run must be re-run (safely: dedupe skips what it wrote). The schedules in deploy/ run
compaction after the ingest run.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import json
import logging
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.manifest import COMPACTED_PREFIX, COMPACTIONS_DIR
from schemas.rejected import REJECTED_DIR
from transforms.storage.parquet import writer_options

logger = logging.getLogger(__name__)

DEFAULT_TARGET_MB = 128
SMALL_FRACTION = 0.75  # files under this fraction of the target are merged
ROWS_PER_GROUP = 20_000
LOCK_NAME = ".lock"  # in _compactions/
_WORK_MARK = ".compact-"
# How long an old generation outlives the run's last exchange: a listing that opened the old directory just
# before its exchange reads it whole (deleting it at once let such a listing see an empty partition).
OLD_GENERATION_GRACE = 2.0


@dataclass
class FileRef:
    path: str
    rows: int


@dataclass
class MergedFile:
    path: str
    rows: int
    runs: dict[str, int]  # rows per run_id
    inputs: list[FileRef]


@dataclass
class PartitionResult:
    directory: str
    files_before: int
    files_after: int
    rows: int
    merged: list[MergedFile] = field(default_factory=list)
    carried_late: int = 0


@dataclass
class CompactionReport:
    compaction_id: str
    partitions: list[PartitionResult]

    @property
    def files_before(self) -> int:
        return sum(p.files_before for p in self.partitions)

    @property
    def files_after(self) -> int:
        return sum(p.files_after for p in self.partitions)


# --- the atomic exchange --------------------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # linux/fs.h
_RENAME_SWAP = 2  # macOS stdio.h


def exchange(a: str, b: str) -> None:
    """Swap the directory entries `a` and `b` in one atomic step (both must exist)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        rc = libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        rc = libc.renamex_np(os.fsencode(a), os.fsencode(b), _RENAME_SWAP)
    else:
        raise OSError(errno.ENOSYS, "no atomic directory exchange on this platform (needs Linux or macOS)")
    if rc != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"atomic exchange failed: {os.strerror(code)}", a, None, b)


# --- planning -------------------------------------------------------------------------------------------


def _visible_parquet(directory: str) -> dict[str, int]:
    """Final Parquet files of a directory (what readers glob), name → size."""
    found = {}
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.endswith(".parquet") and not entry.name.startswith(".") and entry.is_file():
                found[entry.name] = entry.stat().st_size
    return found


def _inodes(directory: str, names: Iterable[str]) -> dict[str, int | None]:
    """The inode of each named file (None when gone), to see whether a file was replaced meanwhile."""
    found: dict[str, int | None] = {}
    for name in names:
        try:
            found[name] = os.stat(os.path.join(directory, name)).st_ino
        except FileNotFoundError:
            found[name] = None
    return found


def _schema_key(path: str) -> str:
    return pq.ParquetFile(path).schema_arrow.to_string(show_schema_metadata=True)


def plan_bins(files: dict[str, int], target_bytes: int, schema_of: Callable[[str], str]) -> list[list[str]]:
    """Groups of small files to merge, each of about `target_bytes` and one schema; only groups of two or
    more files (merging one file into one file gains nothing)."""
    small = sorted(name for name, size in files.items() if size < target_bytes * SMALL_FRACTION)
    by_schema: dict[str, list[str]] = {}
    for name in small:
        by_schema.setdefault(schema_of(name), []).append(name)
    bins: list[list[str]] = []
    for names in by_schema.values():
        current: list[str] = []
        size = 0
        for name in names:
            if current and size + files[name] > target_bytes:
                bins.append(current)
                current, size = [], 0
            current.append(name)
            size += files[name]
        if current:
            bins.append(current)
    return [b for b in bins if len(b) > 1]


# --- one partition --------------------------------------------------------------------------------------


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _merge(sources: Sequence[str], target: str) -> MergedFile:
    """Stream `sources` into one Parquet file at `target`; one input file in memory at a time."""
    schema = pq.ParquetFile(sources[0]).schema_arrow
    runs: dict[str, int] = {}
    inputs = []
    rows = 0
    buffered: list[pa.Table] = []
    with pq.ParquetWriter(target, schema, **writer_options(schema)) as writer:
        for source in sources:
            table = pq.read_table(source)
            inputs.append(FileRef(source, table.num_rows))
            rows += table.num_rows
            if "run_id" in table.column_names:
                for item in pc.value_counts(table.column("run_id")).to_pylist():
                    runs[item["values"]] = runs.get(item["values"], 0) + item["counts"]
            buffered.append(table)
            if sum(t.num_rows for t in buffered) >= ROWS_PER_GROUP:
                writer.write_table(pa.concat_tables(buffered), row_group_size=ROWS_PER_GROUP)
                buffered = []
        if buffered:
            writer.write_table(pa.concat_tables(buffered), row_group_size=ROWS_PER_GROUP)
    _fsync(target)
    return MergedFile(target, rows, runs, inputs)


def _write_record(path: str, body: dict[str, object]) -> None:
    directory, name = os.path.split(path)
    os.makedirs(directory, exist_ok=True)
    temp = os.path.join(directory, f".{name}.inprogress")
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(body, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def _link_new(source_dir: str, target_dir: str, names: Sequence[str]) -> int:
    linked = 0
    for name in names:
        with contextlib.suppress(FileNotFoundError, FileExistsError):
            os.link(os.path.join(source_dir, name), os.path.join(target_dir, name))
            linked += 1
    return linked


def compact_partition(
    output: str,
    directory: str,
    compaction_id: str,
    index: int,
    target_bytes: int,
    before_swap: Callable[[str], None] | None = None,
) -> PartitionResult | None:
    """Compact one partition directory; None when it has nothing to merge. `before_swap(new_dir)` is a
    test hook called when the new generation is complete and not yet visible."""
    snapshot = _visible_parquet(directory)
    inodes = _inodes(directory, snapshot)
    bins = plan_bins(snapshot, target_bytes, lambda name: _schema_key(os.path.join(directory, name)))
    if not bins:
        return None
    parent, name = os.path.split(directory)
    work = os.path.join(parent, f".{name}{_WORK_MARK}{compaction_id}")
    record = os.path.join(output, COMPACTIONS_DIR, f"{compaction_id}-{index:05d}.json")
    os.mkdir(work)
    swapped = False
    try:
        merged = []
        for number, names in enumerate(bins):
            target = os.path.join(work, f"{COMPACTED_PREFIX}{compaction_id}-{number:05d}.parquet")
            merged.append(_merge([os.path.join(directory, n) for n in names], target))
            # The path readers will see once the new generation has the partition's name.
            merged[-1].path = os.path.join(directory, os.path.basename(target))
        in_bins = {n for names in bins for n in names}
        _link_new(directory, work, [n for n in sorted(snapshot) if n not in in_bins])
        # Where the merged rows went is on record before anyone can see the new generation.
        _write_record(
            record,
            {
                "compaction_id": compaction_id,
                "directory": directory,
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "outputs": [asdict(m) for m in merged],
            },
        )
        late = [n for n in _visible_parquet(directory) if n not in snapshot]
        carried_late = _link_new(directory, work, late)
        _fsync(work)
        if before_swap is not None:
            before_swap(work)
        if _inodes(directory, in_bins) != {n: inodes[n] for n in in_bins}:
            # A writer replaced or removed a file that was merged (a retried bundle): merging it again
            # next time is right, swapping now could lose or double its rows.
            logger.warning("%s changed during compaction; left as it is", directory)
            return None
        exchange(work, directory)  # `directory` is now the new generation, `work` the old one
        swapped = True
        carried = set(snapshot) | set(late)
        carried_late += _link_new(work, directory, [n for n in _visible_parquet(work) if n not in carried])
        _fsync(parent)
    finally:
        if not swapped:  # the new generation was never seen; the old one, once swapped, goes in `compact`
            shutil.rmtree(work, ignore_errors=True)
            with contextlib.suppress(FileNotFoundError):
                os.remove(record)
    return PartitionResult(
        directory=directory,
        files_before=len(snapshot),
        files_after=len(snapshot) - len(in_bins) + len(merged),
        rows=sum(m.rows for m in merged),
        merged=merged,
        carried_late=carried_late,
    )


# --- the dataset ----------------------------------------------------------------------------------------


def local_path(output: str) -> str:
    """The local directory of `output`; SystemExit for object stores, where no swap is atomic."""
    if output.startswith("file://"):
        output = output[len("file://") :]
    if "://" in output:
        raise SystemExit(
            f"newsbeam compact: {output} is not a local filesystem; object stores have no atomic directory "
            "exchange, so compaction there would let readers see rows twice or not at all (see compact.py)"
        )
    return os.path.abspath(output)


def partitions(output: str) -> list[str]:
    """Every directory compaction looks at: the article partitions and the rejected rows."""
    found = []
    with os.scandir(output) as dates:
        for date in sorted(dates, key=lambda e: e.name):
            if not (date.name.startswith("date=") and date.is_dir()):
                continue
            with os.scandir(date.path) as topics:
                found += sorted(t.path for t in topics if t.name.startswith("topic=") and t.is_dir())
    rejected = os.path.join(output, REJECTED_DIR)
    if os.path.isdir(rejected):
        found.append(rejected)
    return found


def _remove_leftovers(output: str, interrupted: bool = True) -> None:
    """The hidden directories of compactions: the old generations this one swapped out (`interrupted`
    False), or the work of one that crashed; safe to delete while we hold the lock."""
    for date in [output, *(e.path for e in os.scandir(output) if e.name.startswith("date=") and e.is_dir())]:
        for entry in os.scandir(date):
            if entry.name.startswith(".") and _WORK_MARK in entry.name and entry.is_dir():
                if interrupted:
                    logger.warning("removing %s, left by an interrupted compaction", entry.path)
                shutil.rmtree(entry.path, ignore_errors=True)


def _is_local(output: str) -> bool:
    return output.startswith("file://") or "://" not in output


@contextlib.contextmanager
def dataset_lock(output: str, exclusive: bool) -> Iterator[None]:
    """`_compactions/.lock` on a local dataset: runs hold it shared while they write (and wait for a
    compaction to finish), compaction holds it exclusively and refuses to start while a run writes or
    another compaction works. Other hosts' writers do not see it (compaction carries their late files)."""
    if not _is_local(output):
        yield
        return
    import fcntl

    root = local_path(output)
    os.makedirs(os.path.join(root, COMPACTIONS_DIR), exist_ok=True)
    with open(os.path.join(root, COMPACTIONS_DIR, LOCK_NAME), "a+") as handle:
        try:
            fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            if exclusive:
                raise SystemExit(
                    f"newsbeam compact: a run or another compaction is writing to {output}; try again later"
                ) from exc
            logger.info("waiting for the compaction of %s to finish", output)
            fcntl.flock(handle, fcntl.LOCK_SH)
        except OSError as exc:  # e.g. a network filesystem without flock
            logger.warning("cannot lock %s (%s): runs and compaction are not kept apart", output, exc)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_compaction_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def compact(
    output: str,
    target_mb: float = DEFAULT_TARGET_MB,
    before_swap: Callable[[str], None] | None = None,
) -> CompactionReport:
    """Compact every partition of the dataset at `output` (a local directory)."""
    root = local_path(output)
    if not os.path.isdir(root):
        raise SystemExit(f"newsbeam compact: no dataset at {output}")
    target_bytes = max(int(target_mb * 1024 * 1024), 1)
    compaction_id = new_compaction_id(dt.datetime.now(dt.timezone.utc))
    results = []
    last_exchange = 0.0
    with dataset_lock(root, exclusive=True):
        _remove_leftovers(root)
        for index, directory in enumerate(partitions(root)):
            result = compact_partition(root, directory, compaction_id, index, target_bytes, before_swap)
            if result is not None:
                logger.info(
                    "%s: %d files → %d", os.path.relpath(directory, root), result.files_before, result.files_after
                )
                results.append(result)
                last_exchange = time.monotonic()
        if results:
            time.sleep(max(0.0, last_exchange + OLD_GENERATION_GRACE - time.monotonic()))
            _remove_leftovers(root, interrupted=False)
    return CompactionReport(compaction_id, results)


def format_report(report: CompactionReport, output: str) -> str:
    if not report.partitions:
        return f"newsbeam compact {report.compaction_id}: nothing to merge in {output}"
    lines = [
        f"newsbeam compact {report.compaction_id}: {len(report.partitions)} partitions, "
        f"{report.files_before} files → {report.files_after}",
    ]
    for part in report.partitions:
        late = f", {part.carried_late} late files carried over" if part.carried_late else ""
        lines.append(
            f"  {os.path.relpath(part.directory, local_path(output))}: {part.files_before} → {part.files_after} "
            f"files ({part.rows} rows merged{late})"
        )
    return "\n".join(lines)
