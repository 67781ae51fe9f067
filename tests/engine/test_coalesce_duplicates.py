"""Issue 12 ("nothing applied twice"), found by the upsert_one fuzz: concurrent callers
whose records share a unique field, against a server that (as the document says of
batches) does not check duplicates within a page: only one of them is applied."""

from __future__ import annotations

import json

import anyio
import httpx
import pytest

from lockt_async import ValidationFailedError
from tests.support import HostileServer, contact
from tests.support.callers import Outcomes

pytestmark = pytest.mark.anyio


class NoBatchCheck(HostileServer):
    """Applies every record of a page, duplicates within it included (the defect)."""

    def upsert(self, request: httpx.Request) -> httpx.Response:
        users = json.loads(request.content)["users"]
        for u in users:
            self.applied[str(u["id_num"])] += 1
        summary = {"submitted": len(users), "inserted": len(users), "errors": 0}
        return httpx.Response(200, json={"data": summary})


async def test_same_id_num_callers_are_not_both_applied() -> None:
    """Three callers with one id_num among five others: E7 is applied once; the two
    other E7 callers get a ValidationFailedError; the unrelated callers share a page."""
    server = NoBatchCheck()
    outcomes = Outcomes(ValidationFailedError)
    async with server.client() as lockt, anyio.create_task_group() as tg:
        for last in ("One", "Two", "Three"):
            record = {"id_num": "E7", "first_name": "A", "last_name": last, **contact(last)}
            tg.start_soon(outcomes.call, lockt.users.upsert_one, record)
        for i in range(5):
            record = {"id_num": f"U{i}", "first_name": "B", "last_name": "C", **contact(i)}
            tg.start_soon(lockt.users.upsert_one, record)
    assert dict(server.applied) == {"E7": 1, **{f"U{i}": 1 for i in range(5)}}
    assert outcomes.count(None) == 1 and len(outcomes) == 3
    assert len(server.requests) == 1  # coalescing still coalesces
