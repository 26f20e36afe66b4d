"""Decision rights: who may run each command of a service, declared once, in one table per service.

Every route that changes state has a `Right` in its service's table (`services/<name>/rights.py`),
and nothing else decides who may act. A right says:

- who may run the command at all: officers holding one of `roles` (from the staff directory the
  service knows), or an agency client acting for itself (`agency`), or an operator (`operator`,
  the `/admin/` routes);
- `not_by`: steps of the record whose actor may not take this one (the one who proposes may not
  approve; the drafter may not check their own draft; the maker of a transfer may not approve it);
- `body_decision`: the command records the decision of the body the record awaits
  (`awaiting_body`). The ESA director decides in person (the role is needed); a body outside the
  office (กศจ., the governor, the area committee) decides elsewhere, and an officer holding one of
  `roles` records it, citing the registered document behind it (`cites`: the request field).

How it is enforced, in three places of one mechanism:
1. `shared.office.api.enforce_rights`, a dependency on every route (installed by
   `create_http_app`), finds the route's right and puts it, with the cited document, in the
   request's context; a state-changing route without a right is refused (fail closed).
2. `ServiceApplication` checks the actor before it decides anything (`check_actor`): known to the
   service (404 `unknown-officer`), active (403 `officer-inactive`), holding a role (403
   `role-required`).
3. Once the record is loaded (`ServiceApplication.update`, or `check_record` where a command loads
   its record itself) the rules that depend on it: separation of duties (403 `same-person`) and
   body decisions (403 `role-required` / `resolution-required`). A command whose right has such a
   rule and that never checked its record fails loudly: a forgotten check is a bug, not a pass.

Every refusal is recorded in the service's store like the gate's (`shared.auth.install`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from contracts.vocabulary import (
    APPROVING_BODY_TH,
    STAFF_ROLE_TH,
    ApprovingBody,
    RegisteredDocumentRef,
    StaffRole,
)
from shared.context import current_actor
from shared.domain import DeclaredError, NotFound
from shared.office.directory import Directory, StaffMember

AGENCY_PREFIX = "agency:"
# Decisions the office takes itself: the role of the same name decides, in person.
IN_OFFICE_BODIES: dict[ApprovingBody, StaffRole] = {ApprovingBody.esa_director: StaffRole.esa_director}


# --- refusals ---------------------------------------------------------------------------------------
class RightsRefusal(DeclaredError):
    """A command refused because of who asked: always recorded as an access refusal."""

    status = 403


class UnknownOfficer(RightsRefusal, NotFound):
    status = 404
    code = "unknown-officer"
    title_th = "ไม่พบเจ้าหน้าที่ผู้นี้ในทะเบียนเจ้าหน้าที่ที่ระบบนี้ได้รับ"
    title_en = "This service has not heard of this officer"


class OfficerInactive(RightsRefusal):
    code = "officer-inactive"
    title_th = "เจ้าหน้าที่ผู้นี้ถูกระงับการใช้งาน"
    title_en = "This officer has been deactivated"


class RoleRequired(RightsRefusal):
    code = "role-required"
    title_th = "ผู้ดำเนินการไม่มีบทบาทที่มีสิทธิ์ดำเนินการนี้"
    title_en = "The acting officer does not hold a role this needs"


class SamePerson(RightsRefusal):
    code = "same-person"
    title_th = "ผู้ดำเนินการขั้นตอนก่อนหน้าไม่อาจดำเนินการขั้นตอนนี้เองได้"
    title_en = "The one who took an earlier step may not take this one"


class ResolutionRequired(RightsRefusal):
    code = "resolution-required"
    title_th = "การบันทึกมติของหน่วยงานภายนอกต้องอ้างอิงหนังสือที่ลงทะเบียนในระบบสารบรรณ"
    title_en = "A body's decision must cite a document registered in correspondence"


class OfficerRequired(RightsRefusal):
    code = "officer-required"
    title_th = "คำสั่งนี้ต้องดำเนินการโดยเจ้าหน้าที่ของสำนักงาน"
    title_en = "Only an officer of the office may do this"


class CannotHoldWork(RightsRefusal):
    code = "cannot-hold-work"
    title_th = "เจ้าหน้าที่ผู้นี้ไม่มีบทบาทที่รับผิดชอบงานนี้ได้"
    title_en = "This officer holds no role that can be given this work"


class NoDecisionRight(RightsRefusal):
    code = "no-decision-right"
    title_th = "คำสั่งนี้ยังไม่ได้กำหนดผู้มีสิทธิ์ดำเนินการ"
    title_en = "No decision right is declared for this command"


# --- the table ------------------------------------------------------------------------------------
_ROUTE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)$")


@dataclass(frozen=True)
class Right:
    route: str  # "POST /plans/{plan_id}/approve", as the router declares it
    action_th: str
    action_en: str
    roles: frozenset[StaffRole] = frozenset()
    agency: bool = False
    operator: bool = False
    not_by: tuple[str, ...] = ()
    body_decision: bool = False
    cites: str | None = None
    basis: str = ""  # where the manual or DOMAIN.md says so

    def __post_init__(self) -> None:
        if not _ROUTE.match(self.route):
            raise ValueError(f"right for {self.route!r}: expected 'METHOD /path'")
        if self.body_decision and not (self.roles and self.cites):
            raise ValueError(f"{self.route}: a body decision names the recorders and what it cites")

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.route.split(" ", 1)[1]

    @property
    def checks_record(self) -> bool:
        return bool(self.not_by) or self.body_decision

    def who_th(self) -> str:
        parts = [STAFF_ROLE_TH[r] for r in sorted(self.roles)]
        if self.agency:
            parts.append("หน่วยงานภายนอก (ระบบของหน่วยงานเอง)")
        if self.operator:
            parts.append("ผู้ดูแลระบบ")
        return ", ".join(parts)

    def view(self) -> dict[str, Any]:
        return {
            "route": self.route, "action_th": self.action_th, "action_en": self.action_en,
            "roles": sorted(r.value for r in self.roles),
            "roles_th": [STAFF_ROLE_TH[r] for r in sorted(self.roles)],
            "agency": self.agency, "operator": self.operator,
            "not_by": list(self.not_by), "body_decision": self.body_decision,
            "cites": self.cites, "basis": self.basis,
        }


def right(route: str, action_th: str, action_en: str, *roles: StaffRole, **rules: Any) -> Right:
    """One row of a table: `right("POST /plans", "จัดทำร่างแผน", "Draft a plan", StaffRole.officer)`."""
    return Right(route, action_th, action_en, frozenset(roles), **rules)


@dataclass(frozen=True)
class DecisionRights:
    service: str
    rights: tuple[Right, ...]
    _by_route: dict[tuple[str, str], Right] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_route: dict[tuple[str, str], Right] = {}
        for entry in self.rights:
            key = (entry.method, entry.path)
            if key in by_route:
                raise ValueError(f"{self.service}: two rights for {entry.route}")
            by_route[key] = entry
        object.__setattr__(self, "_by_route", by_route)

    def for_route(self, method: str, path: str) -> Right | None:
        return self._by_route.get((method.upper(), path))

    def view(self) -> dict[str, Any]:
        return {"service": self.service, "rights": [r.view() for r in self.rights]}


def rights_table(service: str, rights: Iterable[Right]) -> DecisionRights:
    return DecisionRights(service, tuple(rights))


def changes_state(method: str) -> bool:
    return method.upper() not in {"GET", "HEAD", "OPTIONS"}


# --- 1. the route's right, in the request's context ---------------------------------------------
@dataclass
class Authorization:
    right: Right
    cited: UUID | None
    record_checked: bool = False


_current: ContextVar[Authorization | None] = ContextVar("decision_right", default=None)


def current_authorization() -> Authorization | None:
    return _current.get()


@contextmanager
def outside_any_right() -> Iterator[None]:
    """Work the service does for itself while serving a request (recording the request's own
    refusal): not a command of the person asking, so no right applies."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def authorize_route(found: Right, cited: UUID | None) -> None:
    """The request runs under `found` (set once per request by the HTTP layer)."""
    _current.set(Authorization(found, cited))


