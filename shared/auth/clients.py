"""The registry of OAuth clients: other agencies' systems and the office's own portal.

A JSON file under `var/` (shared by every service of the office; in docker-compose a shared
volume). Secrets are never stored: only an scrypt hash with its own salt. Writers take a file lock
and replace the file atomically; readers reload it when it changes, so a client registered or
revoked from the command line counts at once in every running service.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.envelope import Secrecy
from shared.keyfiles import write_atomically

SCOPE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$")
CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$")
# scrypt at n=2^14, r=8 (16 MiB, tens of milliseconds): secrets are 256 random bits, so this
# only has to make a stolen registry file useless, not slow down a guessable password.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_secret(secret: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **_SCRYPT, salt=base64.b64encode(salt).decode(), digest=base64.b64encode(digest).decode())


def secret_matches(secret: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(secret.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Checked against when the client id is unknown, so that an unknown id takes as long to refuse as
# a wrong secret (no timing oracle for which client ids exist).
_DECOY_HASH = hash_secret("decoy", salt=b"\0" * 16)


class AgencyClient(BaseModel):
    """One registered client: who it is, what it may ask for, how much, and how cleared."""

    model_config = ConfigDict(extra="forbid")

    client_id: str
    agency: str = Field(min_length=1, max_length=300, description="The agency's name (Thai)")
    scopes: list[str]
    clearance: Secrecy = Secrecy.none
    rate_per_minute: int = Field(default=600, ge=1)
    burst: int = Field(default=60, ge=1)
    secret_hash: str
    registered_at: datetime
    revoked_at: datetime | None = None

    @field_validator("scopes")
    @classmethod
    def _valid_scopes(cls, scopes: list[str]) -> list[str]:
        bad = [s for s in scopes if not SCOPE_PATTERN.match(s)]
        if bad or not scopes:
            raise ValueError(f"scopes must be '<service>:<action>' words, got {bad or 'none'}")
        return sorted(set(scopes))

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def public_view(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"secret_hash"})


class ClientRegistry:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._clients: dict[str, AgencyClient] = {}

    # --- reading --------------------------------------------------------------------------------
    def get(self, client_id: str) -> AgencyClient | None:
        return self._current().get(client_id)

    def all(self) -> list[AgencyClient]:
        return sorted(self._current().values(), key=lambda c: c.registered_at)

    def authenticate(self, client_id: str, secret: str) -> AgencyClient | None:
        """The active client with that id and secret, or None (in about the same time either way)."""
        client = self.get(client_id)
        if not secret_matches(secret, client.secret_hash if client else _DECOY_HASH):
            return None
        return client if client is not None and client.active else None

    def _current(self) -> dict[str, AgencyClient]:
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (status.st_ino, status.st_mtime_ns, status.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._clients = self._read()
                self._stamp = stamp
            return self._clients

    def _read(self) -> dict[str, AgencyClient]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {c["client_id"]: AgencyClient.model_validate(c) for c in data.get("clients", [])}

    # --- writing --------------------------------------------------------------------------------
    def register(self, *, agency: str, scopes: list[str], clearance: Secrecy | str = Secrecy.none,
                 rate_per_minute: int = 600, burst: int = 60, client_id: str | None = None,
                 secret: str | None = None,
                 secret_hash: str | None = None) -> tuple[AgencyClient, str]:
        """Add a client; returns it and its secret (shown once, never stored)."""
        client_id = client_id or f"agency-{secrets.token_hex(8)}"
        if not CLIENT_ID_PATTERN.match(client_id):
            raise ValueError(f"client id {client_id!r}: letters, digits, '_', '.', '-' (3-64)")
        secret = secret or secrets.token_urlsafe(32)
        client = AgencyClient(
            client_id=client_id, agency=agency.strip(), scopes=scopes, clearance=Secrecy(clearance),
            rate_per_minute=rate_per_minute, burst=burst,
            secret_hash=secret_hash or hash_secret(secret), registered_at=datetime.now(UTC))
        with self._editing() as clients:
            if client_id in clients:
                raise ValueError(f"client {client_id} is already registered")
            clients[client_id] = client
        return client, secret

    def provision(self, *, client_id: str, agency: str, scopes: list[str], secret_path: Path,
                  rate_per_minute: int = 100_000, burst: int = 10_000) -> str | None:
        """A client the office runs itself (the office portal): registered on first use with a
        secret kept in `secret_path` (0600), registered again with a new secret when the file is
        lost or no longer matches, given any scope it lacks. Returns the secret, or None when an
        operator revoked the client (a revocation stands)."""
        with self._editing() as clients:
            known = clients.get(client_id)
            if known is not None and not known.active:
                return None
            secret = secret_path.read_text().strip() if secret_path.exists() else ""
            if (known is not None and secret and secret_matches(secret, known.secret_hash)
                    and set(scopes) <= set(known.scopes)):
                return secret
            if not secret or known is None or not secret_matches(secret, known.secret_hash):
                secret = secrets.token_urlsafe(32)
                write_atomically(secret_path, secret.encode(), 0o600)
            clients[client_id] = AgencyClient(
                client_id=client_id, agency=agency,
                scopes=sorted(set(scopes) | set(known.scopes if known else ())),
                rate_per_minute=rate_per_minute, burst=burst, secret_hash=hash_secret(secret),
                registered_at=datetime.now(UTC))
        return secret

    def revoke(self, client_id: str) -> AgencyClient:
        with self._editing() as clients:
            client = clients.get(client_id)
            if client is None:
                raise KeyError(client_id)
            if client.active:
                client = client.model_copy(update={"revoked_at": datetime.now(UTC)})
                clients[client_id] = client
        return client

    @contextmanager
    def _editing(self) -> Iterator[dict[str, AgencyClient]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            clients = self._read()
            yield clients
            document = {"clients": [c.model_dump(mode="json") for c in clients.values()]}
            descriptor, name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                os.fchmod(out.fileno(), 0o600)
                json.dump(document, out, ensure_ascii=False, indent=2)
                out.flush()
                os.fsync(out.fileno())
            os.replace(name, self.path)
