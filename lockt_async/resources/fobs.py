"""``client.fobs``: credentials tagged as fobs (``/fob``)."""

from __future__ import annotations

import builtins

from .._results import BatchResult
from ..models import Fob
from . import _specs
from ._base import Resource, only_one, require_id, require_text
from ._write_api import OnProgress, Records, bulk


class Fobs(Resource):
    """Fobs: list and look up (write methods create, reassign and delete)."""

    async def list(self) -> builtins.list[Fob]:
        """``GET /fob``: every fob."""
        return await self._list("/fob", Fob)

    async def get(
        self,
        *,
        id: int | str | None = None,
        name: str | None = None,
        card_num: str | int | None = None,
        id_num: str | None = None,
    ) -> Fob:
        """``GET /fob?id=|name=|card_num=|id_num=`` (id_num is "pending release").

        Raises:
            RecordError: not exactly one key given, or a blank one.
            NotFoundError: no such fob.
        """
        key, value = only_one(id=id, name=name, card_num=card_num, id_num=id_num)
        param = str(require_id("id", value)) if key == "id" else require_text(key, value)
        return await self._get_one("/fob", Fob, {key: param}, "fob")

    async def create(
        self,
        records: Records,
        *,
        validate_fails_batch: bool = True,
        on_progress: OnProgress = None,
        stop_on_failure: bool = False,
        result: BatchResult | None = None,
    ) -> BatchResult:
        """``POST /fob``: create fobs (name, id_num, card_num, dates).

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
            _specs.FOBS_CREATE,
            records,
            {"validate_fails_batch": validate_fails_batch},
            on_progress=on_progress,
            stop_on_failure=stop_on_failure,
            result=result,
        )

    async def reassign(
        self,
        records: Records,
        *,
        validate_fails_batch: bool = True,
        on_progress: OnProgress = None,
        stop_on_failure: bool = False,
        result: BatchResult | None = None,
    ) -> BatchResult:
        """``PUT /fob``: reassign fobs to users (``user_id`` 0 unassigns) and change their dates.

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
            _specs.FOBS_REASSIGN,
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
        """``DELETE /fob``: remove fobs by id.

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
            _specs.FOBS_DELETE,
            ids,
            {"validate_fails_batch": validate_fails_batch},
            on_progress=on_progress,
            stop_on_failure=stop_on_failure,
            result=result,
        )
