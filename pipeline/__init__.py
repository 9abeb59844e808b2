"""Graph assembly, options and the command line of newsbeam."""
