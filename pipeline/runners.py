"""Runner setup done by the launcher before the pipeline is built: the allocator of the local processes
(`return_freed_memory`), the DirectRunner's worker processes (started while the graph is built,
`workers_started_early`, and stopped side by side, `stop_workers_together`) and Beam's Dask runner.

`newsbeam run --runner dask` (also `DaskRunner` or Beam's full class path) runs the unchanged pipeline on
a `dask.distributed` cluster: the one at `--dask-address` (or Beam's own `--dask_client_address`), or a
local cluster of `--dask-workers` processes started for the run and stopped after it.

Three properties of Beam's Dask runner (2.77) shape what happens here; none reaches the transforms:

* it parallelises only over the partitions of `Create`'s output (a shuffle keeps the partition count),
  and newsbeam's graph starts from one `Create` of the input patterns. So on Dask the launcher hands
  ReadLocal the matched file paths (names only; the launcher matched them anyway to check the inputs)
  and asks for `--dask_npartitions` partitions: one per worker, more for large inputs (at most
  FILES_PER_PARTITION files each, since a partition is one bundle held in memory);
* Flatten adds partitions up and nothing reduces them, so a graph with many joins ends with hundreds of
  partitions, each paying every DoFn's `setup` and a share of every shuffle: newsbeam ran 30x slower
  than on the DirectRunner, minutes for 17 files. Every Dask runner name therefore resolves to
  `DaskRunner` below, Beam's runner with the partitions of each step capped at `--dask_npartitions`
  (one `Bag.repartition`; the same elements, the same graph);
* it keeps its `distributed.Client` open after the run; the setup closes it with the cluster.

What the transforms themselves avoid on every runner (multi-output ParDo routing, side inputs, steps
whose output nobody reads) is described in `transforms/_outputs.py` and `pipeline/manifest.py`.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import importlib
import json
import logging
import math
import os
import signal
import subprocess
import sys
import threading
import traceback
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

from pipeline.options import Option, option_groups
from transforms.read import expand_inputs

logger = logging.getLogger(__name__)

BEAM_DASK_RUNNER = "apache_beam.runners.dask.dask_runner.DaskRunner"
DASK_RUNNER = "pipeline.runners.DaskRunner"
_DASK_NAMES = {"dask", "daskrunner", DASK_RUNNER.lower(), BEAM_DASK_RUNNER.lower()}

# Files per Dask partition at most; fewer files make one partition per worker.
FILES_PER_PARTITION = 200

# Blocks from this size up get their own mapping from glibc's malloc, given back to the system when freed.
MMAP_THRESHOLD = 1 << 20
_M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
_MMAP_THRESHOLD_ENV = "MALLOC_MMAP_THRESHOLD_"


def return_freed_memory() -> bool:
    """Fix glibc's mmap threshold at `MMAP_THRESHOLD` in this process and in the worker processes it starts
    (they inherit the environment); returns whether this process took it (False off glibc).

    glibc raises the threshold to the largest block freed so far (up to 32 MB), and blocks under it come
    from the heap and stay there when freed. Beam's runner and workers pass each stage's data in messages of
    up to 10 MB, so every stage of a long run left such blocks behind in some thread's heap: the peak
    memory of a run grew with its size after tagging. A value the user set is left alone."""
    os.environ.setdefault(_MMAP_THRESHOLD_ENV, str(MMAP_THRESHOLD))
    name = ctypes.util.find_library("c")
    mallopt = getattr(ctypes.CDLL(name), "mallopt", None) if name else None
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, int(os.environ[_MMAP_THRESHOLD_ENV])))


def remember_dofn_specs() -> bool:
    """Make Beam compute a DoFn's state and timer specs once per DoFn object instead of at every ask; returns
    whether this call installed it (False when already installed).

    Beam's `userstate.get_dofn_specs` inspects the signature of every method of a DoFn each time it is asked,
    and it is asked about seven times per ParDo while the graph is translated, validated and run (2,300 times
    on newsbeam's graph, 69,000 signatures): a quarter of the CPU of a small run. The answer only depends on
    the DoFn's methods, which do not change once it is built, so it is kept, per object (weakly: nothing is
    kept alive), and handed out as fresh sets. A DoFn that cannot be weakly referenced is inspected as before.
    """
    from apache_beam.transforms import userstate

    inspect = userstate.get_dofn_specs
    if getattr(inspect, "remembers", False):
        return False
    known: weakref.WeakKeyDictionary[Any, tuple[frozenset[Any], frozenset[Any]]] = weakref.WeakKeyDictionary()

    @functools.wraps(inspect)
    def get_dofn_specs(dofn: Any) -> tuple[set[Any], set[Any]]:
        try:
            found = known.get(dofn)
        except TypeError:  # neither hashable nor weakly referable
            return inspect(dofn)
        if found is None:
            states, timers = inspect(dofn)
            found = (frozenset(states), frozenset(timers))
            with contextlib.suppress(TypeError):
                known[dofn] = found
        return set(found[0]), set(found[1])

    get_dofn_specs.remembers = True  # type: ignore[attr-defined]
    userstate.get_dofn_specs = get_dofn_specs
    return True


def remember_option_views() -> bool:
    """Make `PipelineOptions.view_as` build each view once per options object instead of at every ask;
    returns whether this call installed it (False when already installed).

    Beam builds a view by building an argument parser for the view's class and parsing the command line
    again, and it asks for one at every transform applied and every result type inferred: 575 views and
    0.3 s of the launcher's CPU on newsbeam's graph, for the same few classes. A view keeps no values of its
    own (all views of an options object read and write its one `_all_options` dict), so the first view of a
    class is handed out again, while it still shares that dict and the flags; options objects that cannot
    be weakly referenced get a new view as before."""
    view_as = PipelineOptions.view_as
    if getattr(view_as, "remembers", False):
        return False
    known: weakref.WeakKeyDictionary[PipelineOptions, dict[type, PipelineOptions]] = weakref.WeakKeyDictionary()

    @functools.wraps(view_as)
    def remembered_view_as(self: PipelineOptions, cls: type[Any]) -> Any:
        try:
            views = known.setdefault(self, {})
        except TypeError:  # neither hashable nor weakly referable
            return view_as(self, cls)
        view = views.get(cls)
        if view is None or view._all_options is not self._all_options or view._flags is not self._flags:
            view = views[cls] = view_as(self, cls)
        return view

    remembered_view_as.remembers = True  # type: ignore[attr-defined]
    PipelineOptions.view_as = remembered_view_as  # type: ignore[method-assign]
    return True


def stop_workers_together() -> bool:
    """Make the DirectRunner tell all its worker processes to stop before waiting for any of them; returns
    whether this call installed it (False when already installed).

    At the end of a run Beam closes its workers one after another, and closing one waits for its process to
    exit: ~0.4 s each (the harness's teardown and the interpreter's exit with extraction's modules and
    models loaded), so on 2 workers ~0.8 s of the run's fixed wall time went to workers waiting their turn
    to exit. Ending every worker's control stream first lets them exit side by side; Beam's own close then
    finds the streams ended and only waits. Nothing changes for a worker that is not a gRPC process."""
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    close_all = worker_handlers.WorkerHandlerManager.close_all
    if getattr(close_all, "together", False):
        return False

    @functools.wraps(close_all)
    def close_all_together(self: Any) -> None:
        handlers = {h for listed in self._cached_handlers.values() for h in listed}
        for handler in handlers:
            if isinstance(handler, worker_handlers.GrpcWorkerHandler):
                try:
                    handler.control_conn.close()  # sends the worker its last instruction: done
                except Exception:  # Beam's own close below reports what is wrong with a worker
                    logger.debug("could not end the control stream of %s early", handler, exc_info=True)
        close_all(self)

    close_all_together.together = True  # type: ignore[attr-defined]
    worker_handlers.WorkerHandlerManager.close_all = close_all_together  # type: ignore[method-assign]
    return True


# The command Beam's DirectRunner starts each multi-processing worker with (`FnApiRunner.run_pipeline`).
_BEAM_WORKER_COMMAND = f"{sys.executable} -m apache_beam.runners.worker.sdk_worker_main"
# What the worker's environment adds to the launcher's: all a worker started early waits to be told.
_WORKER_ENV = ("CONTROL_API_SERVICE_DESCRIPTOR", "LOGGING_API_SERVICE_DESCRIPTOR", "PIPELINE_OPTIONS", "WORKER_ID")
# Modules the workers' stages import when Beam hands them their DoFns: what the launcher has not loaded yet is
# loaded by each worker while the launcher builds the graph.
WORKER_MODULES = (
    "transforms.process",
    "transforms.read",
    "transforms.dedupe",
    "transforms.sink",
    "pipeline.manifest",
)
# Workers are forked from the launcher where a forked process is a dependable copy of its parent.
FORKS_WORKERS = sys.platform == "linux"
# Native threads a fresh launcher has besides its own that a fork leaves safely behind: pyarrow's allocator
# (jemalloc's background thread). OpenBLAS's workers (numpy) carry the process's own name; both libraries
# re-initialise themselves in a forked child.
_FORK_SAFE_THREADS = frozenset({"jemalloc_bg_thd"})


def _fork_is_safe() -> bool:
    """Whether this process may fork workers: its only Python thread is this one, and its only native threads
    are those of `_FORK_SAFE_THREADS` or named as the process itself, as in a fresh `newsbeam run`. A process
    that has run a Beam pipeline before keeps gRPC's threads (`grpc_global_tim`, `event_engine`), and a
    worker forked from it can hang in its first gRPC call; any other thread could hold a lock the copy needs."""
    if threading.active_count() != 1:
        return False
    try:
        own = Path("/proc/self/comm").read_text().strip()
        names = [Path(f"/proc/self/task/{task}/comm").read_text().strip() for task in os.listdir("/proc/self/task")]
    except OSError:
        return False
    return all(name == own or name in _FORK_SAFE_THREADS for name in names)


class _ForkedWorker:
    """A worker process forked from the launcher (`workers_started_early`), handed to Beam in place of the
    `subprocess.Popen` it would start: the same `stdin`, `poll`, `wait`, `kill` and `returncode`."""

    def __init__(self, pid: int, told: int) -> None:
        self.pid = pid
        self.stdin = os.fdopen(told, "wb")  # where the worker is told Beam's environment: one JSON line
        self.returncode: int | None = None
        self._lock = threading.Lock()

    def poll(self) -> int | None:
        with self._lock:
            if self.returncode is None:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Waits for the process to exit (without reaping it, so no lock is held meanwhile), then reaps it."""
        if timeout is not None:
            raise NotImplementedError("Beam waits for its workers without a timeout")
        if self.returncode is None:
            with contextlib.suppress(ChildProcessError):  # reaped since by another thread's poll
                os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
        code = self.poll()
        assert code is not None
        return code

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)


