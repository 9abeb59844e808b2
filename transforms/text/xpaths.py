"""trafilatura's XPath expressions, evaluated with the same results for less. Plain (no Beam).

trafilatura prunes and searches a page with XPath expressions that test attributes against regular expressions
(`re:test(@id|@class, '^shar|social|...')`), and lxml answers each such test with a call back into Python's `re`,
made for every element the expression looks at: an element with no `id` or `class` at all is tested against
the empty string, which none of these patterns can match. Those calls are a large share of trafilatura's
own time on a page: its first list of pruning expressions alone costs about 11 ms on an average real page, and
8 ms guarded.

`guard_regex_tests` rewrites each `re:test(A, 'pattern')` whose pattern cannot match the empty string as
`(A and re:test(A, 'pattern'))`: where A selects no attribute, the test was false and still is, now without the
call; everywhere else the very same test runs. The result of every expression is therefore the same node-set,
by construction, and `tests/test_xpaths.py` checks it on real pages. `speed_up_trafilatura()` puts the guarded
expressions in place of trafilatura's own, once per process; an expression it cannot read stays as it was.
"""

from __future__ import annotations

import importlib
import re
import threading
from typing import Any

from lxml.etree import XPath

REGEX_NS = {"re": "http://exslt.org/regular-expressions"}
# `re:test(` with an attribute union as its node-set (`@id`, `@id|@class`)
_REGEX_TEST = re.compile(r"re:test\(\s*(@[\w-]+(?:\s*\|\s*@[\w-]+)*)\s*,")
# the pattern and the optional flags of a whole `re:test(...)` call
_ARGUMENTS = re.compile(r"re:test\([^,]+,\s*(['\"])(?P<pattern>.*?)\1\s*(?:,\s*(['\"])(?P<flags>\w*)\3\s*)?\)", re.S)
_lock = threading.Lock()
_installed = False
_swapped: list[tuple[XPath, XPath]] = []  # (trafilatura's expression, the guarded one in its place)


def _call_end(source: str, start: int) -> int:
    """The index of the parenthesis that closes the call whose name starts at `start` (quotes respected)."""
    depth, quote = 0, ""
    for at in range(start, len(source)):
        char = source[at]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return at
    raise ValueError("unbalanced parentheses")


def _matches_empty(call: str) -> bool:
    """Whether the pattern of a `re:test(...)` call (as lxml runs it: Python's `re`) can match ''."""
    arguments = _ARGUMENTS.fullmatch(call)
    if arguments is None:
        return True  # unread: left unguarded
    flags = re.IGNORECASE if "i" in (arguments["flags"] or "") else 0
    try:
        return re.search(arguments["pattern"], "", flags) is not None
    except re.error:
        return True


def guard_regex_tests(expression: str) -> str:
    """`expression` with every attribute `re:test` that cannot match '' evaluated only where the attribute is."""
    parts, at = [], 0
    while match := _REGEX_TEST.search(expression, at):
        end = _call_end(expression, match.start()) + 1
        call = expression[match.start() : end]
        parts.append(expression[at : match.start()])
        parts.append(call if _matches_empty(call) else f"({match[1]} and {call})")
        at = end
    parts.append(expression[at:])
    return "".join(parts)


def guarded(xpath: XPath) -> XPath:
    """The same expression, guarded (`guard_regex_tests`), or `xpath` itself when nothing changes or it cannot
    be rewritten and compiled again."""
    try:
        source = guard_regex_tests(xpath.path)
        return xpath if source == xpath.path else XPath(source, namespaces=REGEX_NS)
    except Exception:  # an expression this module cannot rewrite stays trafilatura's
        return xpath


def _swap(xpath: XPath) -> XPath:
    faster = guarded(xpath)
    if faster is not xpath:
        _swapped.append((xpath, faster))
    return faster


def swapped() -> list[tuple[XPath, XPath]]:
    """Each expression of trafilatura's that `speed_up_trafilatura` replaced, with its replacement."""
    return list(_swapped)


def speed_up_trafilatura() -> bool:
    """Put guarded expressions in place of trafilatura's own (the lists in `trafilatura.xpaths`, changed in
    place so that every module holding them sees the change, and the page-text cleaning expression); once per
    process, safe from several threads. False when trafilatura's modules are not where they were; expressions
    it keeps elsewhere stay its own (the same results, at its cost: `tests/test_xpaths.py` counts the swaps)."""
    global _installed
    if _installed:
        return True
    with _lock:
        if _installed:
            return True
        try:  # modules by name: `trafilatura.baseline` is also the name of a function of the package
            baseline = importlib.import_module("trafilatura.baseline")
            settings = importlib.import_module("trafilatura.settings")
            trafilatura_xpaths = importlib.import_module("trafilatura.xpaths")
        except ImportError:  # pragma: no cover - another trafilatura
            return False
        for value in vars(trafilatura_xpaths).values():
            if isinstance(value, list) and value and all(isinstance(item, XPath) for item in value):
                value[:] = [_swap(item) for item in value]
        basic: Any = getattr(settings, "BASIC_CLEAN_XPATH", None)
        if isinstance(basic, XPath) and getattr(baseline, "BASIC_CLEAN_XPATH", None) is basic:
            faster = _swap(basic)
            for module in (settings, baseline):  # `baseline` imported the name from `settings`
                module.BASIC_CLEAN_XPATH = faster  # type: ignore[attr-defined]
        _installed = True
    return True
