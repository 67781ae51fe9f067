"""Client-side checks of write records that need no server state.

The write path converts every record to its wire form (a plain dict with the
document's field names, dates as instance-local ``"YYYY-MM-DD HH:MM:SS"`` or
``""``) and then calls one of the ``check_*`` functions below. Each returns a
list of messages, empty when the record is valid. Messages follow the style of
the server's own (``"Non-Numeric card_num found: A8914"``), name the field, and
quote only the record's own offending value, truncated and made printable.

The rules pinned here are the stateless rows of the document's table
"Endpoint | Method | Submethod | Field | Validation" (missing or blank,
non-numeric, email / phone / date formats, duplicate access levels and doors)
plus the behaviour tables' "access_effective must be before access_expires".
Rules that need the server's data ("Already exists in system", "Id is valid",
"cannot be in past") are left to the server, and so are the "Length versus
system limit" rows: the limit is the instance's, the document gives none.

``required=False`` (``LocktClient(required_fields="server")``) skips the
"Missing or blank" rows of record content (names, ``email``, ``phone``,
``pin``, ``id_num``, ``schedule_id``...) for instances known to accept records
without them; ids that address a record stay required.

Everything here is called once per record of imports of 100,000 records, so the
checks favour ``str`` methods over regexes and allocate nothing on the valid
path but the (empty) result list.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ._duplicates import DuplicateTracker
from ._formats import _VALID_DOMAINS, EMAIL_MAX_LEN, email_format_ok, phone_format_ok
from ._shown import show as _show
from ._shown import shown_repr as _shown_repr
from .converters._wire import PlainRules
from .converters.dates import date_problem

__all__ = [
    "ACCESS_LEVEL_DUPLICATE_FIELDS",
    "DOOR_DUPLICATE_FIELDS",
    "FOB_DUPLICATE_FIELDS",
    "LOCATION_DUPLICATE_FIELDS",
    "USER_DUPLICATE_FIELDS",
    "DuplicateTracker",
    "check_access_level",
    "check_credential_update",
    "check_delegate",
    "check_door",
    "check_fob",
    "check_fob_reassign",
    "check_id_only",
    "check_location",
    "check_user",
    "check_user_put",
]

Record = Mapping[str, Any]

#: Fields that must be unique within one input (the server checks them against its
#: own data, but not always within a batch: see the document's known issues).
USER_DUPLICATE_FIELDS: tuple[str, ...] = ("id_num", "card_num", "email")
DOOR_DUPLICATE_FIELDS: tuple[str, ...] = ("name",)
FOB_DUPLICATE_FIELDS: tuple[str, ...] = ("name", "card_num")
ACCESS_LEVEL_DUPLICATE_FIELDS: tuple[str, ...] = ("name",)
LOCATION_DUPLICATE_FIELDS: tuple[str, ...] = ("name",)

_ID_MAX_DIGITS = 18  # ids are 64-bit on any sane server; also keeps int() cheap and safe

_fromisoformat = datetime.fromisoformat


# --------------------------------------------------------------------------- helpers


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _to_int(value: object) -> int | None:
    """An int from an int or a (signed) ASCII digit string of sane length, else None."""
    if isinstance(value, int):
        if isinstance(value, bool):
            return None
        return value
    if isinstance(value, str):
        s = value.strip()
        digits = s[1:] if s[:1] == "-" else s
        if digits.isascii() and digits.isdigit() and len(digits) <= _ID_MAX_DIGITS:
            return int(s)
    return None


def _is_absent(value: object) -> bool:
    return value is None or (type(value) is str and not value.strip())


def _check_text(
    out: list[str], rec: Record, field: str, required: bool, allow_int: bool = False
) -> None:
    value = rec.get(field)
    if value is None or (type(value) is str and not value.strip()):
        if required:
            out.append(f"Missing or blank {field}")
    elif not (type(value) is str or (allow_int and _is_int(value))):
        out.append(f"Invalid {field}: {_show(value)}")


def _check_pos_id(out: list[str], rec: Record, field: str, required: bool) -> int | None:
    """A positive integer id field. Returns the id, or None when absent or invalid."""
    value = rec.get(field)
    if type(value) is int and 0 < value <= _MAX_ID:
        return value
    if _is_absent(value):
        if required:
            out.append(f"Missing or blank {field}")
        return None
    n = _to_int(value)
    if n is None:
        out.append(f"Non-Numeric {field} found: {_show(value)}")
    elif n <= 0:
        out.append(f"{field} must be a positive integer id: {_show(value)}")
    elif n > _MAX_ID:
        out.append(f"{field} is out of range (over 2**63-1): {_show(value)}")
    else:
        return n
    return None


def _check_card_num(out: list[str], rec: Record, allow_remove: bool, remove_error: bool) -> None:
    """card_num: digits only ("Non-Numeric"); ``-1`` (remove non-fob credentials) per flags.

    ``allow_remove``: -1 is valid (user update). ``remove_error``: -1 gets the
    dedicated insert message instead of "Non-Numeric". Its length is the
    instance's "system limit": left to the server.
    """
    value = rec.get("card_num")
    if value is None or value == "":
        return
    if (value == -1 and _is_int(value)) or value == "-1":
        if allow_remove:
            return
        if remove_error:
            out.append("card_num -1 (remove credentials) is only valid on update: -1")
            return
    if not _is_digits(value):
        out.append(f"Non-Numeric card_num found: {_show(value)}")


def _is_digits(value: object) -> bool:
    """A number-like field: an ASCII digit string or a non-negative int."""
    if type(value) is str:
        return value.isascii() and value.isdigit()
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _blank(value: object) -> bool:
    return value is None or (type(value) is str and not value.strip())


def _check_pin(out: list[str], rec: Record, required: bool) -> None:
    """pin: "Missing or blank", "Non-Numeric"; its length is the instance's limit."""
    value = rec.get("pin")
    if _blank(value):
        if required:
            out.append("Missing or blank pin")
    elif not _is_digits(value):
        out.append(f"Non-Numeric pin found: {_show(value)}")


