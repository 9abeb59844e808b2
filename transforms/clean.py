"""The CleanText stage: drafts lose the page furniture left in their text (`transforms.text.boilerplate`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.document import Draft
from transforms._deadletter import REJECTED, DeadLetterFn
from transforms._outputs import ParDoWithOutputs
from transforms._stage import Stage
from transforms.text.boilerplate import clean_draft

STAGE = "clean"


class _CleanFn(DeadLetterFn):
    stage = STAGE

    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.cleaned = Metrics.counter(STAGE, "texts")
        self.lines_removed = Metrics.counter(STAGE, "lines_removed")

    def handle(self, draft: Draft) -> Iterable[Any]:
        clean_draft(draft)
        self.cleaned.inc()
        self.lines_removed.inc(draft.removed_lines)
        yield draft


class Cleaned(NamedTuple):
    """What `CleanText` returns."""

    drafts: beam.PCollection  # cleaned Drafts, on to TagArticles
    rejected: beam.PCollection  # Rejected rows, stage "clean"


@dataclass(eq=False, repr=False)
class CleanText(Stage):
    """Drafts → `Cleaned(drafts, rejected)`: drafts lose the page furniture left in their text (a plain
    text's title, authors and publisher recovered from it)."""

    run_id: str

    def expand(self, drafts: beam.PCollection) -> Cleaned:
        results = drafts | "RemoveBoilerplate" >> ParDoWithOutputs(_CleanFn(self.run_id), REJECTED, main="drafts")
        return Cleaned(results["drafts"], results[REJECTED])