def _fork_worker(inherited: list[int]) -> _ForkedWorker:
    """A worker forked from the launcher, which has loaded Python, Beam and most of newsbeam's modules by now:
    the worker starts from that copy instead of loading them again. It loads the rest of `WORKER_MODULES`,
    then waits to be told Beam's environment and runs Beam's own harness (`sdk_worker_main`) in it; told
    nothing (the run ended before it needed the worker), it exits 0.
    `inherited`: the launcher's ends of earlier workers' pipes, which this worker must not hold open."""
    sys.stdout.flush()
    sys.stderr.flush()
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(read)
        inherited.append(write)
        return _ForkedWorker(pid, write)
    status = 1
    try:
        for fd in (write, *inherited):
            os.close(fd)
        root = logging.getLogger()
        for handler in list(root.handlers):  # the launcher's: the harness sets up its own, as in a new process
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)
        for name in WORKER_MODULES:
            with contextlib.suppress(Exception):
                importlib.import_module(name)
        from apache_beam.runners.worker import sdk_worker_main

        with os.fdopen(read, "rb") as told:
            line = told.readline()
        if line.strip():
            os.environ.update(json.loads(line))
            sdk_worker_main.main([])
        status = 0
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        # Once the harness has stopped (every bundle finished, teardowns run, logs sent), the worker leaves
        # without the interpreter's clean-up of everything extraction loaded (~0.4-0.7 s per worker), and
        # without running anything of the launcher's (its `finally` blocks, its exit handlers).
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)


