"""The run command's own decisions: worker processes for large inputs, progress lines, run ids."""

from __future__ import annotations

import datetime as dt
import logging

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
