"""Amounts in Chinese capital numerals (大写金额), as written on invoices and cheques.

The rules are the bank's (中国人民银行《支付结算办法》): 零壹贰叁肆伍陆柒捌玖 with 拾佰仟, 万 and 亿; a run of
zeros inside the number is written as one 零; 元, then 角 and 分; 整 closes an amount without 分; an amount
under one yuan starts with its first non-zero unit (0.05 is 伍分, not 零元零伍分).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")  # within a group of four digits, from the right
_WAN, _YI = 10**4, 10**8


def to_chinese_capital(amount: Decimal | int | str) -> str:
    """The amount in capital numerals, rounded to the fen: Decimal('1010.00') -> '壹仟零壹拾元整'."""
    try:
        value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
        fen_total = int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{amount!r} is not an amount of money.") from None
    sign = "负" if fen_total < 0 else ""
    yuan, rest = divmod(abs(fen_total), 100)
    jiao, fen = divmod(rest, 10)

    words = _integer_words(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return sign + (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角" + (DIGITS[fen] + "分" if fen else "整")
    else:
        # 壹佰元零伍分: the missing 角 is read as 零, but nothing is written before the first unit
        words += ("零" if yuan else "") + DIGITS[fen] + "分"
    return sign + words


def _integer_words(number: int) -> str:
    """A positive whole number: 100010000 -> 壹亿零壹万. 万 and 亿 split it into groups of four digits."""
    for size, unit in ((_YI, "亿"), (_WAN, "万")):
        if number >= size:
            high, low = divmod(number, size)
            text = _integer_words(high) + unit
            if low:
                # a gap at the top of the lower part (e.g. 1,0005) is read as one 零
                text += ("零" if low < size // 10 else "") + _integer_words(low)
            return text
    return _group_words(number)


def _group_words(number: int) -> str:
    """1 to 9999: 1010 -> 壹仟零壹拾, 10 -> 壹拾 (financial style keeps the 壹), trailing zeros silent."""
    text, zero_pending = "", False
    for place in range(3, -1, -1):
        digit = number // 10**place % 10
        if digit == 0:
            zero_pending = bool(text)
            continue
        if zero_pending:
            text += "零"
            zero_pending = False
        text += DIGITS[digit] + _PLACES[place]
    return text