def _check_email(out: list[str], rec: Record, required: bool) -> None:
    value = rec.get("email")
    if _blank(value):
        if required:
            out.append("Missing or blank email")
        return
    if type(value) is not str or not email_format_ok(value.strip()):
        out.append(f"Invalid email address found: {_show(value)}")


def _check_phone(out: list[str], rec: Record, required: bool) -> None:
    value = rec.get("phone")
    if _blank(value):
        if required:
            out.append("Missing or blank phone")
        return
    if type(value) is str:
        if phone_format_ok(value.strip()):
            return
    elif _is_digits(value):
        return
    out.append(f"Invalid phone number found: {_show(value)}")


#: Valid date strings seen lately: an import's records share few distinct dates.
_VALID_DATES: set[str] = set()


def _valid_date(s: str) -> bool:
    if s in _VALID_DATES:
        return True
    if (
        len(s) == 19
        and s[4] == "-"
        and s[7] == "-"
        and s[10] == " "
        and s[13] == ":"
        and s[16] == ":"
        and s.isascii()
    ):
        try:
            _fromisoformat(s)
        except ValueError:
            return False
        if len(_VALID_DATES) >= 4096:
            _VALID_DATES.clear()
        _VALID_DATES.add(s)
        return True
    return False


def _check_date(out: list[str], rec: Record, field: str, required: bool) -> str | None:
    """A ``YYYY-MM-DD HH:MM:SS`` or ``""`` field. Returns the date when set and valid."""
    value = rec.get(field)
    if value is None or value == "":
        if required:
            out.append(f"Missing or blank {field}")
        return None
    if type(value) is str and _valid_date(value):
        return value
    problem = date_problem(value) if type(value) is str else None
    if problem is not None:  # the format is right; say what is impossible
        out.append(f"Invalid {field} date: {_show(value)}: {problem}")
    else:
        out.append(f"Invalid {field} date format: {_show(value)}")
    return None


def _check_dates(out: list[str], rec: Record, required: bool = False) -> None:
    effective = _check_date(out, rec, "access_effective", required)
    expires = _check_date(out, rec, "access_expires", required)
    # Same fixed format on both sides: string order is time order.
    # The document's example quotes the expires value in this message.
    if effective is not None and expires is not None and effective >= expires:
        out.append(f"Invalid access_effective date: {expires}, must be before access_expires")


def _check_enabled(out: list[str], rec: Record) -> None:
    value = rec.get("enabled")
    if value is not None and type(value) is not bool:
        out.append(f"enabled must be true or false: {_show(value)}")


_MAX_ID = 2**63 - 1  # ids are database integers; anything larger is a typo or hostile


def _positive(value: object) -> int | None:
    if type(value) is int:
        return value if 0 < value <= _MAX_ID else None
    n = _to_int(value)
    return n if n is not None and 0 < n <= _MAX_ID else None


