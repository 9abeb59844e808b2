"""The run command's own decisions: worker processes for large inputs, progress lines, run ids."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pytest
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions

from pipeline import runners
from pipeline.job import PARALLEL_MIN_BYTES, PARALLEL_MIN_FILES, first_internal_error, run, use_all_cores_if_large
from pipeline.settings import new_run_id
from schemas.rejected import REJECTED_DIR, REJECTED_SCHEMA, Rejected
from tests.support import BUG_ENV, REFERENCE, SEEDS, newsbeam, summary_counts
from transforms._progress import Progress
from transforms.storage.parquet import write_parquet


@pytest.mark.parametrize(
    ("argv", "files", "size", "switched"),
    [
        ([], 5, 10_000, False),
        ([], PARALLEL_MIN_FILES, 0, True),
        ([], 1, PARALLEL_MIN_BYTES, True),
        (["--direct_num_workers=1"], PARALLEL_MIN_FILES * 10, 0, False),
        (["--runner", "DirectRunner"], PARALLEL_MIN_FILES * 10, 0, False),
    ],
)
def test_large_inputs_use_every_core_unless_the_user_chose(
    argv: list[str], files: int, size: int, switched: bool
) -> None:
    options = PipelineOptions(argv)
    assert use_all_cores_if_large(options, argv, files, size) is switched
    direct = options.view_as(DirectOptions)
    assert (direct.direct_running_mode == "multi_processing") is switched


def test_progress_logs_counts_and_rate(caplog: pytest.LogCaptureFixture) -> None:
    progress = Progress("things", every=0.0)
    with caplog.at_level(logging.INFO, logger="transforms._progress"):
        progress.tick()
        progress.tick(4)
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == ["things: 1 done", "things: 5 done"]
    quiet = Progress("quiet", every=3600)
    caplog.clear()
    quiet.tick()
    assert caplog.records == []


def test_run_ids_sort_by_time_and_differ() -> None:
    now = dt.datetime(2026, 11, 21, 10, 15, tzinfo=dt.timezone.utc)
    a, b = new_run_id(now), new_run_id(now)
    assert a.startswith("20261121T101500Z-") and a != b


# A child process: frees one large block (glibc's threshold follows it up), then holds ten 4 MB blocks, each
# pinned by a small block after it, frees the large ones and prints how many MiB stayed resident.
_HOLD_AND_FREE = """
import os, sys
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20
if sys.argv[1] == "tuned":
    from pipeline.runners import return_freed_memory
    assert return_freed_memory()
    print(os.environ["MALLOC_MMAP_THRESHOLD_"])
else:
    print("-")
large = bytearray(16 << 20)
del large
before = rss()
blocks, pins = [], []
for _ in range(10):
    blocks.append(bytearray(4 << 20))
    pins.append(bytearray(64 << 10))
del blocks
print(rss() - before)
"""


def _retained_after_free(mode: str, env: dict[str, str]) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", _HOLD_AND_FREE, mode], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    return out[0], int(out[1])


def test_the_launcher_gives_freed_blocks_back_to_the_system() -> None:
    """What keeps a long run's memory flat after tagging: without the setting, freed 4 MB blocks stay in the
    process (the threshold rose to 16 MB); with it they go back, and the environment that worker processes
    inherit carries it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    _, kept_default = _retained_after_free("default", env)
    threshold, kept_tuned = _retained_after_free("tuned", env)
    assert kept_default >= 30, kept_default
    assert kept_tuned <= 4, kept_tuned
    assert threshold == "1048576"
    # A value the user chose is kept.
    threshold, _ = _retained_after_free("tuned", {**env, "MALLOC_MMAP_THRESHOLD_": "2097152"})
    assert threshold == "2097152"


# The runs of `buggy_runs` by their --max-internal-errors: (output folder, the finished process).
BuggyRuns = dict[int, tuple[Path, subprocess.CompletedProcess[str]]]


