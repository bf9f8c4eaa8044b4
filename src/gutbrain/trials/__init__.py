"""gutbrain.trials."""
