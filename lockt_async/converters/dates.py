"""Dates on the wire: the document's "various | VARIOUS" known issue, resolved.

Reading (``DateCodec.parse``):

- ``YYYY-MM-DD HH:MM:SS`` (no zone designator) is the instance's local wall time.
  It comes back aware in the instance's zone (``ZoneInfo``).
- ``YYYY-MM-DDTHH:MM:SS[.fff]Z`` and ``+00:00`` offsets are UTC; they come back
  aware in UTC. Other explicit offsets are honoured and converted to UTC.
- ``""`` and None are "no date" -> None. Anything else raises ``RecordError``
  naming the field.

Either way the instant is the one the server meant; only the tzinfo differs.
Beware two Python rules when comparing: datetimes sharing a tzinfo compare by
wall time, and (PEP 495) an ambiguous wall time never compares ``==`` to a
datetime in another zone. Compare ``.timestamp()`` or ``.astimezone(UTC)``.

DST rule for local wall times (PEP 495, ``fold=0``):

- a wall time that occurs twice (fall-back overlap) is read as the EARLIER instant;
- a wall time that never occurs (spring-forward gap) is read with the UTC offset
  in force before the gap, i.e. it lands ``gap length`` later on the wall clock:
  ``2024-03-10 02:30:00`` in America/New_York is read as 07:30 UTC (03:30 EDT).
  The returned datetime is normalised to that existing wall time.

Writing (``DateCodec.format``): an aware datetime is converted to the zone's wall
time and written ``YYYY-MM-DD HH:MM:SS`` (sub-seconds dropped). Both instants of
an overlap hence write the same wall time; the wire cannot say which was meant,
so reading it back gives the earlier one. A naive datetime raises
``NaiveDatetimeError`` naming the field.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import NaiveDatetimeError, RecordError

__all__ = ["DateCodec", "date_problem", "get_zone", "parse_time"]

_CACHE_MAX = 16384
_fromisoformat = datetime.fromisoformat
_HOUR_LAST = timedelta(seconds=3599)
_HOURS = tuple(f"{h:02d}:" for h in range(24))
_MINSECS = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))


@cache
def get_zone(key: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name, cached; ``RecordError`` when unknown."""
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RecordError(f"unknown time zone {key!r}", field="timezone") from exc


def _shown(value: str) -> str:
    """The value quoted in a message: its repr, cut to a readable length."""
    return repr(value) if len(value) <= 60 else repr(value[:57]) + "..."


def _where(field: str) -> str:
    return f"{field}: " if field else ""


_SHAPE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def date_problem(text: str) -> str | None:
    """What is impossible in a date string of the right shape, or None.

    ``"2026-02-30 08:00:00"`` -> ``"day 30 does not exist in February 2026"``.
    None when the string is not ``YYYY-MM-DD HH:MM:SS``-shaped (the format is
    then what is wrong) or when every part is possible.
    """
    m = _SHAPE.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups())
    if not MINYEAR <= year <= MAXYEAR:
        return f"year {year:04d} is out of range (0001-9999)"
    if not 1 <= month <= 12:
        return f"month {month} does not exist (01-12)"
    if day < 1:
        return f"day {day} does not exist"
    last = monthrange(year, month)[1]
    if day > last:
        return f"day {day} does not exist in {_MONTHS[month - 1]} {year} (it has {last} days)"
    if hour > 23:
        return f"hour {hour} is out of range (00-23)"
    if minute > 59:
        return f"minute {minute} is out of range (00-59)"
    if second > 59:
        return f"second {second} is out of range (00-59)"
    return None


def _out_of_range(value: object, field: str, zone: ZoneInfo) -> RecordError:
    return RecordError(
        f"{_where(field)}{value} is out of range: it cannot be expressed in the instance's "
        f"zone ({zone.key}); use a date between 0001-01-02 and 9999-12-30",
        field=field,
    )


def parse_time(value: object, field: str = "") -> time | None:
    """A schedule time of day, ``HH:MM:SS`` -> ``datetime.time``; ``""``/None -> None."""
    if value is None or value == "":
        return None
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise RecordError(f"{_where(field)}expected a time HH:MM:SS, got {value!r}", field=field)


