"""Every error ``lockt_async`` raises.

The hierarchy:

    LocktError
    ├── ConfigurationError            bad arguments or environment, before any I/O
    │   └── NotALocktAPIError         the base URL answers, but not as a Lockt API (check base_url)
    ├── RecordError                   a record or id the caller gave is unusable (names the field)
    │   └── NaiveDatetimeError        a datetime without tzinfo was given for a date field
    ├── ValidationFailedError         records refused for their content (.failures, .record_errors);
    │   │                             catch it to handle both kinds below alike
    │   ├── ClientValidationError     the client's own checks refused them: nothing was sent
    │   └── ServerValidationError     the server's 400 "Validation errors found." (also a
    │                                 BadRequestError, below)
    ├── TransportError                no usable HTTP answer
    │   ├── ConnectError              the connection failed before the request was sent
    │   ├── RequestTimeout            no answer in time (a write may have been applied)
    │   └── ConnectionDropped         the connection broke after the request was sent
    ├── APIError                      the server answered with an error
    │   ├── BadRequestError           400
    │   │   ├── BatchSizeExceededError    "Batch size exceeds maximum of X objects." (.limit)
    │   │   ├── ServerValidationError     per-record errors (.record_errors); also above
    │   │   └── ParseInputError           "No data found or invalid JSON objects supplied..."
    │   ├── AuthenticationError       401
    │   ├── NotFoundError             404, or a lookup that returned no record
    │   ├── RateLimitError            429, or a message saying another operation is in progress
    │   ├── ServerError               5xx
    │   └── InstanceCommunicationError    the four documented cloud <-> instance messages
    ├── MalformedResponseError        a body that is not JSON or not the documented envelope
    │   └── ResponseTooLargeError     the body passed ``max_response_bytes`` (reading stopped there)
    ├── BatchFailedError              raised by ``BatchResult.raise_for_failures()`` (.result)
    │   └── BatchInterruptedError     your input (or a defect) raised mid-import; the
    │                                 exception is ``__cause__``, every record taken is in .result
    └── RecordNotWrittenError         a single-record write did not certainly land (.failure)
        ├── WriteNotAppliedError      it certainly was not applied (safe to resend)
        └── WriteOutcomeUnknownError  it was sent but no answer came (may be applied)

Every message is built from the status, the server's message and a short excerpt
of the body; the api key is never part of any of them: text that came from the
server is scrubbed of the key where it enters the client, before it can
reach a message, a log record, a ``Failure`` or the CLI.

A check made before anything is sent is never an ``APIError``: those carry what
a server answered. ``ClientValidationError`` and ``ServerValidationError`` share
the base ``ValidationFailedError``, so ``except ValidationFailedError`` handles
both, while ``except APIError`` sees only what the server said.

Every error pickles (a ``ProcessPoolExecutor`` worker can raise one to its
parent): ``LocktError.__reduce__`` rebuilds it from its attributes, not from
its constructor's arguments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "COMMUNICATION_MESSAGES",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BatchFailedError",
    "BatchInterruptedError",
    "BatchSizeExceededError",
    "ClientValidationError",
    "ConfigurationError",
    "ConnectError",
    "ConnectionDropped",
    "InstanceCommunicationError",
    "LocktError",
    "MalformedResponseError",
    "NaiveDatetimeError",
    "NotALocktAPIError",
    "NotFoundError",
    "ParseInputError",
    "RateLimitError",
    "RecordError",
    "RecordErrorDetail",
    "RecordNotWrittenError",
    "RequestTimeout",
    "ResponseTooLargeError",
    "ServerError",
    "ServerValidationError",
    "TransportError",
    "ValidationFailedError",
    "WriteNotAppliedError",
    "WriteOutcomeUnknownError",
]

#: The document's communication errors between the cloud and the customer's instance,
#: mapped to whether the write certainly was not applied ("terminated" / "unreachable").
COMMUNICATION_MESSAGES: Mapping[str, bool] = {
    "Unable to enumerate dependant record. Batch has been terminated and exception flagged.": True,
    "Unable to locate template. Batch has been terminated and exception flagged.": True,
    "The destination host is unreachable.": True,
    "An Unexpected Error has occurred. Request has been terminated and exception flagged.": False,
}

PARSE_INPUT_MESSAGE = "No data found or invalid JSON objects supplied. Could not parse input."
VALIDATION_MESSAGE_PREFIX = "Validation errors found."
_BATCH_SIZE_RE = re.compile(r"Batch size exceeds maximum of (\d+) objects", re.IGNORECASE)
_RATE_LIMIT_RE = re.compile(r"rate.?limit|in progress|simultaneous|overlapping", re.IGNORECASE)
_EXCERPT_LEN = 200


class LocktError(Exception):
    """Root of every error raised by ``lockt_async``."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword-only arguments, which the default reduce
        # (``cls(*args)``) cannot pass: rebuild from args and attributes instead.
        return (_rebuild, (type(self), self.args), self.__dict__ or None)


