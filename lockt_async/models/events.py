"""Events recorded by the system."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._common import extra_field


@attrs.frozen(kw_only=True)
class Event:
    """An event (``GET /events``).

    - ``id``: sequential event id (``?id=`` returns events after it).
    - ``device``, ``code``/``code_text``, ``subcode``/``subcode_text``, ``schedule``,
      ``controller``, ``location``, ``card_num`` (str), ``user`` (name),
      ``category``/``category_text``.
    - ``event_time``: the device's timestamp; read from ``event_time`` or ``hw_time``
      (the document names the field both ways).
    - ``db_time``: when the system recorded it.
    - ``extra``: unknown response fields.
    """

    id: int | None = None
    device: str | None = None
    code: int | None = None
    code_text: str | None = None
    subcode: int | None = None
    subcode_text: str | None = None
    schedule: str | None = None
    controller: str | None = None
    location: str | None = None
    card_num: str | None = None
    user: str | None = None
    category: int | None = None
    category_text: str | None = None
    event_time: datetime | None = None
    db_time: datetime | None = None
    extra: Mapping[str, Any] = extra_field()
