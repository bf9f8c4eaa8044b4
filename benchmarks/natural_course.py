"""The control arms of depression trials: placebo response, natural remission, and the effects
measured against them (issue 18, item 2).

Runs three designs from ``examples/trials``:

- ``ssri_placebo_8wk.toml``: screening HAMD-17 >= 18, blinded SSRI vs placebo, 8 weeks. Prints
  the placebo arm's response share (>= 50% fall in HAMD-17, completers; PLAC2003 per protocol
  0.455, calibration; ITT 0.269, FURUKAWA2016 0.35-0.40 and TONDO 0.37 held out), its pre-post
  SMD on HAMD-17 (clinician-rated; LI2019 1.22, calibration) and BDI-II (self-rated), and the
  SSRI-vs-placebo Hedges' g on HAMD-17 change;
- ``natural_course.toml``: untreated depression followed for a year. Prints the share remitted
  (HAMD-17 <= 7) at 3, 6 and 12 months (WHIT2013: 0.23 and 0.53 calibration, 0.32 held out);
- ``nik2021_adjunct.toml``: the NIK2021 adjunct g (0.83, 95% CI 0.49-1.17) and stand-alone g
  (-0.02, -0.34 to 0.30).

Each share is printed with its binomial Monte Carlo SE. The output is committed beside this file
(``natural_course.txt``); ``tests/trials/test_natural_course.py`` runs a reduced version.

Usage: ``python benchmarks/natural_course.py [--n 2000] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from gutbrain.analysis.responder import REMISSION_CUTOFFS
from gutbrain.trials.course import arm_scores, hedges_g, remitted_share, responder_share
from gutbrain.trials.design import load_design
from gutbrain.trials.run import run_trial

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "trials"))
from _nik2021 import nik2021_smds  # the NIK2021 factorial, shared with its test

REMISSION_CUTOFF = REMISSION_CUTOFFS["HAMD-17"][0]  # HAMD-17 <= 7 (Frank et al. 1991)
CASENESS = 10  # PHQ-9 >= 10: the untreated_mdd cohort's inclusion criterion (cohorts.toml)


def _share(p: float, n: int) -> str:
    return f"{p:.3f} (MC SE {np.sqrt(p * (1 - p) / n):.3f}, n = {n})"


def placebo_trial(n: int, seed: int) -> dict[str, float]:
    """Placebo response share, placebo pre-post SMD and SSRI-vs-placebo g of the 8-week trial."""
    d = dataclasses.replace(load_design("examples/trials/ssri_placebo_8wk.toml"), n=n)
    b = run_trial(d, seed=seed)
    s = arm_scores(b, "HAMD-17", "baseline", "week8")
    pl = s[s["arm"] == "placebo"]
    bdi = arm_scores(b, "BDI-II", "baseline", "week8")
    bdi = bdi[bdi["arm"] == "placebo"]
    g, se = hedges_g(s.loc[s["arm"] == "ssri", "change"].to_numpy(), pl["change"].to_numpy())
    return {
        "placebo_response": responder_share(pl),
        "placebo_n": len(pl),
        "placebo_change": float(pl["change"].mean()),
        "placebo_smd": float(-pl["change"].mean() / pl["first"].std(ddof=1)),
        "placebo_bdi_smd": float(-bdi["change"].mean() / bdi["first"].std(ddof=1)),
        "ssri_response": responder_share(s[s["arm"] == "ssri"]),
        "ssri_n": int((s["arm"] == "ssri").sum()),
        "ssri_g": g,
        "ssri_g_se": se,
    }


def natural_course(n: int, seed: int, months: tuple[int, ...] = (3, 6, 12)) -> dict[str, Any]:
    """Share remitted and people followed at each of ``months`` (3, 6, 12) without treatment
    (the design's visits up to the last month asked for), by two definitions: HAMD-17 <= 7 and
    the loss of caseness on the cohort's screening instrument, PHQ-9 < 10 (WHIT2013 counted a
    remission when the diagnosis was rescinded or the score fell below the threshold)."""
    d = load_design("examples/trials/natural_course.toml")
    names = [f"month{m}" for m in months]
    visits = tuple(v for v in d.visits if v.name == "baseline" or v.name in names)
    last = max(v.day for v in visits) + 1
    d = dataclasses.replace(d, n=n, visits=visits, treatment_days=last)
    b = run_trial(d, seed=seed)
    out = {}
    for visit in names:
        s = arm_scores(b, "HAMD-17", "baseline", visit)
        s = s[s["arm"] == "untreated"]
        c = arm_scores(b, "PHQ-9", "baseline", visit)
        c = c[c["arm"] == "untreated"]
        out[visit] = (remitted_share(s, REMISSION_CUTOFF), len(s))
        out[f"{visit} PHQ-9 < 10"] = (remitted_share(c, CASENESS - 1), len(c))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="people per design")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    t0 = time.perf_counter()
    print(f"natural course and placebo response: n = {a.n} per design, seed {a.seed}")
    print(f"python {platform.python_version()}, {platform.machine()}")
    pt = placebo_trial(a.n, a.seed)
    print("8-week SSRI vs placebo (screening HAMD-17 >= 18, double-blind), completers:")
    print(f"  placebo response (>= 50% fall): {_share(pt['placebo_response'], pt['placebo_n'])}")
    chg, smd = pt["placebo_change"], pt["placebo_smd"]
    print(f"  placebo HAMD-17 change: {chg:+.2f} points, pre-post SMD {smd:.2f}")
    print(f"  placebo BDI-II (self-rated) pre-post SMD {pt['placebo_bdi_smd']:.2f}")
    print(f"  SSRI response: {_share(pt['ssri_response'], pt['ssri_n'])}")
    g, se = pt["ssri_g"], pt["ssri_g_se"]
    print(f"  SSRI vs placebo g = {g:+.3f} (SE {se:.3f})")
    print("untreated depression, share remitted (HAMD-17 <= 7; PHQ-9 < 10: no longer a case):")
    for visit, (p, m) in natural_course(a.n, a.seed).items():
        print(f"  {visit}: {_share(p, m)}")
    for k, (g, se) in nik2021_smds(a.n, a.seed).items():
        print(f"NIK2021 {k} g = {g:+.3f} (SE {se:.3f})")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
