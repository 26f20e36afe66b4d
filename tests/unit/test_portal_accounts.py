"""The portal's accounts, credentials and sessions, unit by unit: the sign-in rules of the
`Account` aggregate (who needs a second factor, back-off, lockout), the credential table (argon2id,
serials, encrypted TOTP seeds, no replay), sessions (expiry, a new id per step), and that no secret
ever reaches an event."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from services.portal.application import DirectoryEntry, PortalApplication, SignInRefused
from services.portal.credentials import (
    Credentials,
    WeakPassword,
    check_new_password,
    load_credential_key,
    one_time_password,
)
from services.portal.domain import (
    Account,
    AccountLocked,
    NoSecondFactor,
    PasswordKind,
    SignInPolicy,
    Stage,
    TooSoon,
)
from services.portal.sessions import SessionStore, session_hash
from services.portal.settings import PortalSettings
from services.portal.tables import PortalTables

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
POLICY = SignInPolicy(max_failures=5, lockout=timedelta(minutes=15), backoff_after=2,
                      backoff_base_seconds=1.0)


def account(roles: tuple[str, ...] = ("clerk",)) -> Account:
    return Account.open(officer_id="clerk-1", name_th="สมศรี", roles=roles, created_by="esa-1",
                        at=T0)


# --- the Account aggregate ------------------------------------------------------------------------
def test_deciding_roles_need_a_second_factor_and_a_one_time_password_is_replaced_first() -> None:
    director = account(("group_director",))
    director.set_password(kind=PasswordKind.initial, one_time=True, by="setup", at=T0)
    assert director.next_stage({"group_director"}, second_factor_done=False) == \
        Stage.change_password
    director.set_password(kind=PasswordKind.changed, one_time=False, by="dir-1", at=T0)
    assert director.next_stage({"group_director"}, second_factor_done=False) == Stage.enrol
    director.enrol_second_factor(at=T0)
    assert director.next_stage({"group_director"}, second_factor_done=False) == \
        Stage.second_factor
    assert director.next_stage({"group_director"}, second_factor_done=True) == Stage.signed_in

    clerk = account()
    assert clerk.next_stage({"clerk"}, second_factor_done=False) == Stage.signed_in
    assert not clerk.requires_second_factor({"clerk"})
    assert clerk.requires_second_factor({"clerk", "signer"})  # a role added in the directory


def test_failures_back_off_then_lock_and_the_lock_runs_out() -> None:
    clerk = account()
    at = T0
    for expected_wait in (0, 1, 2, 4, None):  # waits after the 1st..4th failure; the 5th locks
        clerk.check_can_try(at, POLICY)
        clerk.fail(reason="wrong-password", at=at, remote="10.0.0.9", policy=POLICY)
        if expected_wait:
            with pytest.raises(TooSoon):
                clerk.check_can_try(at + timedelta(seconds=expected_wait - 0.5), POLICY)
            at += timedelta(seconds=expected_wait)
    assert clerk.is_locked(at)
    with pytest.raises(AccountLocked):
        clerk.check_can_try(at + timedelta(minutes=14), POLICY)
    clerk.check_can_try(at + timedelta(minutes=15), POLICY)  # the lock ran out
    clerk.fail(reason="wrong-password", at=at + timedelta(minutes=15), remote=None,
               policy=POLICY)
    assert clerk.failures == 1 and not clerk.is_locked(at + timedelta(minutes=15))
    names = [type(e).__name__ for e in clerk.collect_events()]
    assert names.count("SignInFailed") == 6 and names.count("LockedOut") == 1


def test_a_director_unlocks_and_a_sign_in_clears_the_count() -> None:
    clerk = account()
    for _ in range(5):
        clerk.fail(reason="wrong-password", at=T0, remote=None, policy=POLICY)
    clerk.unlock(by="dir-1", at=T0)
    assert not clerk.is_locked(T0) and clerk.failures == 0
    clerk.fail(reason="wrong-password", at=T0, remote=None, policy=POLICY)
    clerk.sign_in(method="password", second_factor=False, roles={"clerk"}, session_ref="ab",
                  remote=None, at=T0)  # type: ignore[arg-type]
    assert clerk.failures == 0
    with pytest.raises(NoSecondFactor):
        clerk.reset_second_factor(by="dir-1", at=T0)


# --- credentials ----------------------------------------------------------------------------------
@pytest.fixture
def credentials(tmp_path: Path) -> Credentials:
    settings = PortalSettings(var_dir=tmp_path / "var")
    return Credentials(PortalTables(settings), load_credential_key(settings))


def test_passwords_are_argon2id_hashes_valid_only_for_their_serial(
        credentials: Credentials, tmp_path: Path) -> None:
    subject = Account.create_id("clerk-1")
    credentials.store_password(subject, "รหัสผ่านที่ยาวพอ-1", 2)
    assert credentials.password_matches(subject, "รหัสผ่านที่ยาวพอ-1", 2)
    assert not credentials.password_matches(subject, "รหัสผ่านที่ยาวพอ-2", 2)
    assert not credentials.password_matches(subject, "รหัสผ่านที่ยาวพอ-1", 3)  # no event for it
    assert not credentials.password_matches(None, "รหัสผ่านที่ยาวพอ-1", 2)
    with credentials.tables.transaction() as run:
        stored = run("SELECT password_hash FROM portal_credentials").fetchone()[0]
    assert stored.startswith("$argon2id$") and "ยาวพอ" not in stored


def test_a_totp_code_counts_once_and_the_seed_is_encrypted_at_rest(
        credentials: Credentials, tmp_path: Path) -> None:
    subject = Account.create_id("dir-1")
    seed = credentials.start_enrolment(subject)
    now = time.time()
    totp = pyotp.TOTP(seed)
    assert not credentials.check_pending_code(subject, "123456" if totp.at(now) != "123456"
                                              else "654321", at=now).accepted
    assert credentials.check_pending_code(subject, totp.at(now), at=now).accepted
    credentials.confirm_enrolment(subject, 1)
    again = credentials.check_code(subject, totp.at(now), 1, at=now)
    assert (again.accepted, again.reason) == (False, "replayed-code")
    assert credentials.check_code(subject, totp.at(now + 30), 1, at=now + 30).accepted
    assert credentials.check_code(subject, totp.at(now + 60), 2, at=now + 60).reason == "no-seed"
    raw = (tmp_path / "var" / "portal.sqlite3").read_bytes()
    assert seed.encode() not in raw


def test_new_passwords_and_one_time_passwords() -> None:
    with pytest.raises(WeakPassword):
        check_new_password("short", "clerk-1")
    with pytest.raises(WeakPassword):
        check_new_password("CLERK-1", "clerk-1")
    check_new_password("ยาวพอและไม่ซ้ำ", "clerk-1")
    first, second = one_time_password(), one_time_password()
    assert first != second and len(first) == 14 and first.count("-") == 2


# --- sessions -------------------------------------------------------------------------------------
def test_sessions_expire_idle_and_absolute_and_each_step_gets_a_new_id(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = SessionStore(PortalTables(PortalSettings(var_dir=tmp_path / "var")),
                         idle_seconds=600, absolute_seconds=3600, clock=lambda: now[0])
    first = store.create(account_id=Account.create_id("dir-1"), officer_id="dir-1",
                         name_th="ประเสริฐ", roles=frozenset({"group_director"}),
                         stage=Stage.second_factor, method="password")
    second = store.advance(first, stage=Stage.signed_in, second_factor_done=True)
    assert second.raw_id != first.raw_id and store.get(first.raw_id) is None
    assert store.get(second.raw_id).signed_in  # type: ignore[union-attr]
    with store.tables.transaction() as run:
        kept = [row[0] for row in run("SELECT session_hash FROM portal_sessions")]
    assert kept == [session_hash(second.raw_id)]  # only the hash is stored

    for _ in range(5):  # busy, never idle for 10 minutes: still the hour ends it
        now[0] += 590
        assert store.get(second.raw_id) is not None
    now[0] += 800
    assert store.get(second.raw_id) is None
    idle = store.create(account_id=Account.create_id("dir-1"), officer_id="dir-1", name_th="x",
                        roles=frozenset(), stage=Stage.signed_in, method="password")
    now[0] += 601
    assert store.get(idle.raw_id) is None


# --- no secret in any event -----------------------------------------------------------------------
def test_no_password_hash_or_seed_ever_enters_an_event(tmp_path: Path) -> None:
    app = PortalApplication(PortalSettings(var_dir=tmp_path / "var", portal_max_failures=3,
                                           portal_backoff_base_seconds=0))
    try:
        director = DirectoryEntry("dir-1", "ประเสริฐ", frozenset({"group_director"}))
        one_time = app.create_account(director, by=None)
        session = app.check_password("dir-1", one_time, remote="127.0.0.1", officer=director)
        session = app.set_new_password(session, "รหัสใหม่ที่ยาวพอ-2569", remote=None)
        seed = app.enrolment_seed(session)
        session = app.confirm_enrolment(session, pyotp.TOTP(seed).now(), remote=None)
        assert session.signed_in
        with pytest.raises(SignInRefused):
            app.check_password("dir-1", "ผิด", remote=None, officer=director)
        reset = app.reset_password("dir-1", by=None)

        with app.tables.transaction() as run:
            hashes = [row[0] for row in run("SELECT password_hash FROM portal_credentials")]
        stored = b"".join(n.state for n in app.read_notifications(0, 10_000))
        for secret in (one_time, "รหัสใหม่ที่ยาวพอ-2569", reset, seed, *hashes):
            assert secret.encode() not in stored
        names = [type(e).__name__ for e in app.events.get(Account.create_id("dir-1"))]
        assert names == ["Created", "PasswordSet", "PasswordSet", "SecondFactorEnrolled",
                         "SignedIn", "SignInFailed", "PasswordSet", "SessionsRevoked"]
    finally:
        app.close()


def test_directors_page_through_and_search_the_accounts_and_a_lockout_runs_out(
        tmp_path: Path) -> None:
    """The list of accounts is read from the portal's own database a page at a time, by officer
    id, searched by id or name; whether an account is locked is decided when it is read."""
    now = [T0]
    app = PortalApplication(PortalSettings(var_dir=tmp_path / "var", portal_max_failures=3,
                                           portal_backoff_base_seconds=0,
                                           portal_argon2_time_cost=1,
                                           portal_argon2_memory_kib=8192),
                            clock=lambda: now[0])
    try:
        for n in range(57):
            app.create_account(DirectoryEntry(f"off-{n:02d}", f"ครู คนที่ {n}",
                                              frozenset({"officer"})), by=None)
        clerk = DirectoryEntry("clerk-1", "สมศรี ใจดี", frozenset({"clerk"}))
        app.create_account(clerk, by=None)
        for _ in range(3):
            with pytest.raises(SignInRefused):
                app.check_password("clerk-1", "ผิด", remote=None, officer=clerk)

        seen, cursor = [], None
        while True:
            page = app.accounts_view(cursor=cursor, limit=25)
            assert page["total"] == 58 and len(page["items"]) <= 25
            seen += [a["officer_id"] for a in page["items"]]
            if (cursor := page["next_cursor"]) is None:
                break
        assert seen == ["clerk-1", *(f"off-{n:02d}" for n in range(57))], "each once, in order"

        found = app.accounts_view(q="สมศรี")
        assert [a["officer_id"] for a in found["items"]] == ["clerk-1"] and found["total"] == 1
        assert found["items"][0]["locked"] and found["items"][0]["locked_until"]
        assert app.accounts_view(q="off-1")["total"] == 10
        assert app.accounts_view(cursor="not-a-cursor", limit=5)["items"][0]["officer_id"] == \
            "clerk-1", "a cursor that is not one starts from the first page"

        now[0] = T0 + timedelta(days=1)
        clerk_now = app.accounts_view(q="clerk")["items"][0]
        assert not clerk_now["locked"] and clerk_now["locked_until"] is None
    finally:
        app.close()
