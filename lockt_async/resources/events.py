"""``client.events``: what happened at the doors (``/events``)."""

from __future__ import annotations

import builtins

from ..models import Event
from ._base import Resource, require_id


class Events(Resource):
    """Events: the cached list, or those after an id."""

    async def list(self, *, after_id: int | None = None) -> builtins.list[Event]:
        """``GET /events`` (up to 5000 cached) or ``?id=N`` (events after id N).

        Events come back in ascending id order whatever order the server used.
        """
        if after_id is None:
            events = await self._list("/events", Event)
        else:
            events = await self._list(
                "/events", Event, {"id": str(require_id("after_id", after_id))}
            )
        events.sort(key=lambda e: e.id or 0)
        return events
