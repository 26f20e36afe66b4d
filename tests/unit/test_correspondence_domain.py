"""Saraban domain (procedure 1): given events, when a command, then new events or a refusal.

Every "given" aggregate is rebuilt from its own events before the command runs, so the tests
exercise the state that replay produces, as the application sees it after loading from the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from services.correspondence.domain import (
    STEP_TH,
    URGENCY_CODES,
    Attachment,
    DestructionList,
    DestructionStep,
    Direction,
    Document,
    DocumentType,
    NumberSeries,
    Officer,
    ReviewStage,
    Role,
    Secrecy,
    SeriesKind,
    Step,
    Urgency,
    add_years,
    expected_series,
    format_outgoing_no,
    receiving_year_be,
    retention_years,
)
from shared.context import acting_as
from tests.support.given_when_then import given, names, refused, replay, then_events

H1, H2, H3 = "a" * 64, "b" * 64, "c" * 64
OFFICE = "ศธ 04123"
# 09:00 in Bangkok on Monday 2 March 2026 (BE 2569).
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


# ---- people --------------------------------------------------------------------------------------


def officer(officer_id: str, *roles: Role, clearance: Secrecy = Secrecy.none) -> Officer:
    return given(Officer.register(officer_id=officer_id, name_th=f"นาย {officer_id}",
                                  position_th="ตำแหน่ง", roles=roles, clearance=clearance))


CLERK = officer("clk-001", Role.clerk)
DIRECTOR = officer("gd-001", Role.group_director, clearance=Secrecy.top_secret)
OFFICER = officer("off-001", Role.officer, clearance=Secrecy.top_secret)
OTHER_OFFICER = officer("off-002", Role.officer, clearance=Secrecy.top_secret)
PLAIN_OFFICER = officer("off-003", Role.officer)  # no clearance
SIGNER = officer("sg-001", Role.signer, clearance=Secrecy.top_secret)
ESA_DIRECTOR = officer("esa-001", Role.esa_director, Role.signer, clearance=Secrecy.top_secret)
UNCLEARED_DIRECTOR = officer("gd-002", Role.group_director)


# ---- documents at each step ----------------------------------------------------------------------


def incoming(**overrides: Any) -> Document:
    fields: dict[str, Any] = dict(
        receipt_no=7, received_at=T0, sender="สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน",
        sender_ref_no="ศธ 04006/ว 1234", sender_doc_date=date(2026, 2, 27),
        subject="ขอให้รายงานผลการดำเนินงาน", addressee="ผู้อำนวยการ สพป.ขอนแก่น เขต 5",
        doc_type=DocumentType.external_letter, urgency=Urgency.urgent, secrecy=Secrecy.none,
        attachments=[Attachment(name="แบบรายงาน.pdf", media_type="application/pdf", sha256=H3,
                                size=1024)],
        body_sha256=H1, by=CLERK, at=T0 + timedelta(minutes=5),
    )
    fields.update(overrides)
    return Document.register_incoming(**fields)


def doc_at(step: Step, **overrides: Any) -> Document:
    """An incoming document driven by commands up to `step`, then replayed from its events."""
    d = incoming(**overrides)
    if step == Step.registered:
        return given(d)
    d.assign(by=DIRECTOR, officer=OFFICER, instructions="ร่างหนังสือตอบ", due=date(2026, 3, 13),
             at=hours(1))
    if step == Step.assigned:
        return given(d)
    d.draft(by=OFFICER, draft_sha256=H1 if d.secrecy != Secrecy.top_secret else None,
            summary="ร่างตอบ", at=hours(2))
    if step == Step.drafted:
        return given(d)
    d.submit_for_check(by=OFFICER, checker=DIRECTOR, at=hours(3))
    if step == Step.in_check:
        return given(d)
    if step == Step.revising:
        d.return_for_revision(by=DIRECTOR, comments="แก้ไขย่อหน้าที่สอง", at=hours(4))
        return given(d)
    d.approve_check(by=DIRECTOR, signer=SIGNER, at=hours(4))
    if step == Step.awaiting_signature:
        return given(d)
    d.sign(by=SIGNER, at=hours(5))
    if step == Step.signed:
        return given(d)
    d.dispatch(by=CLERK, series=SeriesKind.dispatch, number=15, year_be=2569,
               outgoing_no=format_outgoing_no(SeriesKind.dispatch, OFFICE, 15, 2569), at=hours(6))
    if step == Step.dispatched:
        return given(d)
    d.file(by=CLERK, location="ตู้ 2 ชั้น 1", at=hours(7))
    if step == Step.filed:
        return given(d)
    raise AssertionError(step)


def filed_doc(filed_at: datetime, retention_class: str = "years_1", **overrides: Any) -> Document:
    """An incoming document (no reply needed) filed at `filed_at`."""
    d = incoming(received_at=filed_at - timedelta(hours=2), at=filed_at - timedelta(hours=1),
                 sender_doc_date=None, **overrides)
    d.assign(by=DIRECTOR, officer=OFFICER, at=filed_at - timedelta(minutes=30))
    d.file(by=CLERK, location="ห้องเก็บเอกสาร", retention_class=retention_class, at=filed_at)
    return given(d)


# ==================================================================================================
# Pure functions
# ==================================================================================================


class TestCalendar:
    def test_receiving_year_follows_bangkok_new_year_not_utc(self) -> None:
        # 2026-12-31 17:30 UTC is already 1 January 2027 00:30 in Bangkok: BE 2570.
        assert receiving_year_be(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) == 2570
        assert receiving_year_be(datetime(2026, 12, 31, 16, 59, tzinfo=UTC)) == 2569

    def test_naive_datetimes_are_refused(self) -> None:
        with refused("naive-datetime", 422):
            receiving_year_be(datetime(2026, 12, 31, 17, 30))

    @pytest.mark.parametrize(
        ("kind", "n", "expected"),
        [
            (SeriesKind.dispatch, 15, "ที่ ศธ 04123/15"),
            (SeriesKind.circular, 3, "ที่ ศธ 04123/ว 3"),
            (SeriesKind.order, 15, "15/2569"),
            (SeriesKind.receiving, 42, "42"),
        ],
    )
    def test_outgoing_number_formats(self, kind: SeriesKind, n: int, expected: str) -> None:
        assert format_outgoing_no(kind, OFFICE, n, 2569) == expected

    def test_retention_classes(self) -> None:
        assert retention_years("years_10") == 10
        assert retention_years("years_25") == 25
        assert retention_years("permanent") is None
        for bad in ("years_0", "10", "years_", "forever", "Years_5"):
            with refused("invalid-retention-class", 422):
                retention_years(bad)

    def test_adding_years_to_29_february_never_shortens_the_term(self) -> None:
        assert add_years(date(2024, 2, 29), 1) == date(2025, 3, 1)
        assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)

    def test_series_follows_document_type(self) -> None:
        assert expected_series(DocumentType.external_letter, None) == SeriesKind.dispatch
        assert expected_series(DocumentType.directive, None) == SeriesKind.order
        circular = SeriesKind.circular
        assert expected_series(DocumentType.external_letter, circular) == circular


# ==================================================================================================
# Officer
# ==================================================================================================


class TestOfficer:
    def test_registered_with_deterministic_id(self) -> None:
        o = Officer.register(officer_id="off-009", name_th="นางสาว ทดสอบ",
                             position_th="นักวิเคราะห์นโยบายและแผน",
                             roles=["officer", Role.signer], clearance=Secrecy.confidential)
        events = then_events(o)
        assert names(events) == ["Registered"]
        assert events[0].roles == [Role.officer, Role.signer]
        assert o.id == Officer.create_id("off-009") == Officer.create_id(officer_id="off-009")
        again = replay(events)
        assert again.officer_id == "off-009" and again.active
        assert again.has_role("signer") and not again.has_role(Role.clerk)

    def test_clearance_ranks(self) -> None:
        o = officer("x-1", Role.officer, clearance=Secrecy.secret)
        assert o.cleared_for(Secrecy.none)
        assert o.cleared_for(Secrecy.confidential)
        assert o.cleared_for(Secrecy.secret)
        assert not o.cleared_for(Secrecy.top_secret)

    def test_roles_and_clearance_change_only_when_different(self) -> None:
        o = officer("x-2", Role.officer)
        o.change_roles([Role.officer])
        o.change_clearance(Secrecy.none)
        assert then_events(o) == []
        o.change_roles([Role.officer, Role.group_director])
        o.change_clearance(Secrecy.secret)
        assert names(then_events(o)) == ["RolesChanged", "ClearanceChanged"]
        assert o.has_role(Role.group_director) and o.cleared_for(Secrecy.secret)

    def test_deactivate_and_reactivate(self) -> None:
        o = officer("x-3", Role.officer)
        o.deactivate("ย้ายไปปฏิบัติราชการที่อื่น")
        assert names(then_events(o)) == ["Deactivated"] and not o.active
        o.reactivate()
        assert names(then_events(o)) == ["Reactivated"] and o.active

    def test_name_required(self) -> None:
        with refused("field-required"):
            Officer.register(officer_id="x-4", name_th="  ", position_th="", roles=[])

    def test_holds_what_waits_for_them_by_id_or_by_a_role_they_have(self) -> None:
        assert OFFICER.holds(OFFICER.officer_id) and not OFFICER.holds(OTHER_OFFICER.officer_id)
        assert DIRECTOR.holds(Role.group_director.value)
        assert not OFFICER.holds(Role.group_director.value)

    def test_an_inactive_officer_holds_nothing(self) -> None:
        o = officer("x-5", Role.officer, Role.group_director)
        o.deactivate("ย้ายไปปฏิบัติราชการที่อื่น")
        o = given(o)
        assert not o.holds("x-5") and not o.holds(Role.group_director.value)

    def test_an_officer_id_may_not_be_a_role_name(self) -> None:
        for role in Role:
            with refused("officer-id-is-a-role", 422):
                Officer.register(officer_id=role.value, name_th="นาย บทบาท", position_th="",
                                 roles=[Role.officer])


# ==================================================================================================
# NumberSeries
# ==================================================================================================


class TestNumberSeries:
    def test_numbers_are_gap_free_and_continue_after_replay(self) -> None:
        s = NumberSeries.open(kind=SeriesKind.receiving, year_be=2569)
        assert [s.issue(uuid4()) for _ in range(3)] == [1, 2, 3]
        events = then_events(s)
        assert names(events) == ["Opened", "NumberIssued", "NumberIssued", "NumberIssued"]
        assert [e.number for e in events[1:]] == [1, 2, 3]
        s = replay(events)
        assert s.issue(uuid4()) == 4

    def test_one_series_per_kind_and_year(self) -> None:
        ids = {NumberSeries.create_id(k, y) for k in SeriesKind for y in (2569, 2570)}
        assert len(ids) == 8
        s = NumberSeries.open(kind="circular", year_be=2569)
        assert s.id == NumberSeries.create_id(SeriesKind.circular, 2569)

    def test_a_ce_year_is_refused(self) -> None:
        with refused("invalid-number"):
            NumberSeries.open(kind=SeriesKind.dispatch, year_be=2026)

    def test_cancelled_number_stays_and_is_never_reused(self) -> None:
        s = NumberSeries.open(kind=SeriesKind.dispatch, year_be=2569)
        doc = uuid4()
        s.issue(doc)
        s.issue(uuid4())
        s = given(s)
        s.cancel(1, "หนังสือถูกยกเลิก")
        assert names(then_events(s)) == ["NumberCancelled"]
        assert s.cancelled == {1: "หนังสือถูกยกเลิก"}
        assert s.issue(uuid4()) == 3
        assert s.last_number == 3

    def test_cancel_refusals(self) -> None:
        s = NumberSeries.open(kind=SeriesKind.dispatch, year_be=2569)
        s.issue(uuid4())
        s = given(s)
        with refused("number-not-issued", 404):
            s.cancel(2, "ไม่มี")
        s.cancel(1, "ยกเลิก")
        with refused("number-already-cancelled", 409):
            s.cancel(1, "ซ้ำ")
        s.issue(uuid4())
        with refused("field-required"):
            s.cancel(2, " ")

    def test_the_issued_event_names_the_document(self) -> None:
        s = NumberSeries.open(kind=SeriesKind.dispatch, year_be=2569)
        doc = uuid4()
        s.issue(doc)
        issued = then_events(s)[-1]
        assert (issued.number, issued.document_id) == (1, doc)


# ==================================================================================================
# Document: registration
# ==================================================================================================


class TestRegisterIncoming:
    def test_registered_in_the_receiving_register(self) -> None:
        doc_id = uuid4()
        d = incoming(document_id=doc_id)
        events = then_events(d)
        assert names(events) == ["Registered"]
        e = events[0]
        assert e.originator_id == doc_id
        assert (e.receipt_no, e.receipt_year_be, e.registered_by) == (7, 2569, CLERK.officer_id)
        assert e.attachments[0].sha256 == H3 and e.body_sha256 == H1
        d = replay(events)
        assert d.direction == Direction.incoming
        assert (d.step, d.holder, d.step_since) == (Step.registered, "group_director", T0)
        assert d.step_th == STEP_TH[Step.registered] == "ลงทะเบียนรับแล้ว"

    def test_received_just_after_bangkok_midnight_goes_to_the_new_year(self) -> None:
        received = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
        d = incoming(received_at=received, at=received, sender_doc_date=date(2027, 1, 1))
        assert d.receipt_year_be == 2570

    def test_sender_date_after_the_bangkok_receipt_date_is_refused(self) -> None:
        with refused("sender-date-after-receipt", 422):
            incoming(sender_doc_date=date(2026, 3, 3))
        received = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 23:30 on 31 Dec in Bangkok
        with refused("sender-date-after-receipt"):
            incoming(received_at=received, at=received, sender_doc_date=date(2027, 1, 1))

    def test_received_in_the_future_is_refused(self) -> None:
        with refused("received-in-future", 422):
            incoming(received_at=hours(1), at=T0)

    @pytest.mark.parametrize("field", ["subject", "sender"])
    def test_subject_and_sender_required(self, field: str) -> None:
        with refused("field-required") as info:
            incoming(**{field: "   "})
        assert info.value.extra["field"] == field

    def test_receipt_number_starts_at_one(self) -> None:
        with refused("invalid-number"):
            incoming(receipt_no=0)

    @pytest.mark.parametrize("content", [{"body_sha256": None}, {"attachments": []}])
    def test_top_secret_is_paper_only(self, content: dict[str, Any]) -> None:
        with refused("top-secret-paper-only", 422):
            incoming(secrecy=Secrecy.top_secret, **content)

    def test_top_secret_register_entry_without_content(self) -> None:
        d = incoming(secrecy=Secrecy.top_secret, attachments=[], body_sha256=None)
        assert d.secrecy == Secrecy.top_secret and not d.content_available

    def test_attachment_metadata_must_name_a_sha256(self) -> None:
        with pytest.raises(ValidationError):
            Attachment(name="x.pdf", media_type="application/pdf", sha256="not-a-hash", size=1)

    def test_bad_body_hash_refused(self) -> None:
        with refused("invalid-hash"):
            incoming(body_sha256="ABC")


# ==================================================================================================
# Document: routing, drafting, checking, signing
# ==================================================================================================


class TestAssign:
    def test_group_director_assigns_an_officer(self) -> None:
        d = doc_at(Step.registered)
        d.assign(by=DIRECTOR, officer=OFFICER, instructions="ดำเนินการ", due=date(2026, 3, 13),
                 at=hours(1))
        [e] = then_events(d)
        assert names([e]) == ["Assigned"]
        assert (e.officer_id, e.assigned_by, e.due) == ("off-001", "gd-001", date(2026, 3, 13))
        assert (d.step, d.holder, d.step_since, d.assignee_id) == (
            Step.assigned, "off-001", hours(1), "off-001")

    def test_reassignment_before_drafting(self) -> None:
        d = doc_at(Step.assigned)
        d.assign(by=DIRECTOR, officer=OTHER_OFFICER, at=hours(2))
        assert d.assignee_id == d.holder == "off-002"

    def test_only_to_a_responsible_officer(self) -> None:
        # Who may assign is the decision-rights table's; whom to, the document's rule.
        with refused("not-an-officer", 403):
            doc_at(Step.registered).assign(by=DIRECTOR, officer=CLERK, at=hours(1))

    def test_only_to_an_active_officer(self) -> None:
        gone = officer("off-777", Role.officer)
        gone.deactivate("เกษียณ")
        with refused("officer-inactive", 422):
            doc_at(Step.registered).assign(by=DIRECTOR, officer=gone, at=hours(1))

    def test_classified_only_to_a_cleared_officer(self) -> None:
        d = doc_at(Step.registered, secrecy=Secrecy.secret)
        with refused("officer-not-cleared", 422):
            d.assign(by=DIRECTOR, officer=PLAIN_OFFICER, at=hours(1))

    def test_due_before_the_bangkok_receipt_date_is_refused(self) -> None:
        received = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 1 Jan 2027 in Bangkok
        d = given(incoming(received_at=received, at=received, sender_doc_date=None))
        with refused("due-before-received", 422):
            d.assign(by=DIRECTOR, officer=OFFICER, due=date(2026, 12, 31), at=received)
        d.assign(by=DIRECTOR, officer=OFFICER, due=date(2027, 1, 1), at=received)
        assert d.due == date(2027, 1, 1)

    def test_wrong_step_names_the_current_step(self) -> None:
        with refused("wrong-step", 409) as info:
            doc_at(Step.drafted).assign(by=DIRECTOR, officer=OFFICER, at=hours(9))
        assert info.value.extra["step"] == "drafted"
        assert info.value.extra["step_th"] == STEP_TH[Step.drafted]

    def test_action_overdue_while_work_is_open(self) -> None:
        d = doc_at(Step.assigned)
        assert not d.is_action_overdue(date(2026, 3, 13))
        assert d.is_action_overdue(date(2026, 3, 14))
        assert not doc_at(Step.filed).is_action_overdue(date(2026, 12, 1))


class TestDraftAndReview:
    def test_only_the_assigned_officer_drafts(self) -> None:
        with refused("not-the-assignee", 403):
            doc_at(Step.assigned).draft(by=OTHER_OFFICER, draft_sha256=H1, at=hours(2))

    def test_drafting_needs_an_assignment(self) -> None:
        with refused("wrong-step", 409):
            doc_at(Step.registered).draft(by=OFFICER, draft_sha256=H1, at=hours(2))

    def test_draft_recorded_by_hash(self) -> None:
        d = doc_at(Step.assigned)
        d.draft(by=OFFICER, draft_sha256=H2, summary="ร่างหนังสือตอบ สพฐ.",
                doc_type=DocumentType.external_letter, at=hours(2))
        [e] = then_events(d)
        assert names([e]) == ["Drafted"]
        assert (e.draft_sha256, e.version, e.doc_type) == (H2, 1, DocumentType.external_letter)
        assert (d.step, d.holder, d.drafter_id) == (Step.drafted, "off-001", "off-001")

    def test_a_draft_needs_content_unless_top_secret(self) -> None:
        with refused("field-required"):
            doc_at(Step.assigned).draft(by=OFFICER, draft_sha256=None, at=hours(2))
        secret = doc_at(Step.assigned, secrecy=Secrecy.top_secret, attachments=[], body_sha256=None)
        with refused("top-secret-paper-only"):
            secret.draft(by=OFFICER, draft_sha256=H1, at=hours(2))

    def test_series_must_fit_the_document_type(self) -> None:
        d = doc_at(Step.assigned)
        with refused("series-mismatch", 422):
            d.draft(by=OFFICER, draft_sha256=H1, doc_type=DocumentType.directive,
                    outgoing_kind=SeriesKind.circular, at=hours(2))
        with refused("series-mismatch"):
            d.draft(by=OFFICER, draft_sha256=H1, outgoing_kind=SeriesKind.order, at=hours(2))
        with refused("series-mismatch"):
            d.draft(by=OFFICER, draft_sha256=H1, outgoing_kind=SeriesKind.receiving, at=hours(2))

    def test_submit_for_check_goes_to_a_group_director(self) -> None:
        d = doc_at(Step.drafted)
        with refused("not-a-group-director", 403):
            d.submit_for_check(by=OFFICER, checker=SIGNER, at=hours(3))
        with refused("not-the-assignee", 403):
            d.submit_for_check(by=OTHER_OFFICER, checker=DIRECTOR, at=hours(3))
        d.submit_for_check(by=OFFICER, checker=DIRECTOR, at=hours(3))
        [e] = then_events(d)
        assert names([e]) == ["SubmittedForCheck"]
        assert (e.round_no, e.checker_id, e.draft_sha256) == (1, "gd-001", H1)
        assert (d.step, d.holder) == (Step.in_check, "gd-001")

    def test_classified_draft_only_to_a_cleared_checker(self) -> None:
        d = doc_at(Step.drafted, secrecy=Secrecy.secret)
        with refused("officer-not-cleared"):
            d.submit_for_check(by=OFFICER, checker=UNCLEARED_DIRECTOR, at=hours(3))

    def test_checking_requires_in_check(self) -> None:
        with refused("wrong-step", 409) as info:
            doc_at(Step.drafted).approve_check(by=DIRECTOR, signer=SIGNER, at=hours(4))
        assert info.value.extra["step"] == "drafted"
        with refused("wrong-step"):
            doc_at(Step.drafted).return_for_revision(by=DIRECTOR, comments="x", at=hours(4))

    def test_only_the_group_director_it_was_put_to_checks(self) -> None:
        d = doc_at(Step.in_check)
        with refused("not-the-named-officer", 403):
            d.approve_check(by=UNCLEARED_DIRECTOR, signer=SIGNER, at=hours(4))
        with refused("not-the-named-officer"):
            d.return_for_revision(by=SIGNER, comments="ไม่ใช่หน้าที่", at=hours(4))

    def test_a_draft_is_never_put_to_its_own_drafter(self) -> None:
        d = doc_at(Step.registered)
        d.assign(by=DIRECTOR, officer=DIRECTOR, at=hours(1))  # a director drafting themselves
        d.draft(by=DIRECTOR, draft_sha256=H1, at=hours(2))
        with refused("own-draft-check", 403):
            d.submit_for_check(by=DIRECTOR, checker=DIRECTOR, at=hours(3))

    def test_nor_put_to_its_drafter_to_sign(self) -> None:
        signing_director = officer("gd-003", Role.group_director, Role.signer,
                                   clearance=Secrecy.top_secret)
        d = doc_at(Step.registered)
        d.assign(by=DIRECTOR, officer=signing_director, at=hours(1))
        d.draft(by=signing_director, draft_sha256=H1, at=hours(2))
        d.submit_for_check(by=signing_director, checker=DIRECTOR, at=hours(3))
        with refused("own-draft-check", 403):
            d.approve_check(by=DIRECTOR, signer=signing_director, at=hours(4))
        d.approve_check(by=DIRECTOR, signer=SIGNER, at=hours(4))
        assert d.holder == SIGNER.officer_id

    def test_approval_forwards_to_a_signer(self) -> None:
        d = doc_at(Step.in_check)
        with refused("not-a-signer", 403):
            d.approve_check(by=DIRECTOR, signer=OTHER_OFFICER, at=hours(4))
        d.approve_check(by=DIRECTOR, signer=SIGNER, comments="เห็นควรลงนาม", at=hours(4))
        assert names(then_events(d)) == ["CheckApproved"]
        assert (d.step, d.holder) == (Step.awaiting_signature, "sg-001")
        assert d.review_rounds[0].checked_by == "gd-001"

    def test_return_for_revision_loop_keeps_every_round(self) -> None:
        d = doc_at(Step.in_check)
        d.return_for_revision(by=DIRECTOR, comments="แก้ตัวเลขงบประมาณ", at=hours(4))
        assert (d.step, d.holder) == (Step.revising, "off-001")
        # Revised draft, then re-submitted.
        d.draft(by=OFFICER, draft_sha256=H2, at=hours(5))
        d.submit_for_check(by=OFFICER, checker=DIRECTOR, at=hours(6))
        d.return_for_revision(by=DIRECTOR, comments="เพิ่มอ้างอิง", at=hours(7))
        # Re-submitted as is from revising.
        d.submit_for_check(by=OFFICER, checker=DIRECTOR, at=hours(8))
        d.approve_check(by=DIRECTOR, signer=SIGNER, at=hours(9))
        assert names(then_events(d)) == [
            "ReturnedForRevision", "Drafted", "SubmittedForCheck", "ReturnedForRevision",
            "SubmittedForCheck", "CheckApproved"]
        rounds = d.review_rounds
        assert [(r.number, r.outcome, r.return_comments) for r in rounds] == [
            (1, "returned", "แก้ตัวเลขงบประมาณ"),
            (2, "returned", "เพิ่มอ้างอิง"),
            (3, "pending", ""),
        ]
        assert [r.draft_sha256 for r in rounds] == [H1, H2, H2]
        assert rounds[0].return_stage == ReviewStage.check
        assert (rounds[2].checked_by, rounds[2].signer_id) == ("gd-001", "sg-001")
        assert (d.step, d.holder, d.draft_version) == (Step.awaiting_signature, "sg-001", 2)

    def test_returning_needs_comments(self) -> None:
        with refused("field-required"):
            doc_at(Step.in_check).return_for_revision(by=DIRECTOR, comments=" ", at=hours(4))

    def test_signer_may_return_for_revision(self) -> None:
        d = doc_at(Step.awaiting_signature)
        with refused("not-the-named-officer", 403):
            d.return_for_revision(by=DIRECTOR, comments="x", at=hours(5))
        d.return_for_revision(by=SIGNER, comments="ปรับถ้อยคำ", at=hours(5))
        [e] = then_events(d)
        assert (e.stage, e.by_id, e.round_no) == (ReviewStage.signature, "sg-001", 1)
        assert (d.step, d.holder) == (Step.revising, "off-001")
        assert d.review_rounds[0].return_stage == ReviewStage.signature


class TestSign:
    @pytest.mark.parametrize("step", [Step.drafted, Step.in_check, Step.revising])
    def test_signing_an_unchecked_draft_is_refused(self, step: Step) -> None:
        with refused("draft-not-checked", 409):
            doc_at(step).sign(by=SIGNER, at=hours(9))

    def test_signing_before_any_draft_is_the_wrong_step(self) -> None:
        with refused("wrong-step"):
            doc_at(Step.assigned).sign(by=SIGNER, at=hours(9))

    def test_only_the_signer_it_was_put_to_signs(self) -> None:
        d = doc_at(Step.awaiting_signature)
        with refused("not-the-named-officer", 403):
            d.sign(by=ESA_DIRECTOR, at=hours(5))
        d.sign(by=SIGNER, at=hours(5))
        [e] = then_events(d)
        assert names([e]) == ["Signed"] and e.signer_id == SIGNER.officer_id
        assert (d.step, d.holder, d.signed_by) == (Step.signed, "clerk", SIGNER.officer_id)
        assert d.review_rounds[-1].outcome == "signed"

    def test_signing_twice_is_the_wrong_step(self) -> None:
        with refused("wrong-step"):
            doc_at(Step.signed).sign(by=SIGNER, at=hours(9))


# ==================================================================================================
# Document: dispatch, outgoing documents, filing, cancellation
# ==================================================================================================


class TestDispatch:
    def test_signed_document_is_dispatched_with_its_number(self) -> None:
        d = doc_at(Step.signed)
        d.dispatch(by=CLERK, series=SeriesKind.dispatch, number=15, year_be=2569,
                   outgoing_no="ที่ ศธ 04123/15", at=hours(6))
        [e] = then_events(d)
        assert names([e]) == ["Dispatched"]
        assert (e.series, e.number, e.year_be, e.outgoing_no) == (
            SeriesKind.dispatch, 15, 2569, "ที่ ศธ 04123/15")
        assert (d.step, d.outgoing_no) == (Step.dispatched, "ที่ ศธ 04123/15")

    def test_dispatching_twice_is_refused(self) -> None:
        d = doc_at(Step.dispatched)
        with refused("already-dispatched", 409):
            d.dispatch(by=CLERK, series=SeriesKind.dispatch, number=16, year_be=2569,
                       outgoing_no="ที่ ศธ 04123/16", at=hours(8))
        with refused("already-dispatched"):
            doc_at(Step.filed).dispatch(by=CLERK, series=SeriesKind.dispatch, number=16,
                                        year_be=2569, outgoing_no="ที่ ศธ 04123/16", at=hours(8))

    def test_dispatch_needs_a_signature(self) -> None:
        with refused("wrong-step", 409) as info:
            doc_at(Step.awaiting_signature).dispatch(
                by=CLERK, series=SeriesKind.dispatch, number=1, year_be=2569,
                outgoing_no="ที่ ศธ 04123/1", at=hours(6))
        assert info.value.extra["step"] == "awaiting_signature"

    def test_number_kind_must_match(self) -> None:
        with refused("series-mismatch", 422) as info:
            doc_at(Step.signed).dispatch(by=CLERK, series=SeriesKind.circular, number=1,
                                         year_be=2569, outgoing_no="ที่ ศธ 04123/ว 1", at=hours(6))
        assert info.value.extra["expected"] == "dispatch"

    def test_number_year_must_be_the_bangkok_year_of_dispatch(self) -> None:
        with refused("series-mismatch"):
            doc_at(Step.signed).dispatch(by=CLERK, series=SeriesKind.dispatch, number=1,
                                         year_be=2570, outgoing_no="ที่ ศธ 04123/1", at=hours(6))


def outgoing(**overrides: Any) -> Document:
    fields: dict[str, Any] = dict(
        by=OFFICER, subject="แจ้งกำหนดการประชุมผู้บริหารสถานศึกษา",
        addressee="ผู้อำนวยการโรงเรียนทุกแห่ง",
        doc_type=DocumentType.external_letter, urgency=Urgency.normal, secrecy=Secrecy.none,
        outgoing_kind=SeriesKind.circular, draft_sha256=H1, summary="หนังสือเวียน", at=T0,
    )
    fields.update(overrides)
    return Document.start_outgoing(**fields)


class TestOutgoing:
    def test_started_by_an_officer_begins_drafted(self) -> None:
        d = outgoing()
        events = then_events(d)
        assert names(events) == ["Started"]
        d = replay(events)
        assert d.direction == Direction.outgoing and d.receipt_no is None
        assert (d.step, d.holder, d.assignee_id, d.drafter_id) == (
            Step.drafted, "off-001", "off-001", "off-001")

    def test_circular_gets_the_wa_series(self) -> None:
        d = outgoing()
        d.submit_for_check(by=OFFICER, checker=DIRECTOR, at=hours(1))
        d.approve_check(by=DIRECTOR, signer=SIGNER, at=hours(2))
        d.sign(by=SIGNER, at=hours(3))
        d = given(d)
        assert d.expected_series == SeriesKind.circular
        with refused("series-mismatch"):
            d.dispatch(by=CLERK, series=SeriesKind.dispatch, number=3, year_be=2569,
                       outgoing_no="ที่ ศธ 04123/3", at=hours(4))
        no = format_outgoing_no(SeriesKind.circular, OFFICE, 3, 2569)
        d.dispatch(by=CLERK, series=SeriesKind.circular, number=3, year_be=2569, outgoing_no=no,
                   at=hours(4))
        assert d.register_entry()["outgoing_no"] == "ที่ ศธ 04123/ว 3"

    def test_directive_gets_the_order_series(self) -> None:
        d = outgoing(doc_type=DocumentType.directive, outgoing_kind=None,
                     subject="คำสั่งแต่งตั้งคณะกรรมการ")
        d.submit_for_check(by=OFFICER, checker=DIRECTOR, at=hours(1))
        d.approve_check(by=DIRECTOR, signer=ESA_DIRECTOR, at=hours(2))
        d.sign(by=ESA_DIRECTOR, at=hours(3))
        d = given(d)
        assert d.expected_series == SeriesKind.order
        with refused("series-mismatch"):
            d.dispatch(by=CLERK, series=SeriesKind.dispatch, number=15, year_be=2569,
                       outgoing_no="ที่ ศธ 04123/15", at=hours(4))
        d.dispatch(by=CLERK, series=SeriesKind.order, number=15, year_be=2569,
                   outgoing_no=format_outgoing_no(SeriesKind.order, OFFICE, 15, 2569), at=hours(4))
        assert d.outgoing_no == "15/2569"

    def test_drafter_must_be_cleared(self) -> None:
        with refused("officer-not-cleared"):
            outgoing(by=PLAIN_OFFICER, secrecy=Secrecy.confidential)

    def test_order_series_only_for_directives(self) -> None:
        with refused("series-mismatch"):
            outgoing(outgoing_kind=SeriesKind.order)

    def test_top_secret_outgoing_is_paper_only(self) -> None:
        with refused("top-secret-paper-only"):
            outgoing(by=OTHER_OFFICER, secrecy=Secrecy.top_secret)
        d = outgoing(by=OTHER_OFFICER, secrecy=Secrecy.top_secret, draft_sha256=None)
        assert not d.content_available


def on_behalf(named: Officer | None, named_id: str = "esa-001") -> Document:
    return Document.draft_on_behalf(
        document_id=uuid4(), origin="monitoring.evaluation.results_issued", named_id=named_id,
        named=named, subject="แจ้งผลการประเมินโครงการ", addressee="ผู้รับผิดชอบโครงการ",
        doc_type=DocumentType.internal_memo, draft_sha256=H1, summary="ผลการประเมิน", at=T0)


class TestDraftedForAnotherService:
    """Work another service's event asks for is drafted for the officer it names if the directory
    says they may hold it; otherwise the group director gets it, and the document says why."""

    def test_the_named_officer_holds_a_draft_they_may_write(self) -> None:
        d = given(on_behalf(OFFICER, OFFICER.officer_id))
        assert (d.step, d.holder, d.drafter_id, d.assignee_id) == (
            Step.drafted, "off-001", "off-001", "off-001")
        assert d.rerouted is None and d.named_drafter_id == "off-001"
        assert d.origin == "monitoring.evaluation.results_issued"

    @pytest.mark.parametrize("named,reason", [
        (ESA_DIRECTOR, "may_not_draft"), (CLERK, "may_not_draft"), (None, "not_in_directory")])
    def test_anyone_else_s_goes_to_the_group_director(self, named: Officer | None,
                                                      reason: str) -> None:
        d = given(on_behalf(named))
        assert (d.step, d.holder, d.drafter_id, d.assignee_id) == (
            Step.drafted, "group_director", None, None)
        assert d.awaiting_assignment
        assert d.rerouted is not None and d.rerouted["reason"] == reason
        assert d.rerouted["named_officer_id"] == "esa-001" and d.rerouted["reason_th"]
        assert d.register_entry()["rerouted"]["routed_to"] == "group_director"

    def test_a_deactivated_officer_does_not_hold_it(self) -> None:
        gone = officer("off-555", Role.officer)
        gone.deactivate("ย้ายไปปฏิบัติราชการที่อื่น")
        assert given(on_behalf(given(gone), "off-555")).rerouted["reason"] == "inactive"

    def test_the_group_director_assigns_it_and_the_officer_takes_the_draft_on(self) -> None:
        d = given(on_behalf(ESA_DIRECTOR))
        with refused("not-an-officer", 403):
            d.assign(by=DIRECTOR, officer=ESA_DIRECTOR, at=hours(1))
        d.assign(by=DIRECTOR, officer=OFFICER, instructions="ตรวจทานและเสนอ", at=hours(1))
        d = given(d)
        assert (d.step, d.holder, d.assignee_id, d.draft_version) == (
            Step.drafted, "off-001", "off-001", 1)
        d.submit_for_check(by=OFFICER, checker=DIRECTOR, at=hours(2))
        assert names(then_events(d)) == ["SubmittedForCheck"]
        with refused("wrong-step", 409):
            given(d).assign(by=DIRECTOR, officer=OTHER_OFFICER, at=hours(3))


class TestFile:
    def test_filed_with_default_retention_of_ten_years(self) -> None:
        d = doc_at(Step.dispatched)
        d.file(by=CLERK, location="ตู้ 2 ชั้น 1", at=hours(7))
        [e] = then_events(d)
        assert names([e]) == ["Filed"]
        assert (e.retention_class, e.location, e.filed_on) == ("years_10", "ตู้ 2 ชั้น 1",
                                                             date(2026, 3, 2))
        assert (d.step, d.holder) == (Step.filed, None)
        assert d.retention_expires_on == date(2036, 3, 2)

    def test_permanent_never_expires(self) -> None:
        d = doc_at(Step.dispatched)
        d.file(by=CLERK, location="ห้องจดหมายเหตุ", retention_class="permanent", at=hours(7))
        assert d.retention_expires_on is None and not d.retention_expired(date(2999, 1, 1))

    def test_configurable_years(self) -> None:
        d = doc_at(Step.dispatched)
        d.file(by=CLERK, location="ตู้ 1", retention_class="years_25", at=hours(7))
        assert d.retention_expires_on == date(2051, 3, 2)

    def test_filing_date_is_the_bangkok_date(self) -> None:
        d = filed_doc(datetime(2026, 12, 31, 18, 0, tzinfo=UTC), "years_5")
        assert d.filed_on == date(2027, 1, 1)
        assert d.retention_expires_on == date(2032, 1, 1)

    def test_invalid_retention_class_refused(self) -> None:
        with refused("invalid-retention-class", 422):
            doc_at(Step.dispatched).file(by=CLERK, location="ตู้ 1", retention_class="10 ปี",
                                         at=hours(7))

    def test_incoming_for_information_is_filed_without_a_reply(self) -> None:
        d = doc_at(Step.assigned)
        d.file(by=CLERK, location="แฟ้มเพื่อทราบ", at=hours(2))
        assert d.step == Step.filed

    def test_filing_an_unfinished_document_is_the_wrong_step(self) -> None:
        with refused("wrong-step"):
            doc_at(Step.signed).file(by=CLERK, location="ตู้ 1", at=hours(7))

    def test_location_required(self) -> None:
        with refused("field-required"):
            doc_at(Step.dispatched).file(by=CLERK, location=" ", at=hours(7))


class TestCancel:
    @pytest.mark.parametrize("step", [Step.registered, Step.in_check, Step.signed, Step.dispatched])
    def test_cancel_before_filing(self, step: Step) -> None:
        d = doc_at(step)
        d.cancel(by=DIRECTOR, reason="ส่งผิดหน่วยงาน", at=hours(8))
        [e] = then_events(d)
        assert names([e]) == ["Cancelled"] and e.previous_step == step
        assert (d.step, d.holder) == (Step.cancelled, None)

    def test_a_cancelled_document_accepts_no_more_steps(self) -> None:
        d = doc_at(Step.assigned)
        d.cancel(by=CLERK, reason="ซ้ำ", at=hours(2))
        d = given(d)
        with refused("document-cancelled", 409):
            d.draft(by=OFFICER, draft_sha256=H1, at=hours(3))
        with refused("document-cancelled"):
            d.assign(by=DIRECTOR, officer=OFFICER, at=hours(3))
        with refused("document-cancelled"):
            d.cancel(by=CLERK, reason="อีกครั้ง", at=hours(3))
        with refused("document-cancelled"):
            d.file(by=CLERK, location="ตู้", at=hours(3))

    def test_dispatched_number_stays_on_the_register(self) -> None:
        d = doc_at(Step.dispatched)
        d.cancel(by=DIRECTOR, reason="ยกเลิกหนังสือ", at=hours(8))
        entry = d.register_entry()
        assert entry["outgoing_no"] == "ที่ ศธ 04123/15" and entry["cancelled"]

    def test_not_after_filing(self) -> None:
        with refused("wrong-step"):
            doc_at(Step.filed).cancel(by=DIRECTOR, reason="x", at=hours(8))

    def test_reason_required(self) -> None:
        with refused("field-required"):
            doc_at(Step.assigned).cancel(by=CLERK, reason="", at=hours(8))


# ==================================================================================================
# Document: borrowing
# ==================================================================================================


class TestBorrow:
    def test_borrow_and_return(self) -> None:
        d = doc_at(Step.filed)
        d.borrow(by=CLERK, borrower="off-002", purpose="ประกอบการจัดทำแผน", due=date(2026, 3, 9),
                 at=hours(24))
        [e] = then_events(d)
        assert names([e]) == ["Borrowed"]
        assert (e.loan_no, e.borrower, e.outsider, e.approved_by) == (1, "off-002", False, None)
        d = given(d)
        assert d.current_loan is not None and d.register_entry()["on_loan"]
        assert not d.is_overdue(date(2026, 3, 9))
        assert d.is_overdue(date(2026, 3, 10))
        d.return_loan(by=CLERK, at=hours(48))
        assert names(then_events(d)) == ["LoanReturned"]
        assert d.current_loan is None and not d.is_overdue(date(2026, 4, 1))
        assert d.loans[0].returned_at == hours(48)

    def test_one_loan_at_a_time(self) -> None:
        d = doc_at(Step.filed)
        d.borrow(by=CLERK, borrower="off-002", purpose="x", due=date(2026, 3, 9), at=hours(24))
        d = given(d)
        with refused("already-on-loan", 409):
            d.borrow(by=CLERK, borrower="off-001", purpose="y", due=date(2026, 3, 9), at=hours(25))
        d.return_loan(by=CLERK, at=hours(26))
        d.borrow(by=CLERK, borrower="off-001", purpose="y", due=date(2026, 3, 9), at=hours(27))
        assert [loan.loan_no for loan in d.loans] == [1, 2]

    def test_outsiders_need_a_group_director_approval(self) -> None:
        d = doc_at(Step.filed)
        args: dict[str, Any] = dict(by=CLERK, borrower="นายสมชาย (สำนักงานจังหวัด)",
                                    purpose="ตรวจสอบ", due=date(2026, 3, 9), at=hours(24),
                                    outsider=True)
        with refused("outsider-needs-approval", 422):
            d.borrow(**args)
        with refused("outsider-needs-approval"):
            d.borrow(**args, approved_by=SIGNER)
        d.borrow(**args, approved_by=DIRECTOR)
        [e] = then_events(d)
        assert (e.outsider, e.approved_by) == (True, "gd-001")

    def test_due_on_or_after_the_borrow_date(self) -> None:
        d = doc_at(Step.filed)
        with refused("due-before-borrow", 422):
            d.borrow(by=CLERK, borrower="off-002", purpose="x", due=date(2026, 3, 2), at=hours(24))
        d.borrow(by=CLERK, borrower="off-002", purpose="x", due=date(2026, 3, 3), at=hours(24))

    def test_only_filed_documents_are_lent(self) -> None:
        with refused("wrong-step"):
            doc_at(Step.dispatched).borrow(by=CLERK, borrower="off-002", purpose="x",
                                           due=date(2026, 3, 9), at=hours(24))

    def test_return_without_a_loan(self) -> None:
        with refused("not-on-loan", 409):
            doc_at(Step.filed).return_loan(by=CLERK, at=hours(24))

    def test_borrowing_a_destroyed_document_is_refused(self) -> None:
        d = filed_doc(datetime(2025, 3, 3, 3, tzinfo=UTC))
        d.destroy(destruction_list_id=DestructionList.create_id(2569), year_be=2569,
                  at=datetime(2027, 5, 1, 3, tzinfo=UTC))
        d = given(d)
        with refused("document-destroyed", 409):
            d.borrow(by=CLERK, borrower="off-002", purpose="x", due=date(2027, 5, 9),
                     at=datetime(2027, 5, 2, 3, tzinfo=UTC))


# ==================================================================================================
# Document: secrecy
# ==================================================================================================


class TestSecrecy:
    def test_unclassified_content_is_open_to_staff(self) -> None:
        d = doc_at(Step.assigned)
        assert d.can_read_content(PLAIN_OFFICER) and d.can_read_content(CLERK)

    def test_classified_content_needs_clearance_and_need_to_know(self) -> None:
        d = doc_at(Step.awaiting_signature, secrecy=Secrecy.confidential)
        assert d.can_read_content(OFFICER)  # assignee and drafter, cleared
        assert d.can_read_content(DIRECTOR)  # checker and group director
        assert d.can_read_content(SIGNER)  # the signer it was forwarded to
        assert d.can_read_content(ESA_DIRECTOR)  # head of office
        assert not d.can_read_content(OTHER_OFFICER)  # cleared, but not involved
        assert not d.can_read_content(CLERK)  # not cleared
        assert not d.can_read_content(UNCLEARED_DIRECTOR)  # director, but not cleared
        assert not d.can_read_content(None)

    def test_clearance_must_reach_the_level(self) -> None:
        d = doc_at(Step.registered, secrecy=Secrecy.secret)
        low = officer("gd-003", Role.group_director, clearance=Secrecy.confidential)
        assert not d.can_read_content(low)
        assert d.can_read_content(DIRECTOR)

    def test_inactive_officers_see_nothing_classified(self) -> None:
        d = doc_at(Step.assigned, secrecy=Secrecy.confidential)
        gone = given(Officer.register(officer_id="off-001", name_th="x", position_th="",
                                      roles=[Role.officer], clearance=Secrecy.secret))
        gone.deactivate("ลาออก")
        assert not d.can_read_content(gone)

    def test_top_secret_has_no_content_but_a_register_entry(self) -> None:
        d = doc_at(Step.assigned, secrecy=Secrecy.top_secret, attachments=[], body_sha256=None)
        assert not d.can_read_content(DIRECTOR)
        assert d.can_see_subject(DIRECTOR)
        assert d.register_view(DIRECTOR)["subject"] == "ขอให้รายงานผลการดำเนินงาน"
        with refused("content-not-available", 409):
            d.record_content_read(reader=DIRECTOR, at=hours(2))

    @pytest.mark.parametrize(
        ("secrecy", "masked"),
        [(Secrecy.confidential, "(ลับ)"), (Secrecy.secret, "(ลับมาก)"),
         (Secrecy.top_secret, "(ลับที่สุด)")],
    )
    def test_register_view_masks_the_subject(self, secrecy: Secrecy, masked: str) -> None:
        content = {} if secrecy != Secrecy.top_secret else {"attachments": [], "body_sha256": None}
        d = doc_at(Step.registered, secrecy=secrecy, **content)
        assert d.register_view(PLAIN_OFFICER)["subject"] == masked
        assert d.register_view(None)["subject"] == masked
        assert d.register_view(DIRECTOR)["subject"] == "ขอให้รายงานผลการดำเนินงาน"
        view = d.register_view(PLAIN_OFFICER)
        assert view["receipt_no"] == 7 and view["secrecy"] == secrecy.value  # existence is shown

    def test_unclassified_register_view_is_complete(self) -> None:
        d = doc_at(Step.registered)
        assert d.register_view(None) == d.register_entry()

    def test_every_classified_read_is_audited(self) -> None:
        d = doc_at(Step.assigned, secrecy=Secrecy.secret)
        with acting_as("off-001", "trace-read-1"):
            d.record_content_read(reader=OFFICER, at=hours(2))
        [e] = then_events(d)
        assert names([e]) == ["ClassifiedContentRead"]
        assert (e.reader_id, e.secrecy, e.actor, e.trace_id) == (
            "off-001", Secrecy.secret, "off-001", "trace-read-1")

    def test_reading_without_clearance_is_refused(self) -> None:
        d = doc_at(Step.assigned, secrecy=Secrecy.secret)
        with refused("not-cleared", 403):
            d.record_content_read(reader=OTHER_OFFICER, at=hours(2))

    def test_unclassified_reads_are_not_recorded(self) -> None:
        d = doc_at(Step.assigned)
        d.record_content_read(reader=PLAIN_OFFICER, at=hours(2))
        assert then_events(d) == []

    def test_register_entry_codes(self) -> None:
        entry = doc_at(Step.registered, urgency=Urgency.most_urgent,
                       secrecy=Secrecy.confidential).register_entry()
        assert entry["urgency_code"] == URGENCY_CODES[Urgency.most_urgent] == "004"
        assert entry["secrecy_code"] == "002"


# ==================================================================================================
# Retention and destruction
# ==================================================================================================

# Documents filed in March 2025 with one-year retention expire in March 2026: on the BE 2569 list.
FILED_2025 = datetime(2025, 3, 3, 3, tzinfo=UTC)
# 1 January 2027 in Bangkok (day 1 after BE 2569 ends) is 31 December 2026 17:00 UTC.
DAY_1 = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)


def bkk(y: int, m: int, d: int, hour: int = 10) -> datetime:
    """`hour` o'clock in Bangkok on that date, as UTC."""
    return datetime(y, m, d, hour - 7, tzinfo=UTC)


