"""The in-memory Lockt instance: stores, indexes, ids, and how records read back.

Records are plain dicts. Every "already exists" rule has an index (a dict),
so a check is O(1) however many records an import has written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

Record = dict[str, Any]
Json = Any

DOOR_TYPE = "Access Controlled Door"
CONTROLLER = "BEST Switch\u2122 API"  # the document shows this as mojibake "Switchâ„¢"
EVENTS_CACHED = 5000


def utc_text(value: datetime | None) -> str:
    """A stored date as the document's UTC form ``YYYY-MM-DDTHH:MM:SS.000Z``."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def utc_ms_text(value: datetime) -> str:
    """An event time with milliseconds, as the /events examples show."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


#: Events the simulator records for what is done through the API (our codes: the
#: document lists event fields, not codes for these).
EVENT_KINDS: dict[str, tuple[int, str]] = {
    "unlock": (60, "Door Momentary Unlock"),
    "door_created": (70, "Door Created"),
    "door_deleted": (71, "Door Deleted"),
    "credential_created": (80, "Credential Created"),
    "credential_updated": (81, "Credential Updated"),
    "credential_deleted": (82, "Credential Deleted"),
}
_EVENTS_KEPT = 50_000  # the document's cache is 5000; older ones are dropped


class Instance:
    """Stores and indexes of one Lockt instance (no HTTP here)."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.clear()

    def clear(self) -> None:
        """Forget every record."""
        self.users: dict[int, Record] = {}
        self.credentials: dict[int, Record] = {}
        self.fobs: dict[int, Record] = {}  # the fob-tagged subset of credentials
        self.doors: dict[int, Record] = {}
        self.access_levels: dict[int, Record] = {}
        self.schedules: dict[int, Record] = {}
        self.locations: dict[int, Record] = {}
        self.location_types: dict[int, Record] = {}
        self.delegates: dict[int, Record] = {}
        self.events: list[Record] = []
        self.user_by_id_num: dict[str, int] = {}
        self.user_by_email: dict[str, int] = {}
        self.cred_by_card: dict[str, int] = {}
        self.fob_by_name: dict[str, int] = {}
        self.door_by_name: dict[str, int] = {}
        self.level_by_name: dict[str, int] = {}
        self.location_by_name: dict[str, int] = {}
        #: Door ids a DELETE /door has named (the "rejects valid ids" defect).
        self.door_delete_seen: set[int] = set()
        #: POST /doorstate?lowbattery=N: the e-mail notification threshold, if set.
        self.low_battery_threshold: float | None = None
        self._next_id = 1

    def next_id(self) -> int:
        """The next instance-assigned id (one counter for every object kind)."""
        value = self._next_id
        self._next_id += 1
        return value

    def bump_ids(self) -> None:
        """Continue the id counter above every stored id (after seeding)."""
        stores = (
            self.users, self.credentials, self.doors, self.access_levels, self.schedules,
            self.locations, self.location_types, self.delegates,
        )  # fmt: skip
        top = max((max(s, default=0) for s in stores), default=0)
        self._next_id = max(self._next_id, top + 1)

    def now(self) -> datetime:
        """The instance's current time, aware, in its zone."""
        return datetime.now(self.zone)

    # -- relations -----------------------------------------------------------

    def user_credentials(self, user_id: int) -> list[Record]:
        """Credentials held by a user, in id order."""
        ids = self.users[user_id]["credential_ids"]
        return [self.credentials[c] for c in ids if c in self.credentials]

    def attach_credential(self, cred: Record, user_id: int | None) -> None:
        """Move a credential to ``user_id`` (None unassigns)."""
        # Id tuples, not lists: records holding only atoms and tuples drop out of
        # the garbage collector's scans, which dominate a 100,000-user import.
        old = cred.get("user_id")
        if old is not None and old in self.users:
            old_user = self.users[old]
            old_user["credential_ids"] = tuple(
                c for c in old_user["credential_ids"] if c != cred["id"]
            )
        cred["user_id"] = user_id
        if user_id is not None:
            self.users[user_id]["credential_ids"] += (cred["id"],)

    def add_credential(
        self, card: str, user_id: int | None, *, fob: bool = False, **extra: Any
    ) -> Record:
        """Create a credential (a fob is a credential tagged fob)."""
        cid = extra.pop("id", None) or self.next_id()
        key = extra.pop("credential_key", None)
        if key is None:
            h = f"{cid:016X}"
            key = f"{h[:4]}-{h[4:8]}-{h[8:12]}-{h[12:]}"
        cred: Record = {
            "id": cid, "card_num": card, "name": extra.pop("name", card), "credential_key": key,
            "claim_status": extra.pop("claim_status", "Unclaimed"), "user_id": None, "fob": fob,
            "access_effective": None, "access_expires": None, "enabled": True,
        }  # fmt: skip
        cred.update(extra)
        self.credentials[cid] = cred
        if card:
            self.cred_by_card[card] = cid
        if fob:
            self.fobs[cid] = cred
            self.fob_by_name[cred["name"]] = cid
        if user_id is not None:
            self.attach_credential(cred, user_id)
        return cred

    def index_user(self, user: Record) -> None:
        """Index a user's id_num and email (after an insert or update)."""
        self.user_by_id_num[user["id_num"]] = user["id"]
        if user["email"]:
            self.user_by_email[user["email"].lower()] = user["id"]

    def unindex_user(self, user: Record) -> None:
        """Drop a user's id_num/email index entries (before an update or delete)."""
        self.user_by_id_num.pop(user["id_num"], None)
        self.user_by_email.pop(user["email"].lower(), None)

    def remove_credential(self, cid: int) -> None:
        """Delete a credential and its index entries."""
        cred = self.credentials.pop(cid)
        self.attach_credential(cred, None)
        if self.cred_by_card.get(cred["card_num"]) == cid:
            del self.cred_by_card[cred["card_num"]]
        if self.fobs.pop(cid, None) is not None and self.fob_by_name.get(cred["name"]) == cid:
            del self.fob_by_name[cred["name"]]

    def user_door_ids(self, user_id: int, *, delegated: bool = True) -> list[int]:
        """Doors a user reaches through access levels (and delegations)."""
        seen: dict[int, None] = {}
        for level_id in self.users[user_id]["accesslevels"]:
            level = self.access_levels.get(level_id)
            if level is not None:
                for door in level["doors"]:
                    seen[door["id"]] = None
        if delegated:
            for grant in self.delegates.values():
                if grant.get("to_user_id") == user_id:
                    for door in grant["doors"]:
                        seen[door["id"]] = None
        return [d for d in seen if d in self.doors]

    # -- rendering (one function per read shape) -----------------------------

    def render_user_row(self, user: Record) -> Record:
        """A user as the GET /user LIST shows it (also ?missingcreds, ?privileged, ?installers).

        The document's list table: id, id_num, first_name, last_name, card_num,
        credential_key, email, phone, access_effective, access_expires,
        accesslevels, custom1-4; its example adds ``name`` and ``enabled``. No
        ``pin`` and no ``credentials``: those appear only in the ``?id=`` /
        ``?id_num=`` example (``render_user``). A sync that needs a user's pin
        must read it per id (NOTES.md, "GET /user list rows vs one user").
        """
        creds = self.user_credentials(user["id"])
        return self._user_fields(user, creds)

    def render_user(self, user: Record) -> Record:
        """One user as GET /user?id= (and ?id_num=) shows it: the list's fields plus
        ``pin`` and ``credentials``, as the document's ``?id=1693`` example shows
        (its table adds ``credentials``; the example also carries ``pin``,
        ``enabled`` and custom1-4)."""
        creds = self.user_credentials(user["id"])
        out = self._user_fields(user, creds)
        out["pin"] = user["pin"]
        out["credentials"] = [
            {"id": c["id"], "name": c["name"], "card_num": c["card_num"],
             "credential_key": c["credential_key"], "fob": c["fob"]}
            for c in creds
        ]  # fmt: skip
        return out

    def _user_fields(self, user: Record, creds: list[Record]) -> Record:
        """The fields both user read shapes carry (UTC dates, accesslevels as unid/name)."""
        cards = [c for c in creds if not c["fob"]]
        shown = cards or creds
        levels = self.access_levels
        return {
            "id": user["id"], "id_num": user["id_num"], "name": user["name"],
            "last_name": user["last_name"], "first_name": user["first_name"],
            "card_num": shown[0]["card_num"] if shown else "",
            "credential_key": cards[0]["credential_key"] if cards else "",
            "email": user["email"], "phone": user["phone"],
            "access_effective": utc_text(user["access_effective"]),
            "access_expires": utc_text(user["access_expires"]),
            "enabled": user["enabled"],
            "accesslevels": [
                {"unid": i, "name": levels[i]["name"]} for i in user["accesslevels"] if i in levels
            ],
            "custom1": user["custom1"], "custom2": user["custom2"],
            "custom3": user["custom3"], "custom4": user["custom4"],
        }  # fmt: skip

    def render_fob(self, fob: Record) -> Record:
        """A fob as GET /fob shows it (UTC dates; only the example's fields: no ``user_id``)."""
        levels = self.access_levels
        return {
            "id": fob["id"], "id_num": fob["id_num"], "name": fob["name"],
            "card_num": fob["card_num"], "credential_key": fob["credential_key"],
            "enabled": fob["enabled"],
            "access_effective": utc_text(fob["access_effective"]),
            "access_expires": utc_text(fob["access_expires"]),
            "accesslevels": [
                {"unid": i, "name": levels[i]["name"]} for i in fob["accesslevels"] if i in levels
            ],
        }  # fmt: skip

    def render_credential(self, cred: Record) -> Record:
        """A credential as GET /credential shows it (user as a one-element list; only the
        table's fields: no ``fob`` flag)."""
        owner = self.users.get(cred["user_id"]) if cred["user_id"] is not None else None
        return {
            "id": cred["id"], "card_num": cred["card_num"], "name": cred["name"],
            "credential_key": cred["credential_key"], "claim_status": cred["claim_status"],
            "user": [] if owner is None else [{"id": owner["id"], "name": owner["name"]}],
            "access_effective": utc_text(cred["access_effective"]),
            "access_expires": utc_text(cred["access_expires"]),
        }  # fmt: skip

    def render_door(self, door: Record) -> Record:
        """A door as GET /door shows it."""
        return {
            "id": door["id"], "type": door["type"], "name": door["name"],
            "location": door["location"], "enabled": door["enabled"],
            "controller": door["controller"],
        }  # fmt: skip

    def render_level(self, level: Record) -> Record:
        """An access level; ``doors`` omitted when empty, as the examples do."""
        out: Record = {"id": level["id"], "name": level["name"]}
        if level["doors"]:
            out["doors"] = [
                {
                    "id": d["id"],
                    "name": self.doors[d["id"]]["name"] if d["id"] in self.doors else "",
                    "schedule_id": d["schedule_id"],
                }
                for d in level["doors"]
            ]
        return out

    def render_delegate(self, grant: Record) -> Record:
        """A delegate access level: dates in LOCAL time, as the example shows."""
        fmt = "%Y-%m-%d %H:%M:%S"
        eff, exp = grant["access_effective"], grant["access_expires"]
        return {
            "id": grant["id"],
            "name": grant["name"],
            "access_effective": eff.astimezone(self.zone).strftime(fmt) if eff else "",
            "access_expires": exp.astimezone(self.zone).strftime(fmt) if exp else "",
            "doors": [dict(d) for d in grant["doors"]],
        }

    def render_location(self, loc: Record) -> Record:
        """A location as GET /location shows it."""
        return {k: loc[k] for k in ("id", "name", "type", "enabled")}

    def new_user(self, uid: int) -> Record:
        """A blank stored user with every field present."""
        return {
            "id": uid, "id_num": "", "first_name": "", "last_name": "", "name": "",
            "email": "", "phone": "", "pin": "", "enabled": True,
            "access_effective": None, "access_expires": None, "accesslevels": (),
            "credential_ids": (), "custom1": "", "custom2": "", "custom3": "", "custom4": "",
            "privileged": False, "installer": False,
        }  # fmt: skip

    def record_event(self, kind: str, *, device: str = "", card_num: str = "",
                     user: str = "", location: str = "") -> Record:  # fmt: skip
        """Append an event for something done through the API (``EVENT_KINDS``)."""
        code, text = EVENT_KINDS[kind]
        category, category_text = (3, "Door Command") if kind == "unlock" else (
            4, "Configuration Change")  # fmt: skip
        event = self.add_event(
            {
                "device": device,
                "code": code,
                "code_text": text,
                "subcode": 0,
                "subcode_text": "",
                "card_num": card_num,
                "user": user,
                "location": location,
                "category": category,
                "category_text": category_text,
            }
        )
        if len(self.events) > _EVENTS_KEPT:
            del self.events[: len(self.events) - _EVENTS_KEPT]
        return event

    def add_event(self, fields: dict[str, Any]) -> Record:
        """Append an event with the next event id; datetimes become UTC text."""
        now = datetime.now(UTC)
        event: Record = {
            "id": (self.events[-1]["id"] + 1) if self.events else 1,
            "device": "", "code": 48, "code_text": "Access Granted", "subcode": 0,
            "subcode_text": "", "schedule": "", "controller": "", "location": "",
            "card_num": "", "user": "", "category": 1, "category_text": "Door Access Granted",
            "hw_time": now, "db_time": now,
        }  # fmt: skip
        event.update(fields)
        for key in ("hw_time", "db_time"):
            if isinstance(event[key], datetime):
                event[key] = utc_ms_text(event[key])
        self.events.append(event)
        return event
