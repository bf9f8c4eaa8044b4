"""Calibration: the model's predictions of the targets table, sensitivity screening and fitting.

A layer above ``trials/`` and ``observe/``: :mod:`gutbrain.calibrate.predict` turns a parameter
set into a prediction of every target row through small in-silico experiments and trials;
:mod:`gutbrain.calibrate.morris` screens the assumed parameters for influence on those
predictions (SALib); the shortlist it writes is what :mod:`gutbrain.calibrate.abc` fits (ABC-SMC
with pyabc, checkpointed), giving the posterior ensemble that :mod:`gutbrain.model.ensemble`
reads.
"""
