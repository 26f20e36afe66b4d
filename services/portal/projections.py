"""The list of accounts as directors read it: a persisted listing in the portal's own database
(`shared.readmodels`), paged by keyset and searched there, like every list a person reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.portal.domain import Account

ACCOUNT_COLUMNS = {"officer_id": "text", "name_th": "text"}
ACCOUNT_INDEXES = (("officer_id",),)


def account_row(account: Account) -> dict[str, Any]:
    """An account as the `accounts` listing keeps it: what directors look it up by, and what the
    list shows (whether it is locked is decided when it is read: a lockout runs out by itself)."""
    return {"officer_id": account.officer_id, "name_th": account.name_th, "view": {
        "account_id": str(account.id),
        "officer_id": account.officer_id,
        "name_th": account.name_th,
        "roles": sorted(account.roles),
        "second_factor": account.second_factor,
        "second_factor_required": Account.deciding(account.roles),
        "must_change_password": account.must_change_password,
        "locked_until": account.locked_until,
        "failures": account.failures,
        "created_at": account.created_at,
        "last_signed_in_at": account.last_signed_in_at,
        "version": account.version,
    }}


def account_view(stored: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A listed account as a director reads it at `now`."""
    until = stored["locked_until"]
    locked = until is not None and now < datetime.fromisoformat(until)
    return {**stored, "locked": locked, "locked_until": until if locked else None}
