"""Thai calendar rules: Asia/Bangkok days, Buddhist-era years, the government fiscal year.

Times are stored in UTC; every calendar decision (register year, due dates, windows) is taken on the
Bangkok date, never the UTC one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543

MONTHS_TH_ABBR = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)
MONTHS_TH_FULL = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def ensure_aware(moment: datetime) -> datetime:
    """Naive datetimes are rejected upstream; this guards the domain against them anyway."""
    if moment.tzinfo is None:
        raise ValueError("datetime must carry a time zone")
    return moment


def bangkok_date(moment: datetime) -> date:
    """The calendar date in Thailand at that instant."""
    return ensure_aware(moment).astimezone(BANGKOK).date()


def be_year(year_ce: int) -> int:
    return year_ce + BE_OFFSET


def ce_year(year_be: int) -> int:
    return year_be - BE_OFFSET


def calendar_year_be(moment: datetime) -> int:
    """The Buddhist-era calendar year in Bangkok at that instant (registers restart on 1 January)."""
    return be_year(bangkok_date(moment).year)


def fiscal_year_be(day: date) -> int:
    """Fiscal year 1 October - 30 September, named by the BE year in which it ends."""
    return be_year(day.year + 1 if day.month >= 10 else day.year)


def fiscal_year_bounds(year_be: int) -> tuple[date, date]:
    end_ce = ce_year(year_be)
    return date(end_ce - 1, 10, 1), date(end_ce, 9, 30)


def format_thai_date(day: date | datetime, *, full: bool = False) -> str:
    """`24 พ.ย. 2569` (or `24 พฤศจิกายน 2569`); a datetime is shown on its Bangkok date."""
    if isinstance(day, datetime):
        day = bangkok_date(day)
    months = MONTHS_TH_FULL if full else MONTHS_TH_ABBR
    return f"{day.day} {months[day.month - 1]} {be_year(day.year)}"


def format_thai_datetime(moment: datetime) -> str:
    """`24 พ.ย. 2569 14:05 น.` in Bangkok time."""
    local = ensure_aware(moment).astimezone(BANGKOK)
    return f"{format_thai_date(local.date())} {local:%H:%M} น."


def format_thai_duration(hours: float) -> str:
    """`1 วัน 2 ชั่วโมง 30 นาที` for 26.5 hours: how long something took, as officers say it
    (rounded to the minute; parts that are zero are left out, and nothing at all is `0 นาที`)."""
    minutes = max(0, round(hours * 60))
    days, minutes = divmod(minutes, 24 * 60)
    whole_hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "วัน"), (whole_hours, "ชั่วโมง"), (minutes, "นาที"))
             if n]
    return " ".join(parts) or "0 นาที"
