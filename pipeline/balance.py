"""Work stealing for the DirectRunner's worker processes (`balance_worker_load`).

In multi-processing mode Beam's FnApiRunner splits each stage's input into one part per worker process up front
(round robin, `ParallelBundleManager`) and waits for the slowest part. Pages differ in cost (on real pages the
spread of a page's CPU is larger than its mean), so on one big input the workers of the stage that extracts
every page finished seconds apart, one of them idle meanwhile.

Here, when a part has finished and another is still running a moment later (`GRACE_S`), the runner asks each
running worker to stop after its current element (a Fn API channel split, which every DoFn supports); the
elements it had not started go back to the runner, which runs them as the stage's next bundle, again spread
over every worker, and so on until the stage is done. The same elements are processed once each; only which
worker processes them changes.

The runner turns a channel split into the elements to run again by their position in the stage's whole input,
so a part must be one contiguous run of that input: true of a grouped input (each part is a run of the groups,
in order) and made true here for an input sent as a single block (the runner's own round robin re-encodes those
element by element anyway). A stage fed otherwise (timers, several inputs, a list of blocks) runs as Beam runs it.
"""

from __future__ import annotations

import concurrent.futures
import functools
import itertools
import logging
import threading
from typing import Any

from apache_beam.metrics import monitoring_infos
from apache_beam.portability.api import beam_fn_api_pb2 as api
from apache_beam.runners.portability.fn_api_runner import execution, fn_runner

logger = logging.getLogger(__name__)

# How long the other parts of a stage may run on after the first has finished before they are split.
GRACE_S = 0.2


def balance_worker_load() -> bool:
    """Install work stealing in Beam's `ParallelBundleManager`; returns whether this call installed it (False
    when already installed)."""
    manager = fn_runner.ParallelBundleManager
    process_bundle = manager.process_bundle
    if getattr(process_bundle, "steals", False):
        return False

    @functools.wraps(process_bundle)
    def stealing(
        self: Any,
        inputs: Any,
        expected_outputs: Any,
        fired_timers: Any,
        expected_output_timers: Any,
        dry_run: bool = False,
    ) -> Any:
        parts = None if dry_run or fired_timers or expected_output_timers else _contiguous_parts(self, inputs)
        if parts is None:
            return process_bundle(self, inputs, expected_outputs, fired_timers, expected_output_timers, dry_run)
        return _run_parts(self, parts, expected_outputs, expected_output_timers)

    stealing.steals = True  # type: ignore[attr-defined]
    manager.process_bundle = stealing  # type: ignore[method-assign]
    return True


