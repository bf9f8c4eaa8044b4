"""Shared loaders for the metafor reference files in tests/reference (no R needed).

The files are written by ``Rscript tests/reference/meta_metafor.R`` (metafor 3.8-1, R 4.2.2).
The data sets are from the R package metadat (GPL >= 2): dat.bcg (Colditz et al. 1994),
dat.normand1999 (Normand 1999), dat.molloy2014 (Molloy et al. 2014), dat.nielweise2007
(Niel-Weise et al. 2007), dat.hackshaw1998 (Hackshaw et al. 1997) and dat.curtis1998 (Hedges et
al. 1999; escalc("SMD") yi and vi only).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from gutbrain.analysis.meta import EffectSizes, fisher_z, log_risk_ratio, smd
from gutbrain.analysis.meta.effects import mean_difference

REFERENCE = Path(__file__).resolve().parents[1] / "reference"


@cache
def metafor() -> dict:
    """The whole reference JSON."""
    return json.loads((REFERENCE / "meta_metafor.json").read_text())


def case(name: str, variant: str = "tight") -> dict:
    """One reference case: ``fit`` and, where computed, ``confint``, ``predict``, ``regtest``."""
    return metafor()["cases"][name][variant]


def call(name: str) -> str:
    """The R call of a case."""
    return metafor()["cases"][name]["call"]


@cache
def bcg() -> pd.DataFrame:
    """dat.bcg with metafor's escalc("RR") yi and vi."""
    return pd.read_csv(REFERENCE / "meta_dat_bcg.csv")


@cache
def normand() -> pd.DataFrame:
    """dat.normand1999 with metafor's escalc("SMD") and escalc("MD") yi and vi."""
    return pd.read_csv(REFERENCE / "meta_dat_normand1999.csv")


@cache
def molloy() -> pd.DataFrame:
    """dat.molloy2014 with metafor's escalc("ZCOR") yi and vi."""
    return pd.read_csv(REFERENCE / "meta_dat_molloy2014.csv")


@cache
def table(name: str) -> pd.DataFrame:
    """Another data set written by the R script: nielweise2007, hackshaw1998 or curtis1998."""
    return pd.read_csv(REFERENCE / f"meta_dat_{name}.csv")


def effects_for(name: str) -> EffectSizes:
    """The effect sizes a case was fitted on, computed by gutbrain from the raw data."""
    if name.startswith("bcg"):
        d = bcg()
        return log_risk_ratio(d.tpos, d.tneg, d.cpos, d.cneg)
    if name.startswith("normand_md"):
        d = normand()
        return mean_difference(d.m1i, d.sd1i, d.n1i, d.m2i, d.sd2i, d.n2i)
    if name.startswith("normand"):
        d = normand()
        return smd(d.m1i, d.sd1i, d.n1i, d.m2i, d.sd2i, d.n2i)
    d = molloy()
    return fisher_z(d.ri, d.ni)


def arr(x: object) -> np.ndarray:
    """A JSON number or list as a float array (null -> nan)."""
    a = np.atleast_1d(np.asarray(x, dtype=object))
    return np.array([np.nan if v is None else float(v) for v in a], dtype=float)
