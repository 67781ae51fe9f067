"""``client.locations``: locations and location types (``/location``, ``/locationtype``)."""

from __future__ import annotations

import builtins

from .._results import BatchResult
from ..models import Location, LocationType
from . import _specs
from ._base import Resource
from ._write_api import OnProgress, Records, bulk


class Locations(Resource):
    """Locations: list them and their types (write method: create)."""

    async def list(self) -> builtins.list[Location]:
        """``GET /location``: every location."""
        return await self._list("/location", Location)

    async def types(self) -> builtins.list[LocationType]:
        """``GET /locationtype``: every location type."""
        return await self._list("/locationtype", LocationType)

    async def create(
        self,
        records: Records,
        *,
        validate_fails_batch: bool = True,
        on_progress: OnProgress = None,
        stop_on_failure: bool = False,
        result: BatchResult | None = None,
    ) -> BatchResult:
        """``POST /location``: create locations (name, locationtype id).

        A bulk write; see "Bulk writes" in ``lockt_async.resources`` for the input,
        the ``BatchResult`` and what it raises.
        """
        return await bulk(
            self._client,
            _specs.LOCATIONS_CREATE,
            records,
            {"validate_fails_batch": validate_fails_batch},
            on_progress=on_progress,
            stop_on_failure=stop_on_failure,
            result=result,
        )
