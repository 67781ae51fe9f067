"""Issue 15: a base URL that does not look like a Lockt API is its own, actionable error.

``NotALocktAPIError`` (a ``ConfigurationError``) for a 404 without the Lockt
error envelope or an HTML page; ``NotFoundError`` keeps meaning "no such record".
"""

from __future__ import annotations

import pickle

import httpx
import pytest

from lockt_async import (
    ConfigurationError,
    LocktClient,
    NotALocktAPIError,
    NotFoundError,
    ServerError,
)
from lockt_async._writes import Action, classify
from lockt_async.testing import Simulator, serve_in_thread
from tests.support import user_record

pytestmark = pytest.mark.anyio

HTML = b"<!doctype html><html><head><title>Welcome</title></head><body>Hi</body></html>"


def client(handler, base_url: str = "https://lockt.test", **kw) -> LocktClient:
    return LocktClient(
        "u", "k", base_url=base_url, transport=httpx.MockTransport(handler), max_retries=0, **kw
    )


def answer(status: int, body: bytes, content_type: str):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    return handler


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (404, b"Not Found", "text/plain"),
        (404, HTML, "text/html"),
        (404, b'{"detail": "Not Found"}', "application/json"),
        (200, HTML, "text/html; charset=utf-8"),
        (200, b"  <html>no type given</html>", "application/octet-stream"),
        (405, b"<html>405 Not Allowed</html>", "text/html"),
    ],
)
async def test_non_lockt_answer_raises_not_a_lockt_api(status, body, content_type) -> None:
    """Issue 15: a 404 without the envelope, or HTML, names base_url and the /api/v1 suffix."""
    async with client(answer(status, body, content_type), timezone="UTC") as lockt:
        with pytest.raises(NotALocktAPIError) as info:
            await lockt.users.get(id_num="E1")
    exc = info.value
    assert isinstance(exc, ConfigurationError) and not isinstance(exc, NotFoundError)
    assert exc.base_url == "https://lockt.test" and exc.status_code == status
    assert (exc.method, exc.path) == ("GET", "/user")
    assert "'https://lockt.test'" in str(exc) and "/api/v1" in str(exc)
    assert "lacks /api/v1" in str(exc)


async def test_base_url_with_suffix_is_not_told_it_lacks_it() -> None:
    """Issue 15: with /api/v1 present the message still explains, without claiming it lacks it."""
    handler = answer(404, HTML, "text/html")
    async with client(handler, base_url="https://lockt.test/api/v1", timezone="UTC") as lockt:
        with pytest.raises(NotALocktAPIError) as info:
            await lockt.ping()
    assert "lacks" not in str(info.value) and "ending in /api/v1" in str(info.value)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(404, json={"data": {"error": "Not Found: /user"}}),
        httpx.Response(404),
        httpx.Response(200, json={"data": []}),
    ],
)
async def test_lockt_not_found_stays_not_found(response: httpx.Response) -> None:
    """Status 404 with the Lockt envelope or no body, or no rows: NotFoundError (no such record)."""
    async with client(lambda request: response, timezone="UTC") as lockt:
        with pytest.raises(NotFoundError) as info:
            await lockt.users.get(id_num="E1")
    assert not isinstance(info.value, NotALocktAPIError)


async def test_html_5xx_stays_a_server_error() -> None:
    """50X | An unexpected error: a proxy's HTML 502 page is a (retryable) ServerError."""
    async with client(answer(502, HTML, "text/html"), timezone="UTC") as lockt:
        with pytest.raises(ServerError):
            await lockt.users.list()


async def test_bulk_write_stops_at_the_first_page_all_not_sent() -> None:
    """Issue 15 / classify: a non-Lockt answer to a write stops the import; nothing is unknown."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return httpx.Response(404, content=HTML, headers={"content-type": "text/html"})

    records = [user_record(i) for i in range(250)]
    async with client(handler, timezone="UTC", record_limit=100) as lockt:
        result = await lockt.users.upsert(records)
    assert seen == ["POST"]  # the first page; the rest never sent
    assert isinstance(result.stopped_by, NotALocktAPIError)
    assert {str(f.reason) for f in result.failures} == {"not_sent"}
    assert len(result.failures) == 250


def test_classify_row_not_a_lockt_api_is_stop() -> None:
    """classify table: an answer that is not a Lockt API's is STOP (not_sent), never unknown."""
    exc = NotALocktAPIError("x", base_url="https://x.test", status_code=404)
    verdict = classify(exc, 3)
    assert verdict.action is Action.STOP and verdict.error is exc and verdict.status == 404


def test_error_pickles_with_its_attributes() -> None:
    """Issue 15: the new error survives pickling (process pools, multiprocessing queues)."""
    exc = NotALocktAPIError(
        "m", base_url="https://x.test", status_code=404, method="GET", path="/user"
    )
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is NotALocktAPIError and str(back) == "m"
    assert (back.base_url, back.status_code, back.method, back.path) == (
        "https://x.test",
        404,
        "GET",
        "/user",
    )


async def test_served_simulator_without_api_v1_is_not_a_lockt_api() -> None:
    """Issue 15's case: the simulator's URL without /api/v1 gives NotALocktAPIError, not 404."""
    sim = Simulator()
    with serve_in_thread(sim) as url:
        root = url.removesuffix("/api/v1")
        async with LocktClient(sim.api_user, sim.api_key, base_url=root) as lockt:
            with pytest.raises(NotALocktAPIError, match="lacks /api/v1"):
                await lockt.users.list()
        async with LocktClient(sim.api_user, sim.api_key, base_url=url) as lockt:
            assert await lockt.users.list() == []
