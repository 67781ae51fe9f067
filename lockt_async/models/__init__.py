"""The API's objects as frozen attrs classes (no I/O, no cattrs).

Field names are the document's. Every field is optional so that partial
records (``PUT /user``) and tolerant reads work; sequences are tuples; unknown
response fields land in ``extra``. The ``...Record`` ``TypedDict``s type the
mappings the write calls take.
"""

from __future__ import annotations

from .accesslevels import AccessLevel, AccessLevelRef, DoorRef
from .credentials import Credential, CredentialSummary, UserRef
from .delegates import Delegate
from .doors import Door, DoorState, UnlockResult
from .events import Event
from .fobs import Fob
from .locations import Location, LocationType
from .records import (
    AccessLevelRecord,
    CredentialUpdateRecord,
    DelegateRecord,
    DoorRecord,
    FobReassignRecord,
    FobRecord,
    FobSyncRecord,
    LocationRecord,
    UserRecord,
    UserUpdateRecord,
)
from .results import WriteSummary
from .schedules import Schedule
from .users import User, UserCredential
from .utility import About, ObjectProperty, TimeInfo

__all__ = [
    "About",
    "AccessLevel",
    "AccessLevelRecord",
    "AccessLevelRef",
    "Credential",
    "CredentialSummary",
    "CredentialUpdateRecord",
    "Delegate",
    "DelegateRecord",
    "Door",
    "DoorRecord",
    "DoorRef",
    "DoorState",
    "Event",
    "Fob",
    "FobReassignRecord",
    "FobRecord",
    "FobSyncRecord",
    "Location",
    "LocationRecord",
    "LocationType",
    "ObjectProperty",
    "Schedule",
    "TimeInfo",
    "UnlockResult",
    "User",
    "UserCredential",
    "UserRecord",
    "UserRef",
    "UserUpdateRecord",
    "WriteSummary",
]
