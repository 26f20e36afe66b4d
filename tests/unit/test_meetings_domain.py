"""Internal meetings and action items (procedure 3): given events, when a command, then events or a
refusal. Uses the given/when/then helpers of the saraban domain tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from test_correspondence_domain import (
    CLERK,
    DIRECTOR,
    OFFICER,
    OTHER_OFFICER,
    SIGNER,
    given,
    names,
    officer,
    refused,
    then_events,
)

from services.correspondence.domain import Document, DocumentType, Role, SeriesKind, Step
from services.correspondence.meetings.domain import (
    ActionItem,
    ActionStep,
    AgendaStatus,
    Meeting,
    MeetingStep,
)

H1 = "a" * 64
# 09:00 in Bangkok on Monday 2 March 2026 (BE 2569); the meeting is on Friday 6 March, 13:30.
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
STARTS = datetime(2026, 3, 6, 6, 30, tzinfo=UTC)
PARTICIPANT = officer("off-010", Role.officer)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def planned(**overrides: Any) -> Meeting:
    fields: dict[str, Any] = dict(by=OFFICER, title="ประชุมกลุ่มนโยบายและแผน ครั้งที่ 3/2569",
                                  starts_at=STARTS, place="ห้องประชุมกลุ่มนโยบายและแผน",
                                  chair=DIRECTOR, at=T0)
    fields.update(overrides)
    return given(Meeting.schedule(**fields))


def with_agenda() -> Meeting:
    m = planned()
    m.propose_agenda_item(by=OFFICER, title="ติดตามแผนปฏิบัติการ", at=at(1))
    m.propose_agenda_item(by=OTHER_OFFICER, title="เรื่องอื่น ๆ", at=at(1.5))
    m.approve_agenda_item(by=DIRECTOR, item_no=1, at=at(2))
    m.drop_agenda_item(by=DIRECTOR, item_no=2, reason="ยังไม่มีข้อมูลเพียงพอ", at=at(2))
    return given(m)


def notified() -> Meeting:
    m = with_agenda()
    m.notify_participants(by=OFFICER, participants=[OFFICER, OTHER_OFFICER], at=at(3))
    return given(m)


def held() -> Meeting:
    m = notified()
    m.hold(by=DIRECTOR, attendees=[DIRECTOR, OFFICER, OTHER_OFFICER], held_at=STARTS,
           at=STARTS + timedelta(hours=2))
    return given(m)


def minutes_document(doc_type: DocumentType = DocumentType.record) -> Document:
    return given(Document.start_outgoing(
        by=OFFICER, subject="รายงานการประชุม", addressee="ผู้เกี่ยวข้อง", doc_type=doc_type,
        draft_sha256=H1, at=STARTS + timedelta(days=1)))


def registered(doc: Document) -> Document:
    """The minutes through check, signature and dispatch (a number in the dispatch register)."""
    doc.submit_for_check(by=OFFICER, checker=DIRECTOR, at=STARTS + timedelta(days=1, hours=1))
    doc.approve_check(by=DIRECTOR, signer=SIGNER, at=STARTS + timedelta(days=1, hours=2))
    doc.sign(by=SIGNER, at=STARTS + timedelta(days=1, hours=3))
    doc.dispatch(by=CLERK, series=SeriesKind.dispatch, number=4, year_be=2569,
                 outgoing_no="ที่ ศธ 04123/4", at=STARTS + timedelta(days=1, hours=4))
    return given(doc)


def with_minutes() -> tuple[Meeting, Document]:
    m = held()
    doc = minutes_document()
    m.record_minutes(by=OFFICER, minutes=doc, at=STARTS + timedelta(days=1))
    return given(m), doc


class TestScheduling:
    def test_an_officer_calls_a_meeting_and_organises_it(self) -> None:
        m = Meeting.schedule(by=OFFICER, title="ประชุมประจำเดือน", starts_at=STARTS,
                             place="ห้องประชุม 1", chair=DIRECTOR, at=T0)
        assert names(then_events(m)) == ["Scheduled"]
        m = given(m)
        assert (m.step, m.organiser_id, m.chair_id) == (MeetingStep.planned, OFFICER.officer_id,
                                                       DIRECTOR.officer_id)
        assert m.holder == OFFICER.officer_id and m.due == date(2026, 3, 6)

    def test_fields_are_required(self) -> None:
        # Who may call a meeting at all is the decision-rights table's (test_correspondence_rights).
        with refused("field-required", 422):
            planned(place=" ")
        with refused("naive-datetime", 422):
            planned(starts_at=datetime(2026, 3, 6, 13, 30))


class TestAgenda:
    def test_officers_propose_and_the_director_decides(self) -> None:
        m = planned()
        assert m.propose_agenda_item(by=OFFICER, title="ติดตามแผนปฏิบัติการ", at=at(1)) == 1
        assert names(then_events(m)) == ["AgendaItemProposed"]
        m = given(m)
        assert m.holder == "group_director"  # an item waits for the superior
        m.approve_agenda_item(by=DIRECTOR, item_no=1, at=at(2))
        assert names(then_events(m)) == ["AgendaItemApproved"]
        m = given(m)
        assert m.agenda[0].status == AgendaStatus.approved and m.holder == OFFICER.officer_id

    def test_nobody_puts_their_own_item_on_the_agenda_and_each_is_decided_once(self) -> None:
        m = planned()
        m.propose_agenda_item(by=OFFICER, title="วาระ", at=at(1))
        m.propose_agenda_item(by=DIRECTOR, title="วาระของผู้อำนวยการกลุ่ม", at=at(1.5))
        m = given(m)
        # Per item: the director proposed item 2 and may not approve it, but may decide item 1.
        with refused("same-person", 403):
            m.approve_agenda_item(by=DIRECTOR, item_no=2, at=at(2))
        with refused("same-person", 403):
            m.approve_agenda_item(by=OFFICER, item_no=1, at=at(2))
        with refused("agenda-item-not-found", 404):
            m.approve_agenda_item(by=DIRECTOR, item_no=3, at=at(2))
        with refused("field-required", 422):
            m.drop_agenda_item(by=DIRECTOR, item_no=1, reason="", at=at(2))
        m.drop_agenda_item(by=DIRECTOR, item_no=1, reason="ซ้ำกับวาระเดิม", at=at(2))
        m = given(m)
        with refused("agenda-item-already-decided", 409):
            m.approve_agenda_item(by=DIRECTOR, item_no=1, at=at(3))


class TestNotice:
    def test_participants_are_notified_with_the_chair_among_them(self) -> None:
        m = with_agenda()
        m.notify_participants(by=OFFICER, participants=[OTHER_OFFICER, OTHER_OFFICER], at=at(3))
        events = then_events(m)
        assert names(events) == ["ParticipantsNotified"]
        assert events[0].participants == [DIRECTOR.officer_id, OTHER_OFFICER.officer_id]
        assert events[0].agenda == [1]  # the dropped item is not on the agenda
        m = given(m)
        assert m.step == MeetingStep.notified and m.holder == DIRECTOR.officer_id

    def test_a_meeting_is_two_or_more_people(self) -> None:
        with refused("meeting-too-small", 422):
            with_agenda().notify_participants(by=OFFICER, participants=[DIRECTOR], at=at(3))

    def test_the_agenda_must_be_settled_and_not_empty(self) -> None:
        m = planned()
        with refused("no-approved-agenda", 409):
            m.notify_participants(by=OFFICER, participants=[OTHER_OFFICER], at=at(3))
        m.propose_agenda_item(by=OFFICER, title="วาระ", at=at(1))
        m = given(m)
        with refused("agenda-not-settled", 409):
            m.notify_participants(by=OFFICER, participants=[OTHER_OFFICER], at=at(3))

    def test_only_organiser_chair_or_director_notify(self) -> None:
        with refused("not-the-organiser", 403):
            with_agenda().notify_participants(by=OTHER_OFFICER, participants=[PARTICIPANT],
                                              at=at(3))


class TestHolding:
    def test_the_meeting_is_held_with_two_or_more_attendees(self) -> None:
        m = notified()
        m.hold(by=DIRECTOR, attendees=[DIRECTOR, OFFICER], held_at=STARTS,
               at=STARTS + timedelta(hours=2))
        assert names(then_events(m)) == ["Held"]
        m = given(m)
        assert (m.step, m.holder, m.due) == (MeetingStep.held, OFFICER.officer_id, None)

    def test_refusals(self) -> None:
        with refused("meeting-too-small", 422):
            notified().hold(by=DIRECTOR, attendees=[DIRECTOR, DIRECTOR], held_at=STARTS,
                            at=STARTS)
        with refused("held-in-future", 422):
            notified().hold(by=DIRECTOR, attendees=[DIRECTOR, OFFICER],
                            held_at=STARTS + timedelta(hours=1), at=STARTS)
        with refused("wrong-step", 409):
            with_agenda().hold(by=DIRECTOR, attendees=[DIRECTOR, OFFICER], held_at=STARTS,
                               at=STARTS)
        with refused("wrong-step", 409):
            held().propose_agenda_item(by=OFFICER, title="วาระเพิ่ม", at=STARTS)

    def test_not_held_before_the_day_it_was_called_for(self) -> None:
        # Called for Friday 6 March: recorded as held on Wednesday 4 March is refused, and
        # nothing is recorded.
        m = notified()
        with refused("held-before-scheduled", 422):
            m.hold(by=DIRECTOR, attendees=[DIRECTOR, OFFICER],
                   held_at=STARTS - timedelta(days=2), at=STARTS + timedelta(hours=2))
        assert then_events(m) == []
        # The same Bangkok day, even earlier than called for, is that meeting.
        m.hold(by=DIRECTOR, attendees=[DIRECTOR, OFFICER], held_at=STARTS - timedelta(hours=4),
               at=STARTS + timedelta(hours=2))
        assert names(then_events(m)) == ["Held"]

    def test_attendees_are_among_those_notified(self) -> None:
        m = notified()  # the chair, OFFICER and OTHER_OFFICER were notified; PARTICIPANT was not
        with refused("attendee-not-notified", 422) as problem:
            m.hold(by=DIRECTOR, attendees=[DIRECTOR, OFFICER, PARTICIPANT], held_at=STARTS,
                   at=STARTS + timedelta(hours=2))
        assert problem.value.extra["officer_ids"] == [PARTICIPANT.officer_id]
        assert then_events(m) == []


class TestMinutes:
    def test_minutes_are_a_record_document_of_the_meeting(self) -> None:
        m = held()
        doc = minutes_document()
        m.record_minutes(by=OFFICER, minutes=doc, at=STARTS + timedelta(days=1))
        events = then_events(m)
        assert names(events) == ["MinutesRecorded"] and events[0].document_id == doc.id
        assert given(m).step == MeetingStep.minutes_recorded

    def test_only_a_record_and_only_after_the_meeting(self) -> None:
        with refused("not-a-record", 422):
            held().record_minutes(by=OFFICER,
                                  minutes=minutes_document(DocumentType.internal_memo),
                                  at=STARTS + timedelta(days=1))
        with refused("wrong-step", 409):
            notified().record_minutes(by=OFFICER, minutes=minutes_document(), at=STARTS)

    def test_recorded_minutes_are_replaced_only_once_cancelled(self) -> None:
        m, doc = with_minutes()
        with refused("minutes-already-recorded", 409):
            m.record_minutes(by=OFFICER, minutes=minutes_document(), previous=doc,
                             at=STARTS + timedelta(days=2))
        doc.cancel(by=DIRECTOR, reason="บันทึกผิดการประชุม", at=STARTS + timedelta(days=2))
        replacement = minutes_document()
        m.record_minutes(by=OFFICER, minutes=replacement, previous=given(doc),
                         at=STARTS + timedelta(days=2))
        assert given(m).minutes_document_id == replacement.id

    def test_circulated_only_once_registered(self) -> None:
        m, doc = with_minutes()
        with refused("minutes-not-registered", 409):
            m.circulate_minutes(by=OFFICER, minutes=doc, recipients=[OTHER_OFFICER],
                                at=STARTS + timedelta(days=1))
        doc = registered(doc)
        assert doc.step == Step.dispatched and doc.outgoing_no == "ที่ ศธ 04123/4"
        m.circulate_minutes(by=OFFICER, minutes=doc, recipients=[OFFICER, OTHER_OFFICER],
                            at=STARTS + timedelta(days=2))
        events = then_events(m)
        assert names(events) == ["MinutesCirculated"]
        assert events[0].outgoing_no == "ที่ ศธ 04123/4"
        m = given(m)
        assert m.closed and m.holder is None

    def test_circulating_someone_else_s_document_is_refused(self) -> None:
        m, _ = with_minutes()
        with refused("not-a-record", 422):
            m.circulate_minutes(by=OFFICER, minutes=registered(minutes_document()),
                                recipients=[OTHER_OFFICER], at=STARTS + timedelta(days=2))


class TestActionItems:
    def test_an_action_item_has_an_owner_and_a_due_date(self) -> None:
        item = ActionItem.assign(meeting=held(), by=OFFICER, title="สรุปผลการเบิกจ่ายไตรมาส 2",
                                 owner=OTHER_OFFICER, due=date(2026, 3, 20), at=STARTS)
        assert names(then_events(item)) == ["Assigned"]
        item = given(item)
        assert (item.step, item.holder, item.due) == (ActionStep.open, OTHER_OFFICER.officer_id,
                                                      date(2026, 3, 20))
        assert item.is_overdue(date(2026, 3, 21)) and not item.is_overdue(date(2026, 3, 20))

    def test_only_after_the_meeting_and_due_not_before_it(self) -> None:
        with refused("meeting-not-held", 409):
            ActionItem.assign(meeting=notified(), by=OFFICER, title="งาน", owner=OTHER_OFFICER,
                              due=date(2026, 3, 20), at=STARTS)
        with refused("due-before-meeting", 422):
            ActionItem.assign(meeting=held(), by=OFFICER, title="งาน", owner=OTHER_OFFICER,
                              due=date(2026, 3, 5), at=STARTS)
        with refused("not-the-organiser", 403):
            ActionItem.assign(meeting=held(), by=OTHER_OFFICER, title="งาน", owner=OFFICER,
                              due=date(2026, 3, 20), at=STARTS)

    def test_the_owner_closes_it_once(self) -> None:
        item = given(ActionItem.assign(meeting=held(), by=OFFICER, title="งาน",
                                       owner=OTHER_OFFICER, due=date(2026, 3, 20), at=STARTS))
        with refused("not-the-owner", 403):
            item.close(by=OFFICER, result="เสร็จ", at=STARTS + timedelta(days=3))
        with refused("field-required", 422):
            item.close(by=OTHER_OFFICER, result="", at=STARTS + timedelta(days=3))
        item.close(by=OTHER_OFFICER, result="ส่งรายงานแล้ว", at=STARTS + timedelta(days=3))
        assert names(then_events(item)) == ["Closed"]
        item = given(item)
        assert item.closed and item.holder is None and not item.is_overdue(date(2026, 4, 1))
        with refused("action-item-already-closed", 409):
            item.close(by=DIRECTOR, result="อีกครั้ง", at=STARTS + timedelta(days=4))
