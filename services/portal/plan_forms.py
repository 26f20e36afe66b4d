"""A plan's content as a planning officer writes it in the portal, and back: each part of the
nested content (projects, their budget by category and quarter, indicators, objectives,
activities; a policy's sources, focus points and targets; a development plan's strategies and
their indicators) is a `rows` field, one item a line, columns split by `|` (or pasted from a
spreadsheet), tied together by the project's, focus point's or strategy's code. What the portal
can tell is wrong (a line's amount, date or quarter; a code no project has) is refused beside the
field, naming the line; the rules of the content (totals reconcile, every KPI has a target, dates
fall in the fiscal year) stay the planning service's, whose Thai reason the form shows.

Dates are typed as people write them, day/month/Buddhist-era year (1/10/2567); money exactly, in
baht and satang; a revision's form starts from the content as it stands (`*_rows`), so that
nothing the form does not show is lost by revising.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from services.portal.records import Field, FormProblem, _money, row_text
from services.portal.views import CATEGORY_TH

BE = 543
DATE_HINT = "วว/ดด/ปปปป พ.ศ."
SOURCE_LEVEL_TH = {"national": "ระดับชาติ", "ministry": "กระทรวงศึกษาธิการ", "obec": "สพฐ.",
                   "regional": "ภาค / กลุ่มจังหวัด", "provincial": "จังหวัด", "research": "งานวิจัย",
                   "office_results": "ผลการดำเนินงานของสำนักงาน"}
_SOURCE_ALIASES = {"ชาติ": "national", "ศธ.": "ministry", "ศธ": "ministry", "สพฐ": "obec",
                   "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน": "obec", "ภาค": "regional",
                   "กลุ่มจังหวัด": "regional", "วิจัย": "research", "สำนักงาน": "office_results"}

# --- the fields -------------------------------------------------------------------------------------
def _columns(*labels: str) -> tuple[Field, ...]:
    """A rows field's columns, text as typed: the readers below read a row's cells by position,
    in the order people type them, and check each cell themselves (naming the line)."""
    return tuple(Field(str(i), label) for i, label in enumerate(labels))


def _popped(body: dict[str, Any], fields: tuple[Field, ...], name: str) -> list[list[str]]:
    """A rows field's items (as the form reading made them) as their cells, in column order."""
    columns = next(f.columns for f in fields if f.name == name)
    return [[str(item.get(c.name, "")) for c in columns] for item in body.pop(name, None) or ()]


PROJECT_COLUMNS = _columns("รหัสโครงการ", "ชื่อโครงการ", "รหัสกลยุทธ์", "งบประมาณ (บาท)", "กลุ่มที่รับผิดชอบ",
                   "ผู้รับผิดชอบ", f"วันเริ่ม ({DATE_HINT}; ว่าง = ต้นปีงบประมาณ)",
                   "วันสิ้นสุด (ว่าง = สิ้นปีงบประมาณ)", "รหัสจุดเน้น", "ยุทธศาสตร์จังหวัด",
                   "ยุทธศาสตร์ชาติ")
