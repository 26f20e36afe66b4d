"""Monitoring's own work, given-when-then: monitoring plans and progress, budget use, inspection
recommendations, evaluations (procedures 14-15)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from services.monitoring.domain import (
    AlreadyIssued,
    BeforeTheInspection,
    BudgetLine,
    BudgetUse,
    BudgetUseEntry,
    DueBeforeToday,
    DuplicateCode,
    Evaluation,
    EvaluationKind,
    EvaluationResult,
    Evidence,
    EvidenceRequired,
    IndicatorResult,
    InspectionIssue,
    InspectionRound,
    InvalidPeriod,
    InvalidValue,
    MonitoringPlan,
    NotTheAssignee,
    PeriodTarget,
    PlanContent,
    PlanKind,
    PlanSuperseded,
    RecommendationStep,
    TrackedGroup,
    TrackedItem,
    UnknownIssue,
    UnknownTrackedItem,
    WrongStep,
    fiscal_quarter,
    percent,
    period_end,
)
from shared.domain import DomainError

AT = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)
# The day of the inspection (20 January 2025) in Bangkok: the inspectors' recommendations come then.
INSPECTED = datetime(2025, 1, 19, 17, 0, tzinfo=UTC)
EVIDENCE = Evidence(name="รูปภาพกิจกรรม.jpg", media_type="image/jpeg", sha256="a" * 64, size=10)


def content(version: int = 1, target: str = "95", **changes: object) -> PlanContent:
    values: dict[str, object] = {
        "kind": PlanKind.action_plan, "source_plan_id": SOURCE, "source_version": version,
        "title_th": "แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2568", "fiscal_year_be": 2568,
        "approved_on": date(2024, 11, 20),
        "groups": (TrackedGroup(
            code="P68-01", title_th="โครงการอ่านออกเขียนได้", project_id=PROJECT,
            responsible="off-1",
            items=(TrackedItem(code="K1", name_th="ร้อยละนักเรียนอ่านออก", unit="ร้อยละ",
                               target_value=Decimal(target),
                               period_targets=(PeriodTarget(period="q2",
                                                            target_value=Decimal("60")),)),
                   TrackedItem(code="K2", name_th="จำนวนครูที่ผ่านการอบรม", unit="คน",
                               target_value=Decimal("40"))),
            budget_lines=(BudgetLine(category="operations", quarter=1, amount=Decimal("45000.00")),
                          BudgetLine(category="subsidies", quarter=2,
                                     amount=Decimal("75000.50")))),),
    }
    values.update(changes)
    return PlanContent(**values)


SOURCE = uuid4()
PROJECT = uuid4()


def plan_with(*reports: tuple[str, str, str]) -> MonitoringPlan:
    plan = MonitoringPlan.open(content(), grace_days=15, at=AT)
    for item, period, value in reports:
        plan.report(group_code="P68-01", item_code=item, period=period, value=Decimal(value),
                    note="", evidence=None, by="off-1", at=AT)
    return plan


# --- calendar rules ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("day", "quarter"), [
    (date(2024, 10, 1), 1), (date(2024, 12, 31), 1), (date(2025, 1, 1), 2), (date(2025, 3, 31), 2),
    (date(2025, 4, 1), 3), (date(2025, 7, 1), 4), (date(2025, 9, 30), 4)])
def test_fiscal_quarters_start_in_october(day: date, quarter: int) -> None:
    assert fiscal_quarter(day) == quarter


def test_a_period_ends_on_its_quarters_last_day_or_the_fiscal_years() -> None:
    assert period_end("q1", 2568) == date(2024, 12, 31)
    assert period_end("q4", 2568) == date(2025, 9, 30)
    assert period_end("2568", None) == date(2025, 9, 30)


def test_percent_is_exact_to_two_places_and_none_without_a_whole() -> None:
    assert percent(Decimal("96"), Decimal("95")) == Decimal("101.05")
    assert percent(Decimal("1"), Decimal("0")) is None


# --- monitoring plans -------------------------------------------------------------------------------
def test_an_approved_plan_opens_with_every_project_owing_its_first_quarter_report() -> None:
    plan = MonitoringPlan.open(content(), grace_days=15, at=AT)

    assert [type(e).__name__ for e in plan.collect_events()] == ["Opened"]
    group = plan.content.groups[0]
    assert plan.pending_period(group) == "q1"
    status = plan.group_status(group, AT)
    assert (status.step, status.holder, status.due, status.closed) == (
        "awaiting_q1", "off-1", date(2025, 1, 15), False)
    assert status.procedure == 14 and "ไตรมาส 1" in status.step_th
    assert group.planned_budget == Decimal("120000.50")


def test_a_quarter_is_reported_once_every_indicator_has_a_value_then_the_next_is_due() -> None:
    plan = plan_with(("K1", "q1", "40"))
    group = plan.content.groups[0]
    assert plan.pending_period(group) == "q1"  # K2 still owes Q1

    plan.report(group_code="P68-01", item_code="K2", period="q1", value=Decimal("12"), note="",
                evidence=EVIDENCE, by="off-1", at=AT)

    assert plan.pending_period(group) == "q2"
    assert plan.group_status(group, AT).due == date(2025, 4, 15)


def test_every_quarter_reported_closes_the_projects_case() -> None:
    plan = plan_with(*[(item, q, "50") for q in ("q1", "q2", "q3", "q4") for item in ("K1", "K2")])
    status = plan.group_status(plan.content.groups[0], AT)
    assert (status.step, status.closed, status.due) == ("all_reported", True, None)


def test_attainment_is_the_latest_value_against_the_years_target() -> None:
    plan = plan_with(("K1", "q1", "40"), ("K1", "q2", "96"))
    group = plan.content.groups[0]
    progress = plan.progress(group, group.items[0])
    assert (progress.period, progress.actual, progress.attainment_pct, progress.achieved) == (
        "q2", Decimal("96"), Decimal("101.05"), True)
    assert plan.progress(group, group.items[1]).actual is None


def test_a_report_again_for_the_same_period_replaces_the_value_and_keeps_the_history() -> None:
    plan = plan_with(("K1", "q1", "40"), ("K1", "q1", "45"))
    assert plan.reports[("P68-01", "K1", "q1")].value == Decimal("45")
    assert [type(e).__name__ for e in plan.collect_events()].count("ProgressReported") == 2


@pytest.mark.parametrize(("group", "item", "period", "value", "error"), [
    ("P99", "K1", "q1", "1", UnknownTrackedItem),
    ("P68-01", "K9", "q1", "1", UnknownTrackedItem),
    ("P68-01", "K1", "q5", "1", InvalidPeriod),
    ("P68-01", "K1", "2568", "1", InvalidPeriod),
    ("P68-01", "K1", "q1", "NaN", InvalidValue),
])
def test_a_report_that_does_not_fit_the_plan_is_refused_and_records_nothing(
        group: str, item: str, period: str, value: str, error: type[Exception]) -> None:
    plan = MonitoringPlan.open(content(), grace_days=15, at=AT)
    plan.collect_events()
    with pytest.raises(error):
        plan.report(group_code=group, item_code=item, period=period, value=Decimal(value),
                    note="", evidence=None, by="off-1", at=AT)
    assert plan.collect_events() == []


def test_an_amended_plan_revises_targets_and_keeps_reports_an_old_version_changes_nothing() -> None:
    plan = plan_with(("K1", "q1", "90"))
    plan.collect_events()

    assert plan.revise(content(version=1, target="50"), AT) is False
    assert plan.revise(content(version=2, target="85"), AT) is True

    group = plan.content.groups[0]
    assert [type(e).__name__ for e in plan.collect_events()] == ["Revised"]
    assert plan.progress(group, group.items[0]).achieved is True  # 90 against the new 85


def test_a_version_superseded_by_an_amendment_closes_and_hands_its_reports_over() -> None:
    old = plan_with(("K1", "q1", "40"), ("K2", "q1", "12"))
    amendment_id = uuid4()
    amendment = MonitoringPlan.open(content(source_plan_id=amendment_id, source_version=2,
                                            target="90"), grace_days=15, at=AT)
    old.collect_events()

    assert old.supersede(by_plan_id=amendment_id, closed_on=date(2025, 1, 1), at=AT) is True
    assert old.supersede(by_plan_id=amendment_id, closed_on=date(2025, 1, 1), at=AT) is False
    status = old.group_status(old.content.groups[0], AT)
    assert (status.step, status.closed, status.holder, status.due) == (
        "superseded", True, None, None)
    with pytest.raises(PlanSuperseded) as refused:
        old.report(group_code="P68-01", item_code="K1", period="q2", value=Decimal("60"),
                   note="", evidence=None, by="off-1", at=AT)
    assert refused.value.status == 409 and refused.value.extra["superseded_by"] == str(amendment_id)
    assert [type(e).__name__ for e in old.collect_events()] == ["Superseded"]

    # What was reported on the old version counts on the amendment, once.
    assert amendment.carry_over(old, AT) == ["P68-01"]
    assert amendment.carry_over(old, AT) == []
    group = amendment.content.groups[0]
    assert amendment.progress(group, group.items[0]).actual == Decimal("40")
    assert amendment.pending_period(group) == "q2"


def test_codes_must_be_unique_within_a_plan() -> None:
    group = content().groups[0]
    with pytest.raises(DuplicateCode):
        MonitoringPlan.open(content(groups=(group, group)), grace_days=15, at=AT)


def test_a_development_plan_reports_per_year_and_owes_only_years_not_over_at_approval() -> None:
    plan = MonitoringPlan.open(PlanContent(
        kind=PlanKind.development_plan, source_plan_id=uuid4(), source_version=1,
        title_th="แผนพัฒนาการศึกษาขั้นพื้นฐาน พ.ศ. 2566-2570", start_year_be=2566,
        end_year_be=2570, approved_on=date(2024, 11, 20),
        groups=(TrackedGroup(code="S1", title_th="พัฒนาคุณภาพผู้เรียน", items=(TrackedItem(
            code="S1-K1", name_th="ร้อยละผู้เรียน", unit="ร้อยละ", target_value=Decimal("80"),
            period_targets=tuple(PeriodTarget(period=str(y), target_value=Decimal(60 + 5 * i))
                                 for i, y in enumerate(range(2566, 2571)))),)),)),
        grace_days=15, at=AT)
    assert plan.obligations() == ("2568", "2569", "2570")
    plan.report(group_code="S1", item_code="S1-K1", period="2566", value=Decimal("61"), note="",
                evidence=None, by="off-1", at=AT)
    assert plan.content.groups[0].items[0].target_for("2568") == Decimal("70")
    assert plan.due_on("2568") == date(2025, 10, 15)


# --- budget use -------------------------------------------------------------------------------------
def entry(event_id: str, amount: str, quarter: int = 2) -> BudgetUseEntry:
    return BudgetUseEntry(source_event_id=event_id, fiscal_year_be=2568, category="operations",
                          quarter=quarter, amount=Decimal(amount), recorded_at=AT)


def test_budget_use_counts_each_budgeting_event_once_to_the_satang() -> None:
    use = BudgetUse.start(PROJECT)
    assert use.record(entry("budgeting:a:3", "1000.25")) is True
    assert use.record(entry("budgeting:a:3", "1000.25")) is False
    assert use.record(entry("budgeting:a:4", "0.10", quarter=3)) is True
    assert use.used(2568) == Decimal("1000.35") and use.used(2569) == Decimal("0.00")


# --- inspection ---------------------------------------------------------------------------------------
def inspection() -> InspectionRound:
    return InspectionRound.open(
        fiscal_year_be=2568, title_th="การตรวจราชการ รอบที่ 1/2568",
        inspector_th="ผู้ตรวจราชการกระทรวงศึกษาธิการ", scheduled_on=date(2025, 1, 20),
        issues=[InspectionIssue(code="I1", title_th="การอ่านออกเขียนได้")], at=AT)


def test_an_issue_needs_a_title_that_is_more_than_invisible_characters() -> None:
    # Found by the API fuzz: "\x1f" passes the schema's length check, then strips to nothing.
    for title in ("\x1f", "  "):
        with pytest.raises(DomainError) as refused:
            InspectionRound.open(
                fiscal_year_be=2568, title_th="การตรวจราชการ", inspector_th="ผู้ตรวจราชการ",
                scheduled_on=date(2025, 1, 20), at=AT,
                issues=[InspectionIssue(code="I1", title_th=title)])
        assert refused.value.code == "field-required" and refused.value.status == 422


def test_a_recommendation_goes_proposed_assigned_acted_closed_with_its_holder_at_each_step() -> None:
    round_ = inspection()
    recommendation = round_.add_recommendation(issue_code="I1", text_th="เร่งรัดการอ่าน",
                                               at=INSPECTED)
    assert round_.recommendation_ids == [recommendation.id]
    assert (recommendation.number, recommendation.status().holder) == (1, "group_director")

    recommendation.assign(officer_id="off-1", officer_name_th="นายสมชาย รักงาน",
                          due=date(2025, 3, 31), today=date(2025, 2, 1), at=AT)
    status = recommendation.status()
    assert (status.step, status.holder, status.holder_th, status.due) == (
        "assigned", "off-1", "นายสมชาย รักงาน", date(2025, 3, 31))

    recommendation.report_action(action_th="จัดอบรมครู", evidence=EVIDENCE, by="off-1", at=AT)
    assert recommendation.status().holder == "group_director"
    recommendation.close(note="ครบถ้วน", evidence=None, at=AT)
    status = recommendation.status()
    assert (status.step, status.closed, status.due, status.procedure) == ("closed", True, None, 14)
    assert recommendation.step == RecommendationStep.closed


def test_recommendation_rules() -> None:
    recommendation = inspection().add_recommendation(issue_code="I1", text_th="ปรับปรุง",
                                                     at=INSPECTED)
    with pytest.raises(WrongStep):
        recommendation.report_action(action_th="ทำแล้ว", evidence=None, by="off-1", at=AT)
    with pytest.raises(DueBeforeToday):
        recommendation.assign(officer_id="off-1", officer_name_th="นายสมชาย", due=date(2025, 1, 1),
                              today=date(2025, 2, 1), at=AT)
    recommendation.assign(officer_id="off-1", officer_name_th="นายสมชาย", due=date(2025, 3, 1),
                          today=date(2025, 2, 1), at=AT)
    with pytest.raises(NotTheAssignee):
        recommendation.report_action(action_th="ทำแล้ว", evidence=None, by="off-2", at=AT)
    with pytest.raises(WrongStep):
        recommendation.close(note="", evidence=EVIDENCE, at=AT)
    recommendation.report_action(action_th="ทำแล้ว", evidence=None, by="off-1", at=AT)
    with pytest.raises(EvidenceRequired):
        recommendation.close(note="", evidence=None, at=AT)
    recommendation.close(note="", evidence=EVIDENCE, at=AT)
    assert recommendation.evidence == [EVIDENCE]


def test_a_recommendation_must_name_an_issue_of_its_round() -> None:
    with pytest.raises(UnknownIssue):
        inspection().add_recommendation(issue_code="I9", text_th="ปรับปรุง", at=INSPECTED)


def test_no_recommendation_before_the_inspection_takes_place() -> None:
    round_ = inspection()  # scheduled on 20 January 2025
    # 19 January 2025, 23:59 in Bangkok (16:59 UTC): the day before.
    with pytest.raises(BeforeTheInspection) as refused:
        round_.add_recommendation(issue_code="I1", text_th="ปรับปรุง",
                                  at=datetime(2025, 1, 19, 16, 59, tzinfo=UTC))
    assert refused.value.status == 409 and refused.value.extra["scheduled_on"] == "2025-01-20"
    assert round_.recommendation_ids == [] and len(round_.pending_events) == 1, "nothing added"
    round_.add_recommendation(issue_code="I1", text_th="ปรับปรุง", at=INSPECTED)
    assert len(round_.recommendation_ids) == 1


# --- evaluation ---------------------------------------------------------------------------------------
def test_an_evaluation_is_issued_once_and_its_letter_says_target_actual_budget_and_outcome() -> None:
    result = EvaluationResult(
        result_no=1, code="P68-01", title_th="โครงการอ่านออกเขียนได้", addressee="off-1",
        addressee_th="นายสมชาย รักงาน",
        indicators=(IndicatorResult(code="K1", name_th="ร้อยละนักเรียนอ่านออก", unit="ร้อยละ",
                                    target_value=Decimal("95"), actual=Decimal("96"),
                                    attainment_pct=Decimal("101.05"), achieved=True),),
        budget_planned=Decimal("150000.50"), budget_used=Decimal("120000.00"),
        outcome_th="นักเรียนอ่านออกตามเป้าหมาย")
    evaluation = Evaluation.record(kind=EvaluationKind.action_plan, title_th="ประเมินผลแผน 2568",
                                   subject_ref=None, fiscal_year_be=2568, results=[result], at=AT)
    evaluation.issue(by="off-1", at=AT)
    with pytest.raises(AlreadyIssued):
        evaluation.issue(by="off-1", at=AT)

    text = result.text_th("ผลการประเมิน")
    assert "ค่าเป้าหมาย 95 ร้อยละ ผลการดำเนินงาน 96 ร้อยละ (ร้อยละ 101.05 ของค่าเป้าหมาย) บรรลุ" in text
    assert "งบประมาณตามแผน 150,000.50 บาท ใช้จริง 120,000.00 บาท (ร้อยละ 80.00)" in text
    assert evaluation.letter_subject_th(result) == (
        "แจ้งผลการประเมินผลแผนปฏิบัติการประจำปี P68-01 ปีงบประมาณ พ.ศ. 2568")
    status = evaluation.status()
    assert (status.procedure, status.step, status.closed) == (15, "results_issued", True)


def test_a_mid_plan_evaluation_belongs_to_the_annual_report_of_the_year_it_was_recorded_in(
        ) -> None:
    indicator = IndicatorResult(code="S1-K1", name_th="ร้อยละนักเรียน", unit="ร้อยละ",
                                target_value=Decimal("70"), actual=Decimal("68"),
                                attainment_pct=Decimal("97.14"), achieved=False)
    unreported = indicator.model_copy(update={"code": "S1-K2", "actual": None,
                                              "attainment_pct": None, "achieved": None})
    result = EvaluationResult(result_no=1, code="S1", title_th="พัฒนาคุณภาพผู้เรียน",
                              addressee="esa_director", addressee_th="ผู้อำนวยการ",
                              indicators=(indicator, unreported))
    # 2 October 2025 in Bangkok: the first days of fiscal year 2569.
    mid = Evaluation.record(kind=EvaluationKind.mid_plan, title_th="ประเมินผลระยะครึ่งแผน",
                            subject_ref=None, fiscal_year_be=None, results=[result],
                            at=datetime(2025, 10, 1, 18, 0, tzinfo=UTC))
    assert mid.report_year_be == 2569
    assert mid.findings_th() == (
        "ตัวชี้วัด 2 ตัว บรรลุค่าเป้าหมาย 0 ตัว ไม่บรรลุ 1 ตัว ยังไม่มีการรายงานผล 1 ตัว")
    yearly = Evaluation.record(kind=EvaluationKind.action_plan, title_th="ประเมินผลแผน 2568",
                               subject_ref=None, fiscal_year_be=2568, results=[result],
                               at=datetime(2025, 10, 1, 18, 0, tzinfo=UTC))
    assert yearly.report_year_be == 2568
