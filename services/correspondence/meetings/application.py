"""Commands and queries of internal meetings and their action items (procedure 3).

Runs inside the correspondence application (same store, staff directory, clock and blob store).
Recording the minutes starts a record-type `Document` on the saraban path in the same transaction
as the meeting's `MinutesRecorded`, so a meeting never points at minutes that do not exist; the
minutes are then checked, signed and numbered through the ordinary `/documents/{id}/…` steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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
    ActionItem,
    ActionItemNotFound,
    Meeting,
    MeetingNotFound,
    MeetingStep,
)
from services.correspondence.meetings.projections import (
    ACTION_LISTING_COLUMNS,
    ACTION_LISTING_INDEXES,
    MEETING_LISTING_COLUMNS,
    MEETING_LISTING_INDEXES,
    action_item_entry,
    action_item_row,
    meeting_entry,
    meeting_people,
    meeting_row,
    meeting_view,
)
from services.correspondence.meetings.projections import action_item_view as read_action_item
from services.correspondence.projections import in_batches
from shared.domain import Aggregate
from shared.eventstore import check_version
from shared.http.paging import PageRequest

if TYPE_CHECKING:
    from services.correspondence.application import CorrespondenceApplication, Idempotency

MINUTES_ADDRESSEE = "ผู้เข้าร่วมประชุมและผู้เกี่ยวข้อง"


class Meetings:
    """Procedure 3 of the correspondence service."""

    def __init__(self, app: CorrespondenceApplication) -> None:
        self.app = app
        self.meetings = app.read_models.listing(
            "correspondence_meetings", of=(Meeting,), columns=MEETING_LISTING_COLUMNS,
            indexes=MEETING_LISTING_INDEXES, row=meeting_row)
        self.action_items = app.read_models.listing(
            "correspondence_action_items", of=(ActionItem,), columns=ACTION_LISTING_COLUMNS,
            indexes=ACTION_LISTING_INDEXES, row=action_item_row)

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
    def view(self, m: Meeting, unsaved: Sequence[Aggregate] = ()) -> dict[str, Any]:
        """The meeting as people read it; `unsaved` are aggregates of the same command, not yet
        in the store (the minutes document just started)."""
        minutes = next((a for a in unsaved if a.id == m.minutes_document_id), None) \
            or (self.app.get(Document, m.minutes_document_id) if m.minutes_document_id else None)
        known = {str(minutes.id): {"step": minutes.step.value, "step_th": minutes.step_th,
                                   "outgoing_no": minutes.outgoing_no}} if minutes else {}
        return self._read([meeting_entry(m)], known)[0]

    def _read(self, entries: list[dict[str, Any]],
              minutes: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Stored meetings as read: a look-up each for their people, their minutes and their
        action items, however many meetings."""
        ids = [e["meeting_id"] for e in entries]
        items = self._action_item_views(self.action_items.views(
            {"meeting_id__in": ids}, order_by=("due", "title")))
        by_meeting: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
        for item in items:
            by_meeting[item["meeting_id"]].append(item)
        wanted = [e["minutes_document_id"] for e in entries
                  if e["minutes_document_id"] and e["minutes_document_id"] not in (minutes or {})]
        documents = dict(minutes or {})
        if wanted:
            documents.update((row["id"], row["view"])
                             for row in self.app.documents.select({"id__in": wanted}))
        names = self.app.officer_names(p for e in entries for p in meeting_people(e))
        return [meeting_view(e, names, documents.get(e["minutes_document_id"] or ""),
                             by_meeting[e["meeting_id"]]) for e in entries]

    def _action_item_views(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names = self.app.officer_names(e["owner_id"] for e in entries)
        today = self.app.today()
        return [read_action_item(e, names, today) for e in entries]

    def action_item_view(self, a: ActionItem) -> dict[str, Any]:
        return self._action_item_views([action_item_entry(a)])[0]

    def meeting_summary(self, meeting_id: UUID) -> dict[str, Any]:
        return self.view(self.meeting(meeting_id))

    def _meetings_where(self, status: MeetingStep | None, year_be: int | None) -> dict[str, Any]:
        where: dict[str, Any] = {}
        if status is not None:
            where["step"] = status.value
        if year_be is not None:
            where["year_be"] = year_be
        return where

    def list_meetings(self, paging: PageRequest, *, status: MeetingStep | None = None,
                      year_be: int | None = None) -> dict[str, Any]:
        """ทะเบียนการประชุม, in the order they are held, a page at a time."""
        page = self.meetings.page(paging, self._meetings_where(status, year_be),
                                  order_by=("starts_at",))
        page["items"] = self._read(page["items"])
        return page

    def meeting_lines(self, *, status: MeetingStep | None = None,
                      year_be: int | None = None) -> Iterator[dict[str, Any]]:
        """The whole register (as narrowed), a batch at a time."""
        rows = self.meetings.stream(self._meetings_where(status, year_be), order_by=("starts_at",))
        return (view for batch in in_batches(rows) for view in self._read(batch))

    def action_item_summary(self, action_item_id: UUID) -> dict[str, Any]:
        return self.action_item_view(self.action_item(action_item_id))

    def _actions_where(self, *, open_only: bool, overdue: bool | None,
                       meeting_id: UUID | None, owner_id: str | None) -> dict[str, Any]:
        where: dict[str, Any] = {}
        if open_only:
            where["closed"] = False
        if overdue is not None:
            today = self.app.today().isoformat()
            where.update({"closed": False, "due__lt": today} if overdue else
                         {"any": [{"closed": True}, {"due__ge": today}]})
        if meeting_id is not None:
            where["meeting_id"] = str(meeting_id)
        if owner_id is not None:
            where["owner_id"] = owner_id
        return where

    def list_action_items(self, paging: PageRequest, *, open_only: bool = False,
                          overdue: bool | None = None, meeting_id: UUID | None = None,
                          owner_id: str | None = None) -> dict[str, Any]:
        """The follow-up list: every action item (or the open ones), earliest due first."""
        where = self._actions_where(open_only=open_only, overdue=overdue, meeting_id=meeting_id,
                                    owner_id=owner_id)
        page = self.action_items.page(paging, where, order_by=("due", "title"))
        page["items"] = self._action_item_views(page["items"])
        return page

    def action_item_lines(self, *, open_only: bool = False, overdue: bool | None = None,
                          meeting_id: UUID | None = None,
                          owner_id: str | None = None) -> Iterator[dict[str, Any]]:
        where = self._actions_where(open_only=open_only, overdue=overdue, meeting_id=meeting_id,
                                    owner_id=owner_id)
        rows = self.action_items.stream(where, order_by=("due", "title"))
        return (view for batch in in_batches(rows) for view in self._action_item_views(batch))