def open_list(docs: Sequence[Document] | None = None, at: datetime = DAY_1) -> DestructionList:
    return DestructionList.open(year_be=2569, at=at, by=CLERK,
                                documents=docs if docs is not None else [filed_doc(FILED_2025)])


# The destruction committee: officers of the directory (the chair first).
CHAIR, MEMBERS = DIRECTOR, [OFFICER, OTHER_OFFICER]
NOT_A_MEMBER = PLAIN_OFFICER


def appointed(dl: DestructionList) -> DestructionList:
    dl.appoint_committee(by=ESA_DIRECTOR, chair=CHAIR, members=MEMBERS, at=bkk(2027, 1, 5))
    return dl


def list_sent(docs: Sequence[Document], sent: datetime = bkk(2027, 1, 10)) -> DestructionList:
    dl = appointed(open_list(docs))
    dl.send_to_national_archives(by=CLERK, at=sent)
    return given(dl)


class TestRetention:
    def test_expiry_is_filing_date_plus_years(self) -> None:
        d = filed_doc(FILED_2025)
        assert d.retention_expires_on == date(2026, 3, 3)
        assert not d.retention_expired(date(2026, 3, 2))
        assert d.retention_expired(date(2026, 3, 3))

    def test_committee_can_extend_retention_on_the_document(self) -> None:
        d = filed_doc(FILED_2025)
        d.change_retention(retention_class="permanent", reason="มีคุณค่าทางประวัติศาสตร์",
                           at=bkk(2027, 1, 20))
        assert names(then_events(d)) == ["RetentionChanged"]
        assert d.retention_class == "permanent" and d.retention_expires_on is None


