"""Calibration of the model to the published targets: a layer above trials/ and observe/."""
