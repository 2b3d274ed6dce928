"""``make bench``: the pipeline measured against the bare renderers, as ratios (see bench/README.md)."""
