"""Field rules of the document's validation table, as fast pure functions.

Each ``check_*`` appends messages to a list and returns the normalised value,
so one record's errors are collected in one pass and nothing is compiled per
call: the simulator validates a hundred thousand records per benchmark.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# One reading of "Proper email format" / "Proper phone format" for the client and
# the simulator, so a record one accepts the other accepts.
from .._formats import email_format_ok, phone_format_ok

# Messages the document shows verbatim.
NO_DATA = "No data found or invalid JSON objects supplied. Could not parse input."
BATCH_FAILED = "Validation errors found. Batch has failed. Details provided."
# Our wording for validate_fails_batch=false (the document shows none).
BATCH_PARTIAL = "Validation errors found. Valid records processed. Details provided."
ACCESS_DENIED = "Access denied. Invalid API credentials."
RATE_LIMITED = "Rate limit exceeded: another write operation is in progress."

#: "Length versus system limit": the document gives no number, so these are this
#: simulator's default limits (``Simulator(length_limits=...)`` changes them).
DEFAULT_LENGTH_LIMITS: dict[str, int] = {"card_num": 20, "pin": 8}

_DATES: dict[tuple[str, ZoneInfo], datetime] = {}
_DATES_MAX = 4096


def batch_limit_message(limit: int) -> str:
    """The document's record-limit error for an instance limit of ``limit``."""
    return f"Batch size exceeds maximum of {limit} objects."


def text(value: Any) -> str:
    """A field as the server sees it: None/missing is blank, numbers become text."""
    if type(value) is str:  # the common case first: this runs ~10 times per record
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flag(value: Any, default: bool) -> bool:
    """An option or boolean field sent as a JSON boolean or as "true"/"false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no"):
            return False
    if isinstance(value, int):
        return value != 0
    return default


def required(record: dict[str, Any], field: str, errors: list[str]) -> str:
    """The document's "Missing or blank" rule."""
    value = text(record.get(field))
    if not value:
        errors.append(f"Missing or blank {field}")
    return value


def record_id(value: Any, errors: list[str], field: str = "id") -> int | None:
    """An id field: "Missing or blank" and "Non-Numeric" rules; -1 is allowed."""
    raw = text(value)
    if not raw:
        errors.append(f"Missing or blank {field}")
        return None
    try:
        return int(raw)
    except ValueError:
        errors.append(f"Non-Numeric {field} found: {raw}")
        return None


def stored_id(rec: Mapping[str, Any], store: Mapping[int, Any], errors: list[str]) -> int | None:
    """The record's ``id`` when ``store`` holds it; else None and the error (the
    :func:`record_id` rules, then "Id is not valid: N") appended to ``errors``."""
    ident = record_id(rec.get("id"), errors)
    if ident is not None and ident not in store:
        errors.append(f"Id is not valid: {ident}")
        return None
    return ident


def _length(field: str, raw: str, limits: Mapping[str, int], errors: list[str]) -> None:
    """The "Length versus system limit" row, with this instance's limit."""
    limit = limits.get(field)
    if limit is not None and len(raw) > limit:
        errors.append(f"{field} length exceeds system limit of {limit}: {raw}")


def card_num(value: Any, errors: list[str], limits: Mapping[str, int] | None = None) -> str:
    """card_num: "Non-Numeric" and "Length versus system limit"; "" when absent."""
    raw = text(value)
    if not raw or raw == "-1":
        return raw
    if not (raw.isascii() and raw.isdigit()):
        errors.append(f"Non-Numeric card_num found: {raw}")
    elif limits:
        _length("card_num", raw, limits, errors)
    return raw


def pin(value: Any, errors: list[str], limits: Mapping[str, int] | None = None) -> str:
    """pin: "Missing or blank", "Non-Numeric" and "Length versus system limit"."""
    raw = text(value)
    if not raw:
        errors.append("Missing or blank pin")
    elif not (raw.isascii() and raw.isdigit()):
        errors.append(f"Non-Numeric pin found: {raw}")
    elif limits:
        _length("pin", raw, limits, errors)
    return raw


def _formatted(
    value: Any, field: str, ok: Callable[[str], bool], invalid: str, errors: list[str]
) -> str:
    """A required field with a format: "Missing or blank <field>", else ``invalid: raw``."""
    raw = text(value)
    if not raw:
        errors.append(f"Missing or blank {field}")
    elif not ok(raw):
        errors.append(f"{invalid}: {raw}")
    return raw


def email(value: Any, errors: list[str]) -> str:
    """email: "Missing or blank", "Proper email format"."""
    return _formatted(value, "email", email_format_ok, "Invalid email address found", errors)


def phone(value: Any, errors: list[str]) -> str:
    """phone: "Missing or blank", "Proper phone format"."""
    return _formatted(value, "phone", phone_format_ok, "Invalid phone number found", errors)


def local_date(value: Any, field: str, zone: ZoneInfo, errors: list[str]) -> datetime | None:
    """A local wall time ``YYYY-MM-DD HH:MM:SS`` or "" ("Valid date format")."""
    raw = text(value)
    if not raw:
        return None
    # Imports repeat the same few dates: a small cache saves most of the parsing.
    hit = _DATES.get((raw, zone))
    if hit is not None:
        return hit
    # fromisoformat alone accepts too much ("T", offsets); the shape check keeps it strict.
    if len(raw) == 19 and raw[4] == "-" and raw[7] == "-" and raw[10] == " " and raw[13] == ":":
        try:
            parsed = datetime.fromisoformat(raw).replace(tzinfo=zone)
        except ValueError:
            pass
        else:
            if len(_DATES) >= _DATES_MAX:
                _DATES.clear()
            _DATES[raw, zone] = parsed
            return parsed
    errors.append(f"Invalid {field} date format: {raw}")
    return None


def date_order(
    effective: datetime | None,
    expires: datetime | None,
    errors: list[str],
    zone: ZoneInfo | None = None,
) -> None:
    """access_effective must be before access_expires; the document's example
    (POST /delegate) quotes the expires value in this message."""
    if effective is not None and expires is not None and effective >= expires:
        shown = (expires.astimezone(zone) if zone else expires).strftime("%Y-%m-%d %H:%M:%S")
        errors.append(f"Invalid access_effective date: {shown}, must be before access_expires")


def dates(rec: Any, zone: ZoneInfo, errors: list[str]) -> tuple[datetime | None, datetime | None]:
    """Both dates of a new record, checked for format and order."""
    eff = local_date(rec.get("access_effective"), "access_effective", zone, errors)
    exp = local_date(rec.get("access_expires"), "access_expires", zone, errors)
    date_order(eff, exp, errors, zone)
    return eff, exp


def date_changes(rec: Any, current: Any, zone: ZoneInfo, errors: list[str]) -> dict[str, Any]:
    """The dates a selective update supplies, checked against the ones it keeps."""
    changes = {
        key: local_date(rec[key], key, zone, errors)
        for key in ("access_effective", "access_expires")
        if key in rec
    }
    eff = changes.get("access_effective", current["access_effective"])
    exp = changes.get("access_expires", current["access_expires"])
    date_order(eff, exp, errors, zone)
    return changes


def not_past(expires: datetime | None, raw: Any, now: datetime, errors: list[str]) -> None:
    """access_expires cannot be in the past (PUT /user, POST /delegate)."""
    if expires is not None and expires < now:
        errors.append(f"Invalid access_expires date: {text(raw)}, cannot be in past")


def id_list(value: Any, field: str) -> list[Any] | None:
    """A list of ``{"id": n}`` objects, or None when it is not a list."""
    return value if isinstance(value, list) else None
