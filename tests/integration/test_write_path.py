"""The write path against the simulator: pages, the gate, outcomes, retries (issue 4)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from lockt_async import (
    AuthenticationError,
    BatchResult,
    FailureReason,
    LocktClient,
    Progress,
    RecordError,
    RetryPolicy,
    User,
    ValidationFailedError,
    WriteNotAppliedError,
)
from lockt_async.testing import (
    DEFAULT_DEFECTS,
    ENUMERATE_DEPENDANT,
    HOST_UNREACHABLE,
    LOCATE_TEMPLATE,
    UNEXPECTED_ERROR,
    Delay,
    Drop,
    Fault,
    RateLimit,
    Simulator,
    communication_error,
    serve,
    status,
)
from tests.support import assert_accounted, stored_id_nums, user_record, users

pytestmark = pytest.mark.anyio


def _page_sizes(sim: Simulator, path: str = "/user") -> list[int]:
    return [e.records for e in sim.journal.writes() if e.path.endswith(path) and e.status == 200]


async def test_pages_of_100_100_50() -> None:
    """Record limit: 250 users with limit 100 go out as pages of 100, 100, 50."""
    sim = Simulator()
    async with sim.client() as lockt:
        result = await lockt.users.upsert(users(250))
    assert result.ok
    assert (result.submitted, result.inserted) == (250, 250)
    assert _page_sizes(sim) == [100, 100, 50]
    assert [p.records for p in result.pages] == [100, 100, 50]
    assert sim.journal.max_concurrent_writes() == 1


async def test_concurrent_tasks_and_clients_never_overlap() -> None:
    """Rate limit: 5 tasks over 2 clients import concurrently; no two writes overlap."""
    sim = Simulator(latency=0.005)
    results: list[BatchResult] = []
    async with sim.client() as a, sim.client() as b:

        async def one(client: LocktClient, start: int) -> None:
            results.append(await client.users.upsert(users(120, start=start)))

        async with anyio.create_task_group() as tg:
            for k in range(5):
                tg.start_soon(one, a if k % 2 else b, k * 1000)
    assert all(r.ok for r in results)
    assert len(sim.users) == 600
    assert sim.journal.max_concurrent_writes() == 1
    assert not [e for e in sim.journal.writes() if e.status == 429]


async def test_lower_instance_limit_is_learned() -> None:
    """'Batch size exceeds maximum of X objects.': limit 40 is learned, all land once."""
    sim = Simulator(record_limit=40)
    async with sim.client() as lockt:
        result = await lockt.users.upsert(users(250))
        assert lockt.record_limit == 40
    assert result.ok
    assert result.learned_limit == 40
    assert sorted(stored_id_nums(sim)) == sorted(u["id_num"] for u in users(250))
    assert max(_page_sizes(sim)) <= 40


async def test_limit_shrinking_mid_import() -> None:
    """The limit shrinks mid-import: re-split pages, every record lands exactly once."""
    sim = Simulator()

    def shrink(p: Progress) -> None:
        if p.pages == 2:
            sim.record_limit = 30

    async with sim.client() as lockt:
        result = await lockt.users.upsert(users(500), on_progress=shrink)
    assert result.ok and result.learned_limit == 30
    assert sorted(stored_id_nums(sim)) == sorted(u["id_num"] for u in users(500))


def _with_invalid(n: int, bad: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    recs = users(n)
    for i, change in bad.items():
        recs[i] = {**recs[i], **change}
    return recs


BAD = {
    3: {"email": "nope@@x"},
    77: {"first_name": ""},
    150: {"card_num": "A8914"},
    401: {"pin": "12a4"},
    555: {"access_effective": "2023-01-01 00:00:00", "access_expires": "2022-01-01 00:00:00"},
    800: {"phone": "call me"},
    999: {"last_name": "   "},
}
BAD_FIELDS = {
    3: "email",
    77: "first_name",
    150: "card_num",
    401: "pin",
    555: "access_effective",
    800: "phone",
    999: "last_name",
}


async def test_invalid_records_reported_and_rest_sent() -> None:
    """validate_fails_batch=false: the 7 invalid are failures (index, field); 993 land."""
    sim = Simulator()
    recs = _with_invalid(1000, BAD)
    async with sim.client() as lockt:
        result = await lockt.users.upsert(recs, validate_fails_batch=False)
    assert_accounted(result, 1000)
    assert {f.index for f in result.failures} == set(BAD)
    for f in result.failures:
        assert f.reason is FailureReason.INVALID
        assert BAD_FIELDS[f.index] in " ".join(f.messages)
        assert f.record is recs[f.index]
    assert len(sim.users) == 993
    assert not set(stored_id_nums(sim)) & {recs[i]["id_num"] for i in BAD}


async def test_invalid_list_with_all_or_nothing_sends_nothing() -> None:
    """validate_fails_batch=true on a list: nothing is sent and the error lists all 7."""
    sim = Simulator()
    async with sim.client() as lockt:
        with pytest.raises(ValidationFailedError) as info:
            await lockt.users.upsert(_with_invalid(1000, BAD))
    assert sorted(f.index for f in info.value.failures) == sorted(BAD)
    assert sim.journal.writes() == []
    assert "7 invalid record(s)" in str(info.value)


async def test_streamed_all_or_nothing_stops_at_first_invalid_page() -> None:
    """Streamed input, validate_fails_batch=true: earlier pages stand, the rest not_sent."""
    sim = Simulator()
    recs = _with_invalid(300, {150: {"email": "x@@y"}})

    def gen() -> Iterator[dict[str, Any]]:
        yield from recs

    async with sim.client() as lockt:
        result = await lockt.users.upsert(gen())
    assert_accounted(result, 300)
    assert len(sim.users) == 100  # the first page only
    reasons = {f.index: f.reason for f in result.failures}
    assert reasons[150] is FailureReason.INVALID
    assert all(reasons[i] is FailureReason.NOT_SENT for i in range(100, 300) if i != 150)
    assert isinstance(result.stopped_by, ValidationFailedError)


async def test_async_iterable_input() -> None:
    """Input: an async iterable (a database cursor) is paged like a list."""
    sim = Simulator()

    async def cursor() -> AsyncIterator[dict[str, Any]]:
        for rec in users(230):
            yield rec

    async with sim.client() as lockt:
        result = await lockt.users.upsert(cursor())
    assert result.ok and result.total == 230
    assert _page_sizes(sim) == [100, 100, 30]


async def test_server_rejection_matched_to_input_index() -> None:
    """user | POST | INSERT | id_num | Already exists: the rejection maps to its index."""
    sim = Simulator()
    async with sim.client() as lockt:
        await lockt.users.upsert([user_record(5)])
        recs = users(120, start=1000)
        recs[42] = user_record(5, email="other@example.com", card_num="999999")
        result = await lockt.users.upsert(recs, validate_fails_batch=False)
    assert_accounted(result, 120)
    (failure,) = result.failures
    assert failure.index == 42 and failure.reason is FailureReason.REJECTED
    assert any("EMP000005" in m for m in failure.messages)
    assert len(sim.users) == 120


@pytest.mark.parametrize(
    "action",
    [
        RateLimit(),
        communication_error(ENUMERATE_DEPENDANT),
        communication_error(LOCATE_TEMPLATE),
        communication_error(HOST_UNREACHABLE),
    ],
    ids=["rate-limit", "enumerate-dependant", "locate-template", "host-unreachable"],
)
async def test_not_applied_answers_are_resent(action: Any) -> None:
    """Retry rule: rate limits and 'Batch has been terminated' errors are resent, once applied."""
    sim = Simulator()
    sim.faults.add(Fault(action, method="POST", path="/user", nth=2, times=2))
    async with sim.client() as lockt:
        result = await lockt.users.upsert(users(300))
    assert result.ok
    assert sorted(stored_id_nums(sim)) == sorted(u["id_num"] for u in users(300))
    assert [p.attempts for p in result.pages] == [1, 3, 1]


@pytest.mark.parametrize(
    "action",
    [Drop(after_apply=True), communication_error(UNEXPECTED_ERROR), status(503)],
    ids=["dropped-after-apply", "unexpected-error", "503"],
)
async def test_ambiguous_answers_are_unknown_never_resent(action: Any) -> None:
    """Retry rule: a dropped connection, 5xx or 'Unexpected Error' is unknown, not resent."""
    sim = Simulator()
    sim.faults.add(Fault(action, method="POST", path="/user", nth=2))
    async with sim.client() as lockt:
        result = await lockt.users.upsert(users(300))
    assert_accounted(result, 300)
    assert {f.index for f in result.failures} == set(range(100, 200))
    assert {f.reason for f in result.failures} == {FailureReason.UNKNOWN}
    ids = stored_id_nums(sim)
    assert len(ids) == len(set(ids))  # nothing applied twice
    assert len([e for e in sim.journal.writes() if e.path.endswith("/user")]) == 3


async def test_timeout_after_send_is_unknown() -> None:
    """Retry rule: a read timeout after sending is unknown; the import goes on."""
    sim = Simulator()
    sim.faults.add(Fault(Delay(1.0), method="POST", path="/user", nth=1))
    async with sim.client(timeout=0.2) as lockt:
        result = await lockt.users.upsert(users(150))
    assert [f.reason for f in result.failures] == [FailureReason.UNKNOWN] * 100
    assert len(sim.users) == 150  # the slow page was applied after all: unknown was honest


async def test_revoked_key_stops_the_import() -> None:
    """401 mid-import: the import stops; the rest is not_sent; stopped_by says why."""
    sim = Simulator()

    def revoke(p: Progress) -> None:
        if p.pages == 1:
            sim.api_key = "revoked"

    async with sim.client() as lockt:
        result = await lockt.users.upsert(users(350), on_progress=revoke)
    assert_accounted(result, 350)
    assert len(sim.users) == 100
    assert {f.reason for f in result.failures} == {FailureReason.NOT_SENT}
    assert isinstance(result.stopped_by, AuthenticationError)


async def test_cancel_mid_import_finishes_page_in_flight() -> None:
    """Cancellation: the page in flight completes; the caller's result shows what landed."""
    sim = Simulator(latency=0.01)
    result = BatchResult()

    async with sim.client() as lockt:
        with anyio.CancelScope() as scope:

            def cancel(p: Progress) -> None:
                if p.pages == 2:
                    scope.cancel()

            await lockt.users.upsert(users(1000), on_progress=cancel, result=result)
        # the gate is free again: another write goes through
        assert (await lockt.users.upsert(users(1, start=5000))).ok
    assert result.cancelled
    assert_accounted(result, 1000)
    applied = {u["id_num"] for u in sim.users.values()}
    expected = {u["id_num"] for i, u in enumerate(users(1000)) if i < result.accepted}
    assert applied - {"EMP005000"} == expected
    assert {f.reason for f in result.failures} == {FailureReason.NOT_SENT}