@pytest.fixture(scope="module")
def buggy_runs(tmp_path_factory: pytest.TempPathFactory) -> BuggyRuns:
    """The seeds with a bug planted in cleaning that hits one of them (003 mentions Newsmax), run with
    --max-internal-errors 0 (the default) and 1."""
    runs = {}
    for limit in (0, 1):
        out = tmp_path_factory.mktemp(f"limit{limit}") / "articles"
        args = ["run", "--input", str(SEEDS), "--output", str(out), "--reference-date", REFERENCE]
        if limit:
            args += ["--max-internal-errors", str(limit)]
        runs[limit] = out, newsbeam(*args, module="tests.support", env={BUG_ENV: "Newsmax"})
    return runs


@pytest.mark.e2e
def test_an_internal_error_is_kept_as_a_row_and_fails_the_run_with_its_traceback(buggy_runs: BuggyRuns) -> None:
    out, result = buggy_runs[0]
    assert result.returncode == 1, result.stderr
    assert summary_counts(result.stdout) == {"read": 5, "written": 4, "duplicates": 0, "rejected": 1}
    assert "balanced" in result.stdout and "verified against the files" in result.stdout
    rows = duckdb.sql(f"SELECT stage, reason, source, detail FROM '{out}/_rejected/*.parquet'").fetchall()
    assert [(stage, reason, Path(source).name) for stage, reason, source, _ in rows] == [
        ("clean", "internal-error", "003_383210d72824bc91.txt")
    ]
    detail = rows[0][3]
    assert detail.startswith("Traceback (most recent call last):"), detail
    assert "in buggy" in detail and detail.endswith("RuntimeError: planted bug: text contains 'Newsmax'")
    assert "1 internal error" in result.stderr and "--max-internal-errors 0" in result.stderr
    assert detail in result.stderr


@pytest.mark.e2e
def test_internal_errors_up_to_the_limit_pass(buggy_runs: BuggyRuns) -> None:
    _, result = buggy_runs[1]
    assert result.returncode == 0, result.stderr
    assert summary_counts(result.stdout) == {"read": 5, "written": 4, "duplicates": 0, "rejected": 1}
    assert "clean/internal-error: 1" in result.stdout
    assert "internal error" not in result.stderr


def test_the_first_internal_error_is_the_earliest_of_the_matched_files(tmp_path: Path) -> None:
    """The traceback printed when a run or a stream has too many internal errors: only internal errors, only
    the files of that run, the earliest by time."""
    base = dt.datetime(2026, 11, 21, 12, tzinfo=dt.timezone.utc)

    def row(reason: str, detail: str, minute: int) -> dict[str, object]:
        return Rejected("s", "tag", reason, detail, None, base + dt.timedelta(minutes=minute), "r").to_row()

    folder = tmp_path / REJECTED_DIR
    folder.mkdir()
    assert first_internal_error(str(tmp_path), "part-r-w*.parquet") is None
    write_parquet(str(folder / "part-r-w1-tag.parquet"), REJECTED_SCHEMA, [row("internal-error", "later", 5)])
    write_parquet(
        str(folder / "part-r-w0-tag.parquet"),
        REJECTED_SCHEMA,
        [row("too-short", "not a bug", 0), row("internal-error", "earliest", 1)],
    )
    write_parquet(str(folder / "part-other-tag.parquet"), REJECTED_SCHEMA, [row("internal-error", "another run", 0)])
    assert first_internal_error(str(tmp_path), "part-r-w*.parquet") == "earliest"
    assert first_internal_error(str(tmp_path), "part-r-w1-*.parquet") == "later"


