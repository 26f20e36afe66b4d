"""Other agencies over HTTP: OAuth2 client credentials, scopes, isolation, secrecy, rate limits,
and every refusal in the audit trail (an `AccessRefused` event in the service's store).

Correspondence with a real store, in process; agencies get their tokens from the service's own
`POST /oauth/token`, the office's staff speak through the portal's credentials (`office_client`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from services.correspondence.main import create_app
from services.correspondence.settings import CorrespondenceSettings
from shared.auth.clients import ClientRegistry
from shared.auth.keys import OfficeKeys
from shared.auth.tokens import TokenService
from shared.testing import (
    access_refusals,
    agency_client,
    office_client,
    register_agency,
    state_changes_since,
)
from shared.thaitime import bangkok_date, utc_now
from tests.support.http import etag_of, every_item
from tests.support.staff import position_th

KHON_KAEN = "สำนักงานศึกษาธิการจังหวัดขอนแก่น"
OBEC = "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน"
STAFF = [
    ("esa-1", "นายใหญ่ ผู้อำนวยการ", ["esa_director", "signer"], "top_secret"),
    ("clerk-1", "นางสาวสมศรี ใจดี", ["clerk"], "secret"),
    ("dir-1", "นายประเสริฐ นำทาง", ["group_director"], "secret"),
    ("off-1", "นายสมชาย รักงาน", ["officer"], "none"),
]


@pytest.fixture
def api(tmp_path: Any, clock: Any) -> Iterator[FastAPI]:
    # Refusals recorded one by one (no folding window), so each test sees each of its own.
    settings = CorrespondenceSettings(var_dir=tmp_path / "var")
    application = CorrespondenceApplication(settings, clock=clock)
    yield create_app(settings, application)
    application.close()


@pytest.fixture
def office(api: FastAPI) -> TestClient:
    client = office_client(api)
    for officer_id, name, roles, clearance in STAFF:
        response = client.post("/officers", headers={"X-Actor-Id": "esa-1"}, json={
            "officer_id": officer_id, "name_th": name, "position_th": position_th(officer_id),
            "roles": roles, "clearance": clearance})
        assert response.status_code == 201, response.text
    return client


def store(api: FastAPI) -> CorrespondenceApplication:
    return api.state.runtime.app


def letter(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sender_ref_no": "ขก 0020/ว 1234", "sender_doc_date": "2026-11-25",
        "subject": "ขอความร่วมมือสำรวจข้อมูลนักเรียนพิการเรียนร่วม",
        "addressee": "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาขอนแก่น เขต 1",
        "urgency": "003", "secrecy": "001", "body_text": "ด้วยสำนักงานศึกษาธิการจังหวัด...",
    }
    body.update(overrides)
    return body


def refused(api: FastAPI, reason: str) -> list[dict[str, Any]]:
    return [r for r in access_refusals(store(api)) if r["reason"] == reason]


def token_for(api: FastAPI, *, client_id: str, scopes: list[str], clearance: str = "none",
              now: datetime | None = None, lifetime: timedelta | None = None) -> str:
    settings = api.state.runtime.settings
    tokens = TokenService(OfficeKeys.load(settings), issuer=settings.auth_issuer,
                          audience=settings.auth_audience, lifetime=timedelta(minutes=15))
    return tokens.issue(client_id=client_id, agency=KHON_KAEN, scopes=scopes, clearance=clearance,
                        now=now, lifetime=lifetime)


def hmac_token(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{part(json.dumps(header).encode())}.{part(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


# --- an agency submits a letter and follows it -----------------------------------------------------


def test_an_agency_submits_a_letter_gets_its_receipt_number_and_follows_it(
        api: FastAPI, office: TestClient) -> None:
    agency, client_id = agency_client(api, agency=KHON_KAEN, scopes="correspondence:submit")
    response = agency.post("/agency/documents", json=letter(), headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert (receipt["receipt_no"], receipt["receipt_year_be"]) == (1, 2569)
    assert receipt["sender"] == KHON_KAEN, "the sender is the agency the client was registered for"
    assert (receipt["urgency"], receipt["urgency_code"]) == ("very_urgent", "003")
    assert (receipt["secrecy"], receipt["secrecy_code"]) == ("none", "001")
    assert (receipt["step"], receipt["step_th"]) == ("registered", "ลงทะเบียนรับแล้ว")
    assert "holder" not in receipt, "who holds it inside the office is not the agency's business"
    assert response.headers["Location"] == f"/agency/documents/{receipt['document_id']}"

    again = agency.post("/agency/documents", json=letter(), headers={"Idempotency-Key": "k-1"})
    assert again.json() == receipt, "a retried submission is the same submission"

    # The office works on it; the agency sees where it stands.
    register = office.get("/registers/receiving/2569",
                          headers={"X-Actor-Id": "clerk-1"}).json()["items"]
    assert [r["receipt_no"] for r in register] == [1] and register[0]["sender"] == KHON_KAEN
    url = f"/documents/{receipt['document_id']}"
    assigned = office.post(f"{url}/assign", json={"officer_id": "off-1"}, headers={
        "X-Actor-Id": "dir-1", "If-Match": etag_of(office, url, "dir-1")})
    assert assigned.status_code == 200, assigned.text
    followed = agency.get(f"/agency/documents/{receipt['document_id']}").json()
    assert (followed["step"], followed["step_th"]) == ("assigned", "มอบหมายผู้รับผิดชอบแล้ว")
    assert [d["document_id"] for d in agency.get("/agency/documents").json()["items"]] == [
        receipt["document_id"]]

    history = every_item(office, f"/documents/{receipt['document_id']}/history", "clerk-1")
    assert history[0]["actor"] == f"agency:{client_id}", "the agency is the actor of its submission"
    assert history[0]["data"]["submitted_by"] == client_id


def test_thai_idempotency_keys_are_told_apart_by_every_byte(api: FastAPI) -> None:
    """A Thai key goes on the wire as UTF-8 (as curl sends it). ภ and ฅ end in the bytes 0xA0 and
    0x85, which as latin-1 characters are whitespace to `str.strip`: trimmed, the keys "ขกภ" and
    "ขกฅ" were one key, and the second letter was answered with the first's receipt and lost."""
    agency, _ = agency_client(api, agency=KHON_KAEN, scopes="correspondence:submit")

    def submit(key: str) -> dict[str, Any]:
        response = agency.post("/agency/documents", json=letter(),
                               headers={"Idempotency-Key": key.encode()})
        assert response.status_code == 201, response.text
        return response.json()

    first, second = submit("ขกภ"), submit("ขกฅ")
    assert (first["receipt_no"], second["receipt_no"]) == (1, 2), "two keys, two letters"
    assert submit("ขกภ") == first, "the same key again is the same submission"


