"""The model matrix of a meta-regression: an intercept plus moderators.

Numeric moderators enter as they are. Text or categorical moderators are dummy-coded with
treatment contrasts against their first level in sorted order, as R's ``factor()`` does, and the
columns are named ``"name[level]"`` (R would write ``namelevel``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from gutbrain.errors import DataError

__all__ = ["ModelMatrix", "model_matrix"]

INTERCEPT = "intrcpt"  # metafor's name for the intercept coefficient

# metafor refuses a model whose X'X has an eigenvalue at or below this (control evtol).
_EVTOL = 1e-7


@dataclass(frozen=True)
class ModelMatrix:
    """A full-rank model matrix ``X`` (k x p, first column the intercept) and column names."""

    X: NDArray[np.float64]
    names: tuple[str, ...]

    @property
    def p(self) -> int:
        """Number of coefficients, intercept included."""
        return int(self.X.shape[1])


def _columns(mods: ArrayLike | pd.DataFrame | pd.Series, k: int) -> pd.DataFrame:
    if isinstance(mods, pd.DataFrame):
        frame = mods.reset_index(drop=True)
    elif isinstance(mods, pd.Series):
        frame = mods.reset_index(drop=True).to_frame(name=str(mods.name or "mod"))
    else:
        arr = np.asarray(mods)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2:
            raise DataError(f"mods: expected a table of moderators, got shape {arr.shape}")
        names = ["mod"] if arr.shape[1] == 1 else [f"mod{j + 1}" for j in range(arr.shape[1])]
        frame = pd.DataFrame(arr, columns=names)
    if frame.shape[0] != k:
        raise DataError(f"mods: has {frame.shape[0]} rows but there are {k} studies")
    return frame


def model_matrix(mods: ArrayLike | pd.DataFrame | pd.Series | None, k: int) -> ModelMatrix:
    """Build the model matrix for ``k`` studies from moderators (``None`` = intercept only).

    Raises
    ------
    DataError
        A moderator is missing or non-finite, or the moderators are collinear.
    """
    cols: list[NDArray[np.float64]] = [np.ones(k)]
    names: list[str] = [INTERCEPT]
    if mods is not None:
        frame = _columns(mods, k)
        for name in frame.columns:
            col = frame[name]
            if col.isna().any():
                i = int(np.flatnonzero(col.isna().to_numpy())[0])
                raise DataError(
                    f"moderator {name!r}, study {i}: missing value; every study needs one"
                )
            if pd.api.types.is_bool_dtype(col):
                col = col.astype(float)
            if pd.api.types.is_numeric_dtype(col):
                values = col.to_numpy(dtype=float)
                if not np.all(np.isfinite(values)):
                    i = int(np.flatnonzero(~np.isfinite(values))[0])
                    raise DataError(
                        f"moderator {name!r}, study {i}: value {float(values[i])}; "
                        "expected a finite number"
                    )
                cols.append(values)
                names.append(str(name))
            else:
                levels = sorted(col.astype(str).unique())
                if len(levels) < 2:
                    raise DataError(
                        f"moderator {name!r} has a single level {levels[0]!r}; "
                        "a categorical moderator needs at least two"
                    )
                text = col.astype(str).to_numpy()
                for level in levels[1:]:
                    cols.append((text == level).astype(float))
                    names.append(f"{name}[{level}]")
    X = np.column_stack(cols)
    if X.shape[1] > k:
        raise DataError(
            f"the model has {X.shape[1]} coefficients but only {k} studies; "
            "use fewer moderators or more studies"
        )
    if np.min(np.linalg.eigvalsh(X.T @ X)) <= _EVTOL:
        raise DataError(
            f"the moderators {names[1:]} are collinear (or constant), so the model cannot be "
            "fitted; drop one of them"
        )
    return ModelMatrix(X=X, names=tuple(names))
