"""Fobs: credentials tagged for use as fob devices."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._common import extra_field
from .accesslevels import AccessLevelRef


@attrs.frozen(kw_only=True)
class Fob:
    """A fob (``GET/POST/PUT/DELETE /fob``).

    - ``id``: system id (PUT and DELETE).
    - ``id_num``: external id number (str).
    - ``name``, ``card_num`` (str), ``credential_key``.
    - ``enabled``: whether the fob is enabled.
    - ``access_effective``, ``access_expires``: aware datetimes.
    - ``accesslevels``: None = not given (not written); ``()`` is written as ``[]``.
    - ``user_id``: ``PUT /fob`` reassignment target; ``0`` unassigns.
    - ``extra``: unknown response fields.
    """

    id: int | None = None
    id_num: str | None = None
    name: str | None = None
    card_num: str | None = None
    credential_key: str | None = None
    enabled: bool | None = None
    access_effective: datetime | None = None
    access_expires: datetime | None = None
    accesslevels: tuple[AccessLevelRef, ...] | None = None
    user_id: int | None = None
    extra: Mapping[str, Any] = extra_field()
