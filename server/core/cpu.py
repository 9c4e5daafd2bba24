"""CPU-heavy work (password hashing, image checks) off the event loop, in a bounded pool.

A request handler that computes for a quarter of a second on the event loop stops every other
request of the process for that long: 24 sign-ins at once made `/healthz` take a second. Such
work goes through `run_cpu`, which runs it in a small pool of threads of its own (Argon2 and
Pillow release the GIL while they compute), one per core. Those threads run at a lower
scheduling priority (nice +10): when the event loop, the database or another worker needs a
core, it gets it first, and the CPU work takes what is left. Waiting for the pool holds nothing
else: callers release database connections first.

A request that does some database work before its CPU work (a sign-in reads the throttle and
the user) first takes a place in `cpu_queue`, twice as wide as the pool: 500 sign-ins at once
then wait there, at no cost, instead of all reading the database in the same second and crowding
out every other request's turn on the loop and in the connection pool.

Blocking I/O (storage, files) is not CPU work: it keeps using anyio's own larger thread pool.
"""

import asyncio
import functools
import os
import threading
import weakref
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

__all__ = ["cpu_queue", "cpu_threads", "run_cpu"]

T = TypeVar("T")
NICENESS = 10  # how much lower than the event loop the pool's threads are scheduled

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
# The queue before the pool, one per event loop (the test suite runs many loops in turn).
_queues: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = (
    weakref.WeakKeyDictionary()
)


def cpu_threads() -> int:
    """Threads of the CPU pool: the cores this process may use, at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _lower_priority() -> None:
    """Run this pool thread behind the event loop (Linux: a thread has its own nice value)."""
    with suppress(AttributeError, OSError):  # elsewhere the pool's bound alone must do
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                cpu_threads(), thread_name_prefix="onevisit-cpu", initializer=_lower_priority
            )
        return _pool


async def run_cpu(func: Callable[..., T], *args: object) -> T:
    """`func(*args)` in the CPU pool, once a thread is free; its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), functools.partial(func, *args))


@asynccontextmanager
async def cpu_queue() -> AsyncIterator[None]:
    """Hold one of the few places of requests preparing CPU work (see the module's doc)."""
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None:
        queue = _queues[loop] = asyncio.Semaphore(2 * cpu_threads())
    async with queue:
        yield
