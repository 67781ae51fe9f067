"""Fobs, credentials, doors, access levels, locations, delegates, unlock."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lockt_async.testing import Simulator

pytestmark = pytest.mark.anyio


async def first_errors(r: httpx.Response) -> list[str]:
    assert r.status_code == 400, r.text
    errors: list[str] = r.json()["errors"][0]["error"]
    return errors


def fob(**fields: Any) -> dict[str, Any]:
    record = {
        "name": "Fob 1",
        "id_num": "ABC123",
        "card_num": 5599,
        "access_effective": "2022-05-05 05:00:00",
        "access_expires": "2022-05-25 08:00:00",
    }
    record.update(fields)
    return record


FOB_RULES = [
    ("name | Missing or blank", {"name": ""}, "Missing or blank name"),
    ("name | Already exists in system", {"name": "Fob 1A"}, "Fob Name Already Exists: Fob 1A"),
    ("id_num | Missing or blank", {"id_num": None}, "Missing or blank id_num"),
    (
        "card_num | Already exists in system",
        {"card_num": "10000"},
        "card_num Already Exists: 10000",
    ),
    ("card_num | Non-Numeric", {"card_num": "12x"}, "Non-Numeric card_num found: 12x"),
    (
        "card_num | Length versus system limit",
        {"card_num": "9" * 21},
        "card_num length exceeds system limit of 20: " + "9" * 21,
    ),
    (
        "access_effective | Valid date format",
        {"access_effective": "2022-05-05"},
        "Invalid access_effective date format: 2022-05-05",
    ),
    (
        "access_expires | Valid date format",
        {"access_expires": "tomorrow"},
        "Invalid access_expires date format: tomorrow",
    ),
]


@pytest.mark.parametrize(("row", "fields", "message"), FOB_RULES, ids=[r[0] for r in FOB_RULES])
async def test_fob_post_rule(
    client: httpx.AsyncClient, sim: Simulator, row: str, fields: dict[str, Any], message: str
) -> None:
    """fob | POST | <row>."""
    before = len(sim.fobs)
    assert message in await first_errors(await client.post("/fob", json={"fobs": [fob(**fields)]}))
    assert len(sim.fobs) == before


async def test_fob_post_creates_fob_credential(client: httpx.AsyncClient, sim: Simulator) -> None:
    """/fob | POST: create credentials tagged as FOBs."""
    r = await client.post("/fob", json={"fobs": [fob()]})
    assert r.json() == {"data": {"submitted": 1, "inserted": 1, "updated": 0, "errors": 0}}
    (row,) = (await client.get("/fob", params={"name": "Fob 1"})).json()["data"]
    assert row["access_effective"] == "2022-05-05T09:00:00.000Z"  # EDT is UTC-4
    assert sim.credentials[row["id"]]["fob"] is True


async def test_fob_put_reassign_and_unassign(client: httpx.AsyncClient, sim: Simulator) -> None:
    """fob | PUT | REASSIGN | user_id: moves the fob; 0 removes the assignment."""
    r = await client.put("/fob", json={"fobs": [{"id": "232", "user_id": "300"}]})
    assert r.json()["data"]["updated"] == 1
    assert sim.fobs[232]["user_id"] == 300
    await client.put("/fob", json={"fobs": [{"id": 232, "user_id": 0}]})
    assert sim.fobs[232]["user_id"] is None
    assert 232 not in sim.users[300]["credential_ids"]


async def test_fob_put_rules(client: httpx.AsyncClient) -> None:
    """fob | PUT: id must be a fob; user_id valid; dates in valid format."""
    r = await client.put("/fob", json={"fobs": [{"id": 335, "user_id": 300}]})
    assert await first_errors(r) == ["Id is not a Fob: 335"]
    r = await client.put("/fob", json={"fobs": [{"id": 232, "user_id": 999999}]})
    assert await first_errors(r) == ["user_id is not valid: 999999"]
    r = await client.put("/fob", json={"fobs": [{"id": 232, "access_expires": "soon"}]})
    assert await first_errors(r) == ["Invalid access_expires date format: soon"]


DELETE_RULES = [
    ("user", "users", {}, "Missing or blank id"),
    ("user", "users", {"id": "x1"}, "Non-Numeric id found: x1"),
    ("user", "users", {"id": 9}, "Id is not valid: 9"),
    ("fob", "fobs", {"id": ""}, "Missing or blank id"),
    ("fob", "fobs", {"id": "abc"}, "Non-Numeric id found: abc"),
    ("fob", "fobs", {"id": 335}, "Id is not a Fob: 335"),
    ("credential", "credentials", {"id": None}, "Missing or blank id"),
    ("credential", "credentials", {"id": "q"}, "Non-Numeric id found: q"),
    ("credential", "credentials", {"id": 9}, "Id is not valid: 9"),
    ("credential", "credentials", {"id": 443}, "Id is a Fob: 443"),
    ("door", "doors", {}, "Missing or blank id"),
    ("door", "doors", {"id": 9}, "Id is not valid: 9"),
    ("accesslevel", "accesslevels", {"id": 9}, "Id is not valid: 9"),
]


@pytest.mark.parametrize(
    ("path", "node", "record", "message"),
    DELETE_RULES,
    ids=[f"{r[0]}-{r[3]}" for r in DELETE_RULES],
)
async def test_delete_rule(
    client: httpx.AsyncClient, path: str, node: str, record: dict[str, Any], message: str
) -> None:
    """<object> | DELETE | id | Missing or blank / Non-Numeric / Id is valid / Fob checks."""
    r = await client.request("DELETE", f"/{path}", json={node: [record]})
    assert await first_errors(r) == [message]


async def test_delete_each_kind(client: httpx.AsyncClient, sim: Simulator) -> None:
    """DELETE fob, credential, door, accesslevel (and the /accesslevels spelling)."""
    sim.defects = sim.defects - {"door_delete_rejects_valid_ids"}  # pinned on its own
    for path, node, ident, store in (
        ("fob", "fobs", 443, sim.fobs),
        ("credential", "credentials", 335, sim.credentials),
        ("door", "doors", 1087, sim.doors),
        ("accesslevels", "accesslevels", 208, sim.access_levels),
    ):
        r = await client.request("DELETE", f"/{path}", json={node: [{"id": ident}]})
        assert r.json() == {"data": {"submitted": 1, "deleted": 1, "errors": 0}}
        assert ident not in store
    assert all(d["id"] != 1087 for d in sim.access_levels[574]["doors"])


async def test_door_post_rules(client: httpx.AsyncClient, sim: Simulator) -> None:
    """door | POST | name: Missing or blank; Already exists in system."""
    r = await client.post("/door", json={"doors": [{"name": " "}]})
    assert await first_errors(r) == ["Missing or blank name"]
    r = await client.post("/door", json={"doors": [{"name": "Hall Entrance"}]})
    assert await first_errors(r) == ["Door Name Already Exists: Hall Entrance"]
    r = await client.post("/door", json={"doors": [{"name": "Door 1", "location_id": 4325}]})
    assert await first_errors(r) == ["Location id is not valid: 4325"]


async def test_door_post_creates(client: httpx.AsyncClient, sim: Simulator) -> None:
    """/door | POST: creates doors, with the optional location_id."""
    body = {"doors": [{"name": "Door 1", "location_id": 123457}, {"name": "Door 2"}]}
    r = await client.post("/door", json=body)
    assert r.json()["data"] == {"submitted": 2, "inserted": 2, "updated": 0, "errors": 0}
    doors = {d["name"]: d for d in (await client.get("/door")).json()["data"]}
    assert doors["Door 1"]["location"] == "Headquarters"


LEVEL_RULES = [
    ("name | Missing or blank", {"name": ""}, "Missing or blank name"),
    (
        "name | Already exists in system",
        {"name": "Security"},
        "Access Level Name Already Exists: Security",
    ),
    (
        "doors | Door ID is valid",
        {"doors": [{"id": 5, "schedule_id": 543}]},
        "Door id is not valid: 5",
    ),
    (
        "doors | Door ID is not duplicate",
        {"doors": [{"id": 166, "schedule_id": 543}, {"id": 166, "schedule_id": 1404}]},
        "Duplicate door id: 166",
    ),
    (
        "doors | Schedule ID is valid",
        {"doors": [{"id": 166, "schedule_id": 7}]},
        "Schedule id is not valid: 7",
    ),
]


@pytest.mark.parametrize(("row", "fields", "message"), LEVEL_RULES, ids=[r[0] for r in LEVEL_RULES])
async def test_accesslevel_post_rule(
    client: httpx.AsyncClient, row: str, fields: dict[str, Any], message: str
) -> None:
    """accesslevel | POST | <row>."""
    record = {"name": "Access Level 1", "doors": [{"id": 166, "schedule_id": 543}], **fields}
    assert message in await first_errors(
        await client.post("/accesslevel", json={"accesslevels": [record]})
    )


async def test_accesslevel_post_creates(client: httpx.AsyncClient) -> None:
    """/accesslevel | POST: access levels assign doors to schedules."""
    record = {"name": "Level 1", "doors": [{"id": 166, "schedule_id": 543}]}
    r = await client.post("/accesslevel", json={"accesslevels": [record]})
    assert r.json()["data"]["inserted"] == 1
    (row,) = (await client.get("/accesslevel", params={"name": "Level 1"})).json()["data"]
    assert row["doors"] == [{"id": 166, "name": "Office Supplies", "schedule_id": 543}]


LOCATION_RULES = [
    ("name | Missing or blank", {"name": ""}, "Missing or blank name"),
    (
        "name | Already exists in system",
        {"name": "University"},
        "Location Name Already Exists: University",
    ),
    ("locationtype | Missing or blank", {"locationtype": ""}, "Missing or blank locationtype"),
    ("locationtype | Id is valid", {"locationtype": 175}, "Location type is not valid: 175"),
]


@pytest.mark.parametrize(
    ("row", "fields", "message"), LOCATION_RULES, ids=[r[0] for r in LOCATION_RULES]
)
async def test_location_post_rule(
    client: httpx.AsyncClient, row: str, fields: dict[str, Any], message: str
) -> None:
    """location | POST | <row>."""
    record = {"name": "Main Campus", "locationtype": 23981, **fields}
    r = await client.post("/location", json={"locations": [record]})
    assert message in await first_errors(r)


async def test_location_post_creates(client: httpx.AsyncClient, sim: Simulator) -> None:
    """/location | POST: creates locations typed by location type id."""
    record = {"name": "Main Campus", "locationtype": 23981}
    r = await client.post("/location", json={"locations": [record]})
    assert r.json()["data"]["inserted"] == 1
    rows = (await client.get("/location")).json()["data"]
    assert {"name": "Main Campus", "type": "Building"}.items() <= rows[-1].items()


def grant(**fields: Any) -> dict[str, Any]:
    record = {
        "from_user_id": "1693",
        "to_user_id": "300",
        "access_effective": "2099-09-07 22:20:00",
        "access_expires": "2099-09-07 22:53:00",
        "doors": [{"id": 187}, {"id": 446}],
    }
    record.update(fields)
    return record


async def test_delegate_create(client: httpx.AsyncClient, sim: Simulator) -> None:
    """delegate | POST | CREATE: one object, answers submitted/processed/errors."""
    r = await client.post("/delegate", json={"delegates": [grant()]})
    assert r.json() == {"data": {"submitted": 1, "processed": 1, "errors": 0}}
    rows = (await client.get("/delegate")).json()["data"]
    assert rows[-1]["access_effective"] == "2099-09-07 22:20:00"
    assert [d["id"] for d in rows[-1]["doors"]] == [187, 446]
    door_ids = [
        d["id"] for d in (await client.get("/door", params={"user_id": 300})).json()["data"]
    ]
    assert 187 in door_ids


async def test_delegate_rules(client: httpx.AsyncClient) -> None:
    """delegate | CREATE | doors and dates: the document's example error."""
    record = grant(
        access_effective="2022-09-08 11:00:00",
        access_expires="2022-09-07 12:00:00",
        doors=[{"id": 1876}],
    )
    assert await first_errors(await client.post("/delegate", json={"delegates": [record]})) == [
        "Door id 1876 is not available to delegate",
        "Invalid access_effective date: 2022-09-07 12:00:00, must be before access_expires",
        "Invalid access_expires date: 2022-09-07 12:00:00, cannot be in past",
    ]


