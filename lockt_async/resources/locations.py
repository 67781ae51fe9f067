"""``client.locations``: locations and location types (``/location``, ``/locationtype``)."""

from __future__ import annotations

import builtins
from typing import Unpack

from .._results import BatchResult
from ..models import Location, LocationRecord, LocationType
from . import _specs
from ._base import Resource
from ._write_api import BulkOptions, Records, bulk, bulk_write


class Locations(Resource):
    """Locations: list them and their types (write method: create)."""

    async def list(self) -> builtins.list[Location]:
        """``GET /location``: every location."""
        return await self._list("/location", Location)

    async def types(self) -> builtins.list[LocationType]:
        """``GET /locationtype``: every location type."""
        return await self._list("/locationtype", LocationType)

    @bulk_write
    async def create(
        self, records: Records[Location | LocationRecord], **options: Unpack[BulkOptions]
    ) -> BatchResult:
        """``POST /location``: create locations (name, locationtype id)."""
        return await bulk(self._client, _specs.LOCATIONS_CREATE, records, options)
