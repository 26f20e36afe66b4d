"""Coordination and service (procedure 2): requests to the group, from receipt to satisfaction.

A school, another group of the office, an outside agency or a member of the public asks the group
for something; the request is logged, the group director routes it to a responsible officer, the
officer responds, and the requester's satisfaction (1-5) is recorded once, after the response. The
group reports on its service periodically (the manual's step 5.4).

Pure: the moment of each command (`at`) comes from the caller.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

# The public vocabulary (who asks, through which channel) is the contract's: one definition.
from contracts.correspondence.v1 import RequesterKind, ServiceChannel
from services.correspondence.domain import (
    CorrespondenceError,
    DueBeforeReceived,
    Forbidden,
    NotAnOfficer,
    Officer,
    OfficerInactive,
    Role,
    WrongStep,
)
from shared.domain import Aggregate, Conflict, NotFound, aware, event, required_text
from shared.thaitime import bangkok_date

SATISFACTION_SCALE = range(1, 6)


REQUESTER_KIND_TH: dict[RequesterKind, str] = {
    RequesterKind.school: "สถานศึกษา",
    RequesterKind.office_group: "กลุ่มอื่นในสำนักงาน",
    RequesterKind.agency: "หน่วยงานภายนอก",
    RequesterKind.public: "ประชาชนทั่วไป",
}


CHANNEL_TH: dict[ServiceChannel, str] = {
    ServiceChannel.walk_in: "ติดต่อด้วยตนเอง",
    ServiceChannel.phone: "โทรศัพท์",
    ServiceChannel.email: "อีเมล",
    ServiceChannel.letter: "หนังสือราชการ",
    ServiceChannel.online: "ช่องทางออนไลน์",
}


class RequestStep(StrEnum):
    logged = "logged"
    routed = "routed"
    responded = "responded"
    rated = "rated"


REQUEST_STEP_TH: dict[RequestStep, str] = {
    RequestStep.logged: "รับเรื่องแล้ว รอมอบหมายผู้รับผิดชอบ",
    RequestStep.routed: "มอบหมายผู้รับผิดชอบแล้ว",
    RequestStep.responded: "ตอบสนองคำขอแล้ว",
    RequestStep.rated: "บันทึกความพึงพอใจแล้ว",
}

SATISFACTION_TH: dict[int, str] = {
    5: "มากที่สุด",
    4: "มาก",
    3: "ปานกลาง",
    2: "น้อย",
    1: "น้อยที่สุด",
}

# The service has been given once the officer responded; the rating only completes the record.
CLOSED_REQUEST_STEPS = frozenset({RequestStep.responded, RequestStep.rated})


class InvalidSatisfaction(CorrespondenceError):
    code = "invalid-satisfaction"
    title_th = "ระดับความพึงพอใจต้องเป็น 1 ถึง 5"
    title_en = "Satisfaction is a score from 1 to 5"


class RequestReceivedInFuture(CorrespondenceError):
    code = "request-received-in-future"
    title_th = "วันเวลาที่รับคำขอเป็นเวลาในอนาคต"
    title_en = "The request's received time is in the future"


class RespondedInFuture(CorrespondenceError):
    code = "responded-in-future"
    title_th = "วันเวลาตอบสนองเป็นเวลาในอนาคต"
    title_en = "The response time is in the future"


class RespondedBeforeReceived(CorrespondenceError):
    code = "responded-before-received"
    title_th = "วันเวลาตอบสนองก่อนวันเวลาที่รับคำขอ"
    title_en = "The response is dated before the request was received"


class NotTheResponsibleOfficer(CorrespondenceError, Forbidden):
    code = "not-the-responsible-officer"
    title_th = "ไม่ใช่ผู้รับผิดชอบคำขอนี้"
    title_en = "Only the officer the request was routed to may respond"


class NotYetResponded(CorrespondenceError, Conflict):
    code = "not-yet-responded"
    title_th = "ยังไม่ได้ตอบสนองคำขอ จึงยังประเมินความพึงพอใจไม่ได้"
    title_en = "Satisfaction is recorded only after the response"


class AlreadyResponded(CorrespondenceError, Conflict):
    code = "already-responded"
    title_th = "ตอบสนองคำขอนี้แล้ว"
    title_en = "The request has already been responded to"


class SatisfactionAlreadyRecorded(CorrespondenceError, Conflict):
    code = "satisfaction-already-recorded"
    title_th = "บันทึกความพึงพอใจของคำขอนี้แล้ว"
    title_en = "Satisfaction has already been recorded for this request"


class ServiceRequestNotFound(CorrespondenceError, NotFound):
    code = "service-request-not-found"
    title_th = "ไม่พบคำขอรับบริการ"
    title_en = "Service request not found"


class ServiceRequest(Aggregate, stored_as="correspondence.ServiceRequest"):
    """One request for coordination or service, and how the group answered it."""

    @classmethod
    def log(cls, *, by: Officer, requester_kind: RequesterKind, requester_name: str, contact: str,
            channel: ServiceChannel, subject: str, details: str, received_at: datetime,
            at: datetime) -> ServiceRequest:
        """A member of the group's staff takes a request down; it waits for the group director."""
        at = aware(at)
        received_at = aware(received_at, "received_at")
        if received_at > at:
            raise RequestReceivedInFuture(f"{received_at.isoformat()} is after {at.isoformat()}",
                                          field="received_at")
        return cls(
            requester_kind=RequesterKind(requester_kind),
            requester_name=required_text(requester_name, "requester_name"),
            contact=contact.strip(),
            channel=ServiceChannel(channel),
            subject=required_text(subject, "subject"),
            details=details.strip(),
            received_at=received_at,
            logged_by=by.officer_id,
        )

    @event("Logged")
    def __init__(self, *, requester_kind: RequesterKind, requester_name: str, contact: str,
                 channel: ServiceChannel, subject: str, details: str, received_at: datetime,
                 logged_by: str) -> None:
        self.requester_kind = requester_kind
        self.requester_name = requester_name
        self.contact = contact
        self.channel = channel
        self.subject = subject
        self.details = details
        self.received_at = received_at
        self.logged_by = logged_by
        self.step = RequestStep.logged
        self.holder: str | None = Role.group_director.value
        self.step_since = received_at
        self.officer_id: str | None = None
        self.routed_by: str | None = None
        self.due: date | None = None
        self.response = ""
        self.responded_at: datetime | None = None
        self.satisfaction: int | None = None
        self.satisfaction_comment = ""

    def route(self, *, by: Officer, officer: Officer, due: date | None = None,
              at: datetime) -> None:
        """The group director gives the request to a responsible officer (re-routing allowed)."""
        self._require_not_responded()
        self._require_step(RequestStep.logged, RequestStep.routed)
        if not officer.active:
            raise OfficerInactive(officer.officer_id, officer_id=officer.officer_id)
        if not (officer.has_role(Role.officer) or officer.has_role(Role.group_director)):
            raise NotAnOfficer(f"{officer.officer_id} is not a responsible officer",
                               officer_id=officer.officer_id)
        received_on = bangkok_date(self.received_at)
        if due is not None and due < received_on:
            raise DueBeforeReceived(f"due {due} is before received {received_on}")
        self._routed(officer_id=officer.officer_id, routed_by=by.officer_id, due=due, at=aware(at))

    def respond(self, *, by: Officer, response: str, responded_at: datetime,
                at: datetime) -> None:
        """The responsible officer records what the group did or answered; once."""
        self._require_not_responded()
        self._require_step(RequestStep.routed)
        if by.officer_id != self.officer_id or not by.active:
            raise NotTheResponsibleOfficer(f"routed to {self.officer_id}",
                                           officer_id=by.officer_id)
        at = aware(at)
        responded_at = aware(responded_at, "responded_at")
        if responded_at > at:
            raise RespondedInFuture(f"{responded_at.isoformat()} is after {at.isoformat()}",
                                    field="responded_at")
        if responded_at < self.received_at:
            raise RespondedBeforeReceived(
                f"{responded_at.isoformat()} is before {self.received_at.isoformat()}")
        self._responded(officer_id=by.officer_id, response=required_text(response, "response"),
                        responded_at=responded_at)

    def record_satisfaction(self, *, by: Officer, score: int, comment: str = "",
                            at: datetime) -> None:
        """The requester's rating, taken down by staff: once, and only after the response."""
        if score not in SATISFACTION_SCALE:
            raise InvalidSatisfaction(f"{score} is not 1-5", field="score")
        if self.satisfaction is not None:
            raise SatisfactionAlreadyRecorded(f"rated {self.satisfaction}")
        if self.step not in CLOSED_REQUEST_STEPS:
            raise NotYetResponded(f"step is {self.step.value}", step=self.step.value,
                                  step_th=self.step_th)
        self._rated(score=score, comment=comment.strip(), recorded_by=by.officer_id,
                    at=aware(at))

    # ---- queries ---------------------------------------------------------------------------------

    @property
    def step_th(self) -> str:
        return REQUEST_STEP_TH[self.step]

    @property
    def closed(self) -> bool:
        return self.step in CLOSED_REQUEST_STEPS

    @property
    def response_hours(self) -> float | None:
        if self.responded_at is None:
            return None
        return (self.responded_at - self.received_at).total_seconds() / 3600

    def is_overdue(self, today: date) -> bool:
        return self.due is not None and not self.closed and today > self.due

    # ---- guards ----------------------------------------------------------------------------------

    def _require_not_responded(self) -> None:
        if self.responded_at is not None:
            raise AlreadyResponded(f"responded {self.responded_at.isoformat()}")

    def _require_step(self, *allowed: RequestStep) -> None:
        if self.step not in allowed:
            raise WrongStep(f"request is {self.step.value}", step=self.step.value,
                            step_th=self.step_th, expected=sorted(s.value for s in allowed))

    # ---- events ----------------------------------------------------------------------------------

    @event("Routed")
    def _routed(self, officer_id: str, routed_by: str, due: date | None, at: datetime) -> None:
        self.officer_id = officer_id
        self.routed_by = routed_by
        self.due = due
        self.step = RequestStep.routed
        self.holder = officer_id
        self.step_since = at

    @event("Responded")
    def _responded(self, officer_id: str, response: str, responded_at: datetime) -> None:
        self.response = response
        self.responded_at = responded_at
        self.step = RequestStep.responded
        self.holder = None
        self.step_since = responded_at

    @event("SatisfactionRecorded")
    def _rated(self, score: int, comment: str, recorded_by: str, at: datetime) -> None:
        self.satisfaction = score
        self.satisfaction_comment = comment
        self.step = RequestStep.rated
        self.step_since = at

