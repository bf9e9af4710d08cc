"""Amounts in Chinese capital numerals, as the bank rules write them on invoices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server_db.pdf.capital import to_chinese_capital


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("0.55", "伍角伍分"),
        ("0.00", "零元整"),
        ("1", "壹元整"),
        ("10.00", "壹拾元整"),
        ("20.5", "贰拾元伍角整"),
        ("100.10", "壹佰元壹角整"),
        ("105.00", "壹佰零伍元整"),
        ("113.00", "壹佰壹拾叁元整"),
        ("100.05", "壹佰元零伍分"),
        ("1010.00", "壹仟零壹拾元整"),
        ("1001.01", "壹仟零壹元零壹分"),
        ("10005.00", "壹万零伍元整"),
        ("11000.00", "壹万壹仟元整"),
        ("100000.00", "壹拾万元整"),
        ("1000000.01", "壹佰万元零壹分"),
        ("100010000.00", "壹亿零壹万元整"),
        ("120000000.00", "壹亿贰仟万元整"),
        ("100000001.00", "壹亿零壹元整"),
        ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        ("1000000000000", "壹万亿元整"),
    ],
)
def test_amounts_follow_the_bank_rules(amount: str, words: str) -> None:
    assert to_chinese_capital(Decimal(amount)) == words


def test_negative_amounts_are_prefixed_with_fu() -> None:
    assert to_chinese_capital(Decimal("-113.00")) == "负壹佰壹拾叁元整"
    assert to_chinese_capital(Decimal("-0.05")) == "负伍分"


def test_amounts_are_rounded_half_up_to_the_fen() -> None:
    assert to_chinese_capital(Decimal("0.005")) == "壹分"
    assert to_chinese_capital(Decimal("0.004")) == "零元整"


def test_integers_and_strings_are_accepted() -> None:
    assert to_chinese_capital(105) == "壹佰零伍元整"
    assert to_chinese_capital("20.50") == "贰拾元伍角整"


def test_nonsense_is_refused_with_a_sentence() -> None:
    with pytest.raises(ValueError, match="not an amount of money"):
        to_chinese_capital("abc")
