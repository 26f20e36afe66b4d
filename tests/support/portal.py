"""Speaking to the portal as a browser would without one (component tests): read the CSRF token
and form nonces off a page, sign in through its forms, compute the TOTP code an authenticator
app would show; a service in process behind the portal's client (`IsolatedASGITransport`)."""

from __future__ import annotations

import asyncio
import contextvars
import re
import time
from html import unescape
from typing import Any

import httpx
import pyotp

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
NONCE = re.compile(r'name="form_nonce" value="([^"]+)"')
SECRET = re.compile(r'data-secret="([A-Z2-7]+)"')
VERSION = re.compile(r'name="version" value="([^"]*)"')
STRONG_PASSWORD = "รหัสผ่านที่ยาวพอ-2569"


def version(html: str) -> str:
    """The ETag a page's action form carries back in If-Match."""
    match = VERSION.search(html)
    assert match, "the page has no action form"
    return unescape(match.group(1))


def csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def nonce(html: str) -> str:
    match = NONCE.search(html)
    assert match, "the page has no form nonce"
    return match.group(1)


def totp_secret(html: str) -> str:
    match = SECRET.search(html)
    assert match, "the page shows no enrolment secret"
    return match.group(1)


def code_now(secret: str, *, step_offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * step_offset)


def post_form(browser: Any, path: str, page_path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST `data` with the CSRF token (and a fresh form nonce) of the page at `page_path`."""
    page = browser.get(page_path).text
    fields = {"csrf_token": csrf(page), **data}
    if NONCE.search(page):
        fields.setdefault("form_nonce", nonce(page))
    return browser.post(path, data=fields, follow_redirects=False, **kwargs)


def sign_in(browser: Any, officer_id: str, password: str, *, secret: str | None = None,
            new_password: str | None = STRONG_PASSWORD) -> dict[str, str]:
    """Sign in through the pages, through whatever steps the account needs (new password,
    enrolment, code); returns {"password": ..., "secret": ...} as they stand afterwards."""
    answer = post_form(browser, "/signin", "/signin", {"officer_id": officer_id,
                                                       "password": password})
    assert answer.status_code == 303, answer.text
    state = {"password": password, "secret": secret or ""}
    for _ in range(4):
        target = answer.headers["location"]
        path = target.split("?")[0]
        if path == "/signin/code":
            answer = post_form(browser, "/signin/code", target,
                               {"code": code_now(state["secret"]), "next": "/"})
        elif path == "/signin/new-password":
            assert new_password
            answer = post_form(browser, "/signin/new-password", target, {
                "new_password": new_password, "new_password_again": new_password, "next": "/"})
            state["password"] = new_password
        elif path == "/signin/enrol":
            page = browser.get(target).text
            state["secret"] = totp_secret(page)
            answer = browser.post("/signin/enrol", data={
                "csrf_token": csrf(page), "code": code_now(state["secret"]), "next": "/"},
                follow_redirects=False)
        else:
            return state
        assert answer.status_code == 303, answer.text
    raise AssertionError("sign-in did not finish")


class IsolatedASGITransport(httpx.AsyncBaseTransport):
    """A service in process, each request in a context of its own as a real server runs it (an
    in-process call would otherwise share the calling request's context variables, such as the
    decision right being checked, with the service)."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await asyncio.create_task(self.inner.handle_async_request(request),
                                         context=contextvars.Context())
