"""Settings common to every service, read from the environment (prefix `ESA_`) with safe local defaults.

Each service subclasses `ServiceSettings` in its own `settings.py` to pin its name and port. The same
keys are used by `make run` (SQLite under `var/`) and by docker-compose (PostgreSQL), so switching store
is a matter of settings only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ESA_", extra="ignore")

    service_name: str = "service"
    http_host: str = "127.0.0.1"
    http_port: int = 8100
    var_dir: Path = PROJECT_ROOT / "var"

    store: Literal["sqlite", "postgres"] = "sqlite"
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_user: str = "esa"
    postgres_password: SecretStr = SecretStr("")
    postgres_dbname: str = "esa"

    nats_url: str = "nats://127.0.0.1:4222"
    # How long the relay waits for JetStream's acknowledgement before publishing the same id again.
    publish_timeout_seconds: float = 2.0
    # Deliveries of one message before the consumer parks it on the dead-letter subject.
    consumer_max_deliver: int = 5
    # A message handed to a consumer that died is redelivered after this long; the stream waits
    # behind it (one message in flight keeps the order), so it is short.
    consumer_ack_wait_seconds: float = 5.0
    # Retries of a command that lost a race on the same aggregate before answering 409.
    command_retries: int = 5

    # OAuth2 for other agencies and the office portal (shared.auth). The signing key is generated
    # once at the default place when neither key file exists; a service given only the public key
    # verifies tokens but issues none. Deployments point every service at one shared copy.
    auth_signing_key_file: Path | None = None  # default: <var_dir>/keys/office-auth.ed25519
    # Or the token key inside a PKCS#11 token / HSM (an RFC 7512 URI; see shared/signing_keys.py):
    # then tokens are signed by the token and the public key is read from it.
    auth_signing_key_pkcs11: SecretStr | None = None
    auth_public_key_file: Path | None = None  # default: the signing key's path + ".pub"
    auth_clients_file: Path | None = None  # default: <var_dir>/auth/clients.json
    auth_issuer: str = "urn:esa:office"
    auth_audience: str = "urn:esa:office"
    auth_token_minutes: int = Field(default=15, ge=1, le=60)
    # Token requests per minute from one address (client secrets are checked with scrypt).
    auth_token_requests_per_minute: int = Field(default=60, ge=1)

    # The Ed25519 key that signs the audit tree's heads: the path of a PEM file (a secret mount),
    # the PEM text, or a PKCS#11 URI (a token / HSM; see shared/signing_keys.py). Never the
    # office's token key. Unset, the service keeps its own under <var>/keys/ (development only).
    audit_signing_key: SecretStr | None = None
    # During a rotation: the key being replaced, which endorses the new key's first head.
    audit_previous_signing_key: SecretStr | None = None
    # The service checks its store against its tree and its witnessed heads this often (the
    # newest leaves and the stream's cosignatures), and re-reads the whole store,
    # `audit_scan_batch` rows per check (a slice at a time, spread over the interval), a new pass
    # `audit_rescan_seconds` after the last ended.
    audit_check_seconds: float = Field(default=1.0, gt=0)
    audit_scan_batch: int = Field(default=5000, ge=100)
    audit_rescan_seconds: float = Field(default=30.0, ge=0)
    # Witnesses whose cosignatures this service trusts: "<name>=<public key hex>" (or a PEM file
    # path after the "="). Unlisted witnesses' cosignatures are ignored.
    audit_witness_keys: list[str] = Field(default_factory=list)
    # This service also witnesses these services' heads ("<service>=<base URL>"), as an OAuth
    # client with their `<service>:audit` scopes (monitoring does, for the office).
    audit_witness_services: list[str] = Field(default_factory=list)
    audit_witness_name: str | None = None  # default: the service's name
    audit_witness_client_id: str | None = None
    # Unset: the office's own witness provisions its client in the registry (secret kept under
    # <var>/witness/), as the portal does.
    audit_witness_client_secret: SecretStr | None = None
    # Where this witness writes its public key (PEM) for the services to trust (compose: a volume
    # they mount); its private key stays under <var>/witness/.
    audit_witness_public_key_out: Path | None = None

    office_code: str = Field(default="ศธ 04123", description="The office's code in outgoing numbers")
    office_name_th: str = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตัวอย่าง เขต 1"
    log_level: str = "INFO"

    @property
    def sqlite_path(self) -> Path:
        return self.var_dir / f"{self.service_name}.sqlite3"

    @property
    def signing_key_path(self) -> Path:
        return self.auth_signing_key_file or self.var_dir / "keys" / "office-auth.ed25519"

    @property
    def public_key_path(self) -> Path:
        return self.auth_public_key_file or self.signing_key_path.with_name(
            self.signing_key_path.name + ".pub")

    @property
    def clients_path(self) -> Path:
        return self.auth_clients_file or self.var_dir / "auth" / "clients.json"

    @property
    def audit_key_path(self) -> Path:
        return self.var_dir / "keys" / f"{self.service_name}.ed25519"

    @property
    def blob_dir(self) -> Path:
        return self.var_dir / "blobs" / self.service_name

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's persistence settings for this service's store."""
        if self.store == "sqlite":
            self.var_dir.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "shared.persistence.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        return {
            "PERSISTENCE_MODULE": "shared.persistence.postgres",
            "POSTGRES_HOST": self.postgres_host,
            "POSTGRES_PORT": str(self.postgres_port),
            "POSTGRES_USER": self.postgres_user,
            "POSTGRES_PASSWORD": self.postgres_password.get_secret_value(),
            "POSTGRES_DBNAME": self.postgres_dbname,
            # Never POSTGRES_ENABLE_DB_FUNCTIONS: with them notification ids can have gaps
            # and a tracking position could skip events.
        }
