"""Monitoring's composition root: `python -m services.monitoring.main`."""

from __future__ import annotations

from fastapi import FastAPI

from services.monitoring.api import create_router, create_work_router
from services.monitoring.application import MonitoringApplication
from services.monitoring.handlers import subscriptions
from services.monitoring.integration import translate
from services.monitoring.projections import CaseBoard
from services.monitoring.rights import RIGHTS
from services.monitoring.settings import MonitoringSettings
from shared.runtime import ServiceRuntime, create_http_app, serve


def create_app(settings: MonitoringSettings | None = None,
               application: MonitoringApplication | None = None) -> FastAPI:
    settings = settings or MonitoringSettings()
    application = application or MonitoringApplication(settings)
    # The board reads monitoring's persisted lists: nothing is rebuilt before serving.
    board = CaseBoard(application)

    def announce_overdue() -> int:
        return application.raise_overdue(board.clock())

    runtime = ServiceRuntime(
        settings, application, translate=translate, subscriptions=subscriptions(application),
        periodic=[(settings.overdue_sweep_seconds, announce_overdue)],
    )
    api = create_http_app(
        runtime,
        title="Monitoring (งานติดตามประเมินผลและรายงาน)",
        description=(
            "The live status of every case of the office's services: who holds it, since when, "
            "its due date; each case's history; a resumable Server-Sent Events feed; "
            "a Thai status page at `/`. The group's own work: monitoring plans of every approved "
            "plan with progress reports (procedure 14), inspection rounds and recommendations, "
            "evaluations whose results go back as letters (15), the live dashboard at "
            "`/dashboard` and the annual performance report as PDF or Excel (16)."
        ),
        routers=[create_router(application, board, settings),
                 create_work_router(application, board, settings)],
        decision_rights=RIGHTS,
    )
    api.state.board = board
    return api


def main() -> None:
    settings = MonitoringSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
