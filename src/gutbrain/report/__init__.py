"""gutbrain.report."""
