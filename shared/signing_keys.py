"""Ed25519 private keys the office signs with, wherever they are kept: the one home for loading one.

A key setting names one of:

- a PEM file (`/run/secrets/audit-correspondence.pem`: a secret mount, kept off the store's host
  in production), or the PEM text itself;
- a key inside a PKCS#11 token or HSM, as an RFC 7512 URI:
  `pkcs11:token=esa;object=audit-correspondence?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/secrets/hsm-pin`
  (`pin-value=` instead of `pin-source=` only for tests). The private key never leaves the token:
  every signature is made by it (mechanism CKM_EDDSA).

Everything that signs takes a `Signer`: `sign(message) -> 64 bytes` and `public_key`.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PKCS11_SCHEME = "pkcs11:"
ED25519_OID = "1.3.101.112"


class SigningKeyError(ValueError):
    """A configured key cannot be read."""


class Signer(Protocol):
    public_key: Ed25519PublicKey

    def sign(self, message: bytes) -> bytes: ...


def key_id(public_key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of SHA-256 over the raw 32-byte public key."""
    return hashlib.sha256(raw_public_bytes(public_key)).hexdigest()[:16]


def raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class LocalKey:
    """A key held in this process's memory (read from a file or a secret mount)."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self.public_key = private_key.public_key()

    def sign(self, message: bytes) -> bytes:
        return self._private_key.sign(message)

    @property
    def private_key(self) -> Ed25519PrivateKey:
        return self._private_key


_sessions: dict[tuple[str, str | None], Any] = {}
_sessions_lock = threading.Lock()


def _session(uri: str) -> tuple[Any, dict[str, str]]:
    """One logged-in session per token and process (PKCS#11 logs a process in once), shared by
    every key of that token; kept for the life of the process."""
    import pkcs11

    path, query = _parse_uri(uri)
    module = query.get("module-path")
    if not module:
        raise SigningKeyError("a pkcs11: key needs ?module-path=<the token's library>")
    key = (module, path.get("token"))
    with _sessions_lock:
        if key not in _sessions:
            pin = query.get("pin-value")
            if pin is None and query.get("pin-source"):
                pin = Path(query["pin-source"]).read_text().strip()
            token = pkcs11.lib(module).get_token(token_label=path.get("token"))
            _sessions[key] = token.open(rw=True, user_pin=pin)
        return _sessions[key], path


class Pkcs11Key:
    """A key in a PKCS#11 token: signatures are made inside it, one at a time."""

    def __init__(self, uri: str) -> None:
        import pkcs11
        from pkcs11 import Attribute, KeyType, ObjectClass

        try:
            self._session, path = _session(uri)
            label = path.get("object")
            self._private = self._session.get_key(object_class=ObjectClass.PRIVATE_KEY,
                                                  key_type=KeyType.EC_EDWARDS, label=label)
            public = self._session.get_key(object_class=ObjectClass.PUBLIC_KEY,
                                           key_type=KeyType.EC_EDWARDS, label=label)
            point = bytes(public[Attribute.EC_POINT])
        except (pkcs11.PKCS11Error, OSError, RuntimeError) as error:
            raise SigningKeyError(f"cannot use the PKCS#11 key {path}: {error!r}") from error
        # EC_POINT is the DER OCTET STRING of the 32 raw bytes (04 20 ...), or the bytes alone.
        raw = point[2:] if len(point) == 34 and point[:2] == b"\x04\x20" else point
        self.public_key = Ed25519PublicKey.from_public_bytes(raw)
        self._mechanism = pkcs11.Mechanism.EDDSA

    def sign(self, message: bytes) -> bytes:
        with _sessions_lock:  # one session per token, used by one thread at a time
            return bytes(self._private.sign(message, mechanism=self._mechanism))


def _parse_uri(uri: str) -> tuple[dict[str, str], dict[str, str]]:
    body = uri[len(PKCS11_SCHEME):]
    path, _, query = body.partition("?")
    attributes = {}
    for part in path.split(";"):
        if "=" in part:
            name, _, value = part.partition("=")
            attributes[name] = unquote(value)
    return attributes, {k: v[-1] for k, v in parse_qs(query).items()}


def private_key_from_pem(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"not a PEM private key: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("the key must be an Ed25519 key")
    return key


def pem_of(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_signer(setting: str) -> Signer:
    """A key from a setting: a pkcs11: URI, PEM text, or the path of a PEM file."""
    text = setting.strip()
    if text.startswith(PKCS11_SCHEME):
        return Pkcs11Key(text)
    if text.startswith("-----BEGIN"):
        return LocalKey(private_key_from_pem(text.encode()))
    try:
        return LocalKey(private_key_from_pem(Path(text).read_bytes()))
    except OSError as error:
        raise SigningKeyError(f"cannot read the key file {text}: {error}") from error


def describe(setting: Any) -> str:
    """Where a key setting points, for logs (never the key itself)."""
    text = str(setting).strip()
    if text.startswith(PKCS11_SCHEME):
        return text.split("?")[0]
    if text.startswith("-----BEGIN"):
        return "(PEM given in the setting)"
    return text


def generate_in_token(uri: str) -> Ed25519PublicKey:
    """Create an Ed25519 key pair inside a PKCS#11 token, the private half marked sensitive and
    not extractable (it never leaves the token); the URI's `object` is its label."""
    from pkcs11 import Attribute, KeyType, Mechanism
    from pkcs11.util.ec import encode_named_curve_parameters

    session, path = _session(uri)
    with _sessions_lock:
        session.generate_keypair(
            KeyType.EC_EDWARDS, 256, mechanism=Mechanism.EC_EDWARDS_KEY_PAIR_GEN, store=True,
            label=path.get("object"),
            public_template={Attribute.EC_PARAMS: encode_named_curve_parameters(ED25519_OID)},
            private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False})
    return Pkcs11Key(uri).public_key


def main(argv: list[str] | None = None) -> int:
    """`python -m shared.signing_keys generate-in-token <pkcs11 URI>` | `public-key <setting>`:
    an operator's tools (print the public key as 64 hex digits, for witnesses and auditors)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m shared.signing_keys")
    parser.add_argument("command", choices=("generate-in-token", "public-key"))
    parser.add_argument("setting", help="a pkcs11: URI, or a PEM file (public-key)")
    args = parser.parse_args(argv)
    if args.command == "generate-in-token":
        public = generate_in_token(args.setting)
    else:
        public = load_signer(args.setting).public_key
    print(raw_public_bytes(public).hex())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