ACTION_PLAN_FIELDS = (
    Field("projects", "โครงการ", "rows", required=True, columns=PROJECT_COLUMNS,
          hint="รหัสจุดเน้นและยุทธศาสตร์: หลายรหัสคั่นด้วยเว้นวรรค"),
    Field("objectives", "วัตถุประสงค์ของโครงการ", "rows", required=True,
          columns=_columns("รหัสโครงการ", "วัตถุประสงค์")),
    Field("kpis", "ตัวชี้วัดของโครงการ", "rows", required=True,
          columns=_columns("รหัสโครงการ", "รหัสตัวชี้วัด", "ตัวชี้วัด", "หน่วยนับ", "ค่าเป้าหมาย",
                   "เป้าหมายรายไตรมาส (เช่น 2=60 4=95)")),
    Field("budget", "งบประมาณตามหมวดและไตรมาส", "rows", required=True,
          columns=_columns("รหัสโครงการ", "หมวดงบ", "ไตรมาส", "จำนวนเงิน (บาท)"),
          hint="หมวดงบ: " + ", ".join(CATEGORY_TH.values())),
    Field("activities", "กิจกรรม", "rows",
          columns=_columns("รหัสโครงการ", "กิจกรรม", f"วันเริ่ม ({DATE_HINT})", "วันสิ้นสุด")),
    Field("total_budget", "งบประมาณรวมทั้งแผน (บาท)", "money", required=True,
          hint="ต้องเท่ากับผลรวมงบประมาณของทุกโครงการ"),
)
POLICY_FIELDS = (
    Field("sources", "นโยบายและทิศทางที่นำมาวิเคราะห์", "rows",
          columns=_columns("ระดับ", "ชื่อนโยบาย/แผน", "ผลการวิเคราะห์"),
          hint="ระดับ: " + ", ".join(SOURCE_LEVEL_TH.values())),
    Field("focus_points", "จุดเน้น", "rows", required=True, columns=_columns("รหัสจุดเน้น", "จุดเน้น")),
    Field("targets", "เป้าหมายของจุดเน้น", "rows", required=True,
          columns=_columns("รหัสจุดเน้น", "รหัสเป้าหมาย", "เป้าหมาย", "หน่วยนับ", "ค่าเป้าหมาย")),
)
DEVELOPMENT_FIELDS = (
    Field("vision_th", "วิสัยทัศน์", "textarea"),
    Field("missions", "พันธกิจ (บรรทัดละข้อ)", "lines"),
    Field("goals", "เป้าประสงค์ (บรรทัดละข้อ)", "lines"),
    Field("values", "ค่านิยม (บรรทัดละข้อ)", "lines"),
    Field("strategies", "กลยุทธ์", "rows", required=True,
          columns=_columns("รหัสกลยุทธ์", "กลยุทธ์", "ยุทธศาสตร์จังหวัด", "ยุทธศาสตร์ชาติ"),
          hint="ยุทธศาสตร์: หลายรหัสคั่นด้วยเว้นวรรค"),
    Field("outcomes", "ผลลัพธ์ของกลยุทธ์", "rows", columns=_columns("รหัสกลยุทธ์", "ผลลัพธ์")),
    Field("kpis", "ตัวชี้วัดของกลยุทธ์", "rows", required=True,
          columns=_columns("รหัสกลยุทธ์", "รหัสตัวชี้วัด", "ตัวชี้วัด", "หน่วยนับ",
                   "ค่าเป้าหมายรายปี (เช่น 2566=60 2567=65)")),
    Field("programmes", "แผนงาน", "rows", columns=_columns("รหัสกลยุทธ์", "แผนงาน")),
)


# --- reading what was typed ---------------------------------------------------------------------
class _Errors:
    """The first problem of each field, naming the line."""

    def __init__(self) -> None:
        self.by_field: dict[str, str] = {}

    def add(self, name: str, row: list[str], message: str) -> None:
        self.by_field.setdefault(name, f"แถว “{row_text(*row)}”: {message}")

    def read(self, name: str, row: list[str], reader: Callable[..., Any], *more: Any) -> Any:
        """`reader(row, *more)`, or None with its problem beside the field."""
        try:
            return reader(row, *more)
        except ValueError as error:
            self.add(name, row, str(error))
            return None

    def raise_any(self) -> None:
        if self.by_field:
            raise FormProblem(self.by_field)


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,]+", text) if c]


def _needed(text: str, what: str) -> str:
    if not text:
        raise ValueError(f"ต้องระบุ{what}")
    return text


def _number(text: str, what: str = "ค่าเป้าหมาย") -> str | None:
    text = text.replace(",", "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{what}ต้องเป็นตัวเลข (เช่น 95 หรือ 87.5)") from None
    if not value.is_finite():
        raise ValueError(f"{what}ต้องเป็นตัวเลข")
    return text


def _amount(text: str) -> str:
    return _money(_needed(text, "จำนวนเงิน"))


def thai_day(text: str) -> str | None:
    """A date as people write it (1/10/2567, Buddhist era) or ISO; the ISO date (Christian era)."""
    text = text.strip()
    if not text:
        return None
    found = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text) or None
    try:
        if found:
            day, month, year = (int(x) for x in found.groups())
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            year, month, day = (int(x) for x in text.split("-"))
        else:
            raise ValueError
        if year > 2400:
            year -= BE
        return date(year, month, day).isoformat()
    except ValueError:
        raise ValueError(f"วันที่ “{text}” ไม่ถูกต้อง (เขียนแบบ {DATE_HINT} เช่น 1/10/2567)") from None


