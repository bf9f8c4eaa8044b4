"""Model formulas, parsed by formulaic, and the design matrices they build from a DataFrame.

The syntax is formulaic's (R's and patsy's grammar; https://matthewwardrop.github.io/formulaic/)::

    y ~ a + b                       main effects
    y ~ a:b                         interaction only
    y ~ a * b                       a + b + a:b (expands over any number of factors)
    y ~ (a + b + c)**2              every main effect and two-way interaction
    y ~ a / b                       a + a:b (b nested in a)
    y ~ x - 1                       no intercept (also ``0 + x`` or ``-1 + x``)
    y ~ C(x)                        treat x as categorical even if numeric
    y ~ C(arm, levels=["placebo", "probiotic"])      categorical with its levels (and reference)
    y ~ C(arm, contr.treatment("probiotic"))        another reference level
    y ~ log(x) + I(x**2) + np.sin(x)                transformations, numpy functions
    y ~ center(x) + scale(x)                        centred, standardised
    y ~ bs(day, df=4) + cr(day, df=5)               B-splines, natural cubic regression splines

Numeric columns enter as they are. Categorical columns (object, string, category or bool dtype, or
wrapped in ``C()``) use treatment coding: the first level (category order for pandas categoricals,
sorted order otherwise, or the order of ``levels=``) is the reference and each other level gets a
0/1 column named ``x[T.level]``. As in R, a categorical gets one 0/1 column per level, named
``x[level]``, where the term without it is not in the model: the first categorical of a formula
without intercept (``y ~ 0 + arm``: a mean per arm), or ``arm`` in ``arm:week`` without ``week``
(a slope per arm). Interaction columns are element-wise products, named ``a:b``. As in R, terms
are ordered by their order (main effects, then two-way interactions, ...), keeping the written
order within an order. The response is a column, or one expression of columns (``log(na)``).

A text column used as a term is a factor only if it is text: one that holds numbers (``"10"``),
or numbers and a stray word (``"ten"``), is a :class:`~gutbrain.errors.DataError` naming the row
and value, so that a typo never turns a numeric column into a factor with string-sorted levels.
Wrap such a column in ``C()`` to mean a factor.

Formulas whose terms are column names, ``C(name)`` and their interactions (the common ones) are
built here directly, with the same columns, names and coding as formulaic's (a test holds the two
equal); formulaic's materializer costs a few milliseconds per call, as much as a whole fit of a
small trial, and power analysis fits thousands. Every other formula is built by formulaic, on the
rows the model uses (complete in every column it needs), so that stateful transforms (``center``,
``scale``, spline knots) are computed on exactly the data analysed. R's ``model.frame`` computes
them before it drops incomplete rows, so where rows lack the response, the group or the time,
``center(x)`` and spline knots can differ from lme4's (drop those rows first for R's numbers);
formulaic's own ``center`` of a column with a missing value is missing everywhere, which this
avoids.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from formulaic import Formula, ModelSpec, model_matrix
from formulaic.errors import DataMismatchWarning, FormulaicError
from formulaic.parser.types import Factor, Term
from formulaic.utils.variables import Variable, get_expression_variables

from gutbrain.errors import DataError, DesignError

__all__ = [
    "DesignMatrix",
    "EncodedColumn",
    "ParsedFormula",
    "build_design",
    "builds_simply",
    "check_text_terms",
    "design_for_new_rows",
    "design_from_encoded",
    "encode_columns",
    "factorize_sorted",
    "formula_columns",
    "formulaic_design",
    "parse_formula",
    "response_values",
    "split_bars",
]

_C_NAME = re.compile(r"C\(([^(),=]+)\)")
_BAR = re.compile(r"\(([^()|]*)(\|\|?)\s*([^()|]*?)\s*\)")

#: One factor of a simple term: (column, forced categorical by C()).
SimpleFactor = tuple[str, bool]


@dataclass(frozen=True)
class ParsedFormula:
    """A parsed formula: its text, response (or None), intercept flag and formulaic's terms.

    ``terms`` holds each term's factors as ``(column, forced_categorical)`` when every factor is
    a column name or ``C(name)`` (a simple formula, built here); it is None otherwise, and
    :func:`formulaic_design` builds the design. ``columns`` are the data columns used, the
    response's first; ``predictors`` those of the right-hand side. A transformed response
    (``log(na)``) has its expression as ``response`` and its formula as ``lhs``
    (:func:`response_values`); a column response has ``lhs`` None.
    """

    text: str
    response: str | None
    intercept: bool
    rhs: Formula
    terms: tuple[tuple[SimpleFactor, ...], ...] | None
    columns: tuple[str, ...]
    predictors: tuple[str, ...]
    lhs: Formula | None = None


@dataclass(frozen=True)
class DesignMatrix:
    """A numeric design matrix with its column names.

    ``terms`` names each formula term with the positions of its columns (the intercept
    excluded); ``levels`` (a simple formula's categorical levels, None for numbers) or ``spec``
    (formulaic's model spec) rebuild the same columns on new rows (:func:`design_for_new_rows`).
    """

    matrix: np.ndarray
    columns: tuple[str, ...]
    terms: tuple[tuple[str, tuple[int, ...]], ...] = ()
    levels: dict[SimpleFactor, tuple[object, ...] | None] | None = field(default=None, repr=False)
    spec: ModelSpec | None = field(default=None, repr=False)


@lru_cache(maxsize=512)
def _formulaic(part: str, formula: str) -> Formula:
    """formulaic's parse of one side (``part``) of ``formula``."""
    try:
        return Formula(part)
    except FormulaicError as exc:
        first = str(exc).strip().splitlines()[0]
        raise DesignError(f"formula {formula!r}: cannot parse {part.strip()!r} ({first})") from None


def _simple_factor(factor: Factor, columns: set[str]) -> SimpleFactor | None:
    """``(column, forced)`` for a factor that is a column name or ``C(name)``, else None."""
    expr = factor.expr
    if factor.eval_method == Factor.EvalMethod.LOOKUP:
        return expr, False
    m = _C_NAME.fullmatch(expr)
    if m and m.group(1).strip() in columns:
        return m.group(1).strip(), True
    return None


def _data_columns(f: Formula) -> list[str]:
    """The data columns a formula refers to, in the order of its terms (not functions, not
    numpy; ``required_variables`` omits those inside stateful transforms such as ``bs()``)."""
    out: list[str] = []
    for term in f:
        for factor in term.factors:
            if factor.eval_method == Factor.EvalMethod.LOOKUP:
                out.append(factor.expr)
            elif factor.eval_method == Factor.EvalMethod.PYTHON:
                found = get_expression_variables(factor.expr, {})
                out.extend(sorted(str(v) for v in found if Variable.Role.VALUE in v.roles))
    return list(dict.fromkeys(out))


def parse_formula(formula: str, *, need_response: bool = True) -> ParsedFormula:
    """Parse ``"y ~ a * b + c - 1"`` (or ``"~ 1 + day"`` when ``need_response`` is False).

    Raises
    ------
    DesignError
        If the formula has the wrong shape or does not parse.
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise DesignError(f"formula {formula!r}: expected a string like 'y ~ x1 + x2'")
    return _parse(formula, need_response)


@lru_cache(maxsize=512)
def _parse(formula: str, need_response: bool) -> ParsedFormula:
    lhs_text, _, rhs_text = formula.partition("~")
    if "~" in rhs_text:
        raise DesignError(f"formula {formula!r}: more than one '~'")
    response: str | None = None
    lhs: Formula | None = None
    response_columns: list[str] = []
    if need_response:
        terms = [t for t in _formulaic(lhs_text, formula) if not _is_intercept(t)]
        if len(terms) != 1 or len(terms[0].factors) != 1:
            raise DesignError(
                f"formula {formula!r}: the response {lhs_text.strip()!r} must be one column or "
                "one expression such as log(na)"
            )
        factor = terms[0].factors[0]
        response = factor.expr
        if factor.eval_method == Factor.EvalMethod.LOOKUP:
            response_columns = [response]
        else:
            lhs = _formulaic(f"0 + {lhs_text.strip()}", formula)
            response_columns = _data_columns(lhs)
    elif lhs_text.strip():
        raise DesignError(f"formula {formula!r}: expected no response here, like '~ 1 + day'")
    rhs = _formulaic(rhs_text if rhs_text.strip() else "0", formula)
    columns = _data_columns(rhs)
    known = set(columns)
    intercept = False
    simple: list[tuple[SimpleFactor, ...]] | None = []
    for term in rhs:
        if _is_intercept(term):
            intercept = True
            continue
        factors = [_simple_factor(f, known) for f in term.factors]
        if simple is None or any(f is None for f in factors):
            simple = None
            continue
        simple.append(tuple(f for f in factors if f is not None))
    return ParsedFormula(
        text=formula,
        response=response,
        intercept=intercept,
        rhs=rhs,
        terms=None if simple is None else tuple(simple),
        columns=tuple(dict.fromkeys([*response_columns, *columns])),
        predictors=tuple(columns),
        lhs=lhs,
    )


def _is_intercept(term: Term) -> bool:
    return all(f.eval_method == Factor.EvalMethod.LITERAL and f.expr == "1" for f in term.factors)


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
    series: pd.Series, *, categorical: bool, what: str, forced: bool = False
) -> EncodedColumn:
    """Encode a column as float values or as treatment-coding level codes.

    Levels: the pandas category order for categoricals, else sorted observed values. A text
    column that holds numbers is refused unless ``forced`` (written in ``C()``).
    """
    if not categorical:
        try:
            return EncodedColumn(series.to_numpy(dtype=float, na_value=np.nan), None)
        except (TypeError, ValueError) as exc:
            raise DesignError(
                f"{what}: column {series.name!r} is neither numeric nor categorical "
                f"(dtype {series.dtype}); convert it or wrap it in C()"
            ) from exc
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        present = np.unique(codes[codes >= 0])
        cats = series.cat.categories
        remap = np.full(len(cats) + 1, -1)
        remap[present] = np.arange(present.size)
        return EncodedColumn(remap[codes], tuple(cats[i] for i in present))
    codes, uniques = factorize_sorted(series)
    if not forced and _is_text(series):
        _check_text_values(series, codes, uniques, what)
    return EncodedColumn(codes, tuple(uniques))


def _is_text(series: pd.Series) -> bool:
    """Object or string dtype: cells that may be text (not category, not bool)."""
    return not isinstance(series.dtype, pd.CategoricalDtype) and bool(
        pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)
    )


def _is_number(value: object) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | float | np.integer | np.floating):
        return True
    if isinstance(value, str):
        try:
            return np.isfinite(float(value))
        except ValueError:
            return False
    return False


def check_text_terms(parsed: ParsedFormula, data: pd.DataFrame, *, what: str) -> None:
    """Refuse a text column used as a term by name (not in ``C()``) that holds numbers, as
    :func:`encode_columns` does for a simple formula.

    Raises
    ------
    DataError
        Naming the column, the data row (index label) and the value.
    """
    for column in _bare_columns(parsed):
        series = data[column]
        if _is_text(series):
            codes, uniques = pd.factorize(series, sort=False)
            _check_text_values(series, np.asarray(codes), np.asarray(uniques, dtype=object), what)


def _check_text_values(
    series: pd.Series, codes: np.ndarray, uniques: np.ndarray, what: str
) -> None:
    """Raise if a text column (``codes`` into its distinct values ``uniques``) holds numbers: a
    column of numbers written as text, or of numbers and a stray word (a typo such as "ten"),
    would otherwise become a factor with string-sorted levels."""
    numbers = np.fromiter((_is_number(u) for u in uniques), dtype=bool, count=len(uniques))
    if not numbers.any():
        return
    column = series.name
    first = {
        kind: int(np.flatnonzero(np.isin(codes, np.flatnonzero(numbers == kind)))[0])
        for kind in (True, False)
        if (numbers == kind).any()
    }
    index = series.index
    fix = f"convert the column to numbers, or write C({column}) to treat it as categorical"
    if numbers.all():
        i = first[True]
        raise DataError(
            f"{what}: column {column!r} holds numbers as text ({series.iloc[i]!r} in data row "
            f"{_row(index, i)!r}); {fix}"
        )
    i, k = first[False], first[True]
    raise DataError(
        f"{what}: column {column!r}, data row {_row(index, i)!r}: {series.iloc[i]!r} is not a "
        f"number, but the column holds numbers ({series.iloc[k]!r} in data row "
        f"{_row(index, k)!r}, {int(numbers.sum())} of {numbers.size} distinct values); correct "
        f"the value, or {fix}"
    )


def _row(index: pd.Index, i: int) -> object:
    """The label of row ``i``, as a plain Python value (``3``, not ``np.int64(3)``)."""
    label = index[i]
    return label.item() if isinstance(label, np.generic) else label


def _bare_columns(parsed: ParsedFormula) -> list[str]:
    """Columns used as terms by name (not in ``C()`` or another function)."""
    bare = []
    for term in parsed.rhs:
        for f in term.factors:
            if f.eval_method == Factor.EvalMethod.LOOKUP and f.expr not in bare:
                bare.append(f.expr)
    return bare


def encode_columns(
    parsed: ParsedFormula, data: pd.DataFrame, *, what: str
) -> dict[SimpleFactor, EncodedColumn]:
    """Encode every predictor column of a simple formula, keyed by (column, forced
    categorical)."""
    if parsed.terms is None:
        raise ValueError(f"{parsed.text!r} is not a simple formula; use formulaic_design")
    out: dict[SimpleFactor, EncodedColumn] = {}
    for term in parsed.terms:
        for col, forced in term:
            if (col, forced) not in out:
                s = data[col]
                out[(col, forced)] = encode_column(
                    s, categorical=forced or _is_categorical(s), what=what, forced=forced
                )
    return out


def _codings(
    parsed: ParsedFormula, columns: dict[SimpleFactor, EncodedColumn]
) -> list[list[bool | None]]:
    """Per term and factor: None for a number, True for one indicator per level, False for
    treatment contrasts.

    R's rule (Chambers & Hastie 1992, p. 38), as formulaic applies it: a categorical factor F
    of a term T is coded by contrasts if the design already spans the term T - F (it is an
    earlier term, or the intercept for the empty term, or it came with an earlier factor coded
    by indicators: ``arm`` in ``0 + arm`` spans the empty term, ``a:site`` spans ``a``);
    otherwise by indicators.
    """
    assert parsed.terms is not None
    # Terms whose columns the design spans so far: the earlier terms, the empty term (with an
    # intercept), and T - F for each factor F of a term T coded by indicators.
    spanned: set[frozenset[str]] = {frozenset()} if parsed.intercept else set()
    out: list[list[bool | None]] = []
    for term in parsed.terms:
        names = frozenset(c for c, _ in term)
        row: list[bool | None] = []
        for col, forced in term:
            if columns[(col, forced)].levels is None:
                row.append(None)
                continue
            margin = names - {col}
            full = margin not in spanned
            row.append(full)
            if full:
                spanned.add(margin)
        spanned.add(names)
        out.append(row)
    return out


def builds_simply(parsed: ParsedFormula, columns: dict[SimpleFactor, EncodedColumn]) -> bool:
    """Whether :func:`design_from_encoded` builds this design as formulaic does: unless a term
    interacts two categoricals and codes one by indicators (formulaic then splits the term to
    keep the design of full rank; R's model.matrix leaves it rank deficient)."""
    return all(
        sum(c is not None for c in row) <= 1 or not any(row) for row in _codings(parsed, columns)
    )


def design_from_encoded(
    parsed: ParsedFormula,
    columns: dict[SimpleFactor, EncodedColumn],
    n: int,
    *,
    sum_coding: bool = False,
) -> DesignMatrix:
    """Assemble a simple formula's design from encoded columns (rows without missing values).

    The columns, their names and their coding are formulaic's where :func:`builds_simply`
    holds (and R's model.matrix's; the first factor of an interaction varies fastest). With
    ``sum_coding`` a factor coded by contrasts gets R's ``contr.sum`` columns (level j minus the
    last level) instead of treatment contrasts, under the same names.
    """
    if parsed.terms is None:
        raise ValueError(f"{parsed.text!r} is not a simple formula; use formulaic_design")
    cols: list[np.ndarray] = []
    names: list[str] = []
    terms: list[tuple[str, tuple[int, ...]]] = []
    if parsed.intercept:
        cols.append(np.ones(n))
        names.append("Intercept")
    for term, coding in zip(parsed.terms, _codings(parsed, columns), strict=True):
        pieces: list[tuple[list[np.ndarray], list[str]]] = []
        for (col, forced), full in zip(term, coding, strict=True):
            enc = columns[(col, forced)]
            if enc.levels is None:
                pieces.append(([enc.values], [col]))
                continue
            label = f"C({col})" if forced else col
            first = 0 if full else 1
            pieces.append(
                (
                    _contr_sum(enc)
                    if sum_coding and not full
                    else [(enc.values == j).astype(float) for j in range(first, len(enc.levels))],
                    [f"{label}[{lv}]" if full else f"{label}[T.{lv}]" for lv in enc.levels[first:]],
                )
            )
        # Cartesian product of the pieces' columns, the first factor varying fastest.
        acc_cols: list[np.ndarray] = [np.ones(n)]
        acc_names: list[str] = [""]
        for pc, pn in pieces:
            acc_cols = [a * b for b in pc for a in acc_cols]
            acc_names = [f"{a}:{b}" if a else b for b in pn for a in acc_names]
        first_col = len(cols)
        terms.append(
            (
                ":".join(f"C({c})" if f else c for c, f in term),
                tuple(range(first_col, first_col + len(acc_cols))),
            )
        )
        cols.extend(acc_cols)
        names.extend(acc_names)
    mat = np.column_stack(cols) if cols else np.empty((n, 0))
    return DesignMatrix(
        matrix=mat,
        columns=tuple(names),
        terms=tuple(terms),
        levels={k: v.levels for k, v in columns.items()},
    )


def _contr_sum(enc: EncodedColumn) -> list[np.ndarray]:
    """R's ``contr.sum`` columns of a factor: indicator of level j minus that of the last."""
    assert enc.levels is not None
    last = (enc.values == len(enc.levels) - 1).astype(float)
    return [(enc.values == j).astype(float) - last for j in range(len(enc.levels) - 1)]


def formulaic_design(
    parsed: ParsedFormula, rows: pd.DataFrame, labels: pd.Index, *, what: str
) -> DesignMatrix:
    """Build any formula's design by formulaic on ``rows`` (the rows the model uses, without
    missing values; unused categories are dropped first, as for simple formulas).

    ``labels`` are the rows' labels in the caller's data, for messages.

    Raises
    ------
    DesignError
        A term that cannot be evaluated (an unknown function, a function of a text column).
    DataError
        A value outside ``C(x, levels=...)``'s levels, or a transformation that is not finite
        (``log(0)``), naming the column, data row and value.
    """
    rows = rows.assign(
        **{
            c: rows[c].cat.remove_unused_categories()
            for c in rows.columns
            if isinstance(rows[c].dtype, pd.CategoricalDtype)
        },
        # formulaic takes a boolean term as a number; like a simple formula, code it as a factor
        **{
            c: pd.Categorical(rows[c], categories=sorted(rows[c].unique()))
            for c in _bare_columns(parsed)
            if pd.api.types.is_bool_dtype(rows[c])
        },
    ).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataMismatchWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0): reported below with its row
        try:
            mm = model_matrix(parsed.rhs, rows, na_action="ignore", output="numpy")
        except DataMismatchWarning as exc:
            found = str(exc).split(". They are being", 1)[0]
            raise DataError(
                f"{what}: {found}; correct those values or list them in C(..., levels=[...])"
            ) from None
        except FormulaicError as exc:
            first = str(exc).strip().splitlines()[0]
            raise DesignError(f"{what}: {first}") from None
    names = tuple(mm.model_spec.column_names)
    matrix = np.asarray(mm, dtype=float).reshape(len(rows), len(names))
    bad = ~np.isfinite(matrix)
    if bad.any():
        i, j = (int(k[0]) for k in np.nonzero(bad))
        raise DataError(
            f"{what}: column {names[j]!r} is {matrix[i, j]} at data row {_row(labels, i)!r}; "
            "expected a finite number: check the values it is computed from"
        )
    spec = mm.model_spec
    terms = tuple(
        (str(term), tuple(int(i) for i in idx))
        for term, idx in spec.term_indices.items()
        if not _is_intercept(term)
    )
    return DesignMatrix(matrix=np.ascontiguousarray(matrix), columns=names, terms=terms, spec=spec)


def response_values(parsed: ParsedFormula, data: pd.DataFrame, *, what: str) -> np.ndarray:
    """The values of a transformed response (``log(na)``, ``I(na / 10)``) on every row of
    ``data``: NaN where a column it uses is missing.

    Raises
    ------
    DesignError
        The expression cannot be evaluated, or gives more than one column.
    DataError
        It is not finite where its columns have values (``log(0)``), naming the data row.
    """
    if parsed.lhs is None:
        raise ValueError(f"{parsed.text!r} has a column response, not an expression")
    rows = data[_data_columns(parsed.lhs)].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0): reported below with its row
        try:
            mm = model_matrix(parsed.lhs, rows, na_action="ignore", output="numpy")
        except FormulaicError as exc:
            first = str(exc).strip().splitlines()[0]
            raise DesignError(f"{what}: {first}") from None
    values = np.asarray(mm, dtype=float).reshape(len(rows), -1)
    if values.shape[1] != 1:
        raise DesignError(
            f"{what}: the response {parsed.response!r} gives {values.shape[1]} columns; expected "
            "one number per row"
        )
    y = values[:, 0].copy()
    present = ~rows.isna().any(axis=1).to_numpy()
    bad = np.flatnonzero(present & ~np.isfinite(y))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{what}: the response {parsed.response!r} is {y[i]} at data row "
            f"{_row(data.index, i)!r}; expected a finite number: check the values it is computed "
            "from"
        )
    y[~present] = np.nan
    return y


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
    missing = [c for c in parsed.predictors if c not in data.columns]
    if missing:
        raise DesignError(
            f"{what}: column {missing[0]!r} is not in the data; available: "
            f"{', '.join(map(str, data.columns))}"
        )
    if parsed.terms is None:
        check_text_terms(parsed, data, what=what)
    for col in parsed.predictors:
        if data[col].isna().any():
            raise DesignError(f"{what}: column {col!r} has missing values; drop those rows first")
    if parsed.terms is not None:
        enc = encode_columns(parsed, data, what=what)
        if builds_simply(parsed, enc):
            return design_from_encoded(parsed, enc, len(data))
    return formulaic_design(parsed, data, data.index, what=what)


