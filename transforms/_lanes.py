"""Lanes: how Discover's sources and Fetch's pages reach the DoFn that fetches them.

A lane is a group of hosts (`lane_of`), given whole to one worker (`by_lane`) so that it alone keeps each
host's delay. The DoFn (a `LaneFn`) shares the run's client with the other stage in the process
(`acquire_client`) and fetches the lane's hosts in parallel threads, each host's URLs in order (`per_host`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import apache_beam as beam

from transforms._deadletter import INTERNAL_ERROR, DeadLetterFn, reject
from transforms.web.client import FetchConfig, acquire_client, host_of, per_host, release_client
from transforms.web.feeds import lane_of


def by_lane(items: beam.PCollection, config: FetchConfig) -> beam.PCollection:
    """`items` (anything with a `url`) as `(lane, items of the lane)` groups, ready for a `LaneFn`."""
    lanes = config.lanes
    return (
        items
        | "KeyByLane" >> beam.Map(lambda item: (lane_of(host_of(item.url), lanes), item))
        | "GroupByLane" >> beam.GroupByKey()
    )


class LaneFn(DeadLetterFn):
    """Subclasses say how to fetch one item (`_one`); an item is anything with a `url`. A bug on one item
    becomes its `internal-error` row, under the item's `source_attr` (`url`, or a fetched entry's canonical URL)."""

    thread_name = "lane"  # names the worker threads, for stack dumps and logs
    source_attr = "url"

    def __init__(self, run_id: str, config: FetchConfig) -> None:
        super().__init__(run_id)
        self.config = config

    def setup(self) -> None:
        self.client = acquire_client(self.config)
        self.executor = ThreadPoolExecutor(max_workers=self.config.parallel_hosts, thread_name_prefix=self.thread_name)

    def teardown(self) -> None:
        self.executor.shutdown(wait=False)
        release_client(self.config)

    def by_host(self, items: Iterable[Any]) -> Iterator[Any]:
        """The outputs of `_one` over `items`, hosts in parallel, as they arrive (in this thread)."""
        groups: dict[str, list[Any]] = {}
        for item in items:
            groups.setdefault(host_of(item.url), []).append(item)
        return per_host(self.executor, groups, self._one, self._failed)

    def _one(self, item: Any) -> list[Any]:
        raise NotImplementedError

    def _failed(self, item: Any, exc: Exception) -> list[Any]:
        detail = f"{type(exc).__name__}: {exc}"
        return [reject(getattr(item, self.source_attr), self.stage, INTERNAL_ERROR, detail, self.run_id, url=item.url)]
