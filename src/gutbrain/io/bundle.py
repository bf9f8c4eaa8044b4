"""The in-memory study bundle: study metadata plus its tables."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

from gutbrain.errors import DataError
from gutbrain.io.meta import StudyMeta
from gutbrain.io.schema import TABLES

__all__ = ["StudyBundle"]


@dataclass(frozen=True, repr=False, eq=False)
class StudyBundle:
    """A study's metadata and tables, as read from or written to a bundle folder.

    A bundle built in memory is not checked until :func:`gutbrain.io.validate_bundle` or
    :func:`gutbrain.io.write_bundle` sees it; :func:`gutbrain.io.read_bundle` returns only
    checked bundles with canonical dtypes (participant ``str``, day ``int64``, scores
    ``float64``; see :mod:`gutbrain.io.schema`).

    Parameters
    ----------
    study
        Parsed ``study.toml``.
    participants
        One row per participant.
    diary
        One row per participant-day with an entry (may have no rows).
    visits, biomarkers, taxa, truth_latent
        Optional tables; ``truth_latent`` holds a simulation's latent states and is absent from
        real studies.

    Examples
    --------
    >>> import gutbrain.io as gio
    >>> b = gio.read_bundle("tests/io/data/tiny")  # doctest: +SKIP
    >>> b.summary()  # doctest: +SKIP
    """

    study: StudyMeta
    participants: pd.DataFrame
    diary: pd.DataFrame
    visits: pd.DataFrame | None = None
    biomarkers: pd.DataFrame | None = None
    taxa: pd.DataFrame | None = None
    truth_latent: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.study, StudyMeta):
            raise DataError(
                f"StudyBundle.study is a {type(self.study).__name__}; expected a StudyMeta "
                "(use StudyMeta.from_dict for a parsed study.toml)"
            )
        for f in fields(self)[1:]:
            value = getattr(self, f.name)
            if value is None and not TABLES[f.name].required:
                continue
            if not isinstance(value, pd.DataFrame):
                raise DataError(
                    f"StudyBundle.{f.name} is a {type(value).__name__}; expected a pandas "
                    f"DataFrame{'' if TABLES[f.name].required else ' or None'}"
                )

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name, in bundle order."""
        out = {}
        for name in TABLES:
            df = getattr(self, name)
            if df is not None:
                out[name] = df
        return out

    def summary(self) -> pd.DataFrame:
        """One row per table present: rows, participants and columns."""
        rows = []
        for name, df in self.tables().items():
            n_part = df["participant"].nunique() if "participant" in df.columns else None
            rows.append(
                {
                    "table": name,
                    "rows": len(df),
                    "participants": n_part,
                    "columns": ", ".join(map(str, df.columns)),
                }
            )
        return pd.DataFrame(rows, columns=["table", "rows", "participants", "columns"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description: the study and each table's row count and columns."""
        study = self.study.to_dict()
        study["start"] = self.study.start.isoformat()
        return {
            "study": study,
            "tables": {
                name: {"rows": len(df), "columns": [str(c) for c in df.columns]}
                for name, df in self.tables().items()
            },
        }

    def equals(self, other: object) -> bool:
        """True if ``other`` has equal metadata and equal tables (same dtypes, NaN equal NaN)."""
        if not isinstance(other, StudyBundle) or self.study != other.study:
            return False
        mine, theirs = self.tables(), other.tables()
        return mine.keys() == theirs.keys() and all(mine[k].equals(theirs[k]) for k in mine)

    def __repr__(self) -> str:
        parts = ", ".join(f"{name}={len(df)} rows" for name, df in self.tables().items())
        return f"StudyBundle({self.study.name!r}, {self.study.design}, {parts})"
