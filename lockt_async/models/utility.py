"""Utility endpoints: time, about, object properties."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._common import extra_field


@attrs.frozen(kw_only=True)
class TimeInfo:
    """``GET /time``.

    - ``datetime_utc``: the instance's clock, UTC-aware.
    - ``timezone``: the instance's IANA zone name.
    - ``datetime_local``: the same clock, aware in the zone named by ``timezone``.
    - ``offset``: the zone's current UTC offset in hours.
    """

    datetime_utc: datetime | None = None
    timezone: str | None = None
    datetime_local: datetime | None = None
    offset: float | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class About:
    """``GET /about``; ``release_date`` is free text (e.g. ``"Jul 10, 2022"``)."""

    version: str | None = None
    release_date: str | None = None
    release_notes: str | None = None
    release_details: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class ObjectProperty:
    """One property of ``GET /object?type=T``."""

    property: str | None = None
    datatype: str | None = None
    description: str | None = None
    extra: Mapping[str, Any] = extra_field()