async def test_models_and_inserts_without_id() -> None:
    """User POST: a model without id is sent as an insert with id -1."""
    sim = Simulator()
    async with sim.client() as lockt:
        rec = User(
            id_num="M1",
            first_name="Grace",
            last_name="Hopper",
            pin="4321",
            email="g@example.com",
            phone="5550001111",
        )
        result = await lockt.users.upsert([rec])
    assert result.inserted == 1
    sent = sim.journal.writes()[0]
    assert sent.records == 1
    assert [u["id_num"] for u in sim.users.values()] == ["M1"]


async def test_bad_input_is_typed() -> None:
    """Bad input: a single mapping, a non-iterable, unknown fields: typed, named errors."""
    sim = Simulator()
    async with sim.client() as lockt:
        with pytest.raises(RecordError, match="wrap it in a list"):
            await lockt.users.upsert(user_record(1))  # type: ignore[arg-type]
        with pytest.raises(RecordError):
            await lockt.users.upsert(42)  # type: ignore[arg-type]
        result = await lockt.users.upsert(
            [{"id_num": "X", "first_name": "a", "last_name": "b", "shoe_size": 9}, "text"],
            validate_fails_batch=False,
        )
    first, second = result.failures
    assert "shoe_size" in first.messages[0] and "allowed" in first.messages[0]
    assert "mapping" in second.messages[0]
    assert sim.journal.writes() == []