def _check_access_levels(out: list[str], rec: Record) -> None:
    levels = rec.get("accesslevels")
    if levels is None:
        return
    if not isinstance(levels, list):
        out.append(f"accesslevels must be a list: {_show(levels)}")
        return
    seen: set[int] | None = set() if len(levels) > 1 else None
    for item in levels:
        if not isinstance(item, Mapping):
            out.append(f"Invalid access level entry: {_show(item)}")
            continue
        level_id = _positive(item.get("id"))
        if level_id is None:
            out.append(f"Invalid access level id: {_show(item.get('id'))}")
        elif seen is not None:
            if level_id in seen:
                out.append(f"Duplicate access level id: {level_id}")
            else:
                seen.add(level_id)


def _check_doors(
    out: list[str],
    rec: Record,
    required: bool,
    schedules: bool,
    duplicates: bool,
    schedules_required: bool = True,
) -> None:
    doors = rec.get("doors")
    if doors is None or (required and isinstance(doors, list) and not doors):
        if required:
            out.append("Missing or blank doors")
        return
    if not isinstance(doors, list):
        out.append(f"doors must be a list: {_show(doors)}")
        return
    seen: set[int] | None = set() if duplicates and len(doors) > 1 else None
    for item in doors:
        if not isinstance(item, Mapping):
            out.append(f"Invalid door entry: {_show(item)}")
            continue
        door_id = _positive(item.get("id"))
        if door_id is None:
            out.append(f"Invalid door id: {_show(item.get('id'))}")
        if schedules:
            _check_schedule(out, item.get("schedule_id"), door_id, schedules_required)
        if door_id is not None and seen is not None:
            if door_id in seen:
                out.append(f"Duplicate door id: {door_id}")
            else:
                seen.add(door_id)


def _check_schedule(out: list[str], schedule: object, door_id: int | None, required: bool) -> None:
    """ "Schedule ID is valid": a door of an access level needs one."""
    where = f" for door {door_id}" if door_id is not None else ""
    if _blank(schedule):
        if required:
            out.append(f"Missing or blank schedule_id{where}")
    elif _positive(schedule) is None:
        out.append(f"Invalid schedule_id{where}: {_show(schedule)}")


def _check_user_fields(out: list[str], rec: Record, update: bool, required: bool) -> None:
    """The fields shared by ``POST /user`` and ``PUT /user`` (``required``: POST only)."""
    _check_email(out, rec, required)
    _check_phone(out, rec, required)
    _check_pin(out, rec, required)
    _check_card_num(out, rec, allow_remove=update, remove_error=True)
    _check_dates(out, rec)
    _check_access_levels(out, rec)
    _check_enabled(out, rec)


#: A rule step's argument that takes the call's ``required``.
_REQUIRED: Any = object()


def _rules(name: str, doc: str, *steps: tuple[Any, ...]) -> Callable[..., list[str]]:
    """A ``check_*`` function that runs ``steps`` in order, a table of rules: each
    ``(fn, *args)`` is called as ``fn(out, rec, *args)``, ``_REQUIRED`` standing for
    the call's ``required`` (both variants are resolved here, once)."""
    variants = {
        flag: tuple((fn, tuple(flag if a is _REQUIRED else a for a in args)) for fn, *args in steps)
        for flag in (True, False)
    }

    def check(rec: Record, *, required: bool = True) -> list[str]:
        out: list[str] = []
        for fn, args in variants[bool(required)]:
            fn(out, rec, *args)
        return out

    check.__name__ = check.__qualname__ = name
    check.__doc__ = doc
    return check


# --------------------------------------------------------------------------- users


def _user_plainly_valid(rec: dict[str, Any], required: bool = True) -> bool:  # noqa: C901 - one inline test per field, in table order: the import's hot path
    """True when ``rec`` is a valid ``POST /user`` record of the usual shape (text
    fields as ``str``, digits as digit strings, dates already seen valid): the
    import's hot path, inline checks only. False means "not sure": the full check
    decides and words the messages. It never says True where the full check (with
    the same ``required``) would find a fault; a test holds them together. With
    ``required=False`` (a sync's source) a required field may be absent (None)."""
    get = rec.get
    rid = get("id")
    if type(rid) is not int or not (rid == -1 or 0 < rid <= _MAX_ID):
        return False
    v = get("id_num")
    if (v is not None or required) and (type(v) is not str or not v or v.isspace()):
        return False
    v = get("first_name")
    if (v is not None or required) and (type(v) is not str or not v or v.isspace()):
        return False
    v = get("last_name")
    if (v is not None or required) and (type(v) is not str or not v or v.isspace()):
        return False
    v = get("email")
    if v is not None or required:
        if type(v) is not str:
            return False
        local, _, domain = v.rpartition("@")
        # The usual address: a plain local part at a domain already seen valid.
        if not (
            domain in _VALID_DOMAINS
            and local.isalnum()
            and local.isascii()
            and len(v) <= EMAIL_MAX_LEN
        ) and not email_format_ok(v):
            return False
    v = get("phone")
    if (v is not None or required) and (type(v) is not str or not v.isdigit() or not v.isascii()):
        return False
    v = get("pin")
    if (v is not None or required) and (type(v) is not str or not v.isdigit() or not v.isascii()):
        return False
    v = get("card_num")
    if v is not None and v != "" and (type(v) is not str or not v.isdigit() or not v.isascii()):
        return False
    eff = get("access_effective")
    if eff is not None and eff != "":
        if type(eff) is not str or eff not in _VALID_DATES:
            return False
    else:
        eff = None
    exp = get("access_expires")
    if exp is not None and exp != "":
        if type(exp) is not str or exp not in _VALID_DATES:
            return False
        if eff is not None and eff >= exp:
            return False
    levels = get("accesslevels")
    if levels is not None and not _plain_levels(levels):
        return False
    enabled = get("enabled")
    return enabled is None or type(enabled) is bool


