"""A small model-formula parser that builds design matrices from a DataFrame.

Supported syntax (a subset of R / patsy formulas, enough for daily-diary models)::

    y ~ a + b            main effects
    y ~ a:b              interaction only
    y ~ a * b            a + b + a:b (expands over any number of factors)
    y ~ C(x)             treat x as categorical even if numeric
    y ~ x - 1            no intercept (also ``0 + x`` or ``-1 + x``)

Numeric columns enter as they are. Categorical columns (object, string, category or bool dtype, or
wrapped in ``C()``) use treatment coding: the first level (category order for pandas categoricals,
sorted order otherwise) is the reference and each other level gets a 0/1 column named
``x[T.level]``. As in R, a categorical gets one 0/1 column per level, named ``x[level]``, where
the term without it is not in the model: the first categorical of a formula without intercept
(``y ~ 0 + arm``: a mean per arm), or ``arm`` in ``arm:week`` without ``week`` (a slope per
arm). Interaction columns are element-wise products, named ``a:b``. As in R, terms are
ordered by their order (main effects, then two-way interactions, ...), keeping the written order
within an order.

No transformations (``log(x)``, ``I(x**2)``) are parsed: compute such columns in the DataFrame.
A formula is parsed without ``eval``: only column names, ``C()``, ``+``, ``-``, ``*``, ``:``,
``0``, ``1`` and parentheses around a single name are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from gutbrain.errors import DesignError

__all__ = [
    "DesignMatrix",
    "EncodedColumn",
    "ParsedFormula",
    "build_design",
    "design_from_encoded",
    "encode_columns",
    "factorize_sorted",
    "formula_columns",
    "parse_formula",
]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_CNAME = re.compile(r"^C\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\)$")


@dataclass(frozen=True)
class ParsedFormula:
    """A parsed formula: response (or None), intercept flag and terms.

    Each term is a tuple of factors; each factor is ``(column, forced_categorical)``.
    """

    response: str | None
    intercept: bool
    terms: tuple[tuple[tuple[str, bool], ...], ...]


@dataclass(frozen=True)
class DesignMatrix:
    """A numeric design matrix with column names and the levels used for each categorical."""

    matrix: np.ndarray
    columns: tuple[str, ...]
    intercept: bool
    levels: dict[str, tuple[object, ...]]


def _parse_factor(token: str, formula: str) -> tuple[str, bool]:
    token = token.strip()
    while token.startswith("(") and token.endswith(")"):
        token = token[1:-1].strip()
    m = _CNAME.match(token)
    if m:
        return m.group(1), True
    if _NAME.match(token):
        return token, False
    raise DesignError(
        f"formula {formula!r}: cannot parse term {token!r}; expected a column name, C(name), "
        "or a:b / a*b of those (compute transformed columns in the DataFrame first)"
    )


def _split_top(text: str, sep: str) -> list[str]:
    """Split on a separator character outside parentheses."""
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def parse_formula(formula: str, *, need_response: bool = True) -> ParsedFormula:
    """Parse ``"y ~ a * b + c - 1"`` (or ``"~ 1 + day"`` when ``need_response`` is False).

    Raises
    ------
    DesignError
        If the formula has the wrong shape or an unsupported term.
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise DesignError(f"formula {formula!r}: expected a string like 'y ~ x1 + x2'")
    lhs, _, rhs = formula.partition("~")
    lhs = lhs.strip()
    response: str | None = None
    if need_response:
        if not _NAME.match(lhs):
            raise DesignError(
                f"formula {formula!r}: the response {lhs!r} must be a single column name"
            )
        response = lhs
    elif lhs:
        raise DesignError(f"formula {formula!r}: expected no response here, like '~ 1 + day'")
    if "~" in rhs:
        raise DesignError(f"formula {formula!r}: more than one '~'")

    # Turn "a - 1" into tokens with signs, splitting on + and - outside parentheses.
    tokens: list[tuple[str, str]] = []
    sign, depth = "+", 0
    cur: list[str] = []
    for ch in rhs:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch in "+-" and depth == 0:
            tokens.append((sign, "".join(cur).strip()))
            sign, cur = ch, []
        else:
            cur.append(ch)
    tokens.append((sign, "".join(cur).strip()))

    intercept = True
    terms: list[tuple[tuple[str, bool], ...]] = []
    removed: list[tuple[tuple[str, bool], ...]] = []
    for i, (sgn, tok) in enumerate(tokens):
        if tok == "":
            if i == 0 and len(tokens) > 1:
                continue  # a leading sign, as in "~ -1 + x"
            raise DesignError(f"formula {formula!r}: empty term")
        if tok in ("0", "1"):
            if (tok == "0" and sgn == "+") or (tok == "1" and sgn == "-"):
                intercept = False
            else:
                intercept = True
            continue
        expanded = _expand_term(tok, formula)
        (removed if sgn == "-" else terms).extend(expanded)
    ordered: list[tuple[tuple[str, bool], ...]] = []
    for t in terms:
        key = frozenset(t)
        if key not in {frozenset(o) for o in ordered} and key not in {
            frozenset(r) for r in removed
        }:
            ordered.append(t)
    ordered.sort(key=len)  # stable: R orders terms by interaction order
    return ParsedFormula(response=response, intercept=intercept, terms=tuple(ordered))


