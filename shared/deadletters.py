"""Dead letters that nobody can miss: a message a service's consumer parked is a record in that
service's own store, published by its relay, and a case on monitoring until it is replayed.

When the idempotent consumer gives up on a message (`shared.consumer`) it parks the message on
`esa.deadletter.<consumer>.<source>` and records a `DeadLetter` here, once per message. The
relay publishes the record as `<service>.dead_letter.parked` (`contracts.operations.v1`) with a
case status, so monitoring opens a case of the parking service showing the consumer, the event,
the reason and since when, like any other case. `/health` of the parking service answers
`degraded` while it has a dead letter not replayed (`DeadLetterIndex`). A replay that applies the
message marks the record replayed in the same transaction as the message's effects, and
`<service>.dead_letter.replayed` closes the case.

The record lives in the parking service's store because only there is it certain: it survives a
restart, reads without NATS, and its replay is decided where the message is applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.envelope import CaseStatus, Envelope, Secrecy
from contracts.operations.v1 import (
    DEAD_LETTER_CASE_TYPE,
    DEAD_LETTER_EVENTS,
    DEAD_LETTER_PROCEDURE,
)
from shared.domain import Aggregate, event
from shared.relay import Translator, envelope_for
from shared.thaitime import utc_now

REASON_LIMIT = 1000
# Who must act on a parked message: whoever operates the service (the /admin/ routes).
OPERATOR = "operator"
OPERATOR_TH = "ผู้ดูแลระบบ"


class DeadLetter(Aggregate, stored_as="shared.DeadLetter"):
    """A message this service's consumer parked: what it was, why, and whether it was replayed."""

    @staticmethod
    def create_id(consumer: str, source: str, source_sequence: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"esa:dead-letter:{consumer}:{source}:{source_sequence}")

    @event("Parked")
    def __init__(self, *, consumer: str, source: str, original_subject: str,
                 source_sequence: int, event_type: str | None, event_id: str | None,
                 reason: str, at: datetime, secrecy: Secrecy = Secrecy.none) -> None:
        self.consumer = consumer
        self.source = source
        self.original_subject = original_subject
        self.source_sequence = source_sequence
        self.event_type = event_type
        self.event_id = event_id
        self.reason = reason[:REASON_LIMIT]
        self.parked_at = at
        # The parked message's own: a dead letter of a classified document is classified too
        # (its reason may quote it), so no public page shows more than that it exists.
        self.secrecy = Secrecy(secrecy)
        self.replayed_at: datetime | None = None

    def replay(self, at: datetime) -> bool:
        if self.replayed_at is not None:
            return False
        self._replayed(at=at)
        return True

    @event("Replayed")
    def _replayed(self, at: datetime) -> None:
        self.replayed_at = at

    @property
    def title_th(self) -> str:
        what = self.event_type or "ข้อความที่ไม่ใช่เหตุการณ์ตามสัญญา"
        first_line = " ".join((self.reason.strip().splitlines() or [""])[0].split())
        return (f"ข้อความค้าง: {self.consumer} ประมวลผล {what} จาก {self.source} ไม่สำเร็จ "
                f"({first_line[:160]})")

    def status(self) -> CaseStatus:
        if self.replayed_at is not None:
            return CaseStatus(
                procedure=DEAD_LETTER_PROCEDURE, case_type=DEAD_LETTER_CASE_TYPE,
                title=self.title_th, step="replayed", step_th="ส่งประมวลผลซ้ำสำเร็จแล้ว",
                since=self.replayed_at, closed=True)
        return CaseStatus(
            procedure=DEAD_LETTER_PROCEDURE, case_type=DEAD_LETTER_CASE_TYPE, title=self.title_th,
            step="parked", step_th="ข้อความค้าง รอแก้ไขสาเหตุ แล้วส่งประมวลผลซ้ำ",
            holder=OPERATOR, holder_th=OPERATOR_TH, since=self.parked_at)

    def facts(self) -> dict[str, Any]:
        return {"consumer": self.consumer, "source": self.source,
                "original_subject": self.original_subject,
                "source_sequence": self.source_sequence, "event_type": self.event_type,
                "event_id": self.event_id, "reason": self.reason, "parked_at": self.parked_at}


