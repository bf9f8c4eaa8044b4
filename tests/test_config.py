"""The validation kit (``gutbrain._config``): places, checks and the one error format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gutbrain._config import MISSING, Missing, Where, parse_toml, read_toml, show
from gutbrain.errors import DataError


class Located(Exception):
    """An error carrying its place, like ``io``'s ``BundleDataError``."""

    def __init__(
        self, message: str, *, file: str, row: int | None, column: str | None, value: Any
    ) -> None:
        super().__init__(message)
        self.file, self.row, self.column, self.value = file, row, column, value


def located(message: str, *, file: str, row: int | None, column: str | None, value: Any) -> Located:
    """A :class:`gutbrain._config.Located` factory (a class would be called with the message)."""
    return Located(message, file=file, row=row, column=column, value=value)


AT = Where("s.toml", DataError)


def test_keys_refuses_an_unknown_key_naming_it_and_the_allowed_ones() -> None:
    with pytest.raises(DataError, match=r"^s\.toml: nof1\.blok_days = 7; expected only the keys"):
        AT.key("nof1").keys({"blok_days": 7}, ("block_days", "pairs"))


def test_keys_refuses_a_missing_required_key_with_what_it_holds() -> None:
    with pytest.raises(DataError, match=r"^s\.toml: missing key 'name'; expected a study name$"):
        AT.keys({}, ("name",), {"name": "a study name"})


def test_unique_names_the_repeat_and_the_first_use() -> None:
    arms = AT.key("arms")
    arms.unique(["a", "b"], "label")
    with pytest.raises(DataError) as err:
        arms.unique(["a", "b", "a"], "label")
    assert str(err.value) == (
        "s.toml: arms[3].label = 'a'; expected a value not already used by arms[1]"
    )


def test_an_empty_cell_and_a_missing_column_are_told_from_a_missing_key() -> None:
    at = Where("effects.csv", DataError)
    with pytest.raises(DataError, match=r"^effects\.csv: row 3 \(study 'B'\), column 'yi': "):
        raise at.row(3, "study 'B'").column("yi").missing("a number")
    err = at.row(3).column("yi").missing("a number")
    assert "empty cell; expected a number" in str(err)
    assert str(at.column("yi").missing("a number")) == (
        "effects.csv: missing column 'yi'; expected a number"
    )
    assert str(at.key("row 3").missing("x")) == "effects.csv: missing key 'row 3'; expected x"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (dt.date(2026, 1, 5), "2026-01-05"),
        (dt.datetime(2026, 1, 5, 10, 30), "2026-01-05T10:30:00"),
        (np.float64(1.5), "1.5"),
        (np.int64(3), "3"),
        (" a ", "' a '"),
        ("x" * 100, "'" + "x" * 56 + "..."),
    ],
)
def test_show_spells_a_value_as_the_file_does(value: Any, shown: str) -> None:
    assert show(value) == shown


def test_typed_checks_return_the_value() -> None:
    t = {"n": 3, "x": 0.5, "on": True, "kind": "a"}
    assert AT.number(t, "n", 1, integer=True) == 3
    assert AT.number(t, "x", 0, 1) == 0.5
    assert AT.number(t, "absent", 0, 1, None) is None
    assert AT.get(t, "on", bool, "true or false") is True
    assert AT.choice(t, "kind", ("a", "b")) == "a"
    assert MISSING is Missing.MISSING and repr(MISSING) == "MISSING"
    with pytest.raises(DataError, match=r"on = True; expected an integer >= 1"):
        AT.number(t, "on", 1, integer=True)  # TOML's true is not the number 1


def test_a_located_error_carries_key_row_and_column() -> None:
    toml = Where("study.toml", located)
    err = toml.key("arms").item(2).key("label").bad("BB", "a single character")
    assert isinstance(err, Located)
    assert (err.file, err.row, err.column, err.value) == ("study.toml", None, "arms[2].label", "BB")
    csv = Where("effects.csv", located)
    err = csv.row(3, "study 'B'").column("yi").bad("abc", "a finite number")
    assert isinstance(err, Located)
    assert (err.row, err.column, err.value) == (3, "yi", "abc")
    assert (
        str(err) == "effects.csv: row 3 (study 'B'), column 'yi' = 'abc'; expected a finite number"
    )
    err = toml.problem("is not valid TOML")
    assert isinstance(err, Located)
    assert (err.row, err.column, err.value) == (None, None, None)


def test_parse_toml_refuses_non_utf8_and_bad_toml() -> None:
    with pytest.raises(
        DataError, match=r"^s\.toml: is not UTF-8 text \(.* at byte 8\); save it as UTF-8$"
    ):
        parse_toml(b'name = "\xff"', "s.toml", DataError)
    with pytest.raises(DataError, match=r"^s\.toml: is not valid TOML: Invalid value"):
        parse_toml("name = ", "s.toml", DataError)


def test_read_toml_names_the_file_as_given(tmp_path: Path) -> None:
    missing = tmp_path / "none.toml"
    with pytest.raises(DataError, match=rf"^{missing}: not found; a hint$"):
        read_toml(missing, DataError, if_missing="; a hint")
    with pytest.raises(DataError, match=r"^design: cannot be read"):
        read_toml(tmp_path, DataError, "design")  # a folder
    (tmp_path / "ok.toml").write_text("a = 1\n")
    assert read_toml(tmp_path / "ok.toml", DataError) == {"a": 1}
