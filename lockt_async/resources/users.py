"""``client.users``: card holders (``/user``)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any, Unpack

from .._envelope import readonly, require_id, require_text
from .._field_map import check_field_map, check_on_insert, fill_insert, is_insert, map_each
from .._field_map import rename as rename_fields
from .._results import BatchResult
from .._sync_results import SyncResult
from .._writes import send_single
from ..models import User, UserRecord, UserUpdateRecord, WriteSummary
from . import _specs
from ._base import only_one
from ._natural import resolve_ids, resolve_one
from ._reconcile import not_found_lookup, reconcile
from ._sync import SyncOptions, run_sync
from ._sync_kinds import USERS
from ._write_api import (
    Checkable,
    Deletable,
    Records,
    UserUpsertOptions,
    bulk,
    bulk_write,
    check_options,
    single,
)


class Users(Deletable, Checkable):
    """Card holders: list, look up, and (see the write methods) upsert/update/delete."""

    _delete_spec = _specs.USERS_DELETE
    _check_spec = _specs.USERS_UPSERT
    #: The fields a record of ``upsert`` may carry (the document's names).
    record_fields = _specs.USERS_UPSERT.fields

    async def list(self) -> builtins.list[User]:
        """``GET /user``: every non-administrative card holder."""
        return await self._list("/user", User)

    async def list_missing_credentials(self) -> builtins.list[User]:
        """``GET /user?missingcreds``: users that hold no credential."""
        return await self._list("/user?missingcreds", User)

    async def list_privileged(self) -> builtins.list[User]:
        """``GET /user?privileged``: users with application-level access."""
        return await self._list("/user?privileged", User)

    async def list_installers(self) -> builtins.list[User]:
        """``GET /user?installers``: users with installer rights."""
        return await self._list("/user?installers", User)

    async def get(self, *, id: int | str | None = None, id_num: str | None = None) -> User:
        """``GET /user?id=`` or ``?id_num=``: one user.

        Raises:
            RecordError: neither or both given, or the value is blank (the server
                would return every user: a documented defect).
            NotFoundError: no such user.
        """
        name, value = only_one(id=id, id_num=id_num)
        param = str(require_id("id", value)) if name == "id" else require_text("id_num", value)
        return await self._get_one("/user", User, {name: param}, "user")

    @bulk_write
    async def upsert(
        self, records: Records[User | UserRecord], **options: Unpack[UserUpsertOptions]
    ) -> BatchResult:
        """``POST /user``: insert users (no ``id``, or -1) and update them (a valid ``id``).

        ``id_num``, ``first_name`` and ``last_name`` are required; for an insert the
        document also requires ``email``, ``phone`` and ``pin``.

        The server updates only records that carry a valid system ``id``. With
        ``update_existing=True``, a record without one is looked up by its
        ``id_num`` first (one checked ``?id_num=`` read each for up to 50 such
        records, one ``GET /user`` for more) and sent as an update of the user
        found, or as an insert when there is none; ``Failure.record`` is then the
        record with the ``id`` it was sent with, and a failed lookup read raises
        its ``LocktError`` before anything is sent. With ``update_existing=False``
        (the default) an existing ``id_num`` is refused by the server ("id_num
        Already Exists") and a record with an ``id`` is ignored by it (reported
        ``rejected``). ``replace_privileges`` (default True): given
        ``accesslevels`` replace the user's, instead of being added to them.

        An HR file as it comes: ``field_map={"Employee Number": "id_num", ...}``
        renames a mapping record's columns to the document's fields (a target this
        call does not take is a ``ConfigurationError`` naming it), and
        ``on_insert(record)`` returns fields for a record that will be inserted
        (no system ``id`` once ``update_existing`` looked ids up), such as a new
        hire's ``pin``; they fill only fields the record lacks or has blank.
        """
        fmap = check_field_map(
            options.pop("field_map", None), _specs.USERS_UPSERT.fields, "users.upsert"
        )
        on_insert = check_on_insert(options.pop("on_insert", None))
        if fmap:
            records = map_each(records, lambda r: rename_fields(r, fmap))
        if options.get("update_existing") is True:
            records = await resolve_ids(self._client, records)
        if on_insert is not None:
            hook = on_insert
            records = map_each(records, lambda r: fill_insert(r, hook) if is_insert(r) else r)
        return await bulk(self._client, _specs.USERS_UPSERT, records, options)

    async def update(
        self,
        record: User | UserUpdateRecord,
        *,
        validate_fails_batch: bool = True,
        replace_privileges: bool = True,
    ) -> WriteSummary:
        """``PUT /user``: change only the given fields of one user (``id`` required).

        Raises:
            ValidationFailedError: the record is invalid or the server rejected it.
            WriteNotAppliedError: it certainly was not applied (safe to resend).
            WriteOutcomeUnknownError: no answer came; it may have been applied.
        """
        return await single(
            self._client,
            _specs.USERS_UPDATE,
            record,
            {
                "validate_fails_batch": validate_fails_batch,
                "replace_privileges": replace_privileges,
            },
        )

    async def upsert_one(
        self,
        record: User | UserRecord,
        *,
        update_existing: bool = False,
        replace_privileges: bool = True,
    ) -> WriteSummary:
        """``POST /user`` for one record, sharing pages with concurrent callers.

        Concurrent calls within the client's ``coalesce_window`` (and with the same
        options) go out as one page; each caller gets only its own outcome. The
        summary is this record's share (inserted when it had no ``id``). With
        ``update_existing=True`` a record without an ``id`` is first looked up by
        its ``id_num`` (one checked ``?id_num=`` read) and updates the user found.

        Raises:
            ValidationFailedError: this record is invalid or the server rejected it
                (``.failures[0].messages`` are its own messages).
            WriteNotAppliedError: it certainly was not applied (safe to resend).
            WriteOutcomeUnknownError: no answer came; it may have been applied.
            ConfigurationError: the client is not open (use ``async with``), or an
                option is not a bool (``update_existing="false"`` is refused, not sent
                as "true").
        """
        options = check_options(
            _specs.USERS_UPSERT.operation,
            {"update_existing": update_existing, "replace_privileges": replace_privileges},
        )
        if update_existing is True:
            record = await resolve_one(self._client, record)
        return await self._client.coalescer.submit(
            _specs.pick(self._client, _specs.USERS_UPSERT), record, options
        )

    async def sync(
        self,
        records: Records[User | UserRecord],
        *,
        replace_privileges: bool = True,
        **options: Unpack[SyncOptions],
    ) -> SyncResult:
        """Keep Lockt's users equal to ``records`` (a system of record).

        Reads the instance's users once (``GET /user``), matches ``records`` on ``id_num``
        (rows without one, such as fob holders, are never touched), and sends only what
        differs: inserts, then updates of the fields that changed, then what ``on_missing``
        asks for the users in Lockt that the source no longer has ("keep", "disable" with an
        update setting ``enabled`` false, or "delete"). ``max_removals`` (default: 5% of the
        keyed users, at least 1) guards against an empty or cut source: above it nothing is
        removed and ``plan.removals_blocked`` says why. ``dry_run=True`` returns the plan
        and sends nothing; ``on_plan(plan)`` is called once the plan is made, before anything
        is sent.
        A second sync of the same source sends no write. Compared: the fields
        the source supplies, as the write path would send them (``email`` ignoring case,
        access levels as sets); ``plan.compared`` lists them. A ``card_num`` of a user who
        already holds a card (the server ignores it on update) and ``credential_key`` are
        listed in ``plan.ignored``. ``pin``, which the ``GET /user`` list does not show, is
        in ``plan.not_compared`` and sent with records written anyway (``unlisted="carry"``),
        or read per person and compared (``unlisted="verify"``).

        Every update and disable must carry the fields the document's validation table
        requires (``pin`` included); what neither the source nor the list holds comes by
        the plan's route (``plan.route``; ``route="auto"`` picks by estimated cost):
        ``GET /user?id=`` reads merged into the ``POST /user`` pages, or ``PUT /user`` with
        only the changed fields. Never a blank: a record the route cannot complete is
        refused before sending. A dry run places every record as the real run does.

        ``field_map`` renames a source's columns to the document's fields (as in
        ``upsert``; a target this call does not take is a ``ConfigurationError``).
        ``on_insert(record)`` returns fields for each planned insert (a new hire's
        ``pin``); they fill only blank fields, and the record is then checked as
        it will be sent, so the dry run refuses what the real run would.
        ``result``: a ``SyncResult`` to fill in as the sync goes; keep a reference to
        read what a cancelled sync did (its ``cancelled`` is True, the records it did
        not send are ``not_sent`` failures).

        Returns a ``SyncResult``: ``plan``, the counts, and ``failures`` indexed
        by position in ``records`` (as in ``BatchResult``).

        Raises:
            ConfigurationError: a bad ``on_missing``, ``max_removals`` or flag.
            RecordError: ``records`` is not an iterable of records.
            LocktError: the read of the instance's users failed (nothing sent).
        """
        return await run_sync(
            USERS, self._client, records, options, {"replace_privileges": replace_privileges}
        )

    async def reconcile(self, result: BatchResult) -> BatchResult:
        """Settle the ``unknown`` failures of an ``upsert`` by looking users up by ``id_num``.

        Returns a NEW ``BatchResult`` (``result`` is not changed): each unknown
        insert whose user is found is dropped from ``failures`` (it was applied);
        each one not found becomes ``not_sent`` ("not applied (checked by id_num
        after an unknown outcome)") and so is in ``records_to_retry()``. Records
        without an ``id_num``, and updates (a record with a positive ``id``),
        stay ``unknown``. Lookups run concurrently under the client's read bound.

        Raises:
            LocktError: a lookup failed for a reason other than "not found"
                (``AuthenticationError``, ``RequestTimeout``, ``ServerError``, ...);
                call again once the instance answers.
        """

        async def get(value: str) -> object:
            return await self.get(id_num=value)

        return await reconcile(
            result, key="id_num", lookup=not_found_lookup(get), checked_by="id_num"
        )

    async def anonymize(self, user_id: int | str | User) -> Mapping[str, Any]:
        """``POST /anonymize?user_id=`` ("pending release" in the document).

        Anonymizes the user's data in user, audit and event archives. Sent through
        the write gate, once. The document does not show the answer: its ``data``
        node is returned as a read-only mapping, whatever its shape (the write
        has been applied by then; nothing is raised for an unexpected shape).

        Raises:
            RecordError: the id is blank or not numeric.
            APIError: the server refused it (e.g. an unknown user).
        """
        uid = require_id("user_id", user_id)
        body = await send_single(
            self._client.write_context(), "POST", f"/anonymize?user_id={uid}", None
        )
        if isinstance(body, Mapping) and "data" in body:
            body = body["data"]
        return readonly(body)
