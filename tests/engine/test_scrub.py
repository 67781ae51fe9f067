"""Issue 12 point 7: server text is scrubbed of the api key where it enters (a server
that echoes request headers must not get the key into messages, logs or failures)."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import httpx
import pytest

from lockt_async import (
    APIError,
    LocktError,
    MalformedResponseError,
    NotALocktAPIError,
)
from tests.support import KEY, HostileServer, users

pytestmark = pytest.mark.anyio


def _echo(request: httpx.Request) -> str:
    return f"denied; you sent {dict(request.headers)!r} to {request.url}"


def _escaped(text: str) -> str:
    """Every character as a JSON \\u escape: invisible to a byte search."""
    return "".join(f"\\u{ord(c):04x}" for c in text)


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500, 503, 200])
async def test_error_echoing_headers_is_scrubbed(
    status: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Point 7: error text echoing the headers reaches no str(), attribute or log line."""
    caplog.set_level(logging.DEBUG, logger="lockt_async")

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        return httpx.Response(status, json={"data": {"error": _echo(request)}})

    server = HostileServer(respond)
    async with server.client(max_retries=0, retry=None) as lockt:
        with pytest.raises(LocktError) as info:
            await lockt.users.list()
    exc = info.value
    assert "apiuser" in str(exc) or "apiuser" in getattr(exc, "body_excerpt", "")
    texts = [str(exc), repr(exc), *map(str, vars(exc).values()), caplog.text]
    assert not [t for t in texts if KEY in t]
    assert "***" in str(exc)


async def test_write_failures_are_scrubbed() -> None:
    """Point 7: rejected records' messages (a failures file, CLI output) never hold the key."""

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        body = json.loads(request.content)
        errors = [{"error": [_echo(request)], "input_data": u} for u in body["users"]]
        return httpx.Response(
            400,
            json={"result": ["Validation errors found. Batch has failed."], "errors": errors},
        )

    server = HostileServer(respond)
    async with server.client() as lockt:
        result = await lockt.users.upsert(users(3), validate_fails_batch=False)
    assert len(result.failures) == 3
    text = repr([f.messages for f in result.failures]) + repr(result)
    assert "apiuser" in text and KEY not in text


@pytest.mark.parametrize("form", ["escaped", "slash", "percent"])
async def test_encoded_forms_of_the_key_are_scrubbed(form: str) -> None:
    """Point 7: the key JSON-escaped char by char, with an escaped '/', or percent-encoded."""
    key = "k/ey+" + KEY
    shown = {
        "escaped": _escaped(key),
        "slash": key.replace("/", "\\/"),
        "percent": quote(key, safe=""),
    }[form]

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        raw = '{"data": {"error": "your key was ' + shown + '"}}'
        return httpx.Response(400, content=raw.encode())

    server = HostileServer(respond)
    async with server.client(key) as lockt:
        with pytest.raises(APIError) as info:
            await lockt.users.list()
        result = await lockt.users.upsert(users(1), validate_fails_batch=False)
    texts = [str(info.value), info.value.body_excerpt, repr(result.failures)]
    for t in texts:
        assert key not in t and KEY not in t
        assert shown not in t or form == "escaped"


@pytest.mark.parametrize(
    ("prefix", "cls"), [(b"not json: ", MalformedResponseError), (b"<html>", NotALocktAPIError)]
)
async def test_quoted_body_of_a_read_is_scrubbed(prefix: bytes, cls: type[LocktError]) -> None:
    """Point 7: a non-JSON 200 (or a web page) quoting the headers: the excerpt hides the key."""

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        return httpx.Response(200, content=prefix + _echo(request).encode())

    server = HostileServer(respond)
    async with server.client() as lockt:
        with pytest.raises(cls) as info:
            await lockt.users.list()
    excerpt = getattr(info.value, "body_excerpt", "")
    assert "apiuser" in str(info.value) + excerpt
    assert KEY not in str(info.value) and KEY not in excerpt


async def test_read_data_is_never_altered() -> None:
    """Point 7: scrubbing touches only text that is quoted; a read's data stays as sent,
    even when a (short) key happens to occur in it."""
    key = "test"
    rows = [{"id": 1, "id_num": "E1", "email": "test@example.com", "custom1": "a test"}]

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        return httpx.Response(200, json={"data": rows})

    server = HostileServer(respond)
    async with server.client(key) as lockt:
        (user,) = await lockt.users.list()
    assert user.email == "test@example.com" and user.custom1 == "a test"
