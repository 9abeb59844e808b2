"""Write one section of BENCHMARKS.md, leaving the others as they are (each script owns its section)."""

from __future__ import annotations

import platform
import re
import statistics
import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"


def write_section(name: str, body: str) -> None:
    """Replace (or append) the block between `<!-- section:name -->` markers."""
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# newsbeam benchmarks\n"
    block = f"<!-- section:{name} -->\n{body.strip()}\n<!-- /section:{name} -->"
    pattern = re.compile(rf"<!-- section:{re.escape(name)} -->.*?<!-- /section:{re.escape(name)} -->", re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    BENCHMARKS.write_text(text, encoding="utf-8")


def machine() -> str:
    """One line naming the machine and the versions that the figures depend on."""
    import apache_beam
    import duckdb
    import pyarrow
    import trafilatura

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    return (
        f"{cpu}, {cores} cores; Python {platform.python_version()}, apache-beam {apache_beam.__version__}, "
        f"trafilatura {trafilatura.__version__}, pyarrow {pyarrow.__version__}, duckdb {duckdb.__version__}"
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
