"""Moved to :mod:`tests.support` (and ``Simulator.client()``); this name stays only so
that branches written against it still import. Use ``tests.support`` in new tests."""

from __future__ import annotations

from typing import Any

from lockt_async import LocktClient
from lockt_async.testing import Simulator
from tests.support import URL, assert_accounted, stored_id_nums, user_record, users

IN_PROCESS_URL = URL

__all__ = [
    "IN_PROCESS_URL",
    "assert_accounted",
    "client_for",
    "stored_id_nums",
    "user_record",
    "users",
]


def client_for(sim: Simulator, **kw: Any) -> LocktClient:
    """``sim.client(**kw)``."""
    return sim.client(**kw)
