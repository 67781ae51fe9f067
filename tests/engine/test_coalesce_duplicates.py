"""Issue 12 ("nothing applied twice"), found by the upsert_one fuzz: concurrent callers
whose records share a unique field never share a coalesced page."""

from __future__ import annotations

import json

import anyio
import pytest

from lockt_async import ServerValidationError
from tests.engine._hostile import HostileServer

pytestmark = pytest.mark.anyio


async def test_same_id_num_callers_go_on_separate_pages() -> None:
    """The server does not check duplicates within a batch (documented defect): together
    both would be applied. Split, the first lands and the second hears "already exists"."""
    server = HostileServer()
    outcomes: list[BaseException | None] = []
    async with server.client() as lockt:

        async def one(last: str) -> None:
            try:
                await lockt.users.upsert_one({"id_num": "E7", "first_name": "A", "last_name": last})
                outcomes.append(None)
            except ServerValidationError as exc:
                outcomes.append(exc)

        async with anyio.create_task_group() as tg:
            for last in ("One", "Two", "Three"):
                tg.start_soon(one, last)
            for i in range(5):  # unrelated callers still share the first page
                tg.start_soon(
                    lockt.users.upsert_one, {"id_num": f"U{i}", "first_name": "B", "last_name": "C"}
                )
    assert dict(server.applied) == {"E7": 1, **{f"U{i}": 1 for i in range(5)}}
    assert outcomes.count(None) == 1
    assert all("Already exists" in str(e) for e in outcomes if e is not None)
    pages = [[u["id_num"] for u in json.loads(r.content)["users"]] for r in server.requests]
    assert all(p.count("E7") <= 1 for p in pages)
    assert len(pages[0]) == 6  # E7 once and the five others: coalescing still coalesces
