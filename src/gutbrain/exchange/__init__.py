"""Model exchange: the deterministic model written for other tools (SBML).

This layer sits above :mod:`gutbrain.model` and reads its equations without changing them:
:mod:`~gutbrain.exchange.trace` turns the compiled right-hand side into symbolic expressions,
:mod:`~gutbrain.exchange.sbml` writes them, a person and a scenario's schedule as SBML, and
:mod:`~gutbrain.exchange.roundtrip` runs such a file in libRoadRunner.
"""
