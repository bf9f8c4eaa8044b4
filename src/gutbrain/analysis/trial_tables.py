r"""The tables every trial report has: flow, baseline, conduct, biomarkers and multiplicity.

:func:`trial_tables` reads a parallel-group :class:`~gutbrain.io.StudyBundle` and returns a
:class:`TrialTables`:

* **flow** (CONSORT-style): participants allocated to each arm, those who withdrew (with the
  median day of withdrawal), those who completed follow-up, and those analysed (with at least
  one diary entry on an intervention day, or a post-baseline visit);
* **baseline**: by arm, age (mean, SD), sex, every numeric baseline column of the participants
  table (mean, SD), each questionnaire at its first visit (mean, SD), the run-in diary (days
  before 0) and each biomarker at its last pre-intervention sample (median, interquartile range,
  because markers are skewed);
* **conduct**: dose adherence (the participants' ``adherence_rate`` or the diary's daily
  ``adherence``), diary compliance (entries on planned intervention days, up to withdrawal),
  missing affect ratings, and the share of participants with each visit's questionnaire;
* **biomarkers**: for each marker with a pre-intervention and a later sample, an ANCOVA on the log
  scale (log post ~ log baseline + arm, :func:`gutbrain.analysis.prepost.ancova`), reported as
  the ratio of geometric means treatment / control with its interval;
* **endpoints**: the declared primary outcome, tested at the full alpha, and every secondary
  outcome with Holm's step-down adjustment (Holm 1979, Scand J Stat 6:65), which controls the
  family-wise error over the secondary outcomes in any dependence structure.

Where the primary outcome comes from (the ``primary`` key of ``study.toml``, the ``--primary``
option, or the default) is recorded, so a reader can tell a pre-declared outcome from a default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.analysis.prepost import ancova
from gutbrain.errors import DataError, ParameterError
from gutbrain.io import StudyBundle

__all__ = ["Endpoint", "TrialTables", "biomarker_ratios", "holm", "trial_tables"]

# Participant columns that are identifiers, design or conduct, not baseline characteristics.
_NOT_BASELINE = {"participant", "arm", "sequence", "enrolled", "withdrawn_day", "adherence_rate",
                 "age"}  # fmt: skip


@dataclass(frozen=True)
class Endpoint:
    """One tested outcome: its estimate, interval, p-value and role in the multiplicity plan."""

    outcome: str
    role: str  # "primary" or "secondary"
    analysis: str
    estimate: float
    ci_low: float
    ci_high: float
    p: float
    p_adjusted: float
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, repr=False)
class TrialTables:
    """The descriptive and multiplicity tables of a parallel trial (see the module docstring)."""

    arms: tuple[str, ...]
    flow: pd.DataFrame
    baseline: pd.DataFrame
    conduct: pd.DataFrame
    biomarkers: pd.DataFrame
    endpoints: tuple[Endpoint, ...]
    primary_source: str
    alpha: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "arms": list(self.arms),
            "flow": self.flow.to_dict(orient="records"),
            "baseline": self.baseline.to_dict(orient="records"),
            "conduct": self.conduct.to_dict(orient="records"),
            "biomarkers": self.biomarkers.to_dict(orient="records"),
            "endpoints": [e.to_dict() for e in self.endpoints],
            "primary_source": self.primary_source,
            "multiplicity": (
                f"primary outcome at alpha = {self.alpha:g}; secondary outcomes Holm-adjusted "
                "(family-wise error over the secondary outcomes)"
            ),
            "alpha": self.alpha,
        }

    def __repr__(self) -> str:
        prim = next((e for e in self.endpoints if e.role == "primary"), None)
        head = f"TrialTables(arms {', '.join(self.arms)}"
        if prim is None:
            return head + ")"
        return f"{head}; primary {prim.outcome}: {prim.estimate:.3g}, p = {prim.p:.3g})"


def holm(p: np.ndarray | list[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (as R's ``p.adjust(p, "holm")``).

    The k-th smallest of m p-values is multiplied by ``m - k + 1``; the running maximum keeps
    the adjusted values in the order of the raw ones, and 1 caps them.
    """
    arr = np.asarray(p, dtype=float)
    if arr.ndim != 1 or np.any(~np.isfinite(arr)) or np.any((arr < 0) | (arr > 1)):
        raise ParameterError(f"holm: p-values {arr.tolist()}; expected finite values in [0, 1]")
    m = arr.size
    order = np.argsort(arr, kind="stable")
    scaled = np.minimum(1.0, np.maximum.accumulate(arr[order] * (m - np.arange(m))))
    out = np.empty(m)
    out[order] = scaled
    return out


