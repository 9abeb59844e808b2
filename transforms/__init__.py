"""The stages of newsbeam, one module each; every stage's public face is a composite `beam.PTransform`."""