class _EarlyWorkers:
    """Stands in for the `subprocess` module in Beam's `local_job_service`: when Beam starts a worker process
    with its usual command, hands it one started earlier (`workers_started_early`) instead, told Beam's
    environment; anything else is passed on to `subprocess`."""

    def __init__(self) -> None:
        self.waiting: list[tuple[_ForkedWorker, dict[str, str]]] = []
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    def Popen(self, args: Any, *rest: Any, **kwargs: Any) -> Any:  # named as subprocess names it
        env = kwargs.get("env")
        if args == _BEAM_WORKER_COMMAND and not rest and isinstance(env, dict) and set(kwargs) <= {"shell", "env"}:
            with self.lock:
                while self.waiting:
                    process, started_with = self.waiting.pop(0)
                    told = {k: v for k, v in env.items() if started_with.get(k) != v}
                    if process.poll() is not None or set(told) - set(_WORKER_ENV) or set(started_with) - set(env):
                        _end(process)  # gone, or started under another environment: a fresh one is started
                        continue
                    assert process.stdin is not None
                    try:
                        process.stdin.write(json.dumps(told).encode("utf-8") + b"\n")
                        process.stdin.close()
                    except OSError:  # it ended since: a fresh one is started
                        _end(process)
                        continue
                    return process
        return subprocess.Popen(args, *rest, **kwargs)

    def end_waiting(self) -> int:
        """End the workers started early that no run took; returns how many."""
        with self.lock:
            waiting, self.waiting = self.waiting, []
        for process, _env in waiting:
            _end(process)
        return len(waiting)


