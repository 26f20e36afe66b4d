"""How the portal shows things: the Jinja2 templates and their filters (Buddhist-era dates in
Bangkok time, exact baht, how long something waited), and the Thai words for the services' codes.

The services send Thai themselves where a person reads it (`step_th`, `kind_th`, problem titles);
the words here are for the codes the portal's forms offer (urgency, secrecy, roles, document types)
and for the events of a document's history.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from contracts.vocabulary import EXPENSE_CATEGORY_TH, SCHOOL_LEVEL_TH
from shared.thaimoney import format_baht
from shared.thaitime import (
    bangkok_date,
    be_year,
    format_thai_date,
    format_thai_datetime,
    format_thai_duration,
    utc_now,
)

TEMPLATES = Path(__file__).parent / "templates"

URGENCY_TH = {"normal": "ปกติ", "urgent": "ด่วน", "very_urgent": "ด่วนมาก",
              "most_urgent": "ด่วนที่สุด"}
SECRECY_TH = {"none": "ปกติ", "confidential": "ลับ", "secret": "ลับมาก",
              "top_secret": "ลับที่สุด"}
ROLE_TH = {"clerk": "เจ้าหน้าที่สารบรรณ", "officer": "ผู้รับผิดชอบ (เจ้าหน้าที่)",
           "group_director": "ผู้อำนวยการกลุ่ม", "esa_director": "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
           "signer": "ผู้มีอำนาจลงนาม"}
DOCUMENT_TYPE_TH = {
    "external_letter": "หนังสือภายนอก", "internal_memo": "หนังสือภายใน (บันทึกข้อความ)",
    "stamped_letter": "หนังสือประทับตรา", "directive": "หนังสือสั่งการ",
    "announcement": "หนังสือประชาสัมพันธ์", "record": "หนังสือที่เจ้าหน้าที่ทำขึ้นหรือรับไว้เป็นหลักฐาน",
}
CATEGORY_TH = {category.value: name for category, name in EXPENSE_CATEGORY_TH.items()}
LEVEL_TH = {level.value: name for level, name in SCHOOL_LEVEL_TH.items()}
SERIES_TH = {"dispatch": "ทะเบียนหนังสือส่ง", "circular": "หนังสือเวียน (ว)", "order": "คำสั่ง"}
RETENTION_TH = {"years_1": "1 ปี", "years_5": "5 ปี", "years_10": "10 ปี",
                "permanent": "เก็บตลอดไป"}
# What each event of a document's history means, as the register's การปฏิบัติ would say it.
DOCUMENT_EVENT_TH = {
    "Received": "ลงทะเบียนรับ", "Registered": "ลงทะเบียน", "Started": "เริ่มร่างหนังสือ",
    "Created": "สร้างรายการ", "Assigned": "มอบหมายผู้รับผิดชอบ", "Drafted": "ร่างหนังสือ",
    "SubmittedForCheck": "เสนอตรวจทาน", "CheckApproved": "ตรวจทานแล้ว เสนอลงนาม",
    "ReturnedForRevision": "ส่งกลับแก้ไข", "Signed": "ลงนาม", "Dispatched": "ส่งหนังสือ (ออกเลข)",
    "LetterIssued": "ออกหนังสือฉบับลงนามอิเล็กทรอนิกส์", "Filed": "เก็บรักษา",
    "RetentionChanged": "เปลี่ยนอายุการเก็บ", "Cancelled": "ยกเลิก", "Borrowed": "ยืม",
    "LoanReturned": "คืนหนังสือที่ยืม", "ClassifiedContentRead": "เปิดอ่านเนื้อหาหนังสือลับ",
    "Destroyed": "ทำลาย",
}


def thai_date(value: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return format_thai_date(value)


def thai_datetime(value: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_thai_datetime(value)


def waited(start: Any, end: Any) -> str:
    """How long between two moments, as officers say it (`1 วัน 2 ชั่วโมง`)."""
    if not start or not end:
        return ""
    begin = datetime.fromisoformat(start) if isinstance(start, str) else start
    finish = datetime.fromisoformat(end) if isinstance(end, str) else end
    return format_thai_duration(max(0.0, (finish - begin).total_seconds() / 3600))


def baht(value: Any) -> str:
    """Exact baht from the services' decimal strings; never through a float."""
    try:
        return format_baht(Decimal(str(value)))
    except (InvalidOperation, TypeError):
        return str(value)


def bangkok_today() -> date:
    return bangkok_date(utc_now())


def this_year_be() -> int:
    return be_year(bangkok_today().year)


