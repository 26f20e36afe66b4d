"""The staff directory as one service knows it.

`StaffMember` is what a decision needs to know of a person: roles, clearance, whether they may act
at all. Correspondence answers from its own `Officer` aggregates (it keeps the directory); every
other service answers from `DirectoryEntry` aggregates it learned from correspondence's
`correspondence.officer.*` events, each saved with the consumer's tracking position, so a restart
neither loses nor doubles what was learned. A service that has not heard of an officer does not
guess: the officer is unknown there until the event arrives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.correspondence.v1 import OFFICER_EVENTS, OfficerEntry
from contracts.envelope import AnyEnvelope, Secrecy
from contracts.vocabulary import StaffRole
from shared.domain import Aggregate, event

OFFICER_EVENT_PREFIX = "correspondence.officer."
_CONTRACTS: dict[str, type[OfficerEntry]] = {e.EVENT_TYPE: e for e in OFFICER_EVENTS}
ROLE_NAMES = frozenset(r.value for r in StaffRole)


@dataclass(frozen=True)
class StaffMember:
    officer_id: str
    name_th: str
    position_th: str
    roles: frozenset[str]
    clearance: Secrecy
    active: bool

    def holds_role(self, role: str) -> bool:
        """An inactive officer holds no role: they can do nothing."""
        return self.active and role in self.roles

    def holds(self, holder: str) -> bool:
        """Is a record held by `holder` (an officer id, or a role anyone holding it may take) up
        to this officer?"""
        if holder in ROLE_NAMES:
            return self.holds_role(holder)
        return self.active and holder == self.officer_id


class Directory(Protocol):
    """Who the service knows; correspondence's own and every other service's learned one."""

    def member(self, officer_id: str) -> StaffMember | None: ...

    def members(self) -> Iterable[StaffMember]: ...


class NoDirectory:
    """For a process that decides nothing itself (the office portal: the services it calls
    decide): it knows nobody, so no command of its own could pass for an officer's."""

    def member(self, officer_id: str) -> StaffMember | None:
        return None

    def members(self) -> Iterable[StaffMember]:
        return []


class DirectoryEntry(Aggregate, stored_as="office.DirectoryEntry"):
    """One officer as this service last heard of them from correspondence."""

    @staticmethod
    def create_id(officer_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"esa:directory-entry:{officer_id}")

    @event("Learned")
    def __init__(self, *, officer_id: str) -> None:
        self.officer_id = officer_id
        self.name_th = ""
        self.position_th = ""
        self.roles: frozenset[str] = frozenset()
        self.clearance = Secrecy.none
        self.active = False
        self.source_version = 0  # the correspondence Officer's version this entry reflects
        self.since_event = ""
        self.since_type = ""
        self.since: datetime | None = None

    def learn(self, entry: OfficerEntry, *, event_id: str, event_type: str, source_version: int,
              at: datetime) -> bool:
        """Take the entry as an event of correspondence describes it; an event older than what is
        already known changes nothing (False)."""
        if source_version <= self.source_version:
            return False
        self._updated(name_th=entry.name_th, position_th=entry.position_th,
                      roles=sorted(r.value for r in entry.roles), clearance=entry.clearance,
                      active=entry.active, source_version=source_version, event_id=event_id,
                      event_type=event_type, at=at)
        return True

    @event("Updated")
    def _updated(self, name_th: str, position_th: str, roles: list[str], clearance: Secrecy,
                 active: bool, source_version: int, event_id: str, event_type: str,
                 at: datetime) -> None:
        self.name_th = name_th
        self.position_th = position_th
        self.roles = frozenset(roles)
        self.clearance = Secrecy(clearance)
        self.active = active
        self.source_version = source_version
        self.since_event = event_id
        self.since_type = event_type
        self.since = at

    def member(self) -> StaffMember:
        return StaffMember(self.officer_id, self.name_th, self.position_th, self.roles,
                           self.clearance, self.active)


def name_th_of(directory: Directory, officer_id: str, stated: str | None = None) -> str:
    """The officer's Thai name as the directory knows it. What a request states (older clients
    still send a name) counts only where the directory does not know the officer, i.e. a command
    run outside a request: nobody records a case or a plan under a name of their choosing."""
    member = directory.member(officer_id)
    if member is not None and member.name_th:
        return member.name_th
    return (stated or "").strip()


def learn_officer(load: Any, envelope: AnyEnvelope) -> DirectoryEntry | None:
    """What one correspondence event changes in the learned directory: the entry to save, or None
    (not an officer event, or one already applied). `load(aggregate_class, id)` reads the store."""
    contract = _CONTRACTS.get(envelope.type)
    if contract is None:
        return None
    entry = contract.model_validate(envelope.data)
    known = load(DirectoryEntry, DirectoryEntry.create_id(entry.officer_id))
    record = known or DirectoryEntry(officer_id=entry.officer_id)
    changed = record.learn(entry, event_id=envelope.id, event_type=envelope.type,
                           source_version=envelope.sequence, at=envelope.time)
    return record if changed or known is None else None


def entry_view(entry: DirectoryEntry) -> dict[str, Any]:
    return {
        "officer_id": entry.officer_id,
        "name_th": entry.name_th,
        "position_th": entry.position_th,
        "roles": sorted(entry.roles),
        "clearance": entry.clearance.value,
        "active": entry.active,
        "known_since_event": entry.since_event,
        "known_since_type": entry.since_type,
        "known_since": entry.since,
        "version": entry.version,
    }
