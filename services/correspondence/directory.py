"""The staff directory as correspondence keeps it: its own `Officer` aggregates.

Every other service learns the directory from correspondence's `correspondence.officer.*` events;
correspondence, which keeps it (งานธุรการ), answers the decision rights from the officers
themselves, so a change is in force here from the moment it is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from services.correspondence.domain import Officer, Secrecy
from shared.office.directory import StaffMember

if TYPE_CHECKING:
    from services.correspondence.application import CorrespondenceApplication


def staff_member(officer: Officer) -> StaffMember:
    return StaffMember(officer.officer_id, officer.name_th, officer.position_th,
                       frozenset(role.value for role in officer.roles), officer.clearance,
                       officer.active)


class OfficeDirectory:
    def __init__(self, app: CorrespondenceApplication) -> None:
        self.app = app

    def member(self, officer_id: str) -> StaffMember | None:
        officer = self.app.get(Officer, Officer.create_id(officer_id))
        return staff_member(officer) if officer is not None else None

    def members(self) -> Iterable[StaffMember]:
        return [StaffMember(v["officer_id"], v["name_th"], v["position_th"], frozenset(v["roles"]),
                            Secrecy(v["clearance"]), v["active"])
                for v in self.app.officers.views(order_by=("officer_id",))]
