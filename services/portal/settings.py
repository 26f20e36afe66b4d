from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from shared.settings import PROJECT_ROOT, ServiceSettings

# The OAuth client the portal is registered as, in the office's client registry.
PORTAL_CLIENT_ID = "office-portal"


class PortalSettings(ServiceSettings):
    service_name: str = "portal"
    http_port: int = 8100

    # The five services' public HTTP APIs, as the portal reaches them.
    correspondence_url: str = "http://127.0.0.1:8101"
    planning_url: str = "http://127.0.0.1:8102"
    budgeting_url: str = "http://127.0.0.1:8103"
    restructuring_url: str = "http://127.0.0.1:8104"
    monitoring_url: str = "http://127.0.0.1:8105"
    # Monitoring's address as a browser reaches it (its public dashboard); default: the above.
    portal_monitoring_public_url: str | None = None
    # Each service's audit public key (64 hex digits), when an auditor pins them instead of
    # trusting what the service publishes at /audit/public-key: "planning=ab12...,budgeting=..."
    portal_audit_keys: str = ""
    # Seconds the portal waits for a service before saying it is unavailable.
    portal_service_timeout_seconds: float = Field(default=10.0, gt=0)

    # The portal's own OAuth client. Unset, the portal registers `office-portal` itself in the
    # office's client registry on first start and keeps the secret in portal_client_secret_file.
    portal_client_secret: SecretStr | None = None
    portal_client_secret_file: Path | None = None  # default: <var>/auth/office-portal.secret

    # The key that encrypts TOTP seeds and signs CSRF tokens: a Fernet key (urlsafe base64 of 32
    # bytes). Unset, one is generated once under <var>/keys/portal-credentials.key (0600).
    portal_credential_key: SecretStr | None = None

    # argon2id cost (RFC 9106's low-memory profile by default: 3 passes over 64 MiB, 4 lanes);
    # raise it on a stronger machine, never lower it in production.
    portal_argon2_time_cost: int = Field(default=3, ge=1)
    portal_argon2_memory_kib: int = Field(default=64 * 1024, ge=8 * 1024)

    # Sessions: the cookie is Secure (and named with the __Host- prefix) when served over TLS.
    portal_secure_cookies: bool = False
    portal_session_idle_minutes: int = Field(default=30, ge=1)
    portal_session_absolute_hours: int = Field(default=12, ge=1)

    # Sign-in: after `backoff_after` consecutive failures each further try waits twice as long as
    # the one before (from `backoff_base_seconds`); `max_failures` locks the account for
    # `lockout_minutes` or until a director unlocks it.
    portal_max_failures: int = Field(default=5, ge=1)
    portal_lockout_minutes: int = Field(default=15, ge=1)
    portal_backoff_after: int = Field(default=2, ge=1)
    portal_backoff_base_seconds: float = Field(default=1.0, ge=0)

    # OpenID Connect, where the office has a provider; local accounts stay the default.
    portal_oidc_issuer: str | None = None  # e.g. https://login.example.go.th/realms/office
    portal_oidc_client_id: str | None = None
    portal_oidc_client_secret: SecretStr | None = None
    portal_oidc_officer_claim: str = "preferred_username"  # the claim holding the officer id
    portal_oidc_scopes: str = "openid profile"
    # The portal's own address as the provider redirects to it (the callback is under it).
    portal_public_url: str = "http://127.0.0.1:8100"

    # Where the portal reads the Sarabun web font from.
    font_dir: Path = PROJECT_ROOT / "shared" / "fonts"

    @property
    def client_secret_path(self) -> Path:
        return self.portal_client_secret_file or self.var_dir / "auth" / f"{PORTAL_CLIENT_ID}.secret"

    @property
    def credential_key_path(self) -> Path:
        return self.var_dir / "keys" / "portal-credentials.key"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.portal_oidc_issuer and self.portal_oidc_client_id)

    @property
    def monitoring_public_url(self) -> str:
        return (self.portal_monitoring_public_url or self.monitoring_url).rstrip("/")

    def pinned_audit_keys(self) -> dict[str, str]:
        pairs = (entry.split("=", 1) for entry in self.portal_audit_keys.split(",") if "=" in entry)
        return {service.strip(): key.strip() for service, key in pairs}

    def service_urls(self) -> dict[str, str]:
        return {
            "correspondence": self.correspondence_url,
            "planning": self.planning_url,
            "budgeting": self.budgeting_url,
            "restructuring": self.restructuring_url,
            "monitoring": self.monitoring_url,
        }
