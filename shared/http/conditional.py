"""Idempotent and conditional writes: `Idempotency-Key`, `ETag`, `If-Match`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request, Response

from shared.context import current_actor
from shared.eventstore import fingerprint_of


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


async def parse_if_match(  # async: FastAPI would run a plain def in the threadpool
    if_match: Annotated[str | None, Header(description='The ETag read, e.g. "3"')] = None,
) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit():
        raise HTTPException(412, "If-Match must be an ETag of this resource, e.g. \"3\"")
    return int(value)


IfMatch = Annotated[int | None, Depends(parse_if_match)]


class IdempotencyKey:
    """`Idempotency-Key` for a write: (scope, key) where scope is the caller, method and path.

    The caller is part of the scope: a key is a caller's own, so nobody can replay another's
    answer (which was shaped by that caller's permissions and clearance)."""

    def __init__(self, request: Request, idempotency_key: str | None = None) -> None:
        self.key = idempotency_key.strip() if idempotency_key else None
        self.scope = f"{current_actor()} {request.method} {request.url.path}"

    def for_body(self, body: Any) -> tuple[str, str, str] | None:
        if not self.key:
            return None
        return (self.scope, self.key, fingerprint_of(body))


async def idempotency_key(
    request: Request, idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> IdempotencyKey:
    # A dependency that is a class or a plain def is run in the threadpool: a thread handoff per
    # request for reading a header.
    return IdempotencyKey(request, idempotency_key)


Idempotency = Annotated[IdempotencyKey, Depends(idempotency_key)]
