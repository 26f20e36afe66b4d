"""Commands and queries of internal meetings and their action items (procedure 3).

Runs inside the correspondence application (same store, staff directory, clock and blob store).
Recording the minutes starts a record-type `Document` on the saraban path in the same transaction
as the meeting's `MinutesRecorded`, so a meeting never points at minutes that do not exist; the
minutes are then checked, signed and numbered through the ordinary `/documents/{id}/…` steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from services.correspondence.domain import (
    Document,
    DocumentType,
    Officer,
    Secrecy,
)
from services.correspondence.meetings.domain import (
    AGENDA_STATUS_TH,
    ActionItem,
    ActionItemNotFound,
    Meeting,
    MeetingNotFound,
)
from shared.domain import Aggregate
from shared.eventstore import check_version
from shared.projection import AggregateIndex
from shared.thaitime import bangkok_date

if TYPE_CHECKING:
    from services.correspondence.application import CorrespondenceApplication, Idempotency

MINUTES_ADDRESSEE = "ผู้เข้าร่วมประชุมและผู้เกี่ยวข้อง"


class Meetings:
    """Procedure 3 of the correspondence service."""

    def __init__(self, app: CorrespondenceApplication) -> None:
        self.app = app
        self.meetings: AggregateIndex[Meeting] = AggregateIndex(
            app, lambda m: m, aggregate_types=(Meeting,))
        self.action_items: AggregateIndex[ActionItem] = AggregateIndex(
            app, lambda a: a, aggregate_types=(ActionItem,))

    def meeting(self, meeting_id: UUID) -> Meeting:
        found = self.app.get(Meeting, meeting_id)
        if found is None:
            raise MeetingNotFound(str(meeting_id))
        return found

    def action_item(self, action_item_id: UUID) -> ActionItem:
        found = self.app.get(ActionItem, action_item_id)
        if found is None:
            raise ActionItemNotFound(str(action_item_id))
        return found

    def _officers(self, officer_ids: Sequence[str]) -> list[Officer]:
        return [self.app.officer(i) for i in officer_ids]

    # --- the meeting --------------------------------------------------------------------------------
    def schedule(self, *, title: str, starts_at: datetime, place: str, chair_id: str,
                 idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            meeting = Meeting.schedule(by=self.app.acting_officer(), title=title,
                                       starts_at=starts_at, place=place,
                                       chair=self.app.officer(chair_id), at=self.app.clock())
            return self.view(meeting), [meeting]

        return self.app.execute(decide, idempotency=idempotency)

    def _on_meeting(self, meeting_id: UUID, expected_version: int | None,
                    idempotency: Idempotency,
                    act: Callable[[Meeting, Officer, datetime], Sequence[Aggregate] | None]
                    ) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            actor = self.app.acting_officer()
            meeting = self.meeting(meeting_id)
            check_version(meeting, expected_version)
            self.app.check_record(meeting)
            others = act(meeting, actor, self.app.clock()) or ()
            # What the meeting refers to (its new minutes) is recorded, and published, first.
            return self.view(meeting, unsaved=others), [*others, meeting]

        return self.app.execute(decide, idempotency=idempotency)

    def propose_agenda_item(self, meeting_id: UUID, *, title: str, details: str,
                            expected_version: int | None = None,
                            idempotency: Idempotency = None) -> dict[str, Any]:
        def act(m: Meeting, by: Officer, at: datetime) -> None:
            m.propose_agenda_item(by=by, title=title, details=details, at=at)

        return self._on_meeting(meeting_id, expected_version, idempotency, act)

    def approve_agenda_item(self, meeting_id: UUID, *, item_no: int,
                            expected_version: int | None = None,
                            idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_meeting(meeting_id, expected_version, idempotency, lambda m, by, at: m.approve_agenda_item(
            by=by, item_no=item_no, at=at))

    def drop_agenda_item(self, meeting_id: UUID, *, item_no: int, reason: str,
                         expected_version: int | None = None,
                         idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_meeting(meeting_id, expected_version, idempotency, lambda m, by, at: m.drop_agenda_item(
            by=by, item_no=item_no, reason=reason, at=at))

    def notify_participants(self, meeting_id: UUID, *, participant_ids: Sequence[str],
                            expected_version: int | None = None,
                            idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_meeting(meeting_id, expected_version, idempotency, lambda m, by, at: m.notify_participants(
            by=by, participants=self._officers(participant_ids), at=at))

    def hold(self, meeting_id: UUID, *, attendee_ids: Sequence[str], held_at: datetime | None,
             expected_version: int | None = None,
             idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_meeting(meeting_id, expected_version, idempotency, lambda m, by, at: m.hold(
            by=by, attendees=self._officers(attendee_ids), held_at=held_at or at, at=at))

    def record_minutes(self, meeting_id: UUID, *, text: str, summary: str,
                       expected_version: int | None = None,
                       idempotency: Idempotency = None) -> dict[str, Any]:
        """Draft the minutes as a record-type document (on the saraban path from here on)."""
        content = text.encode("utf-8")

        def act(m: Meeting, by: Officer, at: datetime) -> list[Aggregate]:
            _, draft_sha256 = self.app._describe((), content, Secrecy.none)
            minutes = Document.start_outgoing(
                by=by, subject=f"รายงานการประชุม {m.title}", addressee=MINUTES_ADDRESSEE,
                doc_type=DocumentType.record, draft_sha256=draft_sha256, summary=summary, at=at)
            previous = self.app.get(Document, m.minutes_document_id) \
                if m.minutes_document_id else None
            m.record_minutes(by=by, minutes=minutes, at=at, previous=previous)
            self.app._store((), content)  # only once the rules have said yes
            return [minutes]

        return self._on_meeting(meeting_id, expected_version, idempotency, act)

    def circulate_minutes(self, meeting_id: UUID, *, recipient_ids: Sequence[str] | None,
                          expected_version: int | None = None,
                          idempotency: Idempotency = None) -> dict[str, Any]:
        """Send the registered minutes to those named, or to everyone the meeting concerns."""

        def act(m: Meeting, by: Officer, at: datetime) -> None:
            minutes = self.app.get(Document, m.minutes_document_id) \
                if m.minutes_document_id else None
            m.circulate_minutes(by=by, minutes=minutes,
                                recipients=self._officers(recipient_ids or m.concerned), at=at)

        return self._on_meeting(meeting_id, expected_version, idempotency, act)

    # --- action items -------------------------------------------------------------------------------
    def assign_action_item(self, meeting_id: UUID, *, title: str, owner_id: str, due: date,
                           idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            item = ActionItem.assign(meeting=self.meeting(meeting_id),
                                     by=self.app.acting_officer(), title=title,
                                     owner=self.app.officer(owner_id), due=due,
                                     at=self.app.clock())
            return self.action_item_view(item), [item]

        return self.app.execute(decide, idempotency=idempotency)

    def close_action_item(self, action_item_id: UUID, *, result: str,
                          expected_version: int | None = None,
                          idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            item = self.action_item(action_item_id)
            check_version(item, expected_version)
            self.app.check_record(item)
            item.close(by=self.app.acting_officer(), result=result, at=self.app.clock())
            return self.action_item_view(item), [item]

        return self.app.execute(decide, idempotency=idempotency)

    # --- queries ------------------------------------------------------------------------------------
    def _name(self, officer_id: str | None) -> str | None:
        if officer_id is None:
            return None
        officer = self.app.get(Officer, Officer.create_id(officer_id))
        return officer.name_th if officer else None

    def _people(self, officer_ids: Sequence[str]) -> list[dict[str, Any]]:
        return [{"officer_id": i, "name_th": self._name(i)} for i in officer_ids]

    def view(self, m: Meeting, unsaved: Sequence[Aggregate] = ()) -> dict[str, Any]:
        """The meeting as people read it; `unsaved` are aggregates of the same command, not yet
        in the store (the minutes document just started)."""
        minutes = next((a for a in unsaved if a.id == m.minutes_document_id), None) \
            or (self.app.get(Document, m.minutes_document_id) if m.minutes_document_id else None)
        items = sorted((a for a in self.action_items.all() if a.meeting_id == m.id),
                       key=lambda a: (a.due, a.title))
        return {
            "meeting_id": str(m.id),
            "version": m.version,
            "title": m.title,
            "starts_at": m.starts_at,
            "place": m.place,
            "chair_id": m.chair_id,
            "chair_name_th": self._name(m.chair_id),
            "organiser_id": m.organiser_id,
            "step": m.step.value,
            "step_th": m.step_th,
            "holder": m.holder,
            "step_since": m.step_since,
            "agenda": [
                {"item_no": i.item_no, "title": i.title, "details": i.details,
                 "proposed_by": i.proposed_by, "status": i.status.value,
                 "status_th": AGENDA_STATUS_TH[i.status], "decided_by": i.decided_by,
                 "reason": i.reason} for i in m.agenda],
            "participants": self._people(m.participants),
            "notified_at": m.notified_at,
            "attendees": self._people(m.attendees),
            "held_at": m.held_at,
            "minutes_document_id": str(minutes.id) if minutes else None,
            "minutes_step": minutes.step.value if minutes else None,
            "minutes_step_th": minutes.step_th if minutes else None,
            "minutes_outgoing_no": minutes.outgoing_no if minutes else None,
            "recipients": self._people(m.recipients),
            "action_items": [self.action_item_view(a) for a in items],
        }

    def action_item_view(self, a: ActionItem) -> dict[str, Any]:
        return {
            "action_item_id": str(a.id),
            "version": a.version,
            "meeting_id": str(a.meeting_id),
            "meeting_title": a.meeting_title,
            "title": a.title,
            "owner_id": a.owner_id,
            "owner_name_th": self._name(a.owner_id),
            "due": a.due,
            "step": a.step.value,
            "step_th": a.step_th,
            "closed": a.closed,
            "overdue": a.is_overdue(bangkok_date(self.app.clock())),
            "assigned_by": a.assigned_by,
            "assigned_at": a.assigned_at,
            "result": a.result,
            "closed_by": a.closed_by,
        }

    def meeting_summary(self, meeting_id: UUID) -> dict[str, Any]:
        return self.view(self.meeting(meeting_id))

    def list_meetings(self) -> list[dict[str, Any]]:
        return [self.view(m) for m in sorted(self.meetings.all(), key=lambda m: m.starts_at)]

    def action_item_summary(self, action_item_id: UUID) -> dict[str, Any]:
        return self.action_item_view(self.action_item(action_item_id))

    def list_action_items(self, *, open_only: bool) -> list[dict[str, Any]]:
        """The follow-up list: every action item (or the open ones), earliest due first."""
        items = [a for a in self.action_items.all() if not (open_only and a.closed)]
        return [self.action_item_view(a) for a in sorted(items, key=lambda a: (a.due, a.title))]
