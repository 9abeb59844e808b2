"""AfterFiles: hold rows back until a run's (or a stream window's) files exist.

State for the next run (the article index, input hashes, seen URLs) must never be ahead of the output: a
run that dies after writing state but before its files would lose articles for good. Every state writer
therefore waits for the run's `WrittenFile`s through this one barrier.

The rows wait through a CoGroupByKey with the files, a main input: a grouping emits only when all its
inputs are complete (in a stream, per window). A side input would do the same on most runners, but Beam's
Dask runner evaluates each side input as a separate computation, which runs the whole pipeline again
(see `pipeline.manifest.WriteManifest`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam

from transforms._stage import Stage

_ROWS, _AFTER = "rows", "after"


def _release(element: tuple[int, dict[str, Iterable[Any]]]) -> Iterator[Any]:
    yield from element[1][_ROWS]


def _release_together(element: tuple[int, dict[str, Iterable[Any]]]) -> Iterable[Any]:
    return element[1][_ROWS]


@dataclass(eq=False, repr=False)
class AfterFiles(Stage):
    """`rows | AfterFiles(files)` → the same rows, released once every element of `files` exists.

    The rows cross one shuffle under a single key, so they should be small (keys, packed rows), never
    article bodies. `together`: released as one element (an iterable of the rows; one per stream window),
    for a writer that would otherwise group them again by a key of its own: the grouping the barrier made
    serves, and the graph has one stage fewer for each further grouping."""

    files: beam.PCollection
    together: bool = False

    def expand(self, rows: beam.PCollection) -> beam.PCollection:
        grouped = {
            _ROWS: rows | "OneKey" >> beam.Map(lambda row: (0, row)),
            _AFTER: self.files | "Written" >> beam.Map(lambda _f: (0, None)),
        } | "AfterWrites" >> beam.CoGroupByKey()
        if self.together:
            return grouped | "Release" >> beam.Map(_release_together)
        return grouped | "Release" >> beam.FlatMap(_release)
