"""Typed records for the write calls: ``TypedDict``s of the document's field names.

Each write call takes its model or one of these mappings; with a type checker a
misspelt field in a literal (``{"frist_name": ...}``) is an error before the
code runs. The keys are exactly the fields the call sends (a test checks them
against the write specs and the models). Values are what a user has at hand:
dates as aware ``datetime`` or the instance's local ``"YYYY-MM-DD HH:MM:SS"``,
numbers as ``int`` or digit strings.

Rows of unknown shape (``csv.DictReader``, ``DataFrame.to_dict("records")``) are
accepted at run time as any mapping; tell the type checker what they are with
``typing.cast(list[UserRecord], rows)``.
"""

# No ``from __future__ import annotations``: on Python 3.11 ``Required[...]`` in a
# string annotation is not seen at run time (``__required_keys__`` would be wrong).
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Required, TypedDict

from .._clear import ClearType
from .accesslevels import AccessLevelRef, DoorRef

__all__ = [
    "AccessLevelRecord",
    "CredentialUpdateRecord",
    "DelegateRecord",
    "DoorRecord",
    "FobReassignRecord",
    "FobRecord",
    "LocationRecord",
    "UserRecord",
    "UserUpdateRecord",
]

#: A date: an aware ``datetime``, the instance's local ``"YYYY-MM-DD HH:MM:SS"``,
#: ``""``/None for "not given", or ``lockt_async.CLEAR`` to clear it.
Date = datetime | str | ClearType | None
#: Access levels of a user: ids, ``{"id": n}`` mappings or ``AccessLevelRef``s.
AccessLevels = Sequence[int | str | AccessLevelRef | Mapping[str, Any]]
#: Doors of an access level or delegation: ``DoorRef``s or ``{"id": n, "schedule_id": m}``.
Doors = Sequence[DoorRef | Mapping[str, Any]]


class _UserChanges(TypedDict, total=False):
    """The fields of a user that both ``POST /user`` and ``PUT /user`` change."""

    card_num: str | int
    enabled: bool
    accesslevels: AccessLevels
    access_effective: Date
    access_expires: Date
    custom1: str
    custom2: str
    custom3: str
    custom4: str


class UserRecord(_UserChanges, total=False):
    """``users.upsert`` / ``upsert_one`` (``POST /user``): insert (no ``id``) or update.

    ``email``, ``phone`` and ``pin`` are required by the document's validation
    table for an insert; the client checks them before sending.
    """

    id: int | str
    id_num: Required[str]
    first_name: Required[str]
    last_name: Required[str]
    credential_key: str
    email: str
    phone: str
    pin: str | int


class UserUpdateRecord(_UserChanges, total=False):
    """``users.update`` (``PUT /user``): only the given fields of user ``id`` change."""

    id: Required[int | str]


class FobRecord(TypedDict, total=False):
    """``fobs.create`` / ``create_one`` (``POST /fob``); ``name`` and ``id_num`` required."""

    name: Required[str]
    id_num: Required[str]
    card_num: str | int
    access_effective: Date
    access_expires: Date


class FobSyncRecord(FobRecord, total=False):
    """``fobs.sync``: a fob as ``FobRecord`` plus the ``user_id`` it is assigned to."""

    user_id: int | str


class FobReassignRecord(TypedDict, total=False):
    """``fobs.reassign`` (``PUT /fob``): ``user_id`` 0 unassigns the fob ``id``."""

    id: Required[int | str]
    user_id: int | str
    name: str
    id_num: str | int
    card_num: str | int
    access_effective: Date
    access_expires: Date


class DoorRecord(TypedDict, total=False):
    """``doors.create`` / ``create_one`` (``POST /door``)."""

    name: Required[str]
    location_id: int | str


class AccessLevelRecord(TypedDict, total=False):
    """``access_levels.create`` (``POST /accesslevel``): doors with their schedule ids."""

    name: Required[str]
    doors: Doors


class CredentialUpdateRecord(TypedDict, total=False):
    """``credentials.update`` (``PUT /credential``)."""

    id: Required[int | str]
    access_effective: Date
    access_expires: Date


class DelegateRecord(TypedDict):
    """``delegates.create`` (``POST /delegate``): one delegation, every field required."""

    from_user_id: int | str
    to_user_id: int | str
    doors: Doors
    access_effective: Date
    access_expires: Date


class LocationRecord(TypedDict):
    """``locations.create`` (``POST /location``)."""

    name: str
    locationtype: int | str