class TestDestructionListWindow:
    def test_opened_on_day_one_after_the_year_ends_in_bangkok(self) -> None:
        doc = filed_doc(FILED_2025)
        dl = open_list([doc, doc])  # listed twice, kept once
        events = then_events(dl)
        assert names(events) == ["Opened"]
        assert events[0].items == [doc.id] and events[0].year_be == 2569
        assert dl.id == DestructionList.create_id(2569)
        assert replay(events).step == DestructionStep.opened

    def test_not_before_the_year_ends(self) -> None:
        # 31 Dec 2026 23:59 in Bangkok is day 0.
        with refused("destruction-list-window-closed", 409) as info:
            open_list(at=DAY_1 - timedelta(minutes=1))
        assert info.value.extra["day"] == 0

    def test_day_sixty_is_the_last_day(self) -> None:
        assert open_list(at=bkk(2027, 3, 1)).step == DestructionStep.opened  # 31 + 28 + 1 = day 60
        with refused("destruction-list-window-closed"):
            open_list(at=bkk(2027, 3, 2))  # day 61
        # 1 March 17:30 UTC is already 2 March in Bangkok.
        with refused("destruction-list-window-closed"):
            open_list(at=datetime(2027, 3, 1, 17, 30, tzinfo=UTC))

    def test_leap_year_window_ends_on_29_february(self) -> None:
        doc = filed_doc(datetime(2026, 3, 3, 3, tzinfo=UTC))  # expires March 2027, BE 2570 list
        DestructionList.open(year_be=2570, at=bkk(2028, 2, 29), by=CLERK, documents=[doc])
        with refused("destruction-list-window-closed"):
            DestructionList.open(year_be=2570, at=bkk(2028, 3, 1), by=CLERK, documents=[doc])

    def test_only_filed_and_expired_documents(self) -> None:
        young = filed_doc(datetime(2026, 6, 1, 3, tzinfo=UTC))  # expires June 2027
        with refused("not-expired", 409):
            open_list([filed_doc(FILED_2025), young])
        with refused("not-expired"):
            open_list([doc_at(Step.dispatched)])
        with refused("not-expired"):
            open_list([filed_doc(FILED_2025, retention_class="permanent")])

    def test_destroyed_documents_cannot_be_listed(self) -> None:
        d = filed_doc(FILED_2025)
        d.destroy(destruction_list_id=uuid4(), year_be=2568, at=bkk(2026, 6, 1))
        with refused("document-destroyed"):
            open_list([given(d)])

    def test_an_empty_list_is_refused(self) -> None:
        with refused("destruction-list-empty"):
            open_list([])


