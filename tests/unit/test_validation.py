from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from server_db.core import validation
from server_db.core.errors import ValidationError


@pytest.mark.parametrize("code", ["911101056000012342", "91310115MA1K4A1G50", "91440300MA5DC6QX1K"])
def test_valid_unified_social_credit_codes_pass(code: str) -> None:
    assert validation.is_valid_uscc(code)
    assert validation.uscc(code.lower()) == code


@pytest.mark.parametrize(
    "code,why",
    [
        ("911101056000012343", "not valid"),  # wrong check character
        ("91110105600001234", "18 characters"),
        ("9111010560000I2342", "not valid"),  # I is not in the alphabet
    ],
)
def test_invalid_unified_social_credit_codes_are_refused(code: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        validation.uscc(code)


def test_empty_credit_code_means_none() -> None:
    assert validation.uscc("  ") is None


@pytest.mark.parametrize(
    "typed,standard", [("abc 12", "ABC-12"), ("brg_6204", "BRG-6204"), ("A--B", "A-B"), ("x.y/z", "X-Y-Z")]
)
def test_skus_are_standardised(typed: str, standard: str) -> None:
    assert validation.sku(typed) == standard


@pytest.mark.parametrize("bad", ["", "---", "轴承", "A" * 40])
def test_bad_skus_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        validation.sku(bad)


@pytest.mark.parametrize(
    "typed,value",
    [("10", Decimal("10.000")), ("1,234.5", Decimal("1234.500")), (3, Decimal("3.000")), (0.1, Decimal("0.100"))],
)
def test_quantities_parse(typed: object, value: Decimal) -> None:
    assert validation.quantity(typed) == value


@pytest.mark.parametrize(
    "bad,why",
    [
        ("0", "more than zero"),
        ("-1", "more than zero"),
        ("abc", "a number"),
        ("1.2345", "at most 3 decimals"),
        ("1e20", "too large"),
        (None, "required"),
        ("NaN", "a number"),
        (True, "required"),
        ("Infinity", "a number"),
    ],
)
def test_bad_quantities_say_why(bad: object, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        validation.quantity(bad, label="The quantity")


def test_text_refuses_control_characters_and_length() -> None:
    with pytest.raises(ValidationError, match="control characters"):
        validation.text_value("abc\x00def", field="name", label="The name", max_length=10)
    with pytest.raises(ValidationError, match="at most 10"):
        validation.text_value("x" * 11, field="name", label="The name", max_length=10)
    assert validation.text_value("  北京 \n", field="name", label="The name", max_length=10) == "北京"
    assert validation.text_value("a\nb", field="a", label="A", max_length=10, multiline=True) == "a\nb"
    with pytest.raises(ValidationError, match="control"):
        validation.text_value("a\nb", field="a", label="A", max_length=10)


def test_dates() -> None:
    assert validation.date_value("2026-12-01", field="d", label="D") == dt.date(2026, 12, 1)
    assert validation.date_value(None, field="d", label="D") is None
    with pytest.raises(ValidationError, match="not a date"):
        validation.date_value("01/12/2026", field="d", label="D")
    with pytest.raises(ValidationError, match="required"):
        validation.date_value("", field="d", label="D", required=True)


def test_record_ids_must_be_positive_integers() -> None:
    assert validation.record_id(5) == 5
    for bad in (0, -1, "5", 5.0, True, 2**63):
        with pytest.raises(ValidationError):
            validation.record_id(bad)
