"""Work stealing between the DirectRunner's worker processes (`pipeline/balance.py`)."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import apache_beam as beam
from apache_beam.coders import VarIntCoder
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.portability.api import beam_fn_api_pb2 as api
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.runners.portability.fn_api_runner.execution import ListBuffer
from apache_beam.runners.worker import bundle_processor
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that

from pipeline import balance

MULTI = ["--direct_running_mode", "multi_processing", "--direct_num_workers", "2"]


def _worker_split(first_residual: int) -> Any:
    """A split as a worker reports it: positions within its own part."""
    channel = api.ProcessBundleSplitResponse.ChannelSplit(
        transform_id="read", last_primary_element=first_residual - 1, first_residual_element=first_residual
    )
    return api.ProcessBundleSplitResponse(channel_splits=[channel])


def test_beam_hands_back_exactly_the_elements_each_worker_did_not_start() -> None:
    """Two parts (5 and 7 elements) of one stage's input, split by their workers at positions 2 and 3: the
    runner's own bookkeeping, given the translated splits, queues exactly the unstarted elements again."""
    coder = VarIntCoder().get_impl()
    first, second = list(range(100, 105)), list(range(200, 207))
    sent = ListBuffer(coder_impl=coder)
    sent.append(coder.encode_all(first + second))  # how the runner reads the input back: part after part
    context = SimpleNamespace(
        get_input_coder_impl=lambda _name: coder,
        process_bundle_descriptor=SimpleNamespace(
            transforms={
                "read": SimpleNamespace(spec=SimpleNamespace(urn=bundle_processor.DATA_INPUT_URN), unique_name="read")
            }
        ),
    )
    for splits, expected in (
        ({0: _worker_split(2), 1: _worker_split(3)}, first[2:] + second[3:]),
        ({0: _worker_split(2)}, first[2:]),
        ({1: _worker_split(0)}, second),
    ):
        deferred: dict[str, Any] = {}
        translated = balance._as_runner_splits("read", splits, [len(first), len(second)])
        fn_runner.FnApiRunner._add_residuals_and_channel_splits_to_deferred_inputs(
            None,  # type: ignore[arg-type]
            translated,
            context,  # type: ignore[arg-type]
            {"read": sent},
            deferred,
        )
        assert sorted(coder.decode_all(b"".join(deferred["read"]))) == expected
    assert balance._as_runner_splits("read", {}, [5, 7]) == []


class _OneSlowWorker(beam.DoFn):
    """The first worker to set up is slow (0.2 s an element), the other fast; yields (key, worker pid)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.slow = False

    def setup(self) -> None:
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
            self.slow = True
        except FileExistsError:
            self.slow = False

    def process(self, group: tuple[int, Any]) -> Any:
        if self.slow:
            time.sleep(0.2)
        yield group[0], os.getpid()


def test_a_worker_that_ends_its_part_early_takes_over_the_rest_of_the_other(tmp_path: Path) -> None:
    """24 groups, 12 a worker: the fast worker ends its part at once and is handed what the slow one has not
    started, so it processes more than its own 12, and every group is processed exactly once."""
    balance.balance_worker_load()
    assert balance.balance_worker_load() is False  # installed once

    def check(rows: list[tuple[int, int]]) -> None:
        assert sorted(key for key, _ in rows) == list(range(24))
        per_worker = Counter(pid for _, pid in rows)
        assert len(per_worker) == 2 and max(per_worker.values()) > 12, per_worker

    with TestPipeline(options=PipelineOptions(MULTI)) as p:
        keyed = p | beam.Create([(k, k) for k in range(24)]) | beam.GroupByKey()
        assert_that(keyed | beam.ParDo(_OneSlowWorker(str(tmp_path / "slow"))), check)
