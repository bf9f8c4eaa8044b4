"""gutbrain.population."""
