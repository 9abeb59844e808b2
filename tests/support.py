"""Shared test support: the one way tests and benchmarks run the `newsbeam` CLI and read its summary.

`python -m tests.support <newsbeam args>` runs the CLI as a user would, except that with
`NEWSBEAM_TEST_BUG=<marker>` in the environment the cleaning step raises on every text containing
`<marker>`: a stand-in for a bug in a stage, to see what a run does with one; with
`NEWSBEAM_TEST_CRASH=1` the run SIGKILLs its process group as soon as its first article file is in place:
a crash in the write phase at a known point, with no race between a watcher and the writer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from transforms.text.boilerplate import RULES, CleanResult, clean_text

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED_DATA = ROOT.parent / "shared" / "data"
# The reference date the seeds' tests resolve dates against.
REFERENCE = "2026-11-21"
BBC = SHARED_DATA / "topics" / "bbc-news" / "bbc_news.jsonl"
# Articles in the crash tests' input: enough for many partitions (date × topic), few enough to run quickly.
CRASH_ARTICLES = 240
# Lines of the seeds that cleaning removes (page furniture), by file; every other line is kept.
REMOVED = {
    "001_fab9527af4f6b0ab.txt": [
        "ua en ru",
        "Russia rejects and wants to rewrite 20-point peace plan, Bloomberg reports Photo: Russian President "
        "Vladimir Putin (Getty Images)",
        "For details on what is included in the US 20-point peace plan for Ukraine, see the RBC-Ukraine material.",
    ],
    "003_383210d72824bc91.txt": [
        "Jim Thomas ✉",
        "Jim Thomas is a writer based in Indiana.",
        "© 2025 Newsmax. All rights reserved.",
    ],
}
# A user taxonomy: the built-in IPTC topics plus one story's own topic (seeds 000 and 001 are about it).
UKRAINE_TAXONOMY = """
extends: iptc
topics:
  - label: ukraine-peace-talks
    name: Ukraine peace talks
    parent: conflict-war-peace
    keywords:
      peace plan: 3
      20-point plan: 3
      witkoff: 2
      dmitriev: 2
      kushner: 1.5
      security guarantees: 2
      negotiat*: 1
"""

BUG_ENV = "NEWSBEAM_TEST_BUG"
CRASH_ENV = "NEWSBEAM_TEST_CRASH"


def newsbeam(
    *args: str,
    cwd: Path | None = None,
    timeout: float = 600,
    env: Mapping[str, str] | None = None,
    module: str = "pipeline.cli",
    python_flags: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """`newsbeam <args>` in a subprocess with the repo on the path; output captured, never raises on exit
    code. `module` swaps the entry point (e.g. `tests.support` to plant a bug), `env` adds variables."""
    return subprocess.run(
        [sys.executable, *python_flags, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        check=False,
    )


def summary_counts(stdout: str, *, verified: bool = False) -> dict[str, int]:
    """read/written/duplicates/rejected of a run summary; each line must be there. `verified`: the run
    must also say it balanced and was verified against the files."""
    found = {}
    for key in ("read", "written", "duplicates", "rejected"):
        match = re.search(rf"^\s+{key}\s+(\d+)", stdout, re.MULTILINE)
        assert match, f"summary has no {key!r} line:\n{stdout}"
        found[key] = int(match.group(1))
    if verified:
        assert found["read"] == found["written"] + found["rejected"] + found["duplicates"], stdout
        assert "balanced" in stdout and "verified against the files" in stdout, stdout
    return found


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait for something another process does (a file it writes): `condition` is checked every 0.1 s, and
    the wait fails after `timeout`. Within one process, wait on an event instead."""
    for _ in range(int(timeout * 10)):
        if condition():
            return
        time.sleep(0.1)  # a poll: another process gives no event to wait on
    assert condition(), f"no {what} after {timeout} s"


def output_lines(result: CleanResult) -> list[str]:
    return result.text.split("\n") if result.text else []


def is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(item == candidate for candidate in it) for item in small)


