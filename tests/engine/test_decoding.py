"""Issue 12 point 4 (decoding half): an answer that cannot be decoded, whatever the
reason and whichever JSON decoder, is a ``MalformedResponseError`` for a read and
``unknown`` for a write; never a raw exception."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from lockt_async import FailureReason, MalformedResponseError
from lockt_async._transport import decode_body
from tests.support import HostileServer, check_invariants, users

pytestmark = pytest.mark.anyio

DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE_NUMBER = b'{"data": {"submitted": ' + b"9" * 5000 + b"}}"

#: Bodies that no decoder can turn into the envelope, and the headers sent with them.
BAD_BODIES: dict[str, tuple[bytes, dict[str, str]]] = {
    "gzip that is not": (b'{"data": []}', {"content-encoding": "gzip"}),
    "deflate that is not": (b"plain text", {"content-encoding": "deflate"}),
    "nesting 100,000 deep": (DEEP, {}),
    "a 5,000-digit number": (HUGE_NUMBER, {}),
    "invalid utf-8": (b'{"data": "\xff\xfe"}', {}),
}

LOADERS: dict[str, Callable[[bytes | bytearray], Any]] = {
    "orjson": orjson.loads,
    "stdlib": json.loads,
}


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("body", [DEEP, HUGE_NUMBER, b'{"a": "\xff"}', b"{"])
def test_decode_body_with_either_decoder(loader: str, body: bytes) -> None:
    """Point 4: RecursionError, ValueError (digit limit) and bad UTF-8 become
    MalformedResponseError with orjson and with the stdlib decoder."""
    with pytest.raises(MalformedResponseError) as info:
        decode_body(body, status_code=200, loads=LOADERS[loader])
    assert info.value.status_code == 200


def _serve(case: str) -> HostileServer:
    body, headers = BAD_BODIES[case]

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        # A stream, as from a socket: httpx decodes it only when the client reads it.
        return httpx.Response(200, stream=httpx.ByteStream(body), headers=headers)

    return HostileServer(respond)


@pytest.mark.parametrize("case", BAD_BODIES)
async def test_undecodable_read_is_malformed(case: str) -> None:
    """Point 4: a read whose body cannot be decoded raises MalformedResponseError."""
    async with _serve(case).client() as lockt:
        with pytest.raises(MalformedResponseError):
            await lockt.users.list()


@pytest.mark.parametrize("case", BAD_BODIES)
async def test_undecodable_write_answer_is_unknown(case: str) -> None:
    """Point 4: a write whose answer cannot be decoded: its records are unknown, the
    import goes on, and the invariant holds."""
    server = _serve(case)
    calls = 0
    bad = server.respond
    assert bad is not None

    def respond(request: httpx.Request, s: HostileServer) -> httpx.Response | None:
        nonlocal calls
        calls += 1
        if calls == 2:  # the server applies page 2, then answers garbage
            s.apply(request)
            return bad(request, s)
        return None

    server.respond = respond
    records = users(250)
    async with server.client() as lockt:
        result = await lockt.users.upsert(records)
    check_invariants(server, result, records)
    assert {f.reason for f in result.failures} == {FailureReason.UNKNOWN}
    assert [f.index for f in result.failures] == list(range(100, 200))


async def test_real_gzip_body_is_read() -> None:
    """Point 4 (control): a body that is gzip as declared is decoded while streaming."""
    raw = gzip.compress(b'{"data": [{"id": 7, "id_num": "E7"}]}')

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        headers = {"content-encoding": "gzip"}
        return httpx.Response(200, stream=httpx.ByteStream(raw), headers=headers)

    async with HostileServer(respond).client() as lockt:
        (user,) = await lockt.users.list()
    assert user.id == 7 and user.id_num == "E7"


def test_without_orjson_the_whole_path_holds() -> None:
    """Point 4: with orjson not installed (stdlib decoder), a read of a deep or huge-number
    body raises MalformedResponseError and a write's records are unknown, under both
    asyncio and trio."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["orjson"] = None  # as if the `fast` extra were not installed
        import anyio, httpx
        from lockt_async import LocktClient, RetryPolicy, MalformedResponseError
        import lockt_async._transport as t
        assert t._loads.__module__ == "json", t._loads
        DEEP = b"[" * 100000 + b"]" * 100000
        HUGE = b'{"data": {"submitted": ' + b"9" * 5000 + b"}}"
        out = []
        async def main(body):
            tr = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
            async with LocktClient("u", "k" * 20, base_url="http://lockt.test/api/v1",
                                   transport=tr, timezone="UTC",
                                   retry=RetryPolicy.instant()) as c:
                try:
                    await c.users.list()
                except MalformedResponseError:
                    out.append("read:malformed")
                r = await c.users.upsert([{"id_num": "E1", "first_name": "A", "pin": "1234",
                                           "email": "a@example.com", "phone": "5551234567",
                                           "last_name": "B"}])
                out.append("write:" + ",".join(str(f.reason) for f in r.failures))
        for backend in ("asyncio", "trio"):
            for body in (DEEP, HUGE):
                anyio.run(main, body, backend=backend)
        print(" ".join(out))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["read:malformed", "write:unknown"] * 4


def test_a_large_body_is_decoded_by_the_stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 24 (sync memory): a body over LARGE_BODY_BYTES is decoded by json.loads, whose
    peak is lower than orjson's whole-document parse; same value, same errors."""
    import lockt_async._transport as t

    def not_asked(raw: bytes | bytearray) -> Any:
        raise AssertionError("the default decoder was asked for a large body")

    body = json.dumps({"data": [{"id": i, "id_num": f"E{i}"} for i in range(50)]}).encode()
    monkeypatch.setattr(t, "LARGE_BODY_BYTES", len(body) - 1)
    monkeypatch.setattr(t, "_loads", not_asked)
    assert decode_body(bytearray(body), status_code=200) == orjson.loads(body)
    with pytest.raises(MalformedResponseError):
        decode_body(body[:-1] + b"   ", status_code=200)
