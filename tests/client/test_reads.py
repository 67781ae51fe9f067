"""Every read endpoint of the catalogue: the right request, the document's example parsed.

Field-by-field parsing of each example lives in tests/models/test_examples.py; here
each client method is fed the document's example response over HTTP (respx) and the
test pins the path, the query and the parsed result, dates included.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from lockt_async import LocktClient, NotFoundError, RecordError
from tests.models import fixtures as doc

pytestmark = pytest.mark.anyio

BASE = "https://lockt.test/api/v1"
Call = Callable[[LocktClient], Awaitable[Any]]
Check = Callable[[Any], None]


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


CASES: list[tuple[str, Call, str, dict[str, str], Any, Check]] = [
    (
        "about",
        lambda c: c.about(),
        "/about",
        {},
        doc.ABOUT,
        lambda r: r.version == "1.1.0" and r.release_date == "Jul 10, 2022",
    ),
    (
        "access_levels.list",
        lambda c: c.access_levels.list(),
        "/accesslevel",
        {},
        doc.ACCESS_LEVELS,
        lambda r: [a.id for a in r] == [208, 212, 512, 574] and r[0].doors[1].name == "Front Door",
    ),
    (
        "access_levels.get",
        lambda c: c.access_levels.get(name="Security"),
        "/accesslevel",
        {"name": "Security"},
        doc.ACCESS_LEVELS[:1],
        lambda r: r.id == 208,
    ),
    (
        "credentials.list",
        lambda c: c.credentials.list(),
        "/credential",
        {},
        doc.CREDENTIALS,
        lambda r: r[0].user.name == "User, Test" and r[0].access_effective is None,
    ),
    (
        "credentials.list(user_id)",
        lambda c: c.credentials.list(user_id=12345),
        "/credential",
        {"user_id": "12345"},
        doc.CREDENTIALS[:1],
        lambda r: r[0].card_num == "1003",
    ),
    (
        "credentials.get(id)",
        lambda c: c.credentials.get(id=335),
        "/credential",
        {"id": "335"},
        doc.CREDENTIALS[:1],
        lambda r: r.claim_status == "Claimed",
    ),
    (
        "credentials.get(card_num)",
        # The document's example answers card 1003 (its query says 8001); a lookup
        # only returns the row it asked for, so the test asks for 1003.
        lambda c: c.credentials.get(card_num=1003),
        "/credential",
        {"card_num": "1003"},
        doc.CREDENTIALS[:1],
        lambda r: r.id == 335,
    ),
    (
        "credentials.summary",
        lambda c: c.credentials.summary(),
        "/credentialsummary",
        {},
        doc.CREDENTIAL_SUMMARY,
        lambda r: (r.credentials, r.claimed, r.unclaimed) == (31, 13, 18),
    ),
    (
        "delegates.list",
        lambda c: c.delegates.list(),
        "/delegate",
        {},
        doc.DELEGATES,
        lambda r: r[0].access_effective == _utc(2022, 9, 8, 15) and r[0].doors[0].id == 187,
    ),
    (
        "doors.list",
        lambda c: c.doors.list(),
        "/door",
        {},
        doc.DOORS,
        lambda r: [d.id for d in r] == [166, 174, 603] and r[0].enabled is True,
    ),
    (
        "doors.list(user_id)",
        lambda c: c.doors.list(user_id=12345),
        "/door",
        {"user_id": "12345"},
        doc.DOORS,
        lambda r: r[0].location == "Main Hall",
    ),
    (
        "doors.list(id_num)",
        lambda c: c.doors.list(id_num="ZZ123"),
        "/door",
        {"id_num": "ZZ123"},
        doc.DOORS,
        lambda r: r[2].name == "Maintenance Office",
    ),
    (
        "doors.state",
        lambda c: c.doors.state(),
        "/doorstate",
        {},
        doc.DOORSTATE,
        lambda r: r[0].battery_level == 64,
    ),
    (
        "doors.state(low_battery)",
        lambda c: c.doors.state(low_battery=40),
        "/doorstate",
        {"low_battery": "40"},
        doc.DOORSTATE,
        lambda r: r[0].name == "Room 1",
    ),
    (
        "events.list",
        lambda c: c.events.list(),
        "/events",
        {},
        doc.EVENTS,
        lambda r: (
            [e.id for e in r] == [837, 864, 865]
            and r[2].event_time == _utc(2021, 11, 18, 16, 15, 28)
        ),
    ),
    (
        "events.list(after_id)",
        lambda c: c.events.list(after_id=17249),
        "/events",
        {"id": "17249"},
        doc.EVENTS,
        lambda r: r[-1].db_time.microsecond == 651000,
    ),
    (
        "fobs.list",
        lambda c: c.fobs.list(),
        "/fob",
        {},
        doc.FOBS,
        lambda r: r[0].access_effective == _utc(2022, 7, 10, 9),
    ),
    (
        "fobs.get(id)",
        lambda c: c.fobs.get(id=443),
        "/fob",
        {"id": "443"},
        doc.FOBS[:1],
        lambda r: r.name == "Office Floor 1 FOB 1",
    ),
    (
        "fobs.get(name)",
        lambda c: c.fobs.get(name="Office Floor 1 FOB 1"),
        "/fob",
        {"name": "Office Floor 1 FOB 1"},
        doc.FOBS[:1],
        lambda r: r.id == 443,
    ),
    (
        "fobs.get(card_num)",
        lambda c: c.fobs.get(card_num="10000"),
        "/fob",
        {"card_num": "10000"},
        doc.FOBS[:1],
        lambda r: r.id == 443,
    ),
    (
        "fobs.get(id_num)",
        lambda c: c.fobs.get(id_num="10000"),
        "/fob",
        {"id_num": "10000"},
        doc.FOBS[:1],
        lambda r: r.id == 443,
    ),
    (
        "locations.list",
        lambda c: c.locations.list(),
        "/location",
        {},
        doc.LOCATIONS,
        lambda r: r[1].name == "Headquarters" and r[1].type == "Campus",
    ),
    (
        "locations.types",
        lambda c: c.locations.types(),
        "/locationtype",
        {},
        doc.LOCATION_TYPES,
        lambda r: [t.name for t in r] == ["Building", "Floor"],
    ),
    (
        "object_schema",
        lambda c: c.object_schema("location"),
        "/object",
        {"type": "location"},
        doc.OBJECT_PROPERTIES,
        lambda r: r[0].property == "id" and r[0].datatype == "integer",
    ),
    (
        "schedules.list",
        lambda c: c.schedules.list(),
        "/schedule",
        {},
        doc.SCHEDULES,
        lambda r: r[0].days == (0, 1, 2, 3, 4) and str(r[0].stop) == "16:59:59",
    ),
    (
        "users.list",
        lambda c: c.users.list(),
        "/user",
        {},
        doc.USERS,
        lambda r: r[1].custom2 == "Custom Text" and r[1].access_expires == _utc(2022, 5, 5, 12),
    ),
    (
        "users.get(id)",
        lambda c: c.users.get(id=1693),
        "/user",
        {"id": "1693"},
        doc.USER_BY_ID,
        lambda r: r.accesslevels[0].id == 364 and r.credentials[1].fob is True,
    ),
    (
        "users.get(id_num)",
        lambda c: c.users.get(id_num="329359"),
        "/user",
        {"id_num": "329359"},
        doc.USER_BY_ID,
        lambda r: r.email == "susan.brown@web.place",
    ),
    (
        "time",
        lambda c: c.time(),
        "/time",
        {},
        doc.TIME,
        lambda r: r.datetime_utc == _utc(2022, 11, 11, 20, 17, 45, 50000) and r.offset == -5,
    ),
]

FLAG_CASES: list[tuple[str, Call, str]] = [
    (
        "users.list_missing_credentials",
        lambda c: c.users.list_missing_credentials(),
        "missingcreds",
    ),
    ("users.list_privileged", lambda c: c.users.list_privileged(), "privileged"),
    ("users.list_installers", lambda c: c.users.list_installers(), "installers"),
]


def _client() -> LocktClient:
    return LocktClient("u", "k", base_url=BASE, timezone="America/New_York")


@pytest.mark.parametrize(
    ("name", "call", "path", "params", "data", "check"), CASES, ids=[c[0] for c in CASES]
)
async def test_read_endpoint(
    name: str, call: Call, path: str, params: dict[str, str], data: Any, check: Check
) -> None:
    """Endpoint catalogue: each read sends its documented path and query, parses the example."""
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get(BASE + path).mock(return_value=httpx.Response(200, json={"data": data}))
        async with _client() as lockt:
            result = await call(lockt)
    assert dict(route.calls.last.request.url.params) == params
    assert check(result)


@pytest.mark.parametrize(("name", "call", "flag"), FLAG_CASES, ids=[c[0] for c in FLAG_CASES])
async def test_flag_queries(name: str, call: Call, flag: str) -> None:
    """GET /user?missingcreds|privileged|installers: a bare flag, as the document writes it."""
    with respx.mock() as mock:
        route = mock.get(url__regex=r".*/user\?" + flag + "$").mock(
            return_value=httpx.Response(200, json={"data": doc.USERS})
        )
        async with _client() as lockt:
            users = await call(lockt)
    assert route.called
    assert [u.id for u in users] == [5678, 6789]


async def test_utility_endpoints_are_read_only_mappings() -> None:
    """/ping, /settings, /site, /maintenance: undocumented shapes as read-only mappings."""
    with respx.mock() as mock:
        for path in ("ping", "settings", "site", "maintenance"):
            mock.get(f"{BASE}/{path}").mock(
                return_value=httpx.Response(200, json={"data": {"name": path}})
            )
        mock.get(f"{BASE}/object?listtypes").mock(
            return_value=httpx.Response(200, json={"data": [{"object": "door"}, {"object": "fob"}]})
        )
        async with _client() as lockt:
            for getter in (lockt.ping, lockt.settings, lockt.site, lockt.maintenance):
                got = await getter()
                with pytest.raises(TypeError):
                    got["name"] = "x"  # type: ignore[index]
            assert await lockt.object_types() == ["door", "fob"]


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.users.get(id=""),
        lambda c: c.users.get(id_num="  "),
        lambda c: c.users.get(id="abc"),
        lambda c: c.users.get(),
        lambda c: c.users.get(id=1, id_num="x"),
        lambda c: c.fobs.get(name=""),
        lambda c: c.credentials.get(card_num=""),
        lambda c: c.doors.list(user_id=""),
        lambda c: c.access_levels.get(name=""),
        lambda c: c.object_schema(""),
    ],
)
async def test_blank_identifiers_refused_before_any_request(call: Call) -> None:
    """Known defect: a blank id/id_num returns every user, so it is refused before sending."""
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route().mock(return_value=httpx.Response(500))
        async with _client() as lockt:
            with pytest.raises(RecordError):
                await call(lockt)
    assert not route.called


@pytest.mark.parametrize("answer", [httpx.Response(200, json={"data": []}), httpx.Response(404)])
async def test_lookup_without_record_is_not_found(answer: httpx.Response) -> None:
    """Status 404, or an empty data list, for a single lookup raises NotFoundError."""
    with respx.mock() as mock:
        mock.get(f"{BASE}/user").mock(return_value=answer)
        async with _client() as lockt:
            with pytest.raises(NotFoundError, match="id_num='nobody'"):
                await lockt.users.get(id_num="nobody")
