"""How the bundle reader words a problem: one :class:`BundleDataError` per finding.

Row convention: rows are **data rows counted from 1**, the header not counted, so row 1 is the
first line under the header (line 2 of a CSV file without embedded line breaks). For Parquet files
and in-memory tables, row ``n`` is the ``n``-th row in storage order.
"""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np
import pandas as pd

from gutbrain._config import show
from gutbrain.errors import DataError

__all__ = ["BundleDataError", "fail"]


class BundleDataError(DataError):
    """A :class:`~gutbrain.errors.DataError` that also carries where the problem is.

    Attributes
    ----------
    file
        The file (or in-memory table) at fault, as named in the message.
    row
        1-based data row (header not counted), or ``None`` when the problem is not one row's.
    column
        The column or ``study.toml`` key at fault, or ``None``.
    value
        The offending value as found, or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.row = row
        self.column = column
        self.value = value

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat Exception's default pickling; Dask workers need it.
        return (_rebuild, (str(self), self.file, self.row, self.column, self.value))


def _rebuild(
    message: str, file: str, row: int | None, column: str | None, value: Any
) -> BundleDataError:
    return BundleDataError(message, file=file, row=row, column=column, value=value)


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    return isinstance(value, str) and value == ""


def fail(
    file: str,
    problem: str,
    *,
    row: int | None = None,
    column: str | None = None,
    value: Any = None,
    has_value: bool = False,
    more: int = 0,
    missing: bool = False,
) -> NoReturn:
    """Raise a :class:`BundleDataError` worded as ``file: row R, column 'C': value; problem``.

    Parameters
    ----------
    file
        File or table name shown first.
    problem
        What is wrong and what is expected, e.g. ``"is not an integer; expected a whole number"``.
    row
        1-based data row, if the problem is one row's.
    column
        Column (or study.toml key) name.
    value
        The offending value; shown only when ``has_value`` is true (it may legitimately be None).
    more
        How many further rows share the problem; mentioned so a user fixes them all at once.
    missing
        The cell is missing where a value is required; ``problem`` is then a clause such as
        ``"every participant needs an arm"`` and the cell is shown as ``empty cell``.
    """
    loc = []
    if row is not None:
        loc.append(f"row {row}")
    if column is not None:
        loc.append(f"column {column!r}")
    head = f"{file}: {', '.join(loc)}" if loc else file
    if missing:
        body = f"{'empty cell' if _blank(value) else show(value) + ' (missing)'}; {problem}"
    elif has_value:
        body = f"{show(value)} {problem}"
    else:
        body = problem
    msg = f"{head}: {body}"
    if more:
        msg += f" ({more} more row{'s' if more != 1 else ''} in this column have the same problem)"
    raise BundleDataError(
        msg, file=file, row=row, column=column, value=value if has_value else None
    )
