"""Is the event loop free while slow work runs? A stand-in for the slow work that holds on
until the app has answered another request.

Wrap the slow function with `HeldWork(func)` and patch it in. While a request runs it, the test
sends a second request and calls `served()` once that is answered. Work running in a worker
thread sees the answer come and goes on; work running on the event loop holds the loop, so the
second request cannot be answered: it gives up after `patience` seconds (a guard against a
hanging suite, not a measurement) and `saw_others_served` stays False.
"""

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["HeldWork"]


class HeldWork:
    def __init__(self, func: Callable[..., Any], patience: float = 10) -> None:
        self.func, self.patience = func, patience
        self.started, self._served = threading.Event(), threading.Event()
        self.saw_others_served: bool | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.started.set()
        self.saw_others_served = self._served.wait(self.patience)
        return self.func(*args, **kwargs)

    def served(self) -> None:
        self._served.set()
