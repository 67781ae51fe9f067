"""Issue 11 point 1: ``update_existing=True`` finds the system id by ``id_num``.

The behaviour table (INSERT/UPDATE | id) makes only a valid system ``id`` an
update; records from an HR file carry ``id_num`` only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from lockt_async import LocktClient, User
from lockt_async.resources._natural import LOOKUP_READS_MAX
from lockt_async.testing import Simulator
from tests.support import URL, roster_server, stored_id_nums, user_record, users

pytestmark = pytest.mark.anyio


def changed(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "last_name": r["last_name"] + "-v2"} for r in records]


def reads(sim: Simulator) -> list[str]:
    return [e.query for e in sim.journal.entries if e.method == "GET" and e.path.endswith("/user")]


async def test_second_run_updates_with_few_records() -> None:
    """Point 1: a second upsert of the same few id_nums updates them (one ?id_num= read each)."""
    sim = Simulator()
    async with sim.client() as lockt:
        first = await lockt.users.upsert(users(5), update_existing=True)
        assert first.inserted == 5
        sim.journal.clear()
        again = await lockt.users.upsert(changed(users(5)), update_existing=True)
    assert again.ok, again.failures
    assert (again.inserted, again.updated) == (0, 5)
    assert sorted(stored_id_nums(sim)) == sorted(r["id_num"] for r in users(5))
    assert all(u["last_name"].endswith("-v2") for u in sim.users.values())
    assert sorted(reads(sim)) == sorted(f"id_num={r['id_num']}" for r in users(5))


async def test_second_run_updates_with_many_records_reads_roster_once() -> None:
    """Point 1: more than LOOKUP_READS_MAX records to resolve cost one GET /user, no ?id_num=."""
    n = LOOKUP_READS_MAX + 30
    sim = Simulator()
    async with sim.client() as lockt:
        await lockt.users.upsert(users(n))
        sim.journal.clear()
        fresh = users(10, start=n)
        again = await lockt.users.upsert(changed(users(n)) + fresh, update_existing=True)
    assert again.ok, again.failures
    assert (again.inserted, again.updated) == (10, n)
    assert reads(sim) == [""]
    assert len(stored_id_nums(sim)) == len(set(stored_id_nums(sim))) == n + 10


@pytest.mark.parametrize("n", [3, LOOKUP_READS_MAX + 5])
async def test_streamed_input_is_resolved(n: int) -> None:
    """Point 1: generators and async generators are resolved too (peeked, then streamed)."""
    sim = Simulator()

    def gen() -> Iterator[dict[str, Any]]:
        yield from changed(users(n))

    async def agen() -> AsyncIterator[dict[str, Any]]:
        for r in changed(changed(users(n))):
            yield r

    async with sim.client() as lockt:
        await lockt.users.upsert(users(n))
        one = await lockt.users.upsert(gen(), update_existing=True)
        two = await lockt.users.upsert(agen(), update_existing=True)
    assert (one.updated, two.updated, one.ok, two.ok) == (n, n, True, True)
    assert all(u["last_name"].endswith("-v2-v2") for u in sim.users.values())


async def test_models_and_update_existing_false() -> None:
    """Point 1: a User model is resolved; without update_existing the server refuses the id_num."""
    sim = Simulator()
    rec = user_record(1)
    async with sim.client() as lockt:
        await lockt.users.upsert([rec])
        model = User(
            id_num=rec["id_num"],
            first_name="Ada",
            last_name="Byron",
            email=rec["email"],
            phone=rec["phone"],
            pin=rec["pin"],
        )
        res = await lockt.users.upsert([model], update_existing=True)
        assert res.updated == 1 and res.failures == []
        assert isinstance(res.pages, list)
        refused = await lockt.users.upsert([model], validate_fails_batch=False)
    assert [f.messages for f in refused.failures] == [
        (f"id_num Already Exists: {rec['id_num']}", f"Email Already Exists: {rec['email']}")
    ]
    (stored,) = sim.users.values()
    assert stored["last_name"] == "Byron"


async def test_upsert_one_resolves_by_id_num() -> None:
    """Point 1: upsert_one(update_existing=True) updates the user holding the id_num."""
    sim = Simulator()
    async with sim.client() as lockt:
        await lockt.users.upsert_one(user_record(7), update_existing=True)
        summary = await lockt.users.upsert_one(
            user_record(7, last_name="Changed"), update_existing=True
        )
    assert (summary.inserted, summary.updated) == (0, 1)
    (stored,) = sim.users.values()
    assert stored["last_name"] == "Changed"


# email, phone and pin: the validation table requires them on INSERT and UPDATE.
ALICE = {"id": 11, "id_num": "ALICE", "first_name": "Alice", "last_name": "A",
         "email": "alice@example.com", "phone": "5550011", "pin": "1111"}  # fmt: skip
BOB = {"id": 22, "id_num": "BOB", "first_name": "Bob", "last_name": "B",
       "email": "bob@example.com", "phone": "5550022", "pin": "2222"}  # fmt: skip


@pytest.mark.parametrize("everyone", [False, True], ids=["bob-only", "everyone"])
async def test_server_ignoring_the_filter_never_aims_at_bob(everyone: bool) -> None:
    """Point 1: rows are checked against the id_num asked; Bob's row never becomes Alice's."""
    sent: list[tuple[str, Any]] = []
    transport = roster_server([BOB, ALICE] if everyone else [BOB], sent)
    async with LocktClient("u", "k", base_url=URL, transport=transport) as lockt:
        alice = {**ALICE, "id": None, "last_name": "New"}
        await lockt.users.upsert([alice], update_existing=True)
        await lockt.users.upsert_one(alice, update_existing=True)
    assert [r["id"] for _, page in sent for r in page] == ([11, 11] if everyone else [-1, -1])


async def test_two_users_with_one_id_num_are_not_guessed() -> None:
    """Point 1: an id_num held by two users aims no update; the record is refused, naming both."""
    sent: list[tuple[str, Any]] = []
    twin = {**ALICE, "id": 12}
    transport = roster_server([ALICE, twin], sent)
    async with LocktClient("u", "k", base_url=URL, transport=transport) as lockt:
        alice = {**ALICE, "id": None, "last_name": "New"}
        res = await lockt.users.upsert(
            [alice, {**BOB, "id": None}], update_existing=True, validate_fails_batch=False
        )
    (failure,) = res.failures
    assert (failure.index, str(failure.reason)) == (0, "invalid")
    assert "id_num ALICE is held by users 11, 12" in failure.messages[0]
    assert [r["id_num"] for _, page in sent for r in page] == ["BOB"]
