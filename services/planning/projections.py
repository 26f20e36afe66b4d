"""Read models of the planning service, laid out the way the office publishes them.

- plans as the API shows them (`plan_view`), and as the `plans` listing keeps them in planning's
  database (`plan_row`: what lists page, filter and sort by; the application declares it);
- the alignment matrix (procedure 8): which office strategies and projects serve which provincial
  and national strategies, and which serve none, as JSON and as Thai CSV/Excel rows;
- the approved annual action plan as a document (strategy → project → budget → KPI) with
  Buddhist-era dates and baht written with thousands separators, for the PDF and Excel exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.planning.domain import (
    APPROVED_STEPS,
    BODY_TH,
    DECISION_TH,
    EXPENSE_CATEGORY_TH,
    KIND_TH,
    STRATEGY_LEVEL_TH,
    ActionPlanContent,
    DevelopmentPlanContent,
    ExpenseCategory,
    FiscalYear,
    HigherStrategy,
    Plan,
    Project,
    ReferenceStrategies,
    StrategyLevel,
)
from shared.thaimoney import format_baht
from shared.thaitime import format_thai_date

QUARTERS = (1, 2, 3, 4)
QUARTER_TH = ("ไตรมาส 1 (ต.ค.-ธ.ค.)", "ไตรมาส 2 (ม.ค.-มี.ค.)", "ไตรมาส 3 (เม.ย.-มิ.ย.)",
              "ไตรมาส 4 (ก.ค.-ก.ย.)")
DIRECT, VIA_STRATEGY = "direct", "via_strategy"
MARK = {DIRECT: "●", VIA_STRATEGY: "○"}


# --- plans as the API shows them, and as their listing keeps them ---------------------------------


def approval_view(approval: Any) -> dict[str, Any] | None:
    if approval is None:
        return None
    return {
        **approval.model_dump(mode="json"),
        "body_th": BODY_TH[approval.body],
        "decision_th": DECISION_TH[approval.decision],
    }


def plan_view(plan: Plan, *, with_content: bool = True) -> dict[str, Any]:
    content = plan.content
    view: dict[str, Any] = {
        "plan_id": str(plan.id),
        "kind": plan.kind.value,
        "kind_th": KIND_TH[plan.kind],
        "procedure": plan.procedure,
        "title_th": plan.title_th,
        "fiscal_year_be": plan.fiscal_year_be,
        "start_year_be": plan.start_year_be,
        "end_year_be": plan.end_year_be,
        "lineage_id": str(plan.lineage_id),
        "plan_version": plan.plan_version,
        "amends_plan_id": str(plan.amends_plan_id) if plan.amends_plan_id else None,
        "drafted_by": plan.drafted_by,
        "drafter_name_th": plan.drafter_name_th,
        "step": plan.step.value,
        "step_th": plan.step_th,
        "holder": plan.holder,
        "holder_th": plan.holder_th,
        "step_since": plan.step_since,
        "revisions": plan.revisions,
        "rounds": [
            {
                "round": r.number,
                "body": r.body.value,
                "body_th": BODY_TH[r.body],
                "submitted_by": r.submitted_by,
                "submitted_at": r.submitted_at,
                "decided_by": r.decided_by,
                "decided_at": r.decided_at,
                "decision": approval_view(r.approval),
            }
            for r in plan.rounds
        ],
        "approval": approval_view(plan.approval),
        "effective_from": plan.effective_from,
        "published_on": plan.published_on,
        "started_on": plan.started_on,
        "closed_on": plan.closed_on,
        "superseded_by": str(plan.superseded_by) if plan.superseded_by else None,
        "version": plan.version,
    }
    if isinstance(content, ActionPlanContent):
        view["total_budget"] = str(content.total_budget)
        view["project_count"] = len(content.projects)
    if isinstance(content, DevelopmentPlanContent):
        view["strategy_count"] = len(content.strategies)
    if with_content:
        view["content"] = content.model_dump(mode="json")
    return view


def strategies_view(level: StrategyLevel, register: ReferenceStrategies | None) -> dict[str, Any]:
    rows = sorted(register.strategies.values(), key=lambda s: s.code) if register else []
    return {
        "level": level.value,
        "level_th": STRATEGY_LEVEL_TH[level],
        "strategies": [s.model_dump() for s in rows],
        "version": register.version if register else 0,
    }


# Sort keys of the listing are never NULL: a day not reached is the end of time.
FOREVER = "9999-12-31"


def plan_row(plan: Plan) -> dict[str, Any]:
    """A plan as the `plans` listing keeps it: what lists filter and sort by, and the list's view
    (the plan without its content). `standing`: an approved version not superseded (what a
    competing approval and the alignment look for); `in_force_from`/`in_force_until`: the days an
    approved version may be in force (its lineage decides which one is)."""
    approved = plan.step in APPROVED_STEPS and plan.effective_from is not None
    return {
        "kind": plan.kind.value,
        "fiscal_year_be": plan.fiscal_year_be or 0,  # 0: a development plan (a period of years)
        "step": plan.step.value,
        "holder": plan.holder or "",
        "title_th": plan.title_th,
        "lineage_id": str(plan.lineage_id),
        "plan_version": plan.plan_version,
        "step_since": plan.step_since or plan.created_on,
        "standing": approved and plan.superseded_by is None,
        "in_force_from": plan.effective_from.isoformat() if approved and plan.effective_from
        else FOREVER,
        "in_force_until": plan.closed_on.isoformat() if plan.closed_on else FOREVER,
        "view": plan_view(plan, with_content=False),
    }


PLAN_COLUMNS = {"kind": "text", "fiscal_year_be": "int", "step": "text", "holder": "text",
                "title_th": "text", "lineage_id": "text", "plan_version": "int",
                "step_since": "text", "standing": "bool", "in_force_from": "text",
                "in_force_until": "text"}
PLAN_INDEXES = (("step_since",), ("kind", "step_since"), ("fiscal_year_be", "step_since"),
                ("step", "step_since"), ("lineage_id", "plan_version"),
                ("kind", "fiscal_year_be", "standing"), ("kind", "in_force_from"))


def fiscal_year_row(year: FiscalYear) -> dict[str, Any]:
    return {"year_be": year.year_be, "closed": year.closed,
            "view": {"fiscal_year_be": year.year_be, "closed": year.closed}}


# --- alignment matrix (procedure 8) ----------------------------------------------------------------


def alignment_matrix(
    *,
    on: date,
    fiscal_year_be: int,
    development_plans: list[Plan],
    action_plans: list[Plan],
    references: dict[StrategyLevel, list[HigherStrategy]],
) -> dict[str, Any]:
    """Rows: the office strategies of the development plans in force on `on` and the projects of
    the fiscal year's approved action plans. Columns: every provincial and national strategy.
    A project serves its own codes directly and its strategy's codes through the strategy."""
    columns = [{"level": level.value, "level_th": STRATEGY_LEVEL_TH[level], "code": s.code,
                "title_th": s.title_th}
               for level in (StrategyLevel.provincial, StrategyLevel.national)
               for s in sorted(references.get(level, []), key=lambda s: s.code)]
    rows: list[dict[str, Any]] = []
    strategy_codes: dict[str, dict[str, str]] = {}
    for plan in development_plans:
        content = plan.content
        if not isinstance(content, DevelopmentPlanContent):
            continue
        for strategy in content.strategies:
            serves = {c: DIRECT for c in (*strategy.provincial_strategy_codes,
                                          *strategy.national_strategy_codes)}
            strategy_codes[strategy.code] = serves
            rows.append(_row("strategy", strategy.code, strategy.title_th, plan, serves,
                             strategy_code=strategy.code))
    for plan in action_plans:
        content = plan.content
        if not isinstance(content, ActionPlanContent):
            continue
        for project in content.projects:
            serves = {c: VIA_STRATEGY for c in strategy_codes.get(project.strategy_code, {})}
            serves |= {c: DIRECT for c in (*project.provincial_strategy_codes,
                                           *project.national_strategy_codes)}
            rows.append(_row("project", project.code, project.title_th, plan, serves,
                             strategy_code=project.strategy_code))
    served = {code for row in rows for code in row["serves"]}
    return {
        "on": on,
        "fiscal_year_be": fiscal_year_be,
        "development_plan_ids": [str(p.id) for p in development_plans],
        "action_plan_ids": [str(p.id) for p in action_plans],
        "columns": columns,
        "rows": rows,
        "serving_none": [{"type": r["type"], "code": r["code"], "title_th": r["title_th"]}
                         for r in rows if r["serves_none"]],
        "not_served": [c for c in columns if c["code"] not in served],
    }


