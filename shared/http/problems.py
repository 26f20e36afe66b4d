"""RFC 9457 problem details for every error a service answers, titled in Thai and English.

One error handler for the whole system: validation errors, domain rule violations, unknown routes and
anything unexpected all leave as `application/problem+json`; bad input never becomes a 500.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.domain import DomainError
from shared.logging import get_logger

PROBLEM_TYPE_BASE = "https://esa.example/problems/"
MEDIA_TYPE = "application/problem+json"

_HTTP_TITLES: dict[int, tuple[str, str]] = {
    400: ("คำขอไม่ถูกต้อง", "Bad request"),
    401: ("ต้องยืนยันตัวตน", "Authentication required"),
    403: ("ไม่มีสิทธิ์", "Forbidden"),
    404: ("ไม่พบข้อมูล", "Not found"),
    405: ("ไม่รองรับวิธีการนี้", "Method not allowed"),
    406: ("ไม่รองรับรูปแบบที่ขอ", "Not acceptable"),
    409: ("ขัดแย้งกับสถานะปัจจุบัน", "Conflict"),
    412: ("ข้อมูลถูกแก้ไขไปแล้ว", "Precondition failed"),
    413: ("ข้อมูลมีขนาดใหญ่เกินไป", "Content too large"),
    415: ("ไม่รองรับชนิดข้อมูลนี้", "Unsupported media type"),
    422: ("ข้อมูลไม่ถูกต้อง", "Invalid input"),
    428: ("ต้องระบุเวอร์ชันที่อ่าน (If-Match)", "Precondition required"),
    429: ("คำขอมากเกินไป", "Too many requests"),
    500: ("ระบบขัดข้อง", "Internal error"),
    503: ("ระบบยังไม่พร้อมให้บริการ", "Service unavailable"),
}

log = get_logger(__name__)


def problem_response(
    status: int,
    code: str,
    title_th: str,
    title_en: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": f"{title_th} / {title_en}",
        "title_th": title_th,
        "title_en": title_en,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def http_problem(status: int, code: str | None = None, detail: str | None = None) -> JSONResponse:
    title_th, title_en = _HTTP_TITLES.get(status, _HTTP_TITLES[400 if status < 500 else 500])
    return problem_response(status, code or f"http-{status}", title_th, title_en, detail)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        errors.append(
            {
                "field": ".".join(str(part) for part in error.get("loc", ()) if part != "body"),
                "message": error.get("msg", ""),
                "type": error.get("type", ""),
            }
        )
    return errors


def domain_problem(request: Request, exc: DomainError) -> JSONResponse:
    log.info("command refused", code=exc.code, status=exc.status, path=request.url.path)
    return problem_response(
        exc.status,
        exc.code,
        exc.title_th,
        exc.title_en,
        exc.detail,
        instance=request.url.path,
        **exc.extra,
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            422,
            "validation-error",
            "ข้อมูลไม่ถูกต้อง",
            "Invalid input",
            "One or more fields are missing or invalid",
            instance=request.url.path,
            errors=_field_errors(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = http_problem(exc.status_code, detail=str(exc.detail) if exc.detail else None)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", path=request.url.path)
        return http_problem(500, "internal-error", "The error was logged with its trace id")


# --- what every route may answer, declared in the OpenAPI document ---------------------------------
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details, titled in Thai and English",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string", "description": "Thai / English"},
        "title_th": {"type": "string"},
        "title_en": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Stable machine code, e.g. role-required"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "additionalProperties": True,
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# The dependencies of `shared.http.conditional` that read If-Match (required, or once it exists).
IF_MATCH_DEPENDENCIES = frozenset({"require_if_match", "optional_if_match"})


def problem_statuses(*, public: bool, changes_state: bool, has_path_params: bool,
                     needs_if_match: bool, has_body: bool) -> dict[int, str]:
    """The statuses a route can answer besides its success, and why (one rule for every route)."""
    statuses: dict[int, str] = {
        400: "The request cannot be read",
        404: "Not found (or not known to this service: unknown-officer)",
        422: "Invalid input: fields, or a rule of the procedure",
        503: ("Not available yet: the lists are catching up with the records, the service is not "
              "connected to what it needs, or it stopped trusting its own history"),
    }
    if not public:
        statuses.update({
            401: "No valid access token",
            403: "Not allowed: the token's scope, the officer's role (decision rights), clearance "
                 "or need to know",
            409: "The request does not fit the record's current state",
            429: "Too many requests (Retry-After)"})
    if changes_state and has_body:
        statuses[413] = "The request body is too large"
        statuses[415] = "Unsupported media type"
    if needs_if_match:
        statuses[412] = "If-Match names a version that is no longer current"
        statuses[428] = "If-Match is required to change an existing record"
    return statuses


def declare_problem_responses(schema: dict[str, Any], routes: list[Any],
                              is_public: Any, sse_paths: set[str]) -> dict[str, Any]:
    """Complete an OpenAPI document: every operation lists the problems it can answer, as
    `application/problem+json`; an event stream is described as `text/event-stream`."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for route in routes:
        path = getattr(route, "path", None)
        operations = schema.get("paths", {}).get(path)
        if not operations:
            continue
        for method in getattr(route, "methods", ()):
            operation = operations.get(method.lower())
            if operation is None:
                continue
            dependencies = _dependency_calls(route.dependant)
            statuses = problem_statuses(
                public=is_public(method, route), changes_state=method not in ("GET", "HEAD"),
                has_path_params=bool(route.dependant.path_params),
                needs_if_match=any(getattr(call, "__name__", "") in IF_MATCH_DEPENDENCIES
                                   for call in dependencies),
                has_body=route.dependant.body_params != [])
            responses = operation.setdefault("responses", {})
            for status, description in sorted(statuses.items()):
                existing = responses.get(str(status), {})
                responses[str(status)] = {
                    "description": existing.get("description") or description,
                    "content": {MEDIA_TYPE: {"schema": _PROBLEM_REF}}}
            if path in sse_paths and "200" in responses:
                responses["200"] = {"description": "Server-Sent Events, one per status change",
                                    "content": {"text/event-stream": {"schema": {"type": "string"}}}}
    return schema


def _dependency_calls(dependant: Any) -> list[Any]:
    calls = []
    for dependency in dependant.dependencies:
        calls.append(dependency.call)
        calls.extend(_dependency_calls(dependency))
    return calls
