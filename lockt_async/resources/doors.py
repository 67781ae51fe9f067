"""``client.doors``: access-controlled doors (``/door``, ``/doorstate``)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any, Unpack

from .._envelope import data_of, readonly, require_id, require_text, rows, structure
from .._results import BatchResult, FailureReason
from .._sync_results import SyncResult
from .._writes import send_single
from ..errors import RecordError
from ..models import Door, DoorRecord, DoorState, UnlockResult, WriteSummary
from . import _specs
from ._reconcile import natural_key, reconcile
from ._sync import SyncOptions, run_sync
from ._sync_kinds import DOORS
from ._write_api import BulkOptions, Checkable, Deletable, Records, bulk, bulk_write


class Doors(Deletable, Checkable):
    """Doors: list (optionally those a user can open) and battery state.

    ``delete`` meets a documented server defect: valid door ids are sometimes
    refused ("Id is not valid"). Each id is reported on its own; with
    ``validate_fails_batch=True`` the other ids of a refused page are ``not_sent``
    (in ``records_to_retry()``), and the refused ones can be resent on their own.
    """

    _delete_spec = _specs.DOORS_DELETE
    _check_spec = _specs.DOORS_CREATE
    #: The fields a record of ``create`` may carry (the document's names).
    record_fields = _specs.DOORS_CREATE.fields

    async def list(
        self, *, user_id: int | str | None = None, id_num: str | None = None
    ) -> builtins.list[Door]:
        """``GET /door``, or the doors a user can open (``?user_id=`` / ``?id_num=``).

        Raises:
            RecordError: both filters given, or a blank/non-numeric one.
        """
        if user_id is not None and id_num is not None:
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

    async def unlock(
        self,
        ids: Iterable[Any],
        *,
        validate_fails_batch: bool = False,
        results: builtins.list[UnlockResult] | None = None,
    ) -> builtins.list[UnlockResult]:
        """``POST /unlock``: momentarily unlock wired doors; one result per door.

        Sent through the write gate in pages under the record limit; a page the
        server certainly did not process (429, "in progress"...) is resent, as on
        every write. With ``validate_fails_batch=False`` (the default here) an
        unknown door is one result with ``status="error"``; with True the server
        refuses the whole page instead (``ValidationFailedError``).

        Pass ``results=[]`` to keep the per-door results of the pages already
        answered when a later page fails: they are appended as each page answers.

        Raises:
            RecordError: an id is blank or not numeric (nothing is sent).
            ValidationFailedError: a page was refused (``validate_fails_batch=True``).
            LocktError: a page failed otherwise (``WriteOutcomeUnknownError``...).
        """
        if not isinstance(validate_fails_batch, bool):
            raise RecordError(
                f"validate_fails_batch must be True or False, got {validate_fails_batch!r}",
                field="validate_fails_batch",
            )
        door_ids = [{"id": require_id("id", getattr(i, "id", i))} for i in ids]
        conv = await self._client.converter()
        out: builtins.list[UnlockResult] = results if results is not None else []
        step = self._client.record_limit
        flag = "true" if validate_fails_batch else "false"
        for start in range(0, len(door_ids), step):
            page = door_ids[start : start + step]
            body = {"doors": page, "options": {"validate_fails_batch": flag}}
            answer = await send_single(
                self._client.write_context(), "POST", "/unlock", body, records=len(page)
            )
            out.extend(structure(conv, r, UnlockResult, "/unlock") for r in rows(answer, "/unlock"))
        return out

    async def notify_low_battery(self, threshold: int | float) -> Mapping[str, Any]:
        """``POST /doorstate?lowbattery=N``: e-mail notifications for doors whose
        battery falls below ``threshold`` (the document's 2023-04-21 change log;
        its parameters and answer are undocumented: sent as a query value, the
        answer returned as a read-only mapping).

        Raises:
            RecordError: ``threshold`` is not a number from 0 to 100.
            APIError: the server refused it.
        """
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not 0 <= threshold <= 100
        ):
            raise RecordError(
                f"threshold must be a battery percentage from 0 to 100, got {threshold!r}",
                field="threshold",
            )
        body = await send_single(
            self._client.write_context(), "POST", f"/doorstate?lowbattery={threshold:g}", None
        )
        return readonly(data_of(body, "/doorstate?lowbattery"))

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
        return await self._client.coalescer.submit(
            _specs.pick(self._client, _specs.DOORS_CREATE), record, {}
        )

    async def sync(
        self,
        records: Records[Door | DoorRecord],
        **options: Unpack[SyncOptions],
    ) -> SyncResult:
        """Keep Lockt's doors equal to ``records`` (a system of record).

        Reads the instance's doors once (``GET /door``), matches ``records`` on ``name``,
        and sends only what differs: inserts, then updates of the fields that changed, then
        what ``on_missing`` asks for the doors in Lockt that the source no longer has
        ("keep" or "delete"). ``max_removals`` (default: 5% of the keyed doors, at least 1)
        guards against an empty or cut source: above it nothing is removed and
        ``plan.removals_blocked`` says why. ``dry_run=True`` returns the plan and sends
        nothing; ``on_plan(plan)`` is called once the plan is made, before anything is sent.
        A second sync of the same source sends no write. ``location_id`` is compared
        (``GET /door`` shows the location's name; ``GET /location`` maps it to its id), but
        no write call changes an existing door: a difference is listed in ``plan.ignored``.

        ``field_map`` renames a source's columns to the document's fields (as in
        ``upsert``; a target this call does not take is a ``ConfigurationError``).
        ``result``: a ``SyncResult`` to fill in as the sync goes; keep a reference to
        read what a cancelled sync did (its ``cancelled`` is True, the records it did
        not send are ``not_sent`` failures).

        Returns a ``SyncResult``: ``plan``, the counts, and ``failures`` indexed
        by position in ``records`` (as in ``BatchResult``).

        Raises:
            ConfigurationError: a bad ``on_missing``, ``max_removals`` or flag.
            RecordError: ``records`` is not an iterable of records.
            LocktError: the read of the instance's doors failed (nothing sent).
        """
        return await run_sync(DOORS, self._client, records, options, {})

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
