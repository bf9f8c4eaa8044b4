"""Read an EFFECTS table (CSV or Parquet): one row per study.

Columns
-------
``study`` (or ``trial``, as in metafor's dat.bcg)
    Study label (text, unique). Required.
``yi`` with ``vi`` or ``sei``
    Effect size and its sampling variance or standard error, or instead
``m1i, sd1i, n1i, m2i, sd2i, n2i``
    Means, standard deviations and sizes of group 1 (treatment) and group 2 (control), from which
    the SMD (Hedges' g, default) or the MD is computed as metafor's ``escalc`` does, or
``ai, bi, ci, di`` (or ``ai, n1i, ci, n2i``, or dat.bcg's ``tpos, tneg, cpos, cneg``)
    2x2 counts: events and non-events (or group sizes) in group 1 and group 2, from which the
    log odds ratio (``OR``, default), log risk ratio (``RR``) or risk difference (``RD``) is
    computed as ``escalc`` does (1/2 added to every cell of a study with a zero cell).
any other column
    Available as a subgroup variable or a moderator, by name.

Problems raise :class:`~gutbrain.errors.DataError` naming the file, the row (the line number in
the CSV file, the header being line 1), the column and the value, in the format of every reader
(:mod:`gutbrain._config`): ``effects.csv: row 3 (study 'B'), column 'yi' = 'abc'; expected a
finite number``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gutbrain._config import Where
from gutbrain.analysis.meta.effects import (
    EffectSizes,
    log_odds_ratio,
    log_risk_ratio,
    mean_difference,
    risk_difference,
    scale_checks,
    smd,
)
from gutbrain.errors import DataError

__all__ = [
    "COUNT_COLUMNS",
    "COUNT_MEASURES",
    "LABEL_COLUMNS",
    "MEASURES",
    "RAW_COLUMNS",
    "EffectsTable",
    "read_effects",
]

RAW_COLUMNS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
# 2x2 counts: (events 1, non-events or size 1, events 2, non-events or size 2), in metafor's
# names, and dat.bcg's (tpos/tneg: tuberculosis cases / non-cases among vaccinated).
COUNT_COLUMNS = (("ai", "bi", "ci", "di"), ("ai", "n1i", "ci", "n2i"),
                 ("tpos", "tneg", "cpos", "cneg"))  # fmt: skip
COUNT_MEASURES = {"OR": log_odds_ratio, "RR": log_risk_ratio, "RD": risk_difference}
MEASURES = ("GEN", "SMD", "MD", *COUNT_MEASURES)
LABEL_COLUMNS = ("study", "trial")
_RESERVED = {"yi", "vi", "sei", *RAW_COLUMNS, *(c for cols in COUNT_COLUMNS for c in cols)}


@dataclass(frozen=True)
class EffectsTable:
    """A validated EFFECTS table.

    Attributes
    ----------
    path : Path
        The file read.
    studies : tuple of str
        Study labels, in file order.
    effects : EffectSizes
        ``yi`` and ``vi`` (given, or computed from the raw columns).
    source : str
        How ``yi``/``vi`` were obtained: ``"yi/vi"``, ``"yi/sei"``, ``"SMD from means"``,
        ``"MD from means"`` or, e.g., ``"OR from counts (ai, bi, ci, di)"``.
    data : DataFrame
        The table as read (text columns as text, numeric columns as numbers), with ``yi`` and
        ``vi`` filled in.
    label : str
        The label column: ``"study"`` or ``"trial"``.
    """

    path: Path
    studies: tuple[str, ...]
    effects: EffectSizes
    source: str
    data: pd.DataFrame
    label: str = "study"

    @property
    def k(self) -> int:
        """Number of studies."""
        return len(self.studies)

    def column(self, name: str) -> pd.Series:
        """A subgroup or moderator column, checked to exist and to have no missing value."""
        at = Where(str(self.path), DataError)
        if name in _RESERVED or name in ("study", self.label):
            raise at.column(name).problem(
                "holds the effects or their inputs; a subgroup or moderator must be another column"
            )
        if name not in self.data.columns:
            extra = [
                c
                for c in self.data.columns
                if c not in _RESERVED and c not in ("study", self.label)
            ]
            raise at.problem(
                f"no column {name!r}; columns available as subgroup or moderator: {extra or 'none'}"
            )
        col = self.data[name]
        missing = np.flatnonzero(col.isna().to_numpy())
        if missing.size:
            raise _cell(at, int(missing[0]), self.studies, name).missing("a value for every study")
        return col

    def moderators(self, names: Sequence[str]) -> pd.DataFrame:
        """The named moderator columns, validated."""
        return pd.DataFrame({n: self.column(n).to_numpy() for n in names})

    def summary(self) -> pd.DataFrame:
        """One row per study: study, yi, vi, sei."""
        return pd.DataFrame(
            {
                "study": self.studies,
                "yi": self.effects.yi,
                "vi": self.effects.vi,
                "sei": self.effects.sei,
            }
        )

    def __repr__(self) -> str:
        return f"EffectsTable(path={str(self.path)!r}, k={self.k}, source={self.source!r})"


def _cell(at: Where, i: int, studies: Sequence[str], name: str) -> Where:
    """The cell of column ``name`` on the ``i``-th data row (CSV line ``i + 2``)."""
    return at.row(i + 2, f"study {studies[i]!r}").column(name)


def _read_raw(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path).astype(object)
            return frame.where(frame.notna(), "")
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path}: cannot read as a table ({first})") from exc


def _numeric(raw: pd.DataFrame, name: str, at: Where, studies: Sequence[str]) -> np.ndarray:
    text = raw[name].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        cell = _cell(at, i, studies, name)
        if text.iloc[i] in ("", "nan", "NA"):
            raise cell.missing("a finite number")
        raise cell.bad(text.iloc[i], "a finite number")
    return values


def _require(
    values: np.ndarray, ok: np.ndarray, name: str, expected: str, at: Where, studies: Sequence[str]
) -> None:
    bad = np.flatnonzero(~ok)
    if bad.size:
        i = int(bad[0])
        raise _cell(at, i, studies, name).bad(values[i], expected)


def _typed_column(col: pd.Series) -> pd.Series:
    # Numbers where every non-empty cell is a number; text otherwise. Empty cells become missing.
    text = col.astype(str).str.strip()
    empty = text.isin(["", "NA", "nan"])
    num = pd.to_numeric(text.where(~empty), errors="coerce")
    if bool((num.notna() | empty).all()) and not bool(empty.all()):
        return num.astype(float)
    return text.where(~empty, None).astype(object)


def read_effects(path: str | Path, *, measure: str | None = None) -> EffectsTable:
    """Read and validate an EFFECTS table.

    Parameters
    ----------
    path
        A ``.csv`` (or ``.parquet``) file, one row per study.
    measure
        ``None`` (default): use ``yi`` with ``vi``/``sei`` if present, else the log odds ratio
        from 2x2 count columns if present, else the SMD from the means columns. ``"SMD"`` or
        ``"MD"``: compute from the means columns. ``"OR"``, ``"RR"`` or ``"RD"``: compute from
        the count columns. ``"GEN"``: use ``yi`` with ``vi``/``sei``.

    Raises
    ------
    DataError
        Missing file or column, a non-numeric or out-of-range value (row and column named),
        duplicate study labels, or ambiguous input (both ``vi`` and ``sei``; or more than one of
        ``yi``, the means columns and the count columns without ``measure``).
    """
    path = Path(path)
    at = Where(str(path), DataError)
    if measure is not None:
        at.key("measure").among(measure, MEASURES)
    raw = _read_raw(path)
    raw.columns = [str(c).strip() for c in raw.columns]
    if raw.shape[0] == 0:
        raise at.problem("no rows; expected one row per study")
    dupcols = sorted({c for c in raw.columns if list(raw.columns).count(c) > 1})
    if dupcols:
        raise at.problem(f"column(s) {dupcols} appear more than once")
    label = _label_column(raw, at)
    studies = _studies(raw, at, label)
    if measure is None:
        measure = _default_measure(raw, at)
    if measure == "GEN":
        effects, source = _given(raw, at, studies)
    elif measure in COUNT_MEASURES:
        effects, source = _from_counts(raw, at, studies, measure)
    else:
        effects, source = _from_means(raw, at, studies, measure)
    given = {"yi/vi": {"yi": "yi", "vi": "vi"}, "yi/sei": {"yi": "yi", "vi": "sei squared"}}
    cols = given.get(source, {"yi": "yi (computed)", "vi": "vi (computed)"})
    for name, values, ok, expected in scale_checks(effects):
        _require(values, ok, cols[name], expected, at, studies)
    data = pd.DataFrame({"study": list(studies)})
    for c in raw.columns:
        if c != "study":
            data[c] = _typed_column(raw[c])
    data["yi"] = effects.yi
    data["vi"] = effects.vi
    if not all(math.isfinite(v) for v in effects.vi) or np.any(effects.vi <= 0):
        raise at.problem("computed sampling variances are not all positive")
    return EffectsTable(
        path=path, studies=studies, effects=effects, source=source, data=data, label=label
    )


def _label_column(raw: pd.DataFrame, at: Where) -> str:
    """``study`` if present, else ``trial`` (metafor's dat.bcg)."""
    for name in LABEL_COLUMNS:
        if name in raw.columns:
            return name
    raise at.problem(
        f"missing column 'study' or 'trial' (a label per study); columns are {list(raw.columns)}"
    )


def _count_columns(raw: pd.DataFrame) -> tuple[str, str, str, str] | None:
    """The first complete set of 2x2 count columns in the table, if any."""
    for cols in COUNT_COLUMNS:
        if all(c in raw.columns for c in cols):
            return cols
    return None


def _default_measure(raw: pd.DataFrame, at: Where) -> str:
    """GEN with ``yi``; else OR with count columns; else SMD (means). Ambiguity is an error."""
    found = []
    if "yi" in raw.columns:
        found.append("'yi' (measure GEN)")
    means = [c for c in RAW_COLUMNS if c in raw.columns and c not in ("n1i", "n2i")]
    if means:
        found.append(f"means columns {means} (measure SMD or MD)")
    counts = _count_columns(raw)
    if counts is not None:
        found.append(f"count columns {list(counts)} (measure OR, RR or RD)")
    if len(found) > 1:
        raise at.problem(f"has {' and '.join(found)}; choose one with measure (--measure)")
    if "yi" in raw.columns:
        return "GEN"
    return "OR" if counts is not None else "SMD"


def _studies(raw: pd.DataFrame, at: Where, label: str) -> tuple[str, ...]:
    """The study labels: present, not empty, unique."""
    studies = tuple(raw[label].astype(str).str.strip())
    seen: dict[str, int] = {}
    for i, s in enumerate(studies):
        cell = at.row(i + 2).column(label)
        if s in ("", "nan"):
            raise cell.missing("a label; every study needs one")
        if s in seen:
            raise cell.bad(s, f"a label not already used on row {seen[s] + 2}")
        seen[s] = i
    return studies


def _given(raw: pd.DataFrame, at: Where, studies: Sequence[str]) -> tuple[EffectSizes, str]:
    """``yi`` with ``vi`` or ``sei`` as given."""
    if "yi" not in raw.columns:
        raise at.problem(
            f"missing column 'yi'; give yi with vi or sei, or the raw columns "
            f"{', '.join(RAW_COLUMNS)}"
        )
    has_vi, has_sei = "vi" in raw.columns, "sei" in raw.columns
    if has_vi and has_sei:
        raise at.problem("has both 'vi' and 'sei'; keep one")
    if not has_vi and not has_sei:
        raise at.problem("missing column 'vi' (sampling variance) or 'sei' (standard error)")
    yi = _numeric(raw, "yi", at, studies)
    if has_vi:
        vi = _numeric(raw, "vi", at, studies)
        _require(vi, vi > 0, "vi", "a sampling variance > 0", at, studies)
        return EffectSizes(yi=yi, vi=vi, measure="GEN"), "yi/vi"
    sei = _numeric(raw, "sei", at, studies)
    _require(sei, sei > 0, "sei", "a standard error > 0", at, studies)
    return EffectSizes(yi=yi, vi=sei**2, measure="GEN"), "yi/sei"


def _from_means(
    raw: pd.DataFrame, at: Where, studies: Sequence[str], measure: str
) -> tuple[EffectSizes, str]:
    """The SMD or MD computed from the groups' means, SDs and sizes."""
    missing = [c for c in RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise at.problem(
            f"measure {measure} needs columns {', '.join(RAW_COLUMNS)}; missing {missing}"
        )
    vals = {c: _numeric(raw, c, at, studies) for c in RAW_COLUMNS}
    for c in ("sd1i", "sd2i"):
        _require(vals[c], vals[c] > 0, c, "a standard deviation > 0", at, studies)
    for c in ("n1i", "n2i"):
        ok = (vals[c] >= 1) & (vals[c] == np.round(vals[c]))
        _require(vals[c], ok, c, "a whole number of participants >= 1", at, studies)
    total = vals["n1i"] + vals["n2i"]
    if measure == "SMD":
        _require(total, total >= 4, "n1i + n2i", "at least 4 participants in all", at, studies)
    fn = smd if measure == "SMD" else mean_difference
    return fn(*(vals[c] for c in RAW_COLUMNS)), f"{measure} from means"


def _from_counts(
    raw: pd.DataFrame, at: Where, studies: Sequence[str], measure: str
) -> tuple[EffectSizes, str]:
    """The log odds ratio, log risk ratio or risk difference from 2x2 counts."""
    cols = _count_columns(raw)
    if cols is None:
        sets = "; ".join(", ".join(c) for c in COUNT_COLUMNS)
        raise at.problem(f"measure {measure} needs 2x2 count columns: one of {sets}")
    vals = {col: _numeric(raw, col, at, studies) for col in cols}
    for col in cols:
        ok = (vals[col] >= 0) & (vals[col] == np.round(vals[col]))
        _require(vals[col], ok, col, "a whole number >= 0", at, studies)
    a, b, c, d = (vals[col] for col in cols)
    if cols[1] == "n1i":
        for events, size, col in ((a, b, "n1i"), (c, d, "n2i")):
            ok = (size >= events) & (size >= 1)
            _require(size, ok, col, "a group size >= 1 and >= its number of events", at, studies)
        b, d = b - a, d - c
    else:
        for events, others, col in ((a, b, cols[1]), (c, d, cols[3])):
            ok = events + others >= 1
            _require(others, ok, col, "a count that makes the group size >= 1", at, studies)
    effects = COUNT_MEASURES[measure](a, b, c, d)
    return effects, f"{measure} from counts ({', '.join(cols)})"