class TestDestructionCommittee:
    def test_a_chair_and_two_members_from_the_staff_directory(self) -> None:
        dl = given(open_list())
        dl.appoint_committee(by=ESA_DIRECTOR, chair=CHAIR,
                             members=[OFFICER, OTHER_OFFICER, OFFICER, CHAIR], at=bkk(2027, 1, 5))
        [e] = then_events(dl)
        assert names([e]) == ["CommitteeAppointed"]
        assert (e.chair, e.members) == (CHAIR.officer_id,
                                        [OFFICER.officer_id, OTHER_OFFICER.officer_id])
        assert dl.step == DestructionStep.committee_appointed
        assert dl.committee == [CHAIR.officer_id, OFFICER.officer_id, OTHER_OFFICER.officer_id]

    @pytest.mark.parametrize("members", [[OFFICER], [OFFICER, OFFICER], [DIRECTOR, OFFICER], []])
    def test_too_small(self, members: list[Officer]) -> None:
        with refused("committee-too-small", 422):
            given(open_list()).appoint_committee(by=ESA_DIRECTOR, chair=CHAIR, members=members,
                                                 at=bkk(2027, 1, 5))

    def test_members_are_active_officers(self) -> None:
        gone = officer("off-888", Role.officer)
        gone.deactivate("ย้ายไปปฏิบัติราชการที่อื่น")
        with refused("officer-inactive", 422):
            given(open_list()).appoint_committee(by=ESA_DIRECTOR, chair=CHAIR,
                                                 members=[OFFICER, given(gone)],
                                                 at=bkk(2027, 1, 5))

    def test_a_member_keeps_items_before_sending_deciding_in_person(self) -> None:
        keep, other = filed_doc(FILED_2025), filed_doc(FILED_2025)
        dl = open_list([keep, other])
        with refused("committee-not-appointed", 409):
            dl.mark_keep(by=OFFICER, document_id=keep.id, reason="x",
                         new_retention_class="permanent", at=bkk(2027, 1, 6))
        dl = given(appointed(dl))
        # The clerk (or anyone else) does not record a decision on a member's behalf.
        for outsider in (CLERK, NOT_A_MEMBER):
            with refused("not-a-committee-member", 403):
                dl.mark_keep(by=outsider, document_id=keep.id, reason="x",
                             new_retention_class="permanent", at=bkk(2027, 1, 6))
        with refused("not-on-list", 422):
            dl.mark_keep(by=OFFICER, document_id=uuid4(), reason="x",
                         new_retention_class="permanent", at=bkk(2027, 1, 6))
        with refused("invalid-retention-class"):
            dl.mark_keep(by=OFFICER, document_id=keep.id, reason="x",
                         new_retention_class="ตลอดไป", at=bkk(2027, 1, 6))
        dl.mark_keep(by=CHAIR, document_id=keep.id, reason="ใช้อ้างอิงคดี",
                     new_retention_class="years_5", at=bkk(2027, 1, 6))
        [e] = then_events(dl)
        assert names([e]) == ["ItemKept"] and e.retention_class == "years_5"
        assert e.marked_by == CHAIR.officer_id
        assert dl.items_to_destroy == [other.id]

    def test_no_keeping_after_sending(self) -> None:
        doc = filed_doc(FILED_2025)
        with refused("wrong-step", 409):
            list_sent([doc]).mark_keep(by=OFFICER, document_id=doc.id, reason="x",
                                       new_retention_class="permanent", at=bkk(2027, 1, 20))

    def test_sending_needs_a_committee_and_happens_once(self) -> None:
        with refused("committee-not-appointed"):
            given(open_list()).send_to_national_archives(by=CLERK, at=bkk(2027, 1, 10))
        dl = list_sent([filed_doc(FILED_2025)])
        assert dl.sent_on == date(2027, 1, 10) and dl.step == DestructionStep.sent
        with refused("wrong-step"):
            dl.send_to_national_archives(by=CLERK, at=bkk(2027, 1, 11))