def _user_plain_rules(required: tuple[str, ...]) -> PlainRules:
    """``_user_plainly_valid`` for the write path's fused writer (``converters._wire``):
    the same tests, made on each value as the writer takes it. The writer has
    already refused blanks and values of other types, and filled ``id: -1``."""
    digits = "v.isdigit() and v.isascii()"
    text = "not v.isspace()"
    return PlainRules(
        tests={
            "id": "v == -1 or 0 < v <= _MAX_ID",
            "id_num": text,
            "first_name": text,
            "last_name": text,
            # The usual address (a plain local part at a domain already seen valid), as
            # _user_plainly_valid tests it, inline; else the full format check.
            "email": "((p := v.rpartition('@'))[2] in _VALID_DOMAINS and p[0].isalnum()"
            " and p[0].isascii() and len(v) <= _EMAIL_MAX_LEN) or _email_format_ok(v)",
            "phone": digits,
            "pin": digits,
            "card_num": digits,
            # A date seen valid before, else the full test (which remembers it): a list
            # checked whole meets its dates here first, before any slow path fills the set.
            "access_effective": "v in _VALID_DATES or _valid_date(v)",
            "access_expires": "v in _VALID_DATES or _valid_date(v)",
            "accesslevels": "_plain_levels(v)",
        },
        required=frozenset(required),
        after=(
            "'access_effective' not in d or 'access_expires' not in d "
            "or d['access_effective'] < d['access_expires']",
        ),
        names={
            "_MAX_ID": _MAX_ID,
            "_VALID_DATES": _VALID_DATES,
            "_valid_date": _valid_date,
            "_VALID_DOMAINS": _VALID_DOMAINS,
            "_EMAIL_MAX_LEN": EMAIL_MAX_LEN,
            "_email_format_ok": email_format_ok,
            "_plain_levels": _plain_levels,
        },
    )


def plain_rules(check: Callable[..., list[str]]) -> PlainRules | None:
    """The fused writer's rules that stand for ``check`` (``check_user``, also with
    ``required=False``), or None: then the writer only encodes and ``check`` runs."""
    if check is check_user:
        return _USER_RULES
    if (
        isinstance(check, functools.partial)
        and check.func is check_user
        and not check.args
        and check.keywords == {"required": False}
    ):
        return _USER_RULES_LENIENT
    return None


def _plain_levels(levels: object) -> bool:
    if type(levels) is not list:
        return False
    ids = set()
    for item in levels:
        if type(item) is not dict:
            return False
        lid = item.get("id")
        if type(lid) is not int or not 0 < lid <= _MAX_ID:
            return False
        ids.add(lid)
    return len(ids) == len(levels)


def check_user(rec: Record, *, required: bool = True) -> list[str]:
    """``POST /user``: one record of a bulk insert/update.

    ``id`` -1 (or missing, which the caller sends as -1) is an INSERT; a positive
    id is an UPDATE. Both need ``id_num``, ``first_name``, ``last_name``,
    ``email``, ``phone`` and ``pin`` (the table's INSERT and UPDATE "Missing or
    blank" rows) unless ``required`` is False. Formats are checked for every
    field that is given.
    """
    if type(rec) is dict and _user_plainly_valid(rec, required):
        return []
    return _check_user_full(rec, required)


