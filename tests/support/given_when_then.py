"""Given-when-then helpers for aggregate unit tests (as in eventsourcing's own examples): rebuild an
aggregate from the events it recorded, read what a command just recorded, expect a rule's refusal."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from shared.domain import Aggregate, DomainError


def replay(events: Sequence[Any]) -> Any:
    agg = None
    for e in events:
        agg = e.mutate(agg)
    return agg


def _history(agg: Aggregate) -> list[Any]:
    # The events an aggregate was rebuilt from; a replayed aggregate does not keep them itself.
    return list(getattr(agg, "_test_history", []))


def given(agg: Aggregate) -> Any:
    """The aggregate as replayed from all its events so far (no pending events left)."""
    history = _history(agg) + list(agg.collect_events())
    replayed = replay(history)
    replayed._test_history = history
    return replayed


def then_events(agg: Aggregate) -> list[Any]:
    """The events the command just recorded (kept in the history for a later `given`)."""
    new = list(agg.collect_events())
    agg._test_history = _history(agg) + new  # type: ignore[attr-defined]
    return new


def names(events: Sequence[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


@contextmanager
def refused(code: str, status: int | None = None) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    """The block must break the rule named `code` (and answer `status`, when given)."""
    with pytest.raises(DomainError) as info:
        yield info
    assert info.value.code == code, f"expected {code}, got {info.value.code}: {info.value}"
    if status is not None:
        assert info.value.status == status
