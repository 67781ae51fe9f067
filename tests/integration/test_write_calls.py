"""Every write call of the catalogue, against a seeded simulator (NOTES.md endpoint table)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lockt_async import (
    AccessLevel,
    Delegate,
    DoorRef,
    FailureReason,
    Fob,
    UnlockResult,
    ValidationFailedError,
)
from lockt_async.testing import Simulator
from tests.support import user_record

pytestmark = pytest.mark.anyio


async def test_users_delete(sim: Simulator) -> None:
    """DELETE /user: ids as ints, digit strings or models; a bad id is rejected per record."""
    async with sim.client() as lockt:
        await lockt.users.upsert([user_record(1), user_record(2), user_record(3)])
        ids = [u["id"] for u in sim.users.values() if str(u["id_num"]).startswith("EMP")]
        one = await lockt.users.get(id=ids[2])
        result = await lockt.users.delete(
            [ids[0], str(ids[1]), one, 99999999], validate_fails_batch=False
        )
    assert result.deleted == 3
    (bad,) = result.failures
    assert bad.index == 3 and bad.reason is FailureReason.REJECTED
    assert not {u["id_num"] for u in sim.users.values()} & {"EMP000001", "EMP000002"}


async def test_fobs_create_reassign_delete(sim: Simulator) -> None:
    """POST, PUT (user_id 0 unassigns) and DELETE /fob."""
    async with sim.client() as lockt:
        created = await lockt.fobs.create([Fob(name="Lobby fob", id_num="LF1", card_num="77001")])
        assert created.inserted == 1
        fob = await lockt.fobs.get(name="Lobby fob")
        moved = await lockt.fobs.reassign([{"id": fob.id, "user_id": 1693}])
        assert moved.failures == [] and sim.fobs[fob.id]["user_id"] == 1693
        await lockt.fobs.reassign([{"id": fob.id, "user_id": 0}])
        assert sim.fobs[fob.id]["user_id"] in (None, 0)
        gone = await lockt.fobs.delete([fob])
    assert gone.deleted == 1
    assert fob.id not in sim.fobs


async def test_doors_create_delete_unlock(sim: Simulator) -> None:
    """POST/DELETE /door, and POST /unlock returning one result per door."""
    async with sim.client() as lockt:
        await lockt.doors.create([{"name": "Server room", "location_id": 123456}])
        door = next(d for d in await lockt.doors.list() if d.name == "Server room")
        results = await lockt.doors.unlock([door.id, 99999999])
        assert [type(r) for r in results] == [UnlockResult, UnlockResult]
        assert results[0].unlocked is True and results[0].status == "unlocked"
        assert results[1].unlocked is False and results[1].errors
        # door | DELETE known issue: a valid id is rejected (the simulator: the first
        # time it is named); a resend of only the rejected ids goes through.
        first = await lockt.doors.delete([door], validate_fails_batch=False)
        assert first.deleted == 0 and first.failures[0].reason is FailureReason.REJECTED
        deleted = await lockt.doors.delete([f.record for f in first.failures])
    assert deleted.deleted == 1


async def test_access_levels_create_delete(sim: Simulator) -> None:
    """POST /accesslevel (name, doors with schedule ids) and DELETE /accesslevel."""
    async with sim.client() as lockt:
        level = AccessLevel(name="Night shift", doors=(DoorRef(id=166, schedule_id=1404),))
        created = await lockt.access_levels.create([level])
        assert created.inserted == 1
        got = await lockt.access_levels.get(name="Night shift")
        assert [(d.id, d.schedule_id) for d in got.doors] == [(166, 1404)]
        deleted = await lockt.access_levels.delete([got.id])
    assert deleted.deleted == 1


async def test_credentials_update_delete(sim: Simulator) -> None:
    """PUT /credential (dates) and DELETE /credential (not a fob)."""
    async with sim.client() as lockt:
        await lockt.users.upsert([user_record(9)])
        uid = next(u["id"] for u in sim.users.values() if u["id_num"] == "EMP000009")
        (cred,) = await lockt.credentials.list(user_id=uid)
        until = datetime.now(UTC) + timedelta(days=30)
        updated = await lockt.credentials.update([{"id": cred.id, "access_expires": until}])
        assert updated.failures == []
        again = await lockt.credentials.get(id=cred.id)
        assert again.access_expires is not None
        assert abs(again.access_expires - until) < timedelta(seconds=1)
        deleted = await lockt.credentials.delete([cred])
    assert deleted.deleted == 1


async def test_delegates_create_and_purge(sim: Simulator) -> None:
    """POST /delegate (one object per call) and POST /delegate?purge."""
    async with sim.client() as lockt:
        doors = await lockt.doors.list(user_id=1693)
        start = datetime.now(UTC) + timedelta(hours=1)
        grant = Delegate(
            from_user_id=1693,
            to_user_id=300,
            access_effective=start,
            access_expires=start + timedelta(hours=2),
            doors=(DoorRef(id=doors[0].id),),
        )
        summary = await lockt.delegates.create(grant)
        assert summary.processed == 1
        with pytest.raises(ValidationFailedError):
            await lockt.delegates.create({**_as_dict(grant), "doors": [{"id": 99999999}]})
        purged = await lockt.delegates.purge()
    assert purged.submitted >= 1


async def test_locations_create(sim: Simulator) -> None:
    """POST /location (name, locationtype); a missing locationtype is refused client-side."""
    async with sim.client() as lockt:
        result = await lockt.locations.create(
            [{"name": "Annex", "locationtype": 23981}, {"name": "Nowhere"}],
            validate_fails_batch=False,
        )
    assert result.inserted == 1
    (bad,) = result.failures
    assert bad.index == 1 and "locationtype" in bad.messages[0]


async def test_users_anonymize(sim: Simulator) -> None:
    """POST /anonymize?user_id= (pending release): the user's personal data is wiped."""
    async with sim.client() as lockt:
        summary = await lockt.users.anonymize(1693)
    assert summary["processed"] == 1
    assert sim.users[1693]["first_name"] == "Anonymized"


def _as_dict(grant: Delegate) -> dict[str, object]:
    return {
        "from_user_id": grant.from_user_id,
        "to_user_id": grant.to_user_id,
        "access_effective": grant.access_effective,
        "access_expires": grant.access_expires,
    }
