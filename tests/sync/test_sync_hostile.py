"""Issue 11: sync against servers that answer in the document's other shapes, or badly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lockt_async import LocktClient
from tests.support import URL, roster_server

pytestmark = pytest.mark.anyio

FOB_HOLDER = {"id": 5678, "id_num": "", "name": "Fob 1", "card_num": "10000", "enabled": True}
# email and phone as GET /user?id= shows them: a POST /user update must carry them
# (the validation table's "Missing or blank" rows), so the sync merges them in.
JANE = {"id": 7, "id_num": 1001, "first_name": "Jane", "last_name": "Doe", "enabled": True,
        "email": "jane@example.com", "phone": "5550007"}  # fmt: skip
JOE = {"id": 8, "id_num": "1002", "first_name": "Joe", "last_name": "Roe", "enabled": True,
       "email": "joe@example.com", "phone": "5550008"}  # fmt: skip


async def test_field_the_roster_lacks_is_ignored_and_never_sent_alone() -> None:
    """Issue 22 point 3: pin is not in the GET /user list table: not compared, carried along."""
    sent: list[tuple[str, Any]] = []
    transport = roster_server([FOB_HOLDER, JANE, JOE], sent)
    source = [
        {"id_num": "1001", "first_name": "Jane", "last_name": "Doe", "pin": "1234"},
        {"id_num": "1002", "first_name": "Joe", "last_name": "Moe", "pin": "9876"},
    ]
    async with LocktClient("u", "k", base_url=URL, transport=transport) as lockt:
        result = await lockt.users.sync(source, on_missing="delete")
    assert result.plan.ignored == [] and list(result.plan.not_compared) == ["pin"]
    assert "first_name" in result.plan.compared and "pin" not in result.plan.compared
    assert result.plan.route.name == "none", "the source supplies the pin: no read, no PUT"
    assert result.plan.unchanged == [0] and [u.index for u in result.plan.updates] == [1]
    # Joe's update carries his pin along with the name change; Jane's alone is never sent.
    assert sent == [
        (
            "POST",
            [{"id": 8, "id_num": "1002", "first_name": "Joe", "last_name": "Moe",
              "email": "joe@example.com", "phone": "5550008", "enabled": True, "pin": "9876"}],
        )
    ]  # fmt: skip
    assert result.plan.unkeyed == 1 and result.plan.missing == []


async def test_delete_never_aims_at_a_row_without_id_num() -> None:
    """GET /user example's "Fob 1" (blank id_num) is never deleted, even by an empty source."""
    sent: list[tuple[str, Any]] = []
    transport = roster_server([FOB_HOLDER, JANE, JOE], sent)
    async with LocktClient("u", "k", base_url=URL, transport=transport) as lockt:
        result = await lockt.users.sync([], on_missing="delete", max_removals=2)
    assert sent == [("DELETE", [{"id": 7}, {"id": 8}])]
    assert result.deleted == 2


async def test_duplicate_id_num_in_lockt_is_refused_not_guessed() -> None:
    """Point 2: two Lockt users with one id_num: the record is refused, neither is touched."""
    sent: list[tuple[str, Any]] = []
    twin = {**JOE, "id": 9}
    transport = roster_server([JOE, twin], sent)
    source = [{"id_num": "1002", "first_name": "Joe", "last_name": "Changed"}]
    async with LocktClient("u", "k", base_url=URL, transport=transport) as lockt:
        result = await lockt.users.sync(source, on_missing="delete", max_removals=5)
    (failure,) = result.failures
    assert failure.index == 0 and "ids 8, 9" in failure.messages[0]
    assert sent == [] and result.plan.missing == []


async def test_a_refused_roster_read_raises_the_error_itself() -> None:
    """Point 2: a 401 on the roster read raises AuthenticationError (not a group); no write."""
    from lockt_async import AuthenticationError

    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(401, json={"data": {"error": "Access denied."}})

    transport = httpx.MockTransport(handle)
    async with LocktClient("u", "k", base_url=URL, transport=transport, timezone="UTC") as lockt:
        with pytest.raises(AuthenticationError):
            await lockt.users.sync([{"id_num": "1", "first_name": "A", "last_name": "B"}])
    assert calls == ["GET"]
