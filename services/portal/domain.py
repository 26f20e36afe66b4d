"""The portal's own domain: officers' accounts and their sign-ins. Pure, like every domain module.

An account is bound to one entry of the staff directory (correspondence's `/officers`) by its
officer id. Its events say what happened (created, a password set, a second factor enrolled or
reset, signed in, a failed try, locked out, unlocked, signed out, sessions revoked) and never a
secret: password hashes and TOTP seeds live in the credential table (`credentials.py`), and an
event only counts them (`password_serial`, `second_factor_serial`), so a credential that was
written without its event, or an event without its credential, is found and refused.

The rules of signing in live here: who needs a second factor (anyone who signs, approves or
records a body's decision), the back-off after failures and the lockout, and the steps a sign-in
goes through (`next_stage`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from shared.domain import Aggregate, Conflict, DeclaredError, NotFound, aware, event

# Roles whose holders sign, approve or record a body's decision: their accounts need a second
# factor (the staff directory's role names).
DECIDING_ROLES = frozenset({"esa_director", "signer", "group_director"})
# Roles whose holders manage accounts in the portal.
ACCOUNT_ADMIN_ROLES = frozenset({"esa_director", "group_director"})
# An auditor: not an officer of the staff directory but an account of the portal's own, which
# reads every service's audit trail and writes nothing; it signs in with a second factor too.
AUDITOR_ROLE = "auditor"
SECOND_FACTOR_ROLES = DECIDING_ROLES | {AUDITOR_ROLE}


class PasswordKind(StrEnum):
    initial = "initial"  # set when the account was created (one-time)
    changed = "changed"  # the officer chose a new one
    reset = "reset"  # a director gave a new one-time password


class SignInMethod(StrEnum):
    password = "password"
    oidc = "oidc"


class Stage(StrEnum):
    """Where a sign-in stands; only `signed_in` opens the portal."""

    second_factor = "second_factor"  # password accepted, the TOTP code is next
    change_password = "change_password"  # a one-time password must be replaced first
    enrol = "enrol"  # a deciding role without a second factor: enrol one now
    signed_in = "signed_in"


@dataclass(frozen=True)
class SignInPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    backoff_after: int = 2
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 300.0

    def wait_after(self, failures: int) -> timedelta:
        """How long the next try must wait after `failures` consecutive failures."""
        if failures < self.backoff_after:
            return timedelta(0)
        seconds = self.backoff_base_seconds * 2 ** (failures - self.backoff_after)
        return timedelta(seconds=min(seconds, self.backoff_max_seconds))


class AccountExists(DeclaredError, Conflict):
    code = "account-exists"
    title_th = "เจ้าหน้าที่ผู้นี้มีบัญชีผู้ใช้แล้ว"
    title_en = "This officer already has an account"


class UnknownAccount(DeclaredError, NotFound):
    code = "unknown-account"
    title_th = "ไม่พบบัญชีผู้ใช้"
    title_en = "No such account"


class AccountLocked(DeclaredError):
    status = 423
    code = "account-locked"
    title_th = "บัญชีถูกระงับชั่วคราวเพราะใส่รหัสผิดหลายครั้ง"
    title_en = "The account is locked after repeated failures"


class TooSoon(DeclaredError):
    status = 429
    code = "sign-in-too-soon"
    title_th = "ลองใหม่เร็วเกินไป โปรดรอสักครู่แล้วลองอีกครั้ง"
    title_en = "Too soon after a failed try; wait a moment"


class NotAnAccountAdministrator(DeclaredError):
    status = 403
    code = "not-an-account-administrator"
    title_th = "เฉพาะผู้อำนวยการจัดการบัญชีผู้ใช้ได้"
    title_en = "Only directors manage accounts"


class OwnAccount(DeclaredError):
    status = 403
    code = "own-account"
    title_th = "จัดการบัญชีของตนเองผ่านหน้านี้ไม่ได้ ให้ผู้อำนวยการอีกท่านดำเนินการ"
    title_en = "A director does not reset or unlock their own account"


class NotForAuditors(DeclaredError):
    status = 403
    code = "not-an-auditor-id"
    title_th = "รหัสนี้เป็นของเจ้าหน้าที่ในทะเบียนเจ้าหน้าที่ ใช้เป็นบัญชีผู้ตรวจสอบไม่ได้"
    title_en = "This id belongs to an officer of the staff directory"


class NotTheEsaDirector(DeclaredError):
    status = 403
    code = "auditors-by-esa-director"
    title_th = "เฉพาะผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาสร้างบัญชีผู้ตรวจสอบได้"
    title_en = "Only the ESA director creates auditors' accounts"


class NoSecondFactor(DeclaredError, Conflict):
    code = "no-second-factor"
    title_th = "บัญชีนี้ยังไม่ได้ลงทะเบียนรหัสยืนยันสองชั้น"
    title_en = "No second factor is enrolled"


class Account(Aggregate, stored_as="portal.Account"):
    """An officer's account in the portal."""

    @staticmethod
    def create_id(officer_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"esa:portal:account:{officer_id}")

    @event("Created")
    def __init__(self, *, officer_id: str, name_th: str, roles: list[str], created_by: str | None,
                 at: datetime) -> None:
        self.officer_id = officer_id
        self.name_th = name_th
        self.roles = frozenset(roles)
        self.created_at = at
        self.password_serial = 0
        self.must_change_password = False
        self.second_factor = False
        self.second_factor_serial = 0
        self.failures = 0
        self.last_failure_at: datetime | None = None
        self.locked_until: datetime | None = None
        self.last_signed_in_at: datetime | None = None

    @classmethod
    def open(cls, *, officer_id: str, name_th: str, roles: Iterable[str], created_by: str | None,
             at: datetime) -> Account:
        return cls(officer_id=officer_id, name_th=name_th, roles=sorted(set(roles)),
                   created_by=created_by, at=aware(at))

    # --- who needs what -------------------------------------------------------------------------
    @staticmethod
    def deciding(roles: Iterable[str]) -> bool:
        """Holding a role whose holder must sign in with a second factor."""
        return bool(SECOND_FACTOR_ROLES & set(roles))

    @property
    def auditor(self) -> bool:
        return AUDITOR_ROLE in self.roles

    def requires_second_factor(self, roles: Iterable[str]) -> bool:
        """Enrolled, or holding a role that decides: then every sign-in asks for a code."""
        return self.second_factor or self.deciding(roles)

    def next_stage(self, roles: Iterable[str], *, second_factor_done: bool) -> Stage:
        """The step a sign-in takes next, once the password (or the provider) was accepted."""
        if self.second_factor and not second_factor_done:
            return Stage.second_factor
        if self.must_change_password:
            return Stage.change_password
        if self.deciding(roles) and not self.second_factor:
            return Stage.enrol
        return Stage.signed_in

    def is_locked(self, at: datetime) -> bool:
        return self.locked_until is not None and at < self.locked_until

    def _failures_now(self, at: datetime) -> int:
        """A lockout that has run out starts the count again."""
        if self.locked_until is not None and at >= self.locked_until:
            return 0
        return self.failures

    # --- signing in -----------------------------------------------------------------------------
    def check_can_try(self, at: datetime, policy: SignInPolicy) -> None:
        """Refuse a try while locked, or sooner than the back-off allows (nothing is checked then,
        so guessing gains nothing)."""
        at = aware(at)
        if self.is_locked(at):
            assert self.locked_until is not None
            raise AccountLocked(f"locked until {self.locked_until.isoformat()}",
                                locked_until=self.locked_until.isoformat())
        failures = self._failures_now(at)
        if failures and self.last_failure_at is not None:
            allowed_at = self.last_failure_at + policy.wait_after(failures)
            if at < allowed_at:
                wait = max(1, int((allowed_at - at).total_seconds() + 0.999))
                raise TooSoon(f"wait {wait} s", retry_after_seconds=wait)

    def fail(self, *, reason: str, at: datetime, remote: str | None, policy: SignInPolicy) -> None:
        at = aware(at)
        failures = self._failures_now(at) + 1
        self._failed(reason=reason, failures=failures, remote=remote, at=at)
        if failures >= policy.max_failures:
            self._locked_out(until=at + policy.lockout, failures=failures, at=at)

    def sign_in(self, *, method: SignInMethod, second_factor: bool, roles: Iterable[str],
                session_ref: str, remote: str | None, at: datetime) -> None:
        self._signed_in(method=method, second_factor=second_factor, roles=sorted(set(roles)),
                        session_ref=session_ref, remote=remote, at=aware(at))

    def sign_out(self, *, session_ref: str, at: datetime) -> None:
        self._signed_out(session_ref=session_ref, at=aware(at))

    def revoke_sessions(self, *, count: int, by: str, at: datetime) -> None:
        self._sessions_revoked(count=count, by=by, at=aware(at))

    # --- credentials (counted here, kept in the credential table) -------------------------------
    def set_password(self, *, kind: PasswordKind, one_time: bool, by: str, at: datetime) -> int:
        """Record that a password was set; returns the serial its credential row must carry."""
        self._password_set(kind=kind, one_time=one_time, by=by, at=aware(at))
        return self.password_serial

    def enrol_second_factor(self, *, at: datetime) -> int:
        self._second_factor_enrolled(at=aware(at))
        return self.second_factor_serial

    def reset_second_factor(self, *, by: str, at: datetime) -> int:
        if not self.second_factor:
            raise NoSecondFactor(self.officer_id)
        self._second_factor_reset(by=by, at=aware(at))
        return self.second_factor_serial

    def unlock(self, *, by: str, at: datetime) -> None:
        if self.failures or self.locked_until is not None:
            self._unlocked(by=by, at=aware(at))

    # --- events ---------------------------------------------------------------------------------
    @event("PasswordSet")
    def _password_set(self, kind: PasswordKind, one_time: bool, by: str, at: datetime) -> None:
        self.password_serial += 1
        self.must_change_password = one_time
        if kind == PasswordKind.reset:  # a director's reset also lifts a lockout
            self.failures, self.locked_until = 0, None

    @event("SecondFactorEnrolled")
    def _second_factor_enrolled(self, at: datetime) -> None:
        self.second_factor = True
        self.second_factor_serial += 1

    @event("SecondFactorReset")
    def _second_factor_reset(self, by: str, at: datetime) -> None:
        self.second_factor = False
        self.second_factor_serial += 1

    @event("SignedIn")
    def _signed_in(self, method: SignInMethod, second_factor: bool, roles: list[str],
                   session_ref: str, remote: str | None, at: datetime) -> None:
        self.failures, self.locked_until, self.last_failure_at = 0, None, None
        self.roles = frozenset(roles)
        self.last_signed_in_at = at

    @event("SignInFailed")
    def _failed(self, reason: str, failures: int, remote: str | None, at: datetime) -> None:
        self.failures = failures
        self.last_failure_at = at
        if self.locked_until is not None and at >= self.locked_until:
            self.locked_until = None

    @event("LockedOut")
    def _locked_out(self, until: datetime, failures: int, at: datetime) -> None:
        self.locked_until = until

    @event("Unlocked")
    def _unlocked(self, by: str, at: datetime) -> None:
        self.failures, self.locked_until, self.last_failure_at = 0, None, None

    @event("SignedOut")
    def _signed_out(self, session_ref: str, at: datetime) -> None:
        pass  # the event is the record

    @event("SessionsRevoked")
    def _sessions_revoked(self, count: int, by: str, at: datetime) -> None:
        pass  # the sessions themselves are gone from the session table
