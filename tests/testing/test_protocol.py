"""Transport-level rules: auth, record limit, envelopes, options, dates, reads, defects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from lockt_async.testing import Simulator
from tests.models import fixtures as doc

from .conftest import BASE_URL, new_user, subset

pytestmark = pytest.mark.anyio

NO_DATA = {
    "data": {"error": "No data found or invalid JSON objects supplied. Could not parse input."}
}
DENIED = {"data": {"error": "Access denied. Invalid API credentials."}}


@pytest.mark.parametrize(
    "headers", [{}, {"apiuser": "sim-user"}, {"apiuser": "sim-user", "apikey": "wrong"}]
)
async def test_auth_denied(sim: Simulator, headers: dict[str, str]) -> None:
    """Status 401: missing or wrong apiuser/apikey headers."""
    async with httpx.AsyncClient(transport=sim.transport(), base_url=BASE_URL) as c:
        r = await c.get("/user", headers=headers)
    assert (r.status_code, r.json()) == (401, DENIED)


async def test_key_revoked_mid_import(client: httpx.AsyncClient, sim: Simulator) -> None:
    """Status 401 after the instance's key changes; nothing applied."""
    assert (await client.post("/user", json={"users": [new_user()]})).status_code == 200
    sim.api_key = "rotated"
    r = await client.post(
        "/user", json={"users": [new_user(id_num="N2", email="n2@web.place", card_num="")]}
    )
    assert r.status_code == 401
    assert "N2" not in sim.instance.user_by_id_num


async def test_record_limit(client: httpx.AsyncClient, sim: Simulator) -> None:
    """POST Operation Record Limit: "Batch size exceeds maximum of X objects.", nothing applied."""
    users = [new_user(id_num=f"N{i}", email=f"n{i}@web.place", card_num="") for i in range(101)]
    r = await client.post("/user", json={"users": users})
    assert (r.status_code, r.json()) == (
        400,
        {"data": {"error": "Batch size exceeds maximum of 100 objects."}},
    )
    sim.record_limit = 3
    r = await client.post("/user", json={"users": users[:4]})
    assert r.json() == {"data": {"error": "Batch size exceeds maximum of 3 objects."}}
    assert (await client.post("/user", json={"users": users[:3]})).status_code == 200
    assert len(sim.users) == 5 + 3


@pytest.mark.parametrize(
    "content", [b"", b"{not json", b'{"users": []}', b'{"fobs": [{"id": 1}]}', b"[1, 2]"]
)
async def test_no_data(client: httpx.AsyncClient, content: bytes) -> None:
    """Message: No data found or invalid JSON objects supplied. Could not parse input."""
    r = await client.post("/user", content=content)
    assert (r.status_code, r.json()) == (400, NO_DATA)


async def test_validate_fails_batch_true(client: httpx.AsyncClient, sim: Simulator) -> None:
    """validate_fails_batch=true: one error fails the entire batch."""
    users = [new_user(), new_user(id_num="N2", first_name="", email="n2@web.place", card_num="")]
    r = await client.post("/user", json={"users": users, "options": {"validate_fails_batch": True}})
    assert r.status_code == 400
    assert len(r.json()["errors"]) == 1
    assert "NEW-1" not in sim.instance.user_by_id_num


async def test_validate_fails_batch_false(client: httpx.AsyncClient, sim: Simulator) -> None:
    """validate_fails_batch=false: records passing validation are processed."""
    bad = new_user(id_num="N2", first_name="", email="n2@web.place", card_num="")
    body = {"users": [new_user(), bad], "options": {"validate_fails_batch": "false"}}
    r = await client.post("/user", json=body)
    assert r.status_code == 200
    assert r.json() == {
        "data": {"submitted": 2, "inserted": 1, "updated": 0, "errors": 1},
        "result": ["Validation errors found. Valid records processed. Details provided."],
        "errors": [{"error": ["Missing or blank first_name"], "input_data": bad}],
    }
    assert "NEW-1" in sim.instance.user_by_id_num


async def test_options_json_booleans(client: httpx.AsyncClient, sim: Simulator) -> None:
    """options: JSON booleans are accepted like the "true"/"false" strings."""
    record = new_user(id=1693, id_num="329359", email="susan.brown@web.place", last_name="B")
    body = {"users": [record], "options": {"update_existing": True, "replace_privileges": False}}
    assert (await client.post("/user", json=body)).json()["data"]["updated"] == 1


async def test_unknown_path(client: httpx.AsyncClient) -> None:
    """Status 404: the resource was not found."""
    assert (await client.get("/nothing")).status_code == 404
    assert (await client.post("/schedule", json={"x": [1]})).status_code == 404