def _mean_sd(v: pd.Series) -> str:
    v = pd.to_numeric(v, errors="coerce").dropna()
    if not len(v):
        return "n/a"
    sd = f"{v.std(ddof=1):.3g}" if len(v) > 1 else "n/a"
    return f"{v.mean():.3g} ({sd})"


def _median_iqr(v: pd.Series) -> str:
    v = pd.to_numeric(v, errors="coerce").dropna()
    if not len(v):
        return "n/a"
    q1, q2, q3 = np.quantile(v, [0.25, 0.5, 0.75])
    return f"{q2:.3g} [{q1:.3g}, {q3:.3g}]"


def _pct(k: int, n: int) -> str:
    return f"{k} ({100 * k / n:.0f}%)" if n else "0"


def _row(label: str, stat: str, cells: dict[str, str]) -> dict[str, str]:
    return {"characteristic": label, "statistic": stat, **cells}


def _flow(b: StudyBundle, arms: pd.Series, labels: tuple[str, ...]) -> pd.DataFrame:
    p = b.participants.set_index("participant")
    wd = p["withdrawn_day"] if "withdrawn_day" in p else pd.Series(pd.NA, index=p.index)
    analysed: set[str] = set()
    if len(b.diary):
        analysed |= set(b.diary.loc[b.diary["day"] >= 0, "participant"])
    if b.visits is not None and len(b.visits):
        analysed |= set(b.visits.loc[b.visits["day"] > 0, "participant"])
    rows = []
    for stage in ("allocated", "withdrew", "completed follow-up", "analysed"):
        row: dict[str, Any] = {"stage": stage}
        for arm in (*labels, "total"):
            ids = arms.index if arm == "total" else arms.index[arms == arm]
            w = wd.reindex(ids)
            if stage == "allocated":
                row[arm] = str(len(ids))
            elif stage == "withdrew":
                gone = w.dropna()
                row[arm] = str(len(gone)) + (
                    f" (median day {float(np.median(gone.astype(float))):g})" if len(gone) else ""
                )
            elif stage == "completed follow-up":
                row[arm] = str(int(w.isna().sum()))
            else:
                row[arm] = str(len(analysed.intersection(ids)))
        rows.append(row)
    return pd.DataFrame(rows)


def _first_visit(visits: pd.DataFrame) -> pd.DataFrame:
    """Each instrument's scores at its earliest visit (by the visit's median day)."""
    out = []
    for _, d in visits.dropna(subset=["score"]).groupby("instrument", sort=True):
        first = d.groupby("visit")["day"].median().idxmin()
        out.append(d[d["visit"] == first])
    return pd.concat(out) if out else visits.iloc[:0]


def _pre_markers(markers: pd.DataFrame) -> pd.DataFrame:
    """Each participant's last sample of each marker before day 0 (or on it)."""
    pre = markers[markers["day"] <= 0].sort_values("day")
    return pre.groupby(["participant", "marker"], as_index=False).last()


def _baseline(b: StudyBundle, arms: pd.Series, labels: tuple[str, ...]) -> pd.DataFrame:
    p = b.participants.set_index("participant").reindex(arms.index)
    groups = {a: arms.index[arms == a] for a in labels}
    rows = [_row("participants", "n", {a: str(len(ids)) for a, ids in groups.items()})]
    if "age" in p:
        ages = {a: _mean_sd(p.loc[i, "age"]) for a, i in groups.items()}
        rows.append(_row("age", "mean (SD)", ages))
    if "sex" in p:
        for s in sorted(p["sex"].dropna().unique()):
            cells = {a: _pct(int((p.loc[i, "sex"] == s).sum()), len(i)) for a, i in groups.items()}
            rows.append(_row(f"sex {s}", "n (%)", cells))
    for col in p.columns:
        if col in _NOT_BASELINE or col == "sex" or not pd.api.types.is_numeric_dtype(p[col]):
            continue
        rows.append(_row(col, "mean (SD)", {a: _mean_sd(p.loc[i, col]) for a, i in groups.items()}))
    if b.visits is not None and len(b.visits):
        first = _first_visit(b.visits)
        for (inst, visit), d in first.groupby(["instrument", "visit"], sort=True):
            s = d.groupby("participant")["score"].mean()
            cells = {a: _mean_sd(s.reindex(i)) for a, i in groups.items()}
            rows.append(_row(f"{inst} ({visit})", "mean (SD)", cells))
    runin = b.diary[b.diary["day"] < 0] if len(b.diary) else b.diary
    for col in ("negative_affect", "positive_affect"):
        if len(runin) and col in runin:
            s = runin.groupby("participant")[col].mean()
            cells = {a: _mean_sd(s.reindex(i)) for a, i in groups.items()}
            rows.append(_row(f"run-in diary {col.replace('_', ' ')}", "mean (SD)", cells))
    if b.biomarkers is not None and len(b.biomarkers):
        pre = _pre_markers(b.biomarkers)
        for (marker, unit), d in pre.groupby(["marker", "unit"], sort=True):
            s = d.set_index("participant")["value"]
            cells = {a: _median_iqr(s.reindex(i)) for a, i in groups.items()}
            rows.append(_row(f"{marker} ({unit})", "median [IQR]", cells))
    return pd.DataFrame(rows)


