"""ParDoWithOutputs: a multi-output ParDo that every runner routes the same way.

`beam.ParDo(fn).with_outputs(...)` relies on the runner to send each tagged output to its own consumers.
Beam's Dask runner (2.77) does not: every consumer of any output of such a step receives all of its
outputs, main and tagged mixed. Here the DoFn's outputs travel in one PCollection as `(tag, value)` pairs
and one filter per tag splits them, which is plain ParDo on every runner (and fused away by the others).
The stage DoFns keep yielding `TaggedOutput(tag, value)` for side outputs, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput
from apache_beam.utils.windowed_value import WindowedValue


def _pair(out: Any) -> Any:
    """`(tag, value)` for one output of the wrapped DoFn; the main output has tag None."""
    if isinstance(out, TaggedOutput):
        return (out.tag, out.value)
    return (None, out)


class _InBandFn(beam.DoFn):
    """Runs `fn` and emits each of its outputs as a `(tag, value)` pair on the single main output."""

    def __init__(self, fn: beam.DoFn) -> None:
        self.fn = fn

    def setup(self) -> None:
        self.fn.setup()

    def start_bundle(self) -> None:
        self.fn.start_bundle()

    def process(self, element: Any) -> Iterator[Any]:
        for out in self.fn.process(element) or ():
            yield _pair(out)

    def finish_bundle(self) -> Iterator[Any]:
        for out in self.fn.finish_bundle() or ():
            tagged = isinstance(out, TaggedOutput)
            windowed = out.value if tagged else out
            tag = out.tag if tagged else None
            yield windowed.with_value((tag, windowed.value)) if isinstance(windowed, WindowedValue) else (tag, windowed)

    def teardown(self) -> None:
        self.fn.teardown()


def _select(pair: tuple[str | None, Any], tag: str | None) -> Iterable[Any]:
    return (pair[1],) if pair[0] == tag else ()


class ParDoWithOutputs(beam.PTransform):
    """`ParDo(fn).with_outputs(*tags, main=main)` as a dict `{main: PCollection, tag: PCollection, …}`."""

    def __init__(self, fn: beam.DoFn, *tags: str, main: str) -> None:
        super().__init__()
        self.fn = fn
        self.tags = tags
        self.main = main

    def expand(self, pcoll: beam.PCollection) -> dict[str, beam.PCollection]:
        pairs = pcoll | "ParDo" >> beam.ParDo(_InBandFn(self.fn))
        outputs = {self.main: pairs | f"Select_{self.main}" >> beam.FlatMap(_select, None)}
        for tag in self.tags:
            outputs[tag] = pairs | f"Select_{tag}" >> beam.FlatMap(_select, tag)
        return outputs
