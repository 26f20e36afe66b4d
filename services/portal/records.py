"""The procedures' pages, put together one way: a record's page (what the service answers, as
facts, tables, its history, and the actions of its current step as forms) and a list page (filters,
a paged table). Each area of pages (`pages_planning.py`, `pages_budgeting.py`, ...) says what to
show of its records and which steps they offer; this module renders them and runs an action:

- an `Action` is one command of a service, offered where the record's step allows it to the
  officer who holds the record (by id, role, a body the group records, or a committee they sit
  on: `catalogue.holds_work`) or to the roles it names; the service still decides;
- its form's fields become the command's JSON (dates, exact money as strings, officers, a
  registered document cited by its id, files as base64, and nested lists: `rows`, one item a line
  of a textarea, and `table`, inputs for each of the rows the page offers, such as an amount for
  each school); the officer acting is the session's,
  whatever the form says; the form's nonce is the `Idempotency-Key`, the ETag it was read with
  the `If-Match`;
- a refusal shows the service's Thai reason beside the form, with what was typed kept; a service
  that is down is said so, and the page still renders what it can.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import zip_longest
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from services.portal.catalogue import holds_work
from services.portal.security import (
    PageRouter,
    check_csrf,
    load_session,
    portal_of,
    safe_next,
    signed_in,
)
from services.portal.service_client import Page, Refused, Unavailable
from services.portal.sessions import Session
from services.portal.views import bangkok_today, render, thai_date
from shared.http.downloads import content_disposition
from shared.thaitime import fiscal_year_be

MAX_FILE_BYTES = 10 * 1024 * 1024
LIST_LIMIT = 50
DECISION_TH = {"approve": "อนุมัติ / เห็นชอบ", "return": "ส่งกลับแก้ไข", "reject": "ไม่อนุมัติ / ไม่เห็นชอบ"}
DECISIONS = tuple(DECISION_TH.items())


# --- forms -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One field of an action's form. `kind`: text, textarea, date, datetime, money, number,
    select, officer, officers, document (a registered document's id), document_ref (its id,
    reference and date, as budgeting takes it), file, check, lines (one item a line), many (a list
    of the options, ticked), rows (one item a line, its `columns` separated by "|" or, pasted from
    a spreadsheet, by tabs: a list of objects), table (the `columns` as inputs for each of the
    rows the page offers, `options` or the page's choices: a list of objects with the row's `key`
    and `label`, rows left blank left out)."""

    name: str
    label_th: str
    kind: str = "text"
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    path: str | None = None  # where in the command's JSON (dotted); default: the name
    hint: str = ""
    default: str = ""  # "today": today's date in Bangkok; "fiscal_year": this fiscal year (BE)
    role: str | None = None  # officer pickers: only active holders of this role
    columns: tuple[Field, ...] = ()  # rows and table: each item's fields (text, money, number,
    #                                  select: its value or its Thai text)

    @property
    def json_path(self) -> str:
        return self.path or self.name

    def initial(self) -> str:
        if self.default == "today":
            return bangkok_today().isoformat()
        if self.default == "fiscal_year":
            return str(fiscal_year_be(bangkok_today()))
        return self.default


