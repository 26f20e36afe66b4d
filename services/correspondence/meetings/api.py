"""HTTP API of internal meetings and their action items (procedure 3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.correspondence.api import _answer, add_step_route
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.meetings.domain import MeetingStep
from services.correspondence.meetings.projections import (
    ACTION_ITEM_COLUMNS,
    MEETING_COLUMNS,
    action_item_line,
    meeting_register_row,
)
from services.correspondence.meetings.schemas import (
    ActionItemIn,
    ActionItemOut,
    AgendaApproveIn,
    AgendaDropIn,
    AgendaItemIn,
    CirculateIn,
    CloseActionItemIn,
    HoldIn,
    MeetingIn,
    MeetingOut,
    MinutesIn,
    NotifyIn,
)
from services.correspondence.projections import register_lines
from shared.http.conditional import Idempotency
from shared.http.context import Actor
from shared.http.downloads import csv_stream
from shared.http.paging import Page, Paging
from shared.http.reads import quick_read

Format = Literal["json", "csv"]
TAG = "internal meetings (งานจัดการประชุมภายใน)"


def create_router(app: CorrespondenceApplication) -> APIRouter:
    meetings = app.meetings
    router = APIRouter(prefix="/meetings", tags=[TAG])
    actions = APIRouter(prefix="/action-items", tags=[TAG])

    @router.post("", status_code=201, response_model=MeetingOut,
                 summary="เรียกประชุม: call a meeting (title, date and time, place, chair)")
    def schedule(body: MeetingIn, actor: Actor, idem: Idempotency,
                 response: Response) -> dict[str, Any]:
        result = meetings.schedule(title=body.title, starts_at=body.starts_at, place=body.place,
                                   chair_id=body.chair_id, idempotency=idem.for_body(body))
        response.headers["Location"] = f"/meetings/{result['meeting_id']}"
        return _answer(response, result)

    @router.get("", response_model=Page[MeetingOut],
                summary="ทะเบียนการประชุม in the order they are held (JSON pages, or the whole "
                        "register as CSV in Thai)",
                responses={200: {"content": {"text/csv": {}}}})
    @quick_read
    def list_meetings(paging: Paging, status: MeetingStep | None = None,
                      year_be: Annotated[int | None, Query(ge=2400, le=2800,
                                                           description="The BE year it is held in")
                                         ] = None,
                      format: Format = "json") -> Any:  # noqa: A002
        if format == "csv":
            rows = meetings.meeting_lines(status=status, year_be=year_be)
            return csv_stream(register_lines((meeting_register_row(r) for r in rows),
                                             MEETING_COLUMNS), "meetings.csv")
        return meetings.list_meetings(paging, status=status, year_be=year_be)

    @router.get("/{meeting_id}", response_model=MeetingOut,
                summary="A meeting: agenda, participants, minutes, action items")
    def get_meeting(meeting_id: UUID, response: Response) -> dict[str, Any]:
        return _answer(response, meetings.meeting_summary(meeting_id))

    def step(path: str, summary: str, body_model: type, command: Any) -> None:
        add_step_route(router, f"/{{meeting_id}}/{path}", id_name="meeting_id", summary=summary,
                       body_model=body_model, response_model=MeetingOut, command=command)

    step("agenda-items", "เสนอระเบียบวาระ: an officer proposes an agenda item", AgendaItemIn,
         lambda i, b, v, k: meetings.propose_agenda_item(
             i, title=b.title, details=b.details, expected_version=v, idempotency=k))
    step("agenda-items/approve", "ผู้อำนวยการกลุ่มเห็นชอบระเบียบวาระ: put the item on the agenda",
         AgendaApproveIn,
         lambda i, b, v, k: meetings.approve_agenda_item(
             i, item_no=b.item_no, expected_version=v, idempotency=k))
    step("agenda-items/drop", "ไม่บรรจุระเบียบวาระ: the group director drops the item, with reason",
         AgendaDropIn,
         lambda i, b, v, k: meetings.drop_agenda_item(
             i, item_no=b.item_no, reason=b.reason, expected_version=v, idempotency=k))
    step("notify", "แจ้งผู้เข้าร่วมประชุม: notify the participants (two or more people)", NotifyIn,
         lambda i, b, v, k: meetings.notify_participants(
             i, participant_ids=b.participant_ids, expected_version=v, idempotency=k))
    step("hold", "จัดประชุม: record that the meeting was held, and who attended", HoldIn,
         lambda i, b, v, k: meetings.hold(
             i, attendee_ids=b.attendee_ids, held_at=b.held_at, expected_version=v,
             idempotency=k))
    step("minutes", "บันทึกรายงานการประชุม: the minutes become a record-type document (saraban)",
         MinutesIn,
         lambda i, b, v, k: meetings.record_minutes(
             i, text=b.text, summary=b.summary, expected_version=v, idempotency=k))
    step("circulate", "แจ้งเวียนรายงานการประชุม: send the registered minutes to those concerned",
         CirculateIn,
         lambda i, b, v, k: meetings.circulate_minutes(
             i, recipient_ids=b.recipient_ids, expected_version=v, idempotency=k))

    @router.post("/{meeting_id}/action-items", status_code=201, response_model=ActionItemOut,
                 summary="มอบหมายงานตามมติ: an action item with owner and due date")
    def assign_action_item(meeting_id: UUID, body: ActionItemIn, actor: Actor, idem: Idempotency,
                           response: Response) -> dict[str, Any]:
        result = meetings.assign_action_item(meeting_id, title=body.title, owner_id=body.owner_id,
                                             due=body.due_date, idempotency=idem.for_body(body))
        response.headers["Location"] = f"/action-items/{result['action_item_id']}"
        return _answer(response, result)

    @actions.get("", response_model=Page[ActionItemOut],
                 summary="ติดตามงานตามมติที่ประชุม: action items, earliest due first (JSON pages, "
                         "or the whole list as CSV in Thai)",
                 responses={200: {"content": {"text/csv": {}}}})
    @quick_read
    def list_action_items(
        paging: Paging,
        open: bool = False,  # noqa: A002
        overdue: Annotated[bool | None, Query()] = None,
        meeting_id: Annotated[UUID | None, Query(description="Only this meeting's")] = None,
        owner_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
        format: Format = "json",  # noqa: A002
    ) -> Any:
        filters = {"open_only": open, "overdue": overdue, "meeting_id": meeting_id,
                   "owner_id": owner_id}
        if format == "csv":
            rows = meetings.action_item_lines(**filters)
            return csv_stream(register_lines((action_item_line(r) for r in rows),
                                             ACTION_ITEM_COLUMNS), "action-items.csv")
        return meetings.list_action_items(paging, **filters)

    @actions.get("/{action_item_id}", response_model=ActionItemOut)
    def get_action_item(action_item_id: UUID, response: Response) -> dict[str, Any]:
        return _answer(response, meetings.action_item_summary(action_item_id))

    add_step_route(actions, "/{action_item_id}/close", id_name="action_item_id",
                   summary="ปิดงานตามมติ: the owner reports the action item done",
                   body_model=CloseActionItemIn, response_model=ActionItemOut,
                   command=lambda i, b, v, k: meetings.close_action_item(
                       i, result=b.result, expected_version=v, idempotency=k))

    root = APIRouter()
    root.include_router(router)
    root.include_router(actions)
    return root