def be_day(iso: str | None) -> str:
    """An ISO date as people write it: day/month/Buddhist-era year."""
    if not iso:
        return ""
    day = date.fromisoformat(str(iso)[:10])
    return f"{day.day}/{day.month}/{day.year + BE}"


def _category(text: str) -> str:
    wanted = text.replace(" ", "")
    for code, name in CATEGORY_TH.items():
        if wanted in (code, name.replace(" ", ""), name.removeprefix("งบ").replace(" ", "")):
            return code
    raise ValueError(f"ไม่รู้จักหมวดงบ “{text}” (ใช้ {', '.join(CATEGORY_TH.values())})")


def _quarter(text: str) -> int:
    if text.strip() not in ("1", "2", "3", "4"):
        raise ValueError("ไตรมาสต้องเป็น 1 ถึง 4")
    return int(text)


def _quarter_targets(text: str) -> list[dict[str, Any]]:
    targets = []
    for part in re.split(r"[,\s]+(?=(?:ไตรมาส\s*)?\d\s*=)", text.strip()) if text.strip() else ():
        found = re.fullmatch(r"(?:ไตรมาส\s*)?(\d)\s*=\s*(\S+)", part.strip())
        if not found:
            raise ValueError(f"เป้าหมายรายไตรมาส “{part}” ไม่ถูกต้อง (เช่น 2=60 4=95)")
        targets.append({"quarter": _quarter(found[1]),
                        "target_value": _number(found[2]) or "0"})
    return targets


def _year_targets(text: str) -> list[dict[str, Any]]:
    targets = []
    for part in text.replace(",", " ").split():
        found = re.fullmatch(r"(\d{4})=(\S+)", part)
        if not found or not 2400 <= int(found[1]) <= 2700:
            raise ValueError(f"ค่าเป้าหมายรายปี “{part}” ไม่ถูกต้อง (เช่น 2566=60 2567=65, ปี พ.ศ.)")
        targets.append({"year_be": int(found[1]), "target_value": _number(found[2])})
    return targets


def _by_owner(errors: _Errors, name: str, rows: Iterable[list[str]], owners: Mapping[str, Any],
              what: str) -> Iterable[tuple[list[str], Any]]:
    """Rows tied to a project, focus point or strategy by its code (the first cell)."""
    for row in rows:
        owner = owners.get(row[0])
        if owner is None:
            errors.add(name, row, f"ไม่มี{what}รหัส “{row[0]}” ในรายการ{what}")
            continue
        yield row, owner


def fiscal_year_bounds(fiscal_year_be: int) -> tuple[str, str]:
    """The Thai fiscal year: 1 October of the year before to 30 September."""
    year = fiscal_year_be - BE
    return date(year - 1, 10, 1).isoformat(), date(year, 9, 30).isoformat()


def _project(row: list[str], starts: str, ends: str) -> dict[str, Any]:
    (code, title, strategy, total, group, officer, begin, end, focus, provincial,
     national) = row
    return {"code": _needed(code, "รหัสโครงการ"), "title_th": _needed(title, "ชื่อโครงการ"),
            "strategy_code": _needed(strategy, "รหัสกลยุทธ์"), "total_budget": _amount(total),
            "responsible_group": group, "responsible_officer": officer,
            "starts_on": thai_day(begin) or starts, "ends_on": thai_day(end) or ends,
            "policy_focus_codes": _codes(focus), "provincial_strategy_codes": _codes(provincial),
            "national_strategy_codes": _codes(national), "objectives": [], "kpis": [],
            "activities": [], "budget_lines": []}


def _project_kpi(row: list[str]) -> dict[str, Any]:
    _, code, name, unit, target, quarters = row
    return {"code": _needed(code, "รหัสตัวชี้วัด"), "name_th": _needed(name, "ชื่อตัวชี้วัด"),
            "unit": unit, "target_value": _number(target),
            "quarter_targets": _quarter_targets(quarters)}


def _budget_line(row: list[str]) -> dict[str, Any]:
    return {"category": _category(row[1]), "quarter": _quarter(row[2]), "amount": _amount(row[3])}


def _activity(row: list[str], starts: str, ends: str) -> dict[str, Any]:
    return {"title_th": _needed(row[1], "ชื่อกิจกรรม"), "starts_on": thai_day(row[2]) or starts,
            "ends_on": thai_day(row[3]) or ends}


