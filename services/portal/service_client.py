"""The one place the portal speaks to the five services: their public HTTP APIs, as the office
portal's OAuth client (scope `office:staff`), naming the signed-in officer in `X-Actor-Id`.

Everything the portal must know about how the services answer is here, once:
- tokens: client credentials at each service's `POST /oauth/token`, kept until shortly before they
  expire (`shared.auth.client.ClientCredentials`);
- writes: an `Idempotency-Key` per form submission (the form's own nonce, so a double submit
  records once) and, on an existing record, `If-Match` with the ETag the officer saw (a service
  answers 428 without it, 412 when it changed meanwhile);
- lists: paged with `limit` and `cursor`, answered as `{"items", "next_cursor", "total"}` with a
  `Link: <...>; rel="next"`; a service that still answers a plain JSON array is paged (and
  searched) here instead, so the pages see one shape (`Page`);
- refusals: problem+json becomes `Refused`, whose Thai message is the service's own title (the
  decision-rights codes have a Thai title here too, should a service send none), with the fields it
  names;
- a service that does not answer becomes `Unavailable`, which a page shows in Thai while the rest
  of the portal goes on;
- the auditors' routes (`/audit/*`): the latest signed statement of a service's log is asked for
  as a signed tree head (`/audit/heads/latest`) and, from a service that still signs
  checkpoints, as its latest checkpoint; both come back as one `SignedHead` (the audit trail is
  being reworked: this is the one place that knows its routes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from shared.auth.client import ClientCredentials
from shared.logging import get_logger

log = get_logger(__name__)

SERVICE_NAMES_TH = {
    "correspondence": "งานสารบรรณและธุรการ",
    "planning": "นโยบายและแผน",
    "budgeting": "งบประมาณ",
    "restructuring": "จัดตั้ง ยุบ รวม เลิกสถานศึกษา",
    "monitoring": "ติดตามและประเมินผล",
}
# งานของฉัน: where each service lists what waits for the acting officer. Correspondence has it for
# procedures 1-4; the other services' work is read from monitoring's board of every case
# (`WORK_BOARD`), which knows each open case's holder and due date.
MY_WORK_PATHS = {"correspondence": "/my-work"}
WORK_BOARD = ("monitoring", "/cases")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_LOCAL_CURSOR = "at:"  # a cursor of a list this module pages itself (plain-array answers)

# Thai titles of the codes every service's decision-rights check answers with, for a service that
# sends none (the service's own Thai title is shown when it has one).
DECISION_RIGHTS_TH = {
    "unknown-officer": "ไม่พบเจ้าหน้าที่ผู้นี้ในทะเบียนเจ้าหน้าที่",
    "role-required": "ท่านไม่มีบทบาทหน้าที่ที่ใช้ดำเนินการขั้นตอนนี้",
    "same-person": "ผู้อนุมัติต้องไม่ใช่ผู้เดียวกับผู้เสนอ",
    "resolution-required": "ต้องอ้างอิงมติหรือหนังสือที่ลงทะเบียนไว้แล้ว",
    "stale-version": "ข้อมูลถูกแก้ไขโดยผู้อื่นไปแล้ว โปรดโหลดหน้าใหม่แล้วทำอีกครั้ง",
    "precondition-required": "ต้องอ่านข้อมูลล่าสุดก่อนแก้ไข โปรดโหลดหน้าใหม่",
}
STATUS_TH = {
    400: "คำขอไม่ถูกต้อง",
    401: "ระบบงานไม่ยอมรับการยืนยันตัวตนของพอร์ทัล",
    403: "ท่านไม่มีสิทธิ์ดำเนินการนี้",
    404: "ไม่พบข้อมูล",
    409: "ดำเนินการไม่ได้ในขั้นตอนปัจจุบัน",
    412: DECISION_RIGHTS_TH["stale-version"],
    413: "ไฟล์หรือข้อมูลมีขนาดใหญ่เกินไป",
    422: "ข้อมูลไม่ถูกต้อง",
    428: DECISION_RIGHTS_TH["precondition-required"],
    429: "มีคำขอมากเกินไป โปรดรอสักครู่",
}


class Unavailable(Exception):
    """The service did not answer (down, unreachable, too slow, or failing)."""

    def __init__(self, service: str, cause: str) -> None:
        super().__init__(f"{service}: {cause}")
        self.service = service
        self.cause = cause

    @property
    def message_th(self) -> str:
        return (f"ระบบ{SERVICE_NAMES_TH.get(self.service, self.service)}ไม่พร้อมให้บริการในขณะนี้ "
                "โปรดลองใหม่ภายหลัง ส่วนอื่นของพอร์ทัลยังใช้งานได้")


@dataclass
class Refused(Exception):
    """A problem+json answer: the service said no."""

    service: str
    status: int
    code: str
    title_th: str = ""
    detail: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # field name → the service's message
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.service} {self.status} {self.code}: {self.detail}"

    @property
    def message_th(self) -> str:
        return (self.title_th or DECISION_RIGHTS_TH.get(self.code)
                or STATUS_TH.get(self.status, "ดำเนินการไม่สำเร็จ"))

    @classmethod
    def of(cls, service: str, response: httpx.Response) -> Refused:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        fields: dict[str, str] = {}
        for error in body.get("errors") or ():
            name = str(error.get("field", "")).split(".")[0]
            if name:
                fields.setdefault(name, str(error.get("message", "")))
        if body.get("field"):
            fields.setdefault(str(body["field"]), str(body.get("detail", "")))
        code = str(body.get("code") or body.get("error") or f"http-{response.status_code}")
        known = {"type", "title", "title_th", "title_en", "status", "code", "detail", "errors",
                 "instance"}
        return cls(service=service, status=response.status_code, code=code,
                   title_th=str(body.get("title_th") or ""), detail=str(body.get("detail") or ""),
                   fields=fields, extra={k: v for k, v in body.items() if k not in known})


@dataclass(frozen=True)
class Answer:
    data: Any
    etag: str | None
    headers: Mapping[str, str]

    @property
    def version(self) -> str | None:
        """The ETag as a form carries it back in `If-Match`."""
        return self.etag


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None
    total: int | None


@dataclass(frozen=True)
class Download:
    content: bytes
    media_type: str
    disposition: str | None


@dataclass(frozen=True)
class SignedHead:
    """The latest signed statement of a service's log: its first `tree_size` events have the
    RFC 6962 root `root_hash`, signed with the key `key_id` over `signed_message`."""

    service: str
    tree_size: int
    root_hash: str
    signed_at: str
    key_id: str
    signature: str
    signed_message: str

    @classmethod
    def of(cls, service: str, data: Mapping[str, Any]) -> SignedHead:
        return cls(service=str(data.get("service") or service), tree_size=int(data["tree_size"]),
                   root_hash=str(data["root_hash"]),
                   signed_at=str(data.get("signed_at") or data.get("checkpointed_at") or ""),
                   key_id=str(data.get("key_id") or ""), signature=str(data.get("signature") or ""),
                   signed_message=str(data.get("signed_message") or ""))


def _next_from_link(link: str | None) -> str | None:
    """The cursor of `Link: <...?cursor=abc>; rel="next"`."""
    for part in (link or "").split(","):
        match = re.search(r'<([^>]*)>\s*;\s*rel="?next"?', part)
        if match:
            values = parse_qs(urlsplit(match.group(1)).query).get("cursor")
            return values[0] if values else None
    return None


def _matches(item: dict[str, Any], needle: str, fields: Iterable[str]) -> bool:
    return any(needle in str(item.get(name) or "").lower() for name in fields)


class ServiceClient:
    def __init__(self, urls: Mapping[str, str], *, client_id: str, client_secret: str,
                 timeout: float = 10.0,
                 transports: Mapping[str, httpx.AsyncBaseTransport] | None = None) -> None:
        self.urls = dict(urls)
        self._clients = {
            name: httpx.AsyncClient(
                base_url=url, timeout=timeout, auth=ClientCredentials(client_id, client_secret),
                transport=(transports or {}).get(name))
            for name, url in self.urls.items()
        }
        self._public = {name: httpx.AsyncClient(base_url=url, timeout=timeout,
                                                transport=(transports or {}).get(name))
                        for name, url in self.urls.items()}

    async def close(self) -> None:
        for client in (*self._clients.values(), *self._public.values()):
            await client.aclose()

    # --- reading --------------------------------------------------------------------------------
    async def get(self, service: str, path: str, *, actor: str | None,
                  params: Mapping[str, Any] | None = None) -> Answer:
        response = await self._send(service, "GET", path, actor=actor, params=params)
        return Answer(response.json(), response.headers.get("etag"), response.headers)

    async def page(self, service: str, path: str, *, actor: str | None, limit: int = DEFAULT_LIMIT,
                   cursor: str | None = None, q: str = "", search: Iterable[str] = (),
                   params: Mapping[str, Any] | None = None) -> Page:
        """One page of a list. `q` is passed to the service and, where it still answers a plain
        array, matched here against the `search` fields."""
        limit = max(1, min(int(limit), MAX_LIMIT))
        local = cursor is not None and cursor.startswith(_LOCAL_CURSOR)
        query = {**(params or {}), "limit": limit}
        if q:
            query["q"] = q
        if cursor and not local:
            query["cursor"] = cursor
        answer = await self.get(service, path, actor=actor, params=query)
        data = answer.data
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            return Page(data["items"],
                        data.get("next_cursor") or _next_from_link(answer.headers.get("link")),
                        data.get("total"))
        items = [i for i in (data or []) if isinstance(i, dict)]
        needle = q.strip().lower()
        if needle:
            items = [i for i in items if _matches(i, needle, search)]
        try:
            offset = max(0, int(cursor[len(_LOCAL_CURSOR):])) if local and cursor else 0
        except ValueError:
            offset = 0
        end = offset + limit
        return Page(items[offset:end], f"{_LOCAL_CURSOR}{end}" if end < len(items) else None,
                    len(items))

    async def every(self, service: str, path: str, *, actor: str | None,
                    params: Mapping[str, Any] | None = None, q: str = "",
                    search: Iterable[str] = (), most: int = 2000) -> tuple[list[dict[str, Any]], bool]:
        """Every item of a list, page after page through `next_cursor`, up to `most`; and whether
        there were more than that."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = await self.page(service, path, actor=actor, limit=MAX_LIMIT, cursor=cursor,
                                   q=q, search=search, params=params)
            items.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                return items, False
            if len(items) >= most:
                return items[:most], True

    async def items(self, service: str, path: str, *, actor: str | None,
                    params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """A record's own list read whole (its history, snapshots, movements: what its page
        shows in full), page after page, whatever the service's page size."""
        return (await self.every(service, path, actor=actor, params=params))[0]

    async def download(self, service: str, path: str, *, actor: str | None,
                       params: Mapping[str, Any] | None = None) -> Download:
        response = await self._send(service, "GET", path, actor=actor, params=params)
        return Download(response.content, response.headers.get("content-type",
                                                               "application/octet-stream"),
                        response.headers.get("content-disposition"))

    async def public_get(self, service: str, path: str) -> httpx.Response:
        """A public route (no token, no officer): monitoring's board."""
        try:
            response = await self._public[service].get(path)
        except httpx.HTTPError as error:
            raise Unavailable(service, repr(error)) from error
        if response.status_code >= 500:
            raise Unavailable(service, f"HTTP {response.status_code}")
        return response

    def public_stream(self, service: str, path: str, *, headers: Mapping[str, str],
                      params: Mapping[str, Any]) -> Any:
        """A public stream (monitoring's `/feed`), read without a time limit between events."""
        return self._public[service].stream("GET", path, headers=dict(headers), params=params,
                                            timeout=httpx.Timeout(10.0, read=None))

    # --- writing --------------------------------------------------------------------------------
    async def command(self, service: str, path: str, *, actor: str, body: Any,
                      idempotency_key: str, if_match: str | None = None,
                      method: str = "POST") -> Answer:
        """A command as the officer: the form's nonce is the `Idempotency-Key`; `if_match` the
        ETag the officer saw, for a change to an existing record."""
        headers = {"Idempotency-Key": idempotency_key}
        if if_match:
            headers["If-Match"] = if_match if if_match.startswith(('"', "W/")) else f'"{if_match}"'
        response = await self._send(service, method, path, actor=actor, json=body,
                                    headers=headers)
        return Answer(response.json() if response.content else None,
                      response.headers.get("etag"), response.headers)

    async def upload(self, service: str, path: str, *, actor: str, filename: str,
                     content: bytes, media_type: str, idempotency_key: str) -> Answer:
        """A file sent as a form upload (its `file` field), as the officer."""
        response = await self._send(service, "POST", path, actor=actor,
                                    headers={"Idempotency-Key": idempotency_key},
                                    files={"file": (filename, content, media_type)})
        return Answer(response.json() if response.content else None,
                      response.headers.get("etag"), response.headers)

    # --- the auditors' routes ---------------------------------------------------------------------
    async def audit_history(self, service: str, aggregate_id: str) -> list[dict[str, Any]]:
        """Every stored event of one aggregate, in order, as the service's audit trail has it."""
        return await self.items(service, f"/audit/history/{aggregate_id}", actor=None)

    async def audit_head(self, service: str) -> SignedHead:
        """The latest signed head of the service's log (or its latest signed checkpoint)."""
        try:
            data = (await self.get(service, "/audit/heads/latest", actor=None)).data
        except Refused as refused:
            if refused.code != "http-404":  # the route exists and said why (nothing signed yet)
                raise
            data = (await self.get(service, "/audit/checkpoints/latest", actor=None)).data
        return SignedHead.of(service, data)

    async def audit_public_key(self, service: str) -> dict[str, Any]:
        return dict((await self.get(service, "/audit/public-key", actor=None)).data)

    async def audit_inclusion(self, service: str, position: int, tree_size: int) -> dict[str, Any]:
        return dict((await self.get(service, f"/audit/proof/inclusion/{position}", actor=None,
                                    params={"tree_size": tree_size})).data)

    async def audit_consistency(self, service: str, first: int, second: int) -> dict[str, Any]:
        return dict((await self.get(service, "/audit/proof/consistency", actor=None,
                                    params={"first": first, "second": second})).data)

    # --- the one request --------------------------------------------------------------------------
    async def _send(self, service: str, method: str, path: str, *, actor: str | None,
                    headers: Mapping[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        client = self._clients.get(service)
        if client is None:
            raise Unavailable(service, "not configured")
        try:
            # No officer named: the portal reads as itself (agency:office-portal), e.g. the
            # directory entry of someone signing in.
            named = {"X-Actor-Id": actor} if actor else {}
            response = await client.request(method, path, headers={**named, **(headers or {})},
                                            **kwargs)
        except httpx.HTTPError as error:
            log.warning("service unavailable", service=service, path=path, error=repr(error))
            raise Unavailable(service, repr(error)) from error
        if response.status_code >= 500:
            log.warning("service failed", service=service, path=path,
                        status=response.status_code)
            raise Unavailable(service, f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise Refused.of(service, response)
        return response

