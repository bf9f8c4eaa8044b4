"""Omics tables into AnnData and back, and diversity through scikit-bio.

Readers return an AnnData with obs = samples, var = features and the layers ``counts`` (the
values as the file gives them) and ``relative`` (per-sample proportions):
:func:`read_biom` (BIOM 1.0 JSON, 2.1 HDF5, QIIME 2 exports), :func:`read_humann` (HUMAnN 3
gene families, KOs, pathways, stratified), :func:`read_metaphlan` (MetaPhlAn 4 profiles),
:func:`read_table` (plain wide or long CSV/TSV), :func:`read_h5ad`; :func:`read` picks one by the
file. Writers: :func:`write_biom`, :func:`write_h5ad`, :func:`write_h5mu`. Diversity:
:func:`alpha`, :func:`beta`, :func:`clr`, :func:`rclr`, :func:`permanova`. Module profiling by
Omixer-RPM's algorithm (``gutbrain profile``, docs/profile.md): :func:`read_modules`,
:func:`profile_modules`.

Sits beside ``io/`` and never imports the model. Needs the ``omics`` extra
(``pip install 'gutbrain[omics]'``); a missing package is named when a function needs it.
"""

from gutbrain.omics.biom import read_biom, write_biom
from gutbrain.omics.diversity import alpha, beta, clr, permanova, rclr
from gutbrain.omics.h5 import read_h5ad, read_h5mu, write_h5ad, write_h5mu
from gutbrain.omics.humann import read_humann
from gutbrain.omics.metaphlan import read_metaphlan
from gutbrain.omics.modules import read_modules
from gutbrain.omics.modules_profile import profile_modules
from gutbrain.omics.readers import detect, read
from gutbrain.omics.table import read_table

__all__ = [
    "alpha",
    "beta",
    "clr",
    "detect",
    "permanova",
    "profile_modules",
    "rclr",
    "read",
    "read_biom",
    "read_h5ad",
    "read_h5mu",
    "read_humann",
    "read_metaphlan",
    "read_modules",
    "read_table",
    "write_biom",
    "write_h5ad",
    "write_h5mu",
]
