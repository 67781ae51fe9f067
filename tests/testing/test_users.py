"""POST/PUT/DELETE /user: the validation table and the user behaviour table."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lockt_async.testing import Simulator

from .conftest import new_user

pytestmark = pytest.mark.anyio

BATCH_FAILED = "Validation errors found. Batch has failed. Details provided."
UPDATE = {"update_existing": "true"}

INSERT_RULES = [
    ("id | Missing or blank", {"id": ...}, "Missing or blank id"),
    ("id | Non-Numeric", {"id": "abc"}, "Non-Numeric id found: abc"),
    ("id_num | Missing or blank", {"id_num": " "}, "Missing or blank id_num"),
    ("id_num | Already exists in system", {"id_num": "329359"}, "id_num Already Exists: 329359"),
    ("first_name | Missing or blank", {"first_name": ...}, "Missing or blank first_name"),
    ("last_name | Missing or blank", {"last_name": ""}, "Missing or blank last_name"),
    (
        "email | Proper email format",
        {"email": "rgreswell0@@@@gravatar.com"},
        "Invalid email address found: rgreswell0@@@@gravatar.com",
    ),
    (
        "email | Already exists in system",
        {"email": "Susan.Brown@web.place"},
        "Email Already Exists: Susan.Brown@web.place",
    ),
    ("phone | Proper phone format", {"phone": "555-CALL"}, "Invalid phone number found: 555-CALL"),
    ("pin | Non-Numeric", {"pin": "12a4"}, "Non-Numeric pin found: 12a4"),
    ("email | Missing or blank", {"email": ""}, "Missing or blank email"),
    ("phone | Missing or blank", {"phone": ...}, "Missing or blank phone"),
    ("pin | Missing or blank", {"pin": " "}, "Missing or blank pin"),
    (
        "pin | Length versus system limit",
        {"pin": "123456789"},
        "pin length exceeds system limit of 8: 123456789",
    ),
    ("card_num | Non-Numeric", {"card_num": "A8914"}, "Non-Numeric card_num found: A8914"),
    (
        "card_num | Length versus system limit",
        {"card_num": "1" * 21},
        "card_num length exceeds system limit of 20: " + "1" * 21,
    ),
    ("card_num | Already exists in system", {"card_num": 8769}, "card_num Already Exists: 8769"),
    (
        "access_effective | Valid date format",
        {"access_effective": "2022-01-24T00:00:00Z"},
        "Invalid access_effective date format: 2022-01-24T00:00:00Z",
    ),
    (
        "access_expires | Valid date format",
        {"access_expires": "29/10/2022"},
        "Invalid access_expires date format: 29/10/2022",
    ),
    (
        "access_effective | before access_expires",
        {"access_effective": "2022-09-08 11:00:00", "access_expires": "2022-09-07 12:00:00"},
        "Invalid access_effective date: 2022-09-07 12:00:00, must be before access_expires",
    ),
    (
        "access_levels | Id is valid",
        {"accesslevels": [{"id": 999999}]},
        "Access level id is not valid: 999999",
    ),
    (
        "access_levels | Duplicate Assigned Access Levels",
        {"accesslevels": [{"id": 208}, {"id": 208}]},
        "Duplicate access level id: 208",
    ),
]


async def post_users(
    client: httpx.AsyncClient, users: list[dict[str, Any]], **options: Any
) -> httpx.Response:
    body: dict[str, Any] = {"users": users}
    if options:
        body["options"] = options
    return await client.post("/user", json=body)


@pytest.mark.parametrize(
    ("row", "fields", "message"), INSERT_RULES, ids=[r[0] for r in INSERT_RULES]
)
async def test_insert_rule(
    client: httpx.AsyncClient, sim: Simulator, row: str, fields: dict[str, Any], message: str
) -> None:
    """user | POST | INSERT | <row>: the record fails, the batch fails, nothing applied."""
    before = len(sim.users)
    record = new_user(**fields)
    r = await post_users(client, [record])
    assert r.status_code == 400
    body = r.json()
    assert body["result"] == [BATCH_FAILED]
    assert message in body["errors"][0]["error"]
    assert body["errors"][0]["input_data"] == record
    assert len(sim.users) == before


async def test_insert_creates_user_and_credential(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    """user | INSERT | id: -1 inserts; a card_num creates a credential."""
    r = await post_users(client, [new_user(accesslevels=[{"id": 208}])])
    assert r.json() == {"data": {"submitted": 1, "inserted": 1, "updated": 0, "errors": 0}}
    (user,) = (await client.get("/user", params={"id_num": "NEW-1"})).json()["data"]
    assert user["card_num"] == "5588"
    assert user["accesslevels"] == [{"unid": 208, "name": "Security"}]
    creds = (await client.get("/credential", params={"user_id": user["id"]})).json()["data"]
    assert [c["card_num"] for c in creds] == ["5588"]
    assert creds[0]["user"] == [{"id": user["id"], "name": "Peters, Toby"}]


async def test_insert_duplicate_within_batch(client: httpx.AsyncClient, sim: Simulator) -> None:
    """user | POST | INSERT | id_num | Already exists (earlier record of the same page)."""
    r = await post_users(client, [new_user(), new_user(email="other@web.place", card_num="")])
    assert r.status_code == 400
    assert r.json()["errors"][0]["error"] == ["id_num Already Exists: NEW-1"]


async def test_update_by_valid_id(client: httpx.AsyncClient, sim: Simulator) -> None:
    """INSERT/UPDATE | id: a valid id makes the record an update."""
    record = new_user(id=1693, id_num="329359", email="susan.brown@web.place", last_name="Brown4")
    r = await post_users(client, [record], **UPDATE)
    assert r.json()["data"] == {"submitted": 1, "inserted": 0, "updated": 1, "errors": 0}
    assert sim.users[1693]["last_name"] == "Brown4"


async def test_update_unknown_id(client: httpx.AsyncClient) -> None:
    """user | POST | UPDATE | id | Used for update determination: unknown id is an error."""
    r = await post_users(client, [new_user(id=424242)], **UPDATE)
    assert r.status_code == 400
    assert r.json()["errors"][0]["error"] == ["Id is not valid: 424242"]


async def test_update_existing_false_ignores(client: httpx.AsyncClient, sim: Simulator) -> None:
    """UPDATE | update_existing: false (the default) ignores update records."""
    r = await post_users(client, [new_user(id=1693, id_num="329359", last_name="X")])
    assert r.json() == {"data": {"submitted": 1, "inserted": 0, "updated": 0, "errors": 0}}
    assert sim.users[1693]["last_name"] == "Brown3"


async def test_update_id_num_taken(client: httpx.AsyncClient) -> None:
    """INSERT/UPDATE | id_num: checked for validity once an update is determined."""
    await post_users(client, [new_user()])
    r = await post_users(
        client, [new_user(id=1693, id_num="NEW-1", email="other@web.place")], **UPDATE
    )
    assert r.json()["errors"][0]["error"] == ["id_num Already Exists: NEW-1"]


async def test_update_email_format(client: httpx.AsyncClient) -> None:
    """user | POST | UPDATE | email | Proper email format."""
    r = await post_users(client, [new_user(id=1693, id_num="329359", email="x@")], **UPDATE)
    assert r.json()["errors"][0]["error"] == ["Invalid email address found: x@"]


async def test_update_card_minus_one(client: httpx.AsyncClient, sim: Simulator) -> None:
    """UPDATE | card_num: -1 removes all existing non-FOB credentials."""
    record = new_user(id=1693, id_num="329359", email="other@web.place", card_num="-1")
    await post_users(client, [record], **UPDATE)
    creds = sim.instance.user_credentials(1693)
    assert [(c["card_num"], c["fob"]) for c in creds] == [("10050", True)]
    assert 613832 not in sim.credentials


async def test_update_card_ignored_when_user_has_card(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    """INSERT/UPDATE | card_num: ignored on update when the user already has a card."""
    record = new_user(id=1693, id_num="329359", email="other@web.place", card_num="7777")
    await post_users(client, [record], **UPDATE)
    assert "7777" not in sim.instance.cred_by_card


async def test_update_card_used_when_user_has_none(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    """INSERT/UPDATE | card_num: used on update when the user has no existing card."""
    record = new_user(id=5678, id_num="F1", email="other@web.place", card_num="7777")
    await post_users(client, [record], **UPDATE)
    assert sim.credentials[sim.instance.cred_by_card["7777"]]["user_id"] == 5678


@pytest.mark.parametrize(
    ("replace", "levels", "expected"),
    [("true", [{"id": 208}], [208]), ("false", [{"id": 208}], [364, 208]), ("true", [], [])],
    ids=["replace", "add", "empty-removes-all"],
)
async def test_update_replace_privileges(
    client: httpx.AsyncClient, sim: Simulator, replace: str, levels: Any, expected: list[int]
) -> None:
    """UPDATE | access_levels: replace_privileges true replaces, false adds, [] removes all."""
    record = new_user(id=1693, id_num="329359", email="other@web.place", accesslevels=levels)
    await post_users(client, [record], update_existing="true", replace_privileges=replace)
    assert list(sim.users[1693]["accesslevels"]) == expected


async def test_put_only_supplied_fields(client: httpx.AsyncClient, sim: Simulator) -> None:
    """user | PUT | UPDATE | all: only the supplied properties change."""
    body = {"users": [{"id": "1693", "access_expires": "2099-09-20 08:00:00"}]}
    r = await client.put("/user", json=body)
    assert r.json()["data"]["updated"] == 1
    user = sim.users[1693]
    assert user["access_expires"].strftime("%Y-%m-%d %H:%M:%S") == "2099-09-20 08:00:00"
    assert (user["last_name"], user["accesslevels"]) == ("Brown3", (364,))


async def test_put_id_required(client: httpx.AsyncClient) -> None:
    """user | PUT | UPDATE | id: Required."""
    r = await client.put("/user", json={"users": [{"card_num": "123"}]})
    assert r.json()["errors"][0]["error"] == ["Missing or blank id"]


async def test_put_expires_not_in_past(client: httpx.AsyncClient) -> None:
    """user | PUT | access_expires cannot be in the past."""
    r = await client.put(
        "/user", json={"users": [{"id": 1693, "access_expires": "2001-01-01 00:00:00"}]}
    )
    assert r.json()["errors"][0]["error"] == [
        "Invalid access_expires date: 2001-01-01 00:00:00, cannot be in past"
    ]


async def test_put_effective_before_expires(client: httpx.AsyncClient) -> None:
    """user | PUT | access_effective must be before access_expires."""
    rec = {
        "id": 1693,
        "access_effective": "2099-02-01 00:00:00",
        "access_expires": "2099-01-01 00:00:00",
    }
    r = await client.put("/user", json={"users": [rec]})
    assert "must be before access_expires" in r.json()["errors"][0]["error"][0]


async def test_put_one_object_per_call(client: httpx.AsyncClient) -> None:
    """/user | PUT: limits to one object per call."""
    r = await client.put("/user", json={"users": [{"id": 1693}, {"id": 300}]})
    assert r.status_code == 400
    assert r.json() == {"data": {"error": "This endpoint is limited to 1 object per call."}}


async def test_delete_users(client: httpx.AsyncClient, sim: Simulator) -> None:
    """user | DELETE: deletes and answers submitted/deleted/errors."""
    r = await client.request("DELETE", "/user", json={"users": [{"id": 300}, {"id": 244}]})
    assert r.json() == {"data": {"submitted": 2, "deleted": 2, "errors": 0}}
    assert 300 not in sim.users and 335 not in sim.credentials
