"""Testing your own code against the Lockt simulator, with the pytest fixtures.

``lockt_simulator`` is a fresh simulated instance (seeded with the API document's
example objects) and ``lockt_client`` a ``LocktClient`` wired to it in-process. They
come with the ``simulator`` extra (``pip install "lockt_async[simulator]"``); the
``anyio`` marker comes with anyio, which lockt_async installs.

Run it: ``pytest examples/test_with_fixtures.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from lockt_async import BatchResult, LocktClient, UserRecord
from lockt_async.testing import Drop, RateLimit, instant_retries

pytestmark = pytest.mark.anyio

PEOPLE: list[UserRecord] = [
    {
        "id_num": "E1001",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "555 123 4567",
        "pin": "4321",
    },
    {
        "id_num": "E1002",
        "first_name": "Alan",
        "last_name": "Turing",
        "email": "alan@example.com",
        "phone": "555 123 4568",
        "pin": "8765",
    },
]


async def onboard(lockt: LocktClient, people: list[UserRecord]) -> BatchResult[Any]:
    """Your code: import people; look up what came back unknown before anyone resends."""
    result = await lockt.users.upsert(people, update_existing=True, validate_fails_batch=False)
    if result.failure_counts().get("unknown"):
        result = await lockt.users.reconcile(result)
    return result


async def test_onboard_inserts_everyone(lockt_simulator, lockt_client) -> None:
    """Both people end up in the instance, in one write."""
    result = await onboard(lockt_client, PEOPLE)
    assert result.ok
    assert {u["id_num"] for u in lockt_simulator.users.values()} >= {"E1001", "E1002"}
    assert len(lockt_simulator.journal.writes()) == 1


async def test_onboard_twice_updates(lockt_simulator, lockt_client) -> None:
    """The second run updates the people the first one inserted."""
    await onboard(lockt_client, PEOPLE)
    again = await onboard(lockt_client, PEOPLE)
    assert (again.inserted, again.updated) == (0, 2)


async def test_a_rate_limited_write_is_resent(lockt_simulator, lockt_client) -> None:
    """A 429 (another write in progress) is resent: the import still succeeds."""
    lockt_simulator.faults.on("POST", "/user", RateLimit())
    with instant_retries():  # keep the retry decisions, skip the waiting
        result = await onboard(lockt_client, PEOPLE)
    assert result.ok
    assert len(lockt_simulator.journal.writes()) == 2


async def test_a_lost_answer_is_reconciled(lockt_simulator, lockt_client) -> None:
    """The write is applied but its answer is cut off: reconcile finds both people."""
    lockt_simulator.faults.on("POST", "/user", Drop(after_apply=True))
    result = await onboard(lockt_client, PEOPLE)
    assert result.ok
    assert result.records_to_retry() == []