async def test_single_update_raises_its_own_error() -> None:
    """PUT /user, one object per call: a rejection raises with the server's messages."""
    sim = Simulator()
    async with sim.client() as lockt:
        await lockt.users.upsert([user_record(1)])
        uid = next(iter(sim.users))
        summary = await lockt.users.update({"id": uid, "custom2": "Night shift"})
        assert summary.updated == 1
        assert sim.users[uid]["custom2"] == "Night shift"
        with pytest.raises(ValidationFailedError):
            await lockt.users.update({"id": 999999, "custom1": "Nobody"})
        with pytest.raises(ValidationFailedError, match="first_name"):
            await lockt.users.update({"id": uid, "first_name": "Not in the PUT table"})
        sim.faults.add(Fault(RateLimit(), method="PUT", path="/user", times=None))
    async with sim.client(retry=RetryPolicy.instant(write_resends=1)) as lockt:
        with pytest.raises(WriteNotAppliedError):
            await lockt.users.update({"id": uid, "custom3": "X"})


async def test_deletes_doors_fobs_and_more() -> None:
    """Every batch write of the catalogue goes through the same path (doors, fobs, deletes)."""
    sim = Simulator(seed=True, defects=DEFAULT_DEFECTS - {"door_delete_rejects_valid_ids"})
    async with sim.client() as lockt:
        doors = await lockt.doors.create([{"name": f"Lab {i}"} for i in range(5)])
        assert doors.inserted == 5
        new_ids = [d["id"] for d in sim.doors.values() if str(d["name"]).startswith("Lab ")]
        deleted = await lockt.doors.delete(new_ids[:2])
        assert deleted.deleted == 2
        fobs = await lockt.fobs.create([{"name": "Fob X", "id_num": "FX1", "card_num": "55991"}])
        assert fobs.inserted == 1
        loc = await lockt.locations.create([{"name": "Annex", "locationtype": 23981}])
        assert loc.inserted == 1


async def test_duplicate_door_names_refused_before_sending() -> None:
    """Known defect: POST /door does not check names within a batch; the client does."""
    sim = Simulator()
    async with sim.client() as lockt:
        result = await lockt.doors.create(
            [{"name": "Gym"}, {"name": "Pool"}, {"name": "Gym"}], validate_fails_batch=False
        )
    (dup,) = result.failures
    assert dup.index == 2 and dup.reason is FailureReason.INVALID
    assert sorted(d["name"] for d in sim.doors.values()) == ["Gym", "Pool"]


async def test_loopback_socket_writes_do_not_overlap() -> None:
    """Over a real 127.0.0.1 socket, 3 concurrent imports never overlap."""
    sim = Simulator(latency=0.002)
    async with (
        serve(sim) as base_url,
        LocktClient(sim.api_user, sim.api_key, base_url=base_url, timezone=sim.timezone) as lockt,
        anyio.create_task_group() as tg,
    ):
        for k in range(3):
            tg.start_soon(lockt.users.upsert, users(150, start=k * 1000))
    assert len(sim.users) == 450
    assert sim.journal.max_concurrent_writes() == 1
