"""POST /user: only a valid system id makes an update; GET /user lists fob-holder rows.

The document's behaviour table (INSERT/UPDATE | id, id_num, email): "A valid id
is required for the system to consider an update ... Previously, the system
would consider any match of these fields to be a trigger for update. This has
been updated". NOTES.md's contradictions table resolves the older options table
(``update_existing`` "matching id_num and email") in favour of this row.
"""

from __future__ import annotations

import httpx
import pytest

from lockt_async.testing import Simulator

from .conftest import new_user

pytestmark = pytest.mark.anyio

UPDATE = {"update_existing": "true", "validate_fails_batch": "false"}


async def test_existing_id_num_without_id_is_not_an_update(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    """INSERT/UPDATE | id: id -1 with an existing id_num and update_existing=true is refused."""
    record = new_user(id_num="329359", email="", card_num="", last_name="Changed")
    r = await client.post("/user", json={"users": [record], "options": UPDATE})
    body = r.json()
    assert body["data"]["updated"] == 0 and body["data"]["inserted"] == 0
    assert body["errors"][0]["error"] == ["id_num Already Exists: 329359"]
    assert sim.users[1693]["last_name"] == "Brown3"


async def test_existing_email_without_id_is_not_an_update(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    """INSERT/UPDATE | email: a matching email without a valid id is no update trigger either."""
    record = new_user(id_num="NEW-9", email="susan.brown@web.place", card_num="")
    r = await client.post("/user", json={"users": [record], "options": UPDATE})
    assert r.json()["errors"][0]["error"] == ["Email Already Exists: susan.brown@web.place"]
    assert sim.users[1693]["first_name"] == "Susan3"


async def test_same_record_with_valid_id_updates(client: httpx.AsyncClient, sim: Simulator) -> None:
    """INSERT/UPDATE | id: the same record carrying the valid system id is an update."""
    record = new_user(id=1693, id_num="329359", email="", card_num="", last_name="Changed")
    r = await client.post("/user", json={"users": [record], "options": UPDATE})
    assert r.json()["data"]["updated"] == 1
    assert sim.users[1693]["last_name"] == "Changed"


async def test_user_list_has_fob_holder_rows(client: httpx.AsyncClient, sim: Simulator) -> None:
    """GET /user example: fob-holder rows ("Fob 1") come back with a blank id_num."""
    added = sim.add_fob_holder("Lobby fob", card_num="55501")
    rows = (await client.get("/user")).json()["data"]
    holders = {r["name"]: r for r in rows if r["id_num"] == ""}
    assert {"Fob 1", "Fob 2", "Lobby fob"} <= holders.keys()
    assert holders["Fob 1"]["id"] == 5678
    assert holders["Lobby fob"]["id"] == added["id"]
    assert holders["Lobby fob"]["card_num"] == "55501"
    assert any(r["id_num"] for r in rows), "people rows carry their id_num"