class _Recorded(subprocess.Popen):
    """Every process started while a test records them."""

    started: ClassVar[list[subprocess.Popen[bytes]]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-overload]
        _Recorded.started.append(self)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    _Recorded.started = []
    monkeypatch.setattr(subprocess, "Popen", _Recorded)
    return _Recorded.started


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every worker process forked while a test records them."""
    workers: list[Any] = []
    fork = runners._fork_worker

    def recording(inherited: list[int]) -> Any:
        workers.append(fork(inherited))
        return workers[-1]

    monkeypatch.setattr(runners, "_fork_worker", recording)
    return workers


MULTI = ["--direct_running_mode", "multi_processing", "--direct_num_workers", "2"]


@pytest.mark.e2e
def test_a_multi_processing_run_works_on_workers_forked_from_the_launcher(tmp_path: Path) -> None:
    """`newsbeam run` (a fresh process, as a user runs it) forks its two workers instead of letting Beam start
    new interpreters, and the run verifies."""
    argv = ["--input", str(SEEDS), "--output", str(tmp_path / "out"), "--reference-date", REFERENCE, *MULTI]
    result = newsbeam("run", "--verbose", *argv)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 worker processes: forked from the launcher" in result.stderr
    assert summary_counts(result.stdout, verified=True) == {"read": 5, "written": 5, "duplicates": 0, "rejected": 0}


@pytest.mark.e2e
def test_a_process_with_other_threads_lets_beam_start_its_workers(
    recorded: list[subprocess.Popen[bytes]], forked: list[Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A launcher with another thread running (a caller's, or gRPC's after an earlier pipeline) is not forked:
    Beam starts its own two workers, and the run verifies just the same."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        assert runners._fork_is_safe() is False
        argv = ["--input", str(SEEDS), "--output", str(tmp_path / "out"), "--reference-date", REFERENCE, *MULTI]
        assert run(argv) == 0
    finally:
        stop.set()
    assert summary_counts(capsys.readouterr().out, verified=True)["written"] == 5
    assert forked == []
    assert [p.args for p in recorded] == [f"{sys.executable} -m apache_beam.runners.worker.sdk_worker_main"] * 2
    assert [p.returncode for p in recorded] == [0, 0]


def test_workers_no_run_took_are_ended(
    recorded: list[subprocess.Popen[bytes]], forked: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runners, "_fork_is_safe", lambda: True)  # these workers are ended before any gRPC call
    with runners.workers_started_early(PipelineOptions(MULTI)) as started:
        assert started == 2 and all(w.poll() is None for w in forked)
    assert len(forked) == 2 and all(w.poll() is not None for w in forked)
    # In-process running modes and other runners start none.
    for argv in ([], ["--direct_running_mode", "multi_threading"], ["--runner", "dask", *MULTI]):
        with runners.workers_started_early(PipelineOptions(argv)) as started:
            assert started == 0
    assert len(forked) == 2 and recorded == []


def test_off_linux_beam_starts_its_own_workers(forked: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runners, "FORKS_WORKERS", False)
    with runners.workers_started_early(PipelineOptions(MULTI)) as started:
        assert started == 0
    assert forked == []


def test_a_forked_worker_told_nothing_exits_cleanly() -> None:
    """A worker whose run ended before it was needed (its pipe closed without a line) exits 0 by itself."""
    worker = runners._fork_worker([])
    assert worker.poll() is None
    worker.stdin.close()
    assert worker.wait() == 0 and worker.returncode == 0
    worker.kill()  # a no-op once it has exited


def test_a_worker_started_under_another_environment_is_not_used(
    forked: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beam's worker gets the launcher's environment as it is when Beam starts it; a worker started before
    the environment changed (other than by what Beam adds) is ended and Beam's own command runs instead."""
    monkeypatch.setattr(runners, "_fork_is_safe", lambda: True)  # these workers are ended before any gRPC call
    with runners.workers_started_early(PipelineOptions(MULTI)):
        early = list(forked)
        monkeypatch.setenv("NEWSBEAM_TEST_CHANGED", "1")
        monkeypatch.setattr(subprocess, "Popen", lambda *args, **kwargs: ("started by Beam", args))
        command = f"{sys.executable} -m apache_beam.runners.worker.sdk_worker_main"
        got = runners._early_workers.Popen(command, shell=True, env=dict(os.environ, WORKER_ID="worker_1"))
        assert got == ("started by Beam", (command,))
        assert all(w.poll() is not None for w in early)  # ended: they were started under the old environment


def test_runner_patches_install_once() -> None:
    runners.stop_workers_together()
    assert runners.stop_workers_together() is False