def test_an_agency_names_its_head_so_that_the_reply_is_addressed_to_that_position(
        api: FastAPI, office: TestClient) -> None:
    agency, _ = agency_client(api, agency=KHON_KAEN, scopes="correspondence:submit")
    head = "ศึกษาธิการจังหวัดขอนแก่น"
    receipt = agency.post("/agency/documents", json=letter(sender_head_position_th=head)).json()
    kept = office.get(f"/documents/{receipt['document_id']}", headers={"X-Actor-Id": "dir-1"})
    assert kept.json()["sender_head_position_th"] == head
    assert kept.json()["letter_addressee"] == head  # the reply's เรียน, not the agency's name
    history = every_item(office, f"/documents/{receipt['document_id']}/history", "clerk-1")
    assert history[0]["data"]["sender_head_position_th"] == head  # kept in the event


def test_urgency_and_secrecy_by_name_or_exchange_code(api: FastAPI, office: TestClient) -> None:
    agency, _ = agency_client(api, agency=KHON_KAEN, scopes="correspondence:submit",
                              clearance="secret")
    by_name = agency.post("/agency/documents", json=letter(urgency="most_urgent",
                                                           secrecy="confidential")).json()
    by_code = agency.post("/agency/documents", json=letter(urgency="004", secrecy="002")).json()
    for doc in (by_name, by_code):
        assert (doc["urgency"], doc["urgency_code"], doc["secrecy"], doc["secrecy_code"]) == (
            "most_urgent", "004", "confidential", "002")
    bad = agency.post("/agency/documents", json=letter(urgency="005"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "urgency"
    with_sender = agency.post("/agency/documents", json=letter(sender="ผู้อื่น"))
    assert with_sender.status_code == 422, "an agency cannot choose whom the letter is from"


# --- isolation: another agency's letter does not exist for it ---------------------------------------


def test_another_agencys_letter_answers_404_and_the_attempt_is_audited(
        api: FastAPI, office: TestClient) -> None:
    khon_kaen, _ = agency_client(api, agency=KHON_KAEN, scopes="correspondence:submit")
    obec, obec_id = agency_client(api, agency=OBEC, scopes="correspondence:submit")
    theirs = khon_kaen.post("/agency/documents", json=letter()).json()

    other = obec.get(f"/agency/documents/{theirs['document_id']}")
    missing = obec.get("/agency/documents/00000000-0000-0000-0000-000000000000")
    assert other.status_code == missing.status_code == 404
    assert {k: v for k, v in other.json().items() if k not in ("detail", "instance")} == {
        k: v for k, v in missing.json().items() if k not in ("detail", "instance")}, (
        "existing and missing look the same")
    assert obec.get("/agency/documents").json()["items"] == []

    [attempt] = refused(api, "another-agency-document")
    assert (attempt["client"], attempt["agency"], attempt["status"]) == (obec_id, OBEC, 404)
    assert attempt["path"] == f"/agency/documents/{theirs['document_id']}"
    assert attempt["actor"] == f"agency:{obec_id}" and attempt["trace_id"]


def test_an_agency_cannot_use_the_offices_routes_beyond_its_scope(
        api: FastAPI, office: TestClient) -> None:
    agency, client_id = agency_client(api, agency=KHON_KAEN, scopes="correspondence:submit")
    position = store(api).max_notification_id()
    for method, path in (("POST", "/documents/incoming"), ("GET", "/registers/receiving/2569"),
                         ("POST", "/officers"), ("GET", "/admin/access-refusals/2026-11-27")):
        response = agency.request(method, path, json={})
        assert response.status_code == 403, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "insufficient-scope"
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert state_changes_since(store(api), position) == []
    wanted = {r["scope_wanted"] for r in refused(api, "insufficient-scope")}
    assert wanted == {"correspondence:write", "correspondence:read", "correspondence:audit"}
    assert {r["client"] for r in refused(api, "insufficient-scope")} == {client_id}
    assert {r["actor"] for r in refused(api, "insufficient-scope")} == {f"agency:{client_id}"}


def test_only_the_office_portal_may_name_the_acting_officer(api: FastAPI, office: TestClient) -> None:
    agency, _ = agency_client(api, agency=KHON_KAEN,
                              scopes="correspondence:submit correspondence:write")
    response = agency.post("/documents/incoming", headers={"X-Actor-Id": "clerk-1"}, json={
        "received_at": "2026-11-27T09:30:00+07:00", "sender": "x", "subject": "แอบอ้าง"})
    assert response.status_code == 403 and response.json()["required_scope"] == "office:staff"
    assert refused(api, "actor-header-without-staff-scope")
    # Without the header the agency acts as itself: registering is an officer's (the clerk's)
    # decision right, not an agency's.
    response = agency.post("/documents/incoming", json={
        "received_at": "2026-11-27T09:30:00+07:00", "sender": "x", "subject": "แอบอ้าง"})
    assert response.status_code == 403 and response.json()["code"] == "officer-required"
    assert refused(api, "officer-required")[0]["path"] == "/documents/incoming"
    assert office.get("/registers/receiving/2569",
                      headers={"X-Actor-Id": "clerk-1"}).json()["items"] == []


# --- secrecy on every read ----------------------------------------------------------------------------


def test_a_classified_letter_shows_only_that_it_exists_to_readers_not_cleared(
        api: FastAPI, office: TestClient) -> None:
    uncleared, _ = agency_client(api, agency=KHON_KAEN, scopes="correspondence:submit")
    cleared, _ = agency_client(api, agency=OBEC, scopes="correspondence:submit",
                               clearance="secret")
    reader, _ = agency_client(api, agency="สำนักงานตรวจเงินแผ่นดิน", scopes="correspondence:read")
    secret = "รายชื่อผู้ถูกสอบสวนทางวินัย"
    own = uncleared.post("/agency/documents", json=letter(subject=secret, secrecy="003")).json()
    assert own["receipt_no"] == 1 and own["subject"] == "(ลับมาก)" and secret not in json.dumps(own)
    followed = uncleared.get(f"/agency/documents/{own['document_id']}").json()
    assert followed["subject"] == followed["sender_ref_no"] == "(ลับมาก)"
    theirs = cleared.post("/agency/documents", json=letter(subject=secret, secrecy="003")).json()
    assert theirs["subject"] == secret, "cleared for secret: its own letter in full"

    # An agency allowed to read the registers sees classified lines only as existing.
    rows = reader.get("/registers/receiving/2569").text
    assert secret not in rows and "(ลับมาก)" in rows
    assert reader.get(f"/documents/{own['document_id']}").json()["subject"] == "(ลับมาก)"
    assert secret not in reader.get(f"/documents/{own['document_id']}/history").text


def test_an_uncleared_officer_reading_secret_content_is_refused_and_audited(
        api: FastAPI, office: TestClient) -> None:
    doc = office.post("/documents/incoming", headers={"X-Actor-Id": "clerk-1"}, json={
        "received_at": "2026-11-27T09:30:00+07:00", "sender": "สพฐ.", "subject": "เรื่องลับมาก",
        "secrecy": "secret", "body_text": "เนื้อหาลับ"}).json()
    response = office.get(f"/documents/{doc['document_id']}/content",
                          headers={"X-Actor-Id": "off-1"})
    assert response.status_code == 403 and "เนื้อหาลับ" not in response.text
    [attempt] = refused(api, "not-cleared")
    assert attempt["actor"] == "off-1" and attempt["status"] == 403
    assert attempt["path"] == f"/documents/{doc['document_id']}/content"


# --- tokens: missing, expired, forged ------------------------------------------------------------------


def test_a_request_without_a_token_is_refused_and_audited(api: FastAPI) -> None:
    response = TestClient(api).get("/registers/receiving/2569", headers={"X-Actor-Id": "clerk-1"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="esa"'
    assert response.json()["title"] == (
        "ต้องยืนยันตัวตนด้วย access token ที่ถูกต้อง / A valid access token is required")
    [attempt] = refused(api, "token-missing")
    assert (attempt["method"], attempt["path"]) == ("GET", "/registers/receiving/2569")
    assert attempt["scope_wanted"] == "correspondence:read" and attempt["actor"] == "anonymous"


def test_an_expired_token_is_refused_and_audited(api: FastAPI) -> None:
    client_id, _ = register_agency(api.state.runtime.settings, agency=KHON_KAEN,
                                   scopes="correspondence:submit")
    token = token_for(api, client_id=client_id, scopes=["correspondence:submit"],
                      now=datetime.now(UTC) - timedelta(hours=1))
    response = TestClient(api).get("/agency/documents", headers=bearer(token))
    assert response.status_code == 401 and response.json()["code"] == "token-expired"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert refused(api, "token-expired")[0]["path"] == "/agency/documents"


def test_forged_tokens_are_refused_and_audited(api: FastAPI) -> None:
    client_id, _ = register_agency(api.state.runtime.settings, agency=KHON_KAEN,
                                   scopes="correspondence:submit")
    now = datetime.now(UTC)
    claims = {"iss": "urn:esa:office", "aud": "urn:esa:office", "sub": client_id, "iat": now,
              "exp": now + timedelta(minutes=15), "jti": "x", "agency": KHON_KAEN,
              "clearance": "top_secret", "scope": "correspondence:submit correspondence:write"}
    another_key = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA",
                             headers={"typ": "at+jwt"})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"typ": "at+jwt"})
    header, payload, signature = token_for(
        api, client_id=client_id, scopes=["correspondence:submit"]).split(".")
    widened = json.loads(base64.urlsafe_b64decode(payload + "=="))
    widened["scope"] = "correspondence:submit correspondence:write"
    widened["clearance"] = "top_secret"
    tampered = ".".join([header, base64.urlsafe_b64encode(json.dumps(widened).encode())
                         .rstrip(b"=").decode(), signature])
    # Algorithm confusion: HMAC "signed" with the office's public key as the secret.
    confused = hmac_token({"alg": "HS256", "typ": "at+jwt"}, {**claims, "iat": 0, "exp": 2**40},
                          api.state.runtime.settings.public_key_path.read_bytes())

    client = TestClient(api)
    for token in (another_key, unsigned, tampered, confused, "not.a.token", "x" * 5000):
        response = client.get("/agency/documents", headers=bearer(token))
        assert response.status_code == 401, token
        assert response.json()["code"] in {"token-forged", "token-invalid"}
    assert len(refused(api, "token-forged")) + len(refused(api, "token-invalid")) == 6


def test_a_revoked_client_is_refused_at_once(api: FastAPI) -> None:
    agency, client_id = agency_client(api, agency=KHON_KAEN, scopes="correspondence:submit")
    assert agency.get("/agency/documents").status_code == 200
    ClientRegistry(api.state.runtime.settings.clients_path).revoke(client_id)
    response = agency.get("/agency/documents")
    assert response.status_code == 401 and response.json()["code"] == "client-revoked"
    assert refused(api, "client-revoked")


# --- rate limits ----------------------------------------------------------------------------------------


def test_a_client_over_its_rate_gets_429_with_retry_after_and_it_is_audited(api: FastAPI) -> None:
    agency, client_id = agency_client(api, agency=KHON_KAEN, scopes="correspondence:submit",
                                      rate_per_minute=1, burst=3)
    # The token request takes one from the bucket too.
    answers = [agency.get("/agency/documents") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    limited = answers[-1]
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["title_en"] == "Too many requests"
    assert {r["client"] for r in refused(api, "rate-limited")} == {client_id}


def test_the_audit_route_lists_the_days_refusals(api: FastAPI, office: TestClient) -> None:
    TestClient(api).get("/work-queue")
    today = bangkok_date(utc_now()).isoformat()
    listed = office.get(f"/admin/access-refusals/{today}").json()["items"]
    assert [(r["reason"], r["path"], r["status"]) for r in listed] == [
        ("token-missing", "/work-queue", 401)]
    assert listed[0]["actor"] == "anonymous" and listed[0]["trace_id"]
    assert office.get("/admin/access-refusals/2001-01-01").json()["items"] == []


# --- the token endpoint (RFC 6749 client credentials) ---------------------------------------------------


def token_request(client: TestClient, **form: str) -> httpx.Response:
    return client.post("/oauth/token", data=form)


def test_the_token_endpoint_issues_a_short_lived_office_signed_jwt(api: FastAPI) -> None:
    settings = api.state.runtime.settings
    client_id, secret = register_agency(settings, agency=KHON_KAEN, clearance="confidential",
                                        scopes="correspondence:submit correspondence:read")
    client = TestClient(api)
    basic = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                              "scope": "correspondence:submit"},
                        auth=(client_id, secret))
    assert basic.status_code == 200, basic.text
    assert basic.headers["Cache-Control"] == "no-store"
    answer = basic.json()
    assert (answer["token_type"], answer["expires_in"], answer["scope"]) == (
        "Bearer", 900, "correspondence:submit")
    public = OfficeKeys.load(settings).public
    claims = jwt.decode(answer["access_token"], public, algorithms=["EdDSA"],
                        audience="urn:esa:office")
    assert claims["iss"] == "urn:esa:office" and claims["sub"] == client_id
    assert claims["exp"] - claims["iat"] == 900 and len(claims["jti"]) == 32
    assert (claims["agency"], claims["clearance"], claims["scope"]) == (
        KHON_KAEN, "confidential", "correspondence:submit")
    assert jwt.get_unverified_header(answer["access_token"])["typ"] == "at+jwt"

    posted = token_request(client, grant_type="client_credentials", client_id=client_id,
                           client_secret=secret)
    assert posted.status_code == 200
    assert posted.json()["scope"] == "correspondence:read correspondence:submit", "all by default"