def _end(process: _ForkedWorker) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()


_early_workers = _EarlyWorkers()


def direct_worker_processes(options: PipelineOptions) -> int:
    """How many worker processes the DirectRunner will start for `options`: 0 unless it runs in
    multi-processing mode (in-process modes start none)."""
    if (options.view_as(StandardOptions).runner or "DirectRunner") not in ("DirectRunner", "FnApiRunner"):
        return 0
    direct = options.view_as(DirectOptions)
    if direct.direct_running_mode != "multi_processing":
        return 0
    return direct.direct_num_workers or os.cpu_count() or 1


@contextlib.contextmanager
def workers_started_early(options: PipelineOptions) -> Iterator[int]:
    """Start the DirectRunner's worker processes now, while the launcher still builds and translates the graph,
    and hand them to Beam when it starts its workers; yields how many were started. Those no run took are
    ended when the block ends.

    A worker process takes ~1-2 s of CPU to start (an interpreter, Beam, gRPC, trafilatura, newsbeam's
    stages), and Beam starts them only once the graph is built and translated, so every multi-processing run
    waited for the workers after the launcher had done its part. Here each worker is forked from the launcher
    (`_fork_worker`), so the modules are loaded once, not once per worker, and what is left of its start-up
    overlaps the launcher's. Each worker still runs Beam's own harness, told the environment Beam would give
    it. Off Linux, or where forking is not safe (`_fork_is_safe`), none are started here and Beam starts its
    own."""
    count = direct_worker_processes(options) if FORKS_WORKERS else 0
    if count and not _fork_is_safe():
        logger.info("%d worker processes: started by Beam (this process has threads a fork would not carry)", count)
        count = 0
    if count:
        logger.info("%d worker processes: forked from the launcher", count)
        from apache_beam.runners.portability import local_job_service

        local_job_service.subprocess = _early_workers  # type: ignore[assignment]
        env = dict(os.environ)
        inherited: list[int] = []
        started = [_fork_worker(inherited) for _ in range(count)]
        with _early_workers.lock:
            _early_workers.waiting.extend((worker, env) for worker in started)
    try:
        yield count
    finally:
        if count:
            _early_workers.end_waiting()


class DaskSetupOptions(PipelineOptions):
    """newsbeam's own Dask options; Beam's (`--dask_client_address`, `--dask_npartitions`, …) pass through."""

    _add_argparse_args = option_groups(
        (
            "dask (with --runner dask)",
            (
                Option(
                    "dask-workers",
                    "Worker processes of the local Dask cluster started for the run. Default: one per core.",
                    type=int,
                ),
                Option(
                    "dask-address",
                    "Scheduler of a running Dask cluster to join (tcp://host:8786) instead of starting one.",
                ),
            ),
        )
    )


def is_dask(runner: str | None) -> bool:
    return runner is not None and runner.lower() in _DASK_NAMES


def resolve_runner(options: PipelineOptions) -> str:
    """The runner name Beam understands: every name of the Dask runner (`dask`, `DaskRunner`, which
    Beam's registry does not know, and Beam's class path) becomes newsbeam's `DaskRunner`, Beam's with
    bounded partitions. Returns the name (DirectRunner when none was given)."""
    standard = options.view_as(StandardOptions)
    if is_dask(standard.runner):
        if standard.runner == BEAM_DASK_RUNNER:
            logger.info("running Beam's Dask runner with partitions capped at --dask_npartitions (%s)", DASK_RUNNER)
        standard.runner = DASK_RUNNER
    return standard.runner or "DirectRunner"


