"""CPU-heavy work (password hashing, image checks) off the event loop, in a bounded pool.

A request handler that computes for a quarter of a second on the event loop stops every other
request of the process for that long: 24 sign-ins at once made `/healthz` take a second. Such
work goes through `run_cpu`, which runs it in a worker thread (Argon2 and Pillow release the GIL
while they compute) but lets only a few run at once, one fewer than the machine's cores: a rush
of sign-ins then queues here, each waiting its turn, while the event loop keeps a core to answer
everyone else. Waiting here holds nothing else: callers release database connections first.

Blocking I/O (storage, files) is not CPU work: it keeps using anyio's own larger thread pool.
"""

import asyncio
import os
import weakref
from collections.abc import Callable
from typing import TypeVar

from anyio import CapacityLimiter, to_thread

__all__ = ["cpu_threads", "run_cpu"]

T = TypeVar("T")

# One limiter per event loop (the test suite runs many loops, one after another).
_limiters: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter]" = (
    weakref.WeakKeyDictionary()
)


def cpu_threads() -> int:
    """How many CPU-heavy jobs run at once: the cores this process may use, less one for the
    event loop, at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 2
    return max(1, cores - 1)


def _limiter() -> CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(cpu_threads())
    return limiter


async def run_cpu(func: Callable[..., T], *args: object) -> T:
    """`func(*args)` in the CPU pool, once a place is free; its result."""
    return await to_thread.run_sync(func, *args, limiter=_limiter())
