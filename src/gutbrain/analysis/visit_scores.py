"""One instrument's visit scores, arranged for the analyses of change from baseline.

The baseline visit is the instrument's earliest visit (by the median day of its scores); the
others are the post-baseline visits in day order. Participants without a baseline score, or in
neither compared arm, are left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gutbrain.errors import DataError

__all__ = ["VisitScores", "visit_scores"]


@dataclass(frozen=True)
class VisitScores:
    """Post-baseline scores of one instrument, with baseline and change.

    Attributes
    ----------
    instrument, baseline_visit
        The instrument and its first visit.
    visits
        The post-baseline visits, in day order.
    rows
        One row per participant and post-baseline visit with a score: participant, visit
        (categorical in ``visits`` order), score, baseline, change (score - baseline),
        treated (bool).
    n_no_baseline
        Participants of the compared arms with post-baseline scores but no baseline score.
    """

    instrument: str
    baseline_visit: str
    visits: tuple[str, ...]
    rows: pd.DataFrame
    n_no_baseline: int

    def last_visit(self) -> pd.DataFrame:
        """The rows of the last post-baseline visit (one per participant who attended it)."""
        return self.rows[self.rows["visit"] == self.visits[-1]].reset_index(drop=True)


def visit_scores(
    visits: pd.DataFrame, arms: pd.Series, instrument: str, *, control: str, treatment: str
) -> VisitScores:
    """Arrange ``instrument``'s scores from a bundle's ``visits`` table (see the module docstring).

    ``arms``: arm label per participant (index: participant id).

    Raises
    ------
    DataError
        The instrument has fewer than two visits.
    """
    d = visits[(visits["instrument"] == instrument) & visits["participant"].isin(arms.index)]
    d = d.dropna(subset=["score"])
    d = d[d["participant"].map(arms).isin([control, treatment])]
    days = d.groupby("visit")["day"].median().sort_values(kind="stable")
    if len(days) < 2:
        raise DataError(
            f"visits, instrument {instrument!r}: scores at {len(days)} visit(s) "
            f"({', '.join(map(str, days.index)) or 'none'}); need a baseline and a later visit"
        )
    first, post = str(days.index[0]), tuple(str(v) for v in days.index[1:])
    wide = d.pivot_table(index="participant", columns="visit", values="score", aggfunc="mean")
    base = wide[first].dropna()
    long = (
        wide[list(post)]
        .reset_index()
        .melt(id_vars="participant", var_name="visit", value_name="score")
        .dropna(subset=["score"])
    )
    n_missing = int(long.loc[~long["participant"].isin(base.index), "participant"].nunique())
    long = long[long["participant"].isin(base.index)].copy()
    long["visit"] = pd.Categorical(long["visit"].astype(str), categories=list(post), ordered=True)
    long["baseline"] = long["participant"].map(base).astype(float)
    long["change"] = long["score"] - long["baseline"]
    long["treated"] = (long["participant"].map(arms) == treatment).to_numpy()
    long = long.sort_values(["participant", "visit"]).reset_index(drop=True)
    return VisitScores(instrument, first, post, long, n_missing)
