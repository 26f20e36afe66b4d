"""Browser sessions: server-side rows keyed by the SHA-256 of a random id the cookie carries.

- The id is issued only by the portal and replaced at every step of a sign-in (password, second
  factor, new password, enrolment): an id planted in a browser beforehand (session fixation) is
  never one the portal knows, and one seen before a step is worthless after it.
- Idle and absolute expiry; "sign out everywhere" deletes every row of the account.
- The table stores hashes only, so reading it gives no one a live session.
- CSRF: a token bound to the session id (or, before sign-in, to a pre-session cookie) by HMAC
  with a key derived from the credential key; every form carries it, htmx sends it as a header.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from services.portal.domain import Stage
from services.portal.tables import PortalTables

# Refresh the last-seen time at most this often (a write per click is not needed for idle expiry).
TOUCH_EVERY_SECONDS = 60.0


def session_hash(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode()).hexdigest()


def session_ref(raw_id: str) -> str:
    """What events name a session by: enough to match a sign-in to its sign-out, nothing more."""
    return session_hash(raw_id)[:16]


@dataclass(frozen=True)
class Session:
    raw_id: str
    account_id: UUID
    officer_id: str
    name_th: str
    roles: frozenset[str]
    stage: Stage
    method: str
    second_factor_done: bool
    created_at: float
    last_seen_at: float

    @property
    def signed_in(self) -> bool:
        return self.stage == Stage.signed_in

    @property
    def ref(self) -> str:
        return session_ref(self.raw_id)

    def holds(self, holder: str | None) -> bool:
        """Is a record held by `holder` (an officer id or a role) this officer's to act on?"""
        return holder is not None and (holder == self.officer_id or holder in self.roles)


class SessionStore:
    def __init__(self, tables: PortalTables, *, idle_seconds: float, absolute_seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.tables = tables
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds
        self.clock = clock

    def create(self, *, account_id: UUID, officer_id: str, name_th: str, roles: frozenset[str],
               stage: Stage, method: str, second_factor_done: bool = False,
               created_at: float | None = None) -> Session:
        raw_id = secrets.token_urlsafe(32)
        now = self.clock()
        session = Session(raw_id, account_id, officer_id, name_th, frozenset(roles), stage, method,
                          second_factor_done, created_at or now, now)
        with self.tables.transaction() as run:
            run("INSERT INTO portal_sessions (session_hash, account_id, officer_id, name_th, roles,"
                " stage, method, second_factor_done, created_at, last_seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_hash(raw_id), str(account_id), officer_id, name_th,
                 " ".join(sorted(roles)), stage.value, method, int(second_factor_done),
                 session.created_at, now))
        return session

    def get(self, raw_id: str | None) -> Session | None:
        if not raw_id or len(raw_id) > 100:
            return None
        now = self.clock()
        with self.tables.transaction() as run:
            row = run("SELECT account_id, officer_id, name_th, roles, stage, method, "
                      "second_factor_done, created_at, last_seen_at FROM portal_sessions "
                      "WHERE session_hash = ?", (session_hash(raw_id),)).fetchone()
            if row is None:
                return None
            created_at, last_seen_at = float(row[7]), float(row[8])
            if now - last_seen_at > self.idle_seconds or now - created_at > self.absolute_seconds:
                run("DELETE FROM portal_sessions WHERE session_hash = ?", (session_hash(raw_id),))
                return None
            if now - last_seen_at > TOUCH_EVERY_SECONDS:
                run("UPDATE portal_sessions SET last_seen_at = ? WHERE session_hash = ?",
                    (now, session_hash(raw_id)))
                last_seen_at = now
        return Session(raw_id, UUID(row[0]), row[1], row[2], frozenset(row[3].split()),
                       Stage(row[4]), row[5], bool(row[6]), created_at, last_seen_at)

    def advance(self, session: Session, *, stage: Stage, second_factor_done: bool | None = None,
                roles: frozenset[str] | None = None) -> Session:
        """The next step of a sign-in under a new id; the old id stops working at once."""
        self.delete(session.raw_id)
        return self.create(
            account_id=session.account_id, officer_id=session.officer_id, name_th=session.name_th,
            roles=session.roles if roles is None else roles, stage=stage, method=session.method,
            second_factor_done=(session.second_factor_done if second_factor_done is None
                                else second_factor_done),
            created_at=session.created_at)

    def delete(self, raw_id: str) -> None:
        with self.tables.transaction() as run:
            run("DELETE FROM portal_sessions WHERE session_hash = ?", (session_hash(raw_id),))

    def delete_all(self, account_id: UUID) -> int:
        with self.tables.transaction() as run:
            return run("DELETE FROM portal_sessions WHERE account_id = ?",
                       (str(account_id),)).rowcount

    def count(self, account_id: UUID) -> int:
        with self.tables.transaction() as run:
            return int(run("SELECT COUNT(*) FROM portal_sessions WHERE account_id = ?",
                           (str(account_id),)).fetchone()[0])

    def purge_expired(self) -> int:
        now = self.clock()
        with self.tables.transaction() as run:
            return run("DELETE FROM portal_sessions WHERE last_seen_at < ? OR created_at < ?",
                       (now - self.idle_seconds, now - self.absolute_seconds)).rowcount


class CsrfTokens:
    def __init__(self, key: bytes) -> None:
        self.key = key

    def token(self, binding: str) -> str:
        return hmac.new(self.key, b"csrf:" + binding.encode(), hashlib.sha256).hexdigest()

    def valid(self, binding: str | None, submitted: str | None) -> bool:
        if not binding or not submitted:
            return False
        return hmac.compare_digest(self.token(binding), submitted)
