"""``client.doors``: access-controlled doors (``/door``, ``/doorstate``)."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import Any, Unpack

from .._results import BatchResult
from .._sync_results import SyncPlan, SyncResult
from .._writes import send_single
from ..models import Door, DoorRecord, DoorState, UnlockResult, WriteSummary
from . import _specs
from ._base import require_id, require_text, rows, structure
from ._write_api import BulkOptions, Deletable, OnProgress, Records, bulk, bulk_write


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

    @bulk_write
    async def create(
        self, records: Records[Door | DoorRecord], **options: Unpack[BulkOptions]
    ) -> BatchResult:
        """``POST /door``: create doors (name, optional location_id).

        Duplicate names in the input are refused before sending: the server does
        not check them within a batch (a documented defect).
        """
        return await bulk(self._client, _specs.DOORS_CREATE, records, options)

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

    async def create_one(self, record: Door | DoorRecord) -> WriteSummary:
        """``POST /door`` for one door, sharing pages with concurrent callers.

        Concurrent calls within the client's ``coalesce_window`` go out as one page;
        each caller gets only its own outcome.

        Raises:
            ValidationFailedError: this record is invalid or the server rejected it
                (``.failures[0].messages`` are its own messages).
            WriteNotAppliedError: it certainly was not applied (safe to resend).
            WriteOutcomeUnknownError: no answer came; it may have been applied.
            ConfigurationError: the client is not open (use ``async with``).
        """
        return await self._client.coalescer.submit(_specs.DOORS_CREATE, record, {})

    async def sync(
        self,
        records: Records[Door | DoorRecord],
        *,
        on_missing: str = "keep",
        dry_run: bool = False,
        max_removals: int | None = None,
        on_progress: OnProgress = None,
        on_plan: Callable[[SyncPlan], None] | None = None,
    ) -> SyncResult:
        """Keep Lockt's doors equal to ``records`` (a system of record).

        Reads the instance's doors once (``GET /door``), matches ``records`` on ``name``,
        and sends only what differs: inserts, then updates of the fields that changed, then
        what ``on_missing`` asks for the doors in Lockt that the source no longer has
        ("keep" or "delete"). ``max_removals`` (default: 5% of the keyed doors, at least 1)
        guards against an empty or cut source: above it nothing is removed and
        ``plan.removals_blocked`` says why. ``dry_run=True`` returns the plan and sends
        nothing; ``on_plan(plan)`` is called once the plan is made, before anything is sent.
        A second sync of the same source sends no write. No write call changes an
        existing door, so only presence (by ``name``) is compared.

        Returns a ``SyncResult``: ``plan``, the counts, and ``failures`` indexed
        by position in ``records`` (as in ``BatchResult``).

        Raises:
            ConfigurationError: a bad ``on_missing``, ``max_removals`` or flag.
            RecordError: ``records`` is not an iterable of records.
            LocktError: the read of the instance's doors failed (nothing sent).
        """
        from ._sync import run_sync
        from ._sync_kinds import DOORS

        return await run_sync(
            DOORS,
            self._client,
            records,
            on_missing=on_missing,
            dry_run=dry_run,
            max_removals=max_removals,
            options={},
            on_progress=on_progress,
            on_plan=on_plan,
        )

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
