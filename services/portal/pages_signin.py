"""Signing in and out, and the officer's own account: password, the TOTP step, choosing a new
password after a one-time one, enrolling a second factor (QR drawn here, as inline SVG), signing
out here or everywhere, and OpenID Connect where the office has a provider."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import quote

import segno
from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.portal.application import (
    CodeRefused,
    DirectoryEntry,
    OfficerInactive,
    SignInRefused,
    WrongStage,
)
from services.portal.credentials import WeakPassword
from services.portal.domain import AccountLocked, Stage, TooSoon
from services.portal.oidc import (
    CALLBACK_PATH,
    OidcRefused,
    officer_id_from_claims,
    provider_did_mfa,
)
from services.portal.security import (
    PageRouter,
    at_stage,
    check_csrf,
    cookie_header,
    cookie_names,
    load_session,
    portal_of,
    queue_cookie,
    record_refusal,
    safe_next,
    signed_in,
)
from services.portal.service_client import Refused, Unavailable
from services.portal.sessions import Session
from services.portal.views import render
from shared.domain import DomainError
from shared.thaitime import format_thai_datetime

OFFICER_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
STAGE_PAGES = {Stage.second_factor: "/signin/code", Stage.change_password: "/signin/new-password",
               Stage.enrol: "/signin/enrol"}
OIDC_COOKIE = "esa_portal_oidc"


def _remote(request: Request) -> str | None:
    return request.client.host if request.client else None


def _go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _with_session(request: Request, session: Session | None, target: str) -> RedirectResponse:
    """Redirect with the session cookie set to `session` (or cleared)."""
    settings = portal_of(request).settings
    name, _ = cookie_names(settings.portal_secure_cookies)
    secure = settings.portal_secure_cookies
    queue_cookie(request, cookie_header(name, session.raw_id, secure=secure) if session
                 else cookie_header(name, "", secure=secure, max_age=0))
    return _go(target)


def _after(request: Request, session: Session, next_path: str) -> RedirectResponse:
    page = STAGE_PAGES.get(session.stage)
    target = f"{page}?next={quote(next_path, safe='')}" if page else safe_next(next_path)
    return _with_session(request, session, target)


def qr_svg(uri: str) -> str:
    """The enrolment URI as a QR code, inline SVG drawn here (no outside service sees the seed)."""
    return segno.make(uri, error="m").svg_inline(scale=4, title="คิวอาร์โค้ดสำหรับแอปยืนยันตัวตน",
                                                 svgclass="qr", border=2)


def _grouped(seed: str) -> str:
    return " ".join(seed[i:i + 4] for i in range(0, len(seed), 4))


async def _directory_entry(request: Request, officer_id: str) -> DirectoryEntry | None:
    """The officer as the directory lists them now; None when it cannot say (down, or unknown)."""
    try:
        answer = await portal_of(request).services.get("correspondence",
                                                       f"/officers/{officer_id}", actor=None)
    except (Refused, Unavailable):
        return None
    return DirectoryEntry.of(answer.data)


def create_router() -> PageRouter:
    router = PageRouter(dependencies=[Depends(load_session)])
    csrf = [Depends(check_csrf)]

    @router.get("/signin")
    async def signin_page(request: Request, next: str = "/") -> Response:  # noqa: A002
        session: Session | None = request.state.session
        if session is not None and session.signed_in:
            return _go(safe_next(next))
        return render(request, "signin.html", next=safe_next(next),
                      oidc=portal_of(request).oidc is not None)

    @router.post("/signin", dependencies=csrf)
    async def signin(request: Request) -> Response:
        portal = portal_of(request)
        form = await request.form()
        officer_id = str(form.get("officer_id", "")).strip()
        password = str(form.get("password", ""))
        next_path = safe_next(str(form.get("next", "/")))

        def refuse(message: str, status: int) -> Response:
            return render(request, "signin.html", status_code=status, next=next_path,
                          oidc=portal.oidc is not None, alert=message,
                          values={"officer_id": officer_id})

        if not OFFICER_ID.match(officer_id) or not password:
            return refuse("กรุณากรอกรหัสเจ้าหน้าที่และรหัสผ่าน", 422)
        officer = await _directory_entry(request, officer_id)
        try:
            session = await asyncio.to_thread(portal.app.check_password, officer_id, password,
                                              remote=_remote(request), officer=officer)
        except SignInRefused as refused:
            if refused.extra.get("reason") == "unknown-account":
                await record_refusal(request, 401, "sign-in-unknown-account")
            return refuse(refused.title_th, 401)
        except AccountLocked as locked:
            until = portal.app.account(officer_id).locked_until  # type: ignore[union-attr]
            return refuse(f"{locked.title_th} จนถึง {format_thai_datetime(until)} "
                          "หรือจนกว่าผู้อำนวยการจะปลดล็อก", 423)
        except TooSoon as soon:
            return refuse(f"{soon.title_th} (อีก {soon.extra['retry_after_seconds']} วินาที)", 429)
        except OfficerInactive as inactive:
            return refuse(inactive.title_th, 403)
        except DomainError as error:  # e.g. two tries racing on the account: try again
            return refuse(error.title_th, error.status)
        previous: Session | None = request.state.session
        if previous is not None:
            await asyncio.to_thread(portal.app.sessions.delete, previous.raw_id)
        return _after(request, session, next_path)

    @router.get("/signin/code")
    async def code_page(request: Request, next: str = "/",  # noqa: A002
                        session: Session = Depends(at_stage(Stage.second_factor))) -> Response:
        return render(request, "signin_code.html", next=safe_next(next))

    @router.post("/signin/code", dependencies=csrf)
    async def code(request: Request,
                   session: Session = Depends(at_stage(Stage.second_factor))) -> Response:
        portal = portal_of(request)
        form = await request.form()
        next_path = safe_next(str(form.get("next", "/")))
        try:
            new = await asyncio.to_thread(portal.app.check_second_factor, session,
                                          str(form.get("code", "")), remote=_remote(request))
        except (CodeRefused, AccountLocked, TooSoon) as refused:
            status = 423 if isinstance(refused, AccountLocked) else 401
            return render(request, "signin_code.html", status_code=status, next=next_path,
                          alert=refused.title_th)
        return _after(request, new, next_path)

    @router.get("/signin/new-password")
    async def new_password_page(request: Request, next: str = "/",  # noqa: A002
                                session: Session = Depends(at_stage(Stage.change_password))
                                ) -> Response:
        return render(request, "signin_new_password.html", next=safe_next(next))

    @router.post("/signin/new-password", dependencies=csrf)
    async def new_password(request: Request,
                           session: Session = Depends(at_stage(Stage.change_password))
                           ) -> Response:
        portal = portal_of(request)
        form = await request.form()
        next_path = safe_next(str(form.get("next", "/")))
        first, again = str(form.get("new_password", "")), str(form.get("new_password_again", ""))
        if first != again:
            return render(request, "signin_new_password.html", status_code=422, next=next_path,
                          errors={"new_password_again": "รหัสผ่านทั้งสองช่องไม่ตรงกัน"})
        try:
            new = await asyncio.to_thread(portal.app.set_new_password, session, first,
                                          remote=_remote(request))
        except WeakPassword as weak:
            return render(request, "signin_new_password.html", status_code=422, next=next_path,
                          errors={"new_password": weak.title_th})
        return _after(request, new, next_path)

    async def enrolment_context(request: Request, session: Session) -> dict[str, str]:
        seed = await asyncio.to_thread(portal_of(request).app.enrolment_seed, session)
        uri = portal_of(request).app.credentials.provisioning_uri(seed, session.officer_id)
        return {"qr": qr_svg(uri), "secret": _grouped(seed)}

    @router.get("/signin/enrol")
    async def enrol_page(request: Request, next: str = "/",  # noqa: A002
                         session: Session = Depends(at_stage(Stage.enrol))) -> Response:
        return render(request, "signin_enrol.html", next=safe_next(next),
                      **await enrolment_context(request, session))

    @router.post("/signin/enrol", dependencies=csrf)
    async def enrol(request: Request,
                    session: Session = Depends(at_stage(Stage.enrol))) -> Response:
        portal = portal_of(request)
        form = await request.form()
        next_path = safe_next(str(form.get("next", "/")))
        try:
            new = await asyncio.to_thread(portal.app.confirm_enrolment, session,
                                          str(form.get("code", "")), remote=_remote(request))
        except (CodeRefused, AccountLocked, TooSoon) as refused:
            return render(request, "signin_enrol.html", status_code=401, next=next_path,
                          alert=refused.title_th, **await enrolment_context(request, session))
        return _after(request, new, next_path)

    @router.post("/signout", dependencies=csrf)
    async def signout(request: Request) -> Response:
        session: Session | None = request.state.session
        if session is not None:
            await asyncio.to_thread(portal_of(request).app.sign_out, session)
        return _with_session(request, None, "/signin?signed_out=1")

    # --- the officer's own account --------------------------------------------------------------
    async def account_page(request: Request, session: Session, status: int = 200,
                           **context: object) -> Response:
        portal = portal_of(request)
        account = await asyncio.to_thread(portal.app.account, session.officer_id)
        extra: dict[str, object] = {}
        if account is not None and not account.second_factor:
            extra = await enrolment_context(request, session)
        sessions = await asyncio.to_thread(portal.app.sessions.count, session.account_id)
        return render(request, "my_account.html", status_code=status, account=account,
                      open_sessions=sessions, **extra, **context)

    @router.get("/account")
    async def my_account(request: Request, session: Session = Depends(signed_in)) -> Response:
        return await account_page(request, session, done=request.query_params.get("done"))

    @router.post("/account/password", dependencies=csrf)
    async def change_password(request: Request,
                              session: Session = Depends(signed_in)) -> Response:
        form = await request.form()
        current, first = str(form.get("current_password", "")), str(form.get("new_password", ""))
        if first != str(form.get("new_password_again", "")):
            return await account_page(request, session, 422, errors={
                "new_password_again": "รหัสผ่านทั้งสองช่องไม่ตรงกัน"})
        try:
            await asyncio.to_thread(portal_of(request).app.change_password, session, current,
                                    first)
        except SignInRefused:
            return await account_page(request, session, 422, errors={
                "current_password": "รหัสผ่านปัจจุบันไม่ถูกต้อง"})
        except WeakPassword as weak:
            return await account_page(request, session, 422, errors={"new_password": weak.title_th})
        return _go("/account?done=password")

    @router.post("/account/second-factor", dependencies=csrf)
    async def enrol_signed_in(request: Request,
                              session: Session = Depends(signed_in)) -> Response:
        form = await request.form()
        try:
            await asyncio.to_thread(portal_of(request).app.confirm_enrolment, session,
                                    str(form.get("code", "")), remote=_remote(request))
        except (CodeRefused, AccountLocked, TooSoon, WrongStage) as refused:
            return await account_page(request, session, 401, errors={"code": refused.title_th})
        return _go("/account?done=second-factor")

    @router.post("/account/signout-everywhere", dependencies=csrf)
    async def signout_everywhere(request: Request,
                                 session: Session = Depends(signed_in)) -> Response:
        await asyncio.to_thread(portal_of(request).app.sign_out_everywhere, session)
        return _with_session(request, None, "/signin?signed_out=everywhere")

    # --- OpenID Connect -------------------------------------------------------------------------
    @router.get("/signin/oidc")
    async def oidc_start(request: Request, next: str = "/") -> Response:  # noqa: A002
        portal = portal_of(request)
        if portal.oidc is None:
            return _go("/signin")
        try:
            url, sealed = await portal.oidc.start(safe_next(next))
        except Exception:  # noqa: BLE001 - the provider is unreachable or misconfigured
            return render(request, "signin.html", status_code=503, next=safe_next(next),
                          oidc=True, alert="ติดต่อผู้ให้บริการยืนยันตัวตนของสำนักงานไม่ได้ "
                                           "โปรดเข้าสู่ระบบด้วยรหัสผ่าน")
        queue_cookie(request, cookie_header(OIDC_COOKIE, sealed, max_age=600,
                                            secure=portal.settings.portal_secure_cookies))
        return RedirectResponse(url, status_code=303)

    @router.get(CALLBACK_PATH)
    async def oidc_callback(request: Request, state: str | None = None,
                            code: str | None = None) -> Response:
        portal = portal_of(request)
        if portal.oidc is None:
            return _go("/signin")
        secure = portal.settings.portal_secure_cookies
        queue_cookie(request, cookie_header(OIDC_COOKIE, "", max_age=0, secure=secure))
        try:
            flow = portal.oidc.unseal(request.cookies.get(OIDC_COOKIE))
            claims = await portal.oidc.claims(flow, state=state, code=code)
            officer_id = officer_id_from_claims(claims, portal.settings.portal_oidc_officer_claim)
            if officer_id is None or not OFFICER_ID.match(officer_id):
                raise OidcRefused("oidc-no-officer-claim")
            officer = await _directory_entry(request, officer_id)
            if officer is None:
                raise OidcRefused("oidc-officer-not-in-directory")
            session = await asyncio.to_thread(
                portal.app.sign_in_with_provider, officer, mfa_done=provider_did_mfa(claims),
                remote=_remote(request))
        except OidcRefused as refused:
            await record_refusal(request, 401, refused.reason)
            return render(request, "signin.html", status_code=401, next="/", oidc=True,
                          alert="เข้าสู่ระบบผ่านผู้ให้บริการยืนยันตัวตนไม่สำเร็จ "
                                "หรือไม่พบเจ้าหน้าที่ผู้นี้ในทะเบียนเจ้าหน้าที่")
        except (OfficerInactive, AccountLocked, TooSoon) as refused:
            return render(request, "signin.html", status_code=403, next="/", oidc=True,
                          alert=refused.title_th)
        return _after(request, session, flow.next)

    return router
