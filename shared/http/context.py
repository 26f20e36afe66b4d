"""Per-request context: the trace id (from `traceparent`/`X-Trace-Id`, or new) set as a context
variable for the request, so that events and logs carry it.

Who acts is decided by the gate (`shared.auth.gate`), from the bearer token: an agency acts as
`agency:<client id>`; the office's own portal (scope `office:staff`) names the acting officer in
`X-Actor-Id`. Until the gate has decided, the actor is `anonymous`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bound_contextvars

from shared.audit.guard import WARNING_HEADER, Receipt, receipt_var
from shared.context import ANONYMOUS_ACTOR, actor_var, current_actor, new_trace_id, trace_id_var

TRACE_HEADER = "x-trace-id"


def _trace_from(headers: dict[str, str]) -> str:
    traceparent = headers.get("traceparent", "")
    parts = traceparent.split("-")
    if len(parts) == 4 and len(parts[1]) == 32:
        return parts[1]
    supplied = headers.get(TRACE_HEADER, "")
    if supplied and len(supplied) <= 64 and supplied.replace("-", "").isalnum():
        return supplied
    return new_trace_id()


class RequestContextMiddleware:
    """Trace and actor per request; and the audit receipt: an empty `Receipt` the transaction
    hook fills (positions recorded, the head signed over them), sent back as `ESA-Audit-*`
    headers with a successful answer; while the service refuses writes, every answer carries
    `ESA-Audit-Warning` (`audit_warning()` says why)."""

    def __init__(self, app: ASGIApp,
                 audit_warning: Callable[[], str | None] = lambda: None) -> None:
        self.app = app
        self.audit_warning = audit_warning

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        trace_id = _trace_from(headers)
        trace_token = trace_id_var.set(trace_id)
        actor_token = actor_var.set(ANONYMOUS_ACTOR)
        receipt = Receipt()
        receipt_token = receipt_var.set(receipt)

        async def send_with_trace(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-trace-id", trace_id.encode())]
                if message.get("status", 500) < 400:
                    headers.extend(receipt.headers())
                warning = self.audit_warning()
                if warning:
                    headers.append((WARNING_HEADER.lower().encode(),
                                    warning.encode("ascii", "replace")))
                message["headers"] = headers
            await send(message)

        try:
            with bound_contextvars(trace_id=trace_id, actor=ANONYMOUS_ACTOR):
                await self.app(scope, receive, send_with_trace)
        finally:
            trace_id_var.reset(trace_token)
            actor_var.reset(actor_token)
            receipt_var.reset(receipt_token)


async def require_actor(  # async: FastAPI would run a plain def in the threadpool
    request: Request,
    x_actor_id: Annotated[
        str | None,
        Header(description=(
            "The acting officer's id, honoured only for the office's own portal (a token with the "
            "scope office:staff), which must name one; others act as agency:<client id>"),
               pattern=r"^[A-Za-z0-9_.\-]{1,64}$"),
    ] = None,
) -> str:
    """Who acts, as the gate decided (the header is declared here so the API documents it). The
    office portal acts for people: a command through it names the officer, or is refused."""
    caller = getattr(request.state, "caller", None)
    if getattr(caller, "is_staff", False) and not (x_actor_id or "").strip():
        raise HTTPException(401, "The office portal must name the acting officer in X-Actor-Id")
    return current_actor()


Actor = Annotated[str, Depends(require_actor)]
