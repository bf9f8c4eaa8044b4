"""Omics: readers of sequencing tables and the profiling of their functions into modules.

Sits beside ``io/`` (ARCHITECTURE.md): formats and profiling, with no dependency on the model.
"""