def test_the_token_endpoint_refuses_as_rfc_6749_says_and_audits(api: FastAPI) -> None:
    client_id, secret = register_agency(api.state.runtime.settings, agency=KHON_KAEN,
                                        scopes="correspondence:submit")
    client = TestClient(api)
    cases = [
        ({"grant_type": "client_credentials", "client_id": client_id, "client_secret": "wrong"},
         None, 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, ("nobody", "x"), 401, "invalid_client"),
        ({"grant_type": "password", "client_id": client_id, "client_secret": secret}, None, 400,
         "unsupported_grant_type"),
        ({"client_id": client_id, "client_secret": secret}, None, 400, "invalid_request"),
        ({"grant_type": "client_credentials", "scope": "correspondence:write"},
         (client_id, secret), 400, "invalid_scope"),
        ({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
         (client_id, secret), 400, "invalid_request"),
    ]
    for form, basic, status, error in cases:
        response = client.post("/oauth/token", data=form, auth=basic)
        assert response.status_code == status, (form, response.text)
        body = response.json()
        assert body["error"] == error and body["error_description"]
        assert body["title_th"] and body["title_en"]
        assert response.headers["content-type"].startswith("application/json")
        if status == 401:
            assert response.headers["WWW-Authenticate"] == 'Basic realm="esa"'
    as_json = client.post("/oauth/token", json={"grant_type": "client_credentials"})
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    twice = client.post("/oauth/token", content="grant_type=client_credentials&grant_type=x",
                        headers={"content-type": "application/x-www-form-urlencoded"},
                        auth=(client_id, secret))
    assert twice.json()["error"] == "invalid_request"
    reasons = [r["reason"] for r in access_refusals(store(api))]
    assert reasons.count("invalid_client") == 2 and "invalid_scope" in reasons
    assert len(reasons) == len(cases) + 2


def test_token_requests_from_one_address_are_rate_limited(tmp_path: Any) -> None:
    settings = CorrespondenceSettings(var_dir=tmp_path, auth_token_requests_per_minute=5)
    application = CorrespondenceApplication(settings)
    try:
        client = TestClient(create_app(settings, application))
        statuses = [client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                auth=("nobody", "x")).status_code for _ in range(7)]
        assert statuses == [401] * 5 + [429] * 2
    finally:
        application.close()
