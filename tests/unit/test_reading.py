"""Reading cells as their column's kind: numbers with thousands separators, rates, dates written several
ways, 是/否; and the encoding and delimiter of a CSV file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server_db.transfer.reading import BadValue, convert, detect_delimiter, detect_encoding

money = st.decimals(min_value=Decimal("-999999999"), max_value=Decimal("999999999"), places=2, allow_nan=False)


@given(money)
def test_money_reads_back_whatever_the_thousands_separator(number: Decimal) -> None:
    plain = f"{number:.2f}"
    with_commas = f"{number:,.2f}"
    assert Decimal(convert("money", plain)) == number
    assert Decimal(convert("money", with_commas)) == number
    assert Decimal(convert("money", f"¥{with_commas}")) == number
    assert Decimal(convert("money", float(plain))) == number


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("0.9999"), places=4, allow_nan=False))
def test_rates_as_fraction_or_percent(rate: Decimal) -> None:
    assert Decimal(convert("rate", str(rate))) == rate
    percent = rate * 100
    assert Decimal(convert("rate", f"{percent.normalize():f}%")) == rate


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_dates_in_every_usual_way(day: dt.date) -> None:
    expected = day.isoformat()
    for text in (
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month:02d}.{day.day:02d}",
        f"{day.year}年{day.month}月{day.day}日",
        day.strftime("%Y%m%d"),
        f"{day.isoformat()} 00:00:00",
    ):
        assert convert("date", text) == expected, text
    assert convert("date", day) == expected
    assert convert("date", dt.datetime.combine(day, dt.time())) == expected


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_whole_numbers(number: int) -> None:
    assert convert("int", f"{number:,}") == str(number)
    assert convert("int", float(number)) == str(number)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("是", "true"),
        ("否", "false"),
        ("Yes", "true"),
        ("N", "false"),
        ("TRUE", "true"),
        (True, "true"),
        (0, "false"),
        ("启用", "true"),
        ("停用", "false"),
    ],
)
def test_booleans(text: object, expected: str) -> None:
    assert convert("bool", text) == expected


@pytest.mark.parametrize(
    ("kind", "text", "sentence"),
    [
        ("money", "abc", "'abc' is not a number."),
        ("money", "1.234", "'1.234' has more than 2 decimals."),
        ("int", "3.5", "'3.5' is not a whole number."),
        ("rate", "130%", "'130%' is not a rate such as 13% or 0.13."),
        ("date", "31/02/2026", "'31/02/2026' is not a date; write it as 2026-03-31."),
        ("date", "2026-02-30", "'2026-02-30' is not a date; write it as 2026-03-31."),
        ("bool", "maybe", "'maybe' is not yes or no (是/否)."),
    ],
)
def test_bad_values_give_a_sentence(kind: str, text: str, sentence: str) -> None:
    with pytest.raises(BadValue) as bad:
        convert(kind, text)
    assert str(bad.value) == sentence


def test_codes_and_choices() -> None:
    assert convert("code", " ｃ００１ ") == "C001"
    assert convert("text", 13800138000.0) == "13800138000"
    words = {"采购": "buy", "自制": "make"}
    assert convert("text", "采购", choices=("buy", "make"), words=words) == "buy"
    assert convert("text", "MAKE", choices=("buy", "make"), words=words) == "make"
    with pytest.raises(BadValue, match="is not one of buy or make"):
        convert("text", "steal", choices=("buy", "make"), words=words)
    assert convert("qty", "  ") is None and convert("text", None) is None


def test_encoding_and_delimiter_detection() -> None:
    chinese = "编码,名称\nC1,北京公司\n"
    assert detect_encoding(chinese.encode("utf-8")) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + chinese.encode("utf-8")) == "utf-8-sig"
    assert detect_encoding(chinese.encode("gbk")) == "gb18030"
    # a multi-byte character cut at the end of the sample is still UTF-8
    assert detect_encoding(chinese.encode("utf-8")[:-3]) == "utf-8"
    assert detect_delimiter("a;b;c") == ";" and detect_delimiter("a\tb") == "\t" and detect_delimiter("ab") == ","
