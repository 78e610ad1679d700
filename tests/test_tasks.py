"""Stopping a background task ends it even when it lost its cancellation (``tidings.tasks``).

On Python 3.11 ``asyncio.wait_for`` loses a cancellation that arrives as what it waits for
completes (CPython gh-86296), as redis-py's socket writes did to a loop that an instance's
shutdown cancelled: the shutdown then waited forever. The restart test in
tests/test_socket_sessions.py meets it by chance; here it is made to happen every time.
"""

from __future__ import annotations

import asyncio
import sys

import pytest

from tidings.tasks import RECANCEL_AFTER, cancel_and_wait


async def test_a_task_that_lost_its_cancellation_is_cancelled_again() -> None:
    written = asyncio.get_running_loop().create_future()
    went_on = asyncio.Event()

    async def loop() -> None:  # a component's loop, writing as redis-py writes
        await asyncio.wait_for(written, timeout=60)
        went_on.set()
        await asyncio.Event().wait()  # its next wait: forever

    task = asyncio.create_task(loop(), name="loop")
    await asyncio.sleep(0)  # it waits for the write
    written.set_result(None)  # the write completes and, in the same step, the stop begins
    stopping = asyncio.create_task(cancel_and_wait(task))
    # Not asyncio.timeout(): cancelling the stop would cancel the task too, and hide a hang.
    done, _ = await asyncio.wait({stopping}, timeout=5 * RECANCEL_AFTER)
    if not done:
        stopping.cancel()
        pytest.fail("the task went on after being stopped")

    stopping.result()
    assert task.cancelled()
    if sys.version_info < (3, 12):
        assert went_on.is_set()  # the first cancellation was lost: it took a second one


async def test_what_the_task_raised_is_raised() -> None:
    async def failing() -> None:
        raise ValueError("broken")

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="broken"):
        await cancel_and_wait(task)


async def test_a_cancelled_caller_is_cancelled() -> None:
    """Cancelling the one who stops a task (a shutdown given up on) is not swallowed."""
    cleaning = asyncio.Event()

    async def slow_to_stop() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaning.set()
            await asyncio.shield(asyncio.sleep(RECANCEL_AFTER / 2))

    task = asyncio.create_task(slow_to_stop())
    await asyncio.sleep(0)
    stopping = asyncio.create_task(cancel_and_wait(task))
    await cleaning.wait()
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    await asyncio.wait({task})
