"""The service's Ed25519 key that signs its audit tree heads, and checking signatures.

The key comes from `ESA_AUDIT_SIGNING_KEY`: the path of a PEM file (a secret mount), the PEM text,
or a key in a PKCS#11 token / HSM (`pkcs11:token=...;object=...?module-path=...&pin-source=...`,
see `shared.signing_keys`). It is a setting of its own, never the office's token-signing key.
Without it the service generates one on first start and keeps it at `<var>/keys/<service>.ed25519`
(mode 0600, never committed): fine on a developer's machine, not in production, where whoever
holds the store's host would hold the key beside it (README, "Keys off the store's host").

`ESA_AUDIT_PREVIOUS_SIGNING_KEY` names the key being rotated out: the first head under the new key
is endorsed by the old one (`shared.audit.heads`), so witnesses and verifiers follow the change.
The public key is published at `GET /audit/public-key`; its id is the first 16 hex digits of
SHA-256 over the raw 32-byte public key.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.keyfiles import create_once
from shared.settings import ServiceSettings
from shared.signing_keys import (
    LocalKey,
    Signer,
    SigningKeyError,
    key_id,
    load_signer,
    pem_of,
    private_key_from_pem,
    raw_public_bytes,
)

AuditKeyError = SigningKeyError
__all__ = ["AuditKeyError", "AuditSigner", "key_id", "load_public_key", "public_pem",
           "raw_public_bytes", "signature_valid"]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


class AuditSigner:
    def __init__(self, key: Signer | Ed25519PrivateKey) -> None:
        self._key: Signer = LocalKey(key) if isinstance(key, Ed25519PrivateKey) else key
        self.public_key = self._key.public_key
        self.key_id = key_id(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def public_key_document(self) -> dict[str, str]:
        return public_key_document(self.public_key)

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> AuditSigner:
        configured = settings.audit_signing_key
        if configured is not None and configured.get_secret_value().strip():
            return cls(load_signer(configured.get_secret_value()))
        return cls(_load_or_create(settings))

    @classmethod
    def previous_from_settings(cls, settings: ServiceSettings) -> AuditSigner | None:
        configured = settings.audit_previous_signing_key
        if configured is None or not configured.get_secret_value().strip():
            return None
        return cls(load_signer(configured.get_secret_value()))


def public_key_document(public_key: Ed25519PublicKey) -> dict[str, str]:
    return {
        "algorithm": "Ed25519",
        "key_id": key_id(public_key),
        "public_key_pem": public_pem(public_key),
        "public_key_hex": raw_public_bytes(public_key).hex(),
    }


def _load_or_create(settings: ServiceSettings) -> Ed25519PrivateKey:
    path = settings.audit_key_path
    if not path.exists():
        create_once(path, pem_of(Ed25519PrivateKey.generate()))
    return private_key_from_pem(path.read_bytes())


def load_public_key(text: str | bytes) -> Ed25519PublicKey:
    """An auditor's copy of a public key: PEM (public or private), 64 hex digits or base64 of the
    raw 32 bytes."""
    data = text.encode() if isinstance(text, str) else text
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN"):
        if b"PRIVATE KEY" in stripped:
            return private_key_from_pem(stripped).public_key()
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
