"""Dataflow Flex Template entry point (FLEX_TEMPLATE_PYTHON_PY_FILE in deploy/Dockerfile).

The launcher must exit once the job is submitted, so the run is started with Beam's
`--no_wait_until_finish`; it prints the `newsbeam verify --run-id …` line to check the output once the
job has finished (pass `run_id` as a template parameter to know it in advance).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from launch import main  # deploy/launch.py, beside this folder

if __name__ == "__main__":
    sys.exit(main(extra=["--no_wait_until_finish"]))