def action_plan_content(body: dict[str, Any], fiscal_year_be: int | None) -> dict[str, Any]:
    """The action plan's JSON from its form (`body`: each rows field as its rows)."""
    errors = _Errors()
    starts, ends = fiscal_year_bounds(fiscal_year_be) if fiscal_year_be else ("", "")
    projects: dict[str, dict[str, Any]] = {}
    for row in _popped(body, ACTION_PLAN_FIELDS, "projects"):
        project = errors.read("projects", row, _project, starts, ends)
        if project is not None:
            if row[0] in projects:
                errors.add("projects", row, f"รหัสโครงการ “{row[0]}” ซ้ำ")
            projects[row[0]] = project
    for row, project in _by_owner(errors, "objectives", _popped(body, ACTION_PLAN_FIELDS, "objectives"), projects,
                                  "โครงการ"):
        if row[1]:
            project["objectives"].append(row[1])
    for name, key, reader, more in (("kpis", "kpis", _project_kpi, ()),
                                    ("budget", "budget_lines", _budget_line, ()),
                                    ("activities", "activities", _activity, (starts, ends))):
        for row, project in _by_owner(errors, name, _popped(body, ACTION_PLAN_FIELDS, name),
                                      projects, "โครงการ"):
            item = errors.read(name, row, reader, *more)
            if item is not None:
                project[key].append(item)
    errors.raise_any()
    return {**body, "projects": list(projects.values())}


def action_plan_rows(plan: Mapping[str, Any]) -> dict[str, str]:
    """An action plan's form as it stands (what a revision starts from)."""
    content = plan.get("content") or {}
    starts, ends = fiscal_year_bounds(int(plan["fiscal_year_be"]))
    projects = content.get("projects") or []

    def day(value: Any, default: str) -> str:
        return "" if str(value) == default else be_day(value)

    return {
        "title_th": plan.get("title_th") or "",
        "development_plan_id": str(content.get("development_plan_id") or ""),
        "policy_id": str(content.get("policy_id") or ""),
        "total_budget": str(content.get("total_budget") or ""),
        "projects": "\n".join(row_text(
            p["code"], p["title_th"], p.get("strategy_code"), p.get("total_budget"),
            p.get("responsible_group"), p.get("responsible_officer"),
            day(p.get("starts_on"), starts), day(p.get("ends_on"), ends),
            " ".join(p.get("policy_focus_codes") or ()),
            " ".join(p.get("provincial_strategy_codes") or ()),
            " ".join(p.get("national_strategy_codes") or ())) for p in projects),
        "objectives": "\n".join(row_text(p["code"], o) for p in projects
                                for o in p.get("objectives") or ()),
        "kpis": "\n".join(row_text(
            p["code"], k["code"], k["name_th"], k.get("unit"), k.get("target_value"),
            " ".join(f"{q['quarter']}={q['target_value']}" for q in k.get("quarter_targets") or ()))
            for p in projects for k in p.get("kpis") or ()),
        "budget": "\n".join(row_text(p["code"], CATEGORY_TH.get(b["category"], b["category"]),
                                     b["quarter"], b["amount"])
                            for p in projects for b in p.get("budget_lines") or ()),
        "activities": "\n".join(row_text(p["code"], a["title_th"], be_day(a.get("starts_on")),
                                         be_day(a.get("ends_on")))
                                for p in projects for a in p.get("activities") or ()),
    }


def _source_level(text: str) -> str:
    wanted = text.strip()
    for code, name in SOURCE_LEVEL_TH.items():
        if wanted in (code, name):
            return code
    if wanted in _SOURCE_ALIASES:
        return _SOURCE_ALIASES[wanted]
    raise ValueError(f"ไม่รู้จักระดับ “{text}” (ใช้ {', '.join(SOURCE_LEVEL_TH.values())})")


def _source(row: list[str]) -> dict[str, Any]:
    return {"level": _source_level(row[0]), "title_th": _needed(row[1], "ชื่อนโยบาย"),
            "analysis_th": row[2]}


def _focus_point(row: list[str]) -> dict[str, Any]:
    return {"code": _needed(row[0], "รหัสจุดเน้น"), "title_th": _needed(row[1], "จุดเน้น"),
            "targets": []}


def _policy_target(row: list[str]) -> dict[str, Any]:
    return {"code": _needed(row[1], "รหัสเป้าหมาย"), "description_th": _needed(row[2], "เป้าหมาย"),
            "unit": row[3], "target_value": _number(row[4])}


