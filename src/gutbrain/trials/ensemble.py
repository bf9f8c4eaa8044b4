"""``gutbrain trial --ensemble N``: one trial bundle per ensemble member, and a summary across
them with parameter and sampling uncertainty reported separately.

Every member runs the same design with the same seed (the same candidates, allocation and
noise: members differ by their parameters alone) and writes a full bundle to
``members/<member>/``, whose ``study.toml`` records the member (``[provenance]``
``ensemble_member``, ``ensemble_source``, the posterior's version, method and seed, and
``ensemble_parameters``, the member's values). From each bundle's true latent outcomes
(``truth_latent``, free of measurement error) the summary takes, per arm and outcome, the mean
change from baseline (day -1, or day 0 without a run-in) to the last treatment day, and for a
parallel design each arm's difference from the first arm (the control) with its standard error:

- **parameter uncertainty**: quantiles across members of the members' estimates
  (``param_q05 ... param_q95``);
- **sampling uncertainty**: the spread of one member's estimate over repeated trials of this
  size, normal with the median member standard error ``se`` around the parameter median
  (``sampling_q05 ... sampling_q95``).

Files beside ``members/``: ``ensemble_members.csv`` (every member's estimates),
``ensemble_summary.csv`` and ``.json`` (the bands), ``ensemble.png`` (members' estimates with
both bands) and ``manifest.json``. Members run one after another; each member's chunks run
locally or on a Dask cluster (``scheduler``), with the same files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from gutbrain._outdir import atomic_dir, check_out
from gutbrain.model.ensemble import BAND_QUANTILES, Ensemble, bands
from gutbrain.trials.design import TrialDesign, load_design
from gutbrain.trials.output import write_trial
from gutbrain.trials.run import ProgressFn

__all__ = ["OUTCOMES", "TrialEnsembleRun", "member_estimates", "write_trial_ensemble"]

#: The latent outcomes the summary reports.
OUTCOMES = ("negative_affect", "positive_affect", "depression_severity")
_KEYS = ["comparison", "outcome"]


@dataclass(frozen=True)
class TrialEnsembleRun:
    """What :func:`write_trial_ensemble` wrote: the folder, the ensemble and the bands."""

    out: Path
    name: str
    label: str
    members: tuple[str, ...]
    summary: pd.DataFrame

    def lines(self) -> list[str]:
        """One line per comparison and outcome: parameter median with its 90 % band, and the
        sampling standard error."""
        return [
            f"{r.comparison} {r.outcome}: median {r.param_q50:+.3g} (parameter 90 % band "
            f"{r.param_q05:+.3g} to {r.param_q95:+.3g}; sampling SE {r.se:.3g})"
            for r in self.summary.itertuples()
        ]


def member_estimates(bundle: Path, design: TrialDesign) -> pd.DataFrame:
    """Per arm (``comparison`` = the arm) and, for a parallel design, per arm against the first
    (``comparison`` = ``"B - A"``) and outcome: the mean change from baseline to the last
    treatment day of the true latent outcome, its SD and standard error, from one bundle."""
    col = "arm" if design.design == "parallel" else "sequence"
    people = pd.read_parquet(bundle / "participants.parquet", columns=["participant", col])
    latent = pd.read_parquet(
        bundle / "truth_latent.parquet", columns=["participant", "day", *OUTCOMES]
    )
    base_day = -1 if design.first_day <= -1 else 0
    at = latent.set_index("participant")
    end = at.loc[at["day"] == design.treatment_days - 1, list(OUTCOMES)]
    change = end - at.loc[at["day"] == base_day, list(OUTCOMES)]
    change = change.join(people.set_index("participant")[col])
    long = change.melt(id_vars=col, value_vars=list(OUTCOMES), var_name="outcome")
    agg = long.groupby([col, "outcome"], sort=False)["value"].agg(["count", "mean", "std"])
    arms = pd.DataFrame(
        {
            "comparison": agg.index.get_level_values(0).astype(str),
            "outcome": agg.index.get_level_values(1),
            "n": agg["count"].to_numpy(),
            "estimate": agg["mean"].to_numpy(),
            "sd": agg["std"].to_numpy(),
            "se": (agg["std"] / np.sqrt(agg["count"])).to_numpy(),
        }
    )
    if design.design != "parallel":
        return arms
    by = arms.set_index(["comparison", "outcome"])
    control = design.labels[0]
    diffs = []
    for label in design.labels[1:]:
        t, c = by.loc[label], by.loc[control]
        diffs.append(
            pd.DataFrame(
                {
                    "comparison": f"{label} - {control}",
                    "outcome": t.index,
                    "n": t["n"] + c["n"].reindex(t.index),
                    "estimate": t["estimate"] - c["estimate"].reindex(t.index),
                    "sd": np.nan,
                    "se": np.hypot(t["se"], c["se"].reindex(t.index)),
                }
            )
        )
    return pd.concat([arms, *diffs], ignore_index=True)


def ensemble_bands(estimates: pd.DataFrame) -> pd.DataFrame:
    """Parameter and sampling bands per comparison and outcome (see the module description)."""
    out = bands(estimates, _KEYS, "estimate", "param_")
    se = estimates.groupby(_KEYS, sort=False)["se"].median().rename("se").reset_index()
    out = out.merge(se, on=_KEYS)
    for p in BAND_QUANTILES:
        out[f"sampling_q{round(100 * p):02d}"] = out["param_q50"] + stats.norm.ppf(p) * out["se"]
    return out


def _figure(estimates: pd.DataFrame, summary: pd.DataFrame, title: str) -> Figure:
    """Each comparison's member estimates (dots) with the parameter bands (thick: 50 %, thin:
    90 %) and, beside them, the sampling bands, one panel per outcome."""
    fig = Figure(figsize=(4.2 * len(OUTCOMES), 0.6 * summary["comparison"].nunique() + 2.2))
    comps = list(dict.fromkeys(summary["comparison"]))
    for k, outcome in enumerate(OUTCOMES):
        ax = fig.add_subplot(1, len(OUTCOMES), k + 1)
        for y, comp in enumerate(comps):
            s = summary[(summary["comparison"] == comp) & (summary["outcome"] == outcome)].iloc[0]
            e = estimates[(estimates["comparison"] == comp) & (estimates["outcome"] == outcome)]
            ax.plot(e["estimate"], np.full(len(e), y + 0.15), ".", color="#999", ms=3)
            for pre, dy, colour in (("param_", 0.0, "#d95f02"), ("sampling_", -0.25, "#1b9e77")):
                ax.hlines(y + dy, s[f"{pre}q05"], s[f"{pre}q95"], color=colour, lw=1.2)
                ax.hlines(y + dy, s[f"{pre}q25"], s[f"{pre}q75"], color=colour, lw=4)
            ax.plot(s["param_q50"], y, "|", color="k", ms=10)
        ax.set_yticks(range(len(comps)), comps if k == 0 else [""] * len(comps))
        ax.axvline(0.0, color="#999", lw=0.8, ls=":")
        ax.set_title(outcome, fontsize=10)
        ax.set_xlabel("change to the last treatment day")
    fig.suptitle(
        f"{title}: members' estimates (grey), parameter bands (orange) and sampling bands "
        "(green); thick 50 %, thin 90 %\ngutbrain simulation for research and teaching; "
        "not medical advice",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def write_trial_ensemble(
    design: TrialDesign | str | Path,
    out: str | Path,
    ensemble: Ensemble,
    seed: int | None = None,
    *,
    scheduler: Any = None,
    overwrite: bool = False,
    progress: ProgressFn | None = None,
) -> TrialEnsembleRun:
    """Run ``design`` once per member of ``ensemble`` and write the files above into ``out``
    (atomically). ``progress`` is called with (members done, members)."""
    path = None if isinstance(design, TrialDesign) else str(design)
    d = design if isinstance(design, TrialDesign) else load_design(design)
    target = Path(out)
    check_out(target, "trial", overwrite=overwrite)
    tables = []
    with atomic_dir(target, "trial", overwrite=overwrite) as tmp:
        (tmp / "members").mkdir()
        for i, member in enumerate(ensemble.members):
            bundle = tmp / "members" / member
            prov = {**ensemble.provenance(i), "ensemble_parameters": ensemble.overrides(i)}
            write_trial(
                path or d, bundle, seed, scheduler=scheduler,
                member=ensemble.overrides(i), provenance=prov,
            )  # fmt: skip
            tables.append(member_estimates(bundle, d).assign(member=member))
            if progress is not None:
                progress(i + 1, len(ensemble))
        estimates = pd.concat(tables, ignore_index=True)
        estimates = estimates[["member", *estimates.columns[:-1]]]
        summary = ensemble_bands(estimates)
        estimates.to_csv(tmp / "ensemble_members.csv", index=False)
        summary.to_csv(tmp / "ensemble_summary.csv", index=False)
        record = {"ensemble": ensemble.to_dict(), "bands": summary.to_dict(orient="records")}
        (tmp / "ensemble_summary.json").write_text(json.dumps(record, indent=2))
        _figure(estimates, summary, d.name).savefig(tmp / "ensemble.png", dpi=110)
        manifest = {
            "design": path,
            "name": d.name,
            "seed": d.seed if seed is None else seed,
            "ensemble": ensemble.to_dict(),
            "files": ["members/", "ensemble_members.csv", "ensemble_summary.csv",
                      "ensemble_summary.json", "ensemble.png"],
        }  # fmt: skip
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    members = ensemble.members
    return TrialEnsembleRun(target, d.name, ensemble.label, members, summary)
