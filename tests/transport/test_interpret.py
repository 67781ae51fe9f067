"""``interpret``, row by row (``lockt_async._transport.interpret``'s table), with no HTTP.

Each test names the row of the docstring table it pins; ``map_httpx_error`` is the
one mapping of httpx failures that ``send`` and ``_read_body`` share.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from lockt_async._transport import _Scrubber, interpret, map_httpx_error
from lockt_async.errors import (
    APIError,
    AuthenticationError,
    ConnectError,
    ConnectionDropped,
    MalformedResponseError,
    NotALocktAPIError,
    RateLimitError,
    RequestTimeout,
    ServerError,
    ServerValidationError,
)

KEY = "k3y-s3cret"
BASE = "https://lockt.test/api/v1"
JSON = {"content-type": "application/json"}
HTML = {"content-type": "text/html"}
PAGE = b"<html><body>Not Found</body></html>"


def body(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def run(
    method: str, status: int, raw: bytes, headers: dict[str, str] | None = None, **kw: Any
) -> Any:
    return interpret(method, "/user", status, headers or JSON, raw, base_url=BASE, **kw)


# --- not JSON -------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "status"), [("GET", 404), ("POST", 405), ("GET", 200)])
def test_html_page_with_404_405_or_a_2xx_read_is_not_lockt(method: str, status: int) -> None:
    """Row 'not JSON, an HTML page, with 404/405 (or a 2xx to a GET)': NotALocktAPIError."""
    with pytest.raises(NotALocktAPIError) as info:
        run(method, status, PAGE, HTML)
    assert info.value.status_code == status
    assert BASE in str(info.value)


def test_html_page_answering_a_write_with_200_is_malformed_not_wrong_url() -> None:
    """Row 'not JSON, any other status': a 2xx page to a write may hide an applied write."""
    with pytest.raises(MalformedResponseError) as info:
        run("POST", 200, PAGE, HTML)
    assert not isinstance(info.value, NotALocktAPIError)


@pytest.mark.parametrize(("status", "error"), [(502, ServerError), (401, AuthenticationError)])
def test_not_json_with_an_error_status_is_that_status_error(status: int, error: type) -> None:
    """Row 'not JSON, status 400 or more': the status decides, the body is None."""
    with pytest.raises(error) as info:
        run("POST", status, b"<html>Bad gateway</html>", HTML)
    assert info.value.server_message is None


def test_not_json_read_quotes_the_scrubbed_body() -> None:
    """Row 'not JSON, any other status': a read's bad body is quoted without the key."""
    with pytest.raises(MalformedResponseError) as info:
        run("GET", 200, b"{broken " + KEY.encode(), scrub=_Scrubber(KEY))
    assert KEY not in str(info.value)


# --- 404/405 and errors ---------------------------------------------------------------


def test_404_without_the_lockt_envelope_is_not_lockt() -> None:
    """Row '404/405 with a body that is not the Lockt error envelope': NotALocktAPIError."""
    with pytest.raises(NotALocktAPIError):
        run("GET", 404, body({"detail": "Not Found"}))


def test_404_with_the_lockt_envelope_is_its_api_error() -> None:
    """Row 'status 400 or more': a Lockt 404 envelope is the instance's own answer."""
    with pytest.raises(Exception) as info:
        run("GET", 404, body({"data": {"error": "Not Found: /usr"}}))
    assert not isinstance(info.value, NotALocktAPIError)
    assert info.value.status_code == 404  # type: ignore[attr-defined]


def test_error_status_reads_retry_after_from_the_headers() -> None:
    """Row 'status 400 or more': 429 is a RateLimitError carrying Retry-After."""
    with pytest.raises(RateLimitError) as info:
        run("POST", 429, body({"data": {"error": "Too many"}}), {**JSON, "retry-after": "3"})
    assert info.value.retry_after == 3.0


def test_validation_answer_is_a_server_validation_error() -> None:
    """Row 'status 400 or more': the validation envelope with its record errors."""
    raw = body(
        {
            "result": ["Validation errors found. Batch has failed. Details provided."],
            "errors": [{"error": ["Invalid email"], "input_data": {"id_num": "A"}}],
        }
    )
    with pytest.raises(ServerValidationError) as info:
        run("POST", 400, raw)
    assert len(info.value.record_errors) == 1


