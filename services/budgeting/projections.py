"""Budgeting's read side: how aggregates are shown, and the reports built from lines and events.

The views are plain dicts (the API's response models validate them); the reports fold the lines'
own events, so every figure in them is a sum of recorded events, to the satang.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.budgeting.domain import (
    CATEGORY_TH,
    QUARTERS,
    ZERO,
    Allocation,
    BudgetAnalysis,
    BudgetLine,
    BudgetRequest,
    BudgetTransfer,
    CaseMixin,
    ExternalFunding,
    LeftoverReview,
    SchoolRecord,
    total_of,
)
from shared.domain import DomainEvent
from shared.thaitime import bangkok_date
from shared.thaitime import fiscal_year_be as fiscal_year_of

BALANCE_FIELDS = ("allocated", "transfers_in", "transfers_out", "committed", "disbursed")


def fiscal_period(moment: datetime) -> tuple[int, int]:
    """The fiscal year (`shared.thaitime.fiscal_year_be`, the one mapping) and its quarter
    (1 = October-December) of a moment's Bangkok date."""
    day = bangkok_date(moment)
    return fiscal_year_of(day), (day.month - 10) % 12 // 3 + 1


# --- budget lines ---------------------------------------------------------------------------------


def line_view(line: BudgetLine) -> dict[str, Any]:
    return {
        "line_id": line.id,
        "version": line.version,
        "fiscal_year_be": line.fiscal_year_be,
        "project_id": line.project_id,
        "project_code": line.project_code,
        "title_th": line.title_th,
        "category": line.category.value,
        "category_th": CATEGORY_TH[line.category],
        "plan_id": line.plan_id,
        "planned_by_quarter": [q.model_dump() for q in line.planned_by_quarter],
        "planned_total": line.planned_total,
        **line.balance().model_dump(),
        "budget": line.budget,
        "as_of": line.last_movement_at,
    }


MOVEMENTS = {
    "Opened": "opened", "PlanRevised": "plan_revised", "Allocated": "allocated",
    "TransferredIn": "transfer_in", "TransferredOut": "transfer_out", "Committed": "committed",
    "CommitmentReleased": "commitment_released", "Disbursed": "disbursed",
}


def line_history(events: Iterable[DomainEvent]) -> list[dict[str, Any]]:
    """Every event of a line with the balance right after it: the audit trail of its money."""
    line: BudgetLine | None = None
    rows = []
    for domain_event in events:
        line = domain_event.mutate(line)
        assert line is not None
        name = type(domain_event).__name__
        rows.append({
            "version": domain_event.originator_version,
            "movement": MOVEMENTS.get(name, name),
            "at": domain_event.at,  # type: ignore[attr-defined]
            "recorded_at": domain_event.timestamp,
            "actor": domain_event.actor,
            "amount": getattr(domain_event, "amount", None),
            "reference": _reference(domain_event),
            "balance": line.balance().model_dump(),
        })
    return rows


def _reference(domain_event: DomainEvent) -> str | None:
    for name in ("reference", "transfer_id", "allocation_id", "plan_id"):
        value = getattr(domain_event, name, None)
        if value is not None:
            return str(value)
    return None


def spending_plan(fiscal_year_be: int,
                  lines: Sequence[tuple[BudgetLine, Iterable[DomainEvent]]]) -> dict[str, Any]:
    """แผนการใช้จ่ายงบประมาณ: by project, category and quarter, planned beside what was done.

    A disbursement counts in the quarter of the plan's fiscal year it was made in (Bangkok
    date); one made outside that year (paid after the year ended) is no quarter's, and shows
    as `disbursed_outside_year`."""
    rows = []
    for line, events in sorted(lines, key=lambda x: (x[0].project_code, x[0].category.value)):
        disbursed = dict.fromkeys(QUARTERS, ZERO)
        outside = ZERO
        for domain_event in events:
            if type(domain_event).__name__ == "Disbursed":
                year, quarter = fiscal_period(domain_event.at)  # type: ignore[attr-defined]
                if year == fiscal_year_be:
                    disbursed[quarter] += domain_event.amount  # type: ignore[attr-defined]
                else:
                    outside += domain_event.amount  # type: ignore[attr-defined]
        planned = {q.quarter: q.amount for q in line.planned_by_quarter}
        rows.append({
            "line_id": line.id, "project_code": line.project_code, "title_th": line.title_th,
            "category": line.category.value, "category_th": CATEGORY_TH[line.category],
            "quarters": [{"quarter": q, "planned": planned.get(q, ZERO),
                          "disbursed": disbursed[q]} for q in QUARTERS],
            "disbursed_outside_year": outside,
            "planned_total": line.planned_total, "budget": line.budget,
            **line.balance().model_dump(),
        })
    by_category = {}
    for category in CATEGORY_TH:
        mine = [r for r in rows if r["category"] == category.value]
        if mine:
            by_category[category.value] = {
                "category_th": CATEGORY_TH[category],
                "planned_total": total_of(r["planned_total"] for r in mine),
                "budget": total_of(r["budget"] for r in mine),
                "disbursed": total_of(r["disbursed"] for r in mine),
                "available": total_of(r["available"] for r in mine),
            }
    return {
        "fiscal_year_be": fiscal_year_be,
        "title_th": f"แผนการใช้จ่ายงบประมาณ ประจำปีงบประมาณ พ.ศ. {fiscal_year_be}",
        "lines": rows,
        "by_category": by_category,
        "totals": {name: total_of(r[name] for r in rows)
                   for name in ("planned_total", "budget", *BALANCE_FIELDS, "available")},
    }


