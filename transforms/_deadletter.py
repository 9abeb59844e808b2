"""Dead-letter plumbing shared by every stage: failures are data, never exceptions that kill a run."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import traceback
from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.rejected import Rejected

logger = logging.getLogger(__name__)

# The tag of the dead-letter output of every stage's DoFn.
REJECTED = "rejected"

_MAX_DETAIL = 500
# An internal error's detail is its traceback; the innermost frames and the message, at the end, are kept.
_MAX_TRACEBACK = 8000
INTERNAL_ERROR = "internal-error"


def reject(
    source: str, stage: str, reason: str, detail: str | None, run_id: str, url: str | None = None
) -> beam.pvalue.TaggedOutput:
    """A rejected row on the dead-letter output; `reason` is a short code users group by. An
    `internal-error` raised in an except block carries the traceback, so a failing run can show the bug."""
    if reason == INTERNAL_ERROR:
        detail = internal_error_detail(detail)
    elif detail is not None and len(detail) > _MAX_DETAIL:
        detail = detail[: _MAX_DETAIL - 1] + "…"
    row = Rejected(
        source=source,
        stage=stage,
        reason=reason,
        detail=detail,
        url=url,
        rejected_at=dt.datetime.now(dt.timezone.utc),
        run_id=run_id,
    )
    return beam.pvalue.TaggedOutput(REJECTED, row)


def internal_error_detail(detail: str | None) -> str | None:
    """The traceback of the exception being handled (else `detail`), its start cut if long: a bug's row
    says where it happened."""
    if sys.exc_info()[0] is not None:
        detail = traceback.format_exc().rstrip()
    if detail is not None and len(detail) > _MAX_TRACEBACK:
        detail = "…" + detail[-(_MAX_TRACEBACK - 1) :]
    return detail


class DeadLetterFn(beam.DoFn):
    """Base of the stage DoFns: an unexpected exception on one element becomes a rejected row
    (`internal-error`) instead of failing the bundle, which on a real runner would retry forever."""

    stage = "unknown"

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.errors = Metrics.counter(self.stage, "internal_errors")
        self.rejected = Metrics.counter(self.stage, "rejected")

    def handle(self, element: Any) -> Iterable[Any]:
        raise NotImplementedError

    def process(self, element: Any) -> Iterator[Any]:
        try:
            for out in self.handle(element):
                if isinstance(out, beam.pvalue.TaggedOutput) and out.tag == REJECTED:
                    self.rejected.inc()
                yield out
        except Exception as exc:
            self.errors.inc()
            source = getattr(element, "source", None) or getattr(element, "path", None) or repr(element)[:200]
            logger.warning("%s failed on %s: %s", self.stage, source, exc, exc_info=True)
            yield reject(
                str(source),
                self.stage,
                INTERNAL_ERROR,
                f"{type(exc).__name__}: {exc}",
                self.run_id,
                url=getattr(element, "url", None),
            )
