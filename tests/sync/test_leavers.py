"""Issue 22 done-when: leavers lose door access against servers shaped as the document says.

Each test runs against the simulator AND against ``docserver.DocServer``, a second
fake written from the document's tables alone (list rows without ``pin``), so the
simulator is not the only judge.
"""

from __future__ import annotations

from typing import Any

import pytest

from lockt_async import LocktClient, SyncResult
from lockt_async.testing import Simulator
from tests.support import URL, user_record

from .docserver import DocServer

pytestmark = pytest.mark.anyio

N = 30
LEAVERS = (3, 11, 19, 27)
CHANGED = (2, 5, 8)


class Backend:
    """The simulator or the document fake, behind one small interface."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.sim = Simulator() if kind == "simulator" else None
        self.doc = DocServer() if kind == "document" else None

    def client(self) -> LocktClient:
        if self.sim is not None:
            return self.sim.client()
        assert self.doc is not None
        return LocktClient("u", "k", base_url=URL, transport=self.doc.transport())

    async def seed(self, records: list[dict[str, Any]]) -> None:
        if self.doc is not None:
            for rec in records:
                self.doc.add(dict(rec))
            return
        async with self.client() as lockt:
            assert (await lockt.users.upsert(records)).ok
        assert self.sim is not None
        self.sim.journal.clear()

    def people(self) -> dict[str, dict[str, Any]]:
        if self.doc is not None:
            return self.doc.by_id_num()
        assert self.sim is not None
        return {u["id_num"]: u for u in self.sim.users.values() if u["id_num"]}

    def writes(self) -> int:
        if self.doc is not None:
            return len(self.doc.writes)
        assert self.sim is not None
        return sum(1 for e in self.sim.journal.entries if e.method != "GET")

    def repeat_row(self, id_num: str) -> None:
        assert self.doc is not None
        self.doc.repeat.add(self.people()[id_num]["id"])


@pytest.fixture(params=["simulator", "document"])
def backend(request: pytest.FixtureRequest) -> Backend:
    return Backend(str(request.param))


def pinless(rec: dict[str, Any]) -> dict[str, Any]:
    """An HR row: HR systems do not hold door PINs."""
    return {k: v for k, v in rec.items() if k != "pin"}


def hr_source() -> list[dict[str, Any]]:
    """The roster minus 4 leavers, 3 renamed, all without pin; 2 new hires (with a pin)."""
    out = []
    for i in range(N):
        if i in LEAVERS:
            continue
        rec = pinless(user_record(i))
        if i in CHANGED:
            rec["last_name"] = f"Renamed{i}"
        out.append(rec)
    return [*out, user_record(100), user_record(101)]


async def sync(backend: Backend, records: list[dict[str, Any]], **kw: Any) -> SyncResult:
    async with backend.client() as lockt:
        return await lockt.users.sync(records, **kw)


@pytest.mark.parametrize("route", ["auto", "read", "put"])
async def test_pinless_source_disables_every_leaver(backend: Backend, route: str) -> None:
    """Done-when: pin-less source: leavers read back disabled, changes applied, pins kept,
    and a second sync sends nothing (validation table: pin required on UPDATE)."""
    await backend.seed([user_record(i) for i in range(N)])
    result = await sync(backend, hr_source(), on_missing="disable", max_removals=5, route=route)
    assert result.failures == [] and result.removal_failures == [], result.failures
    assert (result.disabled, result.updated, result.inserted) == (4, 3, 2)
    assert result.route.fields == ("pin",)
    assert result.plan.to_dict()["route"]["name"] == result.route.name
    assert result.route.name == (
        "read" if route == "auto" else route if route == "read" else "read+put"
    )
    people = backend.people()
    for i in range(N):
        held = people[user_record(i)["id_num"]]
        assert held["enabled"] is (i not in LEAVERS), i
        assert held["pin"] == user_record(i)["pin"], "a server pin is never blanked or changed"
        if i in CHANGED:
            assert held["last_name"] == f"Renamed{i}"
    before = backend.writes()
    again = await sync(backend, hr_source(), on_missing="disable", max_removals=5, route=route)
    assert backend.writes() == before and again.requests == 0 and again.reads == 0
    assert again.unchanged == N - len(LEAVERS) + 2


async def test_source_with_pins_applies_a_pin_change(backend: Backend) -> None:
    """Point 3: unlisted="verify" reads each person's pin and applies a changed one;
    "carry" (the default) reports pin as not compared and sends nothing."""
    await backend.seed([user_record(i) for i in range(5)])
    source = [user_record(i) for i in range(5)]
    source[1] = {**source[1], "pin": "4242"}
    carried = await sync(backend, source)
    assert carried.plan.updates == [] and "pin" in carried.plan.not_compared
    verified = await sync(backend, source, unlisted="verify")
    assert [u.index for u in verified.plan.updates] == [1] and verified.updated == 1
    assert verified.reads == 5 and "pin" in verified.plan.compared
    assert backend.people()[source[1]["id_num"]]["pin"] == "4242"
    assert (await sync(backend, source, unlisted="verify")).requests == 0


def placement(result: SyncResult) -> dict[int, str]:
    """Where each source record landed; a record in two places fails here."""
    out: dict[int, str] = {}
    plan = result.plan
    places = [
        ("insert", [p.index for p in plan.inserts]),
        ("update", [u.index for u in plan.updates]),
        ("unchanged", plan.unchanged),
        ("refused", [f.index for f in result.failures]),
    ]
    for name, indexes in places:
        for i in indexes:
            assert i not in out, f"record {i} is both {out[i]} and {name}"
            out[i] = name
    return out


async def test_dry_run_and_real_run_place_each_record_alike(backend: Backend) -> None:
    """Point 4: insert, update, unchanged or refused: the same one place in both runs."""
    await backend.seed([user_record(i) for i in range(4)])
    source = [
        pinless(user_record(0)),  # unchanged
        pinless(user_record(1, last_name="Moved")),  # update (pin read from the server)
        {**pinless(user_record(2)), "first_name": ""},  # blank required field: refused
        user_record(3, email="not-an-email"),  # invalid: refused
        user_record(50),  # insert
        pinless(user_record(51)),  # insert without pin: refused before sending
    ]
    dry = await sync(backend, source, dry_run=True)
    writes = backend.writes()
    real = await sync(backend, source)
    expected = {0: "unchanged", 1: "update", 2: "refused", 3: "refused", 4: "insert", 5: "refused"}
    assert placement(dry) == placement(real) == expected
    assert backend.writes() > writes and (real.inserted, real.updated) == (1, 1)
    refused = {f.index: f.messages[0] for f in real.failures}
    assert "first_name blank in the source" in refused[2] and "pin" in refused[5]


async def test_repeated_roster_row_is_one_person() -> None:
    """Point 4: a roster read listing a person twice: one person, one write, no ambiguity."""
    backend = Backend("document")
    await backend.seed([user_record(i) for i in range(3)])
    backend.repeat_row(user_record(1)["id_num"])
    source = [user_record(0), user_record(1, last_name="Once"), user_record(2)]
    result = await sync(backend, source, on_missing="delete")
    assert result.failures == [] and result.plan.missing == [] and result.updated == 1
    assert backend.doc is not None
    assert [(m, [r["id_num"] for r in recs]) for m, recs in backend.doc.writes] == [
        ("POST", [user_record(1)["id_num"]])
    ]
