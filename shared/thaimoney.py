"""Money as Thai documents write it: `1,234,567.50` and, in words, `หนึ่งล้านสองแสน...ห้าสิบสตางค์`.

Official letters state an amount twice, in figures and in words (the way the BAHTTEXT function of
office spreadsheets reads it), so that neither can be altered alone. Exact `Decimal` baht with satang;
floats are refused.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SATANG = Decimal("0.01")
_DIGITS = ("", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_PLACES = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")
_MILLION = "ล้าน"


def to_satang(amount: Decimal) -> Decimal:
    """The amount to the satang (half up); refuses floats, which cannot hold satang exactly."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")
    return amount.quantize(SATANG, rounding=ROUND_HALF_UP)


def format_baht(amount: Decimal) -> str:
    """`1,234,567.50`: thousands separated, always two satang digits."""
    return f"{to_satang(amount):,.2f}"


def _read_group(value: int, *, one_as_et: bool) -> str:
    """A number below one million in words; `one_as_et`: a units 1 after higher digits is เอ็ด."""
    words = []
    digits = f"{value:06d}"
    for index, char in enumerate(digits):
        digit = int(char)
        place = 5 - index
        if digit == 0:
            continue
        if place == 1:
            words.append({1: "", 2: "ยี่"}.get(digit, _DIGITS[digit]) + _PLACES[1])
        elif place == 0:
            words.append("เอ็ด" if digit == 1 and (value > 1 or one_as_et) else _DIGITS[digit])
        else:
            words.append(_DIGITS[digit] + _PLACES[place])
    return "".join(words)


def _read_integer(value: int) -> str:
    """A whole number in words; millions repeat (`หนึ่งล้านล้าน`)."""
    groups: list[int] = []
    while True:
        groups.append(value % 1_000_000)
        value //= 1_000_000
        if value == 0:
            break
    words = ""
    for position in range(len(groups) - 1, -1, -1):
        group = groups[position]
        higher = any(groups[position + 1:])
        if group:
            words += _read_group(group, one_as_et=higher)
        if position > 0 and (group or higher):
            words += _MILLION
    return words


def baht_text(amount: Decimal) -> str:
    """The amount in Thai words: `หนึ่งร้อยเอ็ดบาทห้าสิบสตางค์`, `สองพันบาทถ้วน`, `ศูนย์บาทถ้วน`."""
    exact = to_satang(amount)
    sign = "ลบ" if exact < 0 else ""
    exact = abs(exact)
    baht = int(exact)
    satang = int((exact - baht) * 100)
    if baht == 0 and satang == 0:
        return "ศูนย์บาทถ้วน"
    text = sign
    if baht:
        text += _read_integer(baht) + "บาท"
    text += _read_integer(satang) + "สตางค์" if satang else "ถ้วน"
    return text
