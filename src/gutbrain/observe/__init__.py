"""gutbrain.observe."""
