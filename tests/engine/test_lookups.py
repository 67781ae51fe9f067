"""Issue 12 point 2 (lookup half): every row of a lookup is checked against the key asked
for; a server that ignores the filter and answers every record cannot make ``get`` return
another record, nor ``reconcile`` mark never-applied records accepted."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from lockt_async import FailureReason, NotFoundError
from tests.support import HostileServer, check_invariants, users

pytestmark = pytest.mark.anyio

#: What the filter-ignoring server holds, per path: every row, whatever was asked.
ROWS: dict[str, list[dict[str, Any]]] = {
    "/user": [
        {"id": 10 + i, "id_num": f"E{i}", "first_name": "A", "last_name": f"L{i}"}
        for i in range(50)
    ],
    "/fob": [
        {"id": 100 + i, "name": f"Fob {i}", "card_num": str(5000 + i), "id_num": f"F{i}"}
        for i in range(20)
    ],
    "/credential": [{"id": 200 + i, "card_num": str(7000 + i)} for i in range(20)],
    "/accesslevel": [{"id": 300 + i, "name": f"Level {i}"} for i in range(5)],
}


def _ignores_filters(request: httpx.Request, s: HostileServer) -> httpx.Response | None:
    if request.method != "GET":
        return None
    path = request.url.path.removeprefix("/api/v1")
    if path == "/user":  # what a write applied is there too
        applied = [
            {"id": 1000 + n, "id_num": k, "first_name": "A", "last_name": "B"}
            for n, k in enumerate(s.applied)
        ]
        return httpx.Response(200, json={"data": ROWS["/user"] + applied})
    return httpx.Response(200, json={"data": ROWS[path]})


# (resource, keyword, value present, the id of its row, a value absent)
CASES = [
    ("users", "id_num", "E42", 52, "E4200"),
    ("users", "id", 17, 17, 99999),
    ("fobs", "name", "Fob 7", 107, "Fob 70"),
    ("fobs", "card_num", "5003", 103, "50030"),
    ("fobs", "id_num", "F19", 119, "F190"),
    ("fobs", "id", 111, 111, 1),
    ("credentials", "card_num", 7005, 205, "7"),
    ("credentials", "id", 219, 219, 2),
    ("access_levels", "name", "Level 3", 303, "Level"),
]


@pytest.mark.parametrize(("group", "key", "present", "row_id", "absent"), CASES)
async def test_lookup_returns_the_row_asked_for(
    group: str, key: str, present: object, row_id: int, absent: object
) -> None:
    """Point 2: get(key=v) against a server answering every row gives v's row, never E0."""
    async with HostileServer(_ignores_filters).client() as lockt:
        resource = getattr(lockt, group)
        found = await resource.get(**{key: present})
        assert found.id == row_id
        with pytest.raises(NotFoundError, match="other record"):
            await resource.get(**{key: absent})


async def test_lookup_matches_case_only_when_unambiguous() -> None:
    """Point 2: a name differing only in case matches when it is the one such row."""
    async with HostileServer(_ignores_filters).client() as lockt:
        assert (await lockt.access_levels.get(name="level 2")).id == 302


async def test_reconcile_does_not_accept_what_was_never_applied() -> None:
    """Point 2: unknown outcomes settled against a filter-ignoring server: only the records
    the server really applied become accepted; the rest not_sent. Invariant holds."""

    def respond(request: httpx.Request, s: HostileServer) -> httpx.Response | None:
        if request.method == "POST":
            sent = json.loads(request.content)["users"]
            s.apply(request, count=len(sent) // 2)  # applies half, then times out (a 504)
            return httpx.Response(504, json={"data": {"error": "Gateway Timeout"}})
        return _ignores_filters(request, s)

    server = HostileServer(respond)
    records = users(100, start=1000)
    async with server.client() as lockt:
        result = await lockt.users.upsert(records)
        assert result.failure_counts() == {"unknown": 100}
        settled = await lockt.users.reconcile(result)
    check_invariants(server, settled, records)
    assert settled.accepted == 50 == len(server.applied)
    assert {f.reason for f in settled.failures} == {FailureReason.NOT_SENT}
    assert {records[f.index]["id_num"] for f in settled.failures}.isdisjoint(server.applied)