def _dask_runner_class() -> type:
    from apache_beam.runners.dask import dask_runner

    class _DaskRunner(dask_runner.DaskRunner):
        """Beam's Dask runner with a bounded number of partitions per step.

        Beam translates Flatten to `dask.bag.concat` (partitions add up) and GroupByKey to a task shuffle
        that keeps its input's partition count, so partitions multiply along a graph with many joins:
        newsbeam's ended with ~500 partitions for 17 inputs, ~5,000 DoFn bundles (each paying the DoFn's
        setup) and tens of thousands of shuffle tasks, 30x slower than the DirectRunner. Here a step whose
        bag has more partitions than `--dask_npartitions` is followed by `Bag.repartition` to that number.
        Same results, same graph; only the bag partitioning differs.
        """

        @staticmethod
        def to_dask_bag_visitor(bag_kwargs: dict[str, Any] | None = None) -> Any:
            visitor: Any = dask_runner.DaskRunner.to_dask_bag_visitor(bag_kwargs)
            cap = (bag_kwargs or {}).get("npartitions") or os.cpu_count() or 1
            visit = visitor.visit_transform

            def visit_transform(node: Any) -> None:
                visit(node)
                bag = visitor.bags.get(node)
                if bag is not None and getattr(bag, "npartitions", 0) > cap:
                    visitor.bags[node] = bag.repartition(npartitions=cap)

            visitor.visit_transform = visit_transform
            return visitor

    _DaskRunner.__name__ = _DaskRunner.__qualname__ = "DaskRunner"
    _DaskRunner.__module__ = __name__
    return _DaskRunner


def __getattr__(name: str) -> Any:
    """`pipeline.runners.DaskRunner`, built on first use: importing Beam's Dask runner needs `dask`, which
    only the `dask` extra installs."""
    if name == "DaskRunner":
        runner = _dask_runner_class()
        globals()["DaskRunner"] = runner
        return runner
    raise AttributeError(name)


def _literal(path: str) -> str:
    """`path` as a match pattern for that file (Beam patterns have no escape character, so glob characters
    become one-character classes; `[` as `[\\[]`, since Python's re warns about `[[]`, which also admits a
    backslash in its place)."""
    return "".join({"*": "[*]", "?": "[?]", "[": "[\\[]"}.get(c, c) for c in path)


def matched_files(inputs: Sequence[str]) -> list[str]:
    """Every file the inputs match, as literal patterns, each once, in a stable order."""
    found: dict[str, None] = {}
    for pattern in expand_inputs(inputs):
        for meta in FileSystems.match([pattern])[0].metadata_list:
            found.setdefault(meta.path, None)
    return [_literal(path) for path in sorted(found)]


def dask_partitions(files: int, workers: int) -> int:
    return max(workers, math.ceil(files / FILES_PER_PARTITION), 1)


def _given(argv: Sequence[str], *flags: str) -> bool:
    return any(a.split("=", 1)[0] in flags for a in argv)


@contextlib.contextmanager
def dask_cluster(options: PipelineOptions, argv: Sequence[str], files: int) -> Iterator[str]:
    """Make `options` point Beam's Dask runner at a cluster for the duration of the block; yields the
    scheduler address. Starts (and afterwards stops) a local cluster unless one was named."""
    from apache_beam.runners.dask.dask_runner import DaskOptions

    setup = options.view_as(DaskSetupOptions)
    dask = options.view_as(DaskOptions)
    address = setup.dask_address or dask.address
    cluster = None
    if address is None and options.view_as(StandardOptions).no_wait_until_finish:
        raise SystemExit(
            "newsbeam: --no_wait_until_finish on Dask needs a cluster that outlives the launcher: --dask-address"
        )
    if address is None:
        from distributed import LocalCluster

        workers = setup.dask_workers or os.cpu_count() or 1
        # One thread per worker process: the stages are Python, so threads would only share one GIL.
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        )
        address = cluster.scheduler_address
        logger.info("started a local Dask cluster of %d worker processes at %s", workers, address)
    else:
        workers = setup.dask_workers or _cluster_workers(address)
        logger.info("joining the Dask cluster at %s (%d workers)", address, workers)
    dask.address = address
    if not _given(argv, "--dask_npartitions", "--dask_partition_size"):
        dask.npartitions = dask_partitions(files, workers)
    before = _current_client()
    try:
        yield address
    finally:
        _close_runner_client(before)
        if cluster is not None:
            cluster.close()


def _cluster_workers(address: str) -> int:
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        return max(len(client.nthreads()), 1)


def _current_client() -> Any:
    from distributed import default_client

    try:
        return default_client()
    except ValueError:
        return None


def _close_runner_client(before: Any) -> None:
    """Close the client Beam's Dask runner opened (it never does), so no connection outlives the run."""
    client = _current_client()
    if client is not None and client is not before:
        client.close()


__all__ = [
    "BEAM_DASK_RUNNER",
    "DASK_RUNNER",
    "DaskSetupOptions",
    "dask_cluster",
    "is_dask",
    "matched_files",
    "remember_dofn_specs",
    "remember_option_views",
    "resolve_runner",
    "stop_workers_together",
    "workers_started_early",
]
