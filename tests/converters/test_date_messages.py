"""Date messages say what is wrong, not the format again (issue 15, "Date messages")."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from lockt_async import RecordError
from lockt_async._validation import check_user
from lockt_async.converters.dates import DateCodec, date_problem
from lockt_async.testing import Simulator
from tests.support import user_record

pytestmark = pytest.mark.anyio

NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-02-30 08:00:00", "day 30 does not exist in February 2026 (it has 28 days)"),
        ("2024-02-30 08:00:00", "day 30 does not exist in February 2024 (it has 29 days)"),
        ("2025-04-31T00:00:00Z", "day 31 does not exist in April 2025 (it has 30 days)"),
        ("2026-00-10 08:00:00", "month 0 does not exist (01-12)"),
        ("2026-13-01 08:00:00", "month 13 does not exist (01-12)"),
        ("2026-01-00 08:00:00", "day 0 does not exist"),
        ("0000-01-01 00:00:00", "year 0000 is out of range (0001-9999)"),
        ("2026-01-01 24:00:00", "hour 24 is out of range (00-23)"),
        ("2026-01-01 23:60:00", "minute 60 is out of range (00-59)"),
        ("2026-01-01 23:00:61", "second 61 is out of range (00-59)"),
    ],
)
def test_date_problem_names_the_impossible_part(text: str, problem: str) -> None:
    """Issue 15: an impossible day/month/time is named, with the month's length."""
    assert date_problem(text) == problem


@pytest.mark.parametrize("text", ["2024-02-29 08:00:00", "tomorrow", "2026-1-1 8:00", ""])
def test_date_problem_none_when_possible_or_misshapen(text: str) -> None:
    """Issue 15: a possible date, or one of the wrong shape, has no 'impossible part'."""
    assert date_problem(text) is None


def test_validation_message_says_the_day_does_not_exist() -> None:
    """Issue 15: "2026-02-30 08:00:00" is reported as a missing day, not a format error."""
    rec = user_record(1, access_effective="2026-02-30 08:00:00")
    assert check_user(rec) == [
        "Invalid access_effective date: 2026-02-30 08:00:00: "
        "day 30 does not exist in February 2026 (it has 28 days)"
    ]


def test_validation_keeps_the_format_message_for_a_wrong_shape() -> None:
    """user | POST | access_effective | Valid date format: a wrong shape still says 'format'."""
    rec = user_record(1, access_effective="30/02/2026")
    assert check_user(rec) == ["Invalid access_effective date format: 30/02/2026"]


def test_codec_parse_names_the_missing_day() -> None:
    """Issue 15: parsing an impossible ISO date raises RecordError naming field and day."""
    with pytest.raises(RecordError, match="access_expires: 2026-02-30T08:00:00Z: day 30") as e:
        DateCodec(NY).parse("2026-02-30T08:00:00Z", "access_expires")
    assert e.value.field == "access_expires"


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        datetime(1, 1, 1, tzinfo=UTC),
        "9999-12-31T23:00:00-05:00",
    ],
)
def test_codec_out_of_range_is_a_record_error(value: object) -> None:
    """Issue 15: a date the zone cannot express is 'out of range', never an OverflowError."""
    codec = DateCodec(NY)

    def write() -> str:
        given = codec.parse(value, "access_effective")
        assert given is not None
        return codec.format(given, "access_effective")

    with pytest.raises(RecordError, match=r"access_effective: .* is out of range") as e:
        write()
    assert "America/New_York" in str(e.value) and e.value.field == "access_effective"


async def test_bulk_write_reports_far_and_impossible_dates_as_invalid() -> None:
    """Issue 15: far and impossible dates are invalid rows; the good row is still written."""
    sim = Simulator()
    records = [
        user_record(1, access_effective="0001-01-01T00:00:00Z"),
        user_record(2, access_effective=datetime(1, 1, 1, tzinfo=UTC)),
        user_record(3, access_effective="2026-02-30 08:00:00"),
        user_record(4),
    ]
    async with sim.client() as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
    assert [(f.index, str(f.reason)) for f in result.failures] == [
        (0, "invalid"),
        (1, "invalid"),
        (2, "invalid"),
    ]
    assert "out of range" in result.failures[0].messages[0]
    assert "out of range" in result.failures[1].messages[0]
    assert "day 30 does not exist in February 2026" in result.failures[2].messages[0]
    assert [u["id_num"] for u in sim.users.values()] == ["EMP000004"]
