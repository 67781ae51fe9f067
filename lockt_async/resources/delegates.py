"""``client.delegates``: delegated access levels (``/delegate``)."""

from __future__ import annotations

import builtins

from .._envelope import data_of, one, structure
from .._writes import send_single
from ..models import Delegate, DelegateRecord, WriteSummary
from . import _specs
from ._base import Resource
from ._write_api import single


class Delegates(Resource):
    """Delegate access levels: list (write methods create and purge)."""

    async def list(self) -> builtins.list[Delegate]:
        """``GET /delegate``: access levels tagged as delegate roles."""
        return await self._list("/delegate", Delegate)

    async def create(self, record: Delegate | DelegateRecord) -> WriteSummary:
        """``POST /delegate``: grant one delegation (one object per call, always all-or-nothing).

        ``record`` is a ``Delegate`` or a mapping with from_user_id, to_user_id,
        access_effective, access_expires and doors ``[{"id": n}]``.

        Raises:
            ValidationFailedError: invalid, or the server refused it.
            WriteNotAppliedError: it certainly was not applied (safe to resend).
            WriteOutcomeUnknownError: no answer came; it may have been applied.
        """
        return await single(self._client, _specs.DELEGATES_CREATE, record, {})

    async def purge(self) -> WriteSummary:
        """``POST /delegate?purge``: delete every expired delegate access level."""
        body = await send_single(self._client.write_context(), "POST", "/delegate?purge", None)
        conv = await self._client.converter()
        row = one(data_of(body, "/delegate?purge"), "/delegate?purge")
        return structure(conv, row, WriteSummary, "/delegate?purge")
