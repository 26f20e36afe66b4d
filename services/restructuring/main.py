"""Restructuring's composition root: `python -m services.restructuring.main`."""

from __future__ import annotations

from fastapi import FastAPI

from services.restructuring.api import create_router
from services.restructuring.application import RestructuringApplication
from services.restructuring.integration import translate
from services.restructuring.settings import RestructuringSettings
from shared.runtime import ServiceRuntime, create_http_app, serve


def create_app(settings: RestructuringSettings | None = None,
               application: RestructuringApplication | None = None) -> FastAPI:
    settings = settings or RestructuringSettings()
    application = application or RestructuringApplication(settings)
    runtime = ServiceRuntime(settings, application, translate=translate)
    return create_http_app(
        runtime,
        title="Restructuring (งานจัดตั้ง ยุบ รวม เลิก และโอนสถานศึกษา)",
        description=(
            "The school registry (codes, names, location, levels taught, status, enrolment "
            "snapshots on the DMC dates 10 June and 10 November, importable from CSV and Excel), "
            "the registry as it stood on any day, the small-school report, and the cases that "
            "establish, merge, dissolve, transfer or expand schools under the Ministry of "
            "Education regulation BE 2550 (class expansion BE 2553). Every change is an event."
        ),
        routers=[create_router(application)],
    )


def main() -> None:
    settings = RestructuringSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
