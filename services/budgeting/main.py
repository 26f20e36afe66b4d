"""Budgeting's composition root: `python -m services.budgeting.main`."""

from __future__ import annotations

from fastapi import FastAPI

from services.budgeting.api import create_router
from services.budgeting.application import BudgetingApplication
from services.budgeting.handlers import subscriptions
from services.budgeting.integration import translate
from services.budgeting.rights import RIGHTS
from services.budgeting.settings import BudgetingSettings
from shared.office.api import create_documents_router
from shared.runtime import ServiceRuntime, create_http_app, serve


def create_app(settings: BudgetingSettings | None = None,
               application: BudgetingApplication | None = None) -> FastAPI:
    settings = settings or BudgetingSettings()
    application = application or BudgetingApplication(settings)
    runtime = ServiceRuntime(settings, application, translate=translate,
                             subscriptions=subscriptions(application))
    return create_http_app(
        runtime,
        title="Budgeting (งานวิเคราะห์งบประมาณ)",
        description=(
            "Procedures 10-13 of the Policy and Planning Group: budget lines per fiscal year, "
            "project and expense category, with balances reproducible from their events at any "
            "time; expenditure analysis; budget requests and external funding; allocation "
            "within a ceiling (per-head subsidy from the enrolment snapshots); leftover funds "
            "and transfers checked against the rule table and approved by the governor. Every "
            "step is an event; money is exact to the satang. Who may run each command: "
            "`GET /decision-rights`; a decision of a body outside the office cites its "
            "resolution registered in correspondence."
        ),
        routers=[create_router(application), create_documents_router(application)],
        decision_rights=RIGHTS,
    )


def main() -> None:
    settings = BudgetingSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
