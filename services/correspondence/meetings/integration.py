"""Meetings and action items (procedure 3) → contract events, each with its case status.

An action item is a case of its own (case type `action_item`, held by its owner, due on its due
date), so monitoring follows it and raises it when the due date passes. The envelope itself is built
by `services.correspondence.integration`, which calls `translate` for these aggregates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.correspondence import v1
from contracts.envelope import CaseStatus, IntegrationEvent
from services.correspondence.meetings.domain import ActionItem, Meeting
from shared.domain import DomainEvent

PROCEDURE_MEETINGS = 3


def meeting_payload(event: DomainEvent, m: Meeting) -> IntegrationEvent | None:
    match event:
        case Meeting.Scheduled():
            return v1.MeetingScheduled(meeting_id=m.id, title=m.title, starts_at=m.starts_at,
                                       place=m.place, chair_id=m.chair_id,
                                       organiser_id=m.organiser_id)
        case Meeting.AgendaItemProposed():
            return v1.AgendaItemProposed(meeting_id=m.id, item_no=event.item_no,
                                         title=event.title, proposed_by=event.proposed_by)
        case Meeting.AgendaItemApproved():
            return v1.AgendaItemApproved(meeting_id=m.id, item_no=event.item_no,
                                         approved_by=event.approved_by)
        case Meeting.AgendaItemDropped():
            return v1.AgendaItemDropped(meeting_id=m.id, item_no=event.item_no,
                                        dropped_by=event.dropped_by, reason=event.reason)
        case Meeting.ParticipantsNotified():
            return v1.MeetingParticipantsNotified(
                meeting_id=m.id, participants=event.participants,
                agenda=[v1.AgendaEntry(item_no=n, title=m.agenda[n - 1].title)
                        for n in event.agenda],
                starts_at=m.starts_at, place=m.place)
        case Meeting.Held():
            return v1.MeetingHeld(meeting_id=m.id, held_at=event.held_at,
                                  attendees=event.attendees)
        case Meeting.MinutesRecorded():
            return v1.MinutesRecorded(meeting_id=m.id, document_id=event.document_id)
        case Meeting.MinutesCirculated():
            return v1.MinutesCirculated(meeting_id=m.id, document_id=event.document_id,
                                        outgoing_no=event.outgoing_no,
                                        recipients=event.recipients)
    return None


def action_item_payload(event: DomainEvent, a: ActionItem) -> IntegrationEvent | None:
    match event:
        case ActionItem.Assigned():
            return v1.ActionItemAssigned(action_item_id=a.id, meeting_id=a.meeting_id,
                                         title=a.title, owner_id=a.owner_id, due_date=a.due,
                                         assigned_by=a.assigned_by)
        case ActionItem.Closed():
            return v1.ActionItemClosed(action_item_id=a.id, meeting_id=a.meeting_id,
                                       closed_by=event.closed_by, result=event.result)
    return None


def meeting_status(m: Meeting, holder_th: str | None) -> CaseStatus:
    return CaseStatus(procedure=PROCEDURE_MEETINGS, case_type="meeting", title=m.title,
                      step=m.step.value, step_th=m.step_th, holder=m.holder, holder_th=holder_th,
                      since=m.step_since, due=m.due, closed=m.closed)


def action_item_status(a: ActionItem, holder_th: str | None) -> CaseStatus:
    return CaseStatus(procedure=PROCEDURE_MEETINGS, case_type="action_item", title=a.title,
                      step=a.step.value, step_th=a.step_th, holder=a.holder, holder_th=holder_th,
                      since=a.step_since, due=None if a.closed else a.due, closed=a.closed)


def translate(event: DomainEvent, aggregate: Any,
              holder_th: Callable[[str | None], str | None]
              ) -> tuple[IntegrationEvent, CaseStatus] | None:
    if isinstance(event, Meeting.Event):
        found = meeting_payload(event, aggregate)
        status = meeting_status(aggregate, holder_th(aggregate.holder))
    elif isinstance(event, ActionItem.Event):
        found = action_item_payload(event, aggregate)
        status = action_item_status(aggregate, holder_th(aggregate.holder))
    else:
        return None
    return None if found is None else (found, status)
