"""Shared fixtures; the paths and helpers they use live in tests/support.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import ROOT, SEEDS, SHARED_DATA

__all__ = ["ROOT", "SEEDS", "SHARED_DATA"]  # kept for modules that import them from here; prefer tests.support


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


# Helpers that start a whole newsbeam process (tests/support.py and the modules built on it).
_PROCESS_STARTERS = frozenset({"newsbeam", "newsbeam_loopback", "start_stream", "run_killed_in_write_phase"})


def _starts_newsbeam(item: pytest.Item) -> bool:
    """Whether the test function or one of its fixtures calls a helper that starts a newsbeam process."""
    functions = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        functions.extend(d.func for d in defs)
    codes = [f.__code__ for f in functions if hasattr(f, "__code__")]
    return any(_PROCESS_STARTERS.intersection(code.co_names) for code in codes)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Markers a test earns by what it uses, so `make test-fast` leaves it out even where its module does not
    say so: the `browser` fixture (headless Chromium) marks it `browser`; calling a helper that starts a
    newsbeam process, itself or through a fixture, marks it `e2e`. Modules mark themselves too (pytestmark)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if _starts_newsbeam(item):
            item.add_marker(pytest.mark.e2e)
