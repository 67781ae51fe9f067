"""Record factories and client builders shared by the simulator-backed tests."""

from __future__ import annotations

from typing import Any

from lockt_async import LocktClient
from lockt_async.testing import Simulator

IN_PROCESS_URL = "http://lockt.test/api/v1"


def user_record(i: int, **overrides: Any) -> dict[str, Any]:
    """A valid card holder for the simulator, unique by ``i``."""
    rec: dict[str, Any] = {
        "id_num": f"EMP{i:06d}",
        "first_name": "Ada",
        "last_name": f"Lovelace{i}",
        "email": f"ada{i}@example.com",
        "phone": "5551234567",
        "pin": f"{1000 + i % 9000}",
        "card_num": str(100000 + i),
    }
    rec.update(overrides)
    return rec


def users(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [user_record(i) for i in range(start, start + n)]


def client_for(sim: Simulator, **kw: Any) -> LocktClient:
    """A client talking to ``sim`` in-process (no socket)."""
    kw.setdefault("timezone", sim.timezone)
    return LocktClient(
        sim.api_user, sim.api_key, base_url=IN_PROCESS_URL, transport=sim.transport(), **kw
    )


def stored_id_nums(sim: Simulator) -> list[str]:
    """Every id_num the simulator holds (duplicates included)."""
    return [u["id_num"] for u in sim.users.values()]


def assert_accounted(result: Any, n: int) -> None:
    """The invariant: every input index is accepted or failed, exactly once."""
    indexes = [f.index for f in result.failures]
    assert len(indexes) == len(set(indexes)), "a record has two outcomes"
    assert all(0 <= i < n for i in indexes)
    assert result.total == n
    assert result.accepted + len(result.failures) == n