def _row(kind: str, code: str, title_th: str, plan: Plan, serves: dict[str, str], *,
         strategy_code: str) -> dict[str, Any]:
    return {"type": kind, "type_th": "กลยุทธ์" if kind == "strategy" else "โครงการ",
            "code": code, "title_th": title_th, "strategy_code": strategy_code,
            "plan_id": str(plan.id), "serves": dict(sorted(serves.items())),
            "serves_none": not serves}


SERVES_NONE_TH = "✗ ไม่สอดคล้องกับยุทธศาสตร์ใด"
NOT_SERVED_TH = "✗ ไม่มีกลยุทธ์หรือโครงการใดสนับสนุน"
LEGEND_TH = f"● สอดคล้องโดยตรง  ○ สอดคล้องผ่านกลยุทธ์  {SERVES_NONE_TH}  {NOT_SERVED_TH}"


def alignment_table(matrix: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The matrix as Thai spreadsheet rows, everything the JSON says: each office strategy and
    project with ● where it serves a strategy directly, ○ through its own strategy, and a note
    when it serves none; then each provincial or national strategy nobody serves, with ✗ in its
    own column."""
    columns = matrix["columns"]
    headings = ["ประเภท", "รหัส", "ชื่อ", "กลยุทธ์"]
    headings += [f"{c['level_th']} {c['code']}" for c in columns]
    headings.append("หมายเหตุ")
    rows = []
    for row in matrix["rows"]:
        marks = [MARK.get(row["serves"].get(c["code"], ""), "") for c in columns]
        rows.append([row["type_th"], row["code"], row["title_th"], row["strategy_code"], *marks,
                     SERVES_NONE_TH if row["serves_none"] else ""])
    for unserved in matrix["not_served"]:
        marks = ["✗" if c == unserved else "" for c in columns]
        rows.append([unserved["level_th"], unserved["code"], unserved["title_th"], "", *marks,
                     NOT_SERVED_TH])
    return headings, rows


# --- the approved action plan as a document ---------------------------------------------------------


@dataclass(frozen=True)
class StrategySection:
    code: str
    title_th: str
    projects: list[Project]

    @property
    def total(self) -> Decimal:
        return sum((p.total_budget for p in self.projects), Decimal("0"))


@dataclass(frozen=True)
class ActionPlanDocument:
    title_th: str
    office_name_th: str
    fiscal_year_be: int
    fiscal_year_th: str
    approval_th: str
    total_budget: Decimal
    approval_lines_th: list[str]
    sections: list[StrategySection]


def action_plan_document(plan: Plan, office_name_th: str) -> ActionPlanDocument:
    content: ActionPlanContent = plan.content
    order: list[str] = []
    by_strategy: dict[str, list[Project]] = {}
    for project in content.projects:
        if project.strategy_code not in by_strategy:
            order.append(project.strategy_code)
        by_strategy.setdefault(project.strategy_code, []).append(project)
    sections = [StrategySection(code, plan.strategy_titles.get(code, ""), by_strategy[code])
                for code in sorted(order)]
    year = plan.fiscal_year_be or 0
    return ActionPlanDocument(
        title_th=plan.title_th,
        office_name_th=office_name_th,
        fiscal_year_be=year,
        fiscal_year_th=f"ปีงบประมาณ พ.ศ. {year}",
        approval_th=approval_sentence(plan),
        approval_lines_th=approval_parts(plan),
        total_budget=content.total_budget,
        sections=sections,
    )


def approval_sentence(plan: Plan) -> str:
    return " ".join(approval_parts(plan))


def approval_parts(plan: Plan) -> list[str]:
    """The approval in its natural lines: by whom, when, on which resolution ([] if none)."""
    approval = plan.approval
    if approval is None:
        return []
    parts = [f"ได้รับความเห็นชอบจาก{BODY_TH[approval.body]}",
             f"เมื่อวันที่ {thai_date(approval.decided_on)}"]
    if approval.resolution is not None:
        parts.append(f"ตาม {approval.resolution.reference} ลงวันที่ "
                     f"{thai_date(approval.resolution.dated)}")
    return parts


def thai_date(day: date | None) -> str:
    return format_thai_date(day, full=True) if day is not None else ""


def period_th(starts_on: date, ends_on: date) -> str:
    return f"{format_thai_date(starts_on)} - {format_thai_date(ends_on)}"


def budget_rows(project: Project) -> list[list[str]]:
    """One row per expense category used (quarters 1-4 and the total), then the total row."""
    amounts: dict[tuple[ExpenseCategory, int], Decimal] = {
        (line.category, line.quarter): line.amount for line in project.budget_lines}
    rows = []
    for category in ExpenseCategory:
        cells = [amounts.get((category, q)) for q in QUARTERS]
        if all(c is None for c in cells):
            continue
        total = sum((c for c in cells if c is not None), Decimal("0"))
        rows.append([EXPENSE_CATEGORY_TH[category],
                     *(format_baht(c) if c is not None else "-" for c in cells), format_baht(total)])
    # A quarter with nothing planned reads "-" in its total too, as in the rows above it.
    quarter_totals = [[a for (_, q), a in amounts.items() if q == quarter] for quarter in QUARTERS]
    rows.append(["รวม", *(format_baht(sum(t, Decimal("0"))) if t else "-" for t in quarter_totals),
                 format_baht(project.total_budget)])
    return rows


def kpi_rows(project: Project) -> list[list[str]]:
    rows = []
    for kpi in project.kpis:
        by_quarter = {q.quarter: q.target_value for q in kpi.quarter_targets}
        rows.append([kpi.code, kpi.name_th, kpi.unit, _number(kpi.target_value),
                     *(_number(by_quarter.get(q)) for q in QUARTERS)])
    return rows


def _number(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{value:,f}" if value != value.to_integral_value() else f"{value:,.0f}"


def links_th(project: Project) -> str:
    parts = []
    if project.policy_focus_codes:
        parts.append("จุดเน้น " + ", ".join(project.policy_focus_codes))
    if project.provincial_strategy_codes:
        parts.append("ยุทธศาสตร์จังหวัด " + ", ".join(project.provincial_strategy_codes))
    if project.national_strategy_codes:
        parts.append("ยุทธศาสตร์ชาติ " + ", ".join(project.national_strategy_codes))
    return "; ".join(parts) or "-"
