"""``client.fobs``: credentials tagged as fobs (``/fob``)."""

from __future__ import annotations

import builtins
from typing import Unpack

from .._envelope import require_id, require_text
from .._results import BatchResult
from .._sync_results import SyncResult
from ..errors import RecordError
from ..models import Fob, FobReassignRecord, FobRecord, FobSyncRecord, WriteSummary
from . import _specs
from ._base import only_one
from ._reconcile import not_found_lookup, reconcile
from ._sync import SyncOptions, run_sync
from ._sync_kinds import FOBS
from ._write_api import BulkOptions, Checkable, Deletable, Records, bulk, bulk_write


class Fobs(Deletable, Checkable):
    """Fobs: list and look up (write methods create, reassign and delete)."""

    _delete_spec = _specs.FOBS_DELETE
    _check_spec = _specs.FOBS_CREATE
    #: The fields a record of ``create`` may carry (the document's names).
    record_fields = _specs.FOBS_CREATE.fields

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

    @bulk_write
    async def create(
        self, records: Records[Fob | FobRecord], **options: Unpack[BulkOptions]
    ) -> BatchResult:
        """``POST /fob``: create fobs (name, id_num, card_num, dates).

        ``name`` and ``id_num`` (the fob's unique id number from your system) are
        required; ``card_num``, ``access_effective`` and ``access_expires`` are
        optional. A fob without ``id_num`` is ``invalid`` ("Missing or blank id_num").
        """
        return await bulk(self._client, _specs.FOBS_CREATE, records, options)

    @bulk_write
    async def reassign(
        self, records: Records[Fob | FobReassignRecord], **options: Unpack[BulkOptions]
    ) -> BatchResult:
        """``PUT /fob``: reassign fobs to users (``user_id`` 0 unassigns) and change their dates.

        ``id`` is required. ``name``, ``id_num`` and ``card_num`` may be sent too (the
        validation table has PUT /fob rows for them); a field left out, ``None`` or
        ``""`` is not changed, ``lockt_async.CLEAR`` clears a date.
        """
        return await bulk(self._client, _specs.FOBS_REASSIGN, records, options)

    async def create_one(self, record: Fob | FobRecord) -> WriteSummary:
        """``POST /fob`` for one fob, sharing pages with concurrent callers.

        ``name`` and ``id_num`` are required, as for ``create``.

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
            _specs.pick(self._client, _specs.FOBS_CREATE), record, {}
        )

    async def sync(
        self,
        records: Records[Fob | FobSyncRecord],
        **options: Unpack[SyncOptions],
    ) -> SyncResult:
        """Keep Lockt's fobs equal to ``records`` (a system of record).

        Reads the instance's fobs once (``GET /fob``), matches ``records`` on ``name``,
        falling back to ``card_num``, and sends only what differs: inserts, then updates of
        the fields that changed, then what ``on_missing`` asks for the fobs in Lockt that
        the source no longer has ("keep" or "delete"). ``max_removals`` (default: 5% of the
        keyed fobs, at least 1) guards against an empty or cut source: above it nothing is
        removed and ``plan.removals_blocked`` says why. ``dry_run=True`` returns the plan
        and sends nothing; ``on_plan(plan)`` is called once the plan is made, before anything
        is sent.
        A second sync of the same source sends no write. A holder (``user_id``,
        0 for none) or date change is a ``PUT /fob``; ``id_num`` and ``card_num`` cannot
        change through it and are listed in ``plan.ignored``.

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
            LocktError: the read of the instance's fobs failed (nothing sent).
        """
        return await run_sync(FOBS, self._client, records, options, {})

    async def reconcile(self, result: BatchResult, *, key: str = "name") -> BatchResult:
        """Settle the ``unknown`` failures of a ``create`` by looking fobs up by ``key``.

        ``key`` is ``"name"`` (default) or ``"card_num"``. Returns a NEW
        ``BatchResult`` (``result`` is not changed): each unknown fob that is
        found is dropped from ``failures`` (it was applied); each one not found
        becomes ``not_sent`` ("not applied (checked by <key> after an unknown
        outcome)"). Records without that key stay ``unknown``. Lookups run
        concurrently under the client's read bound.

        Raises:
            RecordError: ``key`` is not ``"name"`` or ``"card_num"``.
            LocktError: a lookup failed for a reason other than "not found";
                call again once the instance answers.
        """
        if key not in ("name", "card_num"):
            raise RecordError(f"key must be 'name' or 'card_num', got {key!r}", field="key")

        async def get(value: str) -> object:
            if key == "name":
                return await self.get(name=value)
            return await self.get(card_num=value)

        return await reconcile(result, key=key, lookup=not_found_lookup(get), checked_by=key)
