"""The portal's one client of the services, against answers as the services give them (today's
and the coming paged ones), served by an `httpx.MockTransport` at the edge; and the OpenID Connect
mapping and ID-token checks (a provider cannot be reached from here: its discovery, keys and
tokens are made here with real keys, and the portal's verification runs on them unchanged)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from services.portal.oidc import (
    OidcClient,
    OidcRefused,
    officer_id_from_claims,
    provider_did_mfa,
)
from services.portal.service_client import Page, Refused, ServiceClient, Unavailable
from services.portal.settings import PortalSettings

ROWS = [{"receipt_no": n, "subject": f"เรื่องที่ {n}", "sender": "สพฐ." if n % 2 else "สพป."}
        for n in range(1, 8)]


def client(handler: Any) -> tuple[ServiceClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer",
                                              "expires_in": 900, "scope": "office:staff"})
        seen.append(request)
        return handler(request)

    transport = httpx.MockTransport(record)
    return ServiceClient({"correspondence": "http://c"}, client_id="office-portal",
                         client_secret="s", transports={"correspondence": transport}), seen


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_a_plain_array_is_paged_and_searched_here() -> None:
    services, seen = client(lambda r: httpx.Response(200, json=ROWS))
    first: Page = run(services.page("correspondence", "/registers/receiving/2569",
                                    actor="clerk-1", limit=3))
    assert [r["receipt_no"] for r in first.items] == [1, 2, 3] and first.total == 7
    second: Page = run(services.page("correspondence", "/registers/receiving/2569",
                                     actor="clerk-1", limit=3, cursor=first.next_cursor))
    assert [r["receipt_no"] for r in second.items] == [4, 5, 6]
    found: Page = run(services.page("correspondence", "/registers/receiving/2569",
                                    actor="clerk-1", q="สพป.", search=("sender",)))
    assert [r["receipt_no"] for r in found.items] == [2, 4, 6] and found.next_cursor is None
    assert seen[0].headers["x-actor-id"] == "clerk-1"
    assert seen[0].url.params["limit"] == "3" and "cursor" not in seen[1].url.params


def test_a_paged_answer_is_taken_as_the_service_pages_it() -> None:
    def paged(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("cursor") == "c2":
            return httpx.Response(200, json={"items": ROWS[5:], "next_cursor": None, "total": 7})
        return httpx.Response(200, json={"items": ROWS[:5], "total": None},
                              headers={"Link": '</registers?limit=5&cursor=c2>; rel="next"'})

    services, seen = client(paged)
    first = run(services.page("correspondence", "/registers", actor="clerk-1", limit=5))
    assert len(first.items) == 5 and first.next_cursor == "c2" and first.total is None
    second = run(services.page("correspondence", "/registers", actor="clerk-1", limit=5,
                               cursor=first.next_cursor))
    assert len(second.items) == 2 and second.next_cursor is None
    assert seen[1].url.params["cursor"] == "c2"
    assert run(services.page("correspondence", "/r", actor="a", limit=9999)) and \
        seen[-1].url.params["limit"] == "500"


def test_commands_carry_the_form_nonce_and_the_version_seen() -> None:
    services, seen = client(lambda r: httpx.Response(200, json={"ok": True},
                                                     headers={"ETag": '"4"'}))
    answer = run(services.command("correspondence", "/documents/x/assign", actor="dir-1",
                                  body={"officer_id": "off-1"}, idempotency_key="nonce-1",
                                  if_match='"3"'))
    request = seen[0]
    assert request.headers["idempotency-key"] == "nonce-1"
    assert request.headers["if-match"] == '"3"' and request.headers["x-actor-id"] == "dir-1"
    assert request.headers["authorization"] == "Bearer t"
    assert json.loads(request.content) == {"officer_id": "off-1"} and answer.etag == '"4"'
    run(services.command("correspondence", "/x", actor="a", body={}, idempotency_key="k",
                         if_match="7"))
    assert seen[1].headers["if-match"] == '"7"'


@pytest.mark.parametrize(("status", "body", "message"), [
    (403, {"code": "role-required", "title_th": "ต้องเป็นผู้อำนวยการกลุ่ม"}, "ต้องเป็นผู้อำนวยการกลุ่ม"),
    (403, {"code": "same-person"}, "ผู้อนุมัติต้องไม่ใช่ผู้เดียวกับผู้เสนอ"),
    (403, {"code": "resolution-required"}, "ต้องอ้างอิงมติหรือหนังสือที่ลงทะเบียนไว้แล้ว"),
    (404, {"code": "unknown-officer"}, "ไม่พบเจ้าหน้าที่ผู้นี้ในทะเบียนเจ้าหน้าที่"),
    (428, {"code": "precondition-required"}, "ต้องอ่านข้อมูลล่าสุดก่อนแก้ไข โปรดโหลดหน้าใหม่"),
    (412, {}, "ข้อมูลถูกแก้ไขโดยผู้อื่นไปแล้ว โปรดโหลดหน้าใหม่แล้วทำอีกครั้ง"),
])
def test_refusals_become_thai_messages(status: int, body: dict[str, Any], message: str) -> None:
    services, _ = client(lambda r: httpx.Response(status, json=body))
    with pytest.raises(Refused) as refused:
        run(services.command("correspondence", "/x", actor="a", body={}, idempotency_key="k"))
    assert refused.value.message_th == message and refused.value.status == status


def test_field_errors_are_named_and_a_silent_service_is_unavailable() -> None:
    services, _ = client(lambda r: httpx.Response(422, json={
        "code": "validation-error", "title_th": "ข้อมูลไม่ถูกต้อง",
        "errors": [{"field": "subject", "message": "String should have at least 1 character"}]}))
    with pytest.raises(Refused) as refused:
        run(services.command("correspondence", "/x", actor="a", body={}, idempotency_key="k"))
    assert refused.value.fields == {"subject": "String should have at least 1 character"}

    down = ServiceClient({"correspondence": "http://127.0.0.1:9"}, client_id="c",
                         client_secret="s", timeout=2)
    with pytest.raises(Unavailable) as unavailable:
        run(down.get("correspondence", "/my-work", actor="a"))
    assert "ไม่พร้อมให้บริการ" in unavailable.value.message_th
    failing, _ = client(lambda r: httpx.Response(503, json={}))
    with pytest.raises(Unavailable):
        run(failing.get("correspondence", "/my-work", actor="a"))


# --- OpenID Connect -------------------------------------------------------------------------------
ISSUER = "https://login.example.go.th/realms/office"


def test_the_configured_claim_names_the_officer() -> None:
    assert officer_id_from_claims({"preferred_username": "dir-1"}, "preferred_username") == "dir-1"
    assert officer_id_from_claims({"email": "off-1@esa.go.th"}, "email") == "off-1"
    assert officer_id_from_claims({"sub": 17}, "sub") is None
    assert officer_id_from_claims({}, "preferred_username") is None
    assert provider_did_mfa({"amr": ["pwd", "otp"]}) and not provider_did_mfa({"amr": ["pwd"]})


def provider(key: RSAKey) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={
                "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth",
                "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/certs"})
        if request.url.path.endswith("/certs"):
            return httpx.Response(200, json={"keys": [key.as_dict(private=False)]})
        return httpx.Response(404)

    return httpx.MockTransport(answer)


def id_token(key: RSAKey, **claims: Any) -> str:
    now = int(time.time())
    return jwt.encode({"alg": "RS256", "kid": key.kid}, {
        "iss": ISSUER, "aud": "esa-portal", "sub": "u-1", "preferred_username": "dir-1",
        "iat": now, "exp": now + 300, "nonce": "n-1", **claims}, key)


def test_an_id_token_is_verified_against_the_providers_keys(tmp_path: Any) -> None:
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    settings = PortalSettings(var_dir=tmp_path, portal_oidc_issuer=ISSUER,
                              portal_oidc_client_id="esa-portal")
    oidc = OidcClient(settings, b"k" * 32, transport=provider(key))
    url, sealed = run(oidc.start("/saraban/registers/receiving/2569"))
    flow = oidc.unseal(sealed)
    assert url.startswith(f"{ISSUER}/auth?") and f"state={flow.state}" in url
    assert "code_challenge_method=S256" in url and flow.next == "/saraban/registers/receiving/2569"

    claims = run(oidc.verify(id_token(key), nonce="n-1"))
    assert officer_id_from_claims(claims, settings.portal_oidc_officer_claim) == "dir-1"
    for bad in (id_token(key, nonce="n-2"), id_token(key, aud="another-client"),
                id_token(key, iss="https://elsewhere"), id_token(other),
                id_token(key, exp=int(time.time()) - 600)):
        with pytest.raises(OidcRefused):
            run(oidc.verify(bad, nonce="n-1"))
    with pytest.raises(OidcRefused):
        run(oidc.claims(flow, state="forged-state", code="c"))
    with pytest.raises(OidcRefused):
        oidc.unseal(sealed[:-4] + "AAAA")


def test_the_portal_client_is_provisioned_once_and_again_only_when_its_secret_is_lost(
        tmp_path: Any) -> None:
    from shared.auth.clients import ClientRegistry

    registry = ClientRegistry(tmp_path / "auth" / "clients.json")
    secret_file = tmp_path / "auth" / "office-portal.secret"
    scopes = ["office:staff", "correspondence:read"]
    first = registry.provision(client_id="office-portal", agency="สำนักงาน", scopes=scopes,
                               secret_path=secret_file)
    assert first and oct(secret_file.stat().st_mode)[-3:] == "600"
    assert registry.provision(client_id="office-portal", agency="สำนักงาน", scopes=scopes,
                              secret_path=secret_file) == first
    wider = registry.provision(client_id="office-portal", agency="สำนักงาน",
                               scopes=[*scopes, "planning:read"], secret_path=secret_file)
    assert wider == first and "planning:read" in registry.get("office-portal").scopes  # type: ignore[union-attr]
    secret_file.unlink()
    second = registry.provision(client_id="office-portal", agency="สำนักงาน", scopes=scopes,
                                secret_path=secret_file)
    assert second and second != first
    assert registry.authenticate("office-portal", first) is None
    assert registry.authenticate("office-portal", second) is not None
    registry.revoke("office-portal")
    assert registry.provision(client_id="office-portal", agency="สำนักงาน", scopes=scopes,
                              secret_path=secret_file) is None  # a revocation stands
