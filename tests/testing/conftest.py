"""Fixtures for the simulator's own tests: raw httpx against lockt_async.testing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from lockt_async.testing import Simulator
from tests.support.records import toby_peters

BASE_URL = Simulator.url
HEADERS = {"apiuser": "sim-user", "apikey": "sim-key"}


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    """A raw httpx client wired in-process to ``sim``, with valid credentials."""
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=BASE_URL, headers=HEADERS
    ) as c:
        yield c


def new_user(**fields: Any) -> dict[str, Any]:
    """A valid user insert record (id -1), with overrides."""
    return toby_peters(**{"id_num": "NEW-1", **fields})


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
