"""``client.access_levels``: groups of doors on schedules (``/accesslevel``)."""

from __future__ import annotations

import builtins

from .._results import BatchResult
from ..models import AccessLevel
from . import _specs
from ._base import Resource, require_text
from ._write_api import OnProgress, Records, bulk


class AccessLevels(Resource):
    """Access levels: list and look up by name."""

    async def list(self) -> builtins.list[AccessLevel]:
        """``GET /accesslevel``: every access level."""
        return await self._list("/accesslevel", AccessLevel)

    async def get(self, *, name: str) -> AccessLevel:
        """``GET /accesslevel?name=``.

        Raises:
            RecordError: blank name.
            NotFoundError: no such access level.
        """
        return await self._get_one(
            "/accesslevel", AccessLevel, {"name": require_text("name", name)}, "access level"
        )

    async def create(
        self,
        records: Records,
        *,
        validate_fails_batch: bool = True,
        on_progress: OnProgress = None,
        stop_on_failure: bool = False,
        result: BatchResult | None = None,
    ) -> BatchResult:
        """``POST /accesslevel``: create access levels (name, doors with schedule ids).

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
            _specs.ACCESS_LEVELS_CREATE,
            records,
            {"validate_fails_batch": validate_fails_batch},
            on_progress=on_progress,
            stop_on_failure=stop_on_failure,
            result=result,
        )

    async def delete(
        self,
        ids: Records,
        *,
        validate_fails_batch: bool = True,
        on_progress: OnProgress = None,
        stop_on_failure: bool = False,
        result: BatchResult | None = None,
    ) -> BatchResult:
        """``DELETE /accesslevel``: remove access levels by id.

        Takes a list, any iterable or an async iterable of any size (memory of one
        page). Returns a ``BatchResult`` with an outcome for every record; see
        ``lockt_async._writes`` for paging and retry rules.

        Raises:
            ValidationFailedError: a list input has invalid records and
                ``validate_fails_batch`` is True (nothing was sent).
            RecordError: ``ids`` is not an iterable of records.
        """
        return await bulk(
            self._client,
            _specs.ACCESS_LEVELS_DELETE,
            ids,
            {"validate_fails_batch": validate_fails_batch},
            on_progress=on_progress,
            stop_on_failure=stop_on_failure,
            result=result,
        )