def _rebuild(cls: type[LocktError], args: tuple[Any, ...]) -> LocktError:
    """Unpickle a ``LocktError``: its args now, its attributes by ``__setstate__``."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    return exc


class ConfigurationError(LocktError, ValueError):
    """A client argument or environment variable is missing or invalid."""


class NotALocktAPIError(ConfigurationError):
    """The base URL answered, but not as a Lockt API: a misconfiguration, not a missing record.

    Raised for a 404 without the Lockt error envelope (a web server's "Not Found"
    page, another API's JSON) and for an HTML page where JSON was expected. The
    usual cause is a ``base_url`` without its ``/api/v1`` suffix. ``base_url``,
    ``status_code``, ``method``, ``path`` and ``body_excerpt`` say what answered.
    ``NotFoundError`` keeps meaning "the instance has no such record".
    """

    def __init__(
        self,
        message: str,
        *,
        base_url: str,
        status_code: int,
        method: str = "",
        path: str = "",
        body_excerpt: str = "",
    ):
        super().__init__(message)
        self.base_url = base_url
        self.status_code = status_code
        self.method = method
        self.path = path
        self.body_excerpt = body_excerpt


class RecordError(LocktError, ValueError):
    """A record, field or id given by the caller cannot be sent.

    ``field`` names the offending field or argument; ``index`` is the record's
    position in the caller's input when known.
    """

    def __init__(self, message: str, *, field: str | None = None, index: int | None = None):
        super().__init__(message)
        self.field = field
        self.index = index


class NaiveDatetimeError(RecordError):
    """A naive ``datetime`` was given where the API needs an instant."""


class TransportError(LocktError):
    """The request got no usable HTTP answer."""

    #: True when the request certainly did not reach the server (safe to resend a write).
    not_sent: bool = False


class ConnectError(TransportError):
    """The connection could not be opened; the request was not sent."""

    not_sent = True


class RequestTimeout(TransportError):
    """No answer arrived in time; a write may or may not have been applied."""


class ConnectionDropped(TransportError):
    """The connection broke after the request was sent; a write may have been applied."""


@attrs.frozen
class RecordErrorDetail:
    """One per-record entry of the document's error envelope."""

    messages: tuple[str, ...]
    input_data: Mapping[str, Any] | None


class APIError(LocktError):
    """The server answered with an error status or an error envelope."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        method: str = "",
        path: str = "",
        server_message: str | None = None,
        body_excerpt: str = "",
    ):
        super().__init__(message)
        self.status_code = status_code
        self.method = method
        self.path = path
        self.server_message = server_message
        self.body_excerpt = body_excerpt


class BadRequestError(APIError):
    """HTTP 400."""


class BatchSizeExceededError(BadRequestError):
    """The page had more records than the instance allows; ``limit`` is that maximum."""

    def __init__(self, message: str, *, limit: int, **kw: Any):
        super().__init__(message, **kw)
        self.limit = limit


class ValidationFailedError(LocktError):
    """Records were refused for their content; catch this for either kind below.

    ``failures`` lists the records as ``Failure`` objects (index, record,
    reason, messages) when they are known; ``record_errors`` holds the server's
    per-record entries (messages and echoed ``input_data``), empty for the
    client's own checks.
    """

    def __init__(
        self,
        message: str,
        *,
        record_errors: Sequence[RecordErrorDetail] = (),
        failures: Sequence[Any] = (),
    ):
        super().__init__(message)
        self.record_errors = tuple(record_errors)
        self.failures = tuple(failures)


class ClientValidationError(ValidationFailedError, ValueError):
    """The client's own checks refused records (or a write's options) before sending.

    Nothing was sent. ``failures`` lists the offending records; each message
    names the field. Not an ``APIError``: no server said anything.
    """


class ServerValidationError(BadRequestError, ValidationFailedError):
    """The server's HTTP 400 "Validation errors found." envelope: ``record_errors``
    holds each record's messages and echo. Nothing of the batch was applied."""

    def __init__(
        self,
        message: str,
        *,
        record_errors: Sequence[RecordErrorDetail] = (),
        failures: Sequence[Any] = (),
        **kw: Any,
    ):
        kw.setdefault("status_code", 400)
        APIError.__init__(self, message, **kw)
        self.record_errors = tuple(record_errors)
        self.failures = tuple(failures)


