"""Tailing ``/events``: an async iterator that yields each event once, in id order.

``client.events.stream(after_id=None, *, poll_interval=1.0, max_backoff=None)``
returns an :class:`EventStream`:

* ``after_id=None``: first the events the instance currently caches (the newest
  5000, oldest first), then every new one. ``after_id=N``: only events with an
  id above N (``GET /events?id=N``).
* Each event is yielded once, in ascending id order; an id at or below the last
  one yielded is never yielded again (the stream never goes backwards). Events
  without an id cannot be placed and are skipped.
* ``stream.last_id`` is the id of the last event yielded: persist it after
  handling an event and resume later with ``stream(after_id=last_id)``.
* When a poll finds nothing new, the stream sleeps ``poll_interval`` seconds.
* Transient failures (``TransportError``, ``ServerError``, ``RateLimitError``,
  ``InstanceCommunicationError``, ``MalformedResponseError``) are logged at
  WARNING and retried without end, waiting as the client's ``RetryPolicy`` says
  (its one backoff formula and Retry-After cap; ``max_backoff`` given here
  replaces the policy's cap); the stream goes on. Anything else (``AuthenticationError``
  and the other errors) is raised from ``__anext__``.

The stream never ends on its own; stop it by leaving the ``async for`` (or by
cancelling the task that runs it). It works under asyncio and trio.
"""

from __future__ import annotations

import builtins
import logging
from collections import deque
from typing import TYPE_CHECKING, Protocol

import anyio
import attrs

from ._config import RetryPolicy
from ._envelope import require_id
from .errors import (
    ConfigurationError,
    InstanceCommunicationError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
    TransportError,
)

if TYPE_CHECKING:
    from .models import Event

__all__ = ["TRANSIENT_ERRORS", "EventStream"]


#: Errors the stream survives (logged, then retried with backoff).
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    TransportError,
    ServerError,
    RateLimitError,
    InstanceCommunicationError,
    MalformedResponseError,
)


class EventSource(Protocol):
    """What the stream reads from: ``client.events`` (``list(after_id=...)``)."""

    async def list(self, *, after_id: int | None = None) -> builtins.list[Event]: ...


class EventStream:
    """Async iterator over the instance's events; see the module docstring.

    Attributes:
        last_id: the id of the last event yielded (or the ``after_id`` given);
            None until one is yielded when started with ``after_id=None``.
        poll_interval: seconds between polls that found nothing new.
        max_backoff: the cap, in seconds, of the wait after a transient failure
            (the client's ``RetryPolicy.max_backoff`` unless given).

    ``client.events.stream(...)`` builds it with the client's ``RetryPolicy``
    (``retry``; a default policy when None).
    """

    def __init__(
        self,
        events: EventSource,
        after_id: int | None = None,
        *,
        poll_interval: float = 1.0,
        max_backoff: float | None = None,
        retry: RetryPolicy | None = None,
    ):
        if not isinstance(poll_interval, int | float) or poll_interval < 0:
            raise ConfigurationError(f"poll_interval must be >= 0 seconds, got {poll_interval!r}")
        if max_backoff is not None and (
            not isinstance(max_backoff, int | float) or max_backoff <= 0
        ):
            raise ConfigurationError(f"max_backoff must be > 0 seconds, got {max_backoff!r}")
        self._events = events
        if after_id is not None and after_id != 0:
            after_id = require_id("after_id", after_id)  # 0 means "everything after id 0"
        self.last_id: int | None = after_id
        self.poll_interval = float(poll_interval)
        policy = retry if retry is not None else RetryPolicy()
        if max_backoff is not None:
            policy = attrs.evolve(policy, max_backoff=float(max_backoff))
        self._policy = policy
        self.max_backoff = policy.max_backoff
        self._pending: deque[Event] = deque()
        self._polled = False

    def __repr__(self) -> str:
        return f"<EventStream last_id={self.last_id}>"

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        while not self._pending:
            if self._polled:
                await anyio.sleep(self.poll_interval)
            self._pending.extend(await self._poll())
            self._polled = True
        event = self._pending.popleft()
        self.last_id = event.id
        return event

    async def _poll(self) -> list[Event]:
        """One successful read of the new events (retrying transient failures)."""
        # Without end and without a total: the stream outlives any outage.
        retries = self._policy.retries(
            "event stream", attempts=None, total=False, level=logging.WARNING
        )
        while True:
            try:
                found = await self._events.list(after_id=self.last_id)
            except TRANSIENT_ERRORS as exc:
                retry_after = exc.retry_after if isinstance(exc, RateLimitError) else None
                await retries.wait(retry_after=retry_after, reason=f"{type(exc).__name__}: {exc}")
                continue
            return self._new(found)

    def _new(self, found: list[Event]) -> list[Event]:
        """Events above ``last_id``, each id once, ascending."""
        floor = self.last_id if self.last_id is not None else 0
        by_id: dict[int, Event] = {}
        for event in found:
            if isinstance(event.id, int) and event.id > floor:
                by_id.setdefault(event.id, event)
        return [by_id[i] for i in sorted(by_id)]
