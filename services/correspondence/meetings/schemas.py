"""Request and response models of internal meetings and action items (procedure 3)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from services.correspondence.schemas import Model, OfficerId, ShortText, Text


def _plausible(value: datetime | None) -> datetime | None:
    # Also keeps calendar arithmetic away from the ends of the datetime range.
    if value is not None and not 2000 <= value.year <= 2200:
        raise ValueError("must be a date between 2000 and 2200 (CE)")
    return value


class MeetingIn(Model):
    """เรียกประชุม"""

    title: Text = Field(min_length=1, description="เรื่อง / ชื่อการประชุม")
    starts_at: AwareDatetime = Field(description="วันเวลาประชุม, with time zone")
    place: ShortText = Field(min_length=1, description="สถานที่")
    chair_id: OfficerId = Field(description="ประธานในที่ประชุม (staff directory id)")

    _starts = field_validator("starts_at")(_plausible)


class AgendaItemIn(Model):
    title: Text = Field(min_length=1, description="ระเบียบวาระที่เสนอ")
    details: str = Field(default="", max_length=20_000)


class AgendaApproveIn(Model):
    item_no: int = Field(ge=1, le=1000)


class AgendaDropIn(Model):
    item_no: int = Field(ge=1, le=1000)
    reason: Text = Field(min_length=1)


class NotifyIn(Model):
    participant_ids: list[OfficerId] = Field(
        min_length=1, max_length=200, description="ผู้เข้าร่วมประชุม; the chair is always one")


class HoldIn(Model):
    attendee_ids: list[OfficerId] = Field(min_length=1, max_length=200,
                                          description="ผู้มาประชุม (two or more people)")
    held_at: AwareDatetime | None = Field(default=None, description="now if omitted")

    _held = field_validator("held_at")(_plausible)


class MinutesIn(Model):
    text: str = Field(min_length=1, max_length=200_000, description="รายงานการประชุม")
    summary: Text = ""


class CirculateIn(Model):
    recipient_ids: list[OfficerId] | None = Field(
        default=None, max_length=500,
        description="ผู้เกี่ยวข้อง; everyone the meeting concerns if omitted")


class ActionItemIn(Model):
    title: Text = Field(min_length=1, description="งานที่ต้องดำเนินการตามมติ")
    owner_id: OfficerId = Field(description="ผู้รับผิดชอบ")
    due_date: date = Field(description="กำหนดเสร็จ")


class CloseActionItemIn(Model):
    result: Text = Field(min_length=1, description="ผลการดำเนินการ")


class PersonOut(BaseModel):
    officer_id: str
    name_th: str | None


class AgendaItemOut(BaseModel):
    item_no: int
    title: str
    details: str
    proposed_by: str
    status: str
    status_th: str
    decided_by: str | None
    reason: str


class ActionItemOut(BaseModel):
    action_item_id: UUID
    version: int
    meeting_id: UUID
    meeting_title: str
    title: str
    owner_id: str
    owner_name_th: str | None
    due: date
    step: str
    step_th: str
    closed: bool
    overdue: bool
    assigned_by: str
    assigned_at: datetime
    result: str
    closed_by: str | None


class MeetingOut(BaseModel):
    meeting_id: UUID
    version: int
    title: str
    starts_at: datetime
    place: str
    chair_id: str
    chair_name_th: str | None
    organiser_id: str
    step: str
    step_th: str
    holder: str | None
    step_since: datetime
    agenda: list[AgendaItemOut]
    participants: list[PersonOut]
    notified_at: datetime | None
    attendees: list[PersonOut]
    held_at: datetime | None
    minutes_document_id: UUID | None
    minutes_step: str | None
    minutes_step_th: str | None
    minutes_outgoing_no: str | None
    recipients: list[PersonOut]
    action_items: list[ActionItemOut]
