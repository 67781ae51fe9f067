"""Locations and location types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._common import extra_field


@attrs.frozen(kw_only=True)
class Location:
    """A location (``GET/POST /location``).

    - ``id``, ``name``, ``type`` (type name, read), ``enabled``.
    - ``locationtype``: the location type id (``POST /location``).
    - ``extra``: unknown response fields.
    """

    id: int | None = None
    name: str | None = None
    type: str | None = None
    enabled: bool | None = None
    locationtype: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class LocationType:
    """``GET /locationtype``: ``id`` and ``name``."""

    id: int | None = None
    name: str | None = None
    extra: Mapping[str, Any] = extra_field()
