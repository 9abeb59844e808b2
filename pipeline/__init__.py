"""Graph assembly, options and the command line of newsbeam."""

import argparse

DEFAULT_INPUT = "seeds/"
DEFAULT_OUTPUT = "data/articles"


def dataset_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The parser of a command over a dataset: each of them names the dataset with the same `--output`."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help=f"Dataset folder. Default: {DEFAULT_OUTPUT}")
    return parser
