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
