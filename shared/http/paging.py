"""Lists a person or a client can page through: one shape for every list of every service.

A list takes `limit` (default 50, at most 500) and an opaque `cursor`, and answers
`{"items": [...], "next_cursor": "..." | null, "total": n}` with a `Link: <...>; rel="next"` header
while there is more. The cursor is the sort key of the last row given, so a page never skips or
repeats a row because rows were added before it; it is opaque to clients (base64url of JSON) and a
cursor that does not decode is a 422, not a 500.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

from shared.domain import DeclaredError

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class InvalidCursor(DeclaredError):
    code = "invalid-cursor"
    title_th = "ตัวชี้หน้าถัดไปไม่ถูกต้อง"
    title_en = "The cursor is not one this list gave"


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at the end")
    total: int | None = Field(default=None, description="Rows matching the filters, all pages")


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key), default=str)).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise InvalidCursor(f"cursor {cursor[:40]!r} does not decode", field="cursor") from None
    if not isinstance(key, list):
        raise InvalidCursor("cursor is not a sort key", field="cursor")
    return key


class PageRequest:
    """`limit` and `cursor` of a list request, and where the next page is (the `Link` header)."""

    def __init__(self, request: Request, response: Response, limit: int, cursor: str | None) -> None:
        self.request = request
        self.response = response
        self.limit = limit
        self.cursor = cursor

    @property
    def after(self) -> list[Any] | None:
        """The sort key the page starts after (None: from the start)."""
        return decode_cursor(self.cursor) if self.cursor else None

    def number_after(self) -> int:
        """Where a list sorted by one whole number (a record's versions, a log's positions)
        starts: after the cursor's number, 0 for the first page."""
        after = self.after
        if after is None:
            return 0
        if len(after) != 1 or not isinstance(after[0], int) or isinstance(after[0], bool) \
                or not 0 <= after[0] < 2**63:
            raise InvalidCursor("the cursor is not one of this list", field="cursor")
        return after[0]

    def page(self, rows: Iterable[T], *, key: Callable[[T], Sequence[Any]],
             view: Callable[[T], Any] = lambda row: row) -> dict[str, Any]:
        """One page of `rows`, which are already filtered and sorted by `key` (ascending, unique).
        `key` values must be JSON (str, int, ...): the cursor carries them."""
        after = self.after
        chosen: list[T] = []
        total = 0
        for row in rows:
            total += 1
            if after is not None and _before_or_at(_as_list(key(row)), after):
                continue
            if len(chosen) <= self.limit:
                chosen.append(row)
        more = len(chosen) > self.limit
        chosen = chosen[: self.limit]
        next_cursor = encode_cursor(key(chosen[-1])) if more and chosen else None
        return self.answer([view(row) for row in chosen], next_cursor, total)

    def answer_read(self, found: Sequence[T], *, key: Callable[[T], Sequence[Any]],
                    total: int | None, view: Callable[[T], Any] = lambda row: row
                    ) -> dict[str, Any]:
        """A page of rows read after the cursor, up to `limit` + 1 of them (the extra one says
        there is more): the cursor is the `key` of the last row given."""
        chosen = found[: self.limit]
        next_cursor = encode_cursor(key(chosen[-1])) if len(found) > self.limit and chosen \
            else None
        return self.answer([view(row) for row in chosen], next_cursor, total)

    def answer(self, items: list[Any], next_cursor: str | None, total: int | None) -> dict[str, Any]:
        """A page computed elsewhere (e.g. by a query on an indexed table)."""
        if next_cursor is not None:
            url = self.request.url.include_query_params(cursor=next_cursor, limit=self.limit)
            self.response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
        return {"items": items, "next_cursor": next_cursor, "total": total}


def _before_or_at(key: list[Any], after: list[Any]) -> bool:
    """Does the row with `key` come at or before the cursor? A cursor of another list (another
    shape of key) is refused, not compared."""
    try:
        if len(key) != len(after):
            raise TypeError
        return key <= after
    except TypeError:
        raise InvalidCursor("the cursor is not one of this list", field="cursor") from None


def _as_list(key: Sequence[Any]) -> list[Any]:
    # Round-tripped through JSON, as the cursor was: compares like with like.
    return orjson.loads(orjson.dumps(list(key), default=str))


async def page_request(  # async: FastAPI would run a plain def in the threadpool
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=2000,
                                        description="`next_cursor` of the previous page")] = None,
) -> PageRequest:
    return PageRequest(request, response, limit, cursor)


Paging = Annotated[PageRequest, Depends(page_request)]
