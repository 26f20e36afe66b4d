"""The portal's commands and queries on accounts, sign-ins and sessions.

Blocking (event store, argon2, the tables): the pages call it from worker threads. Who the officer
is and which roles they hold come from the staff directory (correspondence), read by the pages
through the service client and handed in as `DirectoryEntry`; this module never calls a service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from services.portal.credentials import (
    Credentials,
    check_new_password,
    load_credential_key,
    one_time_password,
)
from services.portal.domain import (
    ACCOUNT_ADMIN_ROLES,
    AUDITOR_ROLE,
    Account,
    AccountExists,
    NotAnAccountAdministrator,
    NotTheEsaDirector,
    OwnAccount,
    PasswordKind,
    SignInMethod,
    SignInPolicy,
    Stage,
    UnknownAccount,
)
from services.portal.projections import (
    ACCOUNT_COLUMNS,
    ACCOUNT_INDEXES,
    account_row,
    account_view,
)
from services.portal.sessions import CsrfTokens, Session, SessionStore
from services.portal.settings import PortalSettings
from services.portal.tables import PortalTables
from shared.context import acting_as, current_trace_id
from shared.domain import DeclaredError
from shared.eventstore import ServiceApplication
from shared.http.paging import InvalidCursor, decode_cursor, encode_cursor
from shared.office.directory import NoDirectory
from shared.thaitime import utc_now

SETUP_ACTOR = "setup"  # who created an account from the command line


class SignInRefused(DeclaredError):
    status = 401
    code = "sign-in-refused"
    title_th = "รหัสเจ้าหน้าที่หรือรหัสผ่านไม่ถูกต้อง"
    title_en = "Wrong officer id or password"


class CodeRefused(DeclaredError):
    status = 401
    code = "second-factor-refused"
    title_th = "รหัสยืนยันไม่ถูกต้อง หรือถูกใช้ไปแล้ว โปรดใช้รหัสชุดถัดไป"
    title_en = "Wrong or already used code"


class OfficerInactive(DeclaredError):
    status = 403
    code = "officer-inactive"
    title_th = "เจ้าหน้าที่ผู้นี้ถูกระงับในทะเบียนเจ้าหน้าที่ เข้าสู่ระบบไม่ได้"
    title_en = "The officer is inactive in the staff directory"


class WrongStage(DeclaredError):
    status = 409
    code = "sign-in-step"
    title_th = "ขั้นตอนการเข้าสู่ระบบไม่ถูกต้อง โปรดเริ่มใหม่"
    title_en = "Not at this step of signing in"


@dataclass(frozen=True)
class DirectoryEntry:
    """An officer as the staff directory (correspondence `/officers`) lists them."""

    officer_id: str
    name_th: str
    roles: frozenset[str]
    active: bool = True
    position_th: str = ""
    clearance: str = "none"

    @classmethod
    def of(cls, data: dict[str, Any]) -> DirectoryEntry:
        return cls(officer_id=data["officer_id"], name_th=data["name_th"],
                   roles=frozenset(data.get("roles", ())), active=bool(data.get("active", True)),
                   position_th=data.get("position_th", ""),
                   clearance=data.get("clearance", "none"))


class PortalApplication(ServiceApplication):
    name = "portal"

    def __init__(self, settings: PortalSettings, *, clock: Callable[[], datetime] = utc_now,
                 env: dict[str, str] | None = None) -> None:
        super().__init__(settings, env)
        self.settings: PortalSettings = settings
        self.clock = clock
        self.tables = PortalTables(settings)
        self.credentials = Credentials(self.tables, load_credential_key(settings),
                                       hasher=PasswordHasher(
                                           time_cost=settings.portal_argon2_time_cost,
                                           memory_cost=settings.portal_argon2_memory_kib))
        self.sessions = SessionStore(
            self.tables, idle_seconds=settings.portal_session_idle_minutes * 60,
            absolute_seconds=settings.portal_session_absolute_hours * 3600,
            clock=lambda: self.clock().timestamp())
        self.csrf = CsrfTokens(self.credentials.derived_key("csrf"))
        self.policy = SignInPolicy(
            max_failures=settings.portal_max_failures,
            lockout=timedelta(minutes=settings.portal_lockout_minutes),
            backoff_after=settings.portal_backoff_after,
            backoff_base_seconds=settings.portal_backoff_base_seconds)
        self.accounts = self.read_models.listing("accounts", of=(Account,), row=account_row,
                                                 columns=ACCOUNT_COLUMNS, indexes=ACCOUNT_INDEXES)

    @property
    def directory(self) -> NoDirectory:  # type: ignore[override]
        """The portal decides nothing: the services it calls check the officer it names."""
        return NoDirectory()

    def close(self) -> None:
        super().close()
        self.tables.close()

    # --- loading --------------------------------------------------------------------------------
    def account(self, officer_id: str) -> Account | None:
        return self.get(Account, Account.create_id(officer_id))

    def _account(self, officer_id: str) -> Account:
        account = self.account(officer_id)
        if account is None:
            raise UnknownAccount(officer_id, officer_id=officer_id)
        return account

    def _save(self, *aggregates: Account, actor: str | None = None) -> None:
        if actor is None:
            self.execute(lambda: (None, list(aggregates)))
            return
        with acting_as(actor, current_trace_id()):
            self.execute(lambda: (None, list(aggregates)))

    # --- accounts (directors; the first from the command line) ----------------------------------
    @staticmethod
    def require_account_admin(director: DirectoryEntry, officer_id: str | None = None) -> None:
        """Directors manage accounts, never their own (another director does that)."""
        if not (director.active and ACCOUNT_ADMIN_ROLES & director.roles):
            raise NotAnAccountAdministrator(director.officer_id)
        if officer_id is not None and officer_id == director.officer_id:
            raise OwnAccount(officer_id)

    def create_account(self, officer: DirectoryEntry, *, by: DirectoryEntry | None) -> str:
        """An account for a directory entry; returns its one-time password (shown once)."""
        if by is not None:
            self.require_account_admin(by)
        if self.account(officer.officer_id) is not None:
            raise AccountExists(officer.officer_id, officer_id=officer.officer_id)
        actor = by.officer_id if by else SETUP_ACTOR
        now = self.clock()
        account = Account.open(officer_id=officer.officer_id, name_th=officer.name_th,
                               roles=officer.roles, created_by=actor, at=now)
        serial = account.set_password(kind=PasswordKind.initial, one_time=True, by=actor, at=now)
        password = one_time_password()
        self._save(account, actor=actor)
        self.credentials.store_password(account.id, password, serial)
        return password

    def create_auditor(self, account_id: str, name_th: str, *,
                       by: DirectoryEntry | None) -> str:
        """An auditor's account (not an officer of the directory: the caller has checked that no
        officer has this id); returns its one-time password. Only the ESA director (or the
        command line) creates one."""
        if by is not None:
            self.require_account_admin(by)
            if "esa_director" not in by.roles:
                raise NotTheEsaDirector(by.officer_id)
        return self.create_account(DirectoryEntry(account_id, name_th, frozenset({AUDITOR_ROLE})),
                                   by=by)

    def reset_password(self, officer_id: str, *, by: DirectoryEntry | None) -> str:
        """A new one-time password (lifting any lockout); every session of the account ends."""
        if by is not None:
            self.require_account_admin(by, officer_id)
        actor = by.officer_id if by else SETUP_ACTOR
        account = self._account(officer_id)
        now = self.clock()
        serial = account.set_password(kind=PasswordKind.reset, one_time=True, by=actor, at=now)
        self._end_sessions(account, by=actor, at=now)
        password = one_time_password()
        self._save(account, actor=actor)
        self.credentials.store_password(account.id, password, serial)
        return password

    def unlock(self, officer_id: str, *, by: DirectoryEntry | None) -> None:
        if by is not None:
            self.require_account_admin(by, officer_id)
        account = self._account(officer_id)
        account.unlock(by=by.officer_id if by else SETUP_ACTOR, at=self.clock())
        self._save(account, actor=by.officer_id if by else SETUP_ACTOR)

    def reset_second_factor(self, officer_id: str, *, by: DirectoryEntry) -> None:
        """The officer enrols again at the next sign-in; their sessions end now."""
        self.require_account_admin(by, officer_id)
        account = self._account(officer_id)
        now = self.clock()
        serial = account.reset_second_factor(by=by.officer_id, at=now)
        self._end_sessions(account, by=by.officer_id, at=now)
        self._save(account, actor=by.officer_id)
        self.credentials.clear_second_factor(account.id, serial)

    def accounts_view(self, *, q: str = "", cursor: str | None = None,
                      limit: int = 50) -> dict[str, Any]:
        """Accounts by officer id, those whose officer id or name holds `q`, one page after
        `cursor` (the last of the page before); a cursor that is not one is the first page."""
        needle = q.strip()
        where: dict[str, Any] = {"any": [{"officer_id__contains": needle},
                                         {"name_th__contains": needle}]} if needle else {}
        try:
            rows = self.accounts.select(where, order_by=("officer_id",), limit=limit + 1,
                                        after=decode_cursor(cursor) if cursor else None)
        except InvalidCursor:
            rows = self.accounts.select(where, order_by=("officer_id",), limit=limit + 1)
        now = self.clock()
        page = rows[:limit]
        return {"items": [account_view(row["view"], now) for row in page],
                "total": self.accounts.count(where),
                "next_cursor": encode_cursor([page[-1]["officer_id"], page[-1]["id"]])
                if len(rows) > limit else None}

    def _end_sessions(self, account: Account, *, by: str, at: datetime) -> None:
        count = self.sessions.delete_all(account.id)
        if count:
            account.revoke_sessions(count=count, by=by, at=at)

    # --- signing in -----------------------------------------------------------------------------
    def check_password(self, officer_id: str, password: str, *, remote: str | None,
                       officer: DirectoryEntry | None) -> Session:
        """The first step. `officer` is the directory entry now (None when the directory cannot
        be read: the roles of the last sign-in count then). Returns the session of the next
        step; a refusal is recorded on the account (and may lock it)."""
        account = self.account(officer_id)
        now = self.clock()
        if account is None:
            self.credentials.password_matches(None, password, 0)  # the same work as a real check
            raise SignInRefused("unknown account", reason="unknown-account")
        account.check_can_try(now, self.policy)
        if not self.credentials.password_matches(account.id, password, account.password_serial):
            self._fail(account, "wrong-password", remote, now)
            raise SignInRefused("wrong password")
        if account.auditor:  # never an officer: what the directory says of the id does not count
            officer = None
        if officer is not None and not officer.active:
            self._fail(account, "officer-inactive", remote, now)
            raise OfficerInactive(officer_id)
        roles = officer.roles if officer is not None else account.roles
        return self._next(account, None, roles=frozenset(roles), second_factor_done=False,
                          method=SignInMethod.password, remote=remote)

    def check_second_factor(self, session: Session, code: str, *, remote: str | None) -> Session:
        self._require_stage(session, Stage.second_factor)
        account = self._account(session.officer_id)
        now = self.clock()
        account.check_can_try(now, self.policy)
        check = self.credentials.check_code(account.id, code, account.second_factor_serial,
                                            at=now.timestamp())
        if not check.accepted:
            self._fail(account, check.reason, remote, now)
            raise CodeRefused(check.reason, reason=check.reason)
        return self._next(account, session, roles=session.roles, second_factor_done=True,
                          method=SignInMethod(session.method), remote=remote)

    def set_new_password(self, session: Session, new_password: str, *,
                         remote: str | None) -> Session:
        """Replace a one-time password (the step after signing in with one)."""
        self._require_stage(session, Stage.change_password)
        account = self._account(session.officer_id)
        check_new_password(new_password, account.officer_id)
        serial = account.set_password(kind=PasswordKind.changed, one_time=False,
                                      by=account.officer_id, at=self.clock())
        self._save(account, actor=account.officer_id)
        self.credentials.store_password(account.id, new_password, serial)
        return self._next(account, session, roles=session.roles,
                          second_factor_done=session.second_factor_done,
                          method=SignInMethod(session.method), remote=remote)

    def enrolment_seed(self, session: Session) -> str:
        """The pending seed of an enrolment (a new one the first time it is asked for)."""
        if not (session.stage == Stage.enrol or session.signed_in):
            raise WrongStage(session.stage.value)
        account = self._account(session.officer_id)
        return self.credentials.pending_seed(account.id) or \
            self.credentials.start_enrolment(account.id)

    def confirm_enrolment(self, session: Session, code: str, *, remote: str | None) -> Session:
        """A code from the pending seed enrols it; at the enrolment step it completes sign-in."""
        if not (session.stage == Stage.enrol or session.signed_in):
            raise WrongStage(session.stage.value)
        account = self._account(session.officer_id)
        now = self.clock()
        account.check_can_try(now, self.policy)
        check = self.credentials.check_pending_code(account.id, code, at=now.timestamp())
        if not check.accepted:
            self._fail(account, check.reason, remote, now)
            raise CodeRefused(check.reason, reason=check.reason)
        serial = account.enrol_second_factor(at=now)
        self._save(account, actor=account.officer_id)
        self.credentials.confirm_enrolment(account.id, serial)
        if session.signed_in:
            return session
        return self._next(account, session, roles=session.roles, second_factor_done=True,
                          method=SignInMethod(session.method), remote=remote)

    def change_password(self, session: Session, current: str, new_password: str) -> None:
        """The signed-in officer replaces their password; other sessions end."""
        if not session.signed_in:
            raise WrongStage(session.stage.value)
        account = self._account(session.officer_id)
        if not self.credentials.password_matches(account.id, current, account.password_serial):
            raise SignInRefused("wrong current password", field="current_password")
        check_new_password(new_password, account.officer_id)
        now = self.clock()
        serial = account.set_password(kind=PasswordKind.changed, one_time=False,
                                      by=account.officer_id, at=now)
        self._save(account, actor=account.officer_id)
        self.credentials.store_password(account.id, new_password, serial)

    def sign_in_with_provider(self, officer: DirectoryEntry, *, mfa_done: bool,
                              remote: str | None) -> Session:
        """An OpenID Connect provider vouched for the officer: the account is created on first
        use; a deciding role still needs a second factor unless the provider did one."""
        if not officer.active:
            raise OfficerInactive(officer.officer_id)
        account = self.account(officer.officer_id)
        if account is None:
            account = Account.open(officer_id=officer.officer_id, name_th=officer.name_th,
                                   roles=officer.roles, created_by="oidc", at=self.clock())
            self._save(account, actor=officer.officer_id)
        account.check_can_try(self.clock(), self.policy)
        return self._next(account, None, roles=officer.roles, second_factor_done=mfa_done,
                          method=SignInMethod.oidc, remote=remote, oidc=True)

    def sign_out(self, session: Session) -> None:
        self.sessions.delete(session.raw_id)
        account = self.account(session.officer_id)
        if account is not None and session.signed_in:
            account.sign_out(session_ref=session.ref, at=self.clock())
            self._save(account, actor=session.officer_id)

    def sign_out_everywhere(self, session: Session) -> int:
        account = self._account(session.officer_id)
        now = self.clock()
        count = self.sessions.delete_all(account.id)
        account.revoke_sessions(count=count, by=session.officer_id, at=now)
        self._save(account, actor=session.officer_id)
        return count

    # --- steps ----------------------------------------------------------------------------------
    @staticmethod
    def _require_stage(session: Session, stage: Stage) -> None:
        if session.stage != stage:
            raise WrongStage(f"at {session.stage.value}, not {stage.value}")

    def _fail(self, account: Account, reason: str, remote: str | None, at: datetime) -> None:
        account.fail(reason=reason, at=at, remote=remote, policy=self.policy)
        self._save(account)

    def _next(self, account: Account, session: Session | None, *, roles: frozenset[str],
              second_factor_done: bool, method: SignInMethod, remote: str | None,
              oidc: bool = False) -> Session:
        """The session of the step after this one, under a new id (the old one ends)."""
        stage = account.next_stage(roles, second_factor_done=second_factor_done)
        if oidc and stage == Stage.change_password:  # the provider holds the password
            stage = Stage.enrol if account.deciding(roles) and not account.second_factor \
                else Stage.signed_in
        if oidc and stage == Stage.enrol and second_factor_done:  # the provider asked for one
            stage = Stage.signed_in
        if session is None:
            new = self.sessions.create(
                account_id=account.id, officer_id=account.officer_id, name_th=account.name_th,
                roles=roles, stage=stage, method=method.value,
                second_factor_done=second_factor_done)
        else:
            new = self.sessions.advance(session, stage=stage, second_factor_done=second_factor_done,
                                        roles=roles)
        if stage == Stage.signed_in:
            account.sign_in(method=method, second_factor=second_factor_done, roles=roles,
                            session_ref=new.ref, remote=remote, at=self.clock())
            self._save(account, actor=account.officer_id)
        return new

    def officers_with_accounts(self, officer_ids: Iterable[str]) -> set[str]:
        return {o for o in officer_ids if self.account(o) is not None}
