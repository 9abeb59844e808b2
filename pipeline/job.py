"""`newsbeam run`: one batch job from options to a verified dataset and a printed summary."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import time
from collections.abc import Sequence

import apache_beam as beam
import pyarrow.compute as pc
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import (
    DirectOptions,
    PipelineOptions,
    StandardOptions,
    TypeOptions,
    WorkerOptions,
)

from pipeline import manifest, runners
from pipeline.balance import balance_worker_load
from pipeline.build import build_batch
from pipeline.compact import LOCK_NAME, _is_local, dataset_lock, local_path
from pipeline.runs import Balance, Tally
from pipeline.settings import RunSettings
from schemas.rejected import REJECTED_DIR
from schemas.unchanged import newsbeam_version
from transforms import unchanged
from transforms._deadletter import INTERNAL_ERROR
from transforms.read import expand_inputs
from transforms.storage.parquet import read_parquet
from transforms.storage.staging import STAGING_DIR

logger = logging.getLogger(__name__)


def _check_inputs(inputs: Sequence[str]) -> tuple[int, int]:
    """A typo in --input should stop the run with a message, not produce an empty dataset.

    Returns the number of files and bytes matched."""
    files = size = 0
    for pattern in expand_inputs(inputs):
        try:
            found = FileSystems.match([pattern])[0].metadata_list
        except Exception as exc:  # Beam raises BeamIOError for unreadable patterns
            raise SystemExit(f"newsbeam: cannot read input {pattern!r}: {exc}") from exc
        if not found:
            raise SystemExit(f"newsbeam: no file matches input {pattern!r}")
        files += len(found)
        size += sum(m.size_in_bytes for m in found)
    return files, size


TEMP_SUFFIX = ".inprogress"  # transforms.storage.parquet.write_parquet and manifest.write_manifest write here first


def remove_stale_temporaries(output: str) -> int:
    """Delete the hidden `.<name>.inprogress` files and the staging folders (`_state/staging/<run_id>/`) a
    killed run left in a local dataset; returns how many.

    Readers never see them (hidden names, no `.parquet` suffix), but nothing else ever removes them, so each
    crash in the write phase would leak disk for good. They are only stale when no other run or compaction
    is writing: the shared dataset lock (`pipeline.compact.dataset_lock`) says so, so this takes it
    exclusively without waiting and does nothing when it cannot. Object stores are left alone."""
    if not _is_local(output) or not os.path.isdir(local_path(output)):
        return 0
    import fcntl

    root = local_path(output)
    os.makedirs(os.path.join(root, manifest.COMPACTIONS_DIR), exist_ok=True)
    removed = 0
    with open(os.path.join(root, manifest.COMPACTIONS_DIR, LOCK_NAME), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another run or a compaction is writing: its temporaries are live
            return 0
        try:
            for directory, _dirs, names in os.walk(root):
                for name in names:
                    if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                        with contextlib.suppress(FileNotFoundError):
                            os.remove(os.path.join(directory, name))
                            removed += 1
            # A killed run's staged articles (`transforms.storage.staging`); a run that ends removes its own.
            staging = os.path.join(root, *STAGING_DIR)
            for run in os.listdir(staging) if os.path.isdir(staging) else []:
                shutil.rmtree(os.path.join(staging, run), ignore_errors=True)
                removed += 1
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    if removed:
        logger.warning("removed %d temporary files left in %s by an interrupted run", removed, output)
    return removed


# Above these, a local run is worth the ~1.5 s it takes to start one worker process per core.
PARALLEL_MIN_FILES = 200
PARALLEL_MIN_BYTES = 20 * 1024 * 1024


def use_all_cores_if_large(options: PipelineOptions, argv: Sequence[str], files: int, size: int) -> bool:
    """On the DirectRunner with no worker options given, run large inputs on every core (multi-processing);
    small ones stay in-process, where they start faster. Returns whether it switched."""
    given = {a.split("=", 1)[0] for a in argv if a.startswith("--")}
    if given & {"--runner", "--direct_running_mode", "--direct_num_workers"}:
        return False
    if files < PARALLEL_MIN_FILES and size < PARALLEL_MIN_BYTES:
        return False
    direct = options.view_as(DirectOptions)
    direct.direct_running_mode = "multi_processing"
    direct.direct_num_workers = os.cpu_count() or 1
    worker = options.view_as(WorkerOptions)
    if worker.default_sdk_harness_log_level is None:
        worker.default_sdk_harness_log_level = "WARNING"  # the harness narrates its start-up at INFO
    return True


def skip_type_check(options: PipelineOptions, argv: Sequence[str]) -> None:
    """Beam's construction-time type check doubles the time to build newsbeam's graph (0.49 → 0.95 s), on
    every run. The tests build every stage with it on (TestPipeline's default), so a run need not pay it
    again; `--pipeline_type_check` turns it back on."""
    if not any(a.split("=", 1)[0] == "--pipeline_type_check" for a in argv):
        options.view_as(TypeOptions).pipeline_type_check = False


def run(argv: Sequence[str]) -> int:
    """`newsbeam run`: returns the process exit code (0 only when the output verifies).

    With Beam's `--no_wait_until_finish` (a Dataflow Flex Template launcher must exit once the job is
    submitted) it returns after submitting; `newsbeam verify` checks the run once it has finished."""
    options = PipelineOptions(list(argv))
    skip_type_check(options, argv)
    runners.remember_dofn_specs()  # a quarter of a small run's CPU was Beam asking the same DoFns again
    runners.remember_option_views()  # and 0.3 s was Beam parsing the command line again for each transform
    runners.stop_workers_together()  # and ~0.4 s per worker process went to them exiting one after another
    balance_worker_load()  # and a worker that finished its part of a stage early waited idle for the others
    settings = RunSettings.from_options(options)
    ctx, inputs, output, web = settings.ctx, settings.inputs, settings.output, settings.web
    files, size = _check_inputs(inputs)
    # Files an earlier run settled (made articles of, or rejected for reasons these settings would give again),
    # unchanged since, are not read; the rest decides parallelism.
    decided_by = unchanged.settings_key_of(settings.stages, settings.max_bytes)
    plan = unchanged.plan_reads(output, inputs, decided_by, reprocess=settings.stages.reprocess)
    if plan.unchanged:
        logger.info("%d of %d files unchanged since an earlier run: not read again", len(plan.unchanged), files)
        files, size = len(plan.read), plan.read_bytes
    if use_all_cores_if_large(options, argv, files, size):
        logger.info(
            "%d files, %.1f MB: running on %d worker processes (pass --direct_num_workers to choose)",
            files,
            size / 1e6,
            options.view_as(DirectOptions).direct_num_workers,
        )
    remove_stale_temporaries(output)  # a killed run's half-written files; before this run makes its own
    runner = runners.resolve_runner(options)
    logger.info("run %s: %s → %s on %s", ctx.run_id, ", ".join(inputs), output, runner)
    params = settings.manifest_params(runner)
    # What this run's articles and records are made under: a run under another key processes inputs again.
    params.update(settings_key=decided_by, version=newsbeam_version(), reprocess=settings.stages.reprocess)
    read_inputs: Sequence[str] = plan.read if plan.unchanged else inputs
    setup: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if runners.is_dask(runner):
        read_inputs = plan.read if plan.unchanged else runners.matched_files(inputs)
        setup = runners.dask_cluster(options, argv, len(read_inputs))
    started = time.monotonic()
    if plan.unchanged and not plan.read and not web:
        # Every input is a file an earlier run settled, unchanged since: the outcome is known
        # without starting Beam.
        with dataset_lock(output, exclusive=False):
            n = plan.unchanged_inputs
            counts = Tally(inputs=n, duplicates=n, duplicate_reasons=plan.duplicate_reasons()).to_counts()
            manifest.write_manifest(ctx.run_id, output, counts, [], params)
    else:
        # A compaction of a local dataset waits for the run to finish writing, and the run for it.
        # The worker processes start now, side by side with building the graph (`runners.workers_started_early`).
        early = runners.workers_started_early(options)
        with setup, early, dataset_lock(output, exclusive=False), beam.Pipeline(options=options) as p:
            build_batch(
                p,
                inputs=read_inputs,
                web=web,
                params=params,
                **settings.graph_args(),
                max_bytes=settings.max_bytes,
                unchanged_files=plan.unchanged,
                unchanged_inputs=plan.inputs,
                fingerprints=plan.fingerprints,
                unchanged_rejects=plan.rejects,
                decided_by=decided_by,
            )
    elapsed = time.monotonic() - started
    if options.view_as(StandardOptions).no_wait_until_finish:
        print(
            f"newsbeam run {ctx.run_id} submitted to {runner}; when it has finished, check it with\n"
            f"  newsbeam verify --output {output} --run-id {ctx.run_id}"
        )
        return 0
    report = manifest.verify(output, ctx.run_id)
    print(format_summary(report, output, elapsed, manifest.read_manifest(output, ctx.run_id)["counts"]))
    for problem in report.problems:
        logger.error("verification failed: %s", problem)
    internal = internal_error_count(report)
    too_many = too_many_internal_errors(output, f"part-{ctx.run_id}-*.parquet", internal, settings.max_internal_errors)
    return 1 if report.problems or too_many else 0


def internal_error_count(report: Balance) -> int:
    """The `internal-error` rows a run's (or a stream window's) manifest counts: bugs, not bad inputs."""
    return sum(n for (_, reason), n in report.rejected.items() if reason == INTERNAL_ERROR)


def first_internal_error(output: str, pattern: str) -> str | None:
    """The detail (traceback) of the earliest `internal-error` row in the rejected files of `output` matching
    `pattern`; the count is in the manifests, only the traceback needs the rows."""
    first, first_at = None, None
    for meta in FileSystems.match([FileSystems.join(output, REJECTED_DIR, pattern)])[0].metadata_list:
        with FileSystems.open(meta.path) as handle:
            table = read_parquet(handle, ["reason", "detail", "rejected_at"])
        for row in table.filter(pc.equal(table["reason"], INTERNAL_ERROR)).to_pylist():
            if first_at is None or row["rejected_at"] < first_at:
                first, first_at = row["detail"], row["rejected_at"]
    return first


def too_many_internal_errors(output: str, pattern: str, count: int, limit: int) -> bool:
    """Whether `count` internal errors are more than `--max-internal-errors` allows. An internal error is a bug
    in newsbeam, not a bad input: when there are too many, say so on stderr with the first traceback (the rows
    themselves stay in `_rejected/`, in the files matching `pattern`)."""
    if count <= limit:
        return False
    first = first_internal_error(output, pattern)
    print(
        f"newsbeam: {count} internal error{'' if count == 1 else 's'} (a bug in newsbeam, not a bad input; "
        f"--max-internal-errors {limit}); the rows are in {output}/{REJECTED_DIR}/. The first:\n"
        f"{first or '(no detail recorded)'}",
        file=sys.stderr,
    )
    return True


def format_summary(
    report: manifest.RunReport, output: str, elapsed: float | None, counts: dict[str, int] | None = None
) -> str:
    """The run summary; `elapsed` None when checking a run after the fact (`newsbeam verify`). `counts`, the
    manifest's raw counts, add what web sources and stories did."""
    if elapsed is None:
        header = f"newsbeam run {report.run_id}"
    else:
        rate = report.inputs / elapsed if elapsed > 0 else 0.0
        header = f"newsbeam run {report.run_id} finished in {elapsed:.1f} s ({rate:.1f} inputs/s)"
    compacted = f" ({report.compacted_files} since compacted)" if report.compacted_files else ""
    lines = [
        header,
        f"  read        {report.inputs}",
        f"  written     {report.written} articles in {report.article_files} files{compacted}",
        f"  duplicates  {report.duplicates}",
        f"  rejected    {report.rejected_total}",
    ]
    counts = counts or {}
    if any(key.startswith("web|") for key in counts):
        sources = counts.get("web|sources-fetched", 0) + counts.get("web|sources-not-modified", 0)
        lines.insert(
            2,
            f"    web: {counts.get('web|entries', 0)} entries from {sources} feed/sitemap source"
            f"{'' if sources == 1 else 's'}"
            f" ({counts.get('web|sources-not-modified', 0)} not modified since the last run)",
        )
    if counts.get("stories|articles"):
        at = next(i for i, line in enumerate(lines) if line.startswith("  written"))
        lines.insert(
            at + 1,
            f"    stories: {counts.get('stories|new-stories', 0)} new, "
            f"{counts.get('stories|joined-earlier-story', 0)} articles joined earlier ones; "
            f"{counts.get('stories|near-duplicates', 0)} flagged as near-duplicates",
        )
    reasons = sorted(report.duplicate_reasons.items())
    at = next(i for i, line in enumerate(lines) if line.startswith("  duplicates"))
    lines[at + 1 : at + 1] = [f"    {reason}: {n}" for reason, n in reasons]
    for (stage, reason), n in sorted(report.rejected.items()):
        lines.append(f"    {stage}/{reason}: {n}")
    if report.topics:
        lines.append("  by topic")
        lines.extend(f"    {topic}: {n}" for topic, n in report.topics.items())
    balance = "balanced" if report.balanced else "NOT BALANCED"
    lines.append(
        f"  check       read {report.inputs} = written {report.written} + rejected {report.rejected_total}"
        f" + duplicates {report.duplicates}: {balance}"
    )
    verified = "verified against the files" if not report.problems else "VERIFICATION FAILED"
    lines.append(f"  output      {output}/date=*/topic=*/*.parquet ({verified})")
    if report.rejected_total:
        lines.append(f"  rejected    {output}/_rejected/*.parquet")
    return "\n".join(lines)
