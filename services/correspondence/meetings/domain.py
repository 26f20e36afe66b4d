"""Internal meetings (procedure 3): agenda, notice, the meeting, minutes, and what it decided.

The manual's steps: collect and analyse information, propose the agenda to the superior (the group
director approves or drops each item), notify the members, hold the meeting (a meeting is two or
more people), record the minutes (a record-type document of the saraban, so it is checked, signed,
numbered in the dispatch register and kept like any other), circulate the registered minutes to
those concerned, and follow up the action items, each an aggregate of its own so that monitoring
tracks it as a case with an owner and a due date.

Pure: the moment of each command (`at`) comes from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from services.correspondence.domain import (
    CorrespondenceError,
    Direction,
    Document,
    DocumentType,
    Forbidden,
    Officer,
    OfficerInactive,
    Role,
    Step,
    WrongStep,
)
from shared.domain import Aggregate, Conflict, FieldRequired, NotFound, aware, event, required_text
from shared.thaitime import bangkok_date

MIN_PEOPLE = 2  # the manual: a meeting is two or more people conferring


class MeetingStep(StrEnum):
    planned = "planned"
    notified = "notified"
    held = "held"
    minutes_recorded = "minutes_recorded"
    minutes_circulated = "minutes_circulated"


MEETING_STEP_TH: dict[MeetingStep, str] = {
    MeetingStep.planned: "เตรียมการประชุม รวบรวมระเบียบวาระ",
    MeetingStep.notified: "แจ้งผู้เข้าร่วมประชุมแล้ว",
    MeetingStep.held: "ประชุมแล้ว รอจัดทำรายงานการประชุม",
    MeetingStep.minutes_recorded: "จัดทำรายงานการประชุมแล้ว รอลงทะเบียนและแจ้งเวียน",
    MeetingStep.minutes_circulated: "แจ้งเวียนรายงานการประชุมแล้ว",
}
AFTER_MEETING = frozenset({MeetingStep.held, MeetingStep.minutes_recorded,
                           MeetingStep.minutes_circulated})
BEFORE_MEETING = frozenset({MeetingStep.planned, MeetingStep.notified})


class AgendaStatus(StrEnum):
    proposed = "proposed"
    approved = "approved"
    dropped = "dropped"


AGENDA_STATUS_TH: dict[AgendaStatus, str] = {
    AgendaStatus.proposed: "เสนอแล้ว รอผู้อำนวยการกลุ่มพิจารณา",
    AgendaStatus.approved: "บรรจุระเบียบวาระแล้ว",
    AgendaStatus.dropped: "ไม่บรรจุระเบียบวาระ",
}


class ActionStep(StrEnum):
    open = "open"
    closed = "closed"


ACTION_STEP_TH: dict[ActionStep, str] = {
    ActionStep.open: "อยู่ระหว่างดำเนินการตามมติที่ประชุม",
    ActionStep.closed: "ดำเนินการตามมติเสร็จแล้ว",
}


@dataclass
class AgendaItem:
    """A proposed agenda item and the group director's decision on it."""

    item_no: int
    title: str
    details: str
    proposed_by: str
    proposed_at: datetime
    status: AgendaStatus = AgendaStatus.proposed
    decided_by: str | None = None
    reason: str = ""


# ---- errors ----------------------------------------------------------------------------------------


class MeetingTooSmall(CorrespondenceError):
    code = "meeting-too-small"
    title_th = "การประชุมต้องมีบุคคลตั้งแต่ 2 คนขึ้นไป"
    title_en = "A meeting needs at least two people"


class HeldInFuture(CorrespondenceError):
    code = "held-in-future"
    title_th = "วันเวลาประชุมเป็นเวลาในอนาคต"
    title_en = "The meeting cannot be recorded as held in the future"


class HeldBeforeScheduled(CorrespondenceError):
    code = "held-before-scheduled"
    title_th = "วันที่ประชุมก่อนวันที่นัดประชุม"
    title_en = "A meeting is not held before the day it was called for"


class AttendeeNotNotified(CorrespondenceError):
    code = "attendee-not-notified"
    title_th = "ผู้เข้าประชุมต้องเป็นผู้ที่ได้รับแจ้งการประชุมแล้ว"
    title_en = "Attendees are people who were notified of the meeting"


class DueBeforeMeeting(CorrespondenceError):
    code = "due-before-meeting"
    title_th = "กำหนดเสร็จก่อนวันประชุม"
    title_en = "The due date is before the meeting"


