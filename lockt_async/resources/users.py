"""``client.users``: card holders (``/user``)."""

from __future__ import annotations

import builtins
from typing import Any

from .._results import BatchResult
from .._writes import send_single
from ..models import User, WriteSummary
from . import _specs
from ._base import data_of, one, only_one, require_id, require_text, structure
from ._write_api import Deletable, OnProgress, Records, bulk, single


class Users(Deletable):
    """Card holders: list, look up, and (see the write methods) upsert/update/delete."""

    _delete_spec = _specs.USERS_DELETE

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

    async def upsert(
        self,
        records: Records,
        *,
        update_existing: bool = False,
        validate_fails_batch: bool = True,
        replace_privileges: bool = True,
        on_progress: OnProgress = None,
        stop_on_failure: bool = False,
        result: BatchResult | None = None,
    ) -> BatchResult:
        """``POST /user``: insert users (no ``id``, or -1) and update them (a valid ``id``).

        A bulk write; see "Bulk writes" in ``lockt_async.resources`` for the input,
        the ``BatchResult`` and what it raises.
        """
        return await bulk(
            self._client,
            _specs.USERS_UPSERT,
            records,
            {
                "update_existing": update_existing,
                "validate_fails_batch": validate_fails_batch,
                "replace_privileges": replace_privileges,
            },
            on_progress=on_progress,
            stop_on_failure=stop_on_failure,
            result=result,
        )

    async def update(
        self, record: Any, *, validate_fails_batch: bool = True, replace_privileges: bool = True
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
        self, record: Any, *, update_existing: bool = False, replace_privileges: bool = True
    ) -> WriteSummary:
        """``POST /user`` for one record, sharing pages with concurrent callers.

        Concurrent calls within the client's ``coalesce_window`` (and with the same
        options) go out as one page; each caller gets only its own outcome. The
        summary is this record's share (inserted when it had no ``id``).

        Raises:
            ValidationFailedError: this record is invalid or the server rejected it
                (``.failures[0].messages`` are its own messages).
            WriteNotAppliedError: it certainly was not applied (safe to resend).
            WriteOutcomeUnknownError: no answer came; it may have been applied.
            ConfigurationError: the client is not open (use ``async with``).
        """
        return await self._client.coalescer.submit(
            _specs.USERS_UPSERT,
            record,
            {"update_existing": update_existing, "replace_privileges": replace_privileges},
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
        from ._reconcile import not_found_lookup, reconcile

        async def get(value: str) -> object:
            return await self.get(id_num=value)

        return await reconcile(
            result, key="id_num", lookup=not_found_lookup(get), checked_by="id_num"
        )

    async def anonymize(self, user_id: int | str | User) -> WriteSummary:
        """``POST /anonymize?user_id=`` ("pending release" in the document).

        Anonymizes the user's data in user, audit and event archives. Sent through
        the write gate, once.

        Raises:
            RecordError: the id is blank or not numeric.
            APIError: the server refused it (e.g. an unknown user).
        """
        uid = require_id("user_id", user_id)
        body = await send_single(
            self._client._write_context(), "POST", f"/anonymize?user_id={uid}", None
        )
        conv = await self._client.converter()
        row = one(data_of(body, "/anonymize"), "/anonymize")
        return structure(conv, row, WriteSummary, "/anonymize")
