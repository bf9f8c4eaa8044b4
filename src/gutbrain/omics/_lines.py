"""Line-numbered reading of delimited text tables, and their numbers, with errors that name
file, line, sample, feature and value."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path

from gutbrain._config import show
from gutbrain.errors import DataError

__all__ = ["number", "rows"]


def rows(path: Path, delimiter: str, *, quoted: bool = True) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for each non-blank line; ``quoted=False`` for tools that never
    quote (HUMAnN, MetaPhlAn: a ``"`` in a pathway name is text)."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(
                f,
                delimiter=delimiter,
                quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
                strict=True,
            )
            for fields in reader:
                if any(field.strip() for field in fields):
                    yield reader.line_num, fields
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}: byte {err.start} is not UTF-8 text; expected a text table"
        ) from None
    except csv.Error as err:
        raise DataError(f"{path}: {err}; expected a delimited text table") from None


def number(text: str, path: Path, line: int, sample: str, feature: str) -> float:
    """``text`` as a finite number >= 0, or a :class:`DataError` naming where it stands."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise DataError(
            f"{path}: line {line}, sample {sample!r}, feature {feature!r} = {show(text)}; "
            "expected a finite number >= 0"
        )
    return value
