"""Request and response models of coordination and service (procedure 2)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from services.correspondence.schemas import Model, OfficerId, ShortText, Text
from services.correspondence.service_requests.domain import RequesterKind, ServiceChannel


def _plausible(value: datetime | None) -> datetime | None:
    # Also keeps calendar arithmetic away from the ends of the datetime range.
    if value is not None and not 2000 <= value.year <= 2200:
        raise ValueError("must be a date between 2000 and 2200 (CE)")
    return value


class ServiceRequestIn(Model):
    """รับเรื่องคำขอรับบริการ"""

    requester_kind: RequesterKind = Field(description="school, office_group, agency or public")
    requester_name: ShortText = Field(min_length=1, description="ชื่อผู้ขอรับบริการ")
    contact: ShortText = Field(default="", description="ช่องทางติดต่อกลับ")
    channel: ServiceChannel = ServiceChannel.walk_in
    subject: Text = Field(min_length=1, description="เรื่อง")
    details: str = Field(default="", max_length=20_000, description="รายละเอียด")
    received_at: AwareDatetime | None = Field(default=None, description="วันเวลาที่รับ (now if omitted)")

    _received = field_validator("received_at")(_plausible)


class RouteIn(Model):
    officer_id: OfficerId
    due_date: date | None = None


class RespondIn(Model):
    response: str = Field(min_length=1, max_length=20_000, description="การตอบสนอง / ผลการให้บริการ")
    responded_at: AwareDatetime | None = Field(default=None, description="now if omitted")

    _responded = field_validator("responded_at")(_plausible)


class SatisfactionIn(Model):
    score: int = Field(ge=1, le=5, description="1 น้อยที่สุด … 5 มากที่สุด")
    comment: Text = ""


class ServiceRequestOut(BaseModel):
    service_request_id: UUID
    version: int
    requester_kind: str
    requester_kind_th: str
    requester_name: str
    contact: str
    channel: str
    channel_th: str
    subject: str
    details: str
    received_at: datetime
    logged_by: str
    step: str
    step_th: str
    holder: str | None
    step_since: datetime
    officer_id: str | None
    officer_name_th: str | None
    due: date | None
    overdue: bool
    response: str
    responded_at: datetime | None
    response_hours: float | None
    response_time_th: str | None
    satisfaction: int | None
    satisfaction_th: str | None
    satisfaction_comment: str
