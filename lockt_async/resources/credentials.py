"""``client.credentials``: digital keys held by users (``/credential``)."""

from __future__ import annotations

import builtins
from typing import Unpack

from .._envelope import data_of, one, require_id, require_text, structure
from .._results import BatchResult
from ..models import Credential, CredentialSummary, CredentialUpdateRecord
from . import _specs
from ._base import only_one
from ._write_api import BulkOptions, Deletable, Records, bulk, bulk_write


class Credentials(Deletable):
    """Credentials: list, look up, summarize."""

    _delete_spec = _specs.CREDENTIALS_DELETE

    async def list(self, *, user_id: int | str | None = None) -> builtins.list[Credential]:
        """``GET /credential``, or a user's credentials (``?user_id=``)."""
        if user_id is None:
            return await self._list("/credential", Credential)
        return await self._list(
            "/credential", Credential, {"user_id": str(require_id("user_id", user_id))}
        )

    async def get(
        self, *, id: int | str | None = None, card_num: str | int | None = None
    ) -> Credential:
        """``GET /credential?id=`` or ``?card_num=``.

        Raises:
            RecordError: not exactly one key, or a blank one.
            NotFoundError: no such credential.
        """
        key, value = only_one(id=id, card_num=card_num)
        param = str(require_id("id", value)) if key == "id" else require_text(key, value)
        return await self._get_one("/credential", Credential, {key: param}, "credential")

    async def summary(self) -> CredentialSummary:
        """``GET /credentialsummary``: how many credentials exist, claimed and unclaimed."""
        body = await self._client.get("/credentialsummary")
        conv = await self._client.converter()
        row = one(data_of(body, "/credentialsummary"), "/credentialsummary")
        return structure(conv, row, CredentialSummary, "/credentialsummary")

    @bulk_write
    async def update(
        self, records: Records[Credential | CredentialUpdateRecord], **options: Unpack[BulkOptions]
    ) -> BatchResult:
        """``PUT /credential``: change credentials directly (``id`` required).

        The document leaves the fields open; ``id`` and the two dates are sent (the
        release that added this call added those dates to credentials). Any other
        field (``name``, ``card_num``, ``enabled``...) makes the record ``invalid``
        before sending, with a message naming the field: it would not be applied.
        ``lockt_async.CLEAR`` clears a date.
        """
        return await bulk(self._client, _specs.CREDENTIALS_UPDATE, records, options)