class ParseInputError(BadRequestError):
    """The server could not parse the request body."""


class AuthenticationError(APIError):
    """HTTP 401: the api user or key is wrong or revoked."""


class NotFoundError(APIError):
    """HTTP 404, or a single lookup that returned no record."""


class RateLimitError(APIError):
    """Another write to the instance was in progress; this one was not processed."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(APIError):
    """HTTP 5xx without a documented message."""


class InstanceCommunicationError(APIError):
    """One of the document's four cloud-to-instance communication errors.

    ``not_applied`` is True for the "Batch has been terminated" and "host is
    unreachable" messages: the instance never processed the request.
    """

    def __init__(self, message: str, *, not_applied: bool, **kw: Any):
        super().__init__(message, **kw)
        self.not_applied = not_applied


class MalformedResponseError(LocktError):
    """The body is not JSON, or not the documented envelope (a proxy page, a cut body)."""

    def __init__(self, message: str, *, status_code: int, body_excerpt: str = ""):
        super().__init__(message)
        self.status_code = status_code
        self.body_excerpt = body_excerpt


class ResponseTooLargeError(MalformedResponseError):
    """The body grew past the client's ``max_response_bytes``; reading stopped there.

    ``limit`` is that bound. For a write the records of the page are ``unknown``
    (the server may have applied them); a read raises this.
    """

    def __init__(self, message: str, *, status_code: int, limit: int):
        super().__init__(message, status_code=status_code)
        self.limit = limit


class BatchFailedError(LocktError):
    """Some records of a batch did not make it; ``result`` is the ``BatchResult``."""

    def __init__(self, message: str, *, result: Any):
        super().__init__(message)
        self.result = result


class BatchInterruptedError(BatchFailedError):
    """A bulk write ended early because an exception that is not a ``LocktError`` was
    raised: the caller's iterable of records raised while being read (or, a defect, the
    library did). That exception is ``__cause__``.

    ``result`` (the same object as a ``result=`` you passed) accounts for every record
    taken from the input: pages already handed over were sent and have their true
    outcome; the records of the page being built are ``not_sent``.
    """


class RecordNotWrittenError(LocktError):
    """A single-record write did not certainly land; ``failure`` says why."""

    def __init__(self, message: str, *, failure: Any):
        super().__init__(message)
        self.failure = failure


class WriteNotAppliedError(RecordNotWrittenError):
    """The record certainly was not applied (e.g. retries ran out on rate limits)."""


class WriteOutcomeUnknownError(RecordNotWrittenError):
    """The request was sent but no usable answer came: the record may have been applied."""


def excerpt(body: bytes | bytearray | str, limit: int = _EXCERPT_LEN) -> str:
    """A short, printable, single-line excerpt of a response body.

    Only the head of the body is looked at: a 50 MB answer costs no copy of itself.
    """
    head = body[: limit * 8]
    text = bytes(head).decode("utf-8", "replace") if not isinstance(head, str) else head
    text = " ".join(text.split())
    if len(head) < len(body) and len(text) <= limit:
        text += "..."
    return text if len(text) <= limit else text[:limit] + "..."


def parse_batch_limit(message: str) -> int | None:
    """The X of "Batch size exceeds maximum of X objects.", if the message is that one."""
    m = _BATCH_SIZE_RE.search(message)
    return int(m.group(1)) if m else None


def is_rate_limit_message(message: str) -> bool:
    """True when a message says another write is in progress (the document's rate limit).

    The document announces a rate limit on "simultaneous and overlapping POST
    operations" without giving its message; this matches the usual wordings.
    """
    return bool(_RATE_LIMIT_RE.search(message))


def parse_record_errors(raw: object) -> tuple[RecordErrorDetail, ...]:
    """The envelope's ``errors`` list as details; tolerant of odd shapes."""
    if not isinstance(raw, list):
        return ()
    out: list[RecordErrorDetail] = []
    for item in raw:
        if not isinstance(item, Mapping):
            out.append(RecordErrorDetail((str(item),), None))
            continue
        msgs = item.get("error", ())
        if isinstance(msgs, str):
            msgs = [msgs]
        elif not isinstance(msgs, list):
            msgs = [str(msgs)]
        data = item.get("input_data")
        out.append(
            RecordErrorDetail(
                tuple(str(m) for m in msgs), data if isinstance(data, Mapping) else None
            )
        )
    return tuple(out)


def error_message(body: object) -> tuple[str | None, tuple[str, ...]]:
    """The server message of either error envelope, and the envelope's ``result`` lines.

    Returns ``(message, result_lines)``; message is None when the body carries no error.
    """
    if not isinstance(body, Mapping):
        return None, ()
    result = body.get("result")
    lines: tuple[str, ...] = ()
    if isinstance(result, list):
        lines = tuple(str(x) for x in result)
    elif isinstance(result, str):
        lines = (result,)
    data = body.get("data")
    if isinstance(data, Mapping) and "error" in data:
        return str(data["error"]), lines
    if (
        isinstance(data, list)
        and len(data) == 1
        and isinstance(data[0], Mapping)
        and set(data[0]) == {"error"}
    ):
        return str(data[0]["error"]), lines
    if lines and "errors" in body:
        return lines[0], lines
    if lines and "data" not in body:
        return lines[0], lines
    return None, lines


def error_for_response(  # noqa: C901 - a table: one branch per documented message or status, most precise first
    status_code: int,
    body: object,
    *,
    method: str,
    path: str,
    raw: bytes | bytearray,
    retry_after: float | None = None,
) -> APIError:
    """Map a status and a decoded body to the most precise ``APIError``.

    ``body`` is the decoded JSON (or None when the body was empty).
    """
    message, _lines = error_message(body)
    where = f"{method} {path}".strip()
    kw: dict[str, Any] = {
        "status_code": status_code,
        "method": method,
        "path": path,
        "server_message": message,
        "body_excerpt": excerpt(raw),
    }
    text = f"{where}: HTTP {status_code}" + (f": {message}" if message else "")
    if message is not None:
        if message in COMMUNICATION_MESSAGES:
            return InstanceCommunicationError(
                text, not_applied=COMMUNICATION_MESSAGES[message], **kw
            )
        limit = parse_batch_limit(message)
        if limit is not None:
            return BatchSizeExceededError(text, limit=limit, **kw)
        if message.startswith(VALIDATION_MESSAGE_PREFIX) and isinstance(body, Mapping):
            details = parse_record_errors(body.get("errors"))
            return ServerValidationError(
                f"{text} ({len(details)} record(s))", record_errors=details, **kw
            )
        if message == PARSE_INPUT_MESSAGE:
            return ParseInputError(text, **kw)
        if status_code == 429 or is_rate_limit_message(message):
            return RateLimitError(text, retry_after=retry_after, **kw)
    if status_code == 429:
        return RateLimitError(text, retry_after=retry_after, **kw)
    if status_code == 401:
        return AuthenticationError(text, **kw)
    if status_code == 404:
        return NotFoundError(text, **kw)
    if status_code >= 500:
        return ServerError(text, **kw)
    if status_code == 400:
        return BadRequestError(text, **kw)
    return APIError(text, **kw)
