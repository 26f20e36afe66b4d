"""Budgeting's read side: how aggregates are shown, the rows of its persisted lists, and the
reports built from them.

The views are plain dicts (the API's response models validate them). Each list is a listing in
budgeting's own database (`shared.readmodels`), one row per aggregate: `*_row` says what a row
keeps (the columns lists are filtered and sorted by, and its view). Every figure of a report is a
sum the lines' own events made, to the satang: the spending plan reads each line's disbursements by
quarter from the line (`BudgetLine.disbursed_in_quarter`), as its events left it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic_core import to_jsonable_python

from contracts.restructuring.v1 import SchoolStatus
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
from shared.readmodels import Listing, sortable_moment
from shared.thaitime import fiscal_year_be as fiscal_year_of

BALANCE_FIELDS = ("allocated", "transfers_in", "transfers_out", "committed", "disbursed")
OPEN_FOR_GOOD = "9999-12-31"  # `open_until` of a school no restructuring closed
BATCH = 500  # rows a keyset read takes at a time


def moment_key(moment: datetime) -> str:
    """A moment as a column lists sort and compare by: fixed width and in UTC (isoformat drops
    zero microseconds and keeps the offset the moment came with, so its text order is not time
    order)."""
    return sortable_moment(moment)


def as_json(view: Any) -> Any:
    """A view as a row keeps it: JSON (money as text to the satang, enums by value, enum keys
    as text), which the API's response models read back."""
    return to_jsonable_python(view)


def every_row(listing: Listing, where: dict[str, Any], order_by: Sequence[str]
              ) -> Iterator[dict[str, Any]]:
    """Every row of a selection, a batch at a time after the last one given (keyset), so a
    report or an export never holds more than a batch."""
    keys = (*order_by, "id")
    after: list[Any] | None = None
    while True:
        rows = listing.select(where, order_by=order_by, after=after, limit=BATCH)
        yield from rows
        if len(rows) < BATCH:
            return
        after = [rows[-1][key] for key in keys]


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


def line_row(line: BudgetLine) -> dict[str, Any]:
    """The `lines` listing: filtered by fiscal year, project code and category, sorted by them;
    the view is the line's, with what the spending plan reads of it."""
    return {
        "fiscal_year_be": line.fiscal_year_be, "project_code": line.project_code,
        "category": line.category.value, "opened_at": moment_key(line.opened_at),
        "view": as_json({**line_view(line), "spending": {
            "disbursed_in_quarter": {str(q): line.disbursed_in_quarter[q] for q in QUARTERS},
            "disbursed_outside_year": line.disbursed_outside_year}}),
    }


def line_list_view(view: dict[str, Any]) -> dict[str, Any]:
    """A line as a list shows it (its row's view without what only reports read)."""
    return {key: value for key, value in view.items() if key != "spending"}


MOVEMENTS = {
    "Opened": "opened", "PlanRevised": "plan_revised", "Allocated": "allocated",
    "TransferredIn": "transfer_in", "TransferredOut": "transfer_out", "Committed": "committed",
    "CommitmentReleased": "commitment_released", "Disbursed": "disbursed",
}


def line_history(events: Iterable[DomainEvent],
                 line: BudgetLine | None = None) -> list[dict[str, Any]]:
    """Each event of a line with the balance right after it: the audit trail of its money.
    `line`: the line as it stood before the first of `events` (a page after the first)."""
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


def spending_plan_title(fiscal_year_be: int) -> str:
    return f"แผนการใช้จ่ายงบประมาณ ประจำปีงบประมาณ พ.ศ. {fiscal_year_be}"


def spending_plan_row(view: Mapping[str, Any]) -> dict[str, Any]:
    """A line of the spending plan from its `lines` row. A disbursement counts in the quarter of
    the line's fiscal year it was made in (Bangkok date); one made outside that year (paid after
    the year ended) is no quarter's, and shows as `disbursed_outside_year`."""
    planned = {q["quarter"]: Decimal(str(q["amount"])) for q in view["planned_by_quarter"]}
    disbursed = view["spending"]["disbursed_in_quarter"]
    return {
        "line_id": view["line_id"], "project_code": view["project_code"],
        "title_th": view["title_th"], "category": view["category"],
        "category_th": view["category_th"],
        "quarters": [{"quarter": q, "planned": planned.get(q, ZERO),
                      "disbursed": Decimal(str(disbursed[str(q)]))} for q in QUARTERS],
        "disbursed_outside_year": Decimal(str(view["spending"]["disbursed_outside_year"])),
        **{name: Decimal(str(view[name]))
           for name in ("planned_total", "budget", *BALANCE_FIELDS, "available")},
    }


