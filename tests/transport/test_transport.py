"""The transport: headers, retries of reads, no retries of writes, malformed bodies, logging."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from lockt_async import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    ConnectionDropped,
    LocktClient,
    MalformedResponseError,
    RequestTimeout,
    RetryPolicy,
    ServerError,
)
from lockt_async.errors import APIError, TransportError

pytestmark = pytest.mark.anyio

KEY = "sekret-KEY-0123456789"
TIME_BODY = {
    "data": [
        {
            "datetime_utc": "2022-11-11T20:17:45.050Z",
            "timezone": "America/New_York",
            "datetime_local": "2022-11-11 15:17:45",
            "offset": -5,
        }
    ]
}


def _client(handler: Callable[[httpx.Request], httpx.Response], **kw: object) -> LocktClient:
    return LocktClient(
        "user-1",
        KEY,
        base_url="https://lockt.test/api/v1",
        transport=httpx.MockTransport(handler),
        timezone="America/New_York",
        **kw,  # type: ignore[arg-type]
    )


async def test_sends_credentials_headers() -> None:
    """Transport: every request carries the apiuser and apikey headers."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"status": "ok"}})

    async with _client(handler) as lockt:
        assert dict(await lockt.ping()) == {"status": "ok"}
    assert seen[0].headers["apiuser"] == "user-1"
    assert seen[0].headers["apikey"] == KEY
    assert seen[0].url.path == "/api/v1/ping"


_503 = (503, {"error": "Service Unavailable"})


@pytest.mark.parametrize(
    ("answers", "retry", "raises", "calls"),
    [
        pytest.param(
            [_503, _503, (200, {"status": "ok"})], RetryPolicy.instant(max_retries=2), None, 3,
            id="5xx-retried-then-succeeds",
        ),
        pytest.param(
            [(500, {"error": "boom"})], RetryPolicy.instant(max_retries=1), ServerError, 2,
            id="gives-up-after-max_retries-with-the-last-typed-error",
        ),
        pytest.param(
            [(401, {"error": "Access denied."})], None, AuthenticationError, 1,
            id="401-is-final-AuthenticationError",
        ),
    ],
)  # fmt: skip
async def test_read_retries(
    answers: list[tuple[int, dict[str, str]]],
    retry: RetryPolicy | None,
    raises: type[Exception] | None,
    calls: int,
) -> None:
    """Reads retry 5xx up to max_retries, then raise the last typed error; 401 is not retried."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, data = answers[min(len(seen), len(answers)) - 1]
        return httpx.Response(status, json={"data": data})

    async with _client(handler, **({"retry": retry} if retry else {})) as lockt:
        if raises is None:
            await lockt.ping()
        else:
            with pytest.raises(raises):
                await lockt.ping()
    assert len(seen) == calls


_BEFORE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.LocalProtocolError)
_AFTER = (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)


@pytest.mark.parametrize(
    ("exc", "typed", "not_sent"),
    [
        *[pytest.param(e, ConnectError, True, id=f"not-sent-{e.__name__}") for e in _BEFORE],
        *[pytest.param(e, ConnectionDropped, False, id=f"after-sent-{e.__name__}") for e in _AFTER],
        pytest.param(httpx.ReadTimeout, RequestTimeout, False, id="no-answer-in-time-ReadTimeout"),
    ],
)
async def test_transport_errors_are_typed(
    exc: type[httpx.TransportError], typed: type[TransportError], not_sent: bool
) -> None:
    """Errors before the request left are ConnectError (not_sent: safe to resend); a connection
    lost once it (or part of it) left is ConnectionDropped; no answer in time RequestTimeout."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    async with _client(handler, max_retries=0) as lockt:
        with pytest.raises(typed) as info:
            await lockt.ping()
    assert type(info.value) is typed and info.value.not_sent is not_sent


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (502, b"<html><body>Bad Gateway</body></html>", ServerError),
        (200, b'{"data": [{"id": 1', MalformedResponseError),
        (200, b"\xff\xfe\x00garbage", MalformedResponseError),
        (200, b"[1, 2, 3]", MalformedResponseError),
        (200, b'{"data": {"error": "An error"}}', APIError),
        (302, b"", MalformedResponseError),
    ],
)
async def test_malformed_bodies_are_typed(status: int, body: bytes, expected: type) -> None:
    """Hostile bodies (HTML, truncated JSON, invalid UTF-8, array, 200+error) are typed errors."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body)

    async with _client(handler, max_retries=0) as lockt:
        with pytest.raises(expected) as info:
            await lockt.ping()
    assert len(str(info.value)) < 400


async def test_timezone_fetched_once_from_time() -> None:
    """timezone=None: GET /time is read once and cached for the client's life."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        if request.url.path.endswith("/time"):
            calls += 1
            return httpx.Response(200, json=TIME_BODY)
        return httpx.Response(200, json={"data": []})

    async with LocktClient(
        "u", KEY, base_url="https://lockt.test/api/v1", transport=httpx.MockTransport(handler)
    ) as lockt:
        assert str(await lockt.timezone()) == "America/New_York"
        await lockt.doors.list()
        await lockt.users.list()
    assert calls == 1


async def test_debug_log_has_method_path_status_but_no_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Logging: one DEBUG line per request (method, path, status, ms); never the key."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": {"status": "ok"}})

    caplog.set_level(logging.DEBUG, logger="lockt_async")
    async with _client(handler) as lockt:
        await lockt.ping()
    lines = [r.getMessage() for r in caplog.records if r.name == "lockt_async"]
    assert any("GET /ping -> 200" in line and "ms" in line for line in lines)
    assert all(KEY not in line for line in lines)


def test_missing_credentials_fail_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing credential is a ConfigurationError at construction, naming the variable."""
    monkeypatch.delenv("LOCKT_API_USER", raising=False)
    monkeypatch.delenv("LOCKT_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="LOCKT_API_USER"):
        LocktClient()
    with pytest.raises(ConfigurationError, match="LOCKT_API_KEY"):
        LocktClient("someone")


def test_credentials_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """LOCKT_API_USER, LOCKT_API_KEY and LOCKT_BASE_URL configure the client."""
    monkeypatch.setenv("LOCKT_API_USER", "env-user")
    monkeypatch.setenv("LOCKT_API_KEY", KEY)
    monkeypatch.setenv("LOCKT_BASE_URL", "https://example.test/api/v1/")
    client = LocktClient()
    assert client.api_user == "env-user"
    assert client.base_url == "https://example.test/api/v1"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://127.0.0.1:8080/api/v1", True),
        ("http://localhost/api/v1", True),
        ("http://[::1]:9/api/v1", True),
        ("http://sim.test/api/v1", True),
        ("http://cloudapi.lockt.com/api/v1", False),
        ("http://10.0.0.5/api/v1", False),
        ("ftp://x/api", False),
    ],
)
def test_plain_http_only_for_loopback(url: str, ok: bool) -> None:
    """Security: plain http is refused for non-loopback hosts unless explicitly allowed."""
    if ok:
        LocktClient("u", KEY, base_url=url)
    else:
        with pytest.raises(ConfigurationError):
            LocktClient("u", KEY, base_url=url)
    if url.startswith("http://10."):
        LocktClient("u", KEY, base_url=url, allow_insecure_http=True)


def test_repr_hides_key() -> None:
    """Secrets: the client's and transport's reprs never show the api key."""
    client = LocktClient("u", KEY, base_url="https://lockt.test/api/v1")
    assert KEY not in repr(client)
    assert KEY not in repr(client._transport)
    assert KEY not in repr(vars(client._transport))  # the key never sits in clear
