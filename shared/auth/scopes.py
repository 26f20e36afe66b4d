"""Which scope each operation needs: one rule, read both by the enforcing dependency and by the
OpenAPI document, so what is documented is what is enforced.

By default `<service>:admin` under `/admin/` (operators), `<service>:audit` under `/audit/`
(auditors), otherwise `<service>:read` for GET (and HEAD) and `<service>:write` for every other
method. A route that needs something else says so with
`openapi_extra=requires_scope("correspondence:submit")`, or `openapi_extra=PUBLIC` for the few
routes anyone may call (health, the token endpoint, a public status page). The requirement is the
operation's OpenAPI `security` entry itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SCHEME = "OAuth2"
STAFF_SCOPE = "office:staff"
READ_METHODS = frozenset({"GET", "HEAD"})
PUBLIC: dict[str, Any] = {"security": []}


def requires_scope(scope: str, **openapi_extra: Any) -> dict[str, Any]:
    """`openapi_extra` for a route that needs `scope` rather than the default for its method."""
    return {**openapi_extra, "security": [{SCHEME: [scope]}]}


PATH_SCOPES = (("/admin/", "admin"), ("/audit/", "audit"))


def default_scope(service: str, method: str, path: str) -> str:
    for prefix, action in PATH_SCOPES:
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return f"{service}:{action}"
    return f"{service}:{'read' if method.upper() in READ_METHODS else 'write'}"


def required_scope(service: str, method: str, path: str,
                   openapi_extra: dict[str, Any] | None) -> str | None:
    """The scope an operation needs, or None for a public one."""
    security = (openapi_extra or {}).get("security")
    if security is None:
        return default_scope(service, method, path)
    if not security:
        return None
    return next(iter(security[0].values()))[0]


def document_security(schema: dict[str, Any], service: str, token_url: str) -> dict[str, Any]:
    """Complete an OpenAPI document: the default scope on every operation that states none, and
    the OAuth2 client-credentials scheme listing every scope used."""
    scopes: dict[str, str] = {
        STAFF_SCOPE: "The office's own portal: may name the acting officer in X-Actor-Id",
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if "security" not in operation:
                operation["security"] = [{SCHEME: [default_scope(service, method, path)]}]
            for requirement in operation["security"]:
                for scope in requirement.get(SCHEME, []):
                    scopes.setdefault(scope, _describe(scope))
    schema.setdefault("components", {})["securitySchemes"] = {
        SCHEME: {
            "type": "oauth2",
            "description": (
                "Client credentials (RFC 6749 section 4.4) at the token endpoint, with "
                "client_secret_basic or client_secret_post. The token is a JWT signed by the "
                "office (EdDSA), valid for minutes; send it as `Authorization: Bearer <token>`."),
            "flows": {"clientCredentials": {"tokenUrl": token_url, "scopes": dict(sorted(scopes.items()))}},
        }
    }
    return schema


def _describe(scope: str) -> str:
    service, _, action = scope.partition(":")
    return {
        "read": f"Read {service}",
        "write": f"Change {service} (commands)",
        "admin": f"Operate {service} (dead letters)",
        "audit": f"Read {service}'s audit trail (events, signed heads, proofs, refused requests)",
        "submit": f"Submit documents to {service} and follow one's own submissions",
    }.get(action, f"{action} in {service}")


def scopes_of(schema: dict[str, Any]) -> set[str]:
    """Every scope an OpenAPI document (as `document_security` completed it) names."""
    scheme = schema.get("components", {}).get("securitySchemes", {}).get(SCHEME, {})
    return set(scheme.get("flows", {}).get("clientCredentials", {}).get("scopes", {}))


def scopes_needed(service: str,
                  operations: Iterable[tuple[str, str, dict[str, Any] | None]]) -> set[str]:
    """Every scope the operations (method, path, `openapi_extra`) need: what `scopes_of` reads
    in their OpenAPI document, without making it (most of a second for a service)."""
    return {scope for method, path, extra in operations
            if (scope := required_scope(service, method, path, extra)) is not None}