def design_for_new_rows(
    parsed: ParsedFormula, design: DesignMatrix, rows: pd.DataFrame, *, what: str
) -> DesignMatrix:
    """The columns of ``design`` (built from ``parsed`` on other data) for new ``rows``
    (without missing values): the same terms, categorical levels, coding and stateful
    transforms (``center``, spline knots) as the original data's.

    Raises
    ------
    DataError
        A categorical value the original data did not have, or a value that is not a number
        where the design needs one, naming the column, data row and value.
    """
    if design.levels is None and design.spec is None:
        raise ValueError("design was not built by design_from_encoded or formulaic_design")
    if design.levels is not None:
        enc: dict[SimpleFactor, EncodedColumn] = {}
        for key in dict.fromkeys(k for term in parsed.terms or () for k in term):
            enc[key] = _encode_like(rows[key[0]], design.levels[key], what=what)
        out = design_from_encoded(parsed, enc, len(rows))
    else:
        assert design.spec is not None
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataMismatchWarning)
            try:
                mm = design.spec.get_model_matrix(
                    rows.reset_index(drop=True), na_action="ignore", output="numpy"
                )
            except DataMismatchWarning as exc:
                found = str(exc).split(". They are being", 1)[0]
                raise DataError(f"{what}: {found}; the fitted model has no such level") from None
        out = DesignMatrix(
            matrix=np.asarray(mm, dtype=float).reshape(len(rows), len(design.columns)),
            columns=tuple(mm.model_spec.column_names),
        )
    if out.columns != design.columns:  # pragma: no cover - the same spec gives the same columns
        raise DesignError(f"{what}: new rows give columns {out.columns}, not {design.columns}")
    return out


