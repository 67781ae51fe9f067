"""``SimulatorFleet``: many simulated instances behind one app, told apart by ``apiuser``."""

from __future__ import annotations

import anyio
import httpx
import pytest

from lockt_async.testing import Simulator, SimulatorFleet, serve

from .conftest import new_user

pytestmark = pytest.mark.anyio

BASE = Simulator.url


def _headers(fleet: SimulatorFleet, name: str) -> dict[str, str]:
    return {"apiuser": name, "apikey": fleet[name].api_key}


async def test_each_instance_has_its_own_state_and_settings() -> None:
    """Fleet: a write lands only in the instance its apiuser names; settings are per instance."""
    fleet = SimulatorFleet()
    fleet.add("acme", record_limit=7, timezone="Europe/Paris")
    fleet.add("globex", record_limit=50)
    async with httpx.AsyncClient(transport=fleet.transport(), base_url=BASE) as c:
        body = {"users": [new_user()]}
        reply = await c.post("/user", json=body, headers=_headers(fleet, "acme"))
        assert reply.status_code == 200
        acme = (await c.get("/settings", headers=_headers(fleet, "acme"))).json()["data"]
        globex = (await c.get("/settings", headers=_headers(fleet, "globex"))).json()["data"]
    assert [u["id_num"] for u in fleet["acme"].users.values()] == ["NEW-1"]
    assert fleet["globex"].users == {}
    assert (acme["record_limit"], acme["timezone"]) == (7, "Europe/Paris")
    assert (globex["record_limit"], globex["timezone"]) == (50, "America/New_York")


async def test_unknown_apiuser_and_wrong_key_are_denied() -> None:
    """Fleet: an apiuser not in the fleet, or another instance's key, is the document's 401."""
    fleet = SimulatorFleet()
    fleet.add("acme")
    fleet.add("globex")
    async with httpx.AsyncClient(transport=fleet.transport(), base_url=BASE) as c:
        stranger = await c.get("/user", headers={"apiuser": "nobody", "apikey": "x"})
        crossed = await c.get(
            "/user", headers={"apiuser": "acme", "apikey": fleet["globex"].api_key}
        )
    for reply in (stranger, crossed):
        assert reply.status_code == 401
        assert reply.json() == {"data": {"error": "Access denied. Invalid API credentials."}}


def test_add_refuses_a_duplicate_or_empty_name() -> None:
    """Fleet: bad input names the argument."""
    fleet = SimulatorFleet()
    fleet.add("acme")
    with pytest.raises(ValueError, match="name 'acme' is already"):
        fleet.add("acme")
    with pytest.raises(ValueError, match="name must be"):
        fleet.add(" ")
    assert list(fleet) == ["acme"] and len(fleet) == 1


async def test_write_slots_and_journals_are_per_instance() -> None:
    """Fleet: writes to two instances may overlap; two writes to one instance get 429."""
    fleet = SimulatorFleet()
    fleet.add("acme", latency=0.3)
    fleet.add("globex", latency=0.3)
    statuses: dict[str, int] = {}
    async with serve(fleet) as url, httpx.AsyncClient(base_url=url) as c:

        async def write(label: str, name: str, id_num: str) -> None:
            body = {"users": [new_user(id_num=id_num, email=f"{id_num}@x.test", card_num="")]}
            reply = await c.post("/user", json=body, headers=_headers(fleet, name))
            statuses[label] = reply.status_code

        async with anyio.create_task_group() as tg:
            tg.start_soon(write, "acme-1", "acme", "A1")
            with anyio.fail_after(5):
                # Polling on purpose: the journal is filled by the server thread.
                while not fleet["acme"].journal.writes():  # noqa: ASYNC110
                    await anyio.sleep(0.005)
            tg.start_soon(write, "globex-1", "globex", "G1")
            with anyio.fail_after(5):
                while not fleet["globex"].journal.writes():  # noqa: ASYNC110
                    await anyio.sleep(0.005)
            await write("acme-2", "acme", "A2")
    assert statuses == {"acme-1": 200, "globex-1": 200, "acme-2": 429}
    assert list(fleet.overlapping_writes()) == ["acme"]
    assert fleet.max_concurrent_writes() == {"acme": 2, "globex": 1}
