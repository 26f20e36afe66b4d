"""The list of accounts as directors read it (followed from the store by
`shared.projection.AggregateIndex`), paged and filtered like every list a person reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from services.portal.domain import Account


def account_view(account: Account, now: datetime) -> dict[str, Any]:
    return {
        "account_id": str(account.id),
        "officer_id": account.officer_id,
        "name_th": account.name_th,
        "roles": sorted(account.roles),
        "second_factor": account.second_factor,
        "second_factor_required": Account.deciding(account.roles),
        "must_change_password": account.must_change_password,
        "locked": account.is_locked(now),
        "locked_until": account.locked_until if account.is_locked(now) else None,
        "failures": account.failures,
        "created_at": account.created_at,
        "last_signed_in_at": account.last_signed_in_at,
        "version": account.version,
    }


def accounts_page(accounts: Iterable[Account], now: datetime, *, q: str = "", offset: int = 0,
                  limit: int = 50) -> dict[str, Any]:
    """Accounts by officer id, those matching `q` (officer id or name), one page."""
    needle = q.strip().lower()
    rows = sorted((a for a in accounts
                   if not needle or needle in a.officer_id.lower() or needle in a.name_th.lower()),
                  key=lambda a: a.officer_id)
    page = rows[offset:offset + limit]
    return {"items": [account_view(a, now) for a in page], "total": len(rows),
            "next_offset": offset + limit if offset + limit < len(rows) else None}
