"""The study bundle: read, validate and write the one data contract between gutbrain's layers.

A bundle is a folder holding ``study.toml`` and tables as CSV or Parquet files (see
``docs/bundle.md``). Simulated trials, the diary app's export and users' own data all produce
it; the analysis reads nothing else.

>>> from gutbrain.io import read_bundle, write_bundle, validate_bundle  # doctest: +SKIP
>>> bundle = read_bundle("my-study")  # doctest: +SKIP
>>> write_bundle(bundle, "my-study-parquet", format="parquet")  # doctest: +SKIP
"""

from __future__ import annotations

from gutbrain.io._problems import BundleDataError as BundleDataError
from gutbrain.io.bundle import StudyBundle as StudyBundle
from gutbrain.io.instruments import INSTRUMENTS as INSTRUMENTS
from gutbrain.io.instruments import MARKERS as MARKERS
from gutbrain.io.instruments import Instrument as Instrument
from gutbrain.io.instruments import Marker as Marker
from gutbrain.io.meta import Arm as Arm
from gutbrain.io.meta import StudyMeta as StudyMeta
from gutbrain.io.read import read_bundle as read_bundle
from gutbrain.io.schema import TABLES as TABLES
from gutbrain.io.validate import validate_bundle as validate_bundle
from gutbrain.io.write import write_bundle as write_bundle

__all__ = [
    "INSTRUMENTS",
    "MARKERS",
    "TABLES",
    "Arm",
    "BundleDataError",
    "Instrument",
    "Marker",
    "StudyBundle",
    "StudyMeta",
    "read_bundle",
    "validate_bundle",
    "write_bundle",
]
