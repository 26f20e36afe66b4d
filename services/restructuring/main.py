"""Restructuring's composition root: `python -m services.restructuring.main`."""

from __future__ import annotations

from fastapi import FastAPI

from services.restructuring.api import create_router
from services.restructuring.application import RestructuringApplication
from services.restructuring.handlers import subscriptions
from services.restructuring.integration import translate
from services.restructuring.rights import RIGHTS
from services.restructuring.settings import RestructuringSettings
from shared.office.api import create_documents_router
from shared.runtime import ServiceRuntime, create_http_app, serve


def create_app(settings: RestructuringSettings | None = None,
               application: RestructuringApplication | None = None) -> FastAPI:
    settings = settings or RestructuringSettings()
    application = application or RestructuringApplication(settings)
    runtime = ServiceRuntime(settings, application, translate=translate,
                             subscriptions=subscriptions(application))
    return create_http_app(
        runtime,
        title="Restructuring (งานจัดตั้ง ยุบ รวม เลิก และโอนสถานศึกษา)",
        description=(
            "The school registry (codes, names, location, levels taught, status, enrolment "
            "snapshots on the DMC dates 10 June and 10 November, importable from CSV and Excel), "
            "the registry as it stood on any day, the small-school report, and the cases that "
            "establish, merge, dissolve, transfer or expand schools under the Ministry of "
            "Education regulation BE 2550 (class expansion BE 2553). Every change is an event. "
            "Who may run each command is in `/decision-rights`; the provincial committee's "
            "decision cites its resolution as registered in correspondence, and only the ESA "
            "director carries a case out."
        ),
        routers=[create_router(application), create_documents_router(application)],
        decision_rights=RIGHTS,
    )


def main() -> None:
    settings = RestructuringSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
