"""Entry point for launchers that run a Python file with `--name=value` options.

Airflow's `BeamRunPythonPipelineOperator` (`py_file`) and the Dataflow Flex Template launcher (through
`flex/main.py`) call a file, not the `newsbeam` command, and spell options the way their parameter names
allow: `--reference_date=2026-11-21`, `--allow_private_hosts=true`. This maps each newsbeam option given
by its argparse `dest` (the Flex Template parameter names in `flex/metadata.json`) to the CLI's flag, and
passes every other option (Beam's `--runner`, `--project`, `--temp_location`, …) through unchanged.

    python deploy/launch.py --input=gs://b/inbox/** --output=gs://b/articles --runner=DataflowRunner …
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

TRUE = {"true", "1", "yes", "on"}


def _actions() -> dict[str, argparse.Action]:
    from pipeline.options import NewsbeamOptions

    parser = argparse.ArgumentParser(add_help=False)
    NewsbeamOptions._add_argparse_args(parser)
    return {a.dest: a for a in parser._actions if a.option_strings}


def translate(argv: Sequence[str]) -> list[str]:
    """`["--reference_date=X", …]` → `["run", "--reference-date=X", …]`; flags (store_true) given as
    `=true` are kept bare, `=false` dropped."""
    actions = _actions()
    out = ["run"]
    for arg in argv:
        name, has_value, value = arg.partition("=")
        action = actions.get(name[2:]) if name.startswith("--") else None
        if action is None:
            out.append(arg)
            continue
        flag = action.option_strings[0]
        if action.nargs == 0:  # a switch: --allow_private_hosts=true
            if not has_value or value.strip().lower() in TRUE:
                out.append(flag)
        elif has_value:
            out.append(f"{flag}={value}")
        else:
            out.append(flag)
    return out


def main(argv: Sequence[str] | None = None, extra: Sequence[str] = ()) -> int:
    from pipeline.cli import main as newsbeam

    return newsbeam([*translate(list(sys.argv[1:] if argv is None else argv)), *extra])


if __name__ == "__main__":
    sys.exit(main())
