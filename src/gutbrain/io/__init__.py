"""gutbrain.io."""
