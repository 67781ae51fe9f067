"""Issue 19, point 4: the api key and apiuser never appear in a log record written while
the library runs a request, httpx's and httpcore's own DEBUG lines included, even when
the server echoes them in a response header and in an error body."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from lockt_async import LocktClient, RetryPolicy, _redact
from tests.faults.test_secrets import _Everything
from tests.support.loopback import Reply, Request, loopback

pytestmark = pytest.mark.anyio

KEY = "KEY-ECHO-5d1e9a"
USER = "USER-ECHO-41c7b2"
LOGGERS = ("httpx", "httpcore", "lockt_async", "")


@pytest.fixture
def everything() -> Iterator[_Everything]:
    handler = _Everything()
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _echo(req: Request) -> Reply:
    """Echo both credentials in headers; refuse writes with an error body quoting them."""
    echoed = {
        "apikey": req.headers.get("apikey", ""),
        "x-echo-user": req.headers.get("apiuser", ""),
    }
    if req.method == "GET" and req.path.startswith("/api/v1/time"):
        return Reply(headers=echoed)
    message = f"bad key {req.headers.get('apikey')} for {req.headers.get('apiuser')}"
    body = json.dumps({"error": {"message": message}}).encode()
    return Reply(status=400 if req.method != "GET" else 500, body=body, headers=echoed)


def _users(n: int) -> list[dict[str, str]]:
    return [
        {
            "id_num": f"E{i}",
            "first_name": "Ann",
            "last_name": "Lee",
            "email": f"e{i}@example.com",
            "phone": "5551234567",
            "pin": "1234",
        }
        for i in range(n)
    ]


async def test_echoed_key_and_user_appear_in_no_log_record(everything: _Everything) -> None:
    """Issue 19 point 4: an echoed apikey/apiuser (header and error body) is in no log line."""
    with loopback(_echo) as srv:
        async with LocktClient(
            USER, KEY, base_url=srv.url, retry=RetryPolicy.instant(), settle=0
        ) as lockt:
            result = await lockt.users.upsert(_users(3), validate_fails_batch=False)
            assert result.failure_counts() == {"rejected": 3}
            with pytest.raises(Exception) as info:
                await lockt.users.list()
            logging.getLogger("lockt_async").debug("the failure: %s", info.value)
    text = "\n".join(everything.texts)
    assert "httpcore.http11" in text and "receive_response_headers" in text  # DEBUG was on
    assert "***" in text  # the echo was there, and masked
    assert KEY not in text
    assert USER not in text


async def test_the_filter_leaves_with_the_last_client() -> None:
    """Issue 19 point 4: the filter is the client's for its lifetime, then leaves the loggers."""
    with loopback() as srv:
        async with LocktClient(USER, KEY, base_url=srv.url, timezone="America/New_York"):
            assert _redact._FILTER in logging.getLogger("httpcore.http11").filters
    assert _redact._FILTER not in logging.getLogger("httpcore.http11").filters
    assert _redact.mask(KEY) == KEY
