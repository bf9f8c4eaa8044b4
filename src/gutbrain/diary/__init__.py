"""gutbrain.diary."""
