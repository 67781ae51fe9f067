"""``client.access_levels``: groups of doors on schedules (``/accesslevel``)."""

from __future__ import annotations

import builtins
from typing import Unpack

from .._envelope import require_text
from .._results import BatchResult
from ..models import AccessLevel, AccessLevelRecord
from . import _specs
from ._write_api import BulkOptions, Deletable, Records, bulk, bulk_write


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

    @bulk_write
    async def create(
        self, records: Records[AccessLevel | AccessLevelRecord], **options: Unpack[BulkOptions]
    ) -> BatchResult:
        """``POST /accesslevel``: create access levels (name, doors with schedule ids)."""
        return await bulk(self._client, _specs.ACCESS_LEVELS_CREATE, records, options)