async def test_delegate_one_per_call_and_options_ignored(client: httpx.AsyncClient) -> None:
    """delegate | CREATE | batch_size 1; processing_options: errors always fail the batch."""
    r = await client.post("/delegate", json={"delegates": [grant(), grant()]})
    assert r.json() == {"data": {"error": "This endpoint is limited to 1 object per call."}}
    body = {"delegates": [grant(doors=[{"id": 603}])], "options": {"validate_fails_batch": False}}
    assert (await client.post("/delegates", json=body)).status_code == 400


async def test_delegate_purge(client: httpx.AsyncClient, sim: Simulator) -> None:
    """delegate | PURGE: expired delegate levels deleted; only a summary returned."""
    await client.post("/delegate", json={"delegates": [grant()]})
    r = await client.post("/delegate?purge")
    assert r.json() == {"data": {"submitted": 3, "deleted": 2, "errors": 0}}
    assert len(sim.delegates) == 1


async def test_unlock(client: httpx.AsyncClient, sim: Simulator) -> None:
    """/unlock | POST: per-door objects, errors per door (validate_fails_batch=false)."""
    sim.doors[174]["online"] = False
    body = {
        "doors": [{"id": 166}, {"id": 174}, {"id": 1}],
        "options": {"validate_fails_batch": "false"},
    }
    r = await client.post("/unlock", json=body)
    rows = r.json()["data"]
    assert rows[0] == {
        "id": 166,
        "name": "Office Supplies",
        "unlocked": True,
        "status": "unlocked",
        "errors": [],
    }
    assert rows[1]["errors"] == [
        "Unexpected error unlocking door. Door or Controller may be offline."
    ]
    assert (rows[2]["unlocked"], rows[2]["status"]) == (False, "error")


