"""GET handlers: one function per path, returning (status, JSON payload)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from ._seed import ABOUT, OBJECT_TYPES
from ._state import EVENTS_CACHED, Instance, Record, utc_ms_text

Query = dict[str, str]
Reply = tuple[int, Any]
Reader = Callable[[Instance, Query, frozenset[str]], Reply]


def _error(message: str, status: int = 400) -> Reply:
    return status, {"data": {"error": message}}


def _ok(rows: list[Record]) -> Reply:
    return 200, {"data": rows}


def _lookup_id(raw: str, field: str) -> int | str:
    """An id from the query string, or the error message for it."""
    if not raw:
        return f"Missing or blank {field}"
    try:
        return int(raw)
    except ValueError:
        return f"Non-Numeric {field} found: {raw}"


def users(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /user and its filters (?id, ?id_num/?idnum, ?missingcreds, ...).

    Two read shapes, as the document draws them (NOTES.md, "GET /user list rows
    vs one user"): the list and its ?missingcreds/?privileged/?installers
    filters show the list table (no ``pin``, no ``credentials``); ``?id=`` and
    ``?id_num=`` show one user with ``pin`` and ``credentials`` (the ``?id=1693``
    example).
    """
    if "idnum" in q and "id_num" not in q:
        q = {**q, "id_num": q["idnum"]}
    for key in ("id", "id_num"):
        if key in q and not q[key] and "blank_id_returns_all" in defects:
            # The document's known defect: a blank identifier returns every user.
            return _ok([inst.render_user_row(u) for u in inst.users.values()])
    if "id" in q or "id_num" in q:
        return _one_user(inst, q)
    picked = next((keep for name, keep in _USER_FILTERS.items() if name in q), None)
    rows = [u for u in inst.users.values() if picked is None or picked(inst, u)]
    return _ok([inst.render_user_row(u) for u in rows])


def _one_user(inst: Instance, q: Query) -> Reply:
    """?id= (first) or ?id_num=: one user with ``pin`` and ``credentials``, or none."""
    if "id" in q:
        uid = _lookup_id(q["id"], "id")
        if isinstance(uid, str):
            return _error(uid)
        return _ok([inst.render_user(inst.users[uid])] if uid in inst.users else [])
    if not q["id_num"]:
        return _error("Missing or blank id_num")
    found = inst.user_by_id_num.get(q["id_num"])
    return _ok([inst.render_user(inst.users[found])] if found is not None else [])


def _has_mobile_key(inst: Instance, user: Record) -> bool:
    # "Missing credentials": no non-fob credential with a registration key.
    return any(c["credential_key"] for c in inst.user_credentials(user["id"]) if not c["fob"])


#: GET /user's list filters, tried in this order; the first in the query applies (none: all).
_USER_FILTERS: dict[str, Callable[[Instance, Record], bool]] = {
    "missingcreds": lambda inst, u: not _has_mobile_key(inst, u),
    "privileged": lambda _inst, u: bool(u["privileged"]),
    "installers": lambda _inst, u: bool(u["installer"]),
}


