"""The service's Ed25519 signing key for audit checkpoints, and checking signatures.

The key comes from `ESA_AUDIT_SIGNING_KEY` (a PEM private key, or the path of a PEM file). Without
it the service generates one on first start and keeps it at `<var>/keys/<service>.ed25519` (mode
0600, never committed: `var/` is git-ignored), so checkpoints signed before a restart still verify
after it. The public key is published at `GET /audit/public-key`; its id is the first 16 hex digits
of SHA-256 over the raw 32-byte public key.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.keyfiles import create_once
from shared.settings import ServiceSettings


class AuditKeyError(ValueError):
    """A configured or given key cannot be read."""


def key_id(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public_bytes(public_key)).hexdigest()[:16]


def raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


class AuditSigner:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self._private_key.sign(message)

    def public_key_document(self) -> dict[str, str]:
        return {
            "algorithm": "Ed25519",
            "key_id": self.key_id,
            "public_key_pem": public_pem(self.public_key),
            "public_key_hex": raw_public_bytes(self.public_key).hex(),
        }

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> AuditSigner:
        configured = settings.audit_signing_key
        if configured is not None and configured.get_secret_value().strip():
            text = configured.get_secret_value().strip()
            pem = text.encode() if text.startswith("-----BEGIN") else Path(text).read_bytes()
            return cls(_private_key_from_pem(pem))
        return cls(_load_or_create(settings.audit_key_path))


def _private_key_from_pem(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise AuditKeyError(f"not a PEM private key: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError("the audit signing key must be an Ed25519 key")
    return key


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        create_once(path, Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    return _private_key_from_pem(path.read_bytes())


def load_public_key(text: str | bytes) -> Ed25519PublicKey:
    """An auditor's copy of a public key: PEM (public or private), 64 hex digits or base64 of the
    raw 32 bytes."""
    data = text.encode() if isinstance(text, str) else text
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN"):
        if b"PRIVATE KEY" in stripped:
            return _private_key_from_pem(stripped).public_key()
        try:
            key = serialization.load_pem_public_key(stripped)
        except ValueError as error:
            raise AuditKeyError(f"not a PEM public key: {error}") from error
        if not isinstance(key, Ed25519PublicKey):
            raise AuditKeyError("not an Ed25519 public key")
        return key
    raw: bytes | None = None
    try:
        raw = bytes.fromhex(stripped.decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        try:
            raw = base64.b64decode(stripped, validate=True)
        except ValueError:
            raw = None
    if raw is None or len(raw) != 32:
        raise AuditKeyError("a public key is PEM, 64 hex digits or base64 of 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def signature_valid(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
