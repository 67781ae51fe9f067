"""Client-side checks of write records that need no server state.

The write path converts every record to its wire form (a plain dict with the
document's field names, dates as instance-local ``"YYYY-MM-DD HH:MM:SS"`` or
``""``) and then calls one of the ``check_*`` functions below. Each returns a
list of messages, empty when the record is valid. Messages follow the style of
the server's own (``"Non-Numeric card_num found: A8914"``), name the field, and
quote only the record's own offending value, truncated and made printable.

The rules pinned here are the stateless rows of the document's table
"Endpoint | Method | Submethod | Field | Validation" (missing or blank,
non-numeric, length limits, email / phone / date formats, duplicate access
levels and doors) plus the behaviour tables' "access_effective must be before
access_expires". Rules that need the server's data ("Already exists in
system", "Id is valid", "cannot be in past") are left to the server.

Everything here is called once per record of imports of 100,000 records, so the
checks favour ``str`` methods over regexes and allocate nothing on the valid
path but the (empty) result list.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from datetime import datetime
from re import compile as _re_compile
from typing import Any

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
USER_DUPLICATE_FIELDS: tuple[str, ...] = ("id_num", "card_num")
DOOR_DUPLICATE_FIELDS: tuple[str, ...] = ("name",)
FOB_DUPLICATE_FIELDS: tuple[str, ...] = ("name", "card_num")
ACCESS_LEVEL_DUPLICATE_FIELDS: tuple[str, ...] = ("name",)
LOCATION_DUPLICATE_FIELDS: tuple[str, ...] = ("name",)

CARD_NUM_MAX_DIGITS = 20
PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 8
PHONE_MIN_DIGITS = 7
PHONE_MAX_DIGITS = 15
DOOR_NAME_MAX_LEN = 100
EMAIL_MAX_LEN = 254
_ID_MAX_DIGITS = 18  # ids are 64-bit on any sane server; also keeps int() cheap and safe
_SHOW_MAX = 60
_PHONE_INT_LIMIT = 10**PHONE_MAX_DIGITS

_EMAIL_RE = _re_compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_PHONE_RE = _re_compile(r"\+?[0-9 .()\-]+")
_PHONE_PUNCT = str.maketrans("", "", "+ .()-")

_fromisoformat = datetime.fromisoformat

_REPR = reprlib.Repr()
_REPR.maxstring = _SHOW_MAX
_REPR.maxother = _SHOW_MAX
_REPR.maxlong = 40
_REPR.maxlist = 5
_REPR.maxtuple = 5
_REPR.maxset = 5
_REPR.maxdict = 4
_REPR.maxlevel = 2


# --------------------------------------------------------------------------- helpers


def _show(value: object) -> str:
    """The value as it may appear in a message: short, printable, never raising."""
    if type(value) is str and value.isprintable():
        return value if len(value) <= _SHOW_MAX else value[: _SHOW_MAX - 3] + "..."
    try:
        text = _REPR.repr(value)
    except Exception:  # huge ints, hostile __repr__: name the type only
        return f"<{type(value).__name__}>"
    return text if len(text) <= _SHOW_MAX + 20 else text[:_SHOW_MAX] + "..."


def _shown_repr(value: object) -> str:
    """Like :func:`_show`, but always a repr (so ``'5'`` and ``5`` differ)."""
    try:
        text = _REPR.repr(value)
    except Exception:
        return f"<{type(value).__name__}>"
    return text if len(text) <= _SHOW_MAX + 20 else text[:_SHOW_MAX] + "..."


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


def _digit_string(value: object) -> str | None:
    """The digits of a str/int number-like field, or None when it is not all digits."""
    if type(value) is str:
        return value if value.isascii() and value.isdigit() else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        if value.bit_length() > 80:  # more than 24 digits: report as too long, cheaply
            return "0" * 25
        return str(value)
    return None


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
    """card_num: digits only, at most 20; ``-1`` (remove non-fob credentials) per flags.

    ``allow_remove``: -1 is valid (user update). ``remove_error``: -1 gets the
    dedicated insert message instead of "Non-Numeric".
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
    digits = _digit_string(value)
    if digits is None:
        out.append(f"Non-Numeric card_num found: {_show(value)}")
    elif len(digits) > CARD_NUM_MAX_DIGITS:
        out.append(
            f"card_num exceeds maximum length of {CARD_NUM_MAX_DIGITS} digits: {_show(value)}"
        )


