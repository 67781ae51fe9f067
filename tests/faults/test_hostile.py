"""Hostile and malformed responses (issue 8, point 4): typed errors, never success.

Reads are answered by an ``httpx.MockTransport``; writes get the same bodies from
the simulator's ``Respond`` faults on their second page. A read raises a
``LocktError`` with a short excerpt; a write page ends ``unknown`` or ``rejected``
(never accepted) and the no-loss invariant holds.
"""

from __future__ import annotations

import httpx
import pytest

from lockt_async import FailureReason, LocktClient, LocktError
from lockt_async.errors import MalformedResponseError
from lockt_async.testing import (
    Fault,
    Respond,
    Simulator,
    error_envelope,
    html_page,
    invalid_utf8,
    truncated_json,
)
from tests.support import check_invariants, users

pytestmark = pytest.mark.anyio

BIG_HTML = b"<html><body>" + b"<p>Gateway says no</p>" * 200_000 + b"</body></html>"  # ~4.4 MB
MAX_MESSAGE = 500

#: name -> (status, body, content type). Every one is unusable as an answer.
HOSTILE: dict[str, tuple[int, bytes, str]] = {
    "html-502": (502, html_page(502).body, "text/html"),
    "html-200": (200, html_page(200).body, "text/html"),
    "truncated-json": (200, truncated_json().body, "application/json"),
    "json-array": (200, b'[{"submitted": 1, "inserted": 1}]', "application/json"),
    "gigantic-html-502": (502, BIG_HTML, "text/html"),
    "gigantic-html-200": (200, BIG_HTML, "text/html"),
    "error-envelope-200": (200, error_envelope(200).body, "application/json"),
    "status-418": (418, b"I'm a teapot", "text/plain"),
    "status-302": (302, b"", "text/html"),
    "invalid-utf8": (200, invalid_utf8().body, "application/json"),
    "empty-200": (200, b"", "application/json"),
    "nan-literal": (200, b'{"data": [{"id": NaN}]}', "application/json"),
    "deep-nesting": (200, b"[" * 50_000 + b"]" * 50_000, "application/json"),
}

#: Bodies that are valid JSON objects but carry no write summary: nothing was applied.
NOT_AN_ENVELOPE: dict[str, bytes] = {
    "empty-object": b"{}",
    "unrelated-object": b'{"status": "ok"}',
    "data-list": b'{"data": []}',
    "data-string": b'{"data": "ok"}',
    "summary-wrong-types": b'{"data": {"submitted": "many", "inserted": "all"}}',
}


def _mock_client(status: int, body: bytes, content_type: str) -> LocktClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    return LocktClient(
        "u",
        "k",
        base_url=Simulator.url,
        timezone="America/New_York",
        transport=httpx.MockTransport(answer),
        max_retries=0,
    )


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_read_is_a_typed_error(name: str) -> None:
    """Hostile body on a read: a LocktError with a short, printable message."""
    async with _mock_client(*HOSTILE[name]) as lockt:
        for call in (lockt.users.list, lambda: lockt.users.get(id_num="EMP1")):
            with pytest.raises(LocktError) as info:
                await call()
            text = str(info.value)
            assert len(text) < MAX_MESSAGE, text[:100]
            assert text.isprintable()


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [{"id": "abc", "enabled": "maybe"}]}',
        b'{"data": [1, 2, 3]}',
        b'{"data": [{"id": 1, "first_name": {"nested": true}}]}',
        b'{"data": 42}',
    ],
    ids=["wrong-field-types", "rows-not-objects", "object-for-text", "data-number"],
)
async def test_wrong_shapes_in_a_read_are_typed(body: bytes) -> None:
    """A read whose rows have the wrong types: a LocktError, never a raw cattrs/Type error."""
    async with _mock_client(200, body, "application/json") as lockt:
        with pytest.raises(LocktError) as info:
            await lockt.users.list()
    assert len(str(info.value)) < MAX_MESSAGE


async def test_wrong_field_types_in_a_read_are_malformed_response() -> None:
    """Wrong field types from the server are the server's fault: MalformedResponseError."""
    async with _mock_client(200, b'{"data": [{"id": "abc"}]}', "application/json") as lockt:
        with pytest.raises(MalformedResponseError, match="/user"):
            await lockt.users.list()


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_write_page_is_never_accepted(name: str) -> None:
    """Hostile body on a write page: its records are unknown or rejected, never accepted."""
    status, body, content_type = HOSTILE[name]
    sim = Simulator()
    sim.faults.add(Fault(Respond(status, body, content_type), method="POST", path="/user", nth=2))
    records = users(300)
    async with sim.client() as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
    check_invariants(sim, result, records)
    assert {f.index for f in result.failures} == set(range(100, 200))
    assert {f.reason for f in result.failures} <= {FailureReason.UNKNOWN, FailureReason.REJECTED}
    assert len(sim.users) == 200
    for f in result.failures:
        assert all(len(m) < MAX_MESSAGE and m.isprintable() for m in f.messages)


@pytest.mark.parametrize("name", list(NOT_AN_ENVELOPE))
async def test_200_without_write_summary_is_not_success(name: str) -> None:
    """A 200 that is not the documented write envelope is unknown, never accepted."""
    sim = Simulator()
    sim.faults.add(Fault(Respond(200, NOT_AN_ENVELOPE[name]), method="POST", path="/user"))
    async with sim.client() as lockt:
        result = await lockt.users.upsert(users(5))
    assert not sim.users
    assert result.failure_counts() == {"unknown": 5}


async def test_hostile_bodies_never_leak_raw_exceptions_on_single_writes() -> None:
    """PUT /user (one record per call) with a proxy page: a typed RecordNotWritten/API error."""
    sim = Simulator()
    async with sim.client() as lockt:
        await lockt.users.upsert(users(1))
        uid = next(iter(sim.users))
        for action in (html_page(502), truncated_json(), invalid_utf8(), Respond(418, b"x")):
            sim.faults.add(Fault(action, method="PUT", path="/user"))
            with pytest.raises(LocktError) as info:
                await lockt.users.update({"id": uid, "custom1": "x"})
            assert len(str(info.value)) < MAX_MESSAGE