class NotARecord(CorrespondenceError):
    code = "not-a-record"
    title_th = "รายงานการประชุมต้องเป็นหนังสือที่เจ้าหน้าที่ทำขึ้นเป็นหลักฐาน"
    title_en = "Minutes are a record-type document of the office"


class NotTheOrganiser(CorrespondenceError, Forbidden):
    code = "not-the-organiser"
    title_th = "ต้องเป็นผู้จัดการประชุม ประธาน หรือผู้อำนวยการกลุ่ม"
    title_en = "Only the organiser, the chair or a group director may do this"


class OwnAgendaItem(CorrespondenceError, Forbidden):
    """Separation of duties for one agenda item: the decision rights' own refusal (same code),
    decided here because the rule is per item, not per meeting."""

    code = "same-person"
    title_th = "ผู้เสนอระเบียบวาระไม่อาจพิจารณาบรรจุระเบียบวาระของตนเองได้"
    title_en = "The one who proposed an agenda item may not put it on the agenda"


class NotTheOwner(CorrespondenceError, Forbidden):
    code = "not-the-owner"
    title_th = "ต้องเป็นผู้รับผิดชอบงานตามมติ หรือผู้อำนวยการกลุ่ม"
    title_en = "Only the action item's owner or a group director may close it"


class MeetingNotFound(CorrespondenceError, NotFound):
    code = "meeting-not-found"
    title_th = "ไม่พบการประชุม"
    title_en = "Meeting not found"


class AgendaItemNotFound(CorrespondenceError, NotFound):
    code = "agenda-item-not-found"
    title_th = "ไม่พบระเบียบวาระ"
    title_en = "Agenda item not found"


class ActionItemNotFound(CorrespondenceError, NotFound):
    code = "action-item-not-found"
    title_th = "ไม่พบงานที่ต้องดำเนินการตามมติ"
    title_en = "Action item not found"


class AgendaItemAlreadyDecided(CorrespondenceError, Conflict):
    code = "agenda-item-already-decided"
    title_th = "ผู้อำนวยการกลุ่มพิจารณาระเบียบวาระนี้แล้ว"
    title_en = "The agenda item has already been decided"


class AgendaNotSettled(CorrespondenceError, Conflict):
    code = "agenda-not-settled"
    title_th = "ยังมีระเบียบวาระที่รอผู้อำนวยการกลุ่มพิจารณา"
    title_en = "Agenda items are still waiting for the group director"


class NoApprovedAgenda(CorrespondenceError, Conflict):
    code = "no-approved-agenda"
    title_th = "ยังไม่มีระเบียบวาระที่ผู้อำนวยการกลุ่มเห็นชอบ"
    title_en = "No agenda item has been approved yet"


class MeetingNotHeld(CorrespondenceError, Conflict):
    code = "meeting-not-held"
    title_th = "ยังไม่ได้จัดประชุม"
    title_en = "The meeting has not been held yet"


class MinutesNotRegistered(CorrespondenceError, Conflict):
    code = "minutes-not-registered"
    title_th = "รายงานการประชุมยังไม่ได้ลงนามและลงทะเบียนหนังสือส่ง"
    title_en = "The minutes have not been signed and numbered in the dispatch register yet"


class MinutesAlreadyRecorded(CorrespondenceError, Conflict):
    code = "minutes-already-recorded"
    title_th = "บันทึกรายงานการประชุมแล้ว (ยกเลิกฉบับเดิมก่อนจึงบันทึกใหม่ได้)"
    title_en = "Minutes are already recorded (cancel that document to record new ones)"


class ActionItemAlreadyClosed(CorrespondenceError, Conflict):
    code = "action-item-already-closed"
    title_th = "งานตามมตินี้ปิดแล้ว"
    title_en = "The action item is already closed"


def _unique(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i))


# ---- Meeting ---------------------------------------------------------------------------------------