def _planned_days(b: StudyBundle) -> tuple[int, int] | None:
    """First and last planned intervention day (day >= 0) with a diary, if known."""
    if not len(b.diary):
        return None
    last = b.study.days[1] if b.study.days is not None else int(b.diary["day"].max())
    return (0, last) if last >= 0 else None


def _conduct(b: StudyBundle, arms: pd.Series, labels: tuple[str, ...]) -> pd.DataFrame:
    p = b.participants.set_index("participant").reindex(arms.index)
    groups = {a: arms.index[arms == a] for a in labels}
    rows = []
    if "adherence_rate" in p:
        adh = p["adherence_rate"]
        rows.append(_row("dose adherence (share of doses taken)", "mean (SD)",
                         {a: _mean_sd(adh.reindex(i)) for a, i in groups.items()}))  # fmt: skip
    elif len(b.diary) and "adherence" in b.diary:
        adh = b.diary[b.diary["day"] >= 0].groupby("participant")["adherence"].mean()
        rows.append(_row("dose adherence (share of diary days with the dose taken)", "mean (SD)",
                         {a: _mean_sd(adh.reindex(i)) for a, i in groups.items()}))  # fmt: skip
    planned = _planned_days(b)
    if planned is not None:
        first, last = planned
        wd = p["withdrawn_day"] if "withdrawn_day" in p else pd.Series(pd.NA, index=p.index)
        end = wd.astype("Float64").fillna(last).clip(upper=last).astype(float)
        n_planned = (end - first + 1).clip(lower=0)
        d = b.diary[(b.diary["day"] >= first) & (b.diary["day"] <= last)]
        entries = d.groupby("participant").size().reindex(arms.index, fill_value=0)
        share = (entries / n_planned.where(n_planned > 0)).astype(float)
        rows.append(_row(f"diary compliance (entries / planned days {first}-{last}, up to "
                         "withdrawal)", "mean (SD)",
                         {a: _mean_sd(share.reindex(i)) for a, i in groups.items()}))  # fmt: skip
        for col in ("negative_affect", "positive_affect"):
            if col not in d:
                continue
            miss = d[col].isna().groupby(d["participant"]).sum()
            cells = {}
            for a, i in groups.items():
                k, n = int(miss.reindex(i, fill_value=0).sum()), int(entries.reindex(i).sum())
                cells[a] = _pct(k, n)
            rows.append(_row(f"entries without a {col.replace('_', ' ')} rating", "n (%)", cells))
    if b.visits is not None and len(b.visits):
        v = b.visits.dropna(subset=["score"])
        order = v.groupby("visit")["day"].median().sort_values().index
        for inst, d in v.groupby("instrument", sort=True):
            for visit in order:
                got = set(d.loc[d["visit"] == visit, "participant"])
                if not got:
                    continue
                cells = {a: _pct(len(got.intersection(i)), len(i)) for a, i in groups.items()}
                rows.append(_row(f"{inst} at {visit}", "n (%) with a score", cells))
    return pd.DataFrame(rows, columns=["characteristic", "statistic", *labels])


