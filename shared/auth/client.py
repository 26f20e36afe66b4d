"""The client side, for an agency's Python system (and the office's tests and benchmarks): an
`httpx.Auth` that gets a token with the client-credentials grant, keeps it until shortly before it
expires, and sends it as `Authorization: Bearer`.

    auth = ClientCredentials(client_id, client_secret, scope="correspondence:submit")
    httpx.post("http://office:8101/agency/documents", json=letter, auth=auth)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator

import httpx

from shared.auth.endpoint import TOKEN_PATH

RENEW_BEFORE_SECONDS = 60


class ClientCredentials(httpx.Auth):
    requires_response_body = True

    def __init__(self, client_id: str, client_secret: str, *, scope: str | None = None,
                 token_url: str | None = None) -> None:
        self.credentials = httpx.BasicAuth(client_id, client_secret)
        self.scope = scope
        self.token_url = token_url
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = threading.Lock()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            token = self._token if time.monotonic() < self._renew_at else None
        if token is None:
            form = {"grant_type": "client_credentials", **({"scope": self.scope} if self.scope else {})}
            token_request = httpx.Request(
                "POST", self.token_url or request.url.join(TOKEN_PATH), data=form)
            token_request = next(self.credentials.auth_flow(token_request))
            response = yield token_request
            if response.status_code != 200:
                yield request  # unauthenticated: the service answers 401 with the reason
                return
            answer = response.json()
            token = answer["access_token"]
            with self._lock:
                self._token = token
                self._renew_at = time.monotonic() + answer["expires_in"] - RENEW_BEFORE_SECONDS
        request.headers["Authorization"] = f"Bearer {token}"
        yield request