class TestArchivesObjectionAndDestruction:
    def test_objection_within_sixty_days(self) -> None:
        a, b = filed_doc(FILED_2025), filed_doc(FILED_2025)
        dl = list_sent([a, b])  # sent 10 Jan 2027; day 60 is 11 Mar
        dl.record_archives_objection(by=CLERK, document_ids=[a.id], reason="มีคุณค่า",
                                     at=bkk(2027, 3, 11))
        [e] = then_events(dl)
        assert names([e]) == ["ArchivesObjected"] and e.document_ids == [a.id]
        assert dl.items_to_destroy == [b.id]

    def test_objection_after_sixty_days_is_refused(self) -> None:
        a = filed_doc(FILED_2025)
        with refused("objection-window-closed", 409):
            list_sent([a]).record_archives_objection(by=CLERK, document_ids=[a.id], reason="x",
                                                     at=bkk(2027, 3, 12))

    def test_objection_must_name_listed_items(self) -> None:
        dl = list_sent([filed_doc(FILED_2025)])
        with refused("not-on-list"):
            dl.record_archives_objection(by=CLERK, document_ids=[uuid4()], reason="x",
                                         at=bkk(2027, 2, 1))
        with refused("field-required"):
            dl.record_archives_objection(by=CLERK, document_ids=[], reason="x", at=bkk(2027, 2, 1))

    def test_no_objection_before_sending(self) -> None:
        doc = filed_doc(FILED_2025)
        with refused("wrong-step"):
            given(open_list([doc])).record_archives_objection(
                by=CLERK, document_ids=[doc.id], reason="x", at=bkk(2027, 1, 20))

    def test_destroy_only_after_the_objection_window(self) -> None:
        kept, objected, gone = (filed_doc(FILED_2025) for _ in range(3))
        dl = appointed(open_list([kept, objected, gone]))
        dl.mark_keep(by=OFFICER, document_id=kept.id, reason="ยังใช้งาน",
                     new_retention_class="years_5", at=bkk(2027, 1, 6))
        dl.send_to_national_archives(by=CLERK, at=bkk(2027, 1, 10))
        dl.record_archives_objection(by=CLERK, document_ids=[objected.id], reason="เก็บถาวร",
                                     at=bkk(2027, 2, 1))
        dl = given(dl)
        with refused("objection-window-open", 409) as info:
            dl.destroy(by=OFFICER, at=bkk(2027, 3, 11))  # day 60: the Archives may still object
        assert info.value.extra["opens_on"] == "2027-03-12"
        assert dl.destroy(by=OFFICER, at=bkk(2027, 3, 12)) == [gone.id]
        [e] = then_events(dl)
        assert names([e]) == ["DestructionCarriedOut"] and e.items == [gone.id]
        assert dl.step == DestructionStep.carried_out and dl.destroyed_items == [gone.id]
        with refused("wrong-step"):
            dl.destroy(by=OFFICER, at=bkk(2027, 3, 13))

    def test_the_committee_carries_out_the_destruction(self) -> None:
        with refused("not-a-committee-member", 403):
            list_sent([filed_doc(FILED_2025)]).destroy(by=CLERK, at=bkk(2027, 4, 1))


