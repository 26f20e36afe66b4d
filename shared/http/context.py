"""Per-request context: the trace id (from `traceparent`/`X-Trace-Id`, or new) and the acting user
(`X-Actor-Id`), set as context variables for the request so that events and logs carry them.

Until agency credentials arrive (OAuth2 client credentials, a later issue), the office's own network
is trusted to name the acting officer in `X-Actor-Id`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bound_contextvars

from shared.context import SYSTEM_ACTOR, actor_var, new_trace_id, trace_id_var

ACTOR_HEADER = "x-actor-id"
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
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        trace_id = _trace_from(headers)
        actor = headers.get(ACTOR_HEADER, "").strip()
        trace_token = trace_id_var.set(trace_id)
        actor_token = actor_var.set(actor or SYSTEM_ACTOR)

        async def send_with_trace(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-trace-id", trace_id.encode())]
            await send(message)

        try:
            with bound_contextvars(trace_id=trace_id, actor=actor or SYSTEM_ACTOR):
                await self.app(scope, receive, send_with_trace)
        finally:
            trace_id_var.reset(trace_token)
            actor_var.reset(actor_token)


async def require_actor(  # async: FastAPI would run a plain def in the threadpool
    x_actor_id: Annotated[
        str | None,
        Header(description="The acting officer's id (trusted office network)", max_length=64),
    ] = None,
) -> str:
    if not x_actor_id or not x_actor_id.strip():
        raise HTTPException(401, "X-Actor-Id header is required")
    return x_actor_id.strip()


Actor = Annotated[str, Depends(require_actor)]
