"""Stopping a component's background task, even one that lost its cancellation.

Components stop their loops (the hub's pump, the pub/sub listener, the session follower, the
connection refresh, the presence sweep) by cancelling them. On Python 3.11 a cancellation can
be lost: ``asyncio.wait_for`` returns the awaited result instead of raising
``CancelledError`` when the cancellation arrives just as what it waits for completes (CPython
gh-86296; fixed in 3.12, where ``wait_for`` is built on ``asyncio.timeout``, and not
backported). redis-py wraps every socket write in ``wait_for`` whenever ``socket_timeout`` is
set, which it is by default since redis-py 8. A loop that loses its cancellation carries on,
and a shutdown that waits for it waits forever (uvicorn sets no limit on the lifespan's
shutdown). This happened after a Redis restart: the connection refresh, restoring records
and announcing presence over connections that had to reconnect (a handshake of several
writes each), met the shutdown's cancellation.

So a task is cancelled until it has ended, not once: the way trio and anyio cancel.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

__all__ = ["RECANCEL_AFTER", "cancel_and_wait"]

log = structlog.get_logger("tidings.tasks")

# How long a cancelled task may take to finish before it is cancelled again. Long enough for
# a task that did get its cancellation to clean up undisturbed (a few Redis or database round
# trips); short enough that a shutdown whose cancellation was lost is a second late, not stuck.
RECANCEL_AFTER = 1.0


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and return once it has ended, cancelling it again every
    ``RECANCEL_AFTER`` seconds while it runs on. Raises what the task raised, other than its
    cancellation; a cancellation of the caller is not swallowed."""
    while True:
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=RECANCEL_AFTER)
        if done:
            break
        log.warning(
            "task still running after being cancelled; cancelling it again",
            task=task.get_name(),
            seconds=RECANCEL_AFTER,
        )
    if not task.cancelled():
        task.result()