SPENDING_PLAN_COLUMNS = (
    ("project_code", "รหัสโครงการ"), ("title_th", "โครงการ"), ("category_th", "งบรายจ่าย"),
    ("q1", "แผนไตรมาส 1"), ("q2", "แผนไตรมาส 2"), ("q3", "แผนไตรมาส 3"), ("q4", "แผนไตรมาส 4"),
    ("planned_total", "แผนรวม"), ("allocated", "ได้รับจัดสรร"), ("transfers_in", "รับโอน"),
    ("transfers_out", "โอนออก"), ("committed", "ก่อหนี้ผูกพัน"), ("disbursed", "เบิกจ่าย"),
    ("available", "คงเหลือ"),
)


def spending_plan_csv(plan: dict[str, Any]) -> str:
    """The spending plan as a spreadsheet officers open in Excel (UTF-8 with BOM, Thai headers);
    a cell that would start a formula is prefixed with an apostrophe."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([plan["title_th"]])
    writer.writerow([th for _, th in SPENDING_PLAN_COLUMNS])
    for row in plan["lines"]:
        cells = {**row, **{f"q{q['quarter']}": q["planned"] for q in row["quarters"]}}
        writer.writerow([_cell(cells[key]) for key, _ in SPENDING_PLAN_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = f"{value:.2f}" if isinstance(value, Decimal) else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@"} and not isinstance(value, Decimal) else text


# --- schools --------------------------------------------------------------------------------------


def school_view(school: SchoolRecord, as_of: date) -> dict[str, Any]:
    """`status` as the school stands on `as_of`; `merged_into` and `status_from` are the
    restructuring decision as recorded, so one effective later shows with the school still open."""
    return {
        "school_code": school.school_code,
        "name_th": school.display_name,
        "district": school.district,
        "status": school.status_on(as_of).value,
        "merged_into": school.merged_into,
        "status_from": school.status_from,
        "snapshots": [
            {"academic_year_be": s.academic_year_be, "term": s.term,
             "snapshot_date": s.snapshot_date,
             "pupils_by_level": {k.value: v for k, v in s.pupils_by_level.items()},
             "total": sum(s.pupils_by_level.values())}
            for _, s in sorted(school.snapshots.items())
        ],
        "version": school.version,
    }


# --- cases ----------------------------------------------------------------------------------------


def case_header(case: CaseMixin, kind: str, title_th: str) -> dict[str, Any]:
    return {
        "case_id": case.id,  # type: ignore[attr-defined]
        "case_type": kind,
        "version": case.version,  # type: ignore[attr-defined]
        "fiscal_year_be": case.fiscal_year_be,  # type: ignore[attr-defined]
        "title_th": title_th,
        "step": case.step.value,
        "step_th": case.step_th,
        "holder": case.holder,
        "holder_th": case.holder_th,
        "since": case.since,
        "due": case.due,
        "closed": case.closed,
    }


def _approvals(case: Any) -> list[dict[str, Any]]:
    return [a.model_dump() for a in case.approvals]


def _committee(case: Any) -> dict[str, Any] | None:
    return case.committee.model_dump() if case.committee is not None else None


def transfer_title(transfer: BudgetTransfer) -> str:
    return (f"โอนเปลี่ยนแปลงงบประมาณ {transfer.source_code} ({CATEGORY_TH[transfer.source_category]})"
            f" → {transfer.target_code} ({CATEGORY_TH[transfer.target_category]})")


def case_title(case: Any) -> str:
    if isinstance(case, BudgetTransfer):
        return transfer_title(case)
    return case.title_th


def allocation_view(a: Allocation) -> dict[str, Any]:
    return {
        **case_header(a, "allocation", a.title_th),
        "line_id": a.line_id, "ceiling": a.ceiling, "criteria_th": a.criteria_th,
        "prepared_by": a.prepared_by, "committee": _committee(a),
        "method": a.method.value if a.method else None,
        "rates": {k.value: v for k, v in a.rates.items()} if a.rates else None,
        "total": a.total, "remaining_under_ceiling": a.ceiling - a.total,
        "items": [i.model_dump() for i in a.items], "round": a.round, "approvals": _approvals(a),
    }


def transfer_view(t: BudgetTransfer) -> dict[str, Any]:
    return {
        **case_header(t, "budget_transfer", transfer_title(t)),
        "source_line_id": t.source_line_id, "target_line_id": t.target_line_id,
        "amount": t.amount, "reason_th": t.reason_th, "new_investment_item": t.new_investment_item,
        "rule": t.rule_code, "approvals_required": [b.value for b in t.approvals_required],
        "awaiting": t.awaiting.value if t.awaiting else None, "round": t.round,
        "approvals": _approvals(t), "proposed_by": t.proposed_by,
        "leftover_review_id": t.leftover_review_id,
        "report": t.report.model_dump() if t.report else None,
    }


def leftover_view(r: LeftoverReview) -> dict[str, Any]:
    return {
        **case_header(r, "leftover_review", r.title_th),
        "committee": _committee(r), "lines": [line.model_dump() for line in r.lines],
        "total_leftover": r.total_leftover, "guidelines_th": r.guidelines_th,
        "reallocations": [{"transfer_id": t, "source_line_id": s, "amount": a}
                          for t, s, a in r.reallocations],
        "reallocated_total": r.reallocated_total,
        "report": r.report.model_dump() if r.report else None,
    }


def analysis_view(a: BudgetAnalysis) -> dict[str, Any]:
    return {
        **case_header(a, "budget_analysis", a.title_th),
        "respondents": a.respondents, "survey_due": a.survey_due,
        "responses": [{"respondent": k, "summary_th": v} for k, v in sorted(a.responses.items())],
        "outstanding": sorted(set(a.respondents) - set(a.responses)),
        "committee": _committee(a), "summary_th": a.summary_th,
        "figures": [f.model_dump() for f in a.figures], "total": a.total, "drafts": a.drafts,
        "round": a.round, "approvals": _approvals(a), "published_on": a.published_on,
        "report": a.report.model_dump() if a.report else None,
    }


def request_view(r: BudgetRequest) -> dict[str, Any]:
    return {
        **case_header(r, "budget_request", r.title_th),
        "kind": r.kind.value, "criteria_th": r.criteria_th, "submission_due": r.submission_due,
        "committee": _committee(r),
        "schools": [{**s.model_dump(), "requested": s.requested, "agreed_total": s.agreed_total}
                    for _, s in sorted(r.schools.items())],
        "targets": [{"party": p, "outputs": [o.model_dump() for o in outs]}
                    for p, outs in sorted(r.targets.items())],
        "compiled_total": r.compiled_total,
        "by_category": {k.value: v for k, v in r.by_category().items()},
        "round": r.round, "approvals": _approvals(r),
        "report": r.report.model_dump() if r.report else None,
    }


def funding_view(f: ExternalFunding) -> dict[str, Any]:
    return {
        **case_header(f, "external_funding", f.title_th),
        "school_code": f.school_code, "school_name_th": f.school_name_th,
        "source_th": f.source_th, "project_th": f.project_th, "amount": f.amount,
        "value_analysis_th": f.value_analysis_th, "round": f.round, "approvals": _approvals(f),
        "notified_on": f.notified_on,
        "receipts": [{"received_on": d, "amount": a, "reference": ref} for d, a, ref in f.receipts],
        "received_total": f.received_total,
    }


VIEWS: dict[type, Any] = {
    Allocation: allocation_view, BudgetTransfer: transfer_view, LeftoverReview: leftover_view,
    BudgetAnalysis: analysis_view, BudgetRequest: request_view, ExternalFunding: funding_view,
}


def case_view(case: Any) -> dict[str, Any]:
    return VIEWS[type(case)](case)


def external_resources_register(fundings: Iterable[ExternalFunding],
                                fiscal_year_be: int) -> dict[str, Any]:
    """ทะเบียนการระดมทรัพยากร: every amount raised from outside in a fiscal year. A receipt is
    filed by the fiscal year of its own date (1 October - 30 September, `shared.thaitime.fiscal_year_be`), not by
    its case's: what arrives on 1 October 2024 is FY 2568's, whatever year the request named."""
    entries = sorted(
        ({"funding_id": f.id, "school_code": f.school_code, "school_name_th": f.school_name_th,
          "source_th": f.source_th, "project_th": f.project_th, "received_on": day,
          "amount": amount, "reference": reference, "case_fiscal_year_be": f.fiscal_year_be}
         for f in fundings
         for day, amount, reference in f.receipts if fiscal_year_of(day) == fiscal_year_be),
        key=lambda e: (e["received_on"], e["school_code"]))
    return {"fiscal_year_be": fiscal_year_be, "entries": entries,
            "total": total_of(e["amount"] for e in entries)}
