"""A command sent with an `Idempotency-Key` (the portal sends one with every form) is answered,
and answered the same when repeated, whatever its answer holds: here a per-head allocation,
whose recipients' basis counts pupils by school level (a dict keyed by an enum), proposed and
approved as the portal does it. (It answered 500 before: the stored answer's keys had to be
strings.)"""

from __future__ import annotations

from fastapi.testclient import TestClient
from support.budgeting import DIRECTOR, BudgetClient, Deliverer, registry_envelopes, registry_rows

from services.budgeting.application import BudgetingApplication
from tests.component.test_budgeting_api import per_head_case


def test_a_per_head_allocation_is_proposed_and_approved_with_idempotency_keys(
        budgeting_client: TestClient, budgeting: BudgetingApplication) -> None:
    b = BudgetClient(budgeting_client)
    Deliverer(budgeting)(*registry_envelopes(registry_rows(limit=5)))
    path = per_head_case(b)
    proposed = b.post(f"{path}/per-head", {}, key="form-per-head", changes=path)
    again = b.post(f"{path}/per-head", {}, key="form-per-head", changes=path)
    assert again == proposed and proposed["items"][0]["basis"]
    b.step(path, "submit")
    approved = b.post(f"{path}/decision", {"body": "esa_director", "decision": "approve",
                                           "decided_on": "2024-11-26"},
                      actor=DIRECTOR, key="form-decision", changes=path)
    assert approved["step"] == "approved" and approved["total"] == proposed["total"]
