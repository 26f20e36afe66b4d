"""The pieces of `shared.auth` on their own: keys, the client registry, tokens, scope rules, rate
limits and the folding of repeated refusals."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.auth.__main__ import main as auth_cli
from shared.auth.audit import AccessLog, Refusal, RefusalRecorder, refusals_on
from shared.auth.clients import ClientRegistry, hash_secret, secret_matches
from shared.auth.keys import OfficeKeys
from shared.auth.ratelimit import RateLimiter, retry_after_header
from shared.auth.scopes import PUBLIC, document_security, required_scope, requires_scope, scopes_of
from shared.auth.tokens import TokenRefused, TokenService
from shared.eventstore import ServiceApplication
from shared.settings import ServiceSettings
from shared.testing import access_refusals


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def settings_in(directory: Path, **changes: Any) -> ServiceSettings:
    return ServiceSettings(service_name="bench", var_dir=directory, **changes)


def tokens_of(settings: ServiceSettings) -> TokenService:
    return TokenService(OfficeKeys.load(settings), issuer="urn:esa:office",
                        audience="urn:esa:office", lifetime=timedelta(minutes=15))


# --- keys -------------------------------------------------------------------------------------------


def _load_key_id(directory: str, results: Any) -> None:
    results.put(OfficeKeys.load(settings_in(Path(directory))).key_id)


def test_the_office_key_is_generated_once_even_by_processes_starting_together(tmp_path: Path) -> None:
    results: Any = multiprocessing.get_context("spawn").Queue()
    processes = [multiprocessing.get_context("spawn").Process(
        target=_load_key_id, args=(str(tmp_path), results)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    key_ids = {results.get(timeout=5) for _ in processes}
    assert len(key_ids) == 1, "every process uses the same key"
    private = tmp_path / "keys" / "office-auth.ed25519"
    assert private.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys" / "office-auth.ed25519.pub").read_text().startswith(
        "-----BEGIN PUBLIC KEY-----")
    assert OfficeKeys.load(settings_in(tmp_path)).key_id in key_ids


def test_a_service_with_only_the_public_key_verifies_but_issues_nothing(tmp_path: Path) -> None:
    office = settings_in(tmp_path / "office")
    token = tokens_of(office).issue(client_id="c-1", agency="ก", scopes=["a:read"],
                                    clearance="none")
    verifier = settings_in(tmp_path / "verifier", auth_signing_key_file=tmp_path / "absent",
                           auth_public_key_file=office.public_key_path)
    service = tokens_of(verifier)
    assert not service.can_issue and not (tmp_path / "absent").exists()
    assert service.verify(token).client_id == "c-1"
    with pytest.raises(RuntimeError):
        service.issue(client_id="c-1", agency="ก", scopes=["a:read"], clearance="none")


# --- tokens ----------------------------------------------------------------------------------------------


def test_a_token_carries_the_claims_and_verifies(tmp_path: Path) -> None:
    service = tokens_of(settings_in(tmp_path))
    token = service.issue(client_id="agency-1", agency="สพฐ.", scopes=["b:write", "a:read"],
                          clearance="secret")
    claims = service.verify(token)
    assert (claims.client_id, claims.agency, claims.clearance.value) == ("agency-1", "สพฐ.",
                                                                         "secret")
    assert claims.scopes == {"a:read", "b:write"}
    assert timedelta(minutes=14) < claims.expires_at - datetime.now(UTC) <= timedelta(minutes=15)


@pytest.mark.parametrize(("change", "reason"), [
    ({"issuer": "urn:someone-else"}, "token-invalid"),
    ({"audience": "urn:someone-else"}, "token-invalid"),
])
def test_a_token_for_another_issuer_or_audience_is_refused(tmp_path: Path, change: dict[str, str],
                                                           reason: str) -> None:
    settings = settings_in(tmp_path)
    other = TokenService(OfficeKeys.load(settings), **{"issuer": "urn:esa:office",
                                                       "audience": "urn:esa:office", **change},
                         lifetime=timedelta(minutes=5))
    token = other.issue(client_id="c", agency="ก", scopes=["a:read"], clearance="none")
    with pytest.raises(TokenRefused) as refused:
        tokens_of(settings).verify(token)
    assert refused.value.reason == reason


def test_expiry_allows_only_a_little_clock_drift(tmp_path: Path) -> None:
    service = tokens_of(settings_in(tmp_path))
    ago = datetime.now(UTC) - timedelta(minutes=15, seconds=10)
    assert service.verify(service.issue(client_id="c", agency="ก", scopes=["a:read"],
                                        clearance="none", now=ago)).client_id == "c"
    long_ago = datetime.now(UTC) - timedelta(minutes=16)
    with pytest.raises(TokenRefused) as refused:
        service.verify(service.issue(client_id="c", agency="ก", scopes=["a:read"],
                                     clearance="none", now=long_ago))
    assert refused.value.reason == "token-expired"


# --- the client registry ---------------------------------------------------------------------------------


def test_a_registered_client_authenticates_with_its_secret_only(tmp_path: Path) -> None:
    registry = ClientRegistry(tmp_path / "clients.json")
    client, secret = registry.register(agency="สำนักงานศึกษาธิการจังหวัดขอนแก่น",
                                       scopes=["correspondence:submit"], clearance="confidential")
    assert client.client_id.startswith("agency-") and len(secret) >= 40
    stored = (tmp_path / "clients.json").read_text(encoding="utf-8")
    assert secret not in stored and "scrypt$16384$8$1$" in stored
    assert "สำนักงานศึกษาธิการจังหวัดขอนแก่น" in stored, "Thai kept readable"
    assert registry.authenticate(client.client_id, secret) == client
    assert registry.authenticate(client.client_id, secret + "x") is None
    assert registry.authenticate("agency-unknown", secret) is None


def test_revocation_and_new_clients_are_seen_by_every_reader_at_once(tmp_path: Path) -> None:
    writer, reader = ClientRegistry(tmp_path / "c.json"), ClientRegistry(tmp_path / "c.json")
    assert reader.get("portal") is None
    client, secret = writer.register(agency="สำนักงาน", scopes=["office:staff"], client_id="portal")
    assert reader.get("portal") == client
    writer.revoke("portal")
    assert not reader.get("portal").active  # type: ignore[union-attr]
    assert reader.authenticate("portal", secret) is None
    with pytest.raises(ValueError):
        writer.register(agency="สำนักงาน", scopes=["office:staff"], client_id="portal")


@pytest.mark.parametrize("scopes", [[], ["correspondence"], ["Correspondence:read"], ["a:b c"]])
def test_scopes_must_be_service_and_action(tmp_path: Path, scopes: list[str]) -> None:
    with pytest.raises(ValueError):
        ClientRegistry(tmp_path / "c.json").register(agency="ก", scopes=scopes)


def test_secret_hashes_are_salted() -> None:
    first, second = hash_secret("s"), hash_secret("s")
    assert first != second and secret_matches("s", first) and secret_matches("s", second)
    assert not secret_matches("s", "garbage") and not secret_matches("t", first)


def test_the_command_line_registers_lists_and_revokes(tmp_path: Path, monkeypatch: Any,
                                                      capsys: Any) -> None:
    monkeypatch.setenv("ESA_AUTH_CLIENTS_FILE", str(tmp_path / "clients.json"))
    assert auth_cli(["register-client", "--agency", "สพฐ.", "--scopes",
                     "budgeting:read correspondence:submit", "--clearance", "secret"]) == 0
    printed = dict(line.split(":", 1) for line in capsys.readouterr().out.splitlines())
    client_id, secret = printed["client_id"].strip(), printed["client_secret"].strip()
    registry = ClientRegistry(tmp_path / "clients.json")
    assert registry.authenticate(client_id, secret) is not None
    assert auth_cli(["list-clients"]) == 0
    [listed] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert listed["scopes"] == ["budgeting:read", "correspondence:submit"]
    assert listed["clearance"] == "secret" and "secret_hash" not in listed
    assert auth_cli(["revoke-client", client_id]) == 0
    assert registry.authenticate(client_id, secret) is None
    assert auth_cli(["revoke-client", "nobody"]) == 1
    assert auth_cli(["register-client", "--agency", "x", "--scopes", "nonsense"]) == 2


# --- scope rules ---------------------------------------------------------------------------------------


def test_scope_rules_default_by_method_and_routes_may_say_otherwise() -> None:
    assert required_scope("budgeting", "GET", "/lines", None) == "budgeting:read"
    assert required_scope("budgeting", "POST", "/lines", {"summary": "x"}) == "budgeting:write"
    assert required_scope("budgeting", "PATCH", "/lines/1", None) == "budgeting:write"
    assert required_scope("budgeting", "GET", "/audit/events", None) == "budgeting:audit"
    assert required_scope("budgeting", "POST", "/admin/dead-letters/replay", None) == (
        "budgeting:admin")
    assert required_scope("budgeting", "GET", "/administration", None) == "budgeting:read"
    assert required_scope("budgeting", "GET", "/admin/x", requires_scope("budgeting:audit")) == (
        "budgeting:audit")
    assert required_scope("budgeting", "POST", "/health", PUBLIC) is None


def test_the_openapi_document_shows_what_is_enforced() -> None:
    schema: dict[str, Any] = {"paths": {
        "/lines": {"get": {"responses": {}}, "post": {"responses": {}}},
        "/agency": {"post": {"responses": {}, **requires_scope("budgeting:submit")}},
        "/health": {"get": {"responses": {}, **PUBLIC}},
        "/audit/events": {"get": {"responses": {}}},
        "/admin/dead-letters/replay": {"post": {"responses": {}}},
    }}
    document_security(schema, "budgeting", "/oauth/token")
    assert schema["paths"]["/lines"]["get"]["security"] == [{"OAuth2": ["budgeting:read"]}]
    assert schema["paths"]["/lines"]["post"]["security"] == [{"OAuth2": ["budgeting:write"]}]
    assert schema["paths"]["/health"]["get"]["security"] == []
    assert schema["paths"]["/audit/events"]["get"]["security"] == [{"OAuth2": ["budgeting:audit"]}]
    assert schema["paths"]["/admin/dead-letters/replay"]["post"]["security"] == [
        {"OAuth2": ["budgeting:admin"]}]
    flow = schema["components"]["securitySchemes"]["OAuth2"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oauth/token"
    assert scopes_of(schema) == {"office:staff", "budgeting:read", "budgeting:write",
                                 "budgeting:submit", "budgeting:audit", "budgeting:admin"}


# --- rate limits ---------------------------------------------------------------------------------------


def test_a_token_bucket_allows_bursts_then_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    taken = [limiter.take("a", per_minute=60, burst=3) for _ in range(4)]
    assert taken[:3] == [0, 0, 0] and taken[3] == pytest.approx(1.0)
    assert limiter.take("b", per_minute=60, burst=3) == 0, "each client has its own bucket"
    clock.now += 0.5
    assert limiter.take("a", per_minute=60, burst=3) == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.take("a", per_minute=60, burst=3) == 0
    clock.now += 3600
    assert [limiter.take("a", per_minute=60, burst=3) for _ in range(4)][3] > 0, "never above burst"
    assert retry_after_header(0.2) == "1" and retry_after_header(1.5) == "2"


def test_memory_stays_bounded_by_dropping_full_buckets() -> None:
    clock = Clock()
    limiter = RateLimiter(clock, max_keys=10)
    for n in range(10):
        limiter.take(f"c{n}", per_minute=60, burst=5)
    clock.now += 60
    limiter.take("new", per_minute=60, burst=5)
    assert len(limiter._buckets) == 1


# --- refusals in the store -----------------------------------------------------------------------------


class Store(ServiceApplication):
    name = "authtest"


def test_every_refusal_is_its_own_record_and_only_429s_are_counted_per_minute(
        tmp_path: Path) -> None:
    app = Store(settings_in(tmp_path))
    clock = Clock()
    recorder = RefusalRecorder(app, "authtest", clock=clock)
    at = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    missing = Refusal(status=401, reason="token-missing", method="GET", path="/x", remote="10.0.0.9",
                      at=at)
    flood = Refusal(status=429, reason="rate-limited", method="GET", path="/y", client="agency-1",
                    at=at)
    officer = Refusal(status=403, reason="role-required", method="POST", path="/z",
                      client="office-portal", officer="off-1", at=at)
    try:
        assert [recorder.record(missing) for _ in range(3)] == [True, True, True], \
            "refusals within a second of each other are each recorded"
        assert [recorder.record(flood) for _ in range(4)] == [True, False, False, False]
        assert recorder.record(officer)
        clock.now += 60.0
        assert recorder.record(flood), "a new minute of 429s starts a new record"
        recorded = access_refusals(app)
        assert [(r["reason"], r["repeated_before"]) for r in recorded] == [
            ("token-missing", 0), ("token-missing", 0), ("token-missing", 0),
            ("rate-limited", 0), ("role-required", 0), ("rate-limited", 3)]
        assert recorded[4]["officer"] == "off-1" and recorded[4]["client"] == "office-portal"
        log = app.get(AccessLog, AccessLog.create_id("authtest", at.date()))
        assert log is not None and log.refused == 9, "every refusal is counted"
        listed, last = refusals_on(app, "authtest", at.date())
        assert [r["path"] for r in listed] == ["/x", "/x", "/x", "/y", "/z", "/y"] and last is None
        first, last = refusals_on(app, "authtest", at.date(), limit=4)  # "Opened", then three
        rest, end = refusals_on(app, "authtest", at.date(), after=last, limit=4)
        assert first + rest == listed and last == 4 and end is None, "a page at a time"
        assert refusals_on(app, "authtest", at.date() + timedelta(days=1)) == ([], None)
    finally:
        app.close()


def test_an_expired_but_genuine_token_names_its_client(tmp_path: Path) -> None:
    service = tokens_of(settings_in(tmp_path))
    expired = service.issue(client_id="agency-7", agency="ก", scopes=["a:read"], clearance="none",
                            now=datetime.now(UTC) - timedelta(minutes=20))
    with pytest.raises(TokenRefused) as refused:
        service.verify(expired)
    assert (refused.value.reason, refused.value.client_id) == ("token-expired", "agency-7")
    forged = expired[:-4] + ("AAAA" if not expired.endswith("AAAA") else "BBBB")
    with pytest.raises(TokenRefused) as refused:
        service.verify(forged)
    assert refused.value.client_id is None, "a token that is not the office's names nobody"


def test_a_verified_token_is_remembered_only_until_it_expires(tmp_path: Path) -> None:
    service = tokens_of(settings_in(tmp_path))
    token = service.issue(client_id="c", agency="ก", scopes=["a:read"], clearance="none",
                          lifetime=timedelta(seconds=1))
    assert service.verify(token) is service.verify(token), "the second check is the first's"
    expired = service.issue(client_id="c", agency="ก", scopes=["a:read"], clearance="none",
                            now=datetime.now(UTC) - timedelta(minutes=20))
    for _ in range(2):
        with pytest.raises(TokenRefused):
            service.verify(expired)
    # Once its expiry has passed, what was remembered is not used: the token is checked again.
    remembered = service._verified[token]
    stale = type(remembered)(**{**remembered.__dict__,
                                "expires_at": datetime.now(UTC) - timedelta(minutes=1)})
    service._verified[token] = stale
    again = service.verify(token)
    assert again is not stale and again.expires_at == remembered.expires_at
