"""Planning domain (procedures 5-8): given events, when a command, then new events or a refusal.

Every "given" aggregate is rebuilt from its own events (through their JSON form, as the store keeps
them) before the command runs, so the tests exercise the state that replay produces.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.planning.domain import (
    ActionPlanContent,
    Activity,
    ApprovingBody,
    BudgetLine,
    Decision,
    DevelopmentKpi,
    DevelopmentPlanContent,
    DevelopmentStrategy,
    DocumentRef,
    ExpenseCategory,
    FiscalYear,
    FocusPoint,
    HigherStrategy,
    LinkContext,
    Plan,
    PlanKind,
    PolicyContent,
    PolicyTarget,
    Project,
    ProjectKpi,
    ReferenceStrategies,
    Step,
    StrategyLevel,
    YearTarget,
    project_id_for,
    version_in_force,
)
from shared.domain import Aggregate
from shared.office.documents import RegisteredDocument, cite
from tests.support.given_when_then import refused

# 10:00 in Bangkok on Wednesday 20 November 2024 (BE 2567, fiscal year 2568).
T0 = datetime(2024, 11, 20, 3, 0, tzinfo=UTC)
DAY0 = date(2024, 11, 20)
DOC = DocumentRef(document_id=uuid4(), reference="ทะเบียนรับ 15/2567", dated=DAY0)


def days(n: float) -> datetime:
    return T0 + timedelta(days=n)


# ---- given / when / then ---------------------------------------------------------------------------


def replay(events: Sequence[Any]) -> Any:
    aggregate = None
    for e in events:
        stored = type(e).model_validate(e.model_dump(mode="json"))  # as the store gives it back
        aggregate = stored.mutate(aggregate)
    return aggregate


def given(aggregate: Aggregate) -> Any:
    history = list(getattr(aggregate, "_test_history", [])) + list(aggregate.collect_events())
    replayed = replay(history)
    replayed._test_history = history
    return replayed


def then_events(aggregate: Aggregate) -> list[str]:
    new = list(aggregate.collect_events())
    aggregate._test_history = list(getattr(aggregate, "_test_history", [])) + new  # type: ignore[attr-defined]
    return [type(e).__name__ for e in new]


# ---- plans -----------------------------------------------------------------------------------------


def policy_content(*focus_codes: str) -> PolicyContent:
    return PolicyContent(focus_points=tuple(
        FocusPoint(code=c, title_th=f"จุดเน้น {c}", targets=(
            PolicyTarget(code=f"{c}-T1", description_th="เป้าหมาย", unit="ร้อยละ",
                         target_value=Decimal("95")),))
        for c in focus_codes or ("F1",)))


def dp_content(*codes: str, provincial: tuple[str, ...] = ("KK-E2",),
               years: range = range(2566, 2571)) -> DevelopmentPlanContent:
    return DevelopmentPlanContent(vision_th="ผู้เรียนมีคุณภาพ", strategies=tuple(
        DevelopmentStrategy(code=c, title_th=f"กลยุทธ์ {c}", provincial_strategy_codes=provincial,
                            national_strategy_codes=("NS3",),
                            kpis=(DevelopmentKpi(code=f"{c}-K1", name_th="ร้อยละ", unit="ร้อยละ",
                                                 targets=tuple(YearTarget(year_be=y,
                                                                          target_value=Decimal(70))
                                                               for y in years)),))
        for c in codes or ("S1",)))


def project(code: str = "P1", strategy: str = "S1", lines: Sequence[tuple[str, int, str]] = (
        ("operations", 1, "45000.00"), ("subsidies", 2, "5000.50")),
            total: str = "50000.50", **overrides: Any) -> Project:
    fields: dict[str, Any] = dict(
        project_id=project_id_for(UUID(int=1), code), code=code, title_th=f"โครงการ {code}",
        strategy_code=strategy, objectives=("นักเรียนอ่านออก",), responsible_group="กลุ่มนิเทศ",
        responsible_officer="นายสมชาย", starts_on=date(2024, 10, 1), ends_on=date(2025, 9, 30),
        kpis=(ProjectKpi(code=f"{code}-K1", name_th="ร้อยละ", unit="ร้อยละ",
                         target_value=Decimal(95)),),
        activities=(Activity(title_th="อบรมครู", starts_on=date(2024, 12, 1),
                             ends_on=date(2024, 12, 3)),),
        budget_lines=tuple(BudgetLine(category=ExpenseCategory(c), quarter=q, amount=Decimal(a))
                           for c, q, a in lines),
        total_budget=Decimal(total))
    fields.update(overrides)
    return Project(**fields)


def ap_content(*projects: Project, dp_id: UUID, policy_id: UUID | None = None,
               total: str | None = None) -> ActionPlanContent:
    projects = projects or (project(),)
    declared = Decimal(total) if total is not None else sum((p.total_budget for p in projects),
                                                            Decimal(0))
    return ActionPlanContent(development_plan_id=dp_id, policy_id=policy_id, projects=projects,
                             total_budget=declared)


def drafted(kind: PlanKind, content: Any, **fields: Any) -> Plan:
    if kind == PlanKind.development_plan:
        fields.setdefault("start_year_be", 2566)
        fields.setdefault("end_year_be", 2570)
    else:
        fields.setdefault("fiscal_year_be", 2568)
    return given(Plan.draft(plan_id=uuid4(), kind=kind, title_th=f"แผน {kind.value}",
                            content=content, drafted_by="off-1",
                            drafter_name_th="นายสมชาย รักงาน", at=T0, **fields))


def submitted(plan: Plan, at: datetime = T0) -> Plan:
    plan.submit(by="off-1", at=at)
    return given(plan)


def approved(plan: Plan, context: LinkContext | None = None, on: date = DAY0,
             **extra: Any) -> Plan:
    plan = submitted(plan) if plan.step == Step.drafting else plan
    plan.approve(by="dir-1", decided_on=on, resolution=DOC, context=context or LinkContext(),
                 at=days(max(0, (on - DAY0).days)), **extra)
    return given(plan)


REFS = LinkContext(provincial_codes=frozenset({"KK-E1", "KK-E2"}),
                   national_codes=frozenset({"NS3", "NS6"}))


def approved_dp(*codes: str) -> Plan:
    return approved(drafted(PlanKind.development_plan, dp_content(*codes)), REFS)


def links(dp: Plan | None, policy: Plan | None = None) -> LinkContext:
    return LinkContext(development_plan=dp, policy=policy, provincial_codes=REFS.provincial_codes,
                       national_codes=REFS.national_codes)


# ---- the approval loop -----------------------------------------------------------------------------


def test_a_drafted_plan_is_held_by_its_drafter() -> None:
    plan = drafted(PlanKind.policy, policy_content())
    assert (plan.step, plan.holder, plan.holder_th) == (Step.drafting, "off-1", "นายสมชาย รักงาน")
    assert plan.step_th == "จัดทำร่างแผน" and plan.procedure == 5


def test_submission_puts_the_plan_with_the_provincial_committee_by_default() -> None:
    plan = drafted(PlanKind.policy, policy_content())
    plan.submit(by="off-1", at=T0)
    assert then_events(plan) == ["Submitted"]
    plan = given(plan)
    assert plan.step == Step.submitted and plan.holder == "provincial_committee"
    assert plan.holder_th == "คณะกรรมการศึกษาธิการจังหวัด (กศจ.)"
    assert plan.step_th == "เสนอ กศจ. พิจารณา"


def test_returned_and_rejected_rounds_are_all_kept_until_the_approval() -> None:
    plan = submitted(drafted(PlanKind.policy, policy_content()))
    plan.return_for_revision(by="dir-1", reason="ปรับเป้าหมายให้วัดผลได้", decided_on=DAY0, at=T0)
    assert then_events(plan) == ["ReturnedForRevision"]
    plan = given(plan)
    assert (plan.step, plan.step_th, plan.holder) == (Step.drafting, "ส่งกลับแก้ไข", "off-1")

    plan.revise(title_th=None, content=policy_content("F1", "F2"), by="off-1", at=days(1))
    plan = submitted(given(plan), days(1))
    plan.reject(by="dir-1", reason="ไม่สอดคล้องกับนโยบาย สพฐ.", decided_on=date(2024, 11, 21),
                at=days(1))
    plan = submitted(given(plan), days(2))
    assert plan.step_th == "เสนอ กศจ. พิจารณา"
    plan = approved(plan, on=date(2024, 11, 22))

    decisions = [(r.number, r.approval.decision, r.approval.reason) for r in plan.rounds]
    assert decisions == [(1, Decision.return_for_revision, "ปรับเป้าหมายให้วัดผลได้"),
                         (2, Decision.reject, "ไม่สอดคล้องกับนโยบาย สพฐ."),
                         (3, Decision.approve, None)]
    assert plan.step == Step.approved and plan.approval.round == 3
    assert plan.approval.resolution == DOC and plan.approval.body == ApprovingBody.provincial_committee
    assert plan.revisions == 1 and plan.step_th == "กศจ. อนุมัติแล้ว"


def test_a_return_or_rejection_needs_a_reason() -> None:
    plan = submitted(drafted(PlanKind.policy, policy_content()))
    with refused("reason-required", 422):
        plan.return_for_revision(by="dir-1", reason="  ", decided_on=DAY0, at=T0)
    with refused("reason-required"):
        plan.reject(by="dir-1", reason="", decided_on=DAY0, at=T0)
    assert then_events(plan) == []


def test_an_approval_must_cite_a_registered_resolution() -> None:
    plan = submitted(drafted(PlanKind.policy, policy_content()))
    with refused("resolution-required", 422):
        plan.approve(by="dir-1", decided_on=DAY0, resolution=None, context=LinkContext(), at=T0)


def test_approving_twice_is_refused() -> None:
    plan = approved(drafted(PlanKind.policy, policy_content()))
    with refused("already-approved", 409):
        plan.approve(by="dir-1", decided_on=DAY0, resolution=DOC, context=LinkContext(), at=T0)
    assert then_events(plan) == []


def test_a_decision_cannot_predate_the_submission_or_lie_in_the_future() -> None:
    plan = submitted(drafted(PlanKind.policy, policy_content()), days(1))
    with refused("invalid-decision-date"):
        plan.approve(by="dir-1", decided_on=DAY0, resolution=DOC, context=LinkContext(),
                     at=days(1))
    with refused("invalid-decision-date"):
        plan.approve(by="dir-1", decided_on=date(2024, 11, 30), resolution=DOC,
                     context=LinkContext(), at=days(1))


def test_steps_out_of_order_are_refused() -> None:
    plan = drafted(PlanKind.policy, policy_content())
    with refused("wrong-step", 409):
        plan.publish(by="off-1", published_on=DAY0, at=T0)
    with refused("wrong-step"):
        plan.return_for_revision(by="dir-1", reason="x", decided_on=DAY0, at=T0)
    plan = submitted(plan)
    with refused("wrong-step"):
        plan.submit(by="off-1", at=T0)
    with refused("wrong-step"):
        plan.revise(title_th=None, content=policy_content(), by="off-1", at=T0)


def test_published_executed_and_closed() -> None:
    plan = approved(drafted(PlanKind.policy, policy_content()))
    plan.publish(by="off-1", published_on=DAY0, at=T0)
    plan.start_execution(by="off-1", started_on=DAY0, at=T0)
    plan.close(by="off-1", closed_on=date(2024, 11, 21), at=days(1))
    assert then_events(plan) == ["Published", "ExecutionStarted", "Closed"]
    plan = given(plan)
    assert plan.step == Step.closed and plan.holder is None and plan.step_th == "ปิดแผน"


def test_a_plan_of_a_closed_fiscal_year_cannot_be_approved() -> None:
    plan = submitted(drafted(PlanKind.policy, policy_content()))
    with refused("fiscal-year-closed", 409):
        plan.approve(by="dir-1", decided_on=DAY0, resolution=DOC, context=LinkContext(),
                     fiscal_year_closed=True, at=T0)
    assert then_events(plan) == [] and given(plan).step == Step.submitted


def test_a_second_plan_of_the_same_kind_and_year_is_refused() -> None:
    plan = submitted(drafted(PlanKind.policy, policy_content()))
    with refused("fiscal-year-has-approved-plan", 409):
        plan.approve(by="dir-1", decided_on=DAY0, resolution=DOC, context=LinkContext(),
                     competing_plan_id=uuid4(), at=T0)


# ---- content rules ---------------------------------------------------------------------------------


def test_a_kpi_without_a_target_is_refused() -> None:
    no_target = ProjectKpi(code="K1", name_th="ร้อยละ", unit="ร้อยละ", target_value=None)
    with refused("kpi-without-target", 422):
        drafted(PlanKind.action_plan, ap_content(project(kpis=(no_target,)), dp_id=uuid4()))
    with refused("kpi-without-target"):
        drafted(PlanKind.action_plan, ap_content(project(kpis=()), dp_id=uuid4()))
    with refused("kpi-without-target"):
        drafted(PlanKind.policy, PolicyContent(focus_points=(
            FocusPoint(code="F1", title_th="จุดเน้น", targets=(
                PolicyTarget(code="T1", description_th="x", unit="ร้อยละ"),)),)))


def test_a_development_plan_kpi_needs_a_target_for_every_year_of_the_plan() -> None:
    with refused("kpi-without-target") as info:
        drafted(PlanKind.development_plan, dp_content("S1", years=range(2566, 2569)))
    assert info.value.extra["years"] == [2569, 2570]
    with refused("kpi-target-outside-plan"):
        drafted(PlanKind.development_plan, dp_content("S1", years=range(2566, 2572)))


def test_a_project_budget_must_add_up() -> None:
    with refused("project-budget-mismatch", 422) as info:
        drafted(PlanKind.action_plan, ap_content(project(total="50000.00"), dp_id=uuid4()))
    assert info.value.extra == {"project": "P1", "declared": "50000.00", "computed": "50000.50"}


def test_the_plan_total_must_reconcile_with_its_projects() -> None:
    with refused("plan-total-mismatch", 422) as info:
        drafted(PlanKind.action_plan, ap_content(project("P1"), project("P2"), dp_id=uuid4(),
                                                 total="100000.00"))
    assert info.value.extra["computed"] == "100001.00"
    plan = drafted(PlanKind.action_plan, ap_content(project("P1"), project("P2"), dp_id=uuid4(),
                                                    total="100001.00"))
    assert plan.content.total_budget == Decimal("100001.00")


def test_money_is_exact_baht_and_satang() -> None:
    with refused("invalid-amount"):
        drafted(PlanKind.action_plan, ap_content(project(
            lines=(("operations", 1, "0.005"),), total="0.005"), dp_id=uuid4()))
    with refused("invalid-amount"):
        drafted(PlanKind.action_plan, ap_content(project(
            lines=(("operations", 1, "-1.00"),), total="-1.00"), dp_id=uuid4()))
    with refused("duplicate-budget-line"):
        drafted(PlanKind.action_plan, ap_content(project(
            lines=(("operations", 1, "1.00"), ("operations", 1, "2.00")), total="3.00"),
            dp_id=uuid4()))


def test_project_dates_fall_in_the_fiscal_year_and_codes_are_unique() -> None:
    with refused("dates-outside-fiscal-year"):
        drafted(PlanKind.action_plan, ap_content(project(ends_on=date(2025, 10, 1)),
                                                 dp_id=uuid4()))
    with refused("invalid-period"):
        drafted(PlanKind.action_plan, ap_content(project(starts_on=date(2025, 3, 1),
                                                         ends_on=date(2025, 2, 1)),
                                                 dp_id=uuid4()))
    with refused("duplicate-code"):
        drafted(PlanKind.action_plan, ap_content(project("P1"), project("P1"), dp_id=uuid4()))


# ---- strategy links --------------------------------------------------------------------------------


def test_an_action_plan_with_sound_links_is_approved_with_its_strategy_titles() -> None:
    dp = approved_dp("S1")
    policy = approved(drafted(PlanKind.policy, policy_content("F1")))
    plan = drafted(PlanKind.action_plan, ap_content(
        project(policy_focus_codes=("F1",), provincial_strategy_codes=("KK-E1",)),
        dp_id=dp.id, policy_id=policy.id))
    plan = approved(plan, links(dp, policy))
    assert plan.in_force_development_plan_id == dp.id
    assert plan.strategy_titles == {"S1": "กลยุทธ์ S1"}


@pytest.mark.parametrize(("broken_project", "link", "code"), [
    (dict(strategy="S9"), "strategy", "S9"),
    (dict(policy_focus_codes=("F7",)), "policy_focus", "F7"),
    (dict(provincial_strategy_codes=("KK-X",)), "provincial", "KK-X"),
    (dict(national_strategy_codes=("NS99",)), "national", "NS99"),
])
def test_a_project_with_a_broken_link_cannot_be_approved(broken_project: dict, link: str,
                                                         code: str) -> None:
    dp = approved_dp("S1")
    policy = approved(drafted(PlanKind.policy, policy_content("F1")))
    plan = submitted(drafted(PlanKind.action_plan, ap_content(
        project(**broken_project), dp_id=dp.id, policy_id=policy.id)))
    with refused("broken-strategy-links", 422) as info:
        plan.approve(by="dir-1", decided_on=DAY0, resolution=DOC, context=links(dp, policy),
                     at=T0)
    assert info.value.extra["links"] == [
        {"where": "P1", "link": link, "code": code, "reason_th": info.value.extra["links"][0][
            "reason_th"]}]
    assert then_events(plan) == []


def test_an_action_plan_needs_a_development_plan_in_force_that_covers_its_year() -> None:
    plan = submitted(drafted(PlanKind.action_plan, ap_content(dp_id=uuid4())))
    with refused("broken-strategy-links") as info:
        plan.approve(by="dir-1", decided_on=DAY0, resolution=DOC, context=links(None), at=T0)
    assert info.value.extra["links"][0]["link"] == "development_plan"
    old = approved(drafted(PlanKind.development_plan, dp_content("S1", years=range(2561, 2566)),
                           start_year_be=2561, end_year_be=2565), REFS)
    with refused("broken-strategy-links"):
        plan.approve(by="dir-1", decided_on=DAY0, resolution=DOC, context=links(old), at=T0)


def test_a_development_plan_with_unknown_provincial_codes_cannot_be_approved() -> None:
    plan = submitted(drafted(PlanKind.development_plan, dp_content("S1", provincial=("KK-Z",))))
    with refused("broken-strategy-links"):
        plan.approve(by="dir-1", decided_on=DAY0, resolution=DOC, context=REFS, at=T0)


# ---- amendments: versions and the one in force -------------------------------------------------------


def test_an_amendment_is_the_next_version_and_supersedes_from_its_effective_date() -> None:
    v1 = approved_dp("S1")
    with refused("not-approved-yet"):
        Plan.amend(drafted(PlanKind.development_plan, dp_content("S1")), plan_id=uuid4(),
                   drafted_by="off-1", at=T0)
    v2 = given(Plan.amend(v1, plan_id=uuid4(), drafted_by="off-1", at=days(1)))
    assert (v2.plan_version, v2.amends_plan_id, v2.lineage_id) == (2, v1.id, v1.lineage_id)
    assert v2.step == Step.drafting and v2.content == v1.content
    v2.revise(title_th="แผนพัฒนาการศึกษาขั้นพื้นฐาน พ.ศ. 2566-2570 (ฉบับทบทวน)",
              content=dp_content("S1", "S2"), by="off-1", at=days(1))
    v2 = submitted(given(v2), days(1))
    v2.approve(by="dir-1", decided_on=date(2024, 12, 1), resolution=DOC, context=REFS,
               effective_from=date(2025, 1, 1), previous=v1, at=days(11))
    v1.close_superseded(by="dir-1", amendment=v2, at=days(11))
    v1, v2 = given(v1), given(v2)
    assert (v1.step, v1.superseded_by, v1.closed_on) == (Step.closed, v2.id, date(2025, 1, 1))
    assert v1.step_th == "ถูกแทนที่ด้วยฉบับปรับปรุง"

    versions = [v1, v2]
    assert version_in_force(versions, date(2024, 11, 19)) is None  # before the first approval
    assert version_in_force(versions, date(2024, 12, 31)) is v1
    assert version_in_force(versions, date(2025, 1, 1)) is v2
    assert version_in_force(versions, date(2026, 6, 1)) is v2
    with refused("superseded", 409):
        Plan.amend(v1, plan_id=uuid4(), drafted_by="off-1", at=days(12))


def test_an_amendment_cannot_take_effect_before_the_version_it_amends() -> None:
    v1 = approved_dp("S1")
    v2 = submitted(given(Plan.amend(v1, plan_id=uuid4(), drafted_by="off-1", at=T0)))
    with refused("invalid-decision-date") as info:
        v2.approve(by="dir-1", decided_on=DAY0, resolution=DOC, context=REFS,
                   effective_from=date(2024, 11, 1), previous=v1, at=T0)
    assert info.value.extra["field"] == "effective_from"


def test_project_ids_stay_the_same_across_revisions_and_versions() -> None:
    lineage = uuid4()
    assert project_id_for(lineage, "P68-01") == project_id_for(lineage, " P68-01 ")
    assert project_id_for(lineage, "P68-01") != project_id_for(uuid4(), "P68-01")


# ---- reference data, fiscal years, registered documents ---------------------------------------------


def test_reference_strategies_are_added_and_retitled_and_a_repeat_records_nothing() -> None:
    register = given(ReferenceStrategies.start(StrategyLevel.provincial))
    first = [HigherStrategy(code="KK-E1", title_th="คุณภาพ"),
             HigherStrategy(code="KK-E2", title_th="ทักษะ")]
    assert register.import_strategies(first, source="a.csv", by="off-1", at=T0) == 2
    register = given(register)
    assert register.import_strategies(first, source="a.csv", by="off-1", at=T0) == 0
    assert then_events(register) == []
    changed = register.import_strategies([HigherStrategy(code="KK-E2", title_th="ทักษะใหม่")],
                                         source="b.xlsx", by="off-1", at=T0)
    register = given(register)
    assert changed == 1 and register.codes == {"KK-E1", "KK-E2"}
    assert register.strategies["KK-E2"].title_th == "ทักษะใหม่"
    with refused("duplicate-code"):
        register.import_strategies(first + first, source="c.csv", by="off-1", at=T0)
    with refused("invalid-import"):
        register.import_strategies([], source="d.csv", by="off-1", at=T0)


def test_a_fiscal_year_closes_and_reopens_once_each() -> None:
    year = given(FiscalYear.start(2568))
    year.close(reason="สิ้นปีงบประมาณ", by="dir-1", at=T0)
    year.close(reason="again", by="dir-1", at=T0)
    assert then_events(year) == ["Closed"]
    year = given(year)
    assert year.closed
    year.reopen(reason="แก้ไขแผน", by="dir-1", at=T0)
    assert then_events(year) == ["Reopened"] and not given(year).closed
    with refused("invalid-year"):
        FiscalYear.start(2025)


def test_a_registered_document_is_cited_by_its_numbers_and_learnt_once() -> None:
    document_id = uuid4()
    with refused("unknown-document", 422):
        cite(None, document_id)
    document = given(RegisteredDocument.learn(document_id))
    with refused("unknown-document"):
        cite(document, document_id)  # known, but no register number yet (signed only)
    assert document.record_receipt(receipt_no=15, year_be=2567, received_on=DAY0)
    document = given(document)
    assert not document.record_receipt(receipt_no=15, year_be=2567, received_on=DAY0)
    assert then_events(document) == []
    assert cite(document, document_id).reference == "ทะเบียนรับ 15/2567"
    document.record_dispatch(outgoing_no="ที่ ศธ 04123/77", dispatched_on=date(2024, 11, 21))
    document = given(document)
    ref = cite(document, document_id)
    assert (ref.reference, ref.dated) == ("ที่ ศธ 04123/77", date(2024, 11, 21))
