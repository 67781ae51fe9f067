"""``client.schedules``: days and times that access levels apply (``/schedule``)."""

from __future__ import annotations

import builtins

from ..models import Schedule
from ._base import Resource


class Schedules(Resource):
    """Schedules: list."""

    async def list(self) -> builtins.list[Schedule]:
        """``GET /schedule``: every schedule."""
        return await self._list("/schedule", Schedule)
