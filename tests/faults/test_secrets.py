"""Secret hygiene (issue 8, point 6): the api key shows up nowhere, TLS is verified,
plain http to a remote host is refused."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lockt_async import BatchResult, ConfigurationError, LocktClient, LocktError, RetryPolicy
from lockt_async.testing import (
    Delay,
    Drop,
    Fault,
    RateLimit,
    Simulator,
    communication_error,
    html_page,
    status,
    truncated_json,
)
from tests.support import RefuseNthWrites, user_record, users

pytestmark = pytest.mark.anyio

KEY = "KEY-SENTINEL-8c1f"


class _Everything(logging.Handler):
    """Captures every record on the root logger, formatted with its arguments and traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))
        self.texts.append(repr(record.args))


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _texts_of_error(exc: BaseException) -> list[str]:
    out: list[str] = []
    for e in _chain(exc):
        out += [str(e), repr(e), repr(e.args)]
        out += [f"{k}={v!r}" for k, v in vars(e).items()]
        out += [str(v) for v in vars(e).values()]
    return out


def _texts_of_result(result: BatchResult) -> list[str]:
    out = [repr(result), str(result), repr(result.pages)]
    for f in result.failures:
        out += [repr(f), str(f), *f.messages]
    if result.stopped_by is not None:
        out += _texts_of_error(result.stopped_by)
    return out


@pytest.fixture
def everything() -> Iterator[_Everything]:
    handler = _Everything()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


def _client(sim: Simulator, **kw: Any) -> Any:
    """The simulator's client (its api key is ``KEY``), with no read retries."""
    return sim.client(max_retries=0, **kw)


async def test_key_appears_nowhere(
    everything: _Everything, caplog: pytest.LogCaptureFixture
) -> None:
    """Every error path at DEBUG: the key is in no log, repr, str, error chain or result."""
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    sim = Simulator(api_key=KEY)

    async def expect_error(call: Any) -> None:
        try:
            await call()
        except LocktError as exc:
            texts.extend(_texts_of_error(exc))
        else:  # pragma: no cover - the call must fail
            raise AssertionError("expected a LocktError")

    # Writes through every fault; each result and its failures are collected.
    actions = [
        status(503),
        communication_error(),
        RateLimit(),
        Drop(after_apply=False),
        Drop(after_apply=True),
        html_page(502),
        truncated_json(),
    ]
    async with _client(sim) as lockt:
        texts += [repr(lockt), str(lockt), repr(lockt._transport), str(lockt._transport)]
        texts += [repr(lockt.users), repr(lockt.write_gate), lockt.instance_key]
        for i, action in enumerate(actions):
            sim.faults.add(Fault(action, method="POST", path="/user"))
            texts += _texts_of_result(await lockt.users.upsert(users(3, start=10 * i)))
        # Validation failures (client side and all-or-nothing).
        texts += _texts_of_result(
            await lockt.users.upsert([{"id_num": ""}, "x"], validate_fails_batch=False)
        )
        await expect_error(lambda: lockt.users.upsert([{"pin": "x"}]))
        # Reads: 5xx, malformed, not found.
        for action in (status(503), html_page(502), truncated_json()):
            sim.faults.add(Fault(action, method="GET", path="/user"))
            await expect_error(lockt.users.list)
        await expect_error(lambda: lockt.users.get(id_num="nobody"))
        # 401 on a read and mid-import on a write.
        sim.api_key = "another-key"
        await expect_error(lockt.users.list)
        texts += _texts_of_result(await lockt.users.upsert([user_record(900)]))
        sim.api_key = KEY
    # Timeouts.
    sim.faults.add(Fault(Delay(0.5), method="POST", path="/user"))
    sim.faults.add(Fault(Delay(0.5), method="GET", path="/user"))
    async with _client(sim, timeout=0.05) as lockt:
        texts += _texts_of_result(await lockt.users.upsert([user_record(901)]))
        await expect_error(lockt.users.list)
    # Connection errors: refused by a wrapper, and a closed port on loopback.
    refusing = RefuseNthWrites(sim.transport(), set(range(1, 100)))
    async with sim.client(
        transport=refusing, retry=RetryPolicy.instant(max_retries=0, write_resends=0)
    ) as lockt:
        texts += _texts_of_result(await lockt.users.upsert([user_record(902)]))
    async with LocktClient(
        "u", KEY, base_url="http://127.0.0.1:9/api/v1", timezone=sim.timezone, max_retries=0
    ) as lockt:
        await expect_error(lockt.ping)
        texts += [repr(lockt), repr(lockt._transport)]
    # Configuration errors quote the URL, never the key.
    with pytest.raises(ConfigurationError) as info:
        LocktClient("u", KEY, base_url="http://10.1.2.3/api/v1")
    texts += _texts_of_error(info.value)

    texts += everything.texts + [caplog.text] + [r.getMessage() for r in caplog.records]
    assert len(texts) > 100 and any("DEBUG" in t for t in everything.texts)
    leaks = [t for t in texts if KEY in t]
    assert not leaks, leaks[:3]


async def test_tls_verification_is_on_by_default() -> None:
    """The client's own httpx pool verifies certificates and host names."""
    async with LocktClient("u", KEY, base_url="https://lockt.example/api/v1") as lockt:
        http = lockt._transport._http
        assert isinstance(http, httpx.AsyncClient)
        pool = getattr(getattr(http, "_transport", None), "_pool", None)
        ctx = getattr(pool, "_ssl_context", None)
        assert isinstance(ctx, ssl.SSLContext), "could not find the pool's SSL context"
        assert ctx.verify_mode == ssl.CERT_REQUIRED
        assert ctx.check_hostname


def test_client_is_built_without_verify_false(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client never passes verify=False to httpx.AsyncClient."""
    seen: list[dict[str, Any]] = []
    real = httpx.AsyncClient.__init__

    def spy(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        seen.append(kwargs)
        real(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", spy)
    LocktClient("u", KEY, base_url="https://lockt.example/api/v1")
    assert seen and all(kw.get("verify", True) is not False for kw in seen)


@pytest.mark.parametrize(
    "url",
    ["http://10.1.2.3/api/v1", "http://api.lockt.io/api/v1", "http://lockt.example.com/api/v1"],
)
def test_plain_http_to_remote_host_is_refused(url: str) -> None:
    """http:// to a non-loopback host: ConfigurationError unless allow_insecure_http=True."""
    with pytest.raises(ConfigurationError, match="allow_insecure_http") as info:
        LocktClient("u", KEY, base_url=url)
    assert KEY not in str(info.value)
    client = LocktClient("u", KEY, base_url=url, allow_insecure_http=True)
    assert client.base_url == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/api/v1", "http://localhost/api/v1"])
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    """http:// to loopback (the simulator) needs no opt-in."""
    assert LocktClient("u", KEY, base_url=url).base_url == url