class TestDocumentDestroyed:
    def test_content_goes_the_register_entry_stays(self) -> None:
        d = filed_doc(FILED_2025)
        list_id = DestructionList.create_id(2569)
        d.destroy(destruction_list_id=list_id, year_be=2569, at=bkk(2027, 3, 12))
        [e] = then_events(d)
        assert names([e]) == ["Destroyed"] and e.destruction_list_id == list_id
        d = given(incoming_then_destroyed())
        assert d.step == Step.destroyed and not d.content_available
        assert not d.can_read_content(DIRECTOR)
        entry = d.register_entry()
        assert (entry["receipt_no"], entry["subject"], entry["step"]) == (
            7, "ขอให้รายงานผลการดำเนินงาน", "destroyed")
        assert entry["destroyed_at"] == bkk(2027, 3, 12)
        # Which list (of which year) destroyed it stays on the register line.
        assert (entry["destruction_list_id"], entry["destruction_year_be"]) == (
            str(DestructionList.create_id(2569)), 2569)
        with refused("content-not-available"):
            d.record_content_read(reader=DIRECTOR, at=bkk(2027, 3, 13))

    def test_not_before_retention_expires(self) -> None:
        d = filed_doc(FILED_2025)
        with refused("not-expired", 409):
            d.destroy(destruction_list_id=uuid4(), year_be=2568, at=bkk(2026, 3, 2))

    def test_not_while_on_loan(self) -> None:
        d = filed_doc(FILED_2025)
        d.borrow(by=CLERK, borrower="off-002", purpose="x", due=date(2027, 4, 1),
                 at=bkk(2027, 3, 1))
        with refused("document-on-loan", 409):
            d.destroy(destruction_list_id=uuid4(), year_be=2569, at=bkk(2027, 3, 12))

    def test_not_twice(self) -> None:
        d = given(incoming_then_destroyed())
        with refused("document-destroyed", 409):
            d.destroy(destruction_list_id=uuid4(), year_be=2569, at=bkk(2027, 3, 13))


