"""Request bodies that stop coming, or come too slowly, end their request.

A client that opens a request and then sends its body a few bytes at a time (or not at all)
would otherwise hold the request, and whatever the handler took for it (an upload slot, a spool
buffer, a database session), for as long as it likes. Every HTTP request's `receive` goes through
`BodyDeadline` (from server.fastlane, the app's first stop), so every route that reads a body
obeys the same two rules, whichever way it reads it (JSON, forms, a stream, tus):

- the next bytes must come within READ_TIMEOUT seconds (REQUEST_READ_TIMEOUT_SECONDS);
- the body must keep up an average of MIN_RATE bytes a second (REQUEST_MIN_BYTES_PER_SECOND)
  after its first READ_TIMEOUT seconds: a body of n bytes may spend READ_TIMEOUT + n / MIN_RATE
  seconds arriving in all. Only the time the app waits for the client counts, never the time the
  app spends elsewhere meanwhile (storing a part, checking a photo).

When either is broken, `receive` raises `BodyStalled`: a route may catch it (tus keeps what
came and says where to resume), otherwise the app answers 408 naming the wait
(server.core.errors). Either way the answer carries `Connection: close`, so the connection does
not linger to carry the rest.
"""

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

__all__ = ["BodyDeadline", "BodyStalled", "ClientGone"]

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ClientGone(Exception):
    """The client hung up in the middle of a request body."""


class BodyStalled(ClientGone):
    """The request body stopped coming for `seconds`, or came slower than `rate` bytes a second."""

    def __init__(self, seconds: float, rate: float) -> None:
        super().__init__(seconds, rate)
        self.seconds, self.rate = seconds, rate


class BodyDeadline:
    """The two rules, for `wrap` to apply to each request."""

    def __init__(self, read_timeout: float, min_rate: float) -> None:
        self.read_timeout, self.min_rate = read_timeout, min_rate

    def wrap(self, receive: Receive, send: Send) -> tuple[Receive, Send]:
        """`receive` bounded by the rules, and `send`, which closes the connection after an
        answer to a body that was cut short."""
        read_timeout, min_rate = self.read_timeout, self.min_rate
        received = 0
        waited = 0.0
        done = stalled = False

        async def receiving() -> Message:
            nonlocal received, waited, done, stalled
            if done:  # the body is over (or was cut short): waiting for a disconnect is fine
                return await receive()
            allowed = min(read_timeout, read_timeout + received / min_rate - waited)
            started = time.monotonic()
            message = None
            if allowed > 0:
                with anyio.move_on_after(allowed):
                    message = await receive()
            waited += time.monotonic() - started
            if message is None:
                done = stalled = True
                raise BodyStalled(read_timeout, min_rate)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                done = not message.get("more_body", False)
            else:
                done = True
            return message

        async def sending(message: Message) -> None:
            if stalled and message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers") or []
                    if bytes(k).lower() != b"connection"
                ]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        return receiving, sending
