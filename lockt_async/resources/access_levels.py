"""``client.access_levels``: groups of doors on schedules (``/accesslevel``)."""

from __future__ import annotations

import builtins

from .._results import BatchResult
from ..models import AccessLevel
from . import _specs
from ._base import require_text
from ._write_api import Deletable, OnProgress, Records, bulk


class AccessLevels(Deletable):
    """Access levels: list and look up by name."""

    _delete_spec = _specs.ACCESS_LEVELS_DELETE

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

        A bulk write; see "Bulk writes" in ``lockt_async.resources`` for the input,
        the ``BatchResult`` and what it raises.
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