async def test_unlock_validate_fails_batch(client: httpx.AsyncClient, sim: Simulator) -> None:
    """/unlock | POST | validate_fails_batch true (the default): an unknown door fails the
    page, nothing unlocked; an offline door is not a validation error."""
    r = await client.post("/unlock", json={"doors": [{"id": 166}, {"id": 1}]})
    assert r.status_code == 400
    assert r.json()["errors"] == [{"error": ["Door id is not valid: 1"], "input_data": {"id": 1}}]
    sim.doors[174]["online"] = False
    r = await client.post("/unlock", json={"doors": [{"id": 174}]})
    assert r.status_code == 200 and r.json()["data"][0]["status"] == "error"


async def test_doorstate_lowbattery_post(client: httpx.AsyncClient, sim: Simulator) -> None:
    """/doorstate?lowbattery | POST (change log 2023-04-21): sets the e-mail threshold."""
    r = await client.post("/doorstate?lowbattery=20")
    assert r.status_code == 200 and r.json()["data"]["lowbattery"] == "20"
    assert sim.instance.low_battery_threshold == 20
    r = await client.post("/doorstate?lowbattery=high")
    assert r.status_code == 400 and "lowbattery" in r.json()["data"]["error"]


async def test_credential_put(client: httpx.AsyncClient, sim: Simulator) -> None:
    """/credential | PUT: updates dates/enabled of one credential directly."""
    rec = {"id": 335, "access_expires": "2030-01-01 00:00:00", "enabled": "false"}
    r = await client.put("/credential", json={"credentials": [rec]})
    assert r.json()["data"]["updated"] == 1
    (row,) = (await client.get("/credential", params={"id": 335})).json()["data"]
    assert row["access_expires"] == "2030-01-01T05:00:00.000Z"
    assert sim.credentials[335]["enabled"] is False
