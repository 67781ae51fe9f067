"""The date converter's DST rule (converters/dates.py docstring) over several zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockt_async.converters import make_converter
from lockt_async.converters.dates import DateCodec

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
    "Pacific/Apia",
]
LOW = datetime(1990, 1, 1, tzinfo=UTC)
HIGH = datetime(2045, 1, 1, tzinfo=UTC)


@cache
def transitions(key: str) -> tuple[datetime, ...]:
    """UTC instants where the zone's offset changes, found by a daily scan and bisection."""
    zone = ZoneInfo(key)
    found = []
    day = timedelta(days=1)
    t = LOW
    prev = t.astimezone(zone).utcoffset()
    while t < HIGH:
        nxt = t + day
        off = nxt.astimezone(zone).utcoffset()
        if off != prev:
            lo, hi = t, nxt
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            found.append(hi.replace(microsecond=0))
        prev, t = off, nxt
    return tuple(found)


@st.composite
def instants(draw: st.DrawFn, key: str) -> datetime:
    """Second-precision UTC instants, half of them within a day of a transition."""
    marks = transitions(key)
    if marks and draw(st.booleans()):
        base = draw(st.sampled_from(marks))
        return base + timedelta(seconds=draw(st.integers(-26 * 3600, 26 * 3600)))
    secs = draw(st.integers(0, int((HIGH - LOW).total_seconds())))
    return LOW + timedelta(seconds=secs)


def is_overlap(local: datetime) -> bool:
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


@pytest.mark.parametrize("key", ZONES)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_write_then_read(key: str, data: st.DataObject) -> None:
    """Instants round-trip; an overlap wall time reads back as the earlier (fold=0) instant."""
    conv = make_converter(key)
    zone = ZoneInfo(key)
    instant = data.draw(instants(key))
    for given_as in (instant, instant.astimezone(zone)):
        wire = conv.format_datetime(given_as, field="x")
        back = conv.parse_datetime(wire, field="x")
        assert back is not None and back.tzinfo is zone
        local = instant.astimezone(zone)
        if is_overlap(local):
            earlier = local.replace(fold=0)
            assert back.timestamp() == earlier.timestamp()
            assert earlier.timestamp() <= instant.timestamp()
        else:
            assert back.timestamp() == instant.timestamp()
        assert wire == local.strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("key", ZONES)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_wall_time_reads_fold0(key: str, data: st.DataObject) -> None:
    """Any wall time (gaps too) reads as PEP 495 fold=0, normalised to an existing wall time."""
    zone = ZoneInfo(key)
    codec = DateCodec(zone)
    instant = data.draw(instants(key))
    wall = instant.astimezone(zone) + timedelta(seconds=data.draw(st.integers(-7200, 7200)))
    naive = wall.replace(tzinfo=None)
    got = codec.parse(naive.isoformat(" "))
    assert got is not None
    expected = naive.replace(tzinfo=zone, fold=0)
    assert got.timestamp() == expected.timestamp()
    # normalised: the wall time handed out exists (converting through UTC keeps it)
    assert got.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == got.replace(tzinfo=None)


def test_gap_example() -> None:
    """DST rule example: New York 2024-03-10 02:30 (a gap) reads as 07:30Z = 03:30 EDT."""
    got = make_converter("America/New_York").parse_datetime("2024-03-10 02:30:00")
    assert got == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)
    assert got is not None and (got.hour, got.minute) == (3, 30)


def test_overlap_example() -> None:
    """DST rule example: New York 2024-11-03 01:30 (twice) reads as the earlier, 05:30Z (EDT)."""
    conv = make_converter("America/New_York")
    got = conv.parse_datetime("2024-11-03 01:30:00")
    assert got is not None and got.fold == 0
    # PEP 495: an ambiguous wall time never compares == across zones; compare instants.
    assert got.timestamp() == datetime(2024, 11, 3, 5, 30, tzinfo=UTC).timestamp()
    second = datetime(2024, 11, 3, 6, 30, tzinfo=UTC)  # the EST 01:30
    assert conv.format_datetime(second) == "2024-11-03 01:30:00"


def test_lord_howe_half_hour_gap() -> None:
    """Australia/Lord_Howe's 30-minute gap: 2023-10-01 02:15 reads with +10:30, i.e. 02:45 +11."""
    got = make_converter("Australia/Lord_Howe").parse_datetime("2023-10-01 02:15:00")
    assert got == datetime(2023, 9, 30, 15, 45, tzinfo=UTC)


def test_apia_skipped_day() -> None:
    """Pacific/Apia skipped 2011-12-30: a wall time that day moves forward by the 24 h gap."""
    got = make_converter("Pacific/Apia").parse_datetime("2011-12-30 12:00:00")
    assert got is not None
    assert got.replace(tzinfo=None) == datetime(2011, 12, 31, 12, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-07-10T09:00:00.000Z", datetime(2022, 7, 10, 9, tzinfo=UTC)),
        ("2022-07-10T09:00:00Z", datetime(2022, 7, 10, 9, tzinfo=UTC)),
        ("2022-07-10T09:00:00+00:00", datetime(2022, 7, 10, 9, tzinfo=UTC)),
        ("2022-07-10T11:00:00+02:00", datetime(2022, 7, 10, 9, tzinfo=UTC)),
        ("2022-07-10 05:00:00", datetime(2022, 7, 10, 9, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_parse_formats(text: str | None, expected: datetime | None) -> None:
    """NOTES.md Dates: both wire formats (ms and offsets too); "" and None are no date."""
    got = make_converter("America/New_York").parse_datetime(text)
    assert got == expected
    if got is not None:
        assert got.tzinfo is not None
        assert got.tzinfo is UTC or "T" not in (text or "")