@dataclass(frozen=True)
class Action:
    """One step a record's page offers; the service decides whether it is allowed."""

    name: str
    label_th: str
    path: str  # in the service's API, with {id}
    steps: frozenset[str] = frozenset()  # the record's steps at which it is offered (any if empty)
    fields: tuple[Field, ...] = ()
    roles: frozenset[str] = frozenset()  # also offered to these roles, not only to the holder
    fixed: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None  # body from the record
    route: Callable[[Mapping[str, Any]], str] | None = None  # the path, from the form's values
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # the body the route takes
    danger: bool = False
    confirm_th: str = ""
    if_match: bool = True  # a change to an existing record (creating one needs no If-Match)
    decision: bool = False
    method: str = "POST"
    step_field: str = "step"
    # Also offered to the officers the record names under these keys (an id or a list of ids:
    # a meeting's organiser and chair, a committee's members), whoever holds it now.
    named: tuple[str, ...] = ()

    # An opening (a form that creates a record: a case, a plan, a school) lands the officer on
    # the new record's page: its URL from the service's answer.
    lands_on: Callable[[Mapping[str, Any]], str] | None = None
    # The form's starting values from the record (a revision starts from the content as it is),
    # as the officer would type them.
    prefill: Callable[[Mapping[str, Any]], dict[str, str]] | None = None
    # An opening's options read from the services (the budget lines an allocation may go onto):
    # a record's page has them from its loader (`RecordView.choices`).
    choices: Callable[[Request, Session], Awaitable[Choices]] | None = None

    def offered(self, record: Mapping[str, Any], session: Session) -> bool:
        if self.lands_on is not None:  # nothing is held yet: offered by role
            return bool(self.roles & session.roles)
        if self.steps and str(record.get(self.step_field)) not in self.steps:
            return False
        return (holds_work(session, record.get("holder"), record)
                or bool(self.roles & session.roles) or self.names(record, session.officer_id))

    def names(self, record: Mapping[str, Any], officer_id: str) -> bool:
        for key in self.named:
            value = record.get(key)
            if value == officer_id or (isinstance(value, list | tuple) and officer_id in value):
                return True
        return False

    @property
    def needs_directory(self) -> bool:
        return any(f.kind in ("officer", "officers") for f in self.fields)

    @property
    def needs_documents(self) -> bool:
        return any(f.kind in ("document", "document_ref") for f in self.fields)

    @property
    def needs_rows(self) -> bool:
        """A table's rows are the page's (never the browser's): read again to run it."""
        return any(f.kind == "table" for f in self.fields)


Choices = dict[str, list[tuple[str, str]]]


def decision_fields(*, cites: str, decided_on: str = "decided_on", reason: str = "reason",
                    options: tuple[tuple[str, str], ...] = DECISIONS,
                    required_document: bool = False) -> tuple[Field, ...]:
    """The fields of a decision: approve, return or reject, the reason, the date, and the
    registered resolution it cites (`cites`: its place in the JSON, a document id or, for
    `…resolution`, the register's reference)."""
    kind = "document_ref" if cites.endswith("resolution") else "document"
    return (
        Field("decision", "ผลการพิจารณา", "select", required=True, options=options),
        Field(reason, "เหตุผล (ต้องระบุเมื่อส่งกลับหรือไม่อนุมัติ)", "textarea"),
        Field(decided_on, "วันที่พิจารณา", "date", required=True, default="today"),
        Field("resolution", "อ้างอิงมติหรือหนังสือที่ลงทะเบียนในระบบสารบรรณ", kind,
              required=required_document, path=cites,
              hint="เลือกจากหนังสือที่ระบบนี้ได้รับแจ้งจากงานสารบรรณแล้ว"),
    )


def typed(form: FormData, fields: Iterable[Field]) -> dict[str, str]:
    """What was typed, to show again beside a refusal (a list as its items joined by commas, a
    table's inputs each by its own name)."""
    values: dict[str, str] = {}
    for f in fields:
        if f.kind == "file":
            continue
        values[f.name] = (",".join(str(v) for v in form.getlist(f.name))
                          if f.kind in ("many", "officers") else str(form.get(f.name, "")))
        if f.kind == "table":
            values.update((k, str(v)) for k, v in form.multi_items()
                          if k.startswith(f"{f.name}."))
    return values