def biomarker_ratios(
    b: StudyBundle, control: str, treatment: str, conf_level: float = 0.95
) -> pd.DataFrame:
    """Per marker: ANCOVA of log(last post sample) on log(last pre sample) and arm.

    Returns one row per marker with participants, the ratio of geometric means treatment /
    control (``exp`` of the log-scale difference), its interval and p. Markers without a
    pre-intervention and a later sample, or with fewer than two participants per arm, are
    skipped. Non-positive values cannot be logged: a :class:`DataError` names them.
    """
    cols = ["marker", "unit", "n", "ratio", "ci_low", "ci_high", "p"]
    if b.biomarkers is None or not len(b.biomarkers):
        return pd.DataFrame(columns=cols)
    m = b.biomarkers
    arms = b.participants.set_index("participant")["arm"]
    bad = m[~(m["value"] > 0)]
    if len(bad):
        r = bad.iloc[0]
        raise DataError(
            f"biomarkers: marker {r['marker']!r}, participant {r['participant']!r}, day "
            f"{r['day']}: value {r['value']}; expected a positive concentration (analysed on "
            "the log scale)"
        )
    pre = _pre_markers(m)[["participant", "marker", "value"]].rename(columns={"value": "pre"})
    later = m[m["day"] > 0].sort_values("day")
    post = later.groupby(["participant", "marker"], as_index=False).last()
    post = post[["participant", "marker", "value"]].rename(columns={"value": "post"})
    both = pre.merge(post, on=["participant", "marker"])
    rows = []
    for (marker, unit), _ in m.groupby(["marker", "unit"], sort=True):
        x = both[both["marker"] == marker].set_index("participant")
        arm = arms.reindex(x.index)
        keep = arm.isin([control, treatment]).to_numpy()
        x, arm = x[keep], arm[keep]
        treated = (arm == treatment).to_numpy()
        if treated.sum() < 2 or (~treated).sum() < 2:
            continue
        fit = ancova(np.log(x["pre"].to_numpy()), np.log(x["post"].to_numpy()), treated,
                     instrument=str(marker), conf_level=conf_level)  # fmt: skip
        rows.append({"marker": marker, "unit": unit, "n": fit.n,
                     "ratio": float(np.exp(fit.estimate)), "ci_low": float(np.exp(fit.ci_low)),
                     "ci_high": float(np.exp(fit.ci_high)), "p": fit.p})  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def trial_tables(
    b: StudyBundle,
    *,
    control: str,
    treatment: str,
    tests: list[dict[str, Any]],
    primary: str,
    primary_source: str,
    alpha: float = 0.05,
    conf_level: float = 0.95,
) -> TrialTables:
    """Flow, baseline, conduct and biomarker tables, and the endpoints' multiplicity plan.

    ``tests``: the trial's outcome tests, each ``{"outcome", "analysis", "estimate", "ci_low",
    "ci_high", "p"}``; the one whose outcome is ``primary`` is the primary endpoint, every other
    test (and each biomarker ratio) a secondary one, Holm-adjusted at ``alpha``.
    ``primary_source`` says where the primary outcome was declared.

    Raises
    ------
    DataError
        ``primary`` is not among the tested outcomes.
    """
    arms = b.participants.set_index("participant")["arm"]
    labels = tuple(a.label for a in b.study.arms) or tuple(sorted(arms.unique()))
    markers = biomarker_ratios(b, control, treatment, conf_level)
    family = list(tests) + [
        {"outcome": r["marker"], "analysis": "ANCOVA of log values (ratio of geometric means)",
         "estimate": r["ratio"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "p": r["p"]}
        for r in markers.to_dict(orient="records")
    ]  # fmt: skip
    prim = [t for t in family if t["outcome"] == primary]
    if not prim:
        tested = ", ".join(dict.fromkeys(str(t["outcome"]) for t in family))
        raise DataError(
            f"primary outcome {primary!r} ({primary_source}) is not analysed in this bundle; "
            f"expected one of: {tested}"
        )
    secondary = [t for t in family if t["outcome"] != primary]
    adj = holm([float(t["p"]) for t in secondary]) if secondary else np.array([])
    endpoints = [_endpoint(prim[0], "primary", float(prim[0]["p"]), alpha)]
    endpoints += [
        _endpoint(t, "secondary", float(a), alpha) for t, a in zip(secondary, adj, strict=True)
    ]
    return TrialTables(
        arms=labels,
        flow=_flow(b, arms, labels),
        baseline=_baseline(b, arms, labels),
        conduct=_conduct(b, arms, labels),
        biomarkers=markers,
        endpoints=tuple(endpoints),
        primary_source=primary_source,
        alpha=alpha,
    )


def _endpoint(t: dict[str, Any], role: str, p_adj: float, alpha: float) -> Endpoint:
    return Endpoint(
        outcome=str(t["outcome"]), role=role, analysis=str(t["analysis"]),
        estimate=float(t["estimate"]), ci_low=float(t["ci_low"]), ci_high=float(t["ci_high"]),
        p=float(t["p"]), p_adjusted=p_adj, significant=bool(p_adj < alpha),
    )  # fmt: skip
