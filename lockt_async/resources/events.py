"""``client.events``: what happened at the doors (``/events``)."""

from __future__ import annotations

import builtins

from .._events import EventStream
from ..errors import RecordError
from ..models import Event
from ._base import Resource


class Events(Resource):
    """Events: the cached list, or those after an id."""

    async def list(self, *, after_id: int | None = None) -> builtins.list[Event]:
        """``GET /events`` (up to 5000 cached) or ``?id=N`` (events after id N).

        Events come back in ascending id order whatever order the server used.
        """
        if after_id is None:
            events = await self._list("/events", Event)
        else:
            if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
                raise RecordError(
                    f"after_id must be an event id (int >= 0), got {after_id!r}", field="after_id"
                )
            events = await self._list("/events", Event, {"id": str(after_id)})
        events.sort(key=lambda e: e.id or 0)
        return events

    def stream(
        self,
        after_id: int | None = None,
        *,
        poll_interval: float = 1.0,
        max_backoff: float | None = None,
    ) -> EventStream:
        """Tail ``/events``: each event once, in id order, surviving transient errors.

        With ``after_id=None`` the events the instance caches now come first (the
        newest 5000, oldest first), then the new ones; with ``after_id=N`` only those
        above N. Each event is yielded once, in ascending id order; events without an
        id are skipped. Persist ``stream.last_id`` and pass it back as ``after_id`` to
        resume. When a poll finds nothing new the stream sleeps ``poll_interval``
        seconds. Transient failures (``TransportError``, ``ServerError``,
        ``RateLimitError``, ``InstanceCommunicationError``, ``MalformedResponseError``)
        are logged at WARNING and retried with exponential backoff capped at
        ``max_backoff`` seconds; ``AuthenticationError`` and other errors are raised.
        The stream never ends on its own: leave the ``async for`` or cancel its task.

        Example::

            stream = client.events.stream(after_id=saved_id, poll_interval=2.0)
            async for event in stream:
                handle(event)
                saved_id = stream.last_id
        """
        return EventStream(
            self,
            after_id,
            poll_interval=poll_interval,
            max_backoff=max_backoff,
            retry=self._client.retry,
        )