class Meeting(Aggregate, stored_as="correspondence.Meeting"):
    """One internal meeting of the group, from its call to the circulation of its minutes."""

    @classmethod
    def schedule(cls, *, by: Officer, title: str, starts_at: datetime, place: str,
                 chair: Officer, at: datetime) -> Meeting:
        """A responsible officer (or the group director) calls the meeting and organises it."""
        if not chair.active:
            raise OfficerInactive(chair.officer_id, officer_id=chair.officer_id)
        return cls(title=required_text(title, "title"), starts_at=aware(starts_at, "starts_at"),
                   place=required_text(place, "place"), chair_id=chair.officer_id,
                   organiser_id=by.officer_id, at=aware(at))

    @event("Scheduled")
    def __init__(self, *, title: str, starts_at: datetime, place: str, chair_id: str,
                 organiser_id: str, at: datetime) -> None:
        self.title = title
        self.starts_at = starts_at
        self.place = place
        self.chair_id = chair_id
        self.organiser_id = organiser_id
        self.agenda: list[AgendaItem] = []
        self.participants: list[str] = []
        self.notified_at: datetime | None = None
        self.attendees: list[str] = []
        self.held_at: datetime | None = None
        self.minutes_document_id: UUID | None = None
        self.minutes_outgoing_no: str | None = None
        self.recipients: list[str] = []
        self.step = MeetingStep.planned
        self.step_since = at

    # ---- the agenda ------------------------------------------------------------------------------

    def propose_agenda_item(self, *, by: Officer, title: str, details: str = "",
                            at: datetime) -> int:
        """An officer proposes an item for the agenda; returns its number."""
        self._require_step(*BEFORE_MEETING)
        item_no = len(self.agenda) + 1
        self._proposed(item_no=item_no, title=required_text(title, "title"), details=details.strip(),
                       proposed_by=by.officer_id, at=aware(at))
        return item_no

    def approve_agenda_item(self, *, by: Officer, item_no: int, at: datetime) -> None:
        """The superior (group director) puts the item on the agenda; never an item they proposed
        themselves (separation of duties, per item: the one who proposes does not approve)."""
        self._require_step(*BEFORE_MEETING)
        self._require_undecided(item_no)
        proposer = self.agenda[item_no - 1].proposed_by
        if proposer == by.officer_id:
            raise OwnAgendaItem(f"{by.officer_id} proposed agenda item {item_no}",
                                step="AgendaItemProposed", officer_id=by.officer_id,
                                item_no=item_no)
        self._approved(item_no=item_no, approved_by=by.officer_id, at=aware(at))

    def drop_agenda_item(self, *, by: Officer, item_no: int, reason: str, at: datetime) -> None:
        """The group director leaves the item off the agenda, saying why."""
        self._require_step(*BEFORE_MEETING)
        self._require_undecided(item_no)
        self._dropped(item_no=item_no, dropped_by=by.officer_id,
                      reason=required_text(reason, "reason"), at=aware(at))

    # ---- the meeting -----------------------------------------------------------------------------

    def notify_participants(self, *, by: Officer, participants: Sequence[Officer],
                            at: datetime) -> None:
        """Tell the members (the chair is always one) of the meeting and its settled agenda; may be
        repeated before the meeting, e.g. when someone is added."""
        self._require_step(*BEFORE_MEETING)
        self._require_manager(by)
        if self.pending_items:
            raise AgendaNotSettled(f"items {[i.item_no for i in self.pending_items]} pending",
                                   item_nos=[i.item_no for i in self.pending_items])
        if not self.approved_items:
            raise NoApprovedAgenda()
        for person in participants:
            if not person.active:
                raise OfficerInactive(person.officer_id, officer_id=person.officer_id)
        people = _unique([self.chair_id, *(p.officer_id for p in participants)])
        if len(people) < MIN_PEOPLE:
            raise MeetingTooSmall(f"{len(people)} person(s)", field="participant_ids")
        self._notified(participants=people, agenda=[i.item_no for i in self.approved_items],
                       at=aware(at))

    def hold(self, *, by: Officer, attendees: Sequence[Officer], held_at: datetime,
             at: datetime) -> None:
        """Record that the meeting took place, and who attended: two or more of those notified
        (whoever else joins is notified first), on or after the (Bangkok) day it was called for."""
        self._require_step(MeetingStep.notified)
        self._require_manager(by)
        at = aware(at)
        held_at = aware(held_at, "held_at")
        if held_at > at:
            raise HeldInFuture(f"{held_at.isoformat()} is after {at.isoformat()}",
                               field="held_at")
        scheduled_on = bangkok_date(self.starts_at)
        if bangkok_date(held_at) < scheduled_on:
            raise HeldBeforeScheduled(f"held {bangkok_date(held_at)}, called for {scheduled_on}",
                                      field="held_at", scheduled_on=str(scheduled_on))
        people = _unique([p.officer_id for p in attendees])
        strangers = [person for person in people if person not in self.participants]
        if strangers:
            raise AttendeeNotNotified(", ".join(strangers), field="attendee_ids",
                                      officer_ids=strangers)
        if len(people) < MIN_PEOPLE:
            raise MeetingTooSmall(f"{len(people)} attendee(s)", field="attendee_ids")
        self._held(attendees=people, held_at=held_at)

    def record_minutes(self, *, by: Officer, minutes: Document, at: datetime,
                       previous: Document | None = None) -> None:
        """The minutes, drafted as a record-type document of the saraban, belong to this meeting.
        Minutes already recorded are replaced only once their document was cancelled (`previous`)."""
        self._require_step(MeetingStep.held, MeetingStep.minutes_recorded)
        if self.step == MeetingStep.minutes_recorded and (
                previous is None or previous.id != self.minutes_document_id
                or previous.step != Step.cancelled):
            raise MinutesAlreadyRecorded(f"document {self.minutes_document_id}",
                                         document_id=str(self.minutes_document_id))
        self._require_minute_taker(by)
        if minutes.doc_type != DocumentType.record or minutes.direction != Direction.outgoing:
            raise NotARecord(f"{minutes.doc_type.value} {minutes.direction.value}")
        self._minutes_recorded(document_id=minutes.id, at=aware(at))

    def circulate_minutes(self, *, by: Officer, minutes: Document | None,
                          recipients: Sequence[Officer], at: datetime) -> None:
        """Send the signed and registered minutes to those concerned."""
        self._require_step(MeetingStep.minutes_recorded)
        self._require_minute_taker(by)
        if minutes is None or minutes.id != self.minutes_document_id:
            raise NotARecord(f"{self.minutes_document_id} is not loaded as this meeting's minutes")
        if minutes.outgoing_no is None or minutes.step in (Step.cancelled, Step.destroyed):
            raise MinutesNotRegistered(f"the minutes document is {minutes.step.value}",
                                       document_id=str(minutes.id), step=minutes.step.value,
                                       step_th=minutes.step_th)
        people = _unique([p.officer_id for p in recipients])
        if not people:
            raise FieldRequired("recipient_ids is required", field="recipient_ids")
        self._circulated(document_id=minutes.id, outgoing_no=minutes.outgoing_no,
                         recipients=people, at=aware(at))

    # ---- queries ---------------------------------------------------------------------------------

    @property
    def step_th(self) -> str:
        return MEETING_STEP_TH[self.step]

    @property
    def closed(self) -> bool:
        return self.step == MeetingStep.minutes_circulated

    @property
    def holder(self) -> str | None:
        """Who must act next: the director while items wait, the chair to hold the meeting, the
        organiser for everything else until the minutes are out."""
        if self.step in BEFORE_MEETING and self.pending_items:
            return Role.group_director.value
        if self.step == MeetingStep.notified:
            return self.chair_id
        return None if self.closed else self.organiser_id

    @property
    def due(self) -> date | None:
        """Until it is held, the meeting is due on its own date."""
        return bangkok_date(self.starts_at) if self.step in BEFORE_MEETING else None

    @property
    def pending_items(self) -> list[AgendaItem]:
        return [i for i in self.agenda if i.status == AgendaStatus.proposed]

    @property
    def approved_items(self) -> list[AgendaItem]:
        return [i for i in self.agenda if i.status == AgendaStatus.approved]

    @property
    def concerned(self) -> list[str]:
        """Everyone the meeting concerns: chair, organiser, those notified, those who came."""
        return _unique([self.chair_id, self.organiser_id, *self.participants, *self.attendees])

    def can_manage(self, person: Officer) -> bool:
        return person.active and (person.officer_id in (self.organiser_id, self.chair_id)
                                  or person.has_role(Role.group_director))

    # ---- guards ----------------------------------------------------------------------------------

    def _require_step(self, *allowed: MeetingStep) -> None:
        if self.step not in allowed:
            raise WrongStep(f"meeting is {self.step.value}", step=self.step.value,
                            step_th=self.step_th, expected=sorted(s.value for s in allowed))

    def _require_manager(self, by: Officer) -> None:
        if not self.can_manage(by):
            raise NotTheOrganiser(by.officer_id, officer_id=by.officer_id)

    def _require_minute_taker(self, by: Officer) -> None:
        # The minutes are a document of the office, drafted by a responsible officer (the
        # decision rights say so) who manages this meeting.
        self._require_manager(by)

    def _require_undecided(self, item_no: int) -> None:
        if not 1 <= item_no <= len(self.agenda):
            raise AgendaItemNotFound(f"no agenda item {item_no}", item_no=item_no)
        item = self.agenda[item_no - 1]
        if item.status != AgendaStatus.proposed:
            raise AgendaItemAlreadyDecided(f"item {item_no} is {item.status.value}",
                                           item_no=item_no, decision=item.status.value)

    # ---- events ----------------------------------------------------------------------------------

    @event("AgendaItemProposed")
    def _proposed(self, item_no: int, title: str, details: str, proposed_by: str,
                  at: datetime) -> None:
        self.agenda.append(AgendaItem(item_no=item_no, title=title, details=details,
                                      proposed_by=proposed_by, proposed_at=at))
        self.step_since = at

    @event("AgendaItemApproved")
    def _approved(self, item_no: int, approved_by: str, at: datetime) -> None:
        item = self.agenda[item_no - 1]
        item.status, item.decided_by = AgendaStatus.approved, approved_by
        self.step_since = at

    @event("AgendaItemDropped")
    def _dropped(self, item_no: int, dropped_by: str, reason: str, at: datetime) -> None:
        item = self.agenda[item_no - 1]
        item.status, item.decided_by, item.reason = AgendaStatus.dropped, dropped_by, reason
        self.step_since = at

    @event("ParticipantsNotified")
    def _notified(self, participants: list[str], agenda: list[int], at: datetime) -> None:
        self.participants = list(participants)
        self.notified_at = at
        self.step = MeetingStep.notified
        self.step_since = at

    @event("Held")
    def _held(self, attendees: list[str], held_at: datetime) -> None:
        self.attendees = list(attendees)
        self.held_at = held_at
        self.step = MeetingStep.held
        self.step_since = held_at

    @event("MinutesRecorded")
    def _minutes_recorded(self, document_id: UUID, at: datetime) -> None:
        self.minutes_document_id = document_id
        self.step = MeetingStep.minutes_recorded
        self.step_since = at

    @event("MinutesCirculated")
    def _circulated(self, document_id: UUID, outgoing_no: str, recipients: list[str],
                    at: datetime) -> None:
        self.minutes_outgoing_no = outgoing_no
        self.recipients = list(recipients)
        self.step = MeetingStep.minutes_circulated
        self.step_since = at


