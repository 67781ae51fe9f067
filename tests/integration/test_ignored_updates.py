"""POST /user updates sent with ``update_existing=false`` (the document's options table:
"records that are determined to be updates of existing records will be ignored").

The server counts them in ``submitted`` only. The write path names them ``rejected`` with
a message that says how to update, keeps the page's inserts accepted, and never reports
them accepted (they were not applied) nor the whole page ``unknown``.
"""

from __future__ import annotations

import pytest

from lockt_async import FailureReason, ValidationFailedError
from lockt_async.testing import Simulator
from tests.support import user_record, users

pytestmark = pytest.mark.anyio


async def test_updates_ignored_by_the_server_are_rejected_inserts_accepted() -> None:
    """Options table, update_existing=false: updates ignored; inserts of the page applied."""
    sim = Simulator()
    async with sim.client() as lockt:
        first = await lockt.users.upsert(users(3), validate_fails_batch=False)
        assert first.ok
        stored = {u["id_num"]: u["id"] for u in sim.users.values()}
        changed = [user_record(i, id=stored[f"EMP{i:06d}"], last_name="Changed") for i in range(3)]
        result = await lockt.users.upsert(
            [*changed, user_record(3)], validate_fails_batch=False, update_existing=False
        )
    assert [(f.index, f.reason) for f in result.failures] == [
        (0, FailureReason.REJECTED),
        (1, FailureReason.REJECTED),
        (2, FailureReason.REJECTED),
    ]
    assert "update_existing=True" in result.failures[0].messages[0]
    assert result.inserted == 1
    assert {u["last_name"] for u in sim.users.values()} >= {"Lovelace0", "Lovelace3"}
    assert "Changed" not in {u["last_name"] for u in sim.users.values()}


async def test_coalesced_update_without_update_existing_raises_its_rejection() -> None:
    """The same rule for ``upsert_one``: the caller learns its update was ignored."""
    sim = Simulator()
    async with sim.client() as lockt:
        await lockt.users.upsert(users(1))
        uid = next(iter(sim.users.values()))["id"]
        with pytest.raises(ValidationFailedError, match="update_existing=True"):
            await lockt.users.upsert_one(user_record(0, id=uid, last_name="X"))
