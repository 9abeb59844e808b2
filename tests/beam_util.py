"""Beam test helpers: check a PCollection's whole contents with plain asserts inside `assert_that`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import apache_beam as beam
from apache_beam.testing.util import assert_that


def check(pcoll: beam.PCollection, checker: Callable[[list[Any]], None], label: str) -> None:
    """Run `checker(elements)` when the pipeline finishes; an AssertionError in it fails the pipeline."""

    def _matcher(actual: list[Any]) -> None:
        checker(list(actual))

    assert_that(pcoll, _matcher, label=label)
