"""Secrets of the portal's accounts, in the credential table only (never in an event).

- Passwords: argon2id (`argon2-cffi`, its RFC 9106 low-memory profile), checked in about the same
  time whether or not the account exists. A row is valid only for the `password_serial` its
  `PasswordSet` event gave it: a hash written without its event is never accepted.
- TOTP seeds (`pyotp`, RFC 6238, 30-second steps, one step of drift either way) encrypted with
  Fernet under the portal's credential key; a code is accepted once: the step it matched is kept,
  and a code of that step or an earlier one is refused afterwards (no replay).
- The credential key: `ESA_PORTAL_CREDENTIAL_KEY`, else a key generated once under
  `<var>/keys/portal-credentials.key` (0600, `shared.keyfiles`). A key for CSRF tokens is derived
  from it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from uuid import UUID

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken

from services.portal.settings import PortalSettings
from services.portal.tables import PortalTables
from shared.domain import DeclaredError
from shared.keyfiles import create_once

TOTP_ISSUER = "ESA Portal"
TOTP_STEP_SECONDS = 30
MIN_PASSWORD_LENGTH = 10
# A one-time password: 12 characters people can read aloud (no 0/O, 1/l/I), in groups of 4.
_ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class WeakPassword(DeclaredError):
    code = "weak-password"
    title_th = f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD_LENGTH} ตัวอักษร และไม่ซ้ำกับรหัสเจ้าหน้าที่"
    title_en = f"A password needs at least {MIN_PASSWORD_LENGTH} characters, not the officer id"


def check_new_password(password: str, officer_id: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH or password.strip().lower() == officer_id.lower():
        raise WeakPassword(field="new_password")
    if len(password) > 1024:  # argon2 takes any length; a megabyte "password" is an attack
        raise WeakPassword("at most 1024 characters", field="new_password")


def one_time_password() -> str:
    raw = "".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def load_credential_key(settings: PortalSettings) -> bytes:
    """The Fernet key (urlsafe base64 of 32 bytes) from the settings or the key file."""
    configured = settings.portal_credential_key
    if configured is not None and configured.get_secret_value().strip():
        key = configured.get_secret_value().strip().encode()
    else:
        path = settings.credential_key_path
        if not path.exists():
            create_once(path, Fernet.generate_key())
        key = path.read_bytes().strip()
    Fernet(key)  # refuses a malformed key at start, not at the first sign-in
    return key


@dataclass(frozen=True)
class TotpCheck:
    accepted: bool
    reason: str = ""  # wrong-code, replayed-code, no-seed


class Credentials:
    def __init__(self, tables: PortalTables, key: bytes, *,
                 hasher: PasswordHasher | None = None) -> None:
        self.tables = tables
        self.fernet = Fernet(key)
        self._master = base64.urlsafe_b64decode(key)
        self.hasher = hasher or PasswordHasher()
        # Verified when the account or its row is missing: the same work either way.
        self._decoy = self.hasher.hash(secrets.token_urlsafe(16))

    # --- passwords ------------------------------------------------------------------------------
    def store_password(self, account_id: UUID, password: str, serial: int) -> None:
        digest = self.hasher.hash(password)
        with self.tables.transaction() as run:
            run("INSERT INTO portal_credentials (account_id, password_hash, password_serial) "
                "VALUES (?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET "
                "password_hash = excluded.password_hash, "
                "password_serial = excluded.password_serial",
                (str(account_id), digest, serial))

    def password_matches(self, account_id: UUID | None, password: str, serial: int) -> bool:
        row = None
        if account_id is not None:
            with self.tables.transaction() as run:
                row = run("SELECT password_hash, password_serial FROM portal_credentials "
                          "WHERE account_id = ?", (str(account_id),)).fetchone()
        valid_row = row is not None and row[0] and row[1] == serial
        stored = row[0] if valid_row else self._decoy
        try:
            self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        if not valid_row:
            return False
        if self.hasher.check_needs_rehash(stored):  # parameters raised since it was stored
            self.store_password(account_id, password, serial)  # type: ignore[arg-type]
        return True

    # --- TOTP -----------------------------------------------------------------------------------
    def start_enrolment(self, account_id: UUID) -> str:
        """A new seed, kept (encrypted) as pending until a code from it is confirmed."""
        seed = pyotp.random_base32()
        with self.tables.transaction() as run:
            run("INSERT INTO portal_credentials (account_id, totp_pending_seed) VALUES (?, ?) "
                "ON CONFLICT (account_id) DO UPDATE SET "
                "totp_pending_seed = excluded.totp_pending_seed",
                (str(account_id), self._encrypt(seed)))
        return seed

    def pending_seed(self, account_id: UUID) -> str | None:
        with self.tables.transaction() as run:
            row = run("SELECT totp_pending_seed FROM portal_credentials WHERE account_id = ?",
                      (str(account_id),)).fetchone()
        return self._decrypt(row[0]) if row and row[0] else None

    def check_pending_code(self, account_id: UUID, code: str, *, at: float | None = None) -> TotpCheck:
        return self._check(account_id, code, "totp_pending_seed", None, at)

    def confirm_enrolment(self, account_id: UUID, serial: int) -> None:
        """The pending seed becomes the account's, valid for the enrolment event's serial."""
        with self.tables.transaction() as run:
            run("UPDATE portal_credentials SET totp_seed = totp_pending_seed, "
                "totp_pending_seed = NULL, totp_serial = ? WHERE account_id = ?",
                (serial, str(account_id)))

    def check_code(self, account_id: UUID, code: str, serial: int, *,
                   at: float | None = None) -> TotpCheck:
        return self._check(account_id, code, "totp_seed", serial, at)

    def clear_second_factor(self, account_id: UUID, serial: int) -> None:
        with self.tables.transaction() as run:
            # The steps counted against replay were the old seed's; a new seed starts afresh.
            run("UPDATE portal_credentials SET totp_seed = NULL, totp_pending_seed = NULL, "
                "totp_serial = ?, totp_last_step = 0 WHERE account_id = ?",
                (serial, str(account_id)))

    def _check(self, account_id: UUID, code: str, column: str, serial: int | None,
               at: float | None) -> TotpCheck:
        code = "".join(code.split())
        with self.tables.transaction() as run:
            row = run(f"SELECT {column}, totp_serial, totp_last_step FROM portal_credentials "  # noqa: S608 - a column name of ours
                      "WHERE account_id = ?", (str(account_id),)).fetchone()
            if row is None or not row[0] or (serial is not None and row[1] != serial):
                return TotpCheck(False, "no-seed")
            totp = pyotp.TOTP(self._decrypt(row[0]), interval=TOTP_STEP_SECONDS)
            now = time.time() if at is None else at
            step = int(now // TOTP_STEP_SECONDS)
            matched = next((s for s in (step - 1, step, step + 1)
                            if code.isdigit() and hmac.compare_digest(
                                totp.at(s * TOTP_STEP_SECONDS), code)), None)
            if matched is None:
                return TotpCheck(False, "wrong-code")
            # Atomic: of two requests with the same code, one moves the step and one does not.
            used = run("UPDATE portal_credentials SET totp_last_step = ? "
                       "WHERE account_id = ? AND totp_last_step < ?",
                       (matched, str(account_id), matched)).rowcount
            if used != 1:
                return TotpCheck(False, "replayed-code")
        return TotpCheck(True)

    def provisioning_uri(self, seed: str, officer_id: str) -> str:
        return pyotp.TOTP(seed, interval=TOTP_STEP_SECONDS).provisioning_uri(
            name=officer_id, issuer_name=TOTP_ISSUER)

    # --- keys for other purposes ----------------------------------------------------------------
    def derived_key(self, purpose: str) -> bytes:
        """A key for `purpose` (CSRF tokens, the OIDC state cookie) derived from the credential
        key, so one secret is configured and none is reused across purposes."""
        return hmac.new(self._master, b"esa-portal:" + purpose.encode(), hashlib.sha256).digest()

    def _encrypt(self, text: str) -> str:
        return self.fernet.encrypt(text.encode()).decode()

    def _decrypt(self, token: str) -> str:
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise RuntimeError("a TOTP seed cannot be decrypted with the configured "
                               "credential key (ESA_PORTAL_CREDENTIAL_KEY changed?)") from error
