"""The portal's composition root: `python -m services.portal.main` (port 8100).

A front end, not a domain service: its own store holds only accounts and sign-ins (in the audit
trail signed in every transaction, like every service's), it publishes nothing and consumes nothing
(no NATS), and it speaks to the five services only through their public HTTP APIs
(`service_client.py`) as the OAuth client `office-portal`, which it registers in the office's
client registry on first start (secret under `var/auth/office-portal.secret`, 0600) unless
`ESA_PORTAL_CLIENT_SECRET` is given.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.portal.api import create_routers, install_page_handlers
from services.portal.application import PortalApplication
from services.portal.audit_proofs import AuditVerifier
from services.portal.live import WorkFeed
from services.portal.oidc import OidcClient
from services.portal.portal import Portal
from services.portal.rights import RIGHTS
from services.portal.security import SecurityHeaders
from services.portal.service_client import ServiceClient
from services.portal.settings import PORTAL_CLIENT_ID, PortalSettings
from shared.auth.clients import ClientRegistry
from shared.runtime import ServiceRuntime, create_http_app, serve

STATIC = Path(__file__).parent / "static"
PORTAL_AGENCY = "สำนักงาน (ระบบงานภายใน: พอร์ทัลเจ้าหน้าที่)"
SERVICES = ("correspondence", "planning", "budgeting", "restructuring", "monitoring")
# The portal names officers (office:staff) and reads, changes and audits every service for them;
# what each officer may do is still decided by each service's own rules.
PORTAL_SCOPES = ["office:staff", *(f"{service}:{action}" for service in SERVICES
                                  for action in ("read", "write", "audit"))]
SESSION_PURGE_SECONDS = 600.0


def portal_client_secret(settings: PortalSettings) -> str:
    """The portal's OAuth client secret: given in the settings, or provisioned in the registry."""
    if settings.portal_client_secret is not None:
        return settings.portal_client_secret.get_secret_value()
    secret = ClientRegistry(settings.clients_path).provision(
        client_id=PORTAL_CLIENT_ID, agency=PORTAL_AGENCY, scopes=PORTAL_SCOPES,
        secret_path=settings.client_secret_path)
    if secret is None:
        raise SystemExit(f"the OAuth client {PORTAL_CLIENT_ID} was revoked; register it again "
                         "(python -m shared.auth) and set ESA_PORTAL_CLIENT_SECRET")
    return secret


def create_app(settings: PortalSettings | None = None,
               application: PortalApplication | None = None,
               services: ServiceClient | None = None) -> FastAPI:
    settings = settings or PortalSettings()
    application = application or PortalApplication(settings)
    runtime = ServiceRuntime(settings, application,
                             periodic=[(SESSION_PURGE_SECONDS, application.sessions.purge_expired)])
    services = services or ServiceClient(
        settings.service_urls(), client_id=PORTAL_CLIENT_ID,
        client_secret=portal_client_secret(settings),
        timeout=settings.portal_service_timeout_seconds)
    oidc = (OidcClient(settings, application.credentials.derived_key("oidc-state"))
            if settings.oidc_enabled else None)
    portal = Portal(settings, application, services, WorkFeed(services),
                    AuditVerifier(services, settings.pinned_audit_keys()), oidc)
    api = create_http_app(
        runtime,
        title="Office portal (พอร์ทัลเจ้าหน้าที่)",
        description=(
            "The Thai web application the office's staff sign in to. Its pages are not an API; "
            "documented here are what every service has: the token endpoint, health, and the "
            "auditors' routes over the portal's own events (accounts and sign-ins)."),
        routers=create_routers(),
        decision_rights=RIGHTS,
    )
    api.state.portal = portal
    install_page_handlers(api)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    api.add_middleware(SecurityHeaders, secure=settings.portal_secure_cookies)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            feed = asyncio.create_task(portal.feed.run(), name="monitoring-feed")
            try:
                yield
            finally:
                feed.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await feed
                await services.close()
                if oidc is not None:
                    await oidc.close()

    api.router.lifespan_context = lifespan
    return api


def main() -> None:
    settings = PortalSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
