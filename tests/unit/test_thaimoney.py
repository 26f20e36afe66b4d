"""Amounts as Thai documents write them: in figures and in words (as BAHTTEXT reads them)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.thaimoney import baht_text, format_baht


@pytest.mark.parametrize(("amount", "words"), [
    ("0", "ศูนย์บาทถ้วน"),
    ("1", "หนึ่งบาทถ้วน"),
    ("11", "สิบเอ็ดบาทถ้วน"),
    ("21", "ยี่สิบเอ็ดบาทถ้วน"),
    ("101", "หนึ่งร้อยเอ็ดบาทถ้วน"),
    ("1700", "หนึ่งพันเจ็ดร้อยบาทถ้วน"),
    ("27400", "สองหมื่นเจ็ดพันสี่ร้อยบาทถ้วน"),
    ("94450.50", "เก้าหมื่นสี่พันสี่ร้อยห้าสิบบาทห้าสิบสตางค์"),
    ("0.25", "ยี่สิบห้าสตางค์"),
    ("1.01", "หนึ่งบาทหนึ่งสตางค์"),
    ("1000000", "หนึ่งล้านบาทถ้วน"),
    ("1000001", "หนึ่งล้านเอ็ดบาทถ้วน"),
    ("21000000", "ยี่สิบเอ็ดล้านบาทถ้วน"),
    ("1234567.89", "หนึ่งล้านสองแสนสามหมื่นสี่พันห้าร้อยหกสิบเจ็ดบาทแปดสิบเก้าสตางค์"),
    ("1000000000000", "หนึ่งล้านล้านบาทถ้วน"),
    ("-5", "ลบห้าบาทถ้วน"),
])
def test_amounts_in_thai_words(amount: str, words: str) -> None:
    assert baht_text(Decimal(amount)) == words


def test_amounts_in_figures_have_separators_and_two_satang_digits() -> None:
    assert format_baht(Decimal("1234567.5")) == "1,234,567.50"
    assert format_baht(Decimal("0.005")) == "0.01"


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        format_baht(0.1)  # type: ignore[arg-type]
