"""Dataflow Flex Template entry point (FLEX_TEMPLATE_PYTHON_PY_FILE in deploy/Dockerfile): `newsbeam run`
with the template's parameters as the launcher passes them, `--reference_date=2026-11-21`,
`--allow_private_hosts=true` (every option of `newsbeam run` takes that spelling too).

The launcher must exit once the job is submitted, so the run is started with Beam's
`--no_wait_until_finish`; it prints the `newsbeam verify --run-id …` line to check the output once the
job has finished (pass `run_id` as a template parameter to know it in advance).
"""

from __future__ import annotations

import sys

from pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:], "--no_wait_until_finish"]))
