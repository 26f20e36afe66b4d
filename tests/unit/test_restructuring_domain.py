"""School restructuring domain (procedure 9): given events, when a command, then new events or a
refusal.

Every "given" aggregate is rebuilt from its own events before the command runs, so the tests
exercise the state that replay produces, as the application sees it after loading from the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import NAMESPACE_URL, uuid4, uuid5

import pytest

from contracts.restructuring.v1 import CaseType, SchoolStatus, SizeBand
from contracts.vocabulary import ApprovingBody, Decision, SchoolLevel
from services.restructuring.domain import (
    CaseStep,
    EnrolmentSnapshot,
    Resolution,
    RestructuringCase,
    School,
    SchoolDetails,
    check_snapshot,
    dmc_term,
    enrolment_snapshot,
    is_small,
    size_band,
)
from tests.support.given_when_then import given, names, refused, then_events

K, P, M = SchoolLevel.kindergarten, SchoolLevel.primary, SchoolLevel.lower_secondary
# 09:00 in Bangkok on Monday 3 March 2025 (BE 2568).
T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
TODAY = date(2025, 3, 3)
JUNE, NOVEMBER = date(2024, 6, 10), date(2024, 11, 10)
EFFECTIVE = date(2025, 5, 16)  # the first day of academic year 2568


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


# ---- schools -------------------------------------------------------------------------------------


def details(name: str = "โรงเรียนบ้านหนองแวง", subdistrict: str = "นาเพียง") -> SchoolDetails:
    return SchoolDetails.of(name_th=name, name_en=None, district="ชุมแพ", subdistrict=subdistrict)


def grades(k: int = 5, p: int = 10, m: int = 0) -> dict[str, int]:
    """Pupils per grade: `k` in each kindergarten grade, `p` in each primary, `m` in each m1-m3."""
    return {**{f"k{n}": k for n in range(1, 4)}, **{f"p{n}": p for n in range(1, 7)},
            **{f"m{n}": m for n in range(1, 4)}}


def snapshot(day: date = NOVEMBER, **counts: int) -> EnrolmentSnapshot:
    return enrolment_snapshot(day, grades(**counts))


def school(code: str = "40050001", *, levels: Sequence[SchoolLevel] = (K, P),
           snapshots: Sequence[EnrolmentSnapshot] = (), name: str | None = None,
           established_on: date | None = None) -> School:
    s = School.register(code=code, details=details(name or f"โรงเรียน {code}"), levels=levels,
                        established_on=established_on)
    for snap in snapshots:
        s.record_enrolment(snap, TODAY)
    return given(s)


def small_school(code: str = "40050001") -> School:
    return school(code, snapshots=[snapshot(JUNE, k=3, p=8), snapshot(NOVEMBER, k=3, p=7)])


def big_school(code: str = "40050002") -> School:
    return school(code, snapshots=[snapshot(JUNE, k=40, p=60), snapshot(NOVEMBER, k=40, p=62)])


# ---- size bands and DMC dates --------------------------------------------------------------------


@pytest.mark.parametrize(("total", "band", "small"), [
    (0, None, True), (1, SizeBand.small, True), (120, SizeBand.small, True),
    (121, SizeBand.medium, False), (600, SizeBand.medium, False), (601, SizeBand.large, False),
    (1500, SizeBand.large, False), (1501, SizeBand.extra_large, False),
])
def test_size_bands_follow_the_thresholds(total: int, band: SizeBand | None, small: bool) -> None:
    assert size_band(total) == band
    assert is_small(total) is small


def test_the_dmc_dates_are_10_june_and_10_november() -> None:
    assert dmc_term(date(2024, 6, 10)) == 1
    assert dmc_term(date(2024, 11, 10)) == 2
    assert dmc_term(date(2024, 6, 11)) is None


def test_a_snapshot_knows_its_year_term_levels_and_size() -> None:
    snap = snapshot(NOVEMBER, k=5, p=10)
    assert (snap.academic_year_be, snap.term, snap.total) == (2567, 2, 75)
    assert snap.pupils_by_level == {K: 15, P: 60, M: 0}
    assert (snap.size_band, snap.small_school) == (SizeBand.small, True)


def test_a_snapshot_on_another_day_is_refused() -> None:
    with refused("not-a-dmc-date", 422) as info:
        enrolment_snapshot(date(2024, 6, 11), grades())
    assert "10 มิถุนายน" in info.value.message_th


def test_negative_pupils_are_refused_and_named_in_thai() -> None:
    with refused("negative-pupils", 422) as info:
        enrolment_snapshot(JUNE, {**grades(), "p3": -4})
    assert info.value.message_th.startswith("ชั้น ป.3 มีจำนวนนักเรียน -4")


def test_more_pupils_in_a_grade_than_any_school_has_is_refused() -> None:
    with refused("implausible-pupils", 422):
        enrolment_snapshot(JUNE, {**grades(), "p1": 10**30})


def test_an_unknown_grade_is_refused() -> None:
    with refused("unknown-grade", 422):
        enrolment_snapshot(JUNE, {**grades(), "p7": 3})


def test_year_term_and_total_must_agree_with_the_grades_and_the_date() -> None:
    with refused("term-mismatch"):
        enrolment_snapshot(JUNE, grades(), term=2)
    with refused("term-mismatch"):
        enrolment_snapshot(JUNE, grades(), academic_year_be=2568)
    with refused("total-mismatch"):
        enrolment_snapshot(JUNE, grades(k=1, p=1), total=10)


def test_every_problem_of_a_snapshot_is_reported_at_once() -> None:
    snap, problems = check_snapshot(date(2024, 6, 11), {"p1": -1, "x9": 2}, today=TODAY)
    assert snap is None
    assert sorted(p.code for p in problems) == ["negative-pupils", "not-a-dmc-date", "unknown-grade"]


def test_a_snapshot_in_the_future_is_refused() -> None:
    with refused("snapshot-in-future"):
        enrolment_snapshot(date(2025, 6, 10), grades(), today=TODAY)


# ---- the registry --------------------------------------------------------------------------------


def test_a_school_id_is_derived_from_its_code_as_the_contract_says() -> None:
    s = school("40050001")
    assert s.id == uuid5(NAMESPACE_URL, "school:40050001")


def test_a_school_needs_a_valid_code_and_levels() -> None:
    with refused("invalid-school-code"):
        School.register(code="4005", details=details(), levels=[P])
    with refused("no-levels"):
        School.register(code="40050001", details=details(), levels=[])
    with refused("field-required"):
        SchoolDetails.of(name_th=" ", name_en=None, district="ชุมแพ", subdistrict="นาเพียง")


def test_recording_a_snapshot_again_changes_nothing() -> None:
    s = school(snapshots=[snapshot(JUNE)])
    assert s.record_enrolment(snapshot(JUNE), TODAY) == "unchanged"
    assert then_events(s) == []


def test_other_figures_for_a_recorded_date_are_a_correction() -> None:
    s = school(snapshots=[snapshot(JUNE, p=10)])
    assert s.record_enrolment(snapshot(JUNE, p=11), TODAY) == "corrected"
    [recorded] = then_events(s)
    assert names([recorded]) == ["EnrolmentRecorded"] and recorded.correction is True
    assert given(s).snapshots[JUNE].total == 15 + 66


def test_pupils_in_a_level_the_school_does_not_teach_are_refused() -> None:
    s = school(levels=[K, P])
    with refused("level-not-taught", 409) as info:
        s.record_enrolment(snapshot(JUNE, m=4), TODAY)
    assert "มัธยมศึกษาตอนต้น" in info.value.message_th
    assert then_events(s) == []


def test_a_snapshot_before_the_school_was_established_is_refused() -> None:
    s = school(established_on=date(2024, 10, 1))
    with refused("school-not-yet-established"):
        s.record_enrolment(snapshot(JUNE), TODAY)


def test_corrected_details_are_recorded_once_and_an_english_name_not_given_is_kept() -> None:
    s = given(School.register(code="40050001", details=SchoolDetails.of(
        name_th="โรงเรียนเดิม", name_en="Old School", district="ชุมแพ", subdistrict="นาเพียง"),
        levels=[P]))
    assert s.correct_details(SchoolDetails.of(name_th="โรงเรียนเดิม", name_en=None,
                                              district="ชุมแพ", subdistrict="นาเพียง")) is False
    assert s.correct_details(SchoolDetails.of(name_th="โรงเรียนใหม่", name_en=None,
                                              district="ชุมแพ", subdistrict="นาเพียง")) is True
    [event] = then_events(s)
    assert (event.name_th, event.name_en) == ("โรงเรียนใหม่", "Old School")


def test_the_state_on_a_day_uses_the_latest_snapshot_up_to_that_day() -> None:
    s = school(snapshots=[snapshot(JUNE, p=10), snapshot(NOVEMBER, p=12)])
    assert s.state_on(date(2024, 6, 1)).pupils is None
    assert s.state_on(date(2024, 8, 1)).pupils == 15 + 60
    assert s.state_on(date(2025, 1, 1)).pupils == 15 + 72
    assert s.state_on(date(2025, 1, 1)).status == SchoolStatus.open


# ---- merging -------------------------------------------------------------------------------------


def test_a_merger_moves_the_pupils_and_closes_the_absorbed_school_on_the_effective_date() -> None:
    absorbed, receiving = small_school(), big_school()
    case_id = uuid4()
    absorbed.merge_into(receiving, effective_date=EFFECTIVE, case_id=case_id)

    [merged] = then_events(absorbed)
    [received] = then_events(receiving)
    assert names([merged, received]) == ["Merged", "PupilsReceived"]
    assert merged.into_code == "40050002" and sum(merged.pupils_by_grade.values()) == 51
    absorbed, receiving = given(absorbed), given(receiving)

    before, after = EFFECTIVE - timedelta(days=1), EFFECTIVE
    assert absorbed.state_on(before).status == SchoolStatus.open
    assert absorbed.state_on(before).pupils == 51
    assert absorbed.state_on(after).status == SchoolStatus.merged
    assert absorbed.state_on(after).pupils == 0
    assert receiving.state_on(before).pupils == 120 + 372
    assert receiving.state_on(after).pupils == 120 + 372 + 51


def test_the_next_snapshot_of_the_receiving_school_replaces_the_moved_pupils() -> None:
    absorbed, receiving = small_school(), big_school()
    absorbed.merge_into(receiving, effective_date=EFFECTIVE, case_id=uuid4())
    receiving = given(receiving)
    receiving.record_enrolment(snapshot(date(2025, 6, 10), k=42, p=70),
                               today=date(2025, 6, 10))
    assert given(receiving).state_on(date(2025, 7, 1)).pupils == 126 + 420


def test_a_school_is_not_merged_into_itself() -> None:
    s = small_school()
    with refused("merge-into-itself", 422):
        s.merge_into(s, effective_date=EFFECTIVE, case_id=uuid4())


def test_a_school_is_not_merged_into_a_closed_or_closing_school() -> None:
    closed, other, receiving = small_school("40050003"), small_school("40050004"), big_school()
    closed.merge_into(other, effective_date=EFFECTIVE, case_id=uuid4())
    closed, other = given(closed), given(other)
    with refused("receiving-school-closed", 409):
        small_school("40050005").merge_into(closed, effective_date=EFFECTIVE, case_id=uuid4())
    with refused("school-closed", 409):
        closed.merge_into(receiving, effective_date=EFFECTIVE, case_id=uuid4())


def test_a_merger_cannot_take_effect_before_enrolment_already_recorded() -> None:
    absorbed, receiving = small_school(), big_school()
    with refused("enrolment-after-effective-date", 409):
        absorbed.merge_into(receiving, effective_date=date(2024, 9, 1), case_id=uuid4())


def test_the_receiving_school_must_teach_the_levels_of_the_pupils_it_receives() -> None:
    absorbed = school("40050001", levels=[K, P, M], snapshots=[snapshot(NOVEMBER, m=3)])
    receiving = school("40050002", levels=[K, P], snapshots=[snapshot(NOVEMBER, p=30)])
    with refused("level-not-taught", 409):
        absorbed.merge_into(receiving, effective_date=EFFECTIVE, case_id=uuid4())


def test_a_closed_school_takes_no_enrolment_from_its_closing_day() -> None:
    absorbed, receiving = small_school(), big_school()
    absorbed.merge_into(receiving, effective_date=EFFECTIVE, case_id=uuid4())
    with refused("school-closed", 409):
        given(absorbed).record_enrolment(snapshot(date(2025, 6, 10)), date(2025, 6, 10))


# ---- dissolving, transferring, expanding ---------------------------------------------------------


def test_a_school_with_pupils_is_not_dissolved() -> None:
    with refused("school-has-pupils", 409) as info:
        small_school().dissolve(effective_date=EFFECTIVE, case_id=uuid4())
    assert "ยังมีนักเรียน 51 คน" in info.value.message_th


def test_a_school_with_no_pupils_is_dissolved_from_the_effective_date() -> None:
    s = school(snapshots=[snapshot(NOVEMBER, k=0, p=0)])
    s.dissolve(effective_date=EFFECTIVE, case_id=uuid4())
    assert names(then_events(s)) == ["Dissolved"]
    s = given(s)
    assert s.state_on(EFFECTIVE - timedelta(days=1)).status == SchoolStatus.open
    assert s.state_on(EFFECTIVE).status == SchoolStatus.dissolved


def test_a_transfer_names_the_authority_and_closes_the_school() -> None:
    s = small_school()
    with refused("field-required"):
        s.transfer(to_authority=" ", effective_date=EFFECTIVE, case_id=uuid4())
    s.transfer(to_authority="องค์การบริหารส่วนตำบลนาเพียง", effective_date=EFFECTIVE,
               case_id=uuid4())
    state = given(s).state_on(EFFECTIVE)
    assert state.status == SchoolStatus.transferred
    assert state.closure is not None and state.closure.to_authority == "องค์การบริหารส่วนตำบลนาเพียง"


def test_a_class_expansion_adds_levels_from_the_effective_date() -> None:
    s = big_school()
    with refused("levels-already-taught", 422):
        s.expand_levels(levels=[P], effective_date=EFFECTIVE, case_id=uuid4())
    s.expand_levels(levels=[M], effective_date=EFFECTIVE, case_id=uuid4())
    [expanded] = then_events(s)
    assert expanded.levels == [K, P, M]
    s = given(s)
    assert s.levels_on(EFFECTIVE - timedelta(days=1)) == [K, P]
    assert s.levels_on(EFFECTIVE) == [K, P, M]


# ---- cases ---------------------------------------------------------------------------------------


OFFICER = {"officer_id": "off-1", "officer_name_th": "นายสมชาย รักงาน"}
# The committee's resolution as correspondence registered it.
RESOLUTION = Resolution(document_id=uuid5(NAMESPACE_URL, "resolution"),
                        reference="ทะเบียนรับ 215/2568", dated=TODAY)


def merge_case(absorbed: School | None = None, receiving: School | None = None) -> RestructuringCase:
    return given(RestructuringCase.open_merge(
        absorbed=[absorbed or small_school()], receiving=receiving or big_school(), today=TODAY,
        at=hours(0), **OFFICER))


def study(case: RestructuringCase, at: float = 1) -> None:
    case.record_study(by="off-1", school_age_population=40, travel_distance_km=Decimal("3.5"),
                      pupils_affected=51, summary_th="เดินทางได้ มีรถรับส่ง", at=hours(at))


def hear(case: RestructuringCase, at: float = 2, board: bool | None = True) -> None:
    case.record_hearing(by="off-1", held_on=TODAY, participants=60, school_board_agreed=board,
                        community_agreed=True, summary_th="เห็นด้วย", today=TODAY, at=hours(at))


def decide(case: RestructuringCase, decision: Decision, reason: str | None = None,
           on: date = TODAY, at: float = 4, resolution: Resolution | None = RESOLUTION) -> None:
    case.decide(by="off-2", decision=decision, decided_on=on, reason=reason,
                resolution=resolution, today=TODAY, at=hours(at))


def proposed_case() -> RestructuringCase:
    case = merge_case()
    study(case)
    hear(case)
    case.propose(by="dir-1", today=TODAY, at=hours(3))
    return given(case)


def approved_case() -> RestructuringCase:
    case = proposed_case()
    decide(case, Decision.approve)
    return given(case)


def test_a_merge_case_opens_held_by_its_officer_under_the_2550_regulation() -> None:
    case = merge_case()
    assert case.case_type == CaseType.merge and case.step == CaseStep.opened
    assert (case.holder, case.holder_th) == ("off-1", "นายสมชาย รักงาน")
    assert case.title_th == "ยุบรวมโรงเรียน 40050001 เข้ากับโรงเรียน 40050002"
    assert "พ.ศ. 2550" in case.regulation_th
    assert case.school_codes == ["40050001", "40050002"]


def test_a_case_does_not_merge_a_school_into_itself_or_into_a_closed_school() -> None:
    s = small_school()
    with refused("merge-into-itself", 422):
        merge_case(s, s)
    closing, other = small_school("40050003"), big_school("40050004")
    closing.merge_into(other, effective_date=EFFECTIVE, case_id=uuid4())
    with refused("receiving-school-closed", 409):
        merge_case(small_school(), given(closing))


def test_a_dissolution_case_is_refused_for_a_school_with_pupils() -> None:
    with refused("school-has-pupils", 409):
        RestructuringCase.open_dissolve(school=small_school(), today=TODAY, at=T0, **OFFICER)
    empty = school(snapshots=[snapshot(NOVEMBER, k=0, p=0)])
    case = RestructuringCase.open_dissolve(school=empty, today=TODAY, at=T0, **OFFICER)
    assert case.title_th == "เลิกโรงเรียน 40050001"


def test_a_class_expansion_case_needs_a_level_not_yet_taught() -> None:
    with refused("levels-already-taught"):
        RestructuringCase.open_class_expansion(school=big_school(), levels=[P], today=TODAY,
                                               at=T0, **OFFICER)
    case = RestructuringCase.open_class_expansion(school=big_school(), levels=[P, M], today=TODAY,
                                                  at=T0, **OFFICER)
    assert case.levels_added == [M]
    assert "BE 2553" not in case.regulation_th and "2553" in case.regulation_th


def test_an_establish_case_needs_a_code_not_in_the_registry() -> None:
    with refused("school-already-registered", 409):
        RestructuringCase.open_establish(code="40050001", details=details(), levels=[K, P],
                                         existing=big_school("40050001"), at=T0, **OFFICER)


def test_the_hearing_comes_after_the_study_and_the_proposal_after_both() -> None:
    case = merge_case()
    with refused("study-required", 409):
        hear(case)
    with refused("study-required", 409):
        case.propose(by="off-1", today=TODAY, at=hours(1))
    study(case)
    with refused("hearing-required", 409):
        case.propose(by="off-1", today=TODAY, at=hours(2))
    assert names(then_events(case)) == ["Studied"]


def test_a_hearing_needs_the_school_boards_view_and_a_day_that_has_come() -> None:
    case = merge_case()
    study(case)
    with refused("field-required"):
        hear(case, board=None)
    with refused("date-in-future"):
        case.record_hearing(by="off-1", held_on=TODAY + timedelta(days=1), participants=1,
                            school_board_agreed=True, community_agreed=True, summary_th="x",
                            today=TODAY, at=hours(2))


def test_a_new_school_is_heard_without_a_school_board() -> None:
    case = RestructuringCase.open_establish(code="40059999", details=details("โรงเรียนใหม่"),
                                            levels=[K, P], existing=None, at=T0, **OFFICER)
    study(case)
    hear(case, board=None)
    assert given(case).step == CaseStep.heard


def test_a_proposal_is_held_by_the_provincial_committee() -> None:
    case = proposed_case()
    assert case.step == CaseStep.proposed and case.rounds[0].number == 1
    assert (case.holder, case.holder_th) == ("provincial_committee",
                                             "คณะกรรมการศึกษาธิการจังหวัด (กศจ.)")


def test_the_case_awaits_the_committee_only_while_proposed() -> None:
    # The decision rights read it: a body outside the office decides, an officer records it.
    case = merge_case()
    assert case.awaiting_body is None
    case = proposed_case()
    assert case.awaiting_body == ApprovingBody.provincial_committee
    decide(case, Decision.return_for_revision, "แก้ไข")
    assert given(case).awaiting_body is None


def test_the_committees_decision_cites_its_registered_resolution() -> None:
    case = proposed_case()
    with refused("resolution-required", 422):
        decide(case, Decision.approve, resolution=None)
    decide(case, Decision.approve)
    [decided] = then_events(case)
    assert decided.record.resolution == RESOLUTION and decided.record.recorded_by == "off-2"


def test_a_return_for_revision_needs_a_reason_and_every_round_is_kept() -> None:
    case = proposed_case()
    with refused("reason-required"):
        decide(case, Decision.return_for_revision)
    decide(case, Decision.return_for_revision, "ให้ศึกษาระยะทางเพิ่มเติม")
    case = given(case)
    assert (case.step, case.holder) == (CaseStep.returned, "off-1")
    study(case, at=5)
    case.propose(by="dir-1", today=TODAY, at=hours(6))
    decide(case, Decision.reject, "ชุมชนยังไม่พร้อม", at=7)
    case = given(case)
    assert case.step == CaseStep.rejected
    case.propose(by="dir-1", today=TODAY, at=hours(8))
    decide(case, Decision.approve, at=9)
    case = given(case)
    assert case.step == CaseStep.approved
    assert [(r.number, r.decision.decision) for r in case.rounds if r.decision] == [
        (1, Decision.return_for_revision), (2, Decision.reject), (3, Decision.approve)]
    assert len(case.studies) == 2


def test_a_decision_is_only_for_a_proposed_case_on_a_plausible_day() -> None:
    with refused("wrong-step", 409):
        decide(merge_case(), Decision.approve)
    case = proposed_case()
    with refused("decided-before-proposed"):
        decide(case, Decision.approve, on=TODAY - timedelta(days=1))
    with refused("date-in-future"):
        decide(case, Decision.approve, on=TODAY + timedelta(days=1))


def test_executing_before_approval_is_refused() -> None:
    for case in (merge_case(), proposed_case()):
        with refused("not-approved", 409):
            case.execute(schools={}, effective_date=EFFECTIVE, at=hours(5))
    returned = proposed_case()
    decide(returned, Decision.return_for_revision, "แก้ไข")
    with refused("not-approved", 409):
        given(returned).execute(schools={}, effective_date=EFFECTIVE, at=hours(5))


def test_an_approved_merger_executes_on_its_effective_date_and_closes_the_case() -> None:
    absorbed, receiving = small_school(), big_school()
    case = approved_case()
    with refused("effective-before-approval"):
        case.execute(schools={"40050001": absorbed, "40050002": receiving},
                     effective_date=TODAY - timedelta(days=1), at=hours(5))
    changed = case.execute(schools={"40050001": absorbed, "40050002": receiving},
                           effective_date=EFFECTIVE, at=hours(5))
    assert [s.code for s in changed] == ["40050001", "40050002"]
    assert names(then_events(case)) == ["Executed"]
    assert names(then_events(absorbed)) == ["Merged"]
    case = given(case)
    assert case.closed and case.step == CaseStep.executed and case.effective_date == EFFECTIVE
    with refused("case-closed", 409):
        case.execute(schools={}, effective_date=EFFECTIVE, at=hours(6))


def test_an_executed_establish_case_registers_the_school_from_its_effective_date() -> None:
    case = RestructuringCase.open_establish(code="40059999", details=details("โรงเรียนใหม่"),
                                            levels=[K, P], existing=None, at=T0, **OFFICER)
    study(case)
    hear(case, board=None)
    case.propose(by="dir-1", today=TODAY, at=hours(3))
    decide(case, Decision.approve)
    [new] = given(case).execute(schools={}, effective_date=EFFECTIVE, at=hours(5))
    new = given(new)
    assert new.code == "40059999" and new.established_on == EFFECTIVE
    assert new.state_on(EFFECTIVE - timedelta(days=1)).exists is False
    assert new.state_on(EFFECTIVE).exists is True


def test_a_withdrawn_case_takes_no_further_step() -> None:
    case = merge_case()
    with refused("field-required"):
        case.withdraw(by="dir-1", reason="", at=hours(1))
    case.withdraw(by="dir-1", reason="ชุมชนขอชะลอ", at=hours(1))
    case = given(case)
    assert case.closed and case.step == CaseStep.withdrawn
    with refused("case-closed", 409):
        study(case)
