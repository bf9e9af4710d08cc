"""How numbers and dates look on paper: amounts with thousands separators and two decimals, quantities
without trailing zeros, rates as percentages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def money(amount: Decimal) -> str:
    """Decimal('1234.5') -> '1,234.50'; Decimal('-3') -> '-3.00'."""
    return f"{amount:,.2f}"


def quantity(amount: Decimal) -> str:
    """Decimal('12.000') -> '12', Decimal('1250.500') -> '1,250.5' (quantities have three decimals)."""
    text = f"{amount:,.3f}"
    return text.rstrip("0").rstrip(".")


def percent(value: Decimal) -> str:
    """A percentage given as a number of percent: Decimal('5.00') -> '5%', Decimal('12.50') -> '12.5%'."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def tax_rate(rate: Decimal) -> str:
    """A tax rate given as a fraction: Decimal('0.1300') -> '13%'."""
    return percent(rate * 100)


def date(day: dt.date | None) -> str:
    """ISO dates (2026-11-25) read the same in Chinese and English."""
    return day.isoformat() if day else ""