class DateCodec:
    """Parses and formats the wire's dates for one instance's zone.

    Parsed strings are cached (datetimes are immutable; real data repeats dates
    such as midnights a lot), bounded at a few thousand entries.
    """

    __slots__ = ("_days", "_offsets", "cache", "zone")

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        #: Wire strings already parsed (``cache.get`` is the generated decoders' fast path).
        self.cache: dict[str, datetime] = {}
        self._days: dict[int, str] = {}
        self._offsets: dict[int, int] = {}

    # -- reading ---------------------------------------------------------

    def parse_str(self, value: str, field: str = "") -> datetime | None:
        """Parse one wire string (the hot path; cached)."""
        hit = self.cache.get(value)
        if hit is not None:
            return hit
        if value == "":
            return None
        result = self._parse_uncached(value, field, self.zone)
        cache = self.cache
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        cache[value] = result
        return result

    def parse(self, value: object, field: str = "") -> datetime | None:
        """Any accepted input -> aware datetime or None (see the module docstring).

        Accepts wire strings and aware ``datetime`` objects (returned unchanged).
        Raises ``NaiveDatetimeError`` for a naive datetime, ``RecordError`` otherwise.
        """
        if type(value) is str:
            return self.parse_str(value, field)
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise NaiveDatetimeError(_naive_message(value, field, self.zone), field=field)
            return value
        raise RecordError(
            f"{_where(field)}expected a date string or an aware datetime, got "
            f"{type(value).__name__} {value!r}",
            field=field,
        )

    def parse_local(self, value: object, zone: ZoneInfo, field: str = "") -> datetime | None:
        """Like ``parse`` but local wall times are read in ``zone`` (``GET /time``)."""
        if type(value) is str:
            return None if value == "" else self._parse_uncached(value, field, zone)
        return self.parse(value, field)

    @staticmethod
    def _parse_uncached(value: str, field: str, zone: ZoneInfo) -> datetime:
        try:
            dt = _fromisoformat(value)
        except ValueError:
            problem = date_problem(value)
            if problem is not None:
                raise RecordError(f"{_where(field)}{value}: {problem}", field=field) from None
            raise RecordError(
                f"{_where(field)}expected YYYY-MM-DD HH:MM:SS or YYYY-MM-DDTHH:MM:SSZ, "
                f"got {_shown(value)}",
                field=field,
            ) from None
        tz = dt.tzinfo
        try:
            if tz is None:
                return localize(dt, zone)
            if tz is UTC:
                return dt
            return dt.astimezone(UTC)
        except OverflowError:
            raise _out_of_range(value, field, zone) from None

    # -- writing ---------------------------------------------------------

    def format(self, value: datetime, field: str = "") -> str:
        """An aware datetime -> the zone's wall time ``YYYY-MM-DD HH:MM:SS``.

        Raises ``NaiveDatetimeError`` for a naive datetime and ``RecordError`` for
        a non-datetime. A wire string is accepted and re-written canonically.
        """
        # Fast path: build the string from cached day strings and a table of
        # times, instead of isoformat()/strftime() (which call utcoffset()).
        if type(value) is datetime:
            tz = value.tzinfo
            if tz is self.zone:
                ordinal = value.toordinal()
                secs = value.hour * 3600 + value.minute * 60 + value.second
            elif tz is UTC:
                ordinal = value.toordinal()
                hour = value.hour
                offset = self._offsets.get(ordinal * 24 + hour)
                if offset is None:
                    return self._format_slow(value, field)
                secs = hour * 3600 + value.minute * 60 + value.second + offset
                if secs < 0:
                    secs += 86400
                    ordinal -= 1
                elif secs >= 86400:
                    secs -= 86400
                    ordinal += 1
            else:
                return self._format_slow(value, field)
            day = self._days.get(ordinal)
            if day is None:
                try:
                    day = self._day(ordinal)
                except ValueError:  # the local day falls before year 1 or after 9999
                    raise _out_of_range(value.isoformat(), field, self.zone) from None
            return day + _HOURS[secs // 3600] + _MINSECS[secs % 3600]
        return self._format_slow(value, field)

    def _day(self, ordinal: int) -> str:
        days = self._days
        if len(days) >= _CACHE_MAX:
            days.clear()
        text = days[ordinal] = date.fromordinal(ordinal).isoformat() + " "
        return text

    def _format_slow(self, value: object, field: str) -> str:
        if isinstance(value, datetime):
            zone = self.zone
            if value.tzinfo is None or value.utcoffset() is None:
                raise NaiveDatetimeError(_naive_message(value, field, zone), field=field)
            try:
                if value.tzinfo is UTC and type(value) is datetime:
                    self._learn_offset(value)
                return value.astimezone(zone).isoformat(" ", "seconds")[:19]
            except OverflowError:  # year 1 or 9999 pushed past the calendar by an offset
                raise _out_of_range(value.isoformat(), field, zone) from None
        if isinstance(value, str):
            parsed = self.parse_str(value, field)
            return "" if parsed is None else self.format(parsed, field)
        raise RecordError(
            f"{_where(field)}expected an aware datetime, got {type(value).__name__} {value!r}",
            field=field,
        )

    def _learn_offset(self, value: datetime) -> None:
        """Remember the zone's offset for this UTC hour, if it is the same all hour."""
        start = value.replace(minute=0, second=0, microsecond=0)
        first = start.astimezone(self.zone).utcoffset()
        last = (start + _HOUR_LAST).astimezone(self.zone).utcoffset()
        if first is None or first != last or first.microseconds:
            return
        offsets = self._offsets
        if len(offsets) >= _CACHE_MAX:
            offsets.clear()
        offsets[value.toordinal() * 24 + value.hour] = first.days * 86400 + first.seconds


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach ``zone`` to a wall time by the module's DST rule (fold=0, gaps normalised)."""
    local = naive.replace(tzinfo=zone, fold=0)
    off0 = local.utcoffset()
    off1 = local.replace(fold=1).utcoffset()
    if off0 is not None and off1 is not None and off0 < off1:
        # A spring-forward gap: the wall time does not exist. fold=0 reads it with
        # the offset before the gap; normalise to the existing wall time.
        return local.astimezone(UTC).astimezone(zone)
    return local


def _naive_message(value: datetime, field: str, zone: ZoneInfo) -> str:
    name = field or "datetime"
    return (
        f"{name}: naive datetime {value.isoformat(' ')} has no timezone; the API needs an "
        f"instant. Attach a timezone, e.g. dt.replace(tzinfo=ZoneInfo({zone.key!r})), "
        f"or use datetime.now(UTC)."
    )