def _encode_like(
    series: pd.Series, levels: tuple[object, ...] | None, *, what: str
) -> EncodedColumn:
    """Encode ``series`` with the given ``levels`` (None: as numbers)."""
    if levels is None:
        try:
            return EncodedColumn(series.to_numpy(dtype=float, na_value=np.nan), None)
        except (TypeError, ValueError):
            bad = pd.to_numeric(series, errors="coerce").isna()
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"{what}: column {series.name!r}, data row {_row(series.index, i)!r}: "
                f"{series.iloc[i]!r} is not a number, but the model was fitted with numbers"
            ) from None
    codes = pd.Index(pd.Series(list(levels), dtype=object)).get_indexer(series.astype(object))
    unknown = np.flatnonzero(codes < 0)
    if unknown.size:
        i = int(unknown[0])
        raise DataError(
            f"{what}: column {series.name!r}, data row {_row(series.index, i)!r}: level "
            f"{series.iloc[i]!r} was not in the data the model was fitted to (levels: "
            f"{', '.join(map(repr, levels))})"
        )
    return EncodedColumn(np.asarray(codes), levels)


def split_bars(formula: str) -> tuple[str, str, str] | None:
    """lme4's ``y ~ x + (1 + day | participant)``: ``(fixed formula, random-effects formula,
    grouping column)``, here ``("y ~ x", "~ 1 + day", "participant")``; None for a formula
    without a ``( ... | group)`` term.

    Raises
    ------
    DesignError
        More than one bar term (one grouping factor only), lme4's ``||``, or a grouping that is
        not one column name.
    """
    found = list(_BAR.finditer(formula))
    if not found:
        return None
    if len(found) > 1:
        raise DesignError(
            f"formula {formula!r} has {len(found)} random-effect terms; one grouping factor is "
            "supported here, as `( ... | participant)`; crossed or nested random intercepts: "
            "gutbrain.analysis.lmm.lmm_crossed"
        )
    m = found[0]
    inside, bar, group = m.group(1).strip(), m.group(2), m.group(3)
    if bar == "||" or not re.fullmatch(r"[A-Za-z_][\w.]*", group) or not inside:
        raise DesignError(
            f"formula {formula!r}: random-effect term {m.group(0)!r}: expected `(1 | group)` or "
            "`(1 + day | group)` with one grouping column (lme4's `||` is not supported)"
        )
    before, after = formula[: m.start()].rstrip(), formula[m.end() :].lstrip()
    if before.endswith("+"):  # drop the `+` that joined the term to the others
        before = before[:-1].rstrip()
    elif after.startswith("+"):
        after = after[1:].lstrip()
    fixed = f"{before} {after}".strip()
    return fixed + " 1" if fixed.endswith("~") else fixed, f"~ {inside}", group


def formula_columns(parsed: ParsedFormula) -> list[str]:
    """All data columns a parsed formula refers to (response first)."""
    return list(parsed.columns)
