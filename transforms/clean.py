"""The CleanText stage: plain-text drafts lose their page furniture (`transforms.text.boilerplate`)."""

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
from transforms.text.boilerplate import clean_text

STAGE = "clean"


class _CleanFn(DeadLetterFn):
    stage = STAGE

    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.cleaned = Metrics.counter(STAGE, "texts")
        self.lines_removed = Metrics.counter(STAGE, "lines_removed")

    def handle(self, draft: Draft) -> Iterable[Any]:
        if draft.kind != "text":
            yield draft  # trafilatura already separated the main text from the page furniture
            return
        result = clean_text(draft.text, draft.title)
        self.cleaned.inc()
        self.lines_removed.inc(len(result.removed))
        draft.text = result.text
        draft.title = draft.title or result.title
        draft.authors = draft.authors or result.authors
        draft.publisher = draft.publisher or result.publisher
        draft.removed_lines = len(result.removed)
        yield draft


class Cleaned(NamedTuple):
    """What `CleanText` returns."""

    drafts: beam.PCollection  # cleaned Drafts, on to TagArticles
    rejected: beam.PCollection  # Rejected rows, stage "clean"


@dataclass(eq=False, repr=False)
class CleanText(Stage):
    """Drafts → `Cleaned(drafts, rejected)`: drafts from plain text lose their page furniture (title,
    authors, publisher recovered)."""

    run_id: str

    def expand(self, drafts: beam.PCollection) -> Cleaned:
        results = drafts | "RemoveBoilerplate" >> ParDoWithOutputs(_CleanFn(self.run_id), REJECTED, main="drafts")
        return Cleaned(results["drafts"], results[REJECTED])