def _expand_term(tok: str, formula: str) -> list[tuple[tuple[str, bool], ...]]:
    """Expand ``a*b:c`` into its terms (``*`` binds looser than ``:``).

    ``a*b*c`` gives every non-empty combination of the star-separated parts, in R's order:
    ``a, b, c, a:b, a:c, b:c, a:b:c``.
    """
    parts = [
        tuple(_parse_factor(f, formula) for f in _split_top(part, ":"))
        for part in _split_top(tok, "*")
    ]
    result: list[tuple[tuple[str, bool], ...]] = []
    for order in range(1, len(parts) + 1):
        for combo in combinations(parts, order):
            merged: list[tuple[str, bool]] = []
            for factors in combo:
                for f in factors:
                    if f[0] not in [m[0] for m in merged]:
                        merged.append(f)
            result.append(tuple(merged))
    return result


def _is_categorical(series: pd.Series) -> bool:
    return bool(
        isinstance(series.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(series)
        or pd.api.types.is_string_dtype(series)
        or pd.api.types.is_bool_dtype(series)
    )


@dataclass(frozen=True)
class EncodedColumn:
    """One data column ready for a design matrix.

    ``levels`` is None for a numeric column (``values`` float, NaN = missing); otherwise
    ``values`` are integer codes into ``levels`` (-1 = missing).
    """

    values: np.ndarray
    levels: tuple[object, ...] | None

    def take(self, rows: np.ndarray) -> EncodedColumn:
        return EncodedColumn(self.values[rows], self.levels)

    def missing(self) -> np.ndarray:
        if self.levels is None:
            return np.asarray(np.isnan(self.values))
        return np.asarray(self.values < 0)


def factorize_sorted(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for missing) and sorted unique values, like
    ``pd.factorize(values, sort=True)``: factorize in order of appearance, then sort only the
    uniques (much cheaper for long string columns)."""
    codes, uniques = pd.factorize(values, sort=False)
    uniq = np.asarray(uniques, dtype=object)
    try:
        order = np.argsort(uniq, kind="stable")
    except TypeError:  # mixed, unorderable types: let pandas decide
        codes, uniques = pd.factorize(values, sort=True)
        return np.asarray(codes), np.asarray(uniques, dtype=object)
    rank = np.empty(order.size, dtype=np.intp)
    rank[order] = np.arange(order.size)
    codes = np.asarray(codes)
    return np.where(codes >= 0, rank[np.maximum(codes, 0)], -1), uniq[order]


def encode_column(
    series: pd.Series, *, categorical: bool, levels: tuple[object, ...] | None = None, what: str
) -> EncodedColumn:
    """Encode a column as float values or as treatment-coding level codes.

    Levels: the pandas category order for categoricals, else sorted observed values.
    """
    if not categorical:
        try:
            return EncodedColumn(series.to_numpy(dtype=float, na_value=np.nan), None)
        except (TypeError, ValueError) as exc:
            raise DesignError(
                f"{what}: column {series.name!r} is neither numeric nor categorical "
                f"(dtype {series.dtype}); convert it or wrap it in C()"
            ) from exc
    if levels is None:
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.to_numpy()
            present = np.unique(codes[codes >= 0])
            cats = series.cat.categories
            levels = tuple(cats[i] for i in present)
            remap = np.full(len(cats) + 1, -1)
            remap[present] = np.arange(present.size)
            return EncodedColumn(remap[codes], levels)
        codes, uniques = factorize_sorted(series)
        return EncodedColumn(codes, tuple(uniques))
    cat = pd.Categorical(series, categories=list(levels))
    return EncodedColumn(np.asarray(cat.codes), tuple(levels))


def encode_columns(
    parsed: ParsedFormula, data: pd.DataFrame, *, what: str
) -> dict[tuple[str, bool], EncodedColumn]:
    """Encode every predictor column a formula uses, keyed by (column, forced categorical)."""
    out: dict[tuple[str, bool], EncodedColumn] = {}
    for term in parsed.terms:
        for col, forced in term:
            if (col, forced) in out:
                continue
            if col not in data.columns:
                raise DesignError(
                    f"{what}: column {col!r} is not in the data; available: "
                    f"{', '.join(map(str, data.columns))}"
                )
            s = data[col]
            out[(col, forced)] = encode_column(
                s, categorical=forced or _is_categorical(s), what=what
            )
    return out


def design_from_encoded(
    parsed: ParsedFormula, columns: dict[tuple[str, bool], EncodedColumn], n: int
) -> DesignMatrix:
    """Assemble the design matrix from encoded columns (rows must have no missing values)."""
    cols: list[np.ndarray] = []
    names: list[str] = []
    used_levels: dict[str, tuple[object, ...]] = {}
    if parsed.intercept:
        cols.append(np.ones(n))
        names.append("Intercept")
    # R's rule for a categorical factor in a term: treatment contrasts if the term without it
    # is (contained in) an earlier term, the intercept standing for the empty term; otherwise
    # one indicator per level. Without an intercept, the first categorical factor gets
    # indicators (R's model.matrix does the same).
    sets = [frozenset(c for c, _ in term) for term in parsed.terms]
    indicators_first = not parsed.intercept
    for ti, term in enumerate(parsed.terms):
        pieces: list[tuple[list[np.ndarray], list[str]]] = []
        for col, forced in term:
            enc = columns[(col, forced)]
            if enc.levels is not None:
                used_levels[col] = enc.levels
                label = f"C({col})" if forced else col
                margin = sets[ti] - {col}
                if indicators_first:
                    full, indicators_first = True, False
                else:
                    full = bool(margin) and not any(margin <= sets[j] for j in range(ti))
                first = 0 if full else 1
                pieces.append(
                    (
                        [(enc.values == j).astype(float) for j in range(first, len(enc.levels))],
                        [
                            f"{label}[{lv}]" if full else f"{label}[T.{lv}]"
                            for lv in enc.levels[first:]
                        ],
                    )
                )
            else:
                pieces.append(([enc.values], [col]))
        # Cartesian product of the pieces' columns.
        acc_cols: list[np.ndarray] = [np.ones(n)]
        acc_names: list[str] = [""]
        for pc, pn in pieces:
            acc_cols = [a * b for a in acc_cols for b in pc]
            acc_names = [f"{a}:{b}" if a else b for a in acc_names for b in pn]
        cols.extend(acc_cols)
        names.extend(acc_names)
    mat = np.column_stack(cols) if cols else np.empty((n, 0))
    return DesignMatrix(
        matrix=mat, columns=tuple(names), intercept=parsed.intercept, levels=used_levels
    )


def build_design(
    parsed: ParsedFormula,
    data: pd.DataFrame,
    *,
    what: str = "formula",
) -> DesignMatrix:
    """Build the design matrix for ``parsed`` on ``data`` (rows must have no missing values).

    Parameters
    ----------
    parsed
        The output of :func:`parse_formula`.
    data
        The rows to use; every referenced column must exist and be non-missing.
    what
        A label for error messages (e.g. "fixed-effects formula").
    """
    enc = encode_columns(parsed, data, what=what)
    for (col, _), e in enc.items():
        if e.missing().any():
            raise DesignError(f"{what}: column {col!r} has missing values; drop those rows first")
    return design_from_encoded(parsed, enc, len(data))


def formula_columns(parsed: ParsedFormula) -> list[str]:
    """All data columns a parsed formula refers to (response first)."""
    out: list[str] = [parsed.response] if parsed.response else []
    for term in parsed.terms:
        for col, _ in term:
            if col not in out:
                out.append(col)
    return out
