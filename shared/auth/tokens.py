"""Access tokens: JWTs (RFC 9068 profile, `typ: at+jwt`) signed by the office with EdDSA.

Claims: iss, sub (the client id), aud (the office), exp (short), iat, jti, scope (space-separated),
agency (the agency's name) and clearance (the agency's secrecy clearance). Verification accepts only
EdDSA with the office's public key and requires every claim, so `alg: none`, another key, a changed
payload, another audience and an expired token are all refused.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from contracts.envelope import Secrecy
from shared.auth.keys import OfficeKeys
from shared.signing_keys import Signer

ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "jti", "scope", "agency", "clearance"]
LEEWAY_SECONDS = 30  # clock drift between the office's machines
# Tokens already verified, kept until they expire: a client sends the same token for minutes, and
# checking its signature again each time is most of what the gate costs. Bounded.
VERIFIED_KEPT = 10_000


@dataclass(frozen=True)
class Claims:
    client_id: str
    agency: str
    scopes: frozenset[str]
    clearance: Secrecy
    token_id: str
    expires_at: datetime


class TokenRefused(Exception):
    """The bearer token cannot be used; `reason` is a stable code for the audit trail."""

    def __init__(self, reason: str, detail: str, client_id: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.client_id = client_id  # known when the token was genuine but expired


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _signed_jwt(claims: dict[str, Any], headers: dict[str, str], signer: Signer) -> str:
    """A compact JWS (RFC 7515) signed by `signer`, wherever its key is (a file, an HSM): the
    signing input is made here, the signature by the key; pyjwt verifies it as any EdDSA token."""
    payload = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in claims.items()}
    header = {"alg": ALGORITHM, **headers}
    signing_input = b".".join(_b64url(json.dumps(part, separators=(",", ":")).encode())
                              for part in (header, payload))
    return (signing_input + b"." + _b64url(signer.sign(signing_input))).decode("ascii")


class TokenService:
    def __init__(self, keys: OfficeKeys, *, issuer: str, audience: str, lifetime: timedelta) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime
        self._verified: dict[str, Claims] = {}

    @property
    def can_issue(self) -> bool:
        return self.keys.private is not None

    def issue(self, *, client_id: str, agency: str, scopes: list[str] | frozenset[str],
              clearance: Secrecy | str, now: datetime | None = None,
              lifetime: timedelta | None = None) -> str:
        if self.keys.private is None:
            raise RuntimeError("this service holds only the office's public key")
        issued = now or datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": client_id,
            "aud": self.audience,
            "iat": issued,
            "exp": issued + (lifetime or self.lifetime),
            "jti": uuid.uuid4().hex,
            "scope": " ".join(sorted(scopes)),
            "agency": agency,
            "clearance": Secrecy(clearance).value,
        }
        return _signed_jwt(claims, {"typ": TOKEN_TYPE, "kid": self.keys.key_id},
                           self.keys.private)

    def verify(self, token: str) -> Claims:
        known = self._verified.get(token)
        if known is not None:
            if datetime.now(UTC) < known.expires_at + timedelta(seconds=LEEWAY_SECONDS):
                return known
            self._verified.pop(token, None)
        claims = self._verify(token)
        if len(self._verified) >= VERIFIED_KEPT:
            self._verified.clear()
        self._verified[token] = claims
        return claims

    def _expired_client(self, token: str) -> str | None:
        """Who an expired token was issued to: its signature is the office's (checked again,
        only the expiry is not), so the refusal can name the client."""
        try:
            claims = jwt.decode(token, self.keys.public, algorithms=[ALGORITHM],
                                audience=self.audience, issuer=self.issuer,
                                options={"verify_exp": False})
        except jwt.InvalidTokenError:
            return None
        return str(claims.get("sub")) if claims.get("sub") else None

    def _verify(self, token: str) -> Claims:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("typ") != TOKEN_TYPE:
                raise TokenRefused("token-invalid", "not an access token (typ must be at+jwt)")
            claims = jwt.decode(
                token, self.keys.public, algorithms=[ALGORITHM], audience=self.audience,
                issuer=self.issuer, leeway=LEEWAY_SECONDS, options={"require": REQUIRED_CLAIMS})
            return Claims(
                client_id=str(claims["sub"]), agency=str(claims["agency"]),
                scopes=frozenset(str(claims["scope"]).split()),
                clearance=Secrecy(claims["clearance"]), token_id=str(claims["jti"]),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC))
        except jwt.ExpiredSignatureError as error:
            raise TokenRefused("token-expired", "the access token has expired",
                               client_id=self._expired_client(token)) from error
        except jwt.InvalidSignatureError as error:
            raise TokenRefused("token-forged", "the signature is not the office's") from error
        except jwt.InvalidAlgorithmError as error:
            raise TokenRefused("token-forged", "only EdDSA tokens signed by the office") from error
        except (jwt.InvalidTokenError, ValueError, TypeError, KeyError) as error:
            raise TokenRefused("token-invalid", f"not a valid access token: {error}") from error
