"""Thai calendar rules: Bangkok dates, Buddhist-era years, the fiscal year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from shared.thaitime import (
    bangkok_date,
    calendar_year_be,
    fiscal_year_be,
    fiscal_year_bounds,
    format_thai_date,
    format_thai_datetime,
)


def test_the_calendar_year_turns_at_midnight_in_bangkok_not_utc() -> None:
    assert calendar_year_be(datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC)) == 2569
    assert calendar_year_be(datetime(2026, 12, 31, 17, 0, 0, tzinfo=UTC)) == 2570
    assert bangkok_date(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == date(2027, 1, 1)


def test_an_offset_other_than_bangkok_is_converted_first() -> None:
    new_york = timezone(timedelta(hours=-5))
    assert calendar_year_be(datetime(2026, 12, 31, 12, 0, tzinfo=new_york)) == 2570


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        bangkok_date(datetime(2026, 1, 1))


def test_fiscal_year_is_named_by_the_be_year_it_ends() -> None:
    assert fiscal_year_be(date(2023, 10, 1)) == 2567
    assert fiscal_year_be(date(2024, 9, 30)) == 2567
    assert fiscal_year_be(date(2024, 10, 1)) == 2568
    assert fiscal_year_bounds(2567) == (date(2023, 10, 1), date(2024, 9, 30))


def test_dates_are_shown_in_the_buddhist_era() -> None:
    assert format_thai_date(date(2026, 11, 24)) == "24 พ.ย. 2569"
    assert format_thai_date(date(2026, 11, 24), full=True) == "24 พฤศจิกายน 2569"
    assert format_thai_datetime(datetime(2026, 11, 24, 7, 5, tzinfo=UTC)) == "24 พ.ย. 2569 14:05 น."


def test_a_duration_reads_in_days_hours_and_minutes_in_thai() -> None:
    from shared.thaitime import format_thai_duration

    assert format_thai_duration(26.5) == "1 วัน 2 ชั่วโมง 30 นาที"
    assert format_thai_duration(0.75) == "45 นาที"
    assert format_thai_duration(48) == "2 วัน"
    assert format_thai_duration(0) == "0 นาที"