def test_error_text_is_scrubbed_of_the_key() -> None:
    """Row 'status 400 or more': an echoed key never reaches the error's message."""
    with pytest.raises(AuthenticationError) as info:
        run("POST", 401, body({"data": {"error": f"bad key {KEY}"}}), scrub=_Scrubber(KEY))
    assert KEY not in str(info.value) and "***" in str(info.value)


# --- 2xx ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [203, 206, 302])
def test_unexpected_status_is_malformed(status: int) -> None:
    """Row 'any status but 200, 201, 202, 204': MalformedResponseError naming it."""
    with pytest.raises(MalformedResponseError, match=f"unexpected HTTP {status}"):
        run("GET", status, body({"data": []}))


@pytest.mark.parametrize("raw", [b"", b"null", b"[1, 2]", b'"text"'])
def test_body_that_is_not_an_object_is_malformed(raw: bytes) -> None:
    """Row 'a body that is not a JSON object (null included)': MalformedResponseError."""
    with pytest.raises(MalformedResponseError, match="not a JSON object"):
        run("GET", 200, raw)


def test_200_with_an_error_envelope_is_an_error() -> None:
    """Row 'an error envelope without a write summary': never success, even with 200."""
    with pytest.raises(APIError) as info:
        run("GET", 200, body({"data": {"error": "Access denied. Invalid API credentials."}}))
    assert info.value.status_code == 200


def test_summary_beside_record_errors_is_returned() -> None:
    """Row 'anything else (a summary beside per-record errors included)': the body."""
    answer = {
        "data": {"submitted": 2, "inserted": 1, "errors": 1},
        "result": ["Validation errors found. Valid records processed. Details provided."],
        "errors": [{"error": ["Invalid email"], "input_data": {"id_num": "B"}}],
    }
    assert run("POST", 200, body(answer)) == answer


def test_read_data_is_never_scrubbed_and_write_answers_are() -> None:
    """Row 'anything else': a read's data comes as it came; a write's answer is scrubbed."""
    rows = {"data": [{"first_name": KEY}]}
    assert run("GET", 200, body(rows), scrub=_Scrubber(KEY)) == rows
    summary = {"data": {"submitted": 1, "inserted": 1, "note": KEY}}
    assert run("POST", 200, body(summary), scrub=_Scrubber(KEY))["data"]["note"] == "***"


# --- the httpx failure table ----------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "reading", "error", "words"),
    [
        (httpx.ConnectError("x"), False, ConnectError, "request not sent"),
        (httpx.PoolTimeout("x"), False, ConnectError, "request not sent"),
        (httpx.ReadTimeout("x"), False, RequestTimeout, "no answer in time"),
        (httpx.ReadTimeout("x"), True, RequestTimeout, "the answer stopped coming"),
        (httpx.ConnectTimeout("x"), True, RequestTimeout, "the answer stopped coming"),
        (httpx.RemoteProtocolError("x"), False, ConnectionDropped, "after sending"),
        (httpx.ReadError("x"), True, ConnectionDropped, "while reading the answer"),
        (httpx.StreamClosed(), True, ConnectionDropped, "while reading the answer"),
        (httpx.DecodingError("x"), True, MalformedResponseError, "cannot be decoded"),
        (httpx.DecodingError("x"), False, ConnectionDropped, "after sending"),
    ],
)
def test_httpx_failures_map_by_one_table(
    exc: Exception, reading: bool, error: type, words: str
) -> None:
    """_FAILURES: each httpx failure, while sending or reading, is one LocktError."""
    got, note, message = map_httpx_error(exc, reading=reading)
    assert got is error
    assert words in message
    assert note.endswith(type(exc).__name__)


def test_a_non_httpx_error_is_not_mapped() -> None:
    """_FAILURES: anything else is raised as it is, never disguised."""
    with pytest.raises(KeyError):
        map_httpx_error(KeyError("x"), reading=False)