async def test_dates_written_local_read_per_endpoint(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    """various | VARIOUS: written local; users/fobs/credentials read UTC, delegates local."""
    user = new_user(access_effective="2023-01-15 08:00:00", access_expires="2099-07-01 17:30:00")
    await client.post("/user", json={"users": [user]})
    (row,) = (await client.get("/user", params={"id_num": "NEW-1"})).json()["data"]
    assert (row["access_effective"], row["access_expires"]) == (
        "2023-01-15T13:00:00.000Z",  # EST, UTC-5
        "2099-07-01T21:30:00.000Z",  # EDT, UTC-4
    )
    stored = sim.users[row["id"]]["access_effective"]
    assert stored.tzinfo is sim.timezone and stored.hour == 8
    assert row["credentials"][0]["card_num"] == "5588"
    (cred,) = (await client.get("/credential", params={"card_num": "5588"})).json()["data"]
    assert cred["access_effective"] == ""
    grant = {
        "from_user_id": 1693,
        "to_user_id": row["id"],
        "doors": [{"id": 166}],
        "access_effective": "2099-01-02 03:04:05",
        "access_expires": "2099-01-03 03:04:05",
    }
    await client.post("/delegate", json={"delegates": [grant]})
    delegate = (await client.get("/delegate")).json()["data"][-1]
    assert delegate["access_effective"] == "2099-01-02 03:04:05"


async def test_time(client: httpx.AsyncClient, sim: Simulator) -> None:
    """/time: datetime_utc, timezone, datetime_local, offset in a one-element list."""
    (row,) = (await client.get("/time")).json()["data"]
    assert row["timezone"] == "America/New_York"
    utc = datetime.strptime(row["datetime_utc"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    local = datetime.strptime(row["datetime_local"], "%Y-%m-%d %H:%M:%S")
    assert row["offset"] in (-4, -5)
    assert abs((local - utc.replace(tzinfo=None)).total_seconds() / 3600 - row["offset"]) < 0.01


async def test_events_stream(client: httpx.AsyncClient, sim: Simulator) -> None:
    """/events?id=[id]: events after the last id, ascending; /events newest first."""
    added = sim.add_event(user="Doe, Jane", hw_time=datetime(2024, 1, 2, 3, 4, 5, 678000, UTC))
    assert added["id"] == 866 and added["hw_time"] == "2024-01-02T03:04:05.678Z"
    ids = [e["id"] for e in (await client.get("/events", params={"id": 864})).json()["data"]]
    assert ids == [865, 866]
    ids = [e["id"] for e in (await client.get("/events")).json()["data"]]
    assert ids == [866, 865, 864, 837]


EXAMPLES: list[tuple[str, Any]] = [
    ("/about", {"version": "1.1.0", "release_date": "Jul 10, 2022"}),
    (
        "/accesslevel?name=Security",
        [
            {
                "id": 208,
                "name": "Security",
                "doors": [{"id": 983, "name": "Office Door"}, {"id": 1087, "name": "Front Door"}],
            }
        ],
    ),
    (
        "/delegates",
        [doc.DELEGATES[0], {"id": 647936}],
    ),
    (
        "/credential?id=335",
        doc.CREDENTIALS[:1],
    ),
    (
        "/door?user_id=1693",
        [
            {
                "id": 166,
                "type": "Access Controlled Door",
                "name": "Office Supplies",
                "location": "Main Hall",
                "enabled": True,
            },
            {"id": 187},
            {"id": 446},
        ],
    ),
    (
        "/doorstate",
        [
            {"id": 187, "name": "Room 1", "battery_level": 64},
            {"id": 446, "name": "Room 2", "battery_level": 74},
            {"id": 611127, "name": "Room 3", "battery_level": 99},
        ],
    ),
    ("/doorstate?low_battery=70", [{"id": 187, "battery_level": 64}]),
    (
        "/events?id=864",
        [
            {
                "id": 865,
                "device": "Core 1",
                "code": 49,
                "subcode": 104,
                "user": "Jones, Adam",
                "hw_time": "2021-11-18T16:15:28.000Z",
                "db_time": "2021-11-19T00:47:09.651Z",
            }
        ],
    ),
    (
        "/fob?id=443",
        [
            {
                "id": 443,
                "id_num": "10000",
                "name": "Office Floor 1 FOB 1",
                "card_num": "10000",
                "credential_key": "XXXX-XXXX-XXXX-XXXX",
                "enabled": False,
                "access_effective": "2022-07-10T09:00:00.000Z",
                "access_expires": "2022-07-10T12:00:00.000Z",
                "accesslevels": [],
            }
        ],
    ),
    ("/fob?card_num=11000", [{"id": 232, "name": "Office Floor 2 FOB 1"}]),
    (
        "/location",
        [
            {"id": 123456, "name": "North Region", "type": "Region", "enabled": False},
            {"id": 123457},
            {"id": 123458},
        ],
    ),
    ("/locationtype", [{"id": 23981, "name": "Building"}, {"id": 1345, "name": "Floor"}]),
    (
        "/object?type=location",
        [
            {"property": "id", "datatype": "integer"},
            {"property": "name"},
            {"property": "type"},
            {"property": "enabled"},
        ],
    ),
    (
        "/schedule",
        [
            {
                "id": 543,
                "name": "0800-1700 M-F, 1200-1500 Sat",
                "d0": 1,
                "d5": 0,
                "start": "08:00:00",
                "stop": "16:59:59",
            },
            {"id": 1404, "d6": 1},
        ],
    ),
    (
        "/user?id=1693",
        [
            {
                "id": 1693,
                "id_num": "329359",
                "last_name": "Brown3",
                "first_name": "Susan3",
                "card_num": "8769",
                "pin": "8822",
                "credential_key": "XXXX-XXXX-XXXX-XXXX",
                "email": "susan.brown@web.place",
                "phone": "33344455555",
                "access_effective": "",
                "access_expires": "",
                "enabled": True,
                "accesslevels": [{"unid": 364, "name": "Office Doors"}],
                "credentials": [
                    {"id": 613832, "name": "8769", "card_num": "8769", "fob": False},
                    {"id": 614010, "name": "Fob 1A", "card_num": "10050", "fob": True},
                ],
                "custom1": "",
            }
        ],
    ),
    ("/user?idnum=329359", [{"id": 1693}]),
    (
        "/user?missingcreds",
        [
            {"id": 5678, "name": "Fob 1", "card_num": "10000", "credential_key": ""},
            {
                "id": 6789,
                "name": "Fob 2",
                "card_num": "10001",
                "access_effective": "2022-05-05T09:00:00.000Z",
                "custom2": "Custom Text",
            },
        ],
    ),
    ("/user?privileged", [{"id": 5678}, {"id": 6789}]),
    ("/user?installers", [{"id": 5678}, {"id": 6789}]),
]


@pytest.mark.parametrize(("path", "expected"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
async def test_seeded_read_matches_document(
    client: httpx.AsyncClient, path: str, expected: Any
) -> None:
    """Each GET example of the document, served from the seeded instance."""
    r = await client.get(path)
    assert r.status_code == 200
    assert subset(r.json()["data"], expected), r.json()["data"]


async def test_seeded_lists_contain_examples(client: httpx.AsyncClient) -> None:
    """/door, /accesslevel, /user, /credential, /events list every example object."""
    for path, ids in (
        ("/door", {166, 174, 603}),
        ("/accesslevel", {208, 212, 512, 574}),
        ("/user", {1693, 5678, 6789}),
        ("/credential", {335, 129813}),
        ("/fob", {443, 232}),
        ("/events", {865, 864, 837}),
    ):
        got = {row["id"] for row in (await client.get(path)).json()["data"]}
        assert ids <= got, path
    (summary,) = (await client.get("/credentialsummary")).json()["data"]
    assert summary["credentials"] == summary["claimed"] + summary["unclaimed"]
    assert len((await client.get("/object?listtypes")).json()["data"]) == 15


@pytest.mark.parametrize("path", ["/ping", "/settings", "/site", "/maintenance"])
async def test_undocumented_utilities(client: httpx.AsyncClient, path: str) -> None:
    """/ping, /settings, /site, /maintenance: undocumented shapes, a data object."""
    r = await client.get(path)
    assert r.status_code == 200 and isinstance(r.json()["data"], dict)


@pytest.mark.parametrize("key", ["id", "id_num"])
async def test_defect_blank_id_returns_all(sim: Simulator, key: str) -> None:
    """user | GET | blank id/id_num returns the full user set (defect on) or 400 (off)."""
    for defects, expect_all in ((sim.defects, True), (frozenset[str](), False)):
        other = Simulator(seed=True, defects=defects)
        async with httpx.AsyncClient(
            transport=other.transport(),
            base_url=BASE_URL,
            headers={"apiuser": "sim-user", "apikey": "sim-key"},
        ) as c:
            r = await c.get(f"/user?{key}=")
        if expect_all:
            assert len(r.json()["data"]) == len(other.users)
        else:
            assert r.status_code == 400


async def test_defect_door_batch_duplicates(sim: Simulator) -> None:
    """door | POST | names are not checked for duplication within the batch (defect on/off)."""
    body = {"doors": [{"name": "Twin"}, {"name": "Twin"}]}
    for defects, status in ((sim.defects, 200), (frozenset[str](), 400)):
        other = Simulator(defects=defects)
        async with httpx.AsyncClient(
            transport=other.transport(),
            base_url=BASE_URL,
            headers={"apiuser": "sim-user", "apikey": "sim-key"},
        ) as c:
            r = await c.post("/door", json=body)
        assert r.status_code == status
        assert len(other.doors) == (2 if status == 200 else 0)


async def test_journal_records_pages(client: httpx.AsyncClient, sim: Simulator) -> None:
    """Journal: method, path, records per page, status, outcome, applied."""
    await client.post("/user", json={"users": [new_user()]})
    await client.post("/user", json={"users": [new_user()]})
    await client.get("/door")
    first, second = sim.journal.writes()
    assert (first.method, first.path, first.records, first.status) == ("POST", "/user", 1, 200)
    assert (first.outcome, first.applied) == ("ok", True)
    assert (second.status, second.outcome, second.applied) == (400, "rejected", False)
    assert sim.journal.entries[-1].method == "GET"
    assert sim.journal.max_concurrent_writes() == 1 and sim.journal.overlapping_writes() == []
