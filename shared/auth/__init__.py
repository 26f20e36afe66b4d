"""OAuth2 for other agencies and for the office's own portal: one home.

- `keys`: the office's Ed25519 signing key (generated once locally under `var/keys/`).
- `clients`: the registry of clients (agency name, hashed secret, scopes, clearance, rate limit).
- `tokens`: JWT access tokens signed by the office (EdDSA) and their verification.
- `endpoint`: `POST /oauth/token`, the client-credentials grant.
- `scopes`: which scope each route needs (`requires_scope`, `PUBLIC`) and the OpenAPI scheme.
- `gate`: the one dependency guarding every route; `Caller`, `OutOfScope`.
- `ratelimit`, `audit`: per-client token buckets; refusals recorded as `AccessRefused` events.
- `python -m shared.auth register-client | list-clients | revoke-client`: the command line.
"""

from shared.auth.gate import Caller, CallerDep, OutOfScope, authorize
from shared.auth.scopes import PUBLIC, STAFF_SCOPE, requires_scope

__all__ = ["PUBLIC", "STAFF_SCOPE", "Caller", "CallerDep", "OutOfScope", "authorize",
           "requires_scope"]
