"""Issue 15: ``unknown_fields="error"|"ignore"`` on bulk writes (default "error", as before),
the bulk keyword arguments checked like a signature, and ``fobs.create`` needing ``id_num``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lockt_async import ConfigurationError, LocktClient
from lockt_async.testing import Simulator
from tests.support import user_record

pytestmark = pytest.mark.anyio

EXTRA = {"Unnamed: 0": 3, "department": "Physics"}


class Recorder:
    """A server that accepts every POST /user page and keeps the bodies."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        n = len(body["users"])
        return httpx.Response(
            200, json={"data": {"submitted": n, "inserted": n, "updated": 0, "errors": 0}}
        )

    def client(self) -> LocktClient:
        return LocktClient(
            "u",
            "k",
            base_url="https://lockt.test/api/v1",
            transport=httpx.MockTransport(self),
            timezone="UTC",
        )


def with_extra(n: int) -> list[dict[str, Any]]:
    return [{**user_record(i), **EXTRA} for i in range(n)]


async def test_unknown_fields_are_invalid_by_default() -> None:
    """Issue 15: default "error": a record with a field the call does not take is invalid."""
    recorder = Recorder()
    async with recorder.client() as lockt:
        result = await lockt.users.upsert(with_extra(3), validate_fails_batch=False)
    assert recorder.bodies == []
    assert [str(f.reason) for f in result.failures] == ["invalid"] * 3
    assert "unknown field(s) Unnamed: 0, department" in result.failures[0].messages[0]


@pytest.mark.parametrize("streamed", [False, True])
async def test_ignore_drops_unknown_fields_from_the_wire(streamed: bool) -> None:
    """Issue 15: unknown_fields="ignore" sends the records without the unknown fields."""
    recorder = Recorder()
    records = with_extra(150)

    def stream() -> Iterator[dict[str, Any]]:
        yield from records

    async with recorder.client() as lockt:
        result = await lockt.users.upsert(
            stream() if streamed else records, unknown_fields="ignore"
        )
    assert result.ok and result.inserted == 150
    sent = [u for body in recorder.bodies for u in body["users"]]
    assert [u["id_num"] for u in sent] == [r["id_num"] for r in records]
    assert all(not set(EXTRA) & set(u) for u in sent)
    assert records[0]["department"] == "Physics"  # the caller's records are not changed


async def test_ignore_against_the_simulator_stores_the_known_fields() -> None:
    """Issue 15: with "ignore" a pandas-like frame's rows are written; known fields kept."""
    sim = Simulator()
    async with sim.client() as lockt:
        result = await lockt.users.upsert(with_extra(2), unknown_fields="ignore")
    assert result.ok
    stored = sorted(sim.users.values(), key=lambda u: u["id_num"])
    assert [u["email"] for u in stored] == ["ada0@example.com", "ada1@example.com"]


async def test_bad_option_values_and_names_are_refused_before_sending() -> None:
    """Issue 15: a wrong unknown_fields is ConfigurationError; a misspelt keyword TypeError."""
    recorder = Recorder()
    async with recorder.client() as lockt:
        with pytest.raises(ConfigurationError, match="unknown_fields must be 'error' or 'ignore'"):
            await lockt.users.upsert(with_extra(1), unknown_fields="drop")  # type: ignore[typeddict-item]
        with pytest.raises(TypeError, match="unexpected keyword argument 'validate_fail_batch'"):
            await lockt.users.upsert([user_record(1)], validate_fail_batch=True)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match=r"fobs.create.*'update_existing'"):
            await lockt.fobs.create([{"name": "F", "id_num": "1"}], update_existing=True)  # type: ignore[call-arg]
    assert recorder.bodies == []


async def test_fob_without_id_num_is_invalid() -> None:
    """fob | POST | id_num | Missing or blank: fobs.create needs id_num (its docstring says so)."""
    sim = Simulator()
    async with sim.client() as lockt:
        result = await lockt.fobs.create(
            [{"name": "Fob 1"}, {"name": "Fob 2", "id_num": "F2"}], validate_fails_batch=False
        )
    assert [(f.index, str(f.reason)) for f in result.failures] == [(0, "invalid")]
    assert "id_num" in result.failures[0].messages[0]
    doc = " ".join((type(lockt.fobs).create.__doc__ or "").split())
    assert (
        "``name`` and ``id_num`` (the fob's unique id number from your system) are required" in doc
    )
