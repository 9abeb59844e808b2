"""The run command's own decisions: worker processes for large inputs, progress lines, run ids."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys

import pytest
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions

from pipeline.job import PARALLEL_MIN_BYTES, PARALLEL_MIN_FILES, new_run_id, use_all_cores_if_large
from transforms._progress import Progress


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
