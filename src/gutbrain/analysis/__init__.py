"""gutbrain.analysis."""