def incoming_then_destroyed() -> Document:
    d = filed_doc(FILED_2025)
    d.destroy(destruction_list_id=DestructionList.create_id(2569), year_be=2569,
              at=bkk(2027, 3, 12))
    return d


# ==================================================================================================
# Events: stamped with actor and trace, and replayable from JSON
# ==================================================================================================


class TestEvents:
    def test_every_event_carries_actor_and_trace(self) -> None:
        with acting_as("clk-001", "trace-42"):
            d = incoming()
        [e] = then_events(d)
        assert (e.actor, e.trace_id) == ("clk-001", "trace-42")
        assert e.timestamp.tzinfo is not None

    def test_full_lifecycle_round_trips_through_json(self) -> None:
        d = incoming(secrecy=Secrecy.confidential)
        d.assign(by=DIRECTOR, officer=OFFICER, due=date(2026, 3, 13), at=hours(1))
        d.draft(by=OFFICER, draft_sha256=H1, at=hours(2))
        d.submit_for_check(by=OFFICER, checker=DIRECTOR, at=hours(3))
        d.return_for_revision(by=DIRECTOR, comments="แก้", at=hours(4))
        d.draft(by=OFFICER, draft_sha256=H2, outgoing_kind=SeriesKind.circular, at=hours(5))
        d.submit_for_check(by=OFFICER, checker=DIRECTOR, at=hours(6))
        d.approve_check(by=DIRECTOR, signer=SIGNER, at=hours(7))
        d.sign(by=SIGNER, at=hours(8))
        d.dispatch(by=CLERK, series=SeriesKind.circular, number=3, year_be=2569,
                   outgoing_no="ที่ ศธ 04123/ว 3", at=hours(9))
        d.file(by=CLERK, location="ตู้ลับ", at=hours(10))
        d.borrow(by=CLERK, borrower="off-001", purpose="x", due=date(2026, 3, 9), at=hours(11))
        d.record_content_read(reader=OFFICER, at=hours(12))
        d.return_loan(by=CLERK, at=hours(13))
        events = d.collect_events()
        assert len(events) == 14
        restored = replay([type(e).model_validate_json(e.model_dump_json()) for e in events])
        assert restored.register_entry() == d.register_entry()
        assert restored.review_rounds == d.review_rounds and restored.loans == d.loans
        assert restored.version == d.version == 14
        assert restored.outgoing_no == "ที่ ศธ 04123/ว 3"

    def test_series_and_destruction_list_round_trip_through_json(self) -> None:
        s = NumberSeries.open(kind=SeriesKind.order, year_be=2569)
        s.issue(uuid4())
        s.cancel(1, "ผิด")
        s.issue(uuid4())
        restored = replay([type(e).model_validate_json(e.model_dump_json())
                           for e in s.collect_events()])
        assert restored.cancelled == s.cancelled == {1: "ผิด"} and restored.next_number == 3
        doc = filed_doc(FILED_2025)
        dl = open_list([doc])
        appointed(dl)
        dl.send_to_national_archives(by=CLERK, at=bkk(2027, 1, 10))
        dl.record_archives_objection(by=CLERK, document_ids=[doc.id], reason="x",
                                     at=bkk(2027, 1, 20))
        restored = replay([type(e).model_validate_json(e.model_dump_json())
                           for e in dl.collect_events()])
        assert restored.objections == {doc.id: "x"} and restored.items_to_destroy == []


