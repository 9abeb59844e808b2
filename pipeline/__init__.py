"""Graph assembly, options and the command line of newsbeam."""

DEFAULT_INPUT = "seeds/"
DEFAULT_OUTPUT = "data/articles"