def parked(app: Any, *, consumer: str, source: str, original_subject: str, source_sequence: int,
           envelope: dict[str, Any] | None, reason: str) -> list[Aggregate | None]:
    """What to save when the consumer parks a message: its record (once), and whatever the
    service itself records with it (`ServiceApplication.dead_letter_noticed`)."""
    if app.get(DeadLetter, DeadLetter.create_id(consumer, source, source_sequence)) is not None:
        return []
    envelope = envelope or {}
    letter = DeadLetter(
        consumer=consumer, source=source, original_subject=original_subject,
        source_sequence=source_sequence, event_type=_text(envelope.get("type")),
        event_id=_text(envelope.get("id")), reason=reason, at=utc_now(),
        secrecy=_secrecy(envelope.get("secrecy")))
    return [letter, *app.dead_letter_noticed(letter)]


def replayed(app: Any, *, consumer: str, source: str,
             source_sequence: int) -> list[Aggregate | None]:
    """What to save, with the message's effects, when a parked message is applied after all."""
    letter = app.get(DeadLetter, DeadLetter.create_id(consumer, source, source_sequence))
    if letter is None or not letter.replay(utc_now()):
        return []  # parked before dead letters were recorded, or already replayed
    return [letter, *app.dead_letter_noticed(letter)]


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None


def _secrecy(value: Any) -> Secrecy:
    try:
        return Secrecy(value) if value is not None else Secrecy.none
    except ValueError:
        return Secrecy.top_secret  # a level nobody knows: the strictest


# --- published by the relay -------------------------------------------------------------------
def publishing_dead_letters(service: str, translate: Translator | None) -> Translator:
    """The service's translator, which also publishes its dead letters (every relay does)."""

    def translated(domain_event: Any, aggregate: Any = None) -> Envelope[Any] | None:
        if isinstance(domain_event, DeadLetter.Event):
            return dead_letter_envelope(service, domain_event, aggregate)
        return translate(domain_event, aggregate) if translate is not None else None

    return translated


def dead_letter_envelope(service: str, domain_event: Any, letter: DeadLetter) -> Envelope[Any]:
    parked_model, replayed_model = DEAD_LETTER_EVENTS[service]
    if isinstance(domain_event, DeadLetter.Replayed):
        payload = replayed_model(**letter.facts(), replayed_at=letter.replayed_at)
    else:
        payload = parked_model(**letter.facts())
    return envelope_for(service, domain_event, payload, status=letter.status(),
                        secrecy=letter.secrecy)


# --- read by /health --------------------------------------------------------------------------
class DeadLetterIndex:
    """The service's dead letters not replayed yet (what makes `/health` say degraded): a list in
    the service's own database (`shared.readmodels`), so a start reads nothing of the log."""

    NAME = "dead_letters_parked"

    def __init__(self, app: Any) -> None:
        self.app = app
        self.letters = app.read_models.listing(
            self.NAME, of=(DeadLetter,), row=_parked_row, columns={"parked_at": "text"},
            indexes=(("parked_at",),))

    def count(self) -> int:
        return self.letters.count()

    def oldest(self) -> datetime | None:
        rows = self.letters.select(order_by=("parked_at",), limit=1)
        return datetime.fromisoformat(rows[0]["view"]["parked_at"]) if rows else None

    def unreplayed(self, limit: int = 100) -> Sequence[DeadLetter]:
        """The longest parked first, at most `limit`."""
        rows = self.letters.select(order_by=("parked_at",), limit=limit)
        return [self.app.get(DeadLetter, UUID(row["id"])) for row in rows]


def _parked_row(letter: DeadLetter) -> dict[str, Any] | None:
    if letter.replayed_at is not None:
        return None  # replayed: nothing to do any more
    parked_at = letter.parked_at.astimezone(UTC)
    return {"parked_at": f"{parked_at:%Y-%m-%dT%H:%M:%S.%f}Z",
            "view": {"parked_at": parked_at.isoformat()}}
