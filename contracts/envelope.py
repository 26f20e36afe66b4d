"""The one envelope every integration event travels in (CloudEvents-style), version 1.

Integration events are the public contract between services and towards the central office; domain
events stay private to their service. NATS subject: `esa.<type>` where `type` is
`<service>.<aggregate>.<event>`; the JetStream message id is the envelope `id`,
`<service>:<aggregate id>:<version>`, so a republished event is recognised as a duplicate.

Imports only pydantic (checked by an architecture test).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

ENVELOPE_VERSION = 1
SUBJECT_PREFIX = "esa"
# The services that publish integration events (an envelope's `source`), each on its own stream.
SERVICES = ("correspondence", "planning", "budgeting", "restructuring", "monitoring")

DataT = TypeVar("DataT")


class Secrecy(StrEnum):
    """ชั้นความลับ. Codes of the national e-saraban exchange standard in `SECRECY_CODES`."""

    none = "none"
    confidential = "confidential"  # ลับ
    secret = "secret"  # ลับมาก
    top_secret = "top_secret"  # ลับที่สุด


SECRECY_CODES: dict[Secrecy, str] = {
    Secrecy.none: "001",
    Secrecy.confidential: "002",
    Secrecy.secret: "003",
    Secrecy.top_secret: "004",
}


class ContractModel(BaseModel):
    """Base of every contract payload: strict about unknown fields, Thai text kept as is."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class IntegrationEvent(ContractModel):
    """Base of an event payload; `EVENT_TYPE` is `<service>.<aggregate>.<event>`."""

    EVENT_TYPE: ClassVar[str]
    EVENT_VERSION: ClassVar[int] = 1


class CaseStatus(ContractModel):
    """Where a case stands after the event: what monitoring and the central office track.

    `title` is withheld (None) for classified cases; `holder` is the officer or body who must act.
    """

    procedure: int = Field(ge=1, le=16, description="Procedure number of the group's manual (1-16)")
    case_type: str = Field(description="e.g. document, action_plan, budget_line")
    title: str | None = Field(default=None, description="Thai title; None when classified")
    step: str = Field(description="Machine name of the current step")
    step_th: str = Field(description="The current step in Thai")
    holder: str | None = Field(default=None, description="Who must act next (officer id or role)")
    holder_th: str | None = Field(default=None, description="Who must act next, in Thai")
    since: datetime = Field(description="When the case entered this step")
    due: date | None = None
    closed: bool = False


class Envelope(ContractModel, Generic[DataT]):
    envelope_version: Literal[1] = ENVELOPE_VERSION
    id: str = Field(description="<service>:<aggregate id>:<version>; also the JetStream msg id")
    type: str = Field(description="<service>.<aggregate>.<event>")
    type_version: int = Field(default=1, ge=1, description="Version of the payload schema")
    source: str = Field(description="The producing service")
    subject: str = Field(description="The aggregate id the event is about")
    time: datetime
    sequence: int = Field(ge=1, description="The aggregate's version after this event")
    actor: str = Field(description="Who caused the event (officer id, agency client, system)")
    trace_id: str = ""
    secrecy: Secrecy = Secrecy.none
    status: CaseStatus | None = None
    data: DataT

    @property
    def nats_subject(self) -> str:
        return f"{SUBJECT_PREFIX}.{self.type}"

    @staticmethod
    def message_id(source: str, aggregate_id: Any, version: int) -> str:
        return f"{source}:{aggregate_id}:{version}"


# What a consumer that does not know the producer's payload models parses: the data stays a dict.
AnyEnvelope = Envelope[dict[str, Any]]
