"""Check a study bundle and bring every table to its canonical dtypes.

Checks, in order, each reported as a :class:`~gutbrain.io.BundleDataError` naming the file, the
row (data rows counted from 1, header not counted), the column and the value:

1. each table: column names (text, unique, non-empty), required columns, every cell's type,
   missing cells in columns that need a value, ranges (diary affect 0-100, stool_form 1-7, ...),
   duplicate keys (participant, participant-day, participant-visit-instrument, ...);
2. participants against ``study.toml``: ``arm`` for parallel and observational designs,
   ``sequence`` (characters from the phase labels) for crossover and nof1 designs;
3. every other table's participants appear in ``participants``;
4. visits: the instrument is known, listed in ``study.toml``, and the score is in its range;
   biomarkers: a marker the registry knows carries the registry's unit;
5. diary ``phase`` (crossover, nof1): a phase label or empty;
6. taxa: each sample belongs to one participant-day;
7. when (:mod:`gutbrain.io._timeline`): days within ``study.toml``'s ``days`` when declared, no
   observation after a participant's ``withdrawn_day``, each participant's visits in the study's
   order, diary dates advancing with the day and not before enrolment.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gutbrain.io._convert import check_range, convert_column, convert_extra
from gutbrain.io._problems import fail
from gutbrain.io._timeline import (
    check_diary_dates,
    check_planned_days,
    check_visit_order,
    check_withdrawal,
)
from gutbrain.io.bundle import StudyBundle
from gutbrain.io.instruments import INSTRUMENTS, MARKERS
from gutbrain.io.meta import ExtraKind, StudyMeta
from gutbrain.io.schema import TABLES, TableSpec

__all__ = ["canonical_bundle", "canonical_table", "validate_bundle"]


def validate_bundle(bundle: StudyBundle, *, source: str | None = None) -> None:
    """Check a bundle against the format; return nothing or raise.

    Parameters
    ----------
    bundle
        The bundle, e.g. built by a trial simulation before writing.
    source
        Where the bundle comes from, used to name tables in messages (``"<source>/diary"``);
        by default tables are named ``"diary table"``.

    Raises
    ------
    BundleDataError
        A :class:`~gutbrain.errors.DataError` for the first problem found.
    """
    canonical_bundle(bundle, labels=table_labels(source))


def table_labels(source: str | None) -> dict[str, str]:
    """How each table is named in messages when it is not read from a file."""
    if source is None:
        return {name: f"{name} table" for name in TABLES}
    return {name: f"{source}/{name}" for name in TABLES}


def canonical_bundle(bundle: StudyBundle, labels: Mapping[str, str]) -> StudyBundle:
    """Validate ``bundle`` and return a copy whose tables have canonical dtypes and a RangeIndex.

    ``labels`` maps table names to how messages name them (a file path when read from disk).
    """
    if not isinstance(bundle, StudyBundle):
        raise TypeError(f"expected a StudyBundle, got {type(bundle).__name__}")
    meta = bundle.study
    tables = {
        name: canonical_table(TABLES[name], df, labels[name], meta.declared(name))
        for name, df in bundle.tables().items()
    }
    _check_declared(meta, tables, labels)
    participants = tables["participants"]
    _check_assignment(meta, participants, labels["participants"])
    known = set(participants["participant"])
    for name, df in tables.items():
        if name != "participants":
            _check_known_participants(df, known, labels[name], labels["participants"])
    if "visits" in tables:
        _check_visits(meta, tables["visits"], labels["visits"])
    if "biomarkers" in tables:
        _check_units(tables["biomarkers"], labels["biomarkers"])
    if meta.uses_sequences and "phase" in tables["diary"].columns:
        _check_in(
            tables["diary"],
            "phase",
            set(meta.labels),
            labels["diary"],
            "is not a phase label in study.toml; expected one of "
            f"{_listing(meta.labels)}, or an empty cell in run-in and washout",
        )
    if "taxa" in tables:
        _check_samples(tables["taxa"], labels["taxa"])
    check_planned_days(meta, tables, labels)
    check_withdrawal(tables, labels)
    if "visits" in tables:
        check_visit_order(tables["visits"], labels["visits"])
    check_diary_dates(tables, labels)
    return StudyBundle(study=meta, **tables)


def canonical_table(
    spec: TableSpec,
    df: pd.DataFrame,
    label: str,
    declared: Mapping[str, ExtraKind] | None = None,
) -> pd.DataFrame:
    """Check one table and return it with canonical dtypes and a fresh RangeIndex.

    ``declared`` gives the kinds of extra columns declared in ``study.toml``; other extra
    columns are inferred (see :func:`gutbrain.io._convert.convert_extra`).
    """
    _check_columns(spec, df, label)
    df = df.reset_index(drop=True)
    declared = declared or {}
    out = {}
    for name in df.columns:
        col = spec.column(name)
        raw = df[name]
        out[name] = (
            convert_column(label, col, raw)
            if col
            else convert_extra(label, name, raw, declared.get(name))
        )
    table = pd.DataFrame(out, index=pd.RangeIndex(len(df)))
    _check_unique(spec, table, label)
    return table


def _check_declared(
    meta: StudyMeta, tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str]
) -> None:
    """Every column declared in ``[columns.<table>]`` exists (a misspelt name is not ignored)."""
    for table, decl in (meta.columns or {}).items():
        have = tables[table].columns if table in tables else ()
        for name in decl:
            if name not in have:
                fail(
                    labels.get(table, table),
                    f"has no column {name!r}, which study.toml declares in [columns.{table}]; "
                    "remove the declaration or add the column",
                )


def _check_columns(spec: TableSpec, df: pd.DataFrame, label: str) -> None:
    if isinstance(df.columns, pd.MultiIndex):
        fail(label, "has multi-level column names; expected one header row")
    if any(name is not None for name in df.index.names):
        named = [n for n in df.index.names if n is not None]
        fail(
            label,
            f"has a named index ({', '.join(map(str, named))}); call reset_index() so it "
            "becomes a column",
        )
    seen: set[str] = set()
    for i, name in enumerate(df.columns, start=1):
        if not isinstance(name, str):
            fail(label, f"column {i} has a non-text name {name!r}; expected text headers")
        if not name.strip():
            fail(label, f"column {i} has an empty name; every column needs a header")
        if name in seen:
            fail(label, f"column {name!r} appears twice; column names must be unique")
        seen.add(name)
    missing = [c for c in spec.required_columns if c not in seen]
    if missing:
        found = ", ".join(repr(c) for c in df.columns) or "none"
        fail(
            label,
            f"missing required column {missing[0]!r}; a {spec.name} table needs "
            f"{', '.join(spec.required_columns)} (found {found})",
            column=missing[0],
        )


def _check_unique(spec: TableSpec, table: pd.DataFrame, label: str) -> None:
    dup = table.duplicated(subset=list(spec.key), keep=False).to_numpy()
    if not dup.any():
        return
    later = table.duplicated(subset=list(spec.key), keep="first").to_numpy()
    i = int(np.flatnonzero(later)[0])
    key = tuple(table.at[i, k] for k in spec.key)
    same = np.ones(len(table), dtype=bool)
    for k, v in zip(spec.key, key, strict=True):
        same &= (table[k] == v).to_numpy(dtype=bool, na_value=False)
    first = int(np.flatnonzero(same)[0])
    shown = key[0] if len(key) == 1 else key
    fail(
        label,
        f"is a duplicate {spec.row} (first at row {first + 1}); expected one row per {spec.row}",
        row=i + 1,
        column="+".join(spec.key),
        value=_plain(shown),
        has_value=True,
        more=int(later.sum() - 1),
    )


def _plain(v: object) -> object:
    """Numpy scalars as Python scalars, so messages read ('P01', 3) not np.int64(3)."""
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    return v.item() if isinstance(v, np.generic) else v


def _listing(labels: tuple[str, ...] | list[str]) -> str:
    return ", ".join(repr(x) for x in labels)


def _check_in(df: pd.DataFrame, column: str, allowed: set[str], label: str, problem: str) -> None:
    values = df[column]
    bad = (values.notna() & ~values.isin(allowed)).to_numpy(dtype=bool)
    idx = np.flatnonzero(bad)
    if idx.size:
        i = int(idx[0])
        fail(
            label,
            problem,
            row=i + 1,
            column=column,
            value=values.iloc[i],
            has_value=True,
            more=int(idx.size - 1),
        )


def _check_assignment(meta: StudyMeta, participants: pd.DataFrame, label: str) -> None:
    """``arm`` for arm-based designs, ``sequence`` for crossover and nof1."""
    cols = participants.columns
    need, other = ("sequence", "arm") if meta.uses_sequences else ("arm", "sequence")
    if other in cols and participants[other].notna().any():
        i = int(np.flatnonzero(participants[other].notna().to_numpy())[0])
        fail(
            label,
            f"is set, but a {meta.design} design assigns participants by {need!r}, "
            f"not {other!r}; remove the column or change design in study.toml",
            row=i + 1,
            column=other,
            value=participants[other].iloc[i],
            has_value=True,
        )
    if meta.design == "observational" and not meta.arms:
        if "arm" in cols and participants["arm"].notna().any():
            i = int(np.flatnonzero(participants["arm"].notna().to_numpy())[0])
            fail(
                label,
                "is set, but study.toml declares no [[arms]]; add the arms or leave the "
                "column empty",
                row=i + 1,
                column="arm",
                value=participants["arm"].iloc[i],
                has_value=True,
            )
        return
    if need not in cols:
        example = "one of " + _listing(meta.labels) if need == "arm" else "e.g. 'AB' or 'ABBA'"
        fail(
            label,
            f"missing column {need!r}; a {meta.design} design needs each participant's {need} "
            f"({example})",
            column=need,
        )
    values = participants[need]
    missing = values.isna().to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        fail(
            label,
            f"every participant needs an arm ({_listing(meta.labels)})"
            if need == "arm"
            else "every participant needs a sequence of phase labels",
            row=i + 1,
            column=need,
            value=values.iloc[i],
            has_value=True,
            more=int(missing.sum() - 1),
            missing=True,
        )
    if need == "arm":
        _check_in(
            participants,
            "arm",
            set(meta.labels),
            label,
            f"is not an arm in study.toml; expected one of {_listing(meta.labels)}",
        )
        return
    phases = set(meta.labels)
    bad = values.map(lambda s: not set(s) <= phases).to_numpy(dtype=bool)
    idx = np.flatnonzero(bad)
    if idx.size:
        i = int(idx[0])
        wrong = sorted(set(values.iloc[i]) - phases)
        fail(
            label,
            f"contains {_listing(wrong)}, which is not a phase label in study.toml; a sequence "
            f"is a string of the phase labels {_listing(meta.labels)}",
            row=i + 1,
            column="sequence",
            value=values.iloc[i],
            has_value=True,
            more=int(idx.size - 1),
        )


def _check_known_participants(
    df: pd.DataFrame, known: set[str], label: str, participants_label: str
) -> None:
    _check_in(
        df,
        "participant",
        known,
        label,
        f"is not a participant in {participants_label}; add them there or fix the id",
    )


def _check_visits(meta: StudyMeta, visits: pd.DataFrame, label: str) -> None:
    _check_in(
        visits,
        "instrument",
        set(INSTRUMENTS),
        label,
        f"is not a known instrument; expected one of {_listing(list(INSTRUMENTS))}",
    )
    _check_in(
        visits,
        "instrument",
        set(meta.instruments),
        label,
        "is not listed in study.toml's instruments; add it there ("
        f"instruments = {list(meta.instruments)!r})",
    )
    for name in visits["instrument"].unique():
        inst = INSTRUMENTS[name]
        rows = (visits["instrument"] == name).to_numpy()
        scores = visits["score"].where(rows)
        check_range(
            label, "score", visits["score"], scores, inst.min, inst.max, what=f"{name} scores "
        )


def _check_units(biomarkers: pd.DataFrame, label: str) -> None:
    """A marker of the registry (:data:`MARKERS`) must be reported in the registry's unit."""
    expected = biomarkers["marker"].map({name: m.unit for name, m in MARKERS.items()})
    bad = (expected.notna() & (biomarkers["unit"] != expected)).to_numpy(dtype=bool)
    idx = np.flatnonzero(bad)
    if idx.size:
        i = int(idx[0])
        name = biomarkers["marker"].iloc[i]
        fail(
            label,
            f"is not the unit of {name}; expected {MARKERS[name].unit!r} "
            "(gutbrain.instruments.MARKERS)",
            row=i + 1,
            column="unit",
            value=biomarkers["unit"].iloc[i],
            has_value=True,
            more=int(idx.size - 1),
        )


def _check_samples(taxa: pd.DataFrame, label: str) -> None:
    per_sample = taxa.groupby("sample", sort=False)[["participant", "day"]].nunique()
    bad = per_sample[(per_sample["participant"] > 1) | (per_sample["day"] > 1)]
    if len(bad):
        sample = bad.index[0]
        rows = np.flatnonzero((taxa["sample"] == sample).to_numpy())
        first = taxa.iloc[rows[0]]
        other = next(
            r
            for r in rows
            if (taxa.at[r, "participant"], taxa.at[r, "day"])
            != (first["participant"], first["day"])
        )
        fail(
            label,
            f"belongs to participant {taxa.at[other, 'participant']!r} on day "
            f"{_plain(taxa['day'].iloc[other])}, but row {rows[0] + 1} puts it at participant "
            f"{first['participant']!r} on day {_plain(first['day'])}; a sample comes from one "
            "participant-day",
            row=int(other) + 1,
            column="sample",
            value=sample,
            has_value=True,
        )