class FormProblem(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class CellProblems(ValueError):
    """A table's inputs that are wrong: the field's message, and each input's by its name."""

    def __init__(self, message: str, cells: dict[str, str]) -> None:
        super().__init__(message)
        self.cells = cells


def _money(value: str) -> str:
    text = value.replace(",", "").replace(" ", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("จำนวนเงินไม่ถูกต้อง (เช่น 1500.50)") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("จำนวนเงินต้องเป็นบาทและสตางค์ไม่เกิน 2 ตำแหน่ง")
    return text


def row_text(*cells: Any) -> str:
    """A row of a `rows` field as the officer types it (what a revision's form starts from)."""
    text = " | ".join("" if c is None else str(c) for c in cells)
    return text.rstrip(" |")


def _put(body: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        body = body.setdefault(part, {})
    body[parts[-1]] = value


def _cell(f: Field, text: str) -> Any:
    """One value of an item (a column of a `rows` line, an input of a `table` row)."""
    text = text.strip()
    if not text:
        if f.required:
            raise ValueError(f"ต้องระบุ{f.label_th}")
        return None
    if f.kind == "money":
        return _money(text)
    if f.kind == "number":
        number = text.replace(",", "")
        try:
            if not Decimal(number).is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise ValueError(f"{f.label_th}ต้องเป็นตัวเลข") from None
        return number
    if f.kind == "select":  # its value, its Thai text, or a part of the text one option has
        found = [value for value, label in f.options if text in (value, label)] or [
            value for value, label in f.options if text in label]
        if len(found) == 1:
            return found[0]
        raise ValueError(f"{f.label_th}: ไม่มี “{text}” (ใช้ได้: "
                         + ", ".join(label for _, label in f.options) + ")")
    return text


def _rows(f: Field, text: str) -> list[dict[str, Any]] | None:
    """A `rows` textarea: one item a line, its columns separated by "|" or, as pasted from a
    spreadsheet, by tabs (the last column takes the rest); the problems by line number."""
    items, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        item: dict[str, Any] = {}
        parts = line.split("\t" if "\t" in line and "|" not in line else "|",
                           max(len(f.columns) - 1, 0))
        for column, part in zip_longest(f.columns, parts, fillvalue=""):
            try:
                value = _cell(column, part)
            except ValueError as error:
                problems.append(f"บรรทัดที่ {number}: {error}")
                continue
            if value is not None:
                item[column.name] = value
        items.append(item)
    if problems:
        raise ValueError("; ".join(problems[:6]) + (" …" if len(problems) > 6 else ""))
    return items or None


def _table(f: Field, form: FormData, rows: Iterable[tuple[str, str]]) -> list[dict[str, Any]] | None:
    """A `table`'s inputs, row by row of those the page offered (others are not read); a row
    left blank is left out."""
    items, cells = [], {}
    for key, label in rows:
        typed_in = {c.name: str(form.get(f"{f.name}.{key}.{c.name}") or "") for c in f.columns}
        if not any(v.strip() for v in typed_in.values()):
            continue
        item: dict[str, Any] = {"key": key, "label": label}
        for column in f.columns:
            try:
                value = _cell(column, typed_in[column.name])
            except ValueError as error:
                cells[f"{f.name}.{key}.{column.name}"] = f"{label}: {error}"
                continue
            if value is not None:
                item[column.name] = value
        items.append(item)
    if cells:
        raise CellProblems("; ".join(list(cells.values())[:6]), cells)
    return items or None


async def build_body(request: Request, session: Session, service: str, action: Action,
                     form: FormData, record: Mapping[str, Any],
                     choices: Choices | None = None) -> dict[str, Any]:
    """The command's JSON from the form; a value the portal can tell is wrong is a field error.
    `choices`: the rows a table offered (the page's, read again)."""
    body: dict[str, Any] = dict(action.fixed(record)) if action.fixed else {}
    errors: dict[str, str] = {}
    for f in action.fields:
        raw = form.get(f.name)
        try:
            if f.kind == "table":
                value = _table(f, form, f.options or (choices or {}).get(f.name, ()))
            else:
                value = await _value(request, session, service, f, form, raw)
        except ValueError as error:
            errors[f.name] = str(error)
            errors.update(getattr(error, "cells", {}))
            continue
        if value is None:
            if f.required:
                errors[f.name] = "ต้องระบุ"
            continue
        _put(body, f.json_path, value)
    if errors:
        raise FormProblem(errors)
    return action.shape(body) if action.shape else body


async def _value(request: Request, session: Session, service: str, f: Field, form: FormData,
                 raw: Any) -> Any:
    if f.kind in ("officers", "many"):
        chosen = [str(v).strip() for v in form.getlist(f.name) if str(v).strip()]
        return chosen or None
    if f.kind == "check":
        return raw is not None and str(raw) not in ("", "false", "0")
    if f.kind == "file":
        if not isinstance(raw, UploadFile) or not raw.filename:
            return None
        content = await raw.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise ValueError("ไฟล์ใหญ่เกิน 10 MB")
        return {"name": raw.filename, "media_type": raw.content_type or "application/octet-stream",
                "content_base64": base64.b64encode(content).decode()}
    text = str(raw or "").strip()
    if not text:
        return None
    if f.kind == "money":
        return _money(text)
    if f.kind == "datetime":  # the browser's local date and time, read as Bangkok's
        return f"{text}:00+07:00" if len(text) == 16 else text
    if f.kind == "number":
        return text.replace(",", "")
    if f.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if f.kind == "rows":
        return _rows(f, str(raw))
    if f.kind == "document_ref":
        try:  # the register's reference and date, as this service learned them
            known = (await portal_of(request).services.get(
                service, f"/registered-documents/{text}", actor=session.officer_id)).data
        except Refused:
            raise ValueError("ระบบนี้ยังไม่ได้รับแจ้งหนังสือฉบับนี้จากงานสารบรรณ") from None
        return {"document_id": text, "reference": known.get("reference") or "",
                "dated": known.get("dated") or known.get("signed_on")}
    return text


# --- what a page shows -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    label_th: str
    format: str = "text"  # text, baht, date, datetime, int, link (the row's `href`), badge


@dataclass
class Table:
    caption: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    footer: dict[str, Any] | None = None  # e.g. the total
    id: str = ""
    empty_th: str = "ไม่มีรายการ"

    def __post_init__(self) -> None:
        if not self.id:  # a stable id for the heading the section is labelled by
            self.id = "t-" + hashlib.sha1(self.caption.encode()).hexdigest()[:8]


@dataclass
class RecordView:
    service: str
    kind: str  # the page's kind (its key in the registry)
    kind_th: str
    title: str
    url: str
    record: dict[str, Any]
    etag: str | None = None
    badges: list[tuple[str, str]] = field(default_factory=list)  # text, css class
    facts: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # heading, text
    links: list[tuple[str, str]] = field(default_factory=list)  # href, label
    history: list[dict[str, Any]] | None = None  # {what, who, at, details: [str]}
    problems: list[str] = field(default_factory=list)  # parts that could not be read
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # a form's options
    people: list[tuple[str, list[str]]] = field(default_factory=list)  # label, officer ids

    @property
    def record_id(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]


Loader = Callable[[Request, Session, str], Awaitable[RecordView]]


@dataclass(frozen=True)
class RecordPage:
    service: str
    kind: str
    load: Loader
    actions: tuple[Action, ...] = ()
    openings: tuple[Action, ...] = ()  # the forms that create a record of this kind

    def opening(self, name: str) -> Action | None:
        return next((a for a in self.openings if a.name == name), None)

    def opening_links(self, session: Session, back: str) -> list[tuple[str, str]]:
        """The list page's buttons to the openings this officer may use (`back`: the list)."""
        return [(f"/new/{self.service}/{self.kind}/{a.name}?{urlencode({'from': back})}",
                 a.label_th) for a in self.openings if a.offered({}, session)]


REGISTRY: dict[str, RecordPage] = {}


def register(page: RecordPage) -> RecordPage:
    REGISTRY[f"{page.service}/{page.kind}"] = page
    return page


def go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def nonce_of(form: FormData) -> str:
    """The form's own Idempotency-Key (a fresh one if the form came without a usable nonce)."""
    value = str(form.get("form_nonce", ""))
    if 8 <= len(value) <= 80 and value.replace("-", "").replace("_", "").isalnum():
        return value
    return secrets.token_urlsafe(18)


async def directory(request: Request, session: Session | None) -> list[dict[str, Any]]:
    """The staff directory (names on pages, the people a form can name)."""
    try:
        items, _ = await portal_of(request).services.every(
            "correspondence", "/officers", actor=session.officer_id if session else None)
    except (Refused, Unavailable):
        return []
    return items


def names_of(officers: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {str(o["officer_id"]): str(o["name_th"]) for o in officers}


async def registered_documents(request: Request, session: Session,
                               service: str) -> list[tuple[str, str]]:
    """The documents a service can cite (a resolution picker): the newest first, with their
    register reference and date; subjects as correspondence shows them to this officer."""
    services = portal_of(request).services
    try:
        page = await services.page(service, "/registered-documents", actor=session.officer_id,
                                   limit=100, params={"citable": "true"})
    except (Refused, Unavailable):
        return []
    documents = list(reversed(page.items))[:30]

    async def subject(document_id: str) -> str:
        try:
            found = (await services.get("correspondence", f"/documents/{document_id}",
                                        actor=session.officer_id)).data
        except (Refused, Unavailable):
            return ""
        return str(found.get("subject") or "")

    subjects = await asyncio.gather(*(subject(d["document_id"]) for d in documents))
    return [(d["document_id"],
             " · ".join(x for x in (d.get("reference") or "", thai_date(d.get("dated")), s) if x))
            for d, s in zip(documents, subjects, strict=True)]


async def form_options(request: Request, session: Session, service: str,
                       actions: Iterable[Action]) -> dict[str, Any]:
    """The staff directory (every page names people) and, where a form cites one, the registered
    documents the service can cite."""
    needed = list(actions)
    documents: list[tuple[str, str]] = []
    people, documents = await asyncio.gather(
        directory(request, session),
        registered_documents(request, session, service)
        if any(a.needs_documents for a in needed) else _nothing())
    return {"people": [o for o in people if o.get("active", True)], "documents": documents,
            "names": names_of(people)}


async def _nothing() -> list[Any]:
    return []


async def record_context(request: Request, session: Session, page: RecordPage,
                         view: RecordView, **context: Any) -> dict[str, Any]:
    """What a record's forms need: the actions offered now (a refused one stays, beside its
    reason), the people and documents they may name, where to go back to afterwards."""
    actions = [a for a in page.actions if a.offered(view.record, session)]
    failed = next((a for a in page.actions if a.name == context.get("failed")), None)
    if failed is not None and failed not in actions:
        actions.insert(0, failed)
    actions.sort(key=lambda a: not a.decision)
    prefills = {a.name: a.prefill(view.record) for a in actions if a.prefill}
    # What was just done: one of the record's actions, or the opening that created it.
    done = next((a for a in (*page.actions, *page.openings)
                 if a.name == request.query_params.get("done")), None)
    options = {**await form_options(request, session, page.service, actions),
               "choices": view.choices}
    back = context.pop("return_to", None) or request.query_params.get("from") or view.url
    return {"view": view, "actions": actions, "options": options, "names": options["names"],
            "action_base": f"/act/{page.service}/{page.kind}/{view.record_id}", "done": done,
            "return_to": safe_next(back), "prefills": prefills, **context}


async def show_record(request: Request, session: Session, page: RecordPage, record_id: str,
                      status: int = 200, **context: Any) -> Response:
    try:
        view = await page.load(request, session, record_id)
    except Unavailable as error:
        return render(request, "error.html", status_code=503, message=error.message_th)
    except Refused as error:
        return render(request, "error.html", status_code=error.status, message=error.message_th)
    return render(request, "record.html", status_code=status,
                  **await record_context(request, session, page, view, **context))


async def show_opening(request: Request, session: Session, page: RecordPage, action: Action,
                       status: int = 200, **context: Any) -> Response:
    """An opening's form on a page of its own (what a refusal re-renders, with what was typed)."""
    if not action.offered({}, session):
        return render(request, "error.html", status_code=403,
                      message="ตำแหน่งหรือบทบาทของท่านไม่มีสิทธิ์เปิดเรื่องนี้")
    back = context.pop("return_to", None) or request.query_params.get("from") or "/"
    options = {**await form_options(request, session, page.service, [action]),
               "choices": await action.choices(request, session) if action.choices else {}}
    return render(request, "record_new.html", status_code=status, action=action,
                  nav=page.service, options=options, names=options["names"],
                  action_base=f"/act/{page.service}/{page.kind}/{NEW}", form_heading=2,
                  return_to=safe_next(back), **context)


NEW = "new"  # the record id an opening's form posts to: the record does not exist yet


async def run_action(request: Request, session: Session, service: str, kind: str,
                     record_id: str, action_name: str) -> Response:
    page = REGISTRY.get(f"{service}/{kind}")
    opening = page.opening(action_name) if page and record_id == NEW else None
    action = opening or (next((a for a in page.actions if a.name == action_name), None)
                         if page else None)
    if page is None or action is None:
        return render(request, "error.html", status_code=404, message="ไม่พบขั้นตอนนี้")
    if opening is not None:
        return await _open(request, session, page, opening)
    form = await request.form()
    values = typed(form, action.fields)
    back = safe_next(str(form.get("return_to", "")) or None)
    kept = {"return_to": back}
    services = portal_of(request).services
    try:
        view = (await page.load(request, session, record_id)
                if action.fixed or action.needs_rows else None)
        body = await build_body(request, session, service, action, form,
                                view.record if view else {}, view.choices if view else None)
        path = (action.route(values) if action.route else action.path).format(id=record_id)
        # The officer is the session's, whatever the form says; If-Match is the version the
        # officer saw; the form's nonce makes a double submit record once.
        await services.command(service, path, actor=session.officer_id, body=body,
                               idempotency_key=nonce_of(form), method=action.method,
                               if_match=(str(form.get("version", "")) or None)
                               if action.if_match else None)
    except FormProblem as problem:
        return await show_record(request, session, page, record_id, 422, failed=action.name,
                                 alert="โปรดตรวจสอบข้อมูลที่กรอก", errors=problem.errors,
                                 values=values, **kept)
    except (Refused, Unavailable) as error:
        return await show_record(request, session, page, record_id,
                                 getattr(error, "status", 503), failed=action.name,
                                 alert=error.message_th, errors=getattr(error, "fields", {}),
                                 values=values, **kept)
    separator = "&" if "?" in back else "?"
    return go(f"{back}{separator}{urlencode({'done': action.name, 'record': record_id})}")


async def _open(request: Request, session: Session, page: RecordPage, action: Action) -> Response:
    """Create a record from an opening's form; the officer lands on its page, or sees the form
    again with the service's reason and what was typed."""
    form = await request.form()
    values = typed(form, action.fields)
    kept = {"return_to": str(form.get("return_to", "")) or None}
    if not action.offered({}, session):
        return await show_opening(request, session, page, action)
    try:
        choices = (await action.choices(request, session)
                   if action.choices and action.needs_rows else None)
        body = await build_body(request, session, page.service, action, form, {}, choices)
        path = action.route(values) if action.route else action.path
        answer = await portal_of(request).services.command(
            page.service, path, actor=session.officer_id, body=body,
            idempotency_key=nonce_of(form), method=action.method)
    except FormProblem as problem:
        return await show_opening(request, session, page, action, 422,
                                  alert="โปรดตรวจสอบข้อมูลที่กรอก", errors=problem.errors,
                                  values=values, **kept)
    except (Refused, Unavailable) as error:
        return await show_opening(request, session, page, action,
                                  getattr(error, "status", 503), alert=error.message_th,
                                  errors=getattr(error, "fields", {}), values=values, **kept)
    landing = action.lands_on(answer.data or {}) if action.lands_on else safe_next(None)
    separator = "&" if "?" in landing else "?"
    return go(f"{landing}{separator}{urlencode({'done': action.name})}")


def create_router() -> PageRouter:
    """The one route every record's actions post to, and the pages of the forms that open one."""
    router = PageRouter(dependencies=[Depends(load_session)])

    @router.get("/new/{service}/{kind}/{action}")
    async def new(request: Request, service: str, kind: str, action: str,
                  session: Session = Depends(signed_in)) -> Response:
        page = REGISTRY.get(f"{service}/{kind}")
        opening = page.opening(action) if page else None
        if page is None or opening is None:
            return render(request, "error.html", status_code=404, message="ไม่พบแบบฟอร์มนี้")
        return await show_opening(request, session, page, opening)

    @router.post("/act/{service}/{kind}/{record_id}/{action}", dependencies=[Depends(check_csrf)])
    async def act(request: Request, service: str, kind: str, record_id: str, action: str,
                  session: Session = Depends(signed_in)) -> Response:
        return await run_action(request, session, service, kind, record_id, action)

    return router


# --- lists ------------------------------------------------------------------------------------------
@dataclass
class ListView:
    title: str
    nav: str
    table: Table
    filters: list[Field] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    total: int | None = None
    next_url: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)
    problem: str | None = None
    intro: str = ""


async def list_page(request: Request, session: Session, service: str, path: str, *,
                    params: Mapping[str, Any], q: str = "", search: Iterable[str] = (),
                    limit: int = LIST_LIMIT) -> tuple[Page | None, str | None]:
    """One page of a service's list for the officer; (None, the Thai reason) when it cannot."""
    cursor = request.query_params.get("cursor")
    try:
        page = await portal_of(request).services.page(
            service, path, actor=session.officer_id, limit=limit, cursor=cursor, q=q,
            search=search, params={k: v for k, v in params.items() if v not in (None, "")})
    except (Refused, Unavailable) as error:
        return None, error.message_th
    return page, None


def next_url(request: Request, page: Page | None) -> str | None:
    if page is None or not page.next_cursor:
        return None
    query = {k: v for k, v in request.query_params.items() if k != "cursor"}
    query["cursor"] = page.next_cursor
    return f"{request.url.path}?{urlencode(query)}"


def show_list(request: Request, view: ListView) -> Response:
    return render(request, "record_list.html", view=view, nav=view.nav)


# --- histories ---------------------------------------------------------------------------------------
WHY_FIELDS = ("reason", "reason_th", "comments", "note", "summary_th", "decision")


async def handed_over(request: Request, session: Session, service: str, path: str,
                      filename: str, *, params: Mapping[str, Any] | None = None) -> Response:
    """A service's file (a PDF, a workbook, a CSV export) passed to the browser as it came, named
    by the service's Content-Disposition or else `filename`; a refusal or an absent service is
    the portal's Thai error page."""
    try:
        file = await portal_of(request).services.download(service, path,
                                                          actor=session.officer_id, params=params)
    except (Refused, Unavailable) as error:
        return render(request, "error.html", status_code=getattr(error, "status", 503),
                      message=error.message_th)
    return Response(file.content, media_type=file.media_type, headers={
        "Content-Disposition": file.disposition or content_disposition(filename)})


def events_timeline(entries: Iterable[Mapping[str, Any]],
                    words: Mapping[str, str]) -> list[dict[str, Any]]:
    """A service's own history of a record (`event`, `at`, `actor`, `data`) as a timeline."""
    timeline = []
    for entry in entries:
        data = entry.get("data") or {}
        details = [f"{DETAIL_TH.get(k, k)}: {DECISION_TH.get(str(data[k]), data[k])}"
                   for k in WHY_FIELDS if isinstance(data, Mapping) and data.get(k)]
        timeline.append({"what": words.get(str(entry.get("event")), str(entry.get("event"))),
                         "who": entry.get("actor"), "at": entry.get("at"), "details": details})
    return timeline


DETAIL_TH = {"reason": "เหตุผล", "reason_th": "เหตุผล", "comments": "ความเห็น", "note": "หมายเหตุ",
             "summary_th": "สรุป", "decision": "ผลการพิจารณา"}


async def board_timeline(request: Request, session: Session, service: str,
                         subject: str) -> tuple[list[dict[str, Any]] | None, str | None]:
    """A case's history as monitoring's board observed it (who, when, which step): for records
    whose service keeps no history route of its own."""
    services = portal_of(request).services
    try:
        case = (await services.get("monitoring", f"/cases/by-subject/{service}/{subject}",
                                   actor=session.officer_id)).data
        entries = await services.items("monitoring", f"/cases/{case['case_id']}/history",
                                       actor=session.officer_id)
    except Refused:
        return [], None
    except Unavailable as error:
        return None, f"ประวัติ: {error.message_th}"
    return [{"what": (e.get("status") or {}).get("step_th") or e.get("event_type"),
             "who": e.get("actor"), "at": e.get("time"), "details": []} for e in entries], None
