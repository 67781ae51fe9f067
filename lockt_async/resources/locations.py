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

        Takes a list, any iterable or an async iterable of any size (memory of one
        page). Returns a ``BatchResult`` with an outcome for every record; see
        ``lockt_async._writes`` for paging and retry rules.

        Raises:
            ValidationFailedError: a list input has invalid records and
                ``validate_fails_batch`` is True (nothing was sent).
            RecordError: ``records`` is not an iterable of records.
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
