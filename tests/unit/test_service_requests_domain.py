"""Coordination and service (procedure 2): given events, when a command, then events or a refusal.

Uses the given/when/then helpers of the saraban domain tests (same staff, same conventions).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from test_correspondence_domain import (
    CLERK,
    DIRECTOR,
    OFFICER,
    OTHER_OFFICER,
    given,
    names,
    officer,
    refused,
    then_events,
)

from services.correspondence.domain import Role, reporting_period
from services.correspondence.service_requests.domain import (
    RequesterKind,
    RequestStep,
    ServiceChannel,
    ServiceRequest,
)
from services.correspondence.service_requests.projections import (
    request_entry,
    service_summary,
    summary_rows,
)

# 09:00 in Bangkok on Monday 2 March 2026 (BE 2569).
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def logged(**overrides: Any) -> ServiceRequest:
    fields: dict[str, Any] = dict(
        by=CLERK, requester_kind=RequesterKind.school, requester_name="โรงเรียนบ้านหนองบัว",
        contact="043-123456", channel=ServiceChannel.phone,
        subject="ขอข้อมูลจำนวนนักเรียนปีการศึกษา 2569", details="ใช้ประกอบแผนพัฒนาคุณภาพ",
        received_at=T0, at=at(0.1))
    fields.update(overrides)
    return given(ServiceRequest.log(**fields))


def routed() -> ServiceRequest:
    r = logged()
    r.route(by=DIRECTOR, officer=OFFICER, due=date(2026, 3, 6), at=at(1))
    return given(r)


def responded(hours_after: float = 26.5) -> ServiceRequest:
    r = routed()
    r.respond(by=OFFICER, response="ส่งข้อมูลทางอีเมลแล้ว", responded_at=at(hours_after),
              at=at(hours_after))
    return given(r)


class TestLogging:
    def test_a_request_is_logged_and_waits_for_the_group_director(self) -> None:
        r = ServiceRequest.log(
            by=CLERK, requester_kind=RequesterKind.public, requester_name="นายมานะ ใจดี",
            contact="081-0000000", channel=ServiceChannel.walk_in, subject="ขอสำเนาประกาศ",
            details="", received_at=T0, at=at(0.1))
        assert names(then_events(r)) == ["Logged"]
        r = given(r)
        assert (r.step, r.holder, r.step_since) == (RequestStep.logged, "group_director", T0)
        assert not r.closed

    def test_required_fields_and_time_rules(self) -> None:
        with refused("field-required", 422):
            logged(subject="  ")
        with refused("field-required", 422):
            logged(requester_name="")
        with refused("naive-datetime", 422):
            logged(received_at=datetime(2026, 3, 2, 9, 0))
        with refused("request-received-in-future", 422):
            logged(received_at=at(2), at=at(1))


class TestRouting:
    def test_the_group_director_routes_to_a_responsible_officer(self) -> None:
        r = logged()
        r.route(by=DIRECTOR, officer=OFFICER, due=date(2026, 3, 6), at=at(1))
        events = then_events(r)
        assert names(events) == ["Routed"]
        assert events[0].officer_id == OFFICER.officer_id
        r = given(r)
        assert (r.step, r.holder, r.due) == (RequestStep.routed, OFFICER.officer_id,
                                             date(2026, 3, 6))

    def test_re_routing_is_allowed_before_the_response(self) -> None:
        r = routed()
        r.route(by=DIRECTOR, officer=OTHER_OFFICER, at=at(2))
        assert given(r).holder == OTHER_OFFICER.officer_id

    def test_routing_to_a_clerk_or_an_inactive_officer_is_refused(self) -> None:
        with refused("not-an-officer", 403):
            logged().route(by=DIRECTOR, officer=CLERK, at=at(1))
        gone = officer("off-gone", Role.officer)
        gone.deactivate("ย้าย")
        with refused("officer-inactive", 422):
            logged().route(by=DIRECTOR, officer=given(gone), at=at(1))

    def test_due_date_not_before_receipt(self) -> None:
        with refused("due-before-received", 422):
            logged().route(by=DIRECTOR, officer=OFFICER, due=date(2026, 3, 1), at=at(1))

    def test_no_routing_after_the_response(self) -> None:
        with refused("already-responded", 409):
            responded().route(by=DIRECTOR, officer=OTHER_OFFICER, at=at(30))


class TestResponse:
    def test_the_responsible_officer_responds_once(self) -> None:
        r = routed()
        r.respond(by=OFFICER, response="ส่งข้อมูลแล้ว", responded_at=at(26.5), at=at(27))
        assert names(then_events(r)) == ["Responded"]
        r = given(r)
        assert r.step == RequestStep.responded and r.closed and r.holder is None
        assert r.response_hours == 26.5
        with refused("already-responded", 409):
            r.respond(by=OFFICER, response="อีกครั้ง", responded_at=at(28), at=at(28))
        assert then_events(r) == []

    def test_only_the_officer_it_was_routed_to_responds(self) -> None:
        with refused("not-the-responsible-officer", 403):
            routed().respond(by=OTHER_OFFICER, response="ตอบแทน", responded_at=at(2), at=at(2))

    def test_a_request_not_routed_cannot_be_responded_to(self) -> None:
        with refused("wrong-step", 409):
            logged().respond(by=OFFICER, response="ตอบ", responded_at=at(2), at=at(2))

    def test_the_response_is_dated_between_receipt_and_now(self) -> None:
        with refused("responded-before-received", 422):
            routed().respond(by=OFFICER, response="ตอบ", responded_at=at(-1), at=at(2))
        with refused("responded-in-future", 422):
            routed().respond(by=OFFICER, response="ตอบ", responded_at=at(3), at=at(2))
        with refused("field-required", 422):
            routed().respond(by=OFFICER, response=" ", responded_at=at(2), at=at(2))

    def test_overdue_only_while_unanswered(self) -> None:
        assert routed().is_overdue(date(2026, 3, 7))
        assert not routed().is_overdue(date(2026, 3, 6))
        assert not responded().is_overdue(date(2026, 3, 30))


class TestSatisfaction:
    def test_recorded_once_after_the_response(self) -> None:
        r = responded()
        r.record_satisfaction(by=CLERK, score=5, comment="รวดเร็วมาก", at=at(30))
        assert names(then_events(r)) == ["SatisfactionRecorded"]
        r = given(r)
        assert (r.satisfaction, r.step) == (5, RequestStep.rated)
        with refused("satisfaction-already-recorded", 409):
            r.record_satisfaction(by=CLERK, score=4, at=at(31))

    @pytest.mark.parametrize("score", [0, 6, -1])
    def test_only_one_to_five(self, score: int) -> None:
        r = responded()
        with refused("invalid-satisfaction", 422):
            r.record_satisfaction(by=CLERK, score=score, at=at(30))
        assert then_events(r) == []

    def test_not_before_the_response(self) -> None:
        for r in (logged(), routed()):
            with refused("not-yet-responded", 409):
                r.record_satisfaction(by=CLERK, score=4, at=at(2))


class TestSummary:
    def test_counts_response_times_and_satisfaction(self) -> None:
        fast = responded(hours_after=2)
        fast.record_satisfaction(by=CLERK, score=5, at=at(3))
        slow = responded(hours_after=26.5)
        slow.record_satisfaction(by=CLERK, score=4, at=at(27))
        public = logged(requester_kind=RequesterKind.public)
        report = service_summary([request_entry(r) for r in (given(fast), given(slow), public, routed())],
                                 date(2025, 10, 1), date(2026, 9, 30))
        assert report["total"] == 4
        kinds = {k["requester_kind"]: k["count"] for k in report["by_requester_kind"]}
        assert kinds == {"school": 3, "office_group": 0, "agency": 0, "public": 1}
        steps = {s["step"]: s["count"] for s in report["by_status"]}
        assert steps == {"logged": 1, "routed": 1, "responded": 0, "rated": 2}
        times = report["response_time"]
        assert times["responded"] == 2
        assert times["median_hours"] == times["average_hours"] == 14.25
        assert times["median_th"] == "14 ชั่วโมง 15 นาที"
        satisfaction = report["satisfaction"]
        assert (satisfaction["rated"], satisfaction["average"]) == (2, 4.5)
        assert satisfaction["average_th"] == "มากที่สุด"  # 4.5 rounds up, as on a paper form
        assert satisfaction["satisfied_percent"] == 100.0
        assert [(d["score"], d["count"]) for d in satisfaction["distribution"]] == [
            (5, 1), (4, 1), (3, 0), (2, 0), (1, 0)]
        lines = {(r["section"], r["item"]): r["value"] for r in summary_rows(report)}
        assert lines[("ความพึงพอใจ", "คะแนนเฉลี่ย (เต็ม 5)")] == "4.50 (มากที่สุด)"
        assert lines[("ประเภทผู้รับบริการ", "สถานศึกษา")] == 3

    def test_an_empty_period_has_no_averages(self) -> None:
        report = service_summary([], date(2025, 10, 1), date(2026, 9, 30))
        assert report["total"] == 0
        assert report["response_time"]["median_hours"] is None
        assert report["satisfaction"]["average"] is None


class TestReportingPeriod:
    TODAY = date(2026, 11, 27)

    def test_a_fiscal_year_runs_october_to_september(self) -> None:
        assert reporting_period(None, None, 2569, self.TODAY) == (date(2025, 10, 1),
                                                                  date(2026, 9, 30))

    def test_the_default_is_the_current_fiscal_year(self) -> None:
        assert reporting_period(None, None, None, self.TODAY) == (date(2026, 10, 1),
                                                                  date(2027, 9, 30))

    def test_a_date_range(self) -> None:
        assert reporting_period(date(2026, 1, 1), date(2026, 3, 31), None, self.TODAY) == (
            date(2026, 1, 1), date(2026, 3, 31))

    def test_bad_periods_are_refused(self) -> None:
        with refused("invalid-period", 422):
            reporting_period(date(2026, 4, 1), date(2026, 3, 31), None, self.TODAY)
        with refused("invalid-period", 422):
            reporting_period(date(2026, 1, 1), None, 2569, self.TODAY)
        with refused("invalid-period", 422):
            reporting_period(None, None, 2026, self.TODAY)
        with refused("invalid-period", 422):
            reporting_period(None, date(9999, 12, 31), None, self.TODAY)
