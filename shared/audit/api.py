"""The auditor's API, the same for every service (added by `shared.runtime.create_http_app`).

Everything under `/audit` only reads the persisted tree (`shared.audit.tree`): the signed heads
(one per committed transaction) and the key that signs them, the ordered log with who, when, what
and why, any aggregate's history, RFC 6962 inclusion and consistency proofs, the service's own
verdict on its store and the heads witnesses cosigned, and a JSON-lines export (of the whole log
or one period) for offline verification (`python -m shared.audit verify`). Access control for
auditors belongs on the router, one place (`<service>:audit`).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from shared.audit.tree import AuditLog, NoHeadYet, TreeSizeOutOfRange
from shared.http.downloads import content_disposition
from shared.http.paging import Paging

INT64_MAX = 2**63 - 1


def create_audit_router(audit: AuditLog, status: Any = None) -> APIRouter:
    """`status()`: the service's own check of its store (`shared.audit.selfcheck`)."""
    router = APIRouter(prefix="/audit", tags=["audit"])

    @router.get("/public-key", summary="The Ed25519 public key that signs this service's tree "
                "heads, and the heads that rotated to it (each endorsed by the previous key)")
    def public_key() -> dict[str, Any]:
        return audit.public_key()

    @router.get("/heads", summary="Signed tree heads (one per committed transaction), oldest "
                "first, a page at a time (the cursor is the last tree size given)")
    def heads(paging: Paging,
              until: int | None = Query(None, ge=1, le=INT64_MAX,
                                        description="up to this tree size")) -> dict[str, Any]:
        found = audit.heads(paging.number_after(), paging.limit + 1, until=until)
        return paging.answer_read(found, key=lambda head: [head.tree_size], total=None,
                                  view=lambda head: head.summary())

    @router.get("/heads/latest", summary="The latest signed tree head")
    def latest_head() -> dict[str, Any]:
        return audit.latest_head().summary()

    @router.get("/heads/{tree_size}", summary="The signed head of one tree size")
    def head(tree_size: int = Path(ge=1, le=INT64_MAX)) -> dict[str, Any]:
        found = audit.head(tree_size)
        if found is None:
            raise NoHeadYet() if audit.size == 0 else TreeSizeOutOfRange(
                f"no head was signed at tree size {tree_size}")
        return found.summary()

    @router.get("/status", summary="The service's own check of its store against its tree and "
                "its witnessed heads, and which witnesses cosigned which head")
    def check_status() -> dict[str, Any]:
        return status() if status is not None else {"checked": False}

    @router.get("/events", summary="The event log in order: who, when, what and why, with leaf "
                "hashes (paged: the cursor is the last position given; the total the tree's "
                "size)")
    def events(paging: Paging) -> dict[str, Any]:
        page = audit.events(paging.number_after(), paging.limit + 1)
        return paging.answer_read(page["events"], key=lambda entry: [entry["position"]],
                                  total=page["tree_size"])

    @router.get("/history/{aggregate_id}",
                summary="Every event of one case, document, plan or budget line, in order "
                        "(paged: the cursor is the last version given)")
    def history(aggregate_id: UUID, paging: Paging) -> dict[str, Any]:
        entries, total = audit.history(str(aggregate_id), after_version=paging.number_after(),
                                       limit=paging.limit + 1)
        return paging.answer_read(entries, key=lambda entry: [entry["version"]], total=total)

    @router.get("/proof/inclusion/{position}",
                summary="RFC 6962 audit path of the event at a position (default: latest head)")
    def inclusion(position: int = Path(ge=1, le=INT64_MAX),
                  tree_size: int | None = Query(None, ge=1, le=INT64_MAX)) -> dict[str, Any]:
        return audit.inclusion(position, tree_size)

    @router.get("/proof/consistency",
                summary="RFC 6962 proof that the first tree is a prefix of the second")
    def consistency(first: int = Query(ge=1, le=INT64_MAX),
                    second: int | None = Query(None, ge=1, le=INT64_MAX)) -> dict[str, Any]:
        return audit.consistency(first, second)

    @router.get("/proof/consistency-chain",
                summary="RFC 6962 proofs between consecutive tree sizes (a witness's batch)")
    def consistency_chain(sizes: str = Query(max_length=4000, pattern=r"^[0-9]+(,[0-9]+)+$",
                                             description="2 to 200 tree sizes, comma-separated")
                          ) -> list[dict[str, Any]]:
        numbers = [int(s) for s in sizes.split(",")]
        if len(numbers) > 200 or max(numbers) > INT64_MAX:
            raise TreeSizeOutOfRange("at most 200 sizes, each a tree size")
        return audit.consistency_chain(numbers)

    @router.get("/export", summary="The log with its leaves and signed heads, as stored (JSON "
                "lines): all of it, or one period (tree sizes, or dates in UTC)",
                response_class=StreamingResponse)
    def export(from_size: int = Query(0, ge=0, le=INT64_MAX),
               to_size: int | None = Query(None, ge=0, le=INT64_MAX),
               since: date | None = Query(None, description="from the first head signed on "
                                          "or after this day (UTC)"),
               until: date | None = Query(None, description="to the last head signed on or "
                                          "before this day (UTC)")) -> StreamingResponse:
        if since is not None or until is not None:
            first, last = audit.head_sizes_between(
                since.isoformat() if since else None,
                f"{until.isoformat()}T23:59:59.999999+00:00" if until else None)
            from_size, to_size = max(from_size, first), last if to_size is None else to_size
        name = f"{audit.service}-audit.jsonl"
        return StreamingResponse(audit.export_lines(from_size, to_size),
                                 media_type="application/x-ndjson",
                                 headers={"Content-Disposition": content_disposition(name)})

    return router
