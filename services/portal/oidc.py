"""Sign-in through the office's OpenID Connect provider, where it has one (settings
`ESA_PORTAL_OIDC_ISSUER`, `..._CLIENT_ID`, `..._CLIENT_SECRET`, `..._OFFICER_CLAIM`).

The authorization-code flow with PKCE (authlib builds the request: state, nonce, S256 challenge),
the code exchanged at the provider's token endpoint, the ID token verified with the provider's
published keys (joserfc, which authlib itself uses): issuer, audience, expiry and the nonce. The
claim named by the settings is the officer id of the staff directory; the portal then signs the
officer in as with a password, except that a deciding role still needs the portal's second factor
unless the provider says it did one (`amr` with `mfa`, `otp`, `hwk` or `swk`).

State between the redirect and the callback travels in a short-lived cookie, encrypted and signed
(Fernet, key derived from the credential key), so nothing is kept server-side for visitors.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from cryptography.fernet import Fernet, InvalidToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from services.portal.settings import PortalSettings

CALLBACK_PATH = "/signin/oidc/callback"
STATE_SECONDS = 600
MFA_METHODS = frozenset({"mfa", "otp", "hwk", "swk", "sms"})
# Asymmetric only: a provider's ID token is never checked with a shared secret here.
SIGNING_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")


class OidcRefused(Exception):
    """The provider's answer cannot be used; `reason` for the audit trail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Flow:
    """What the callback must find again: the redirect's state, nonce and PKCE verifier."""

    state: str
    nonce: str
    verifier: str
    next: str


def officer_id_from_claims(claims: dict[str, Any], claim: str) -> str | None:
    """The officer id the provider vouches for: the configured claim, as text; an e-mail-like
    `user@domain` counts by its local part only if the claim is `email` (directory ids have no
    '@')."""
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if claim == "email" and "@" in value:
        value = value.split("@", 1)[0]
    return value


def provider_did_mfa(claims: dict[str, Any]) -> bool:
    amr = claims.get("amr")
    return isinstance(amr, list) and bool(MFA_METHODS & {str(m) for m in amr})


class OidcClient:
    def __init__(self, settings: PortalSettings, state_key: bytes,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        assert settings.portal_oidc_issuer and settings.portal_oidc_client_id
        self.settings = settings
        self.issuer = settings.portal_oidc_issuer.rstrip("/")
        self.client_id = settings.portal_oidc_client_id
        secret = settings.portal_oidc_client_secret
        self.client_secret = secret.get_secret_value() if secret else None
        self.redirect_uri = settings.portal_public_url.rstrip("/") + CALLBACK_PATH
        self.fernet = Fernet(base64.urlsafe_b64encode(state_key))
        self.http = httpx.AsyncClient(timeout=10.0, transport=transport)
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    async def close(self) -> None:
        await self.http.aclose()

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            response = await self.http.get(f"{self.issuer}/.well-known/openid-configuration")
            response.raise_for_status()
            self._metadata = response.json()
        return self._metadata

    # --- the redirect ---------------------------------------------------------------------------
    async def start(self, next_path: str) -> tuple[str, str]:
        """(the provider's authorization URL, the sealed flow for the state cookie)."""
        flow = Flow(state=generate_token(32), nonce=generate_token(32),
                    verifier=generate_token(64), next=next_path)
        meta = await self.metadata()
        url = add_params_to_uri(meta["authorization_endpoint"], [
            ("response_type", "code"), ("client_id", self.client_id),
            ("redirect_uri", self.redirect_uri), ("scope", self.settings.portal_oidc_scopes),
            ("state", flow.state), ("nonce", flow.nonce),
            ("code_challenge", create_s256_code_challenge(flow.verifier)),
            ("code_challenge_method", "S256")])
        return url, self.seal(flow)

    def seal(self, flow: Flow) -> str:
        return self.fernet.encrypt(orjson.dumps(flow.__dict__)).decode()

    def unseal(self, sealed: str | None) -> Flow:
        if not sealed:
            raise OidcRefused("oidc-state-missing")
        try:
            return Flow(**orjson.loads(self.fernet.decrypt(sealed.encode(), ttl=STATE_SECONDS)))
        except (InvalidToken, TypeError, ValueError) as error:
            raise OidcRefused("oidc-state-invalid") from error

    # --- the callback ---------------------------------------------------------------------------
    async def claims(self, flow: Flow, *, state: str | None, code: str | None) -> dict[str, Any]:
        """The ID token's verified claims for the authorization code of this flow."""
        if not state or state != flow.state:
            raise OidcRefused("oidc-state-mismatch")
        if not code:
            raise OidcRefused("oidc-no-code")
        meta = await self.metadata()
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": self.redirect_uri, "code_verifier": flow.verifier,
                "client_id": self.client_id}
        auth = (self.client_id, self.client_secret) if self.client_secret else None
        try:
            response = await self.http.post(meta["token_endpoint"], data=form, auth=auth)
        except httpx.HTTPError as error:
            raise OidcRefused("oidc-provider-unreachable") from error
        if response.status_code != 200:
            raise OidcRefused("oidc-code-refused")
        id_token = response.json().get("id_token")
        if not isinstance(id_token, str):
            raise OidcRefused("oidc-no-id-token")
        return await self.verify(id_token, nonce=flow.nonce)

    async def verify(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        meta = await self.metadata()
        if self._keys is None:
            jwks = await self.http.get(meta["jwks_uri"])
            jwks.raise_for_status()
            self._keys = KeySet.import_key_set(jwks.json())
        try:
            token = jwt.decode(id_token, self._keys, algorithms=SIGNING_ALGORITHMS)
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": meta.get("issuer", self.issuer)},
                aud={"essential": True, "value": self.client_id},
                exp={"essential": True}, nonce={"essential": True, "value": nonce},
                now=int(time.time()), leeway=60,
            ).validate(token.claims)
        except (JoseError, ValueError) as error:
            raise OidcRefused("oidc-id-token-invalid") from error
        return dict(token.claims)