# --- 2. the actor -------------------------------------------------------------------------------
def check_actor(directory: Directory) -> StaffMember | None:
    """Before a command decides anything: may the actor run it at all? Returns the officer (None
    for an agency or an operator, or outside a request)."""
    authorization = _current.get()
    if authorization is None:
        return None  # a reaction to another service's event, or the application used directly
    granted = authorization.right
    actor = current_actor()
    if granted.operator:
        return None
    if actor.startswith(AGENCY_PREFIX):
        if granted.agency:
            return None
        raise OfficerRequired(f"{actor} may not: {granted.action_en}", route=granted.route)
    member = known_member(directory, actor)
    if granted.roles and not granted.body_decision:
        require_role(member, granted.roles, granted)
    return member


def known_member(directory: Directory, officer_id: str) -> StaffMember:
    member = directory.member(officer_id)
    if member is None:
        raise UnknownOfficer(f"no officer {officer_id!r} is known to this service",
                             officer_id=officer_id)
    if not member.active:
        raise OfficerInactive(f"{officer_id} is deactivated", officer_id=officer_id)
    return member


def work_holder(directory: Directory, officer_id: str, roles: Iterable[StaffRole], *,
                field: str) -> StaffMember:
    """The officer a command names to hold work (an assignee): known to this service (404
    `unknown-officer`), active (403 `officer-inactive`) and holding one of `roles` (403
    `cannot-hold-work`), never taken on the caller's word."""
    member = directory.member(officer_id)
    if member is None:
        raise UnknownOfficer(f"no officer {officer_id!r} is known to this service",
                             officer_id=officer_id, field=field)
    if not member.active:
        raise OfficerInactive(f"{officer_id} is deactivated", officer_id=officer_id, field=field)
    needed = sorted(roles)
    if not any(member.holds_role(role) for role in needed):
        raise CannotHoldWork(f"{officer_id} holds none of: {', '.join(needed)}",
                             officer_id=officer_id, field=field,
                             roles_needed=[r.value for r in needed],
                             roles_needed_th=[STAFF_ROLE_TH[r] for r in needed])
    return member


