"""Turning what a person typed into clean values, or a ValidationError naming the field and saying why.

Services call these before they touch the database, so bad input never reaches SQL as anything but a
bound parameter, and the clerk reads a sentence instead of a constraint name.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from server_db.core.errors import ValidationError

MAX_QUANTITY = Decimal("99999999999")  # numeric(14, 3)
MAX_MONEY = Decimal("999999999999")  # numeric(14, 2)

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_CODE_SHAPE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
_SKU_SHAPE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")


def text_value(
    value: Any, *, field: str, label: str, max_length: int, required: bool = False, multiline: bool = False
) -> str:
    """Stripped text without control characters (NUL and friends); newlines only where multiline."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{label} must be text.", field=field)
    cleaned = value.strip()  # a pasted value's surrounding whitespace and line breaks go
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in cleaned):
        raise ValidationError(f"{label} contains control characters; type it again.", field=field)
    if required and not cleaned:
        raise ValidationError(f"{label} is required.", field=field)
    if len(cleaned) > max_length:
        raise ValidationError(f"{label} is too long: at most {max_length} characters.", field=field)
    return cleaned


def decimal_value(
    value: Any,
    *,
    field: str,
    label: str,
    places: int,
    minimum: Decimal | None = None,
    maximum: Decimal,
    positive: bool = False,
) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{label} is required.", field=field)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace("，", "")
        if not value:
            raise ValidationError(f"{label} is required.", field=field)
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(f"{label} must be a number.", field=field) from None
    if not number.is_finite():
        raise ValidationError(f"{label} must be a number.", field=field)
    if positive and number <= 0:
        raise ValidationError(f"{label} must be more than zero.", field=field)
    if minimum is not None and number < minimum:
        raise ValidationError(f"{label} cannot be less than {minimum}.", field=field)
    if abs(number) > maximum:
        raise ValidationError(f"{label} is too large.", field=field)
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError(f"{label} can have at most {places} decimals.", field=field)
    return number.quantize(Decimal(1).scaleb(-places))


def quantity(value: Any, *, field: str = "quantity", label: str = "The quantity") -> Decimal:
    return decimal_value(value, field=field, label=label, places=3, maximum=MAX_QUANTITY, positive=True)


def signed_quantity(value: Any, *, field: str = "quantity", label: str = "The quantity") -> Decimal:
    number = decimal_value(value, field=field, label=label, places=3, maximum=MAX_QUANTITY)
    if number == 0:
        raise ValidationError(f"{label} cannot be zero.", field=field)
    return number


def money(value: Any, *, field: str, label: str, positive: bool = False) -> Decimal:
    return decimal_value(
        value, field=field, label=label, places=2, minimum=Decimal(0), maximum=MAX_MONEY, positive=positive
    )


def percent(value: Any, *, field: str, label: str) -> Decimal:
    number = decimal_value(value, field=field, label=label, places=2, minimum=Decimal(0), maximum=Decimal(100))
    return number


def rate(value: Any, *, field: str, label: str) -> Decimal:
    number = decimal_value(value, field=field, label=label, places=4, minimum=Decimal(0), maximum=Decimal(1))
    if number >= 1:
        raise ValidationError(f"{label} must be below 100%.", field=field)
    return number


def whole_number(value: Any, *, field: str, label: str, minimum: int = 0, maximum: int = 10**9) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"{label} must be a whole number.", field=field)
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{label} must be a whole number.", field=field) from None
    if isinstance(value, float) and value != number:
        raise ValidationError(f"{label} must be a whole number.", field=field)
    if not minimum <= number <= maximum:
        raise ValidationError(f"{label} must be between {minimum} and {maximum}.", field=field)
    return number


def record_id(value: Any, *, field: str = "id", label: str = "The record") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ValidationError(f"{label} is not a valid reference.", field=field)
    return value


def date_value(value: Any, *, field: str, label: str, required: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ValidationError(f"{label} is required.", field=field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        if not dt.date(1900, 1, 1) <= value <= dt.date(2999, 12, 31):
            raise ValidationError(f"{label} is out of range.", field=field)
        return value
    if isinstance(value, str):
        try:
            return date_value(dt.date.fromisoformat(value.strip()), field=field, label=label)
        except ValueError:
            pass
    raise ValidationError(f"{label} is not a date (YYYY-MM-DD).", field=field)


def code(value: Any, *, field: str = "code", label: str = "The code") -> str:
    """Customer, supplier, warehouse and work-centre codes: upper case letters, digits, '-' and '_'."""
    cleaned = text_value(value, field=field, label=label, max_length=32, required=True).upper()
    if not _CODE_SHAPE.match(cleaned):
        raise ValidationError(f"{label} may contain only letters, digits, '-' and '_' (at most 32).", field=field)
    return cleaned


def sku(value: Any, *, field: str = "sku", label: str = "The SKU") -> str:
    """A standardised SKU: upper case, groups of letters and digits joined by single hyphens."""
    cleaned = text_value(value, field=field, label=label, max_length=64, required=True).upper()
    cleaned = re.sub(r"[\s_./]+", "-", cleaned)
    cleaned = re.sub(r"-{2,}", "-", cleaned).strip("-")
    if not _SKU_SHAPE.match(cleaned) or len(cleaned) > 32:
        raise ValidationError(f"{label} must be letters and digits in groups joined by '-', at most 32.", field=field)
    return cleaned


def uscc_check_character(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(ch) * weight for ch, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    """统一社会信用代码 (GB 32100-2015): 18 characters whose last one checks the other 17."""
    return bool(_USCC_SHAPE.match(value)) and uscc_check_character(value[:17]) == value[17]


def uscc(value: Any, *, field: str = "tax_id", label: str = "The unified social credit code") -> str | None:
    cleaned = text_value(value, field=field, label=label, max_length=40).upper().replace(" ", "")
    if not cleaned:
        return None
    if len(cleaned) != 18:
        raise ValidationError(f"{label} has 18 characters; this one has {len(cleaned)}.", field=field)
    if not is_valid_uscc(cleaned):
        raise ValidationError(f"{label} {cleaned} is not valid; check it for a typing mistake.", field=field)
    return cleaned
