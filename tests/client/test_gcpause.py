"""Large reads pause the cyclic GC while decoding, and always restore it."""

from __future__ import annotations

import gc
from typing import Any

import httpx
import pytest
import respx

from lockt_async import LocktClient
from lockt_async._gcpause import PAUSE_ROWS, gc_paused


def test_pause_restores_and_respects_a_disabled_gc() -> None:
    """The collector is off inside a large block, back on after, untouched if it was off."""
    assert gc.isenabled()
    with gc_paused(True):
        assert not gc.isenabled()
    assert gc.isenabled()
    with gc_paused(False):
        assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused(True):
            assert not gc.isenabled()
        assert not gc.isenabled()  # the caller's choice is kept
    finally:
        gc.enable()


def test_pause_restores_on_error() -> None:
    """An exception inside the block still re-enables the collector."""
    with pytest.raises(ZeroDivisionError), gc_paused(True):
        1 / 0  # noqa: B018
    assert gc.isenabled()


@pytest.mark.anyio
async def test_large_list_is_structured_with_gc_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    """GET /door with many rows: structuring runs with the collector paused."""
    seen: list[bool] = []
    from lockt_async.converters import LocktConverter

    real = LocktConverter.get_structure_hook

    def spy_hook(self: LocktConverter, cls: Any, *args: Any, **kw: Any) -> Any:
        hook = real(self, cls, *args, **kw)

        def spy(*a: Any) -> Any:
            seen.append(gc.isenabled())
            return hook(*a)

        return spy

    monkeypatch.setattr(LocktConverter, "get_structure_hook", spy_hook)
    rows = [{"id": i, "name": f"Door {i}"} for i in range(1, PAUSE_ROWS + 2)]
    with respx.mock() as mock:
        mock.get("https://lockt.test/api/v1/door").mock(
            return_value=httpx.Response(200, json={"data": rows})
        )
        async with LocktClient(
            "u", "k", base_url="https://lockt.test/api/v1", timezone="UTC"
        ) as lockt:
            doors = await lockt.doors.list()
    assert len(doors) == len(rows)
    assert seen and not any(seen)
    assert gc.isenabled()
