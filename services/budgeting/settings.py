"""Budgeting's settings: the common ones (prefix `ESA_`) with its name and port pinned, and the
rules an office may configure (who approves transfers, the transfer rule table, the rate table)."""

from __future__ import annotations

from pathlib import Path

from contracts.vocabulary import ApprovingBody
from shared.settings import ServiceSettings

DATA = Path(__file__).resolve().parent / "data"


class BudgetingSettings(ServiceSettings):
    service_name: str = "budgeting"
    http_port: int = 8103
    # Who approves budget transfers (the manual: the provincial governor); moves the rule table
    # marks as needing more go on to the central office after this body.
    transfer_approver: ApprovingBody = ApprovingBody.governor
    # A CSV rule table replacing the built-in one (see TransferRules.from_csv); empty: built-in.
    transfer_rules_file: Path | None = None
    # OBEC's per-head rates by fiscal year and level; a year that is neither here nor set through
    # the API uses the published defaults (1,700 / 1,900 / 3,500 / 3,800 baht a year).
    per_head_rates_file: Path = DATA / "per-head-rates.csv"
