"""Checks of *when* across a bundle's tables: the impossibilities no single cell shows.

Each raises a :class:`~gutbrain.io.BundleDataError` naming the file, the row (data rows counted
from 1), the column and the value:

* :func:`check_planned_days`: a ``day`` outside ``study.toml``'s ``days = [first, last]`` (when the
  study declares them);
* :func:`check_withdrawal`: a diary, visit, biomarker or taxa row dated after the participant's
  ``withdrawn_day`` (a row on the withdrawal day itself is kept: the diary app records an entry
  made that day before the withdrawal);
* :func:`check_visit_order`: a participant whose visits are dated in the opposite order to the
  rest of the study (a ``post`` visit before ``pre``), which would make the later visit the
  baseline of a pre/post analysis;
* :func:`check_diary_dates`: diary ``date`` cells that do not advance with ``day`` (one
  participant's day 0 falls on one calendar date), or that precede the participant's
  ``enrolled`` date.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gutbrain.io._convert import check_range
from gutbrain.io._problems import fail
from gutbrain.io.meta import StudyMeta

__all__ = ["check_diary_dates", "check_planned_days", "check_visit_order", "check_withdrawal"]

#: Tables of observations, which stop when a participant withdraws (``truth_latent`` is the
#: simulation's truth and runs on).
OBSERVED = ("diary", "visits", "biomarkers", "taxa")


def check_planned_days(
    meta: StudyMeta, tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str]
) -> None:
    """Every ``day`` within ``study.toml``'s ``days``; nothing is checked when they are absent."""
    if meta.days is None:
        return
    lo, hi = meta.days
    for name, df in tables.items():
        if "day" in df.columns:
            check_range(
                labels[name],
                "day",
                df["day"],
                df["day"],
                lo,
                hi,
                what=f"a planned study day (study.toml: days = [{lo}, {hi}]), ",
            )


def check_withdrawal(tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str]) -> None:
    """No observation dated after its participant's ``withdrawn_day``."""
    participants = tables["participants"]
    if "withdrawn_day" not in participants.columns:
        return
    withdrawn = participants["withdrawn_day"].to_numpy(dtype="float64", na_value=np.nan)
    if np.isnan(withdrawn).all():
        return
    ids = pd.Index(participants["participant"])
    for name in OBSERVED:
        df = tables.get(name)
        if df is None or not len(df):
            continue
        who = ids.get_indexer(pd.Index(df["participant"]))
        day = df["day"].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            after = day > withdrawn[who]
        idx = np.flatnonzero(after)
        if idx.size:
            i = int(idx[0])
            p = int(who[i])
            fail(
                labels[name],
                f"is after participant {df['participant'].iloc[i]!r} withdrew (withdrawn_day = "
                f"{int(withdrawn[p])} in {labels['participants']}, row {p + 1}); a withdrawn "
                "participant has no data after that day: remove the row or correct the day",
                row=i + 1,
                column="day",
                value=int(day[i]),
                has_value=True,
                more=int(idx.size - 1),
            )


def check_visit_order(visits: pd.DataFrame, label: str) -> None:
    """Each participant's visits in the study's order of visits.

    The study's order is that of each visit's median day over all participants; a participant
    whose visit A is dated after their visit B, where the study puts A before B, is refused.
    Visits with the same median day are not ordered (nor is a study of one participant).
    """
    if not len(visits):
        return
    median = visits.groupby("visit", sort=False)["day"].median()
    rows = visits[["participant", "visit", "day"]].assign(
        row=np.arange(len(visits)), median=visits["visit"].map(median).to_numpy()
    )
    ordered = rows.sort_values(["day", "row"], kind="stable").groupby(["participant", "visit"])
    # One line per participant-visit: its earliest day (and row) and its latest day (and row).
    per = ordered.head(1).merge(
        ordered.tail(1)[["participant", "visit", "day", "row"]],
        on=["participant", "visit"],
        suffixes=("", "_last"),
    )
    # Pairs of one participant's visits: a held before b in the study, yet dated after b.
    pairs = per.merge(per, on="participant", suffixes=("_a", "_b"))
    pairs = pairs[(pairs["median_a"] < pairs["median_b"]) & (pairs["day_last_a"] > pairs["day_b"])]
    if not len(pairs):
        return
    worst = pairs.sort_values(["row_b", "row_last_a"]).iloc[0]
    i, k = int(worst["row_b"]), int(worst["row_last_a"])
    v_i, v_k = visits["visit"].iloc[i], visits["visit"].iloc[k]
    fail(
        label,
        f"dates the {v_i!r} visit of participant {visits['participant'].iloc[i]!r} before their "
        f"{v_k!r} visit (day {int(visits['day'].iloc[k])}, row {k + 1}), but the study holds "
        f"{v_k!r} first (median day {median[v_k]:g}, against {median[v_i]:g}); the earlier visit "
        "would become the baseline: correct the day or the visit name",
        row=i + 1,
        column="day",
        value=int(visits["day"].iloc[i]),
        has_value=True,
    )


def check_diary_dates(tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str]) -> None:
    """Diary dates advance with the day, one calendar date per participant's day 0, and none
    precedes the participant's enrolment."""
    diary = tables["diary"]
    if "date" not in diary.columns or not len(diary):
        return
    label = labels["diary"]
    has = diary["date"].notna().to_numpy()
    day0 = diary["date"] - pd.to_timedelta(diary["day"], unit="D")
    first = day0.where(has).groupby(diary["participant"], sort=False).transform("first")
    idx = np.flatnonzero(has & (day0 != first).to_numpy(dtype=bool, na_value=False))
    if idx.size:
        i = int(idx[0])
        p = diary["participant"].iloc[i]
        j = int(np.flatnonzero(((diary["participant"] == p) & has).to_numpy(dtype=bool))[0])
        fail(
            label,
            f"for day {int(diary['day'].iloc[i])} of participant {p!r}, but row {j + 1} dates "
            f"their day {int(diary['day'].iloc[j])} {diary['date'].iloc[j]:%Y-%m-%d}; the date "
            "must advance with the day: correct the date or the day",
            row=i + 1,
            column="date",
            value=f"{diary['date'].iloc[i]:%Y-%m-%d}",
            has_value=True,
            more=int(idx.size - 1),
        )
    participants = tables["participants"]
    if "enrolled" not in participants.columns:
        return
    enrolled = pd.Series(
        participants["enrolled"].to_numpy(), index=pd.Index(participants["participant"])
    )
    before = (diary["date"] < diary["participant"].map(enrolled)).to_numpy(
        dtype=bool, na_value=False
    )
    idx = np.flatnonzero(before)
    if idx.size:
        i = int(idx[0])
        p = diary["participant"].iloc[i]
        fail(
            label,
            f"is before participant {p!r} enrolled ({enrolled[p]:%Y-%m-%d} in "
            f"{labels['participants']}); correct the date or the enrolment date",
            row=i + 1,
            column="date",
            value=f"{diary['date'].iloc[i]:%Y-%m-%d}",
            has_value=True,
            more=int(idx.size - 1),
        )
