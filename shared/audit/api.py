"""The auditor's API, the same for every service (added by `shared.runtime.create_http_app`).

Everything under `/audit` only reads: the signed checkpoints and the public key that signs them,
the ordered log with who, when, what and why, any aggregate's history, RFC 6962 inclusion and
consistency proofs, and a JSON-lines export for offline verification (`python -m shared.audit
verify`). Access control for auditors belongs on `create_audit_router`'s router, one place.
`POST /admin/audit/checkpoints` (an operator's, not an auditor's) signs a checkpoint now.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from shared.audit.trail import AuditTrail, NoCheckpointYet
from shared.http.downloads import content_disposition

INT64_MAX = 2**63 - 1


def create_audit_router(trail: AuditTrail) -> APIRouter:
    router = APIRouter(prefix="/audit", tags=["audit"])

    @router.get("/public-key", summary="The Ed25519 public key that signs this service's checkpoints")
    def public_key() -> dict[str, str]:
        return trail.public_key()

    @router.get("/checkpoints", summary="Signed checkpoints (tree size, root hash, time), oldest first")
    def checkpoints(after: int = Query(0, ge=0, le=INT64_MAX, description="after this sequence"),
                    limit: int = Query(1000, ge=1, le=10_000)) -> list[dict[str, Any]]:
        return [c.summary() for c in trail.list_checkpoints(after, limit)]

    @router.get("/checkpoints/latest", summary="The latest signed checkpoint")
    def latest_checkpoint() -> dict[str, Any]:
        return trail.latest_checkpoint().summary()

    @router.get("/events", summary="The event log in order: who, when, what and why, with leaf hashes")
    def events(after: int = Query(0, ge=0, le=INT64_MAX, description="after this position"),
               limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        return trail.events(after, limit)

    @router.get("/history/{aggregate_id}",
                summary="Every event of one case, document, plan or budget line, in order")
    def history(aggregate_id: UUID) -> list[dict[str, Any]]:
        return trail.history(str(aggregate_id))

    @router.get("/proof/inclusion/{position}",
                summary="RFC 6962 audit path of the event at a position (default: latest checkpoint)")
    def inclusion(position: int = Path(ge=1, le=INT64_MAX),
                  tree_size: int | None = Query(None, ge=1, le=INT64_MAX)) -> dict[str, Any]:
        return trail.inclusion(position, tree_size)

    @router.get("/proof/consistency",
                summary="RFC 6962 proof that the first tree is a prefix of the second")
    def consistency(first: int = Query(ge=1, le=INT64_MAX),
                    second: int | None = Query(None, ge=1, le=INT64_MAX)) -> dict[str, Any]:
        return trail.consistency(first, second)

    @router.get("/export", summary="Every stored event as stored, then the checkpoints (JSON lines)",
                response_class=StreamingResponse)
    def export() -> StreamingResponse:
        return StreamingResponse(
            trail.export_lines(), media_type="application/x-ndjson",
            headers={"Content-Disposition": content_disposition(f"{trail.service}-audit.jsonl")})

    return router


def create_audit_admin_router(trail: AuditTrail) -> APIRouter:
    router = APIRouter(prefix="/admin/audit", tags=["operations"])

    @router.post("/checkpoints", summary="Sign a checkpoint of everything recorded so far, now")
    def checkpoint_now() -> dict[str, Any]:
        made = trail.checkpoint()
        try:
            latest: dict[str, Any] | None = trail.latest_checkpoint().summary()
        except NoCheckpointYet:
            latest = None
        return {"made": [c.summary() for c in made], "latest": latest}

    return router
