"""Issue 15: a client used outside ``async with`` and never closed warns once (LocktWarning).

The choice: a warning when the client is garbage collected, like an unclosed
file, rather than a refusal, because ``await client.aclose()`` without
``async with`` is a legitimate way to use it.
"""

from __future__ import annotations

import gc
import warnings

import httpx
import pytest

from lockt_async import ConfigurationError, LocktClient, LocktWarning
from tests.support import user_record

pytestmark = pytest.mark.anyio

TIME = {"data": [{"timezone": "UTC", "datetime_utc": "", "datetime_local": "", "offset": 0}]}


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"data": []} if request.url.path != "/time" else TIME)


def mock_client() -> LocktClient:
    transport = httpx.MockTransport(answer)
    return LocktClient("u", "k", base_url="https://lockt.test", transport=transport)


def collected_warnings(make_and_drop) -> list[warnings.WarningMessage]:
    """Run ``make_and_drop`` (which leaves no reference to its client), collect, record."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_and_drop()
        gc.collect()
    return [w for w in caught if issubclass(w.category, LocktWarning)]


async def test_read_without_async_with_warns_once() -> None:
    """Issue 15: a read on a never-closed client gives one LocktWarning saying what to do."""
    client = mock_client()
    await client.users.list()
    caught = collected_warnings(lambda: None)
    assert caught == []  # still referenced: no warning yet
    del client
    caught = collected_warnings(lambda: None)
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "never closed" in text and "async with" in text and "aclose()" in text
    assert "https://lockt.test" in text and "k'" not in text


async def test_bulk_write_without_async_with_warns() -> None:
    """Issue 15: a bulk write on a never-closed client warns too."""
    from lockt_async.testing import Simulator

    client = Simulator().client()
    result = await client.users.upsert([user_record(1)])
    assert result.ok
    del client
    assert len(collected_warnings(lambda: None)) == 1


async def test_closed_unused_or_borrowed_clients_do_not_warn() -> None:
    """Issue 15: async with, aclose(), no request, or the caller's http_client: no warning."""
    async with mock_client() as lockt:
        await lockt.users.list()
    closed = mock_client()
    await closed.users.list()
    await closed.aclose()
    unused = mock_client()
    http = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=TIME))
    )
    borrowed = LocktClient("u", "k", base_url="https://lockt.test", http_client=http)
    await borrowed.time()
    del lockt, closed, unused, borrowed
    assert collected_warnings(lambda: None) == []
    await http.aclose()


def test_failed_construction_does_not_warn_or_raise_in_del() -> None:
    """A constructor that raised leaves nothing for __del__ to complain about."""
    with pytest.raises(ConfigurationError):
        LocktClient("u", "k", base_url="https://lockt.test", write_gate=object())  # type: ignore[arg-type]
    assert collected_warnings(lambda: None) == []
