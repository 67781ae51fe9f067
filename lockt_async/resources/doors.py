"""``client.doors``: access-controlled doors (``/door``, ``/doorstate``)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

from .._results import BatchResult
from .._writes import send_single
from ..models import Door, DoorState, UnlockResult, WriteSummary
from . import _specs
from ._base import require_id, require_text, rows, structure
from ._write_api import Deletable, OnProgress, Records, bulk


class Doors(Deletable):
    """Doors: list (optionally those a user can open) and battery state."""

    _delete_spec = _specs.DOORS_DELETE

    async def list(
        self, *, user_id: int | str | None = None, id_num: str | None = None
    ) -> builtins.list[Door]:
        """``GET /door``, or the doors a user can open (``?user_id=`` / ``?id_num=``).

        Raises:
            RecordError: both filters given, or a blank/non-numeric one.
        """
        if user_id is not None and id_num is not None:
            from ..errors import RecordError

            raise RecordError("pass user_id= or id_num=, not both", field="user_id")
        if user_id is not None:
            return await self._list("/door", Door, {"user_id": str(require_id("user_id", user_id))})
        if id_num is not None:
            return await self._list("/door", Door, {"id_num": require_text("id_num", id_num)})
        return await self._list("/door", Door)

    async def state(self, *, low_battery: int | float | None = None) -> builtins.list[DoorState]:
        """``GET /doorstate``: battery levels, or only those below ``low_battery``."""
        if low_battery is None:
            return await self._list("/doorstate", DoorState)
        if isinstance(low_battery, bool) or not isinstance(low_battery, int | float):
            from ..errors import RecordError

            raise RecordError(
                f"low_battery must be a number, got {low_battery!r}", field="low_battery"
            )
        return await self._list("/doorstate", DoorState, {"low_battery": f"{low_battery:g}"})

    async def create(
        self,
        records: Records,
        *,
        validate_fails_batch: bool = True,
        on_progress: OnProgress = None,
        stop_on_failure: bool = False,
        result: BatchResult | None = None,
    ) -> BatchResult:
        """``POST /door``: create doors (name, optional location_id).

        Duplicate names in the input are refused before sending: the server does
        not check them within a batch (a documented defect).

        A bulk write; see "Bulk writes" in ``lockt_async.resources`` for the input,
        the ``BatchResult`` and what it raises.
        """
        return await bulk(
            self._client,
            _specs.DOORS_CREATE,
            records,
            {"validate_fails_batch": validate_fails_batch},
            on_progress=on_progress,
            stop_on_failure=stop_on_failure,
            result=result,
        )

    async def unlock(self, ids: Iterable[Any]) -> builtins.list[UnlockResult]:
        """``POST /unlock``: momentarily unlock wired doors; one result per door.

        Sent through the write gate in pages under the record limit.

        Raises:
            RecordError: an id is blank or not numeric.
        """
        door_ids = [{"id": require_id("id", getattr(i, "id", i))} for i in ids]
        conv = await self._client.converter()
        out: builtins.list[UnlockResult] = []
        step = self._client.record_limit
        for start in range(0, len(door_ids), step):
            body = {
                "doors": door_ids[start : start + step],
                "options": {"validate_fails_batch": "false"},
            }
            answer = await send_single(self._client._write_context(), "POST", "/unlock", body)
            out.extend(structure(conv, r, UnlockResult, "/unlock") for r in rows(answer, "/unlock"))
        return out

    async def create_one(self, record: Any) -> WriteSummary:
        """``POST /door`` for one door, sharing pages with concurrent callers.

        Raises: as ``users.upsert_one``.
        """
        return await self._client.coalescer.submit(_specs.DOORS_CREATE, record, {})

    async def reconcile(self, result: BatchResult) -> BatchResult:
        """Settle the ``unknown`` failures of a ``create`` by door ``name``.

        Reads ``GET /door`` once. Returns a NEW ``BatchResult`` (``result`` is
        not changed): each unknown door whose name is found is dropped from
        ``failures`` (it was applied); each one not found becomes ``not_sent``
        ("not applied (checked by name after an unknown outcome)"). Records
        without a name stay ``unknown``.

        Raises:
            LocktError: the read of ``/door`` failed (``AuthenticationError``,
                ``RequestTimeout``, ``ServerError``, ...); call again later.
        """
        from .._results import FailureReason
        from ._reconcile import natural_key, reconcile

        if not any(f.reason is FailureReason.UNKNOWN for f in result.failures):
            return await reconcile(result, key="name", lookup=_never, checked_by="name")
        names = {d.name.strip() for d in await self.list() if isinstance(d.name, str)}

        async def lookup(value: str) -> bool:
            return value in names

        return await reconcile(
            result,
            key=lambda rec: natural_key(rec, "name"),
            lookup=lookup,
            checked_by="name",
        )


async def _never(value: str) -> bool:  # pragma: no cover - no unknown failures to look up
    return False
