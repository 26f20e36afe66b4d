"""Planning's composition root: `python -m services.planning.main`."""

from __future__ import annotations

from fastapi import FastAPI

from services.planning.api import create_router
from services.planning.application import PlanningApplication
from services.planning.handlers import subscriptions
from services.planning.integration import translate
from services.planning.rights import RIGHTS
from services.planning.settings import PlanningSettings
from shared.office.api import create_documents_router
from shared.runtime import ServiceRuntime, create_http_app, serve


def create_app(settings: PlanningSettings | None = None,
               application: PlanningApplication | None = None) -> FastAPI:
    settings = settings or PlanningSettings()
    application = application or PlanningApplication(settings)
    runtime = ServiceRuntime(settings, application, translate=translate,
                             subscriptions=subscriptions(application))
    return create_http_app(
        runtime,
        title="Planning (งานนโยบายและแผน)",
        description=(
            "Procedures 5-8 of the Policy and Planning Group: the office's policy, focus points and "
            "targets; the multi-year basic-education development plan (versions, the one in force "
            "at a date); the annual action plan (projects, KPIs, budget by expense category and "
            "quarter, exported as Thai PDF and Excel); the alignment with provincial and national "
            "strategies. Every plan is submitted to its approving body (กศจ. by default), every "
            "round is kept, and an approval cites a resolution registered in correspondence."
        ),
        routers=[create_router(application), create_documents_router(application)],
        decision_rights=RIGHTS,
    )


def main() -> None:
    settings = PlanningSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
