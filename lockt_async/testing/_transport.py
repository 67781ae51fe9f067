"""In-process transport: ASGI, with socket-like failures and read timeouts."""

from __future__ import annotations

import anyio
import httpx
from starlette.types import ASGIApp

from ._faults import SimulatedDrop


class SimTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` that turns a simulated drop into ``RemoteProtocolError``.

    ASGITransport ignores timeouts; this one honours the request's read
    timeout so a delayed response raises ``httpx.ReadTimeout`` in-process too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        read = timeouts.get("read") if isinstance(timeouts, dict) else None
        try:
            if read is None:
                return await self._inner.handle_async_request(request)
            with anyio.fail_after(read):
                return await self._inner.handle_async_request(request)
        except SimulatedDrop as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response.", request=request
            ) from exc
        except TimeoutError as exc:
            raise httpx.ReadTimeout("Timed out reading the response.", request=request) from exc
