"""Credentials and the credential summary."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._common import extra_field


@attrs.frozen(kw_only=True)
class UserRef:
    """The abbreviated user a credential belongs to (``id``, ``name``)."""

    id: int | None = None
    name: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Credential:
    """A digital access key (``GET /credential``).

    - ``id``, ``card_num`` (str), ``name``, ``credential_key``.
    - ``claim_status``: e.g. ``"Claimed"`` / ``"Unclaimed"``.
    - ``user``: the holder; the server sends a one-element list, an object is accepted too.
    - ``access_effective``, ``access_expires``: aware datetimes.
    - ``extra``: unknown response fields.
    """

    id: int | None = None
    card_num: str | None = None
    name: str | None = None
    credential_key: str | None = None
    claim_status: str | None = None
    user: UserRef | None = None
    access_effective: datetime | None = None
    access_expires: datetime | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class CredentialSummary:
    """``GET /credentialsummary``: totals (``claimed``/``unclaimed`` may arrive as strings)."""

    credentials: int | None = None
    claimed: int | None = None
    unclaimed: int | None = None
    extra: Mapping[str, Any] = extra_field()