def spending_plan(fiscal_year_be: int, views: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """แผนการใช้จ่ายงบประมาณ: by project, category and quarter, planned beside what was done;
    `views` are the year's lines in (project code, category) order."""
    rows = [spending_plan_row(view) for view in views]
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
        "title_th": spending_plan_title(fiscal_year_be),
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


def spending_plan_csv(fiscal_year_be: int, views: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The spending plan as a spreadsheet officers open in Excel (UTF-8 with BOM, Thai headers),
    a line of text at a time as the year's lines are read; a cell that would start a formula is
    prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out)

    def line(cells: Sequence[Any]) -> str:
        writer.writerow(cells)
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    yield "\ufeff" + line([spending_plan_title(fiscal_year_be)])
    yield line([th for _, th in SPENDING_PLAN_COLUMNS])
    for view in views:
        row = spending_plan_row(view)
        cells = {**row, **{f"q{q['quarter']}": q["planned"] for q in row["quarters"]}}
        yield line([_cell(cells[key]) for key, _ in SPENDING_PLAN_COLUMNS])


def _cell(value: Any) -> str:
    text = f"{value:.2f}" if isinstance(value, Decimal) else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@"} and not isinstance(value, Decimal) else text


# --- schools --------------------------------------------------------------------------------------


def school_row(school: SchoolRecord) -> dict[str, Any]:
    """The `schools` listing: the school as recorded (its snapshot state, which the per-head
    computation reads too), filtered by district and by status on a day: a school is open on a
    day before `open_until` (the effective date of its merger, dissolution or transfer)."""
    closed = school.status != SchoolStatus.open and school.status_from is not None
    return {
        "school_code": school.school_code, "district": school.district,
        "status": school.status.value,
        "open_until": school.status_from.isoformat() if closed else OPEN_FOR_GOOD,  # type: ignore[union-attr]
        "view": as_json({"school_id": school.id, "version": school.version,
                         "state": school.snapshot_state()}),
    }


def school_of_row(view: Mapping[str, Any]) -> SchoolRecord:
    return SchoolRecord.restored(view["state"], UUID(str(view["school_id"])), view["version"])


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


# The kind of each case, as its view and its listing row name it.
CASE_KINDS: dict[type, str] = {
    Allocation: "allocation", BudgetTransfer: "budget_transfer", LeftoverReview: "leftover_review",
    BudgetAnalysis: "budget_analysis", BudgetRequest: "budget_request",
    ExternalFunding: "external_funding"}


def case_view(case: Any) -> dict[str, Any]:
    return VIEWS[type(case)](case)


def case_row(case: Any) -> dict[str, Any]:
    """The `cases` listing: every case of every kind, filtered by kind, fiscal year, step, holder
    and whether it is over, most recently changed first (`since`)."""
    view = case_view(case)
    return {"case_type": view["case_type"], "fiscal_year_be": case.fiscal_year_be,
            "step": case.step.value, "holder": case.holder, "closed": case.closed,
            "since": moment_key(case.since), "view": as_json(view)}


def resources_row(funding: ExternalFunding) -> dict[str, Any] | None:
    """The `external_resources` listing: a request for external support once something was
    received, with the fiscal years its receipts are filed in (a receipt by the fiscal year of
    its own date, 1 October - 30 September, not by its case's: what arrives on 1 October 2024
    is FY 2568's, whatever year the request named)."""
    if not funding.receipts:
        return None
    years = [fiscal_year_of(day) for day, _, _ in funding.receipts]
    return {"first_year": min(years), "last_year": max(years), "view": as_json({
        "funding_id": funding.id, "school_code": funding.school_code,
        "school_name_th": funding.school_name_th, "source_th": funding.source_th,
        "project_th": funding.project_th, "case_fiscal_year_be": funding.fiscal_year_be,
        "receipts": [{"received_on": day, "amount": amount, "reference": reference}
                     for day, amount, reference in funding.receipts]})}


def register_entries(views: Iterable[Mapping[str, Any]], fiscal_year_be: int
                     ) -> list[tuple[tuple[str, str, str, int], dict[str, Any]]]:
    """ทะเบียนการระดมทรัพยากร: the receipts of `views` filed in the fiscal year, each with its
    place in the register (date received, school, request, receipt)."""
    entries = []
    for view in views:
        for n, receipt in enumerate(view["receipts"]):
            received_on = date.fromisoformat(str(receipt["received_on"]))
            if fiscal_year_of(received_on) != fiscal_year_be:
                continue
            key = (received_on.isoformat(), view["school_code"], str(view["funding_id"]), n)
            entries.append((key, {
                "funding_id": view["funding_id"], "school_code": view["school_code"],
                "school_name_th": view["school_name_th"], "source_th": view["source_th"],
                "project_th": view["project_th"], "received_on": received_on,
                "amount": Decimal(str(receipt["amount"])), "reference": receipt["reference"],
                "case_fiscal_year_be": view["case_fiscal_year_be"]}))
    return sorted(entries, key=lambda entry: entry[0])
