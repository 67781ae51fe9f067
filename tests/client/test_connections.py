"""The client's own connection pool: idle connections expire before common servers close them."""

from __future__ import annotations

import pytest

from lockt_async import LocktClient

pytestmark = pytest.mark.anyio

#: uvicorn's ``timeout_keep_alive`` default (the simulator's server), seconds.
SERVER_KEEP_ALIVE = 5.0


async def test_idle_connections_expire_before_a_5s_server_closes_them() -> None:
    """Keep-alive rule: a POST must not go out on a connection the server is just closing.

    With both sides at 5 s the client could pick an idle connection at the moment the
    server closes it; the write then fails mid-send and its outcome is unknown.
    """
    async with LocktClient("u", "k", base_url="http://127.0.0.1:9") as client:
        pool = client._transport._http._transport._pool  # type: ignore[attr-defined]
        assert 0 < pool._keepalive_expiry < SERVER_KEEP_ALIVE