def _check_pin(out: list[str], rec: Record) -> None:
    value = rec.get("pin")
    if value is None or value == "":
        return
    digits = _digit_string(value)
    if digits is None:
        out.append(f"Non-Numeric pin found: {_show(value)}")
    elif not PIN_MIN_DIGITS <= len(digits) <= PIN_MAX_DIGITS:
        out.append(f"pin must be {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits: {_show(value)}")


def _check_email(out: list[str], rec: Record) -> None:
    value = rec.get("email")
    if value is None:
        return
    if type(value) is str:
        s = value.strip()
        if not s or (len(s) <= EMAIL_MAX_LEN and _EMAIL_RE.fullmatch(s)):
            return
    out.append(f"Invalid email address found: {_show(value)}")


def _check_phone(out: list[str], rec: Record) -> None:
    value = rec.get("phone")
    if value is None:
        return
    if type(value) is str:
        s = value.strip()
        if not s:
            return
        if s.isascii() and s.isdigit():
            if PHONE_MIN_DIGITS <= len(s) <= PHONE_MAX_DIGITS:
                return
        elif len(s) <= 40 and _PHONE_RE.fullmatch(s):
            digits = s.translate(_PHONE_PUNCT)
            if digits and PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS:
                return
    elif _is_int(value) and 0 <= value < _PHONE_INT_LIMIT and len(str(value)) >= PHONE_MIN_DIGITS:
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
    if effective is not None and expires is not None and effective >= expires:
        out.append(f"Invalid access_effective date: {effective}, must be before access_expires")


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
    out: list[str], rec: Record, required: bool, schedules: bool, duplicates: bool
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
            schedule = item.get("schedule_id")
            if schedule is not None and _positive(schedule) is None:
                where = f" for door {door_id}" if door_id is not None else ""
                out.append(f"Invalid schedule_id{where}: {_show(schedule)}")
        if door_id is not None and seen is not None:
            if door_id in seen:
                out.append(f"Duplicate door id: {door_id}")
            else:
                seen.add(door_id)


def _check_user_fields(out: list[str], rec: Record, update: bool) -> None:
    """The field formats shared by ``POST /user`` and ``PUT /user``."""
    _check_email(out, rec)
    _check_phone(out, rec)
    _check_pin(out, rec)
    _check_card_num(out, rec, allow_remove=update, remove_error=True)
    _check_dates(out, rec)
    _check_access_levels(out, rec)
    _check_enabled(out, rec)


# --------------------------------------------------------------------------- users


def check_user(rec: Record) -> list[str]:
    """``POST /user``: one record of a bulk insert/update.

    ``id`` -1 (or missing, which the caller sends as -1) is an INSERT; a positive
    id is an UPDATE. Both need ``id_num``, ``first_name`` and ``last_name`` (the
    table's INSERT and UPDATE "Missing or blank" rows). Formats are checked for
    every field that is given.
    """
    out: list[str] = []
    rid = rec.get("id")
    required = True
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
            out.append(f"id must be -1 (insert) or a positive integer id: {_shown_repr(rid)}")
    _check_text(out, rec, "id_num", required, allow_int=True)
    _check_text(out, rec, "first_name", required)
    _check_text(out, rec, "last_name", required)
    _check_user_fields(out, rec, update=update)
    return out


def check_user_put(rec: Record) -> list[str]:
    """``PUT /user``: a selective update; ``id`` is required, every other field optional."""
    out: list[str] = []
    _check_pos_id(out, rec, "id", required=True)
    _check_text(out, rec, "id_num", False, allow_int=True)
    _check_text(out, rec, "first_name", False)
    _check_text(out, rec, "last_name", False)
    _check_user_fields(out, rec, update=True)
    return out


# --------------------------------------------------------------------------- fobs, credentials


def check_fob(rec: Record) -> list[str]:
    """``POST /fob``: ``name`` and ``id_num`` required; card number and dates formats."""
    out: list[str] = []
    _check_text(out, rec, "name", True)
    _check_text(out, rec, "id_num", True, allow_int=True)
    _check_card_num(out, rec, allow_remove=False, remove_error=False)
    _check_dates(out, rec)
    return out


