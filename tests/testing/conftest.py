"""Fixtures for the simulator's own tests: raw httpx against lockt_async.testing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from lockt_async.testing import Simulator

BASE_URL = Simulator.url
HEADERS = {"apiuser": "sim-user", "apikey": "sim-key"}


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every async test under both asyncio and trio."""
    return str(request.param)


@pytest.fixture
def sim() -> Simulator:
    """A simulator seeded with the document's example objects."""
    return Simulator(seed=True)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    """A raw httpx client wired in-process to ``sim``, with valid credentials."""
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=BASE_URL, headers=HEADERS
    ) as c:
        yield c


def new_user(**fields: Any) -> dict[str, Any]:
    """A valid user insert record (id -1), with overrides."""
    record: dict[str, Any] = {
        "id": -1,
        "id_num": "NEW-1",
        "first_name": "Toby",
        "last_name": "Peters",
        "email": "toby.peters@web.place",
        "phone": "33344455555",
        "pin": "1234",
        "card_num": "5588",
        "access_effective": "",
        "access_expires": "",
        "enabled": "true",
    }
    record.update(fields)
    return {k: v for k, v in record.items() if v is not ...}


def subset(actual: Any, expected: Any) -> bool:
    """True when every key/item of ``expected`` appears, equal, in ``actual``."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and subset(actual[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(subset(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return bool(actual == expected)
