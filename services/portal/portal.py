"""What every page reaches through `request.app.state.portal`: the settings, the accounts
application, the service client, the live feed, the auditor's verifier and the OpenID Connect
client (if configured)."""

from __future__ import annotations

from dataclasses import dataclass

from services.portal.application import PortalApplication
from services.portal.audit_proofs import AuditVerifier
from services.portal.live import WorkFeed
from services.portal.oidc import OidcClient
from services.portal.service_client import ServiceClient
from services.portal.settings import PortalSettings


@dataclass
class Portal:
    settings: PortalSettings
    app: PortalApplication
    services: ServiceClient
    feed: WorkFeed
    audit: AuditVerifier
    oidc: OidcClient | None = None
