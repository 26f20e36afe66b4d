"""Monitoring's contract events, version 1: published on `esa.monitoring.>`, the durable export of
every case's status changes to the central office.

Imports only pydantic and `contracts.envelope` (checked by an architecture test).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts.envelope import CaseStatus, IntegrationEvent


class CaseStatusChanged(IntegrationEvent):
    """Monitoring observed an event about a case of another service; `status` is where the case now
    stands (None while no producer has reported a status for it). The envelope's `subject` is the
    case id, `uuid5(NAMESPACE_URL, f"{source}:{subject}")`."""

    EVENT_TYPE: ClassVar[str] = "monitoring.case.status_changed"

    case_id: UUID
    source: str = Field(description="The service the case belongs to")
    subject: str = Field(description="The case's aggregate id in that service")
    event_type: str = Field(description="The type of the observed contract event")
    event_id: str = Field(description="The id of the observed contract event")
    event_time: datetime = Field(description="When the observed event happened")
    status: CaseStatus | None = None


EVENTS = (CaseStatusChanged,)
