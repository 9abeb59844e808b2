"""`make bench-quality`: newsbeam's accuracy on public ground truth, each figure beside its anchor.

Runs the `bench/quality_*.py` scripts one after another (extraction, dates, topics, cost, wcxb); each prints its
figures and rewrites its own block in the "Quality" section of BENCHMARKS.md. Pass names to run a subset:
`python bench/quality.py dates topics`. Exits non-zero when a script fails (e.g. the evaluation data
beside the project is missing), never when a target is missed: missing a target is a finding to report.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run_all import run_scripts  # noqa: E402

ORDER = ("extraction", "dates", "topics", "cost", "wcxb")


def main(argv: list[str]) -> int:
    names = [n for n in ORDER if not argv or n in argv]
    unknown = sorted(set(argv) - set(ORDER))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(ORDER)}", file=sys.stderr)
        return 2
    return run_scripts([HERE / f"quality_{name}.py" for name in names])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
