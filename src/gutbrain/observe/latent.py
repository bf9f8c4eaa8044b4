"""The latent daily trajectories that the observation models read, and their checks.

The model writes one row per person-day. The observation models rely only on these columns:

============================  =================================================================
column                        meaning
============================  =================================================================
participant                   person id (string)
day                           integer day (day 0 = first intervention day)
negative_affect               latent NA, 0-100
positive_affect               latent PA, 0-100
depression_severity           0-1 index (about 0.1 healthy, 0.5 moderate MDD, 0.8 severe)
anxiety_severity              0-1 index
perceived_stress              0-1+ index (stressors beyond the reference day push it above 1)
acth                          relative quasi-steady ACTH (1 = healthy)
cortisol                      relative to the healthy mean (1 = healthy)
inflammation                  relative systemic inflammation index (1 = healthy)
butyrate                      relative faecal butyrate (1 = healthy)
butyrate_producers ...        guild relative abundances (:data:`GUILDS`), summing to 1
============================  =================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from gutbrain.errors import DataError
from gutbrain.model.states import GUILDS  # the model's guilds, in its order

__all__ = [
    "GUILDS",
    "LATENT_RANGES",
    "PersonDays",
    "check_latent",
    "index_latent",
    "latent_rows",
    "person_codes",
    "window_means",
]


#: Allowed closed ranges of each latent column (``None`` = unbounded above).
LATENT_RANGES: dict[str, tuple[float, float | None]] = {
    "negative_affect": (0.0, 100.0),
    "positive_affect": (0.0, 100.0),
    "depression_severity": (0.0, 1.0),
    "anxiety_severity": (0.0, 1.0),
    "perceived_stress": (0.0, None),  # the model declares it 0-1+ (states.py)
    "acth": (0.0, None),
    "cortisol": (0.0, None),
    "inflammation": (0.0, None),
    "butyrate": (0.0, None),
    **{g: (0.0, 1.0) for g in GUILDS},
}

_WHERE = "latent trajectories"


def check_latent(latent: Any, required: Iterable[str]) -> pd.DataFrame:
    """Check a latent frame and return a copy sorted by participant and day.

    :func:`index_latent` returns the frame's :class:`PersonDays` too.

    Parameters
    ----------
    latent
        DataFrame with one row per person-day.
    required
        The latent columns (besides ``participant`` and ``day``) the caller reads.

    Returns
    -------
    pandas.DataFrame
        The required columns, sorted by ``(participant, day)``, with a fresh integer index and
        ``participant`` as strings.

    Raises
    ------
    DataError
        On a missing column, a non-integer day, a missing or out-of-range value, or a
        duplicate participant-day; the message names the column, the row and the value.
    """
    return index_latent(latent, required)[0]


def index_latent(latent: Any, required: Iterable[str]) -> tuple[pd.DataFrame, PersonDays]:
    """:func:`check_latent`'s frame and its :class:`PersonDays`, for callers that read many
    windows of one frame."""
    if not isinstance(latent, pd.DataFrame):
        raise DataError(f"{_WHERE}: expected a pandas DataFrame, got {type(latent).__name__}")
    cols = ["participant", "day", *dict.fromkeys(required)]
    missing = [c for c in cols if c not in latent.columns]
    if missing:
        raise DataError(
            f"{_WHERE}: missing column(s) {missing}; expected participant, day and {cols[2:]}"
        )
    frame = latent.loc[:, cols]
    if not pd.api.types.is_integer_dtype(frame["day"]):
        raise DataError(
            f"{_WHERE}: column 'day' must hold integers, got dtype {frame['day'].dtype}"
        )
    if frame["participant"].isna().any():
        row = frame.index[frame["participant"].isna()][0]
        raise DataError(f"{_WHERE}: row {row}, column 'participant' is missing")
    for col in cols[2:]:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any() or values.isna().any():
            row = frame.index[values.isna()][0]
            raise DataError(
                f"{_WHERE}: row {row}, column {col!r} has value {frame.at[row, col]!r}; "
                "expected a number"
            )
        lo, hi = LATENT_RANGES.get(col, (-np.inf, None))
        out = values < lo
        if hi is not None:
            out |= values > hi
        if out.any():
            row = frame.index[out][0]
            raise DataError(
                f"{_WHERE}: row {row}, column {col!r} = {float(values[row])} is outside "
                f"[{lo}, {'inf' if hi is None else hi}]"
            )
    frame = frame.assign(participant=frame["participant"].astype(str))
    index = PersonDays.of(frame)
    if not index.is_sorted():
        # a sorted frame is left as it is: the stable sort would not move a row
        frame = frame.sort_values(["participant", "day"], kind="stable")
        index = PersonDays.of(frame)
    codes, day = index.codes, index.day
    dup = np.zeros(len(frame), dtype=bool)
    dup[1:] = (codes[1:] == codes[:-1]) & (day[1:] == day[:-1])
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise DataError(
            f"{_WHERE}: row {frame.index[pos]} duplicates participant "
            f"{index.people[codes[pos]]!r}, day {day[pos]}; "
            "expected one row per participant-day"
        )
    return frame.reset_index(drop=True), index


def person_codes(sorted_frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return (person code per row, position of the row within its person).

    ``sorted_frame`` must be sorted by participant (as :func:`check_latent` returns it), so each
    person's rows are contiguous and codes are 0, 1, 2, ... in order.
    """
    index = PersonDays.of(sorted_frame)
    return index.codes, index.position


