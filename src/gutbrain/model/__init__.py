"""gutbrain.model."""
