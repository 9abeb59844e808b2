"""`make bench`: run every `bench/bench_*.py` script in turn (each writes its own section of BENCHMARKS.md).

A benchmark is a script, not a timed test: machines are shared and noisy, so each script reports medians
and ratios measured within one run. Pass names to run a subset: `python bench/run_all.py fetch stories`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_scripts(scripts: list[Path]) -> int:
    """Run each script from the project's root, one after another; non-zero when any failed."""
    failed = []
    for script in scripts:
        print(f"=== {script.name}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"=== {script.name}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        if code:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in argv]
    return run_scripts(scripts)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