def check_invariants(text: str, title_hint: str | None = None) -> None:
    """What cleaning promises for any text (the seeds' tests and the property tests check it)."""
    result = clean_text(text, title_hint=title_hint)
    inputs = [line.rstrip() for line in text.splitlines()]
    kept = output_lines(result)
    # Never invents or rewrites a line: output is a subsequence of the (right-stripped) input lines.
    assert is_subsequence(kept, inputs)
    assert all(line.strip() and line == line.rstrip() for line in kept)
    # Every removed line came from the input, with a known rule, and nothing is both kept and removed.
    assert is_subsequence([line for line, _ in result.removed], inputs)
    assert {rule for _, rule in result.removed} <= set(RULES)
    assert len(kept) + len(result.removed) <= len([line for line in inputs if line.strip()])
    assert len(result.authors) == len({author.casefold() for author in result.authors})
    if title_hint is None and result.title is not None:
        assert len(result.title.split()) <= 20
    # Idempotent: the cleaned text is already clean.
    again = clean_text(result.text, title_hint=title_hint)
    assert again.text == result.text
    assert again.removed == []


def _plant_bug(marker: str) -> None:
    """Cleaning raises on texts containing `marker` (a bug, as newsbeam would meet one, deep in a stage)."""
    from transforms import clean

    original = clean.clean_draft

    def buggy(draft: Any) -> Any:
        if marker in draft.text:
            raise RuntimeError(f"planted bug: text contains {marker!r}")
        return original(draft)

    clean.clean_draft = buggy


def _crash_after_first_article_file() -> None:
    """The run kills its whole process group right after renaming its first article file into place."""
    from transforms import sink

    original = sink.write_parquet

    def write_then_crash(path: str, *args: Any, **kwargs: Any) -> int:
        written = original(path, *args, **kwargs)
        if "/date=" in path:
            os.killpg(os.getpgrp(), signal.SIGKILL)
        return written

    sink.write_parquet = write_then_crash


def bbc_articles_jsonl(tmp: Path, n: int = CRASH_ARTICLES) -> Path:
    """`n` distinct BBC articles spread over 40 days as one JSONL input, so a run writes many partitions."""
    from tests.http_fixtures import shared

    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    day0 = dt.date(2026, 9, 1)
    for line in shared(BBC).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["text"] in seen:  # the corpus has exact duplicates; keep the expectation simple
            continue
        seen.add(record["text"])
        i = len(rows)
        rows.append(
            {
                "url": f"https://news.example/{record['id']}",
                "title": record["title"],
                "text": record["text"],
                "published": f"{day0 + dt.timedelta(days=i % 40)}T09:00:00+00:00",
            }
        )
        if len(rows) == n:
            break
    path = tmp / "articles.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def article_rows(out: Path) -> list[tuple[str, str, int]]:
    """(article_id, content_hash, revision) of every row of a dataset's `articles` view, sorted."""
    from pipeline.query import connect

    return connect(str(out)).execute("SELECT article_id, content_hash, revision FROM articles ORDER BY ALL").fetchall()


def article_files(out: Path) -> list[Path]:
    """The article files of a dataset (not its state, staging or rejected rows)."""
    return list(out.glob("date=*/topic=*/part-*.parquet"))


def run_killed_in_write_phase(source: Path, out: Path, *, planted: bool = True, run_id: str = "killed-run") -> str:
    """`newsbeam run` SIGKILLed with its process group in the write phase; returns its run id.

    `planted`: the run kills itself right after its first article file (deterministic, for tests). Otherwise
    a watcher polls the output and kills the group when the first file appears, so where the kill lands
    varies from try to try (what bench/bench_reliability.py measures)."""
    args = ["run", "--input", str(source), "--output", str(out), "--reference-date", REFERENCE, "--run-id", run_id]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support" if planted else "pipeline.cli", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **({CRASH_ENV: "1"} if planted else {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    if planted:
        proc.wait(timeout=400)
    else:
        deadline = time.monotonic() + 240
        try:
            while not article_files(out):
                assert proc.poll() is None, "the run finished before it wrote a file: nothing to kill"
                assert time.monotonic() < deadline, "the run wrote no article file in 240 s"
                time.sleep(0.005)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"the run was not killed: exit {proc.returncode}"
    return run_id


def main(argv: list[str]) -> int:
    from pipeline.cli import main as cli_main

    if os.environ.get(BUG_ENV):
        _plant_bug(os.environ[BUG_ENV])
    if os.environ.get(CRASH_ENV):
        _crash_after_first_article_file()
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