def _check_user_full(rec: Record, required: bool) -> list[str]:
    """:func:`check_user`, every rule in turn, with its messages."""
    out: list[str] = []
    rid = rec.get("id")
    if rid is None or rid == "-1" or (rid == -1 and _is_int(rid)):
        update = False
    elif type(rid) is int and 0 < rid <= _MAX_ID:
        update = True
    else:
        update = True
        n = _to_int(rid)
        if n is None or n <= 0 or n > _MAX_ID:
            # Judge the rest leniently: the id error is the one to fix.
            required = False
            if n is None and not _is_absent(rid) and not isinstance(rid, bool):
                out.append(f"Non-Numeric id found: {_show(rid)}")  # the server's wording
            else:
                out.append(f"id must be -1 (insert) or a positive integer id: {_shown_repr(rid)}")
    _check_text(out, rec, "id_num", required, allow_int=True)
    _check_text(out, rec, "first_name", required)
    _check_text(out, rec, "last_name", required)
    _check_user_fields(out, rec, update, required)
    return out


_USER_RULES = _user_plain_rules(("id_num", "first_name", "last_name", "email", "phone", "pin"))
_USER_RULES_LENIENT = _user_plain_rules(())


def check_user_put(rec: Record, *, required: bool = True) -> list[str]:
    """``PUT /user``: a selective update; ``id`` is required, every other field optional."""
    out: list[str] = []
    _check_pos_id(out, rec, "id", required=True)
    _check_text(out, rec, "id_num", False, allow_int=True)
    _check_text(out, rec, "first_name", False)
    _check_text(out, rec, "last_name", False)
    _check_user_fields(out, rec, True, False)
    return out


# --------------------------------------------------------------------------- fobs, credentials


check_fob = _rules(
    "check_fob",
    """``POST /fob``: ``name`` and ``id_num`` required; card number and dates formats.""",
    (_check_text, "name", _REQUIRED),
    (_check_text, "id_num", _REQUIRED, True),
    (_check_card_num, False, False),
    (_check_dates,),
)


def check_fob_reassign(rec: Record, *, required: bool = True) -> list[str]:
    """``PUT /fob``: ``id`` required; ``user_id`` 0 (unassign) or a user id; dates;
    ``name``, ``id_num`` and ``card_num`` when given (the table's PUT rows: a
    selective update, so "Missing or blank" applies to a field that is sent)."""
    out: list[str] = []
    _check_pos_id(out, rec, "id", required=True)
    user_id = rec.get("user_id")
    if not (user_id is None or (type(user_id) is int and user_id >= 0)):
        n = _to_int(user_id)
        if _is_absent(user_id) or n is None:
            out.append(f"Non-Numeric user_id found: {_show(user_id)}")
        elif n < 0:
            out.append(f"user_id must be 0 (unassign) or a positive integer id: {_show(user_id)}")
    if "name" in rec:
        _check_text(out, rec, "name", required)
    if "id_num" in rec:
        _check_text(out, rec, "id_num", required, allow_int=True)
    _check_card_num(out, rec, allow_remove=False, remove_error=False)
    _check_dates(out, rec)
    return out


check_credential_update = _rules(
    "check_credential_update",
    """``PUT /credential`` (fields undocumented): ``id`` required; the two dates.""",
    (_check_pos_id, "id", True),
    (_check_dates,),
)


# --------------------------------------------------------------------------- doors, levels, ...


check_door = _rules(
    "check_door",
    """``POST /door``: ``name`` required (its length is the instance's); ``location_id``.""",
    (_check_text, "name", _REQUIRED),
    (_check_pos_id, "location_id", False),
)

check_access_level = _rules(
    "check_access_level",
    """``POST /accesslevel``: ``name`` required; doors ``[{id, schedule_id}]``, no repeats.""",
    (_check_text, "name", _REQUIRED),
    # doors optional; schedules checked (required with ``required``); no repeated door
    (_check_doors, False, True, True, _REQUIRED),
)

check_location = _rules(
    "check_location",
    """``POST /location``: ``name`` and ``locationtype`` required.""",
    (_check_text, "name", _REQUIRED),
    (_check_pos_id, "locationtype", _REQUIRED),
)

check_id_only = _rules(
    "check_id_only",
    """Deletes (``/user``, ``/fob``, ``/door``, ``/credential``, ``/accesslevel``), ``/unlock``.""",
    (_check_pos_id, "id", True),
)

check_delegate = _rules(
    "check_delegate",
    """``POST /delegate``: both user ids, a non-empty door list and both dates, in order.""",
    (_check_pos_id, "from_user_id", True),
    (_check_pos_id, "to_user_id", True),
    (_check_doors, True, False, False),  # required, no schedules, repeats allowed
    (_check_dates, True),
)
