"""The self-check against its witnesses while the service keeps writing (shared/audit/selfcheck.py):
a head committed and cosigned while the check runs is not taken for a store rolled back."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from planning_samples import policy

from services.planning.application import PlanningApplication
from shared.audit.heads import Cosignature
from shared.audit.selfcheck import SelfCheck
from shared.audit.signing import AuditSigner
from shared.audit.witness import Witness, WitnessStore
from tests.support.http import h


def test_a_head_cosigned_while_the_check_runs_is_not_a_rollback(
        planning_client: TestClient, planning: PlanningApplication, tmp_path: Path) -> None:
    witness = Witness("witness-1", AuditSigner(Ed25519PrivateKey.generate()),
                      WitnessStore(tmp_path / "witness.sqlite3"),
                      lambda _, sizes: planning.audit.consistency_chain(sizes),
                      pinned={"planning": planning.audit.signer.public_key})
    assert planning_client.post("/policies", headers=h("off-1"), json=policy()).status_code == 201
    asked: list[int] = []

    def witnessed() -> dict[str, Cosignature]:
        """Each time the check asks, the office has written again and the witness cosigned it:
        the newest cosignature names a head committed a moment ago."""
        answer = planning_client.post("/policies", headers=h("off-1"), json=policy())
        assert answer.status_code == 201
        outcome = witness.consider("planning", planning.audit.heads(0, 10_000))
        assert not outcome.alarms
        asked.append(outcome.cosignatures[-1].head.tree_size)
        return {"witness-1": outcome.cosignatures[-1]}

    check = SelfCheck(planning.audit, planning.audit_guard, witnessed=witnessed)
    assert check.check_quick() == []
    assert asked and planning.audit_guard.fault is None