def require_role(member: StaffMember, roles: Iterable[StaffRole], granted: Right) -> None:
    needed = sorted(roles)
    if not any(member.holds_role(role) for role in needed):
        raise RoleRequired(
            f"{granted.action_en} needs one of: {', '.join(needed)}",
            officer_id=member.officer_id, roles_needed=[r.value for r in needed],
            roles_needed_th=[STAFF_ROLE_TH[r] for r in needed], route=granted.route)


# --- 3. the record ------------------------------------------------------------------------------
def check_record(record: Any, directory: Directory,
                 registered: Callable[[UUID], RegisteredDocumentRef | None]) -> None:
    """The rules that depend on the record the command acts on: separation of duties, and who
    records a body's decision on what evidence."""
    authorization = _current.get()
    if authorization is None:
        return
    granted = authorization.right
    actor = current_actor()
    acted_by: dict[str, str] = getattr(record, "acted_by", {})
    for step in granted.not_by:
        if acted_by.get(step) == actor:
            raise SamePerson(f"{actor} took the step {step} of this record", step=step,
                             officer_id=actor, route=granted.route)
    if granted.body_decision:
        _check_body_decision(record, authorization, known_member(directory, actor), registered)
    authorization.record_checked = True


def _check_body_decision(record: Any, authorization: Authorization, member: StaffMember,
                         registered: Callable[[UUID], RegisteredDocumentRef | None]) -> None:
    granted = authorization.right
    body = getattr(record, "awaiting_body", None)
    if body is None:
        return  # awaiting nobody: the domain refuses the step (wrong step), not the person
    in_office = IN_OFFICE_BODIES.get(ApprovingBody(body))
    if in_office is not None:
        require_role(member, [in_office], granted)
        return
    require_role(member, granted.roles, granted)
    body_th = APPROVING_BODY_TH[ApprovingBody(body)]
    if authorization.cited is None:
        raise ResolutionRequired(
            f"the decision of {body} must cite its registered resolution or letter "
            f"({granted.cites})", body=str(body), body_th=body_th, field=granted.cites)
    if registered(authorization.cited) is None:
        raise ResolutionRequired(
            f"document {authorization.cited} is not registered in correspondence (or has no "
            "register number yet)", body=str(body), body_th=body_th, field=granted.cites,
            document_id=str(authorization.cited))


def require_checked() -> None:
    """After a command decided: a right with record rules whose record was never checked is a
    programming error (500), never a silent pass."""
    authorization = _current.get()
    if authorization is not None and authorization.right.checks_record \
            and not authorization.record_checked:
        raise RuntimeError(f"{authorization.right.route} declares record rules but its command "
                           "never called check_record")
