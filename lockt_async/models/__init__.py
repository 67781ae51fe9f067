"""The API's objects as frozen attrs classes (no I/O, no cattrs).

Field names are the document's. Every field is optional so that partial
records (``PUT /user``) and tolerant reads work; sequences are tuples; unknown
response fields land in ``extra``. Conversion to and from the wire lives in
``lockt_async.converters``.
"""

from __future__ import annotations

from .accesslevels import AccessLevel, AccessLevelRef, DoorRef
from .credentials import Credential, CredentialSummary, UserRef
from .delegates import Delegate
from .doors import Door, DoorState, UnlockResult
from .events import Event
from .fobs import Fob
from .locations import Location, LocationType
from .results import WriteSummary
from .schedules import Schedule
from .users import User, UserCredential
from .utility import About, ObjectProperty, TimeInfo

__all__ = [
    "About",
    "AccessLevel",
    "AccessLevelRef",
    "Credential",
    "CredentialSummary",
    "Delegate",
    "Door",
    "DoorRef",
    "DoorState",
    "Event",
    "Fob",
    "Location",
    "LocationType",
    "ObjectProperty",
    "Schedule",
    "TimeInfo",
    "UnlockResult",
    "User",
    "UserCredential",
    "UserRef",
    "WriteSummary",
]