def _encode(participant: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code (distinct ids numbered in order of first appearance) and the distinct
    ids, by Arrow's dictionary encoding: no Python string is made per row."""
    values = pa.array(participant.astype(str))
    if isinstance(values, pa.ChunkedArray):  # e.g. after pandas.concat
        values = values.combine_chunks()
    encoded = values.dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary.to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class PersonDays:
    """Where each person's days lie in a frame sorted by participant and day.

    Build it once with :meth:`of` and ask it for many windows (:meth:`window_means`): every
    questionnaire of every visit reads the same frame.
    """

    codes: np.ndarray
    """Person code of each row: 0, 1, 2, ... in the frame's order."""
    position: np.ndarray
    """Position of each row within its person's rows."""
    people: np.ndarray
    """The participant ids, by code."""
    day: np.ndarray
    """Each row's day."""

    @classmethod
    def of(cls, sorted_frame: pd.DataFrame) -> PersonDays:
        """The index of a frame sorted by participant and day (see :func:`check_latent`);
        :meth:`is_sorted` tells whether it is."""
        codes, people = _encode(sorted_frame["participant"])
        n = len(codes)
        new = np.ones(n, dtype=bool)
        new[1:] = codes[1:] != codes[:-1]
        starts = np.flatnonzero(new)
        position = np.arange(n, dtype=np.int64) - starts[codes] if n else np.zeros(0, np.int64)
        day = sorted_frame["day"].to_numpy(np.int64)
        return cls(codes, position, people, day)

    def is_sorted(self) -> bool:
        """Whether the rows are sorted by participant, then day."""
        c, d = self.codes, self.day
        grouped = bool(np.all(c[1:] >= c[:-1]))
        in_order = bool(np.all(self.people[1:] > self.people[:-1]))
        return grouped and in_order and bool(np.all((c[1:] != c[:-1]) | (d[1:] >= d[:-1])))

    def lookup(self, participants: Any) -> np.ndarray:
        """The code of each of ``participants`` (-1 for one without rows)."""
        ids = pd.Index(participants).astype(str)
        return pd.Index(self.people).get_indexer(ids).astype(np.int64)

    def window_means(
        self,
        values: np.ndarray,
        codes: np.ndarray,
        days: np.ndarray,
        window: int | np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:func:`window_means` for people given by their ``codes`` (:meth:`lookup`)."""
        day = self.day
        dmin = int(day.min())
        span = int(day.max()) - dmin + 1
        keys = self.codes * span + (day - dmin)
        q_day = np.asarray(days, dtype=np.int64)
        win = np.broadcast_to(np.asarray(window, dtype=np.int64), q_day.shape)
        upper = np.clip(q_day - dmin, -1, span - 1)
        lower = np.clip(q_day - win + 1 - dmin, 0, span)
        hi = np.searchsorted(keys, codes * span + upper, side="right")
        lo = np.searchsorted(keys, codes * span + lower, side="left")
        hi = np.where((codes < 0) | (upper < 0) | (lower > upper), lo, hi)
        csum = np.concatenate([[0.0], np.cumsum(np.asarray(values, dtype=float))])
        counts = np.maximum(hi - lo, 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, (csum[np.maximum(hi, lo)] - csum[lo]) / counts, np.nan)
        return means, counts


def window_means(
    sorted_frame: pd.DataFrame,
    values: np.ndarray,
    participants: np.ndarray,
    days: np.ndarray,
    window: int | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean of ``values`` over each person's days ``day - window + 1 .. day`` (inclusive).

    Vectorised with cumulative sums: for query :math:`q` with person :math:`p` and day :math:`d`,
    :math:`\bar x_q = (S_{hi} - S_{lo}) / (hi - lo)` where ``lo`` and ``hi`` bracket the rows of
    person :math:`p` with day in :math:`[d - w + 1, d]`.

    Returns
    -------
    (means, counts)
        ``means`` is NaN where no latent day falls in the window; ``counts`` is the number of
        latent days averaged.
    """
    index = PersonDays.of(sorted_frame)
    return index.window_means(values, index.lookup(participants), days, window)


def latent_rows(frame: pd.DataFrame, samples: pd.DataFrame, what: str) -> np.ndarray:
    """The row of ``frame`` (checked latent trajectories) for each sample (``participant, day``,
    in ``frame``'s dtypes); a :class:`DataError` names the first sample without a latent day."""
    index = pd.MultiIndex.from_frame(frame[["participant", "day"]])
    rows = index.get_indexer(pd.MultiIndex.from_frame(samples[["participant", "day"]]))
    if (rows < 0).any():
        bad = int(np.flatnonzero(rows < 0)[0])
        raise DataError(
            f"{what} row {bad}: participant {samples['participant'].to_numpy()[bad]!r} "
            f"has no latent day {samples['day'].to_numpy()[bad]}"
        )
    return rows
