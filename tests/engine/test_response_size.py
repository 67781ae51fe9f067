"""Issue 12 point 8: ``max_response_bytes`` bounds every body while it streams in."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import httpx
import pytest

from lockt_async import (
    ConfigurationError,
    FailureReason,
    LocktClient,
    MalformedResponseError,
    ResponseTooLargeError,
)
from lockt_async._config import DEFAULT_MAX_RESPONSE_BYTES
from tests.support import KEY, URL, HostileServer, check_invariants, users

pytestmark = pytest.mark.anyio

LIMIT = 64 * 1024
CHUNK = 4096


class Endless(httpx.AsyncByteStream):
    """A body that never ends (a runaway server); counts what the client pulled."""

    def __init__(self) -> None:
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"data": ["'
        while True:
            self.pulled += CHUNK
            yield b"x" * CHUNK


async def test_endless_body_is_cut_at_the_bound() -> None:
    """Point 8: reading stops just past max_response_bytes, while streaming (not after)."""
    stream = Endless()

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        return httpx.Response(200, stream=stream)

    async with HostileServer(respond).client(max_response_bytes=LIMIT) as lockt:
        with pytest.raises(ResponseTooLargeError) as info:
            await lockt.users.list()
    assert isinstance(info.value, MalformedResponseError)
    assert info.value.limit == LIMIT and info.value.status_code == 200
    assert LIMIT - CHUNK <= stream.pulled <= LIMIT + CHUNK
    assert "max_response_bytes" in str(info.value)


async def test_declared_length_over_the_bound_is_not_read() -> None:
    """Point 8: a Content-Length past the bound is refused before any byte of the body."""
    stream = Endless()

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        return httpx.Response(200, stream=stream, headers={"content-length": str(LIMIT * 10)})

    async with HostileServer(respond).client(max_response_bytes=LIMIT) as lockt:
        with pytest.raises(ResponseTooLargeError):
            await lockt.users.list()
    assert stream.pulled == 0


async def test_gzip_bomb_is_bounded_by_its_decoded_size() -> None:
    """Point 8: the bound counts decoded bytes: a small gzip body that inflates past it fails."""
    bomb = gzip.compress(b'{"data": "' + b"0" * (LIMIT * 20) + b'"}')
    assert len(bomb) < LIMIT

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        headers = {"content-encoding": "gzip"}
        return httpx.Response(200, stream=httpx.ByteStream(bomb), headers=headers)

    async with HostileServer(respond).client(max_response_bytes=LIMIT) as lockt:
        with pytest.raises(ResponseTooLargeError):
            await lockt.users.list()


async def test_body_at_the_bound_is_read() -> None:
    """Point 8: a body of exactly max_response_bytes is fine (the bound is inclusive)."""
    head, tail = b'{"data": [], "pad": "', b'"}'
    body = head + b"p" * (LIMIT - len(head) - len(tail)) + tail
    assert len(body) == LIMIT

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(body))

    async with HostileServer(respond).client(max_response_bytes=LIMIT) as lockt:
        assert await lockt.users.list() == []


async def test_too_large_write_answer_makes_its_records_unknown() -> None:
    """Point 8: a write whose answer is too big: that page's records are unknown (it was
    applied), the import goes on, and the invariant holds."""
    pages = 0

    def respond(request: httpx.Request, s: HostileServer) -> httpx.Response | None:
        nonlocal pages
        pages += 1
        if pages != 2:
            return None
        s.apply(request)
        return httpx.Response(200, stream=Endless())

    server = HostileServer(respond)
    records = users(300)
    async with server.client(max_response_bytes=LIMIT) as lockt:
        result = await lockt.users.upsert(records)
    check_invariants(server, result, records)
    assert [f.index for f in result.failures] == list(range(100, 200))
    assert {f.reason for f in result.failures} == {FailureReason.UNKNOWN}
    assert any("max_response_bytes" in m for f in result.failures for m in f.messages)


def test_default_and_configuration() -> None:
    """Point 8: the documented default (256 MiB), None for no bound, bad values refused."""
    assert DEFAULT_MAX_RESPONSE_BYTES == 256 * 1024 * 1024
    assert LocktClient("u", KEY, base_url=URL)._transport.max_response_bytes == (
        DEFAULT_MAX_RESPONSE_BYTES
    )
    assert (
        LocktClient("u", KEY, base_url=URL, max_response_bytes=None)._transport.max_response_bytes
        is None
    )
    for bad in (0, -1, 1.5, "1", True):
        with pytest.raises(ConfigurationError, match="max_response_bytes"):
            LocktClient("u", KEY, base_url=URL, max_response_bytes=bad)  # type: ignore[arg-type]


async def test_write_answer_is_bounded_by_its_request() -> None:
    """Point 8: a write's answer may be at most 16 x its request (at least 1 MiB), whatever
    max_response_bytes allows: a 2 MiB answer to a one-record page is unknown, unread."""
    from lockt_async._transport import WRITE_ANSWER_MIN_BYTES, write_answer_bound

    assert write_answer_bound(10) == WRITE_ANSWER_MIN_BYTES == 1024 * 1024
    assert write_answer_bound(1024 * 1024) == 16 * 1024 * 1024
    stream = Endless()

    def respond(request: httpx.Request, s: HostileServer) -> httpx.Response:
        s.apply(request)
        return httpx.Response(200, stream=stream)

    server = HostileServer(respond)
    records = users(1)
    async with server.client(max_response_bytes=None) as lockt:
        result = await lockt.users.upsert(records)
    check_invariants(server, result, records)
    assert result.failure_counts() == {"unknown": 1}
    assert stream.pulled <= WRITE_ANSWER_MIN_BYTES + CHUNK
