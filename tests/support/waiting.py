"""Waiting for what another process does: the one `eventually` the flows share."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def eventually(check: Callable[[], Any], what: str, timeout: float = 30.0,
               every: float = 0.2) -> Any:
    """`check()`'s first truthy answer within `timeout` seconds; an AssertionError naming `what`
    and the last answer otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"not within {timeout}s: {what} (last: {last!r})")
