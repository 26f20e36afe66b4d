"""Who is acting and under which trace: set once per request or message, read by events and logs.

Context variables (not function arguments) so that the domain can stamp every event with its actor
and trace id without the aggregates knowing about HTTP or NATS.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

import structlog

SYSTEM_ACTOR = "system"
# An HTTP request before the gate has identified its caller (public routes stay so).
ANONYMOUS_ACTOR = "anonymous"

actor_var: ContextVar[str] = ContextVar("actor", default=SYSTEM_ACTOR)
trace_id_var: ContextVar[str] = ContextVar("trace_id", default="")


def current_actor() -> str:
    return actor_var.get()


def current_trace_id() -> str:
    return trace_id_var.get() or new_trace_id()


def new_trace_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def acting_as(actor: str, trace_id: str | None = None) -> Iterator[str]:
    """Run a block as `actor` under `trace_id` (a new one if not given); logs carry both."""
    trace = trace_id or new_trace_id()
    actor_token = actor_var.set(actor)
    trace_token = trace_id_var.set(trace)
    with structlog.contextvars.bound_contextvars(actor=actor, trace_id=trace):
        try:
            yield trace
        finally:
            actor_var.reset(actor_token)
            trace_id_var.reset(trace_token)