def check_fob_reassign(rec: Record) -> list[str]:
    """``PUT /fob``: ``id`` required; ``user_id`` 0 (unassign) or a user id; dates."""
    out: list[str] = []
    _check_pos_id(out, rec, "id", required=True)
    user_id = rec.get("user_id")
    if not (user_id is None or (type(user_id) is int and user_id >= 0)):
        n = _to_int(user_id)
        if _is_absent(user_id) or n is None:
            out.append(f"Non-Numeric user_id found: {_show(user_id)}")
        elif n < 0:
            out.append(f"user_id must be 0 (unassign) or a positive integer id: {_show(user_id)}")
    _check_card_num(out, rec, allow_remove=False, remove_error=False)
    _check_dates(out, rec)
    return out


def check_credential_update(rec: Record) -> list[str]:
    """``PUT /credential`` (fields undocumented): ``id`` required; card number; dates."""
    out: list[str] = []
    _check_pos_id(out, rec, "id", required=True)
    _check_card_num(out, rec, allow_remove=False, remove_error=False)
    _check_dates(out, rec)
    return out


# --------------------------------------------------------------------------- doors, levels, ...


def check_door(rec: Record) -> list[str]:
    """``POST /door``: ``name`` required (at most 100 characters); ``location_id`` if given."""
    out: list[str] = []
    name = rec.get("name")
    _check_text(out, rec, "name", True)
    if type(name) is str and len(name) > DOOR_NAME_MAX_LEN:
        out.append(f"name exceeds maximum length of {DOOR_NAME_MAX_LEN} characters: {_show(name)}")
    _check_pos_id(out, rec, "location_id", required=False)
    return out


def check_access_level(rec: Record) -> list[str]:
    """``POST /accesslevel``: ``name`` required; doors ``[{id, schedule_id?}]``, no repeats."""
    out: list[str] = []
    _check_text(out, rec, "name", True)
    _check_doors(out, rec, required=False, schedules=True, duplicates=True)
    return out


def check_location(rec: Record) -> list[str]:
    """``POST /location``: ``name`` and ``locationtype`` required."""
    out: list[str] = []
    _check_text(out, rec, "name", True)
    _check_pos_id(out, rec, "locationtype", required=True)
    return out


def check_id_only(rec: Record) -> list[str]:
    """Deletes (``/user``, ``/fob``, ``/door``, ``/credential``, ``/accesslevel``), ``/unlock``."""
    out: list[str] = []
    _check_pos_id(out, rec, "id", required=True)
    return out


def check_delegate(rec: Record) -> list[str]:
    """``POST /delegate``: both user ids, a non-empty door list and both dates, in order."""
    out: list[str] = []
    _check_pos_id(out, rec, "from_user_id", required=True)
    _check_pos_id(out, rec, "to_user_id", required=True)
    _check_doors(out, rec, required=True, schedules=False, duplicates=False)
    _check_dates(out, rec, required=True)
    return out


# --------------------------------------------------------------------------- duplicates


class DuplicateTracker:
    """Detects values repeated within one input (one tracker per import, or per page).

    A value is compared as a stripped string, case-sensitively, so ``123`` and
    ``"123"`` are the same; blank values and the card number ``-1`` (remove
    credentials) are never duplicates.
    """

    __slots__ = ("_fields", "_seen")

    def __init__(self, fields: tuple[str, ...]) -> None:
        self._fields = tuple(fields)
        self._seen: dict[str, set[str]] = {field: set() for field in self._fields}

    @property
    def fields(self) -> tuple[str, ...]:
        return self._fields

    def check(self, rec: Record) -> list[str]:
        """Messages for every field of ``rec`` already seen; records the new values."""
        out: list[str] = []
        seen = self._seen
        for field in self._fields:
            value: Any = rec.get(field)
            if type(value) is str:
                key = value.strip()
            elif type(value) is int and value.bit_length() <= 200:
                key = str(value)
            else:
                continue
            if not key or (key == "-1" and field == "card_num"):
                continue
            values = seen[field]
            if key in values:
                out.append(f"Duplicate {field} in input: {_show(key)}")
            else:
                values.add(key)
        return out

    def reset(self) -> None:
        """Forget every value seen so far."""
        for values in self._seen.values():
            values.clear()
