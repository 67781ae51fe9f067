"""Issue 23: what the ``lockt_simulator`` fixture is seeded with, and how to start empty."""

from __future__ import annotations

import pytest

from lockt_async.testing import Simulator

pytestmark = pytest.mark.anyio


async def test_fixture_is_seeded_with_the_documents_examples(lockt_simulator: Simulator) -> None:
    """The fixture's docstring: 5 users (one id_num, 329359), 8 doors, 3 fobs by default."""
    id_nums = [u.get("id_num") for u in lockt_simulator.users.values()]
    assert len(id_nums) == 5 and [n for n in id_nums if n] == ["329359"]
    assert (len(lockt_simulator.doors), len(lockt_simulator.fobs)) == (8, 3)


@pytest.mark.lockt_empty
async def test_lockt_empty_marker_starts_bare(lockt_simulator: Simulator, lockt_client) -> None:  # type: ignore[no-untyped-def]
    """@pytest.mark.lockt_empty: the fixture's instance holds nothing; a sync disables no one."""
    assert not lockt_simulator.users and not lockt_simulator.doors
    rec = {"id_num": "E1", "first_name": "A", "last_name": "B", "email": "a@b.co",
           "phone": "5551234", "pin": "1234"}  # fmt: skip
    result = await lockt_client.users.sync([rec], on_missing="disable")
    assert result.inserted == 1 and result.disabled == 0
