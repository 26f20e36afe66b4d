"""Correspondence's composition root: `python -m services.correspondence.main`."""

from __future__ import annotations

from fastapi import FastAPI

from services.correspondence.api import create_router
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.handlers import subscriptions
from services.correspondence.integration import make_translator
from services.correspondence.knowledge.api import create_router as knowledge_router
from services.correspondence.meetings.api import create_router as meetings_router
from services.correspondence.news.api import create_router as news_router
from services.correspondence.rights import RIGHTS
from services.correspondence.service_requests.api import create_router as service_requests_router
from services.correspondence.settings import CorrespondenceSettings
from shared.runtime import ServiceRuntime, create_http_app, serve


def create_app(settings: CorrespondenceSettings | None = None,
               application: CorrespondenceApplication | None = None) -> FastAPI:
    settings = settings or CorrespondenceSettings()
    application = application or CorrespondenceApplication(settings)
    runtime = ServiceRuntime(settings, application, translate=make_translator(application),
                             subscriptions=subscriptions(application))
    return create_http_app(
        runtime,
        title="Correspondence (งานธุรการ / งานสารบรรณ)",
        description=(
            "Official correspondence of the Policy and Planning Group under the Saraban Regulation "
            "BE 2526: receiving and dispatch registers numbered per Buddhist-era calendar year "
            "(Asia/Bangkok), routing, drafting, checking, signing, dispatch, filing, borrowing, "
            "destruction, need-to-know secrecy (procedure 1); coordination and service requests "
            "(2), with news of the group's work for the public (web page and Atom feed); internal "
            "meetings, their minutes and action items (3); knowledge management (4). "
            "Every step is an event."
        ),
        routers=[create_router(application), service_requests_router(application),
                 news_router(application), meetings_router(application),
                 knowledge_router(application)],
        decision_rights=RIGHTS,
    )


def main() -> None:
    settings = CorrespondenceSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
