"""What every service says about its own operation, version 1, on its own stream `esa.<service>.>`:

- `<service>.dead_letter.parked`: the service's consumer gave up on a message of another
  service's stream (its handler kept failing, or it was not an envelope) and parked it on
  `esa.deadletter.<service>.<source>`. Work that message asked for has not happened; an operator
  fixes the cause and replays it (`POST /admin/dead-letters/replay` on that service).
- `<service>.dead_letter.replayed`: the parked message was applied after all.

Both carry a case status (procedure 16, case type `dead_letter`), so monitoring shows a parked
message as an open case of the service that parked it, closed by its replay, without knowing
anything else of these events. One payload model for every service; the event types differ only
by their service prefix, hence one class per service.

Imports only pydantic and `contracts.envelope` (checked by an architecture test).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from contracts.envelope import SERVICES, IntegrationEvent

DEAD_LETTER_PROCEDURE = 16  # the monitoring system itself (DOMAIN.md, procedure 16)
DEAD_LETTER_CASE_TYPE = "dead_letter"


class DeadLetterEvent(IntegrationEvent):
    """Fields of both events: which message, parked by whom, and why."""

    consumer: str = Field(description="The service whose consumer parked the message")
    source: str = Field(description="The service whose stream the message came from")
    original_subject: str = Field(description="The NATS subject the message was published on")
    source_sequence: int = Field(ge=1, description="Its sequence in the source's stream")
    event_type: str | None = Field(description="The parked envelope's type; None: not an envelope")
    event_id: str | None = Field(description="The parked envelope's id; None: not an envelope")
    reason: str = Field(description="Why it was parked: the handler's last error")
    parked_at: datetime


class DeadLetterParked(DeadLetterEvent):
    """A message was parked by the service's consumer: the work it asked for did not happen."""

    EVENT_TYPE: ClassVar[str] = "<service>.dead_letter.parked"


class DeadLetterReplayed(DeadLetterEvent):
    """A parked message was applied after all (an operator replayed it)."""

    EVENT_TYPE: ClassVar[str] = "<service>.dead_letter.replayed"

    replayed_at: datetime


def _of(service: str, base: type[DeadLetterEvent]) -> type[DeadLetterEvent]:
    name = "".join(part.title() for part in service.split("_")) + base.__name__
    kind = base.EVENT_TYPE.rsplit(".", 1)[-1]
    return type(name, (base,), {"__module__": __name__, "__doc__": base.__doc__,
                                "EVENT_TYPE": f"{service}.dead_letter.{kind}"})


# Per service: (parked, replayed).
DEAD_LETTER_EVENTS: dict[str, tuple[type[DeadLetterEvent], type[DeadLetterEvent]]] = {
    service: (_of(service, DeadLetterParked), _of(service, DeadLetterReplayed))
    for service in SERVICES
}

EVENTS: tuple[type[IntegrationEvent], ...] = tuple(
    event for pair in DEAD_LETTER_EVENTS.values() for event in pair)