def policy_content(body: dict[str, Any]) -> dict[str, Any]:
    """The policy's JSON from its form."""
    errors = _Errors()
    sources = [s for s in (errors.read("sources", row, _source)
                           for row in _popped(body, POLICY_FIELDS, "sources")) if s is not None]
    focus: dict[str, dict[str, Any]] = {}
    for row in _popped(body, POLICY_FIELDS, "focus_points"):
        point = errors.read("focus_points", row, _focus_point)
        if point is not None:
            focus[row[0]] = point
    for row, point in _by_owner(errors, "targets", _popped(body, POLICY_FIELDS, "targets"), focus, "จุดเน้น"):
        target = errors.read("targets", row, _policy_target)
        if target is not None:
            point["targets"].append(target)
    errors.raise_any()
    return {**body, "sources": sources, "focus_points": list(focus.values())}


def policy_rows(plan: Mapping[str, Any]) -> dict[str, str]:
    content = plan.get("content") or {}
    points = content.get("focus_points") or []
    return {
        "title_th": plan.get("title_th") or "",
        "sources": "\n".join(row_text(SOURCE_LEVEL_TH.get(s["level"], s["level"]), s["title_th"],
                                      s.get("analysis_th")) for s in content.get("sources") or ()),
        "focus_points": "\n".join(row_text(f["code"], f["title_th"]) for f in points),
        "targets": "\n".join(row_text(f["code"], t["code"], t["description_th"], t.get("unit"),
                                      t.get("target_value"))
                             for f in points for t in f.get("targets") or ()),
    }


def _strategy(row: list[str]) -> dict[str, Any]:
    return {"code": _needed(row[0], "รหัสกลยุทธ์"), "title_th": _needed(row[1], "กลยุทธ์"),
            "provincial_strategy_codes": _codes(row[2]), "national_strategy_codes": _codes(row[3]),
            "outcomes": [], "kpis": [], "programmes": []}


def _strategy_kpi(row: list[str]) -> dict[str, Any]:
    return {"code": _needed(row[1], "รหัสตัวชี้วัด"), "name_th": _needed(row[2], "ตัวชี้วัด"),
            "unit": row[3], "targets": _year_targets(row[4])}


def development_content(body: dict[str, Any]) -> dict[str, Any]:
    """The development plan's JSON from its form."""
    errors = _Errors()
    strategies: dict[str, dict[str, Any]] = {}
    for row in _popped(body, DEVELOPMENT_FIELDS, "strategies"):
        strategy = errors.read("strategies", row, _strategy)
        if strategy is not None:
            strategies[row[0]] = strategy
    for name in ("outcomes", "programmes"):
        for row, strategy in _by_owner(errors, name, _popped(body, DEVELOPMENT_FIELDS, name),
                                       strategies, "กลยุทธ์"):
            if row[1]:
                strategy[name].append(row[1])
    for row, strategy in _by_owner(errors, "kpis", _popped(body, DEVELOPMENT_FIELDS, "kpis"), strategies, "กลยุทธ์"):
        kpi = errors.read("kpis", row, _strategy_kpi)
        if kpi is not None:
            strategy["kpis"].append(kpi)
    errors.raise_any()
    return {**body, "strategies": list(strategies.values())}


def development_rows(plan: Mapping[str, Any]) -> dict[str, str]:
    content = plan.get("content") or {}
    strategies = content.get("strategies") or []
    return {
        "title_th": plan.get("title_th") or "",
        "vision_th": content.get("vision_th") or "",
        **{k: "\n".join(content.get(k) or ()) for k in ("missions", "goals", "values")},
        "strategies": "\n".join(row_text(
            s["code"], s["title_th"], " ".join(s.get("provincial_strategy_codes") or ()),
            " ".join(s.get("national_strategy_codes") or ())) for s in strategies),
        "outcomes": "\n".join(row_text(s["code"], o) for s in strategies
                              for o in s.get("outcomes") or ()),
        "programmes": "\n".join(row_text(s["code"], p) for s in strategies
                                for p in s.get("programmes") or ()),
        "kpis": "\n".join(row_text(
            s["code"], k["code"], k["name_th"], k.get("unit"),
            " ".join(f"{t['year_be']}={t['target_value']}" for t in k.get("targets") or ()))
            for s in strategies for k in s.get("kpis") or ()),
    }
