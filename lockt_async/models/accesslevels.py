"""Access levels and the abbreviated references to access levels and doors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._common import extra_field


@attrs.frozen(kw_only=True)
class AccessLevelRef:
    """An access level assigned to a user or fob.

    Written ``{"id": n}``; read as ``{"unid": n, "name": s}`` or ``{"id": n}``
    (the document's examples use both spellings), both into ``id``.

    - ``id``: the access level's id (``unid`` on some reads).
    - ``name``: its name, when the server sends it (never written).
    """

    id: int | None = None
    name: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class DoorRef:
    """An abbreviated door inside an access level or a delegate.

    - ``id``: the door's id.
    - ``name``: the door's name (read only).
    - ``schedule_id``: the schedule granting access (access level writes).
    """

    id: int | None = None
    name: str | None = None
    schedule_id: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class AccessLevel:
    """A named group of doors, each tied to a schedule.

    - ``id``: system assigned id.
    - ``name``: the access level's name.
    - ``doors``: abbreviated doors (written as ``{"id", "schedule_id"}``).
    """

    id: int | None = None
    name: str | None = None
    doors: tuple[DoorRef, ...] = ()
    extra: Mapping[str, Any] = extra_field()
