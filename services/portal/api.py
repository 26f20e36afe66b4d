"""The portal's pages, assembled, and how a page answers what went wrong: in Thai, as a page (or,
for htmx, as a redirect header), never as JSON. The auditors' API (`/audit/*`, scope
`portal:audit`), the token endpoint and `/health` come with `shared.runtime.create_http_app`, as on
every service."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.portal import (
    pages_accounts,
    pages_auditor,
    pages_budgeting,
    pages_coordination,
    pages_decisions,
    pages_directory,
    pages_monitoring,
    pages_news_meetings,
    pages_planning,
    pages_restructuring,
    pages_saraban,
    pages_saraban_records,
    pages_signin,
    pages_work,
    records,
)
from services.portal.security import (
    AuditorsReadOnly,
    CsrfRefused,
    PageRouter,
    SignInRequired,
    TooLarge,
    portal_of,
    record_refusal,
)
from services.portal.views import render
from shared.http.problems import http_problem

FONTS = frozenset({"Sarabun-Regular.ttf", "Sarabun-Bold.ttf", "OFL.txt"})
PAGE_PREFIXES = ("/audit/", "/admin/", "/oauth/", "/openapi.json", "/docs", "/health")


def create_routers() -> list[APIRouter]:
    fonts = PageRouter()

    @fonts.get("/fonts/{name}")
    def font(request: Request, name: str) -> Response:
        if name not in FONTS:
            return Response(status_code=404)
        media = "font/ttf" if name.endswith(".ttf") else "text/plain; charset=utf-8"
        return FileResponse(portal_of(request).settings.font_dir / name, media_type=media,
                            headers={"Cache-Control": "public, max-age=86400"})

    return [pages_signin.create_router(), pages_work.create_router(),
            pages_decisions.create_router(), pages_saraban.create_router(),
            pages_saraban_records.create_router(), pages_news_meetings.create_router(),
            pages_coordination.create_router(), pages_planning.create_router(),
            pages_budgeting.create_router(),
            pages_restructuring.create_router(),
            pages_monitoring.create_router(), pages_directory.create_router(),
            pages_auditor.create_router(), pages_accounts.create_router(),
            records.create_router(), fonts]


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(PAGE_PREFIXES)


def install_page_handlers(api: FastAPI) -> None:
    @api.exception_handler(SignInRequired)
    async def on_sign_in_required(request: Request, exc: SignInRequired) -> Response:
        if request.headers.get("hx-request"):  # htmx follows this header with a full page load
            return Response(status_code=204, headers={"HX-Redirect": exc.target})
        return RedirectResponse(exc.target, status_code=303)

    @api.exception_handler(AuditorsReadOnly)
    async def on_auditor(request: Request, exc: AuditorsReadOnly) -> Response:
        if request.method in ("GET", "HEAD"):  # an auditor's pages are the auditor's
            if request.headers.get("hx-request"):
                return Response(status_code=204, headers={"HX-Redirect": "/auditor"})
            return RedirectResponse("/auditor", status_code=303)
        await record_refusal(request, 403, "auditor-writes-nothing")
        return render(request, "error.html", status_code=403,
                      message="ผู้ตรวจสอบอ่านได้อย่างเดียว ไม่มีการบันทึกข้อมูลใด")

    @api.exception_handler(CsrfRefused)
    async def on_csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return render(request, "error.html", status_code=403,
                      message="แบบฟอร์มนี้หมดอายุหรือไม่ได้มาจากพอร์ทัล โปรดโหลดหน้าใหม่แล้วลองอีกครั้ง "
                              "(ไม่มีการบันทึกข้อมูลใด)")

    @api.exception_handler(TooLarge)
    async def on_too_large(request: Request, exc: TooLarge) -> Response:
        return render(request, "error.html", status_code=413,
                      message="ข้อมูลหรือไฟล์ที่ส่งมีขนาดใหญ่เกินไป (ไฟล์ละไม่เกิน 10 MB ไม่เกิน 20 ไฟล์)")

    @api.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not _is_page(request):
            response = http_problem(exc.status_code,
                                    detail=str(exc.detail) if exc.detail else None)
            for key, value in (exc.headers or {}).items():
                response.headers[key] = value
            return response
        message = {404: "ไม่พบหน้าที่ต้องการ", 405: "ไม่รองรับวิธีการเรียกหน้านี้"}.get(
            exc.status_code, "ดำเนินการไม่สำเร็จ")
        return render(request, "error.html", status_code=exc.status_code, message=message)
