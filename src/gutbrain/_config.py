"""One way to read and check a config or data file, with one error format.

Every reader (scenario, trial design, ``study.toml``, the diary's study definition, the
meta-analysis EFFECTS table) reports a problem in one or two lines naming the file, the key path
or row, the value and what is expected::

    js2025.toml: arms[2].probiotic.product = 'yakult9'; expected a product in strains.toml: ...
    study.toml: missing key 'day0'; expected what day 0 is, e.g. day0 = "first intervention day"
    effects.csv: row 3 (study 'B'), column 'yi' = 'abc'; expected a finite number

A :class:`Where` is a place in a file; its checks return the value or raise the reader's own
error class, so callers' ``except ScenarioError`` (``DesignError``, ``DataError``) clauses hold.
Used by every layer that reads a file, so it sits outside the layers, like ``errors``; it imports
only the standard library, so that ``model/`` stays light to import.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import tomllib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar, overload

__all__ = ["MISSING", "Located", "Missing", "Where", "parse_toml", "read_toml", "show"]

T = TypeVar("T")
D = TypeVar("D")
_MAX_SHOWN = 60


class Missing(enum.Enum):
    """The type of :data:`MISSING`, so that a default can be typed ``T | Missing``."""

    MISSING = enum.auto()

    def __repr__(self) -> str:
        return "MISSING"


#: "No default": the key is required.
MISSING = Missing.MISSING


class Located(Protocol):
    """Builds an error that carries where it is (``io``'s ``BundleDataError``).

    ``row`` is the 1-based row of a table file (or ``None``); ``column`` is the column of a table
    file, or the key path of a TOML file (or ``None``).
    """

    def __call__(
        self, message: str, *, file: str, row: int | None, column: str | None, value: Any
    ) -> Exception: ...


def show(value: Any) -> str:
    """A value as the file spells it: text quoted (stray spaces visible), dates bare, cut short."""
    if getattr(value, "ndim", None) == 0:
        value = value.item()  # a numpy scalar, shown as the number it is
    text = value.isoformat() if isinstance(value, dt.date | dt.time) else repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _kind_ok(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # TOML's true is not the number 1
    if isinstance(value, dt.datetime) and dt.datetime not in kinds:
        return False  # a date with a time is not a date
    return isinstance(value, kind)


def _range(lo: float, hi: float, integer: bool) -> str:
    what = "an integer" if integer else "a number"
    if hi == math.inf:
        return f"{what} >= {lo:g}" if lo > -math.inf else what
    return f"{what} in [{lo:g}, {hi:g}]"


class Where:
    """A place in a file and the error it raises: a key path, or a row and/or column of a table.

    Parameters
    ----------
    source
        The file as named in messages.
    error
        The reader's error class (called with the message), or a :class:`Located` factory.
    path
        The key path (``arms[2].probiotic``) of a TOML file.
    row, label, column
        A place in a table file instead: row ``row`` (with a ``label`` such as ``study 'B'``)
        and/or column ``column``. Use :meth:`row` and :meth:`column` to make one.
    """

    __slots__ = ("_column", "_label", "_row", "error", "path", "source")

    def __init__(
        self,
        source: str,
        error: type[Exception] | Located,
        path: str = "",
        *,
        row: int | None = None,
        label: str = "",
        column: str | None = None,
    ) -> None:
        self.source = source
        self.error = error
        self.path = path
        self._row = row
        self._label = label
        self._column = column

    @property
    def in_table(self) -> bool:
        """True for a row or column of a table file, False for a key path of a TOML file."""
        return self._row is not None or self._column is not None

    @property
    def place(self) -> str:
        """``arms[2].label``, or ``row 3 (study 'B'), column 'yi'``; empty for the whole file."""
        if not self.in_table:
            return self.path
        parts = []
        if self._row is not None:
            parts.append(f"row {self._row}" + (f" ({self._label})" if self._label else ""))
        if self._column is not None:
            parts.append(f"column {self._column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.source}: {self.place}" if self.place else self.source

    # -- places ---------------------------------------------------------------------------------

    def key(self, name: str) -> Where:
        """The key ``name`` of this table."""
        return Where(self.source, self.error, f"{self.path}.{name}" if self.path else name)

    def item(self, number: int) -> Where:
        """The ``number``-th element (counted from 1) of this array."""
        return Where(self.source, self.error, f"{self.path}[{number}]")

    def row(self, number: int, label: str = "") -> Where:
        """Row ``number`` of a table file, with an optional ``label`` such as ``study 'B'``."""
        return Where(self.source, self.error, row=number, label=label)

    def column(self, name: str) -> Where:
        """Column ``name`` (of this row, or of the whole table)."""
        return Where(self.source, self.error, row=self._row, label=self._label, column=name)

    # -- errors ---------------------------------------------------------------------------------

    def _error(self, message: str, value: Any = None) -> Exception:
        if isinstance(self.error, type):
            return self.error(message)
        column = self._column if self.in_table else self.path or None
        return self.error(message, file=self.source, row=self._row, column=column, value=value)

    def bad(self, value: Any, expected: str) -> Exception:
        """``file: key = value; expected ...``."""
        at = f"{self.place} = " if self.place else ""
        return self._error(f"{self.source}: {at}{show(value)}; expected {expected}", value)

    def missing(self, expected: str) -> Exception:
        """``file: missing key 'k'; expected ...``; a cell: ``row R, column 'C': empty cell``."""
        if self._row is not None:
            return self._error(f"{self}: empty cell; expected {expected}")
        what = f"column {self._column!r}" if self.in_table else f"key {self.path!r}"
        return self._error(f"{self.source}: missing {what}; expected {expected}")

    def problem(self, text: str) -> Exception:
        """``file: key: text``, for what is not one value against an expectation."""
        return self._error(f"{self}: {text}")

    # -- checks of a value ----------------------------------------------------------------------

    @overload
    def want(self, value: Any, kind: type[T], expected: str) -> T: ...
    @overload
    def want(self, value: Any, kind: tuple[type, ...], expected: str) -> Any: ...
    def want(self, value: Any, kind: type | tuple[type, ...], expected: str) -> Any:
        """``value`` if it is a ``kind`` (a bool is not a number, a datetime not a date)."""
        if not _kind_ok(value, kind):
            raise self.bad(value, expected)
        return value

    def text(self, value: Any, expected: str = "a string") -> str:
        """A string that is not blank."""
        if not isinstance(value, str) or not value.strip():
            raise self.bad(value, expected)
        return value

    @overload
    def within(
        self, value: Any, lo: float = ..., hi: float = ..., *, integer: Literal[True]
    ) -> int: ...
    @overload
    def within(
        self, value: Any, lo: float = ..., hi: float = ..., integer: Literal[False] = ...
    ) -> float: ...
    @overload
    def within(self, value: Any, lo: float, hi: float, integer: bool) -> float: ...
    def within(
        self, value: Any, lo: float = -math.inf, hi: float = math.inf, integer: bool = False
    ) -> float:
        """An integer (or a number) in ``[lo, hi]``."""
        if not _kind_ok(value, int if integer else (int, float)) or not lo <= value <= hi:
            raise self.bad(value, _range(lo, hi, integer))
        return value

    def among(self, value: Any, options: Collection[str], what: str = "") -> str:
        """One of ``options`` (a list printed as ``what: a, b, c``)."""
        if not isinstance(value, str) or value not in options:
            raise self.bad(value, f"{what or 'one of'}{':' if what else ''} {', '.join(options)}")
        return value

    def unique(self, values: Sequence[Any], field: str = "") -> None:
        """Refuse an element of this array (its ``field``) that repeats an earlier one."""
        first: dict[Any, int] = {}
        for i, v in enumerate(values, start=1):
            if v in first:
                at = self.item(i).key(field) if field else self.item(i)
                raise at.bad(v, f"a value not already used by {self.path}[{first[v]}]")
            first[v] = i

    # -- checks of a table ----------------------------------------------------------------------

    def table(self, value: Any, expected: str = "a table") -> dict[str, Any]:
        """``value`` if it is a table."""
        return dict(self.want(value, dict, expected))

    def keys(
        self,
        table: Mapping[str, Any],
        allowed: Collection[str],
        required: Mapping[str, str] | None = None,
        note: str = "",
    ) -> None:
        """Refuse a key not in ``allowed`` (a typo would be ignored) or a missing required one.

        ``required`` maps each required key to what it should hold, for the message.
        """
        for k in table:
            if k not in allowed:
                raise self.key(k).bad(table[k], f"only the keys {', '.join(allowed)}{note}")
        for k, expected in (required or {}).items():
            if k not in table:
                raise self.key(k).missing(expected)

    @overload
    def get(self, table: Mapping[str, Any], key: str, kind: type[T], expected: str) -> T: ...
    @overload
    def get(
        self, table: Mapping[str, Any], key: str, kind: type[T], expected: str, default: D
    ) -> T | D: ...
    @overload
    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        kind: tuple[type, ...],
        expected: str,
        default: Any = ...,
    ) -> Any: ...
    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        kind: type | tuple[type, ...],
        expected: str,
        default: Any = MISSING,
    ) -> Any:
        """``table[key]`` checked to be a ``kind``, or ``default`` when absent."""
        if key not in table:
            if default is MISSING:
                raise self.key(key).missing(expected)
            return default
        return self.key(key).want(table[key], kind, expected)

    @overload
    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        lo: float = ...,
        hi: float = ...,
        default: Missing = ...,
        *,
        integer: Literal[True],
    ) -> int: ...
    @overload
    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        lo: float = ...,
        hi: float = ...,
        default: Missing = ...,
        integer: Literal[False] = ...,
    ) -> float: ...
    @overload
    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        lo: float = ...,
        hi: float = ...,
        default: D = ...,
        *,
        integer: Literal[True],
    ) -> int | D: ...
    @overload
    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        lo: float = ...,
        hi: float = ...,
        default: D = ...,
        integer: Literal[False] = ...,
    ) -> float | D: ...
    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        lo: float = -math.inf,
        hi: float = math.inf,
        default: Any = MISSING,
        integer: bool = False,
    ) -> Any:
        """``table[key]`` checked to be a number (an integer) in ``[lo, hi]``, or ``default``."""
        if key not in table:
            if default is MISSING:
                raise self.key(key).missing(_range(lo, hi, integer))
            return default
        return self.key(key).within(table[key], lo, hi, integer=integer)

    @overload
    def choice(
        self, table: Mapping[str, Any], key: str, options: Collection[str], *, what: str = ...
    ) -> str: ...
    @overload
    def choice(
        self,
        table: Mapping[str, Any],
        key: str,
        options: Collection[str],
        default: D,
        what: str = ...,
    ) -> str | D: ...
    def choice(
        self,
        table: Mapping[str, Any],
        key: str,
        options: Collection[str],
        default: Any = MISSING,
        what: str = "",
    ) -> Any:
        """``table[key]`` checked to be one of ``options``, or ``default`` when absent."""
        if key not in table:
            if default is MISSING:
                raise self.key(key).missing(f"one of {', '.join(options)}")
            return default
        return self.key(key).among(table[key], options, what)

    def array(
        self,
        table: Mapping[str, Any],
        key: str,
        expected: str,
        default: list[Any] | Missing = MISSING,
    ) -> list[tuple[Where, Any]]:
        """``table[key]`` checked to be an array; each element with its place."""
        items = (
            self.get(table, key, list, expected) if key in table or default is MISSING else default
        )
        at = self.key(key)
        return [(at.item(i), v) for i, v in enumerate(items, start=1)]


def parse_toml(text: str | bytes, source: str, error: type[Exception] | Located) -> dict[str, Any]:
    """Parse a TOML document (bytes must be UTF-8); errors name ``source`` and the line."""
    at = Where(source, error)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise at.problem(
                f"is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
            ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise at.problem(f"is not valid TOML: {exc}") from None


def read_toml(
    path: Path,
    error: type[Exception] | Located,
    source: str | None = None,
    if_missing: str = "",
) -> dict[str, Any]:
    """Read and parse a TOML file, named ``source`` (default: the path) in errors.

    ``if_missing`` is added to the message for a missing file, e.g. what the file is for.
    """
    name = str(path) if source is None else source
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Where(name, error).problem(f"not found{if_missing}") from None
    except OSError as exc:
        raise Where(name, error).problem(f"cannot be read ({exc.strerror or exc})") from None
    return parse_toml(data, name, error)
