"""Doors, door battery state and unlock results."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._common import extra_field


@attrs.frozen(kw_only=True)
class Door:
    """An access-controlled opening (``GET/POST/DELETE /door``).

    - ``id``, ``type`` (text), ``name``, ``location`` (name), ``enabled``, ``controller``.
    - ``location_id``: location to assign on ``POST /door``.
    - ``extra``: unknown response fields.
    """

    id: int | None = None
    type: str | None = None
    name: str | None = None
    location: str | None = None
    enabled: bool | None = None
    controller: str | None = None
    location_id: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class DoorState:
    """``GET /doorstate``: a door's ``battery_level`` (decimal; ints arrive)."""

    id: int | None = None
    name: str | None = None
    battery_level: float | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class UnlockResult:
    """One door's answer to ``POST /unlock``.

    - ``unlocked``: True when the door unlocked; ``status`` e.g. ``"unlocked"``/``"error"``.
    - ``errors``: the server's messages for this door.
    """

    id: int | None = None
    name: str | None = None
    unlocked: bool | None = None
    status: str | None = None
    errors: tuple[str, ...] = ()
    extra: Mapping[str, Any] = extra_field()
