"""errors.error_for_response: each status and each documented message maps to one class."""

from __future__ import annotations

import pytest

from lockt_async import errors as e


def _map(status: int, body: object) -> e.APIError:
    return e.error_for_response(status, body, method="POST", path="/user", raw=b"{}")


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, e.BadRequestError),
        (401, e.AuthenticationError),
        (404, e.NotFoundError),
        (429, e.RateLimitError),
        (500, e.ServerError),
        (503, e.ServerError),
        (418, e.APIError),
    ],
)
def test_status_classes(status: int, cls: type[e.APIError]) -> None:
    """Status codes table: 400/401/404/429/50X each map to their own class."""
    err = _map(status, {"data": {"error": "something"}})
    assert type(err) is cls
    assert err.status_code == status
    assert "something" in str(err)


@pytest.mark.parametrize(("message", "not_applied"), list(e.COMMUNICATION_MESSAGES.items()))
def test_communication_messages(message: str, not_applied: bool) -> None:
    """Message table: the four instance communication errors, and whether they applied."""
    err = _map(500, {"data": {"error": message}})
    assert isinstance(err, e.InstanceCommunicationError)
    assert err.not_applied is not_applied


def test_batch_size_exceeded_carries_limit() -> None:
    """Message table: 'Batch size exceeds maximum of X objects.' carries X."""
    err = _map(400, {"data": {"error": "Batch size exceeds maximum of 40 objects."}})
    assert isinstance(err, e.BatchSizeExceededError)
    assert err.limit == 40


def test_validation_envelope_parsed() -> None:
    """Error envelope {result, errors[{error, input_data}]} becomes per-record details."""
    body = {
        "result": ["Validation errors found. Batch has failed. Details provided."],
        "errors": [
            {
                "error": ["Non-Numeric card_num found: A8914", "Invalid email address found: x"],
                "input_data": {"id": -1, "id_num": "qjwi-880329359"},
            }
        ],
    }
    err = _map(400, body)
    assert isinstance(err, e.ValidationFailedError)
    (detail,) = err.record_errors
    assert detail.messages == (
        "Non-Numeric card_num found: A8914",
        "Invalid email address found: x",
    )
    assert detail.input_data == {"id": -1, "id_num": "qjwi-880329359"}


def test_parse_input_message() -> None:
    """Message table: 'No data found or invalid JSON objects supplied...' is ParseInputError."""
    err = _map(400, {"data": {"error": e.PARSE_INPUT_MESSAGE}})
    assert isinstance(err, e.ParseInputError)


@pytest.mark.parametrize(
    "message",
    ["Rate limit exceeded: another write operation is in progress.", "Operation in progress"],
)
def test_rate_limit_by_message(message: str) -> None:
    """NOTES.md rate limit: a 400 whose message says 'in progress' is a RateLimitError."""
    assert isinstance(_map(400, {"data": {"error": message}}), e.RateLimitError)


def test_odd_error_shapes_do_not_crash() -> None:
    """Tolerance: errors that are strings, or envelopes with odd types, still parse."""
    details = e.parse_record_errors(["plain", {"error": "one", "input_data": 5}, 7])
    assert [d.messages for d in details] == [("plain",), ("one",), ("7",)]
    assert details[1].input_data is None
    assert e.parse_record_errors({"not": "a list"}) == ()


def test_excerpt_is_short_and_single_line() -> None:
    """Bodies are quoted as short, single-line excerpts."""
    text = e.excerpt(b"<html>\n<body>" + b"x" * 5000 + b"</body></html>")
    assert "\n" not in text
    assert len(text) <= 203
