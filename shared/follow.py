"""Following a service's event log from asyncio: the one home for that (the outbox relay and the
live feeds use it; the read models use the library's subscription directly, in their own thread).

`follow_log` runs eventsourcing's `ApplicationSubscription` (the log in order from a position, then
each new commit as it happens) in a worker thread, applies `transform` there (decoding, store reads,
translation: never on the event loop), and hands the results to the loop in order, in batches of
what is ready. A full queue holds the subscription back, so a slow consumer costs memory for at
most `queue_size` items. Leaving the loop (or `closing` being set) stops the subscription.

`StatesAfter` gives, for each event read in order, its aggregate as it stood right after it: what a
follower translates (the relay) or lists (the read models) from.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.persistence import Tracking
from eventsourcing.projection import ApplicationSubscription

if TYPE_CHECKING:  # the store imports the read models, which fold with `StatesAfter`
    from shared.eventstore import ServiceApplication

T = TypeVar("T")


class StatesAfter:
    """Aggregates folded along the log: an event applied to the state kept from its aggregate's
    previous event, or the aggregate loaded at the event's version when that state is not kept
    (the first event read after a start, or one evicted). The last `kept` aggregates stay folded,
    so a busy log costs one `mutate` per event, not one load."""

    def __init__(self, app: ServiceApplication, kept: int) -> None:
        self.app = app
        self.kept = kept
        # By the id's number: a UUID's own hash and comparison run in Python, twice an event.
        self._states: OrderedDict[int, Any] = OrderedDict()

    def after(self, event: Any) -> Any:
        aggregate_id, version = event.originator_id, event.originator_version
        state = self._states.pop(aggregate_id.int, None)
        if version == 1:
            state = event.mutate(None)
        elif state is not None and state.version == version - 1:
            state = event.mutate(state)
        else:
            state = self.app.load(aggregate_id, version)
        self._states[aggregate_id.int] = state
        if len(self._states) > self.kept:
            self._states.popitem(last=False)
        return state

    def clear(self) -> None:
        self._states.clear()
_END = object()
CLOSING_CHECK_SECONDS = 0.2


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


async def follow_log(
    app: ServiceApplication,
    transform: Callable[[Any, Tracking], T],
    *,
    after: int = 0,
    topics: Sequence[str] = (),
    closing: asyncio.Event | None = None,
    max_batch: int = 64,
    queue_size: int = 1024,
) -> AsyncIterator[list[T]]:
    """Batches of `transform(domain event, tracking)` for every event after position `after`, in
    order, forever (until the caller stops iterating or `closing` is set)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=queue_size)
    stopped = threading.Event()
    subscription = ApplicationSubscription(app, gt=after, topics=topics)

    def hand_over(item: Any) -> bool:
        """Put one item on the loop's queue, waiting while it is full; False once stopped."""
        while not stopped.is_set():
            try:
                future = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
            except RuntimeError:
                return False  # the loop is closed
            try:
                future.result(timeout=0.5)
                return True
            except TimeoutError:
                future.cancel()
        return False

    def pump() -> None:
        try:
            for event, tracking in subscription:
                if not hand_over(transform(event, tracking)):
                    return
        except BaseException as error:  # noqa: BLE001 - handed to the loop, raised there
            hand_over(_Failed(error))
        finally:
            hand_over(_END)

    thread = threading.Thread(target=pump, daemon=True, name=f"follow-{app.name}")
    thread.start()
    try:
        while True:
            getting = asyncio.ensure_future(queue.get())
            # `closing` is looked at, not awaited: awaiting binds an asyncio.Event to the loop
            # that first waits on it, and a service's event outlives a loop (every request of a
            # test client without its lifespan runs in a loop of its own).
            while not getting.done():
                await asyncio.wait({getting}, timeout=CLOSING_CHECK_SECONDS)
                if closing is not None and closing.is_set() and not getting.done():
                    getting.cancel()
                    return  # closing: the service is shutting down
            batch: list[T] = []
            item = getting.result()
            while True:
                if item is _END:
                    if batch:
                        yield batch
                    return
                if isinstance(item, _Failed):
                    if batch:
                        yield batch
                    raise item.error
                batch.append(item)
                if len(batch) >= max_batch or queue.empty():
                    break
                item = queue.get_nowait()
            yield batch
    finally:
        stopped.set()
        subscription.stop()
        while not queue.empty():  # let a pump blocked on a full queue see that we stopped
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
        await asyncio.to_thread(thread.join, 5)