# ---- ActionItem ------------------------------------------------------------------------------------


class ActionItem(Aggregate, stored_as="correspondence.ActionItem"):
    """Something a meeting gave an officer to do by a due date; open until closed."""

    @classmethod
    def assign(cls, *, meeting: Meeting, by: Officer, title: str, owner: Officer, due: date,
               at: datetime) -> ActionItem:
        if meeting.step not in AFTER_MEETING or meeting.held_at is None:
            raise MeetingNotHeld(f"meeting is {meeting.step.value}", step=meeting.step.value)
        if not meeting.can_manage(by):
            raise NotTheOrganiser(by.officer_id, officer_id=by.officer_id)
        if not owner.active:
            raise OfficerInactive(owner.officer_id, officer_id=owner.officer_id)
        held_on = bangkok_date(meeting.held_at)
        if due < held_on:
            raise DueBeforeMeeting(f"due {due} is before the meeting on {held_on}",
                                   field="due_date")
        return cls(meeting_id=meeting.id, meeting_title=meeting.title,
                   title=required_text(title, "title"), owner_id=owner.officer_id, due=due,
                   assigned_by=by.officer_id, at=aware(at))

    @event("Assigned")
    def __init__(self, *, meeting_id: UUID, meeting_title: str, title: str, owner_id: str,
                 due: date, assigned_by: str, at: datetime) -> None:
        self.meeting_id = meeting_id
        self.meeting_title = meeting_title
        self.title = title
        self.owner_id = owner_id
        self.due = due
        self.assigned_by = assigned_by
        self.assigned_at = at
        self.step = ActionStep.open
        self.step_since = at
        self.closed_by: str | None = None
        self.result = ""

    def close(self, *, by: Officer, result: str, at: datetime) -> None:
        """The owner (or a group director) reports the item done."""
        if self.step == ActionStep.closed:
            raise ActionItemAlreadyClosed(f"closed by {self.closed_by}")
        if not by.active or not (by.officer_id == self.owner_id
                                 or by.has_role(Role.group_director)):
            raise NotTheOwner(by.officer_id, officer_id=by.officer_id)
        self._closed(closed_by=by.officer_id, result=required_text(result, "result"), at=aware(at))

    @property
    def closed(self) -> bool:
        return self.step == ActionStep.closed

    @property
    def step_th(self) -> str:
        return ACTION_STEP_TH[self.step]

    @property
    def holder(self) -> str | None:
        return None if self.closed else self.owner_id

    def is_overdue(self, today: date) -> bool:
        return not self.closed and today > self.due

    @event("Closed")
    def _closed(self, closed_by: str, result: str, at: datetime) -> None:
        self.closed_by = closed_by
        self.result = result
        self.step = ActionStep.closed
        self.step_since = at