def _contiguous_parts(manager: Any, inputs: Any) -> tuple[str, Any, list[bytes]] | None:
    """(input name, coder, one encoded block per worker) where each block is a contiguous run of the input in
    the order the runner reads it back; None for an input this module leaves to Beam."""
    if len(inputs) != 1 or manager._num_workers < 2:
        return None
    ((name, buffer),) = inputs.items()
    coder = manager.bundle_context_manager.get_input_coder_impl(name)
    if isinstance(buffer, execution.GroupingBuffer):
        # Partitioned once, then read back as the concatenation of its parts (`GroupingBuffer.__iter__`).
        return name, coder, [b"".join(part) for part in buffer.partition(manager._num_workers)]
    if isinstance(buffer, execution.ListBuffer) and len(buffer._inputs) == 1:
        elements = list(coder.decode_all(buffer._inputs[0]))
        n = manager._num_workers
        bounds = [len(elements) * k // n for k in range(n + 1)]
        return name, coder, [coder.encode_all(elements[bounds[k] : bounds[k + 1]]) for k in range(n)]
    return None


class _Part:
    """One worker's part of a stage, and where it runs once it has started."""

    def __init__(self, block: bytes) -> None:
        self.block = block
        self.bundle_id: str | None = None
        self.handler: Any = None
        self.started = threading.Event()


class _Recording(fn_runner.BundleManager):
    """Beam's manager of one bundle, noting which bundle and worker run the part."""

    def __init__(self, manager: Any, part: _Part) -> None:
        super().__init__(
            manager.bundle_context_manager,
            manager._progress_frequency,
            cache_token_generator=manager._cache_token_generator,
        )
        self.part = part

    def _send_input_to_worker(self, bundle_id: str, transform_id: str, byte_streams: Any) -> None:
        self.part.bundle_id, self.part.handler = bundle_id, self._worker_handler
        self.part.started.set()
        super()._send_input_to_worker(bundle_id, transform_id, byte_streams)


def _run_parts(manager: Any, parts: tuple[str, Any, list[bytes]], expected_outputs: Any, expected_timers: Any) -> Any:
    """`ParallelBundleManager.process_bundle` on contiguous parts, stealing from the parts still running when
    the first has ended: (the merged response, the workers' splits as the runner reads them)."""
    name, coder, blocks = parts
    runs = [_Part(block) for block in blocks]

    def execute(part: _Part) -> Any:
        try:
            block: Any = [part.block]  # as Beam's own parts: a list of encoded blocks
            return _Recording(manager, part).process_bundle({name: block}, expected_outputs, {}, expected_timers)
        finally:
            part.started.set()

    splits: dict[int, Any] = {}
    lengths: list[int] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(runs)) as pool:
        futures = [pool.submit(execute, part) for part in runs]
        _, running = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        if running:
            _, running = concurrent.futures.wait(running, timeout=GRACE_S)
        for k, future in enumerate(futures):
            if future in running:
                lengths = lengths or [sum(1 for _ in coder.decode_all(block)) for block in blocks]
                split = _stop_after_current(runs[k], name, lengths[k])
                if split is not None:
                    splits[k] = split
        results = [future.result()[0] for future in futures]

    merged = results[0]
    for result in results[1:]:
        merged = api.InstructionResponse(
            process_bundle=api.ProcessBundleResponse(
                monitoring_infos=monitoring_infos.consolidate(
                    itertools.chain(result.process_bundle.monitoring_infos, merged.process_bundle.monitoring_infos)
                )
            ),
            error=result.error or merged.error,
        )
    return merged, _as_runner_splits(name, splits, lengths)


def _stop_after_current(part: _Part, name: str, count: int) -> Any:
    """Ask the worker running `part` (`count` elements) to stop after its current element: the split it made,
    or None (it had finished meanwhile, or had nothing left to hand over)."""
    part.started.wait()
    if part.bundle_id is None:
        return None
    desired = api.ProcessBundleSplitRequest.DesiredSplit(fraction_of_remainder=0.0, estimated_input_elements=count)
    request = api.InstructionRequest(
        process_bundle_split=api.ProcessBundleSplitRequest(
            instruction_id=part.bundle_id, desired_splits={name: desired}
        )
    )
    try:
        response = part.handler.control_conn.push(request).get()
    except Exception:  # the bundle itself reports what went wrong with its worker
        logger.debug("could not split %s", part.bundle_id, exc_info=True)
        return None
    split = response.process_bundle_split
    if response.error or not split.channel_splits:
        return None
    logger.debug("split %s: %s", part.bundle_id, split)
    return split


def _as_runner_splits(name: str, splits: dict[int, Any], lengths: list[int]) -> list[Any]:
    """The workers' splits, each in its part's positions, as the runner reads the splits of one bundle
    (`FnApiRunner._add_residuals_and_channel_splits_to_deferred_inputs`): in positions of the whole input, the
    last part first, each range ending where the previous split's primary ended. So each part's split is
    followed by one that hands over nothing and ends the next part's range where this part starts."""
    if not splits:
        return []
    offsets = list(itertools.accumulate([0, *lengths]))
    out: list[Any] = []
    for k in reversed(range(len(lengths))):
        split = splits.get(k)
        if split is not None:
            channels = [
                api.ProcessBundleSplitResponse.ChannelSplit(
                    transform_id=channel.transform_id,
                    last_primary_element=offsets[k] + channel.last_primary_element,
                    first_residual_element=offsets[k] + channel.first_residual_element,
                )
                for channel in split.channel_splits
            ]
            out.append(api.ProcessBundleSplitResponse(residual_roots=split.residual_roots, channel_splits=channels))
        if k:
            closing = api.ProcessBundleSplitResponse.ChannelSplit(
                transform_id=name, last_primary_element=offsets[k] - 1, first_residual_element=offsets[-1]
            )
            out.append(api.ProcessBundleSplitResponse(channel_splits=[closing]))
    return out