# ==================================================================================================
# Letters handed over by another agency's system (DOMAIN.md, interoperability)
# ==================================================================================================


def from_agency(**overrides: Any) -> Document:
    fields: dict[str, Any] = dict(
        receipt_no=8, client_id="agency-khonkaen", agency="สำนักงานศึกษาธิการจังหวัดขอนแก่น",
        sender_ref_no="ขก 0020/ว 99", sender_doc_date=date(2026, 3, 1),
        subject="ขอความร่วมมือสำรวจข้อมูล", addressee="ผู้อำนวยการ สพป.ขอนแก่น เขต 5",
        doc_type=DocumentType.external_letter, urgency=Urgency.most_urgent,
        secrecy=Secrecy.none, body_sha256=H1, at=T0,
    )
    fields.update(overrides)
    with acting_as("agency:agency-khonkaen"):
        return Document.receive_from_agency(**fields)


class TestAgencySubmission:
    def test_received_now_from_the_registered_agency_and_proposed_to_the_director(self) -> None:
        d = from_agency()
        [registered] = then_events(d)
        assert isinstance(registered, Document.Registered)
        assert registered.received_at == T0 and registered.receipt_year_be == 2569
        assert registered.sender == "สำนักงานศึกษาธิการจังหวัดขอนแก่น"
        assert registered.registered_by == "agency:agency-khonkaen"
        assert registered.submitted_by == "agency-khonkaen"
        assert registered.actor == "agency:agency-khonkaen"
        d = given(d)
        assert (d.step, d.holder, d.direction) == (Step.registered, "group_director",
                                                   Direction.incoming)
        assert d.submitted_through("agency-khonkaen")
        assert not d.submitted_through("agency-other")

    def test_a_clerks_registration_belongs_to_no_agency(self) -> None:
        d = given(incoming())
        assert d.submitted_by is None and not d.submitted_through("agency-khonkaen")

    def test_the_registers_rules_still_apply(self) -> None:
        with refused("sender-date-after-receipt"):
            from_agency(sender_doc_date=date(2026, 3, 3))
        with refused("top-secret-paper-only"):
            from_agency(secrecy=Secrecy.top_secret)
        with refused("field-required"):
            from_agency(subject="  ")
        with refused("field-required"):
            from_agency(client_id="")

    @pytest.mark.parametrize(("clearance", "shown"), [
        (Secrecy.none, "(ลับ)"), (Secrecy.confidential, "ขอความร่วมมือสำรวจข้อมูล"),
        (Secrecy.top_secret, "ขอความร่วมมือสำรวจข้อมูล")])
    def test_the_agency_sees_its_classified_letter_only_as_far_as_it_is_cleared(
            self, clearance: Secrecy, shown: str) -> None:
        d = given(from_agency(secrecy=Secrecy.confidential))
        view = d.agency_view(clearance)
        assert view["subject"] == shown and view["receipt_no"] == 8
        assert (view["urgency_code"], view["secrecy_code"]) == ("004", "002")
        assert "holder" not in view and "assignee_id" not in view and view["closed"] is False
