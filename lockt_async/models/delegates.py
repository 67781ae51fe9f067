"""Delegate access levels."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._common import extra_field
from .accesslevels import DoorRef


@attrs.frozen(kw_only=True)
class Delegate:
    """A delegate access level; one class for the read and the write shape.

    Read (``GET /delegate``): ``id``, ``name``, dates, ``doors`` with id and name.
    Write (``POST /delegate``): ``from_user_id``, ``to_user_id``, dates, ``doors``
    written as ``[{"id": n}]``.
    """

    id: int | None = None
    name: str | None = None
    access_effective: datetime | None = None
    access_expires: datetime | None = None
    doors: tuple[DoorRef, ...] = ()
    from_user_id: int | None = None
    to_user_id: int | None = None
    extra: Mapping[str, Any] = extra_field()
