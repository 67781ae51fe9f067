"""The simulator answers as the document shows, and the client calls it as the document says.

Point 4 of issue 14: documented fields only, canonical path spellings, and events for
what happens at the instance (so ``events.list(after_id=)`` and ``events.stream()``
show activity).
"""

from __future__ import annotations

import anyio
import httpx
import pytest

from lockt_async import AccessLevel, DoorRef
from lockt_async.testing import Simulator
from tests.support import URL

pytestmark = pytest.mark.anyio

# The property tables of the document (GET /fob example; GET /credential table).
FOB_FIELDS = {"id", "id_num", "name", "card_num", "credential_key", "enabled",
              "access_effective", "access_expires", "accesslevels"}  # fmt: skip
CREDENTIAL_FIELDS = {"id", "card_num", "name", "credential_key", "claim_status", "user",
                     "access_effective", "access_expires"}  # fmt: skip


async def _get(sim: Simulator, path: str) -> list[dict[str, object]]:
    headers = {"apiuser": sim.api_user, "apikey": sim.api_key}
    async with httpx.AsyncClient(transport=sim.transport(), base_url=URL) as http:
        r = await http.get(path, headers=headers)
    rows: list[dict[str, object]] = r.json()["data"]
    return rows


async def test_fob_rows_carry_only_documented_fields() -> None:
    """GET /fob: the example's fields only (no ``user_id``, which the real server omits)."""
    sim = Simulator(seed=True)
    rows = await _get(sim, "/fob")
    assert rows and all(set(row) == FOB_FIELDS for row in rows)


async def test_credential_rows_carry_only_documented_fields() -> None:
    """GET /credential: the property table's fields only (no ``fob`` flag)."""
    sim = Simulator(seed=True)
    rows = await _get(sim, "/credential")
    assert rows and all(set(row) <= CREDENTIAL_FIELDS for row in rows)
    assert all("fob" not in row for row in rows)


async def test_client_uses_canonical_spellings() -> None:
    """Contradictions table: the client calls ``/delegate`` (not ``/delegates``),
    ``/accesslevel`` (not ``/accesslevels``) and ``?id_num=`` (not ``?idnum=``)."""
    sim = Simulator(seed=True)
    async with sim.client() as lockt:
        await lockt.delegates.list()
        await lockt.delegates.purge()
        await lockt.access_levels.list()
        await lockt.access_levels.get(name="Security")
        await lockt.access_levels.create(
            [AccessLevel(name="Night", doors=(DoorRef(id=166, schedule_id=1404),))]
        )
        level = await lockt.access_levels.get(name="Night")
        await lockt.access_levels.delete([level.id])
        await lockt.users.get(id_num="329359")
        await lockt.doors.list(id_num="329359")
    paths = {e.path for e in sim.journal.entries}
    assert {"/delegate", "/accesslevel"} <= paths
    assert not paths & {"/delegates", "/accesslevels"}
    queries = [e.query for e in sim.journal.entries]
    assert any(q.startswith("id_num=") for q in queries)
    assert not any("idnum" in q for q in queries)


async def test_simulator_records_events_with_growing_ids() -> None:
    """/events: an unlock, a door's creation and deletion and a credential change are
    events; ``events.list(after_id=)`` returns exactly the new ones, ids growing."""
    sim = Simulator(seed=True)
    async with sim.client() as lockt:
        before = await lockt.events.list()
        last = max(e.id for e in before)
        await lockt.doors.unlock([166])
        await lockt.doors.create([{"name": "Annex door"}])
        await lockt.credentials.update([{"id": 335, "access_expires": "2031-01-01 00:00:00"}])
        await lockt.fobs.reassign([{"id": 232, "user_id": 1693}])
        new = await lockt.events.list(after_id=last)
    assert [e.id for e in new] == list(range(last + 1, last + 5))
    texts = [e.code_text for e in new]
    assert texts == [
        "Door Momentary Unlock",
        "Door Created",
        "Credential Updated",
        "Credential Updated",
    ]
    assert new[0].device == "Office Supplies" and new[1].device == "Annex door"


async def test_event_stream_shows_activity() -> None:
    """events.stream(): an unlock done while streaming is yielded, once."""
    sim = Simulator(seed=True)
    async with sim.client() as lockt:
        start = max(e.id for e in await lockt.events.list())
        stream = lockt.events.stream(after_id=start, poll_interval=0.01)
        await lockt.doors.unlock([187])
        with anyio.fail_after(5):
            event = await stream.__anext__()
    assert event.id == start + 1 and event.code_text == "Door Momentary Unlock"
    assert stream.last_id == start + 1
