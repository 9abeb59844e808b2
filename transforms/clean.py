"""The CleanText stage: plain-text drafts lose their page furniture (`transforms.text.boilerplate`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.document import Draft
from transforms._deadletter import REJECTED, DeadLetterFn
from transforms._outputs import ParDoWithOutputs
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


class CleanText(beam.PTransform):
    """Drafts from plain text → cleaned Drafts (title, authors, publisher recovered), (Rejected rows)."""

    def __init__(self, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id

    def expand(self, drafts: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        results = drafts | "RemoveBoilerplate" >> ParDoWithOutputs(_CleanFn(self.run_id), REJECTED, main="drafts")
        return results["drafts"], results[REJECTED]