# The portal's areas, as the menu shows them: (area, Thai name, landing page), and each area's
# pages (its second row of tabs). A page says which it is with `nav` (an area, or a tab's key).
AREAS = (
    ("saraban", "สารบรรณ", "/saraban/registers/receiving/{year}"),
    ("planning", "แผน", "/planning/plans"),
    ("budgeting", "งบประมาณ", "/budgeting/lines"),
    ("restructuring", "สถานศึกษา", "/restructuring/schools"),
    ("monitoring", "ติดตามประเมินผล", "/monitoring/plans"),
)
TABS = {
    "saraban": (("incoming", "ลงทะเบียนรับ", "/saraban/incoming/new"),
                ("receiving", "ทะเบียนรับ", "/saraban/registers/receiving/{year}"),
                ("dispatch", "ทะเบียนส่ง", "/saraban/registers/dispatch/{year}"),
                ("documents", "หนังสือระหว่างดำเนินการ", "/saraban/documents"),
                ("meetings", "การประชุม", "/saraban/meetings"),
                ("news", "ข่าวประชาสัมพันธ์", "/saraban/news"),
                ("service-requests", "คำขอรับบริการ", "/saraban/service-requests"),
                ("knowledge", "องค์ความรู้", "/saraban/knowledge"),
                ("loans", "ทะเบียนการยืม", "/saraban/loans"),
                ("destruction", "ทำลายหนังสือ", "/saraban/destruction-lists")),
    "budgeting": (("lines", "รายการงบประมาณ", "/budgeting/lines"),
                  ("allocations", "การจัดสรร", "/budgeting/allocations"),
                  ("transfers", "การโอนเปลี่ยนแปลง", "/budgeting/transfers"),
                  ("analyses", "วิเคราะห์งบประมาณ", "/budgeting/analyses"),
                  ("requests", "คำขอจัดตั้งงบประมาณ", "/budgeting/requests"),
                  ("funding", "ระดมทรัพยากร", "/budgeting/funding"),
                  ("leftover", "เงินเหลือจ่าย", "/budgeting/leftover")),
    "restructuring": (("schools", "ทะเบียนสถานศึกษา", "/restructuring/schools"),
                      ("import", "นำเข้าข้อมูล DMC", "/restructuring/import"),
                      ("cases", "จัดตั้ง ยุบ รวม เลิก", "/restructuring/cases")),
    "monitoring": (("plans", "แผนกำกับติดตาม", "/monitoring/plans"),
                   ("inspections", "การตรวจราชการ", "/monitoring/inspections"),
                   ("evaluations", "การประเมินผล", "/monitoring/evaluations"),
                   ("reports", "รายงานและแดชบอร์ด", "/monitoring/reports")),
}
NAV_AREA = {"incoming": "saraban", "receiving": "saraban", "dispatch": "saraban",
            "documents": "saraban", "meetings": "saraban", "news": "saraban", "loans": "saraban",
            "destruction": "saraban", "service-requests": "saraban", "knowledge": "saraban",
            "correspondence": "saraban", "reports": "monitoring"}


def area_of(nav: str | None) -> str | None:
    return NAV_AREA.get(nav or "", nav)


def officer_choices(people: Any, role: str | None = None) -> list[tuple[str, str]]:
    """The officers a form can name: active, holding `role` if given."""
    return [(str(o["officer_id"]), f"{o['name_th']} ({o['officer_id']})") for o in people or ()
            if o.get("active", True) and (role is None or role in (o.get("roles") or ()))]


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters.update(thai_date=thai_date, thai_datetime=thai_datetime, baht=baht)
templates.env.globals.update(
    URGENCY_TH=URGENCY_TH, SECRECY_TH=SECRECY_TH, ROLE_TH=ROLE_TH,
    DOCUMENT_TYPE_TH=DOCUMENT_TYPE_TH, RETENTION_TH=RETENTION_TH, SERIES_TH=SERIES_TH,
    DOCUMENT_EVENT_TH=DOCUMENT_EVENT_TH, waited=waited, this_year_be=this_year_be,
    officer_choices=officer_choices, AREAS=AREAS, TABS=TABS, area_of=area_of)


def form_nonce() -> str:
    """A form's own `Idempotency-Key`: the same submission twice records once."""
    return secrets.token_urlsafe(18)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page, with what every page needs (the officer, the CSRF token, a new form nonce)."""
    state = request.state
    context.setdefault("session", getattr(state, "session", None))
    context.setdefault("csrf_token", getattr(state, "csrf_token", ""))
    context.setdefault("nonce", form_nonce())
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.setdefault("alert", None)
    return templates.TemplateResponse(request, template, context, status_code=status_code)