def fobs(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /fob, ?id, ?name, ?card_num, ?id_num: one table (and example) for all five,
    so one shape. Neither shows the holder: a fob's ``user_id`` comes from GET /credential."""
    rows = list(inst.fobs.values())
    if "id" in q:
        fid = _lookup_id(q["id"], "id")
        if isinstance(fid, str):
            return _error(fid)
        rows = [inst.fobs[fid]] if fid in inst.fobs else []
    for key in ("name", "card_num", "id_num"):
        if key in q:
            rows = [f for f in rows if f[key] == q[key]]
    return _ok([inst.render_fob(f) for f in rows])


def credentials(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /credential, ?id, ?user_id, ?card_num: one table for all four, so one shape."""
    rows = list(inst.credentials.values())
    for key in ("id", "user_id"):
        if key in q:
            ident = _lookup_id(q[key], key)
            if isinstance(ident, str):
                return _error(ident)
            rows = [c for c in rows if c[key] == ident]
    if "card_num" in q:
        rows = [c for c in rows if c["card_num"] == q["card_num"]]
    return _ok([inst.render_credential(c) for c in rows])


def credential_summary(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /credentialsummary: a one-element list."""
    claimed = sum(c["claim_status"] == "Claimed" for c in inst.credentials.values())
    total = len(inst.credentials)
    return _ok([{"credentials": total, "claimed": claimed, "unclaimed": total - claimed}])


def doors(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /door, ?user_id, ?id_num (doors reached through access levels).

    One shape: the filtered reads' tables list only id and name, but their examples
    show the list's rows (type, location, enabled, controller). ``location`` is the
    location's name; no read shows ``location_id``.
    """
    if "user_id" in q:
        uid = _lookup_id(q["user_id"], "user_id")
        if isinstance(uid, str):
            return _error(uid)
        if uid not in inst.users:
            return _error(f"user_id is not valid: {uid}")
        return _ok([inst.render_door(inst.doors[d]) for d in inst.user_door_ids(uid)])
    if "id_num" in q:
        found = inst.user_by_id_num.get(q["id_num"])
        if found is None:
            return _error(f"id_num is not valid: {q['id_num']}")
        return _ok([inst.render_door(inst.doors[d]) for d in inst.user_door_ids(found)])
    return _ok([inst.render_door(d) for d in inst.doors.values()])


def door_state(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /doorstate, ?low_battery=N (battery below N)."""
    rows = [d for d in inst.doors.values() if d.get("battery_level") is not None]
    if "low_battery" in q:
        try:
            limit = float(q["low_battery"])
        except ValueError:
            return _error(f"Non-Numeric low_battery found: {q['low_battery']}")
        rows = [d for d in rows if d["battery_level"] < limit]
    keys = ("id", "name", "battery_level")
    return _ok([{k: d[k] for k in keys} for d in rows])


def events(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /events (newest 5000, newest first), ?id=N (ids above N, ascending)."""
    if "id" in q:
        last = _lookup_id(q["id"], "id")
        if isinstance(last, str):
            return _error(last)
        return _ok([dict(e) for e in inst.events if e["id"] > last][:EVENTS_CACHED])
    return _ok([dict(e) for e in reversed(inst.events[-EVENTS_CACHED:])])


def access_levels(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /accesslevel, ?name (delegate access levels are listed by /delegate): one table,
    one shape."""
    rows = list(inst.access_levels.values())
    if "name" in q:
        rows = [r for r in rows if r["name"] == q["name"]]
    return _ok([inst.render_level(r) for r in rows])


def delegates(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /delegate: delegate access levels, dates in local time."""
    return _ok([inst.render_delegate(g) for g in inst.delegates.values()])


def schedules(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /schedule."""
    return _ok([dict(s) for s in inst.schedules.values()])


def locations(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /location."""
    return _ok([inst.render_location(loc) for loc in inst.locations.values()])


def location_types(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /locationtype."""
    return _ok([dict(t) for t in inst.location_types.values()])


def about(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /about: one object, not a list."""
    return 200, {"data": dict(ABOUT)}


def time(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /time: a one-element list."""
    local = inst.now()
    offset_td = local.utcoffset()
    hours = offset_td.total_seconds() / 3600 if offset_td is not None else 0.0
    row = {
        "datetime_utc": utc_ms_text(local.astimezone(UTC)),
        "timezone": inst.zone.key,
        "datetime_local": local.strftime("%Y-%m-%d %H:%M:%S"),
        "offset": int(hours) if hours.is_integer() else hours,
    }
    return _ok([row])


def objects(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /object?listtypes, /object?type=T."""
    if "type" in q:
        props = OBJECT_TYPES.get(q["type"])
        if props is None:
            return _error(f"Invalid object type: {q['type']}")
        return _ok([{"property": p, "datatype": t, "description": d} for p, t, d in props])
    return _ok([{"object": name} for name in OBJECT_TYPES])


def ping(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /ping (shape undocumented: our invention)."""
    return 200, {"data": {"status": "ok", "message": "pong"}}


def maintenance(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /maintenance (shape undocumented: our invention)."""
    return 200, {"data": {"scheduled": False, "start": "", "end": "", "details": ""}}


def site(inst: Instance, q: Query, defects: frozenset[str]) -> Reply:
    """GET /site (shape undocumented: our invention)."""
    return 200, {"data": {"name": "Lockt Simulator Site", "timezone": inst.zone.key}}


READERS: dict[str, Reader] = {
    "/user": users, "/fob": fobs, "/credential": credentials,
    "/credentialsummary": credential_summary, "/door": doors, "/doorstate": door_state,
    "/events": events, "/accesslevel": access_levels, "/accesslevels": access_levels,
    "/delegate": delegates, "/delegates": delegates, "/schedule": schedules,
    "/location": locations, "/locationtype": location_types, "/about": about, "/time": time,
    "/object": objects, "/ping": ping, "/maintenance": maintenance, "/site": site,
}  # fmt: skip
