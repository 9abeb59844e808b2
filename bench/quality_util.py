"""Shared helpers of the quality benchmarks (`bench/quality_*.py`): where the evaluation data lives, and how
a script replaces its lines in the "Quality" section of BENCHMARKS.md.

The evaluation data sits beside the project (`../shared/data`, see its README) and is never copied into
the repository. When it is missing the benchmarks stop with an error rather than report nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
BENCHMARKS = ROOT / "BENCHMARKS.md"
SECTION = "## Quality"

if str(ROOT) not in sys.path:  # run as `python bench/quality_x.py` from anywhere
    sys.path.insert(0, str(ROOT))


def data_dir(*parts: str) -> Path:
    """A folder of the shared evaluation data; exits with a message when it is not there."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        raise SystemExit(f"evaluation data not found: {path} (see ../shared/data/README.md)")
    return path


def dev_set(doc: str | None, option: str, help: str, *parts: str) -> tuple[int, Path, dict[str, Any]]:
    """The command line of a quality script (one `--option N`: how many cases to print) and its dev set under
    `../shared/data/<parts>`: the number asked for, the folder and its `ground-truth.json`."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument(option, type=int, default=0, help=help)
    shown = next(iter(vars(parser.parse_args()).values()))
    root = data_dir(*parts)
    return shown, root, json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))


def clone_args(doc: str | None, name: str, repository: str, show: str) -> tuple[Path, int]:
    """The command line of a benchmark on the test pages of a public repository's clone (pages that are not
    part of the shared data): the clone's path and `--show N` (`show` says what is printed)."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument(name, type=Path, help=f"a clone of github.com/{repository}")
    parser.add_argument("--show", type=int, default=10, help=show)
    args = parser.parse_args()
    return getattr(args, name), args.show


def write_block(name: str, lines: list[str]) -> None:
    """Replace this benchmark's block (between its markers) inside the Quality section of BENCHMARKS.md.

    Each script owns one block, so the scripts can run alone or in any order; the rest of the file (other
    engineers' sections) is left as it is. Set NEWSBEAM_BENCH_NO_WRITE=1 to only print.
    """
    if os.environ.get("NEWSBEAM_BENCH_NO_WRITE"):
        return
    start, end = f"<!-- quality:{name} -->", f"<!-- /quality:{name} -->"
    block = "\n".join([start, *lines, end])
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# newsbeam benchmarks\n"
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{_INTRO}\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        # After the last quality block, else after the section's intro paragraph: never near the end of
        # the section, where another script's markers may already open its own section.
        ends = [m.end() for m in re.finditer(r"<!-- /quality:[a-z]+ -->", text)]
        if ends:
            cut = ends[-1]
        else:
            at = text.index(SECTION)
            paragraph_end = text.find("\n\n", text.find("\n\n", at) + 2)
            cut = paragraph_end if paragraph_end >= 0 else len(text)
        head, tail = text[:cut].rstrip("\n"), text[cut:]
        text = head + "\n\n" + block + (tail if tail.startswith("\n") else "\n" + tail)
    BENCHMARKS.write_text(text, encoding="utf-8")


_INTRO = (
    "Accuracy of newsbeam's extraction and tagging on public ground truth (`../shared/data`, never copied into\n"
    "the repository), each figure beside its published anchor. `make bench-quality` runs the scripts\n"
    "`bench/quality_*.py` and rewrites the blocks below."
)
