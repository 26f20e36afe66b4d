"""Quick reads: list endpoints answered on the event loop, not in the thread pool.

A page of a persisted list costs a few milliseconds of Python: an indexed query, the rows' JSON,
the response. Run as a plain `def`, FastAPI hands it to a worker thread, and with eight readers
at once the threads' hand-offs and their contention for the GIL cost more than the reads
themselves (a register page: 4.5 ms of the service's CPU on the loop, 10-13 ms in the pool, on
two cores; benchmarks/README.md). A quick read runs where the request is, and gives way to the
thread pool only when it would have to wait: when the read models are behind what was committed
(after a write, or while the service catches up), `ReadModels.caught_up` raises `WouldWait`
instead of waiting, and the read starts again in a worker thread, where it may wait.

Only for reads whose every step is bounded and local (a page of an indexed table, an aggregate
from the cache): anything slow here (a PDF, a report, a call to another service) stalls every
request of the service, and belongs in a plain `def`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from shared.readmodels import WouldWait, without_waiting

P = ParamSpec("P")
R = TypeVar("R")


def quick_read(endpoint: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Run the (synchronous) read `endpoint` on the event loop; in the thread pool if the read
    models would make it wait. FastAPI reads the parameters from `endpoint`'s signature."""

    @functools.wraps(endpoint)
    async def read(*args: P.args, **kwargs: P.kwargs) -> R:
        # The context is left before the pool is asked: the worker starts with one that may wait.
        with contextlib.suppress(WouldWait), without_waiting():
            return endpoint(*args, **kwargs)
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return read


__all__ = ["quick_read"]
