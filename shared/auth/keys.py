"""The office's token-signing key (Ed25519, JWT algorithm EdDSA).

One key pair for the whole office: the token endpoint signs with the private key, every service
verifies with the public key. It is a setting of its own, never the audit key: in production a
secret mount (`ESA_AUTH_SIGNING_KEY_FILE`) or a key inside a PKCS#11 token / HSM
(`ESA_AUTH_SIGNING_KEY_PKCS11`, an RFC 7512 URI: tokens are then signed inside the token).
Locally the pair is generated once, the first time anything needs it, at the settings' default
place under `var/keys/` (git-ignored); several processes starting at once agree on one pair
because the private key file is created atomically (the first link wins).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.keyfiles import create_once, write_atomically
from shared.logging import get_logger
from shared.settings import ServiceSettings
from shared.signing_keys import LocalKey, Pkcs11Key, Signer

log = get_logger(__name__)


@dataclass(frozen=True)
class OfficeKeys:
    """The public key (always) and the signing key (only where tokens are issued)."""

    public: Ed25519PublicKey
    private: Signer | None

    @property
    def key_id(self) -> str:
        """`kid` of the tokens: names the key, so a rotation can run two keys side by side."""
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return hashlib.sha256(raw).hexdigest()[:16]

    @classmethod
    def load(cls, settings: ServiceSettings) -> OfficeKeys:
        in_token = settings.auth_signing_key_pkcs11
        if in_token is not None and in_token.get_secret_value().strip():
            signer = Pkcs11Key(in_token.get_secret_value().strip())
            return cls(signer.public_key, signer)
        signing, public = settings.signing_key_path, settings.public_key_path
        if not signing.exists() and not public.exists():
            _create_signing_key(signing)
        private = LocalKey(_read_private(signing)) if signing.exists() else None
        if public.exists():
            return cls(_read_public(public), private)
        assert private is not None
        write_atomically(public, private.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), 0o644)
        return cls(private.public_key, private)


def _read_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def _read_public(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


def _create_signing_key(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    if create_once(path, pem):
        log.info("office signing key generated", path=str(path))
    else:
        log.info("office signing key created meanwhile by another process", path=str(path))
