"""The only module that speaks httpx: send a request, retry reads, map errors.

Reads (GET) are retried on connection errors, timeouts, 429, 5xx and the
document's communication errors, waiting as the client's ``RetryPolicy`` says.
Writes are sent exactly once here: whether a failed write may be resent is the
write path's decision (``_writes``), because only it knows whether the server
may have applied it.

Server text enters the library here and only here, so two rules live here too:
the body is read as it streams in and refused past its bound
(``max_response_bytes``; for a write, also 16 times its request), and the api
key is scrubbed from it before anything can quote it. Any failure to decode a
body (content encoding, JSON syntax, nesting, huge numbers, bad UTF-8) is a
``MalformedResponseError``; any httpx error is one of the ``TransportError``s.
"""

from __future__ import annotations

import json
import logging
import time
import weakref
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import anyio
import attrs
import httpx

from . import _redact, _telemetry
from ._config import DEFAULT_MAX_RESPONSE_BYTES, RetryPolicy
from ._gcpause import PAUSE_BODY_BYTES, gc_paused
from .errors import (
    APIError,
    ConnectError,
    ConnectionDropped,
    InstanceCommunicationError,
    LocktError,
    MalformedResponseError,
    NotALocktAPIError,
    RateLimitError,
    RequestTimeout,
    ResponseTooLargeError,
    ServerError,
    TransportError,
    error_for_response,
    error_message,
    excerpt,
)


def _stdlib_dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


#: What a body that is not JSON raises, whichever decoder: a syntax error, bad
#: UTF-8, a number past the int digit limit (ValueError), nesting too deep
#: (RecursionError from the stdlib decoder).
_DECODE_ERRORS: tuple[type[Exception], ...] = (ValueError, RecursionError, UnicodeDecodeError)

try:  # orjson is optional (the `fast` extra); it halves encode and decode cost.
    import orjson

    def dumps(obj: Any) -> bytes:
        """Encode a request body."""
        return orjson.dumps(obj)

    _loads: Callable[[bytes | bytearray], Any] = orjson.loads
except ImportError:  # pragma: no cover - exercised when orjson is absent (tests run both)
    dumps = _stdlib_dumps
    _loads = json.loads

#: Bodies larger than this are decoded by the stdlib decoder. orjson parses a whole
#: body into a document of its own before it builds any Python object, so its peak
#: is about twice the body above the stdlib's: a 100,000-user ``GET /user`` (37 MB)
#: peaks at +214 MB with orjson and +145 MB with ``json.loads``, for 0.05 s more.
LARGE_BODY_BYTES = 8 * 1024 * 1024


logger = logging.getLogger("lockt_async")

#: httpx errors raised before any byte of the request left: resending is safe.
_NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
)


#: Every httpx error the exchange may meet (``httpx.StreamError`` is no ``HTTPError``).
_HTTPX_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError, httpx.StreamError)

#: What each httpx failure becomes, for ``send`` and ``_read_body`` alike; the first
#: row that matches wins: (httpx errors, the ``LocktError``, the DEBUG line's word,
#: the message while sending, the message while reading the answer's body; None:
#: the row does not apply then).
_FAILURES: tuple[
    tuple[tuple[type[Exception], ...], type[LocktError], str, str | None, str | None], ...
] = (
    (
        (httpx.DecodingError,),
        MalformedResponseError,
        "undecodable body",
        None,
        "HTTP {status} body cannot be decoded as its Content-Encoding says",
    ),
    (_NOT_SENT, ConnectError, "not sent", "request not sent", None),
    (
        (httpx.TimeoutException,),
        RequestTimeout,
        "timeout",
        "no answer in time",
        "the answer stopped coming",
    ),
    (
        _HTTPX_ERRORS,  # any other: the request may have left, as a dropped line
        ConnectionDropped,
        "dropped",
        "connection lost after sending",
        "connection lost while reading the answer",
    ),
)


def map_httpx_error(exc: Exception, *, reading: bool) -> tuple[type[LocktError], str, str]:
    """(the ``LocktError`` class, the DEBUG note, the message) for an httpx failure,
    from ``_FAILURES``: while sending the request, or while ``reading`` its answer."""
    for catches, error, note, sending, while_reading in _FAILURES:
        message = while_reading if reading else sending
        if message is not None and isinstance(exc, catches):
            return error, f"{note}: {type(exc).__name__}", message
    raise exc  # not an httpx error: not ours to map


@attrs.frozen
class Response:
    """A decoded answer: HTTP status, the JSON body, and seconds spent."""

    status_code: int
    body: Any
    elapsed: float


class _Secret:
    """Holds the api key; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


def decode_body(
    raw: bytes | bytearray,
    *,
    status_code: int,
    loads: Callable[[bytes | bytearray], Any] | None = None,
) -> Any:
    """Decode a JSON body, or raise ``MalformedResponseError`` quoting a short excerpt.

    ``loads`` is the decoder (default: orjson when installed, else ``json.loads``;
    ``json.loads`` for a body over ``LARGE_BODY_BYTES``, which peaks lower). Any
    failure of it (syntax, encoding, a 5,000-digit number, nesting too deep) is a
    ``MalformedResponseError``. A large body is decoded with the cyclic GC
    paused (see ``_gcpause``).
    """
    if not raw or raw.isspace():
        return None
    try:
        with gc_paused(len(raw) > PAUSE_BODY_BYTES):
            return (loads or (json.loads if len(raw) > LARGE_BODY_BYTES else _loads))(raw)
    except _DECODE_ERRORS as exc:
        raise MalformedResponseError(
            f"HTTP {status_code}: response is not valid JSON ({type(exc).__name__}): "
            f"{excerpt(raw)!r}",
            status_code=status_code,
            body_excerpt=excerpt(raw),
        ) from None


def interpret(  # noqa: C901 - one branch per row of the table in the docstring, in its order
    method: str,
    path: str,
    status: int,
    headers: Mapping[str, str],
    raw: bytes | bytearray,
    *,
    scrub: _Scrubber | None = None,
    base_url: str = "",
) -> Any:
    """What an answer means: its decoded body, or the ``LocktError`` it is. Pure: no I/O.

    ``scrub`` removes the api key from server text (None: nothing to remove);
    ``base_url`` is quoted when the answer is not a Lockt API's. The rows, in order
    (a "read's data" is a GET answered below 400: handed out as it came, never
    scrubbed; every other body is scrubbed before it is decoded):

    ================================================  ====================================
    answer                                            result
    ================================================  ====================================
    not JSON, an HTML page, with 404/405 (or a 2xx    ``NotALocktAPIError`` (wrong base URL)
    to a GET)
    not JSON, status 400 or more                      the status's error below, body None
    not JSON, any other status                        ``MalformedResponseError``
    404/405 with a body that is not the Lockt error   ``NotALocktAPIError``
    envelope
    status 400 or more                                its ``APIError`` (``error_for_response``,
                                                      ``Retry-After`` read from ``headers``)
    any status but 200, 201, 202, 204                 ``MalformedResponseError``
    a body that is not a JSON object (``null``        ``MalformedResponseError``
    included)
    an error envelope without a write summary         its ``APIError``: never success
    anything else (a summary beside per-record        the decoded body
    errors included)
    ================================================  ====================================
    """
    is_data = method == "GET" and status < 400
    if scrub is not None and not is_data:
        raw = scrub.raw(raw)
    try:
        decoded = decode_body(raw, status_code=status)
    except MalformedResponseError:
        # A web page where JSON was expected: a wrong base URL. Not for a 2xx
        # answer to a write, though: a proxy may have swapped the answer of a
        # write the instance applied (the write path calls that ``unknown``).
        if _looks_like_a_page(headers, raw) and (
            status in (404, 405) or (status < 300 and method == "GET")
        ):
            page = scrub.raw(raw) if scrub is not None else raw
            raise _not_lockt(base_url, method, path, status, page, "an HTML page") from None
        if status >= 400:
            decoded = None  # a proxy's HTML error page: the status decides, the page is quoted
        elif is_data and scrub is not None:
            # Raise it again, quoting the scrubbed body this time.
            decode_body(scrub.raw(raw), status_code=status)
            raise
        else:
            raise
    if status in (404, 405) and raw.strip() and error_message(decoded)[0] is None:
        what = f"not the Lockt error envelope: {excerpt(raw, 80)!r}"
        raise _not_lockt(base_url, method, path, status, raw, what)
    if decoded is not None and not is_data and scrub is not None:
        decoded = scrub.tree(decoded, raw)
    if status >= 400:
        raise error_for_response(
            status,
            decoded,
            method=method,
            path=path,
            raw=raw,
            retry_after=_retry_after(headers),
        )
    if status not in (200, 201, 202, 204):
        quoted = excerpt(scrub.raw(raw) if scrub is not None else raw)
        raise MalformedResponseError(
            f"{method} {path}: unexpected HTTP {status}: {quoted!r}",
            status_code=status,
            body_excerpt=quoted,
        )
    if not isinstance(decoded, Mapping):
        quoted = excerpt(scrub.raw(raw) if scrub is not None else raw)
        raise MalformedResponseError(
            f"{method} {path}: HTTP {status} body is not a JSON object: {quoted!r}",
            status_code=status,
            body_excerpt=quoted,
        )
    message, _ = error_message(decoded)
    if message is not None and not _has_summary(decoded.get("data")):
        # A 200 carrying an error envelope is an error, never success; a write
        # summary beside per-record errors is a partial success, read by the caller.
        if is_data and scrub is not None:
            decoded, raw = scrub.walk(decoded), scrub.raw(raw)
        raise error_for_response(status, decoded, method=method, path=path, raw=raw)
    return decoded


def _not_lockt(
    base_url: str, method: str, path: str, status: int, raw: bytes | bytearray, what: str
) -> NotALocktAPIError:
    suffix = "" if base_url.endswith("/api/v1") else " (this one lacks /api/v1)"
    return NotALocktAPIError(
        f"{method} {path}: HTTP {status}, {what}: base_url {base_url!r} does not "
        "look like a Lockt API. base_url is the API root, ending in /api/v1, e.g. "
        f"https://cloudapi.lockt.com/api/v1{suffix}.",
        base_url=base_url,
        status_code=status,
        method=method,
        path=path,
        body_excerpt=excerpt(raw),
    )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _retryable(exc: LocktError) -> bool:
    if isinstance(exc, InstanceCommunicationError | RateLimitError | ServerError):
        return True
    return isinstance(exc, TransportError)


class Transport:
    """Sends requests to one instance with its credentials; owns the retry policy."""

    def __init__(
        self,
        *,
        base_url: str,
        api_user: str,
        api_key: str,
        http_client: httpx.AsyncClient,
        owns_client: bool,
        retry: RetryPolicy,
        timeout: float,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    ):
        self.base_url = base_url.rstrip("/")
        self._headers = {
            "apiuser": api_user,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        # The key is kept apart, in a holder whose repr hides it, and joins the
        # headers only for the request being sent: no attribute of the transport
        # shows it in clear.
        self._key = _Secret(api_key)
        self._scrub = _Scrubber(api_key)
        # Log records of httpx, httpcore and the library are masked while the
        # transport lives (a server may echo the headers): see ``_redact``.
        masked = _redact.register(api_key, api_user)
        self._unmask = weakref.finalize(self, _redact.unregister, masked)
        self._http = http_client
        #: Whether ``aclose`` closes the pool (False for an injected ``http_client``).
        self.owns_client = owns_client
        #: True once a request went out on the pool this transport owns.
        self.pool_used = False
        self.retry = retry
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes

    def __repr__(self) -> str:
        return f"<Transport {self.base_url}>"

    async def aclose(self) -> None:
        self._unmask()
        if self.owns_client:
            await self._http.aclose()

    async def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Response:
        """Send once and decode; raise the precise ``LocktError`` for any failure.

        ``timeout`` (default: the client's) bounds the request as a whole, from
        connecting to the last byte of the body, under asyncio and trio; past it
        ``RequestTimeout`` is raised. A 200 whose body is the error envelope
        raises too: it is never success. The body is read as it streams in and
        refused past its bound (``ResponseTooLargeError``); text from the server
        is scrubbed of the api key here, before anything can quote it.
        """
        tel = _telemetry.hooks
        if tel is not None and tel.http_spans:
            return await tel.http(  # type: ignore[no-any-return]
                lambda: self._exchange(method, path, body, params, timeout),
                _telemetry.HttpRequest(self.base_url, method, path, params),
            )
        return await self._exchange(method, path, body, params, timeout)

    async def _exchange(
        self,
        method: str,
        path: str,
        body: bytes | None,
        params: Mapping[str, str] | None,
        timeout: float | None,
    ) -> Response:
        """The HTTP exchange: one request under one deadline, its body read within its
        bound; every httpx failure mapped by ``_FAILURES``, the answer by ``interpret``."""
        url = self.base_url + path
        self.pool_used = True
        start = time.perf_counter()
        limit = timeout if timeout is not None else self.timeout
        try:
            # One deadline for the whole request (connect, send, headers, body):
            # httpx's own timeouts apply per socket operation, so a body that
            # drips in slower than that would otherwise never time out. (What
            # ``anyio.fail_after`` does, minus its generator-based wrapper: this
            # runs once per request.)
            with anyio.CancelScope(deadline=anyio.current_time() + limit) as deadline:
                request = self._http.build_request(
                    method,
                    url,
                    content=body,
                    params=params,
                    headers={**self._headers, "apikey": self._key.get()},
                    timeout=limit,
                )
                resp = await self._http.send(request, stream=True)
                try:
                    raw = await self._read_body(
                        resp, method, path, start, self._bound(method, body)
                    )
                finally:
                    await resp.aclose()
            if deadline.cancelled_caught:
                raise TimeoutError
        except TimeoutError:
            self._log(method, path, None, start, "deadline")
            raise RequestTimeout(
                f"{method} {path}: no complete answer within the {limit:g} s request deadline"
            ) from None
        except _HTTPX_ERRORS as exc:
            raise self._failure(exc, method, path, start, None) from None
        elapsed = time.perf_counter() - start
        self._log(method, path, resp.status_code, start, None)
        decoded = interpret(
            method,
            path,
            resp.status_code,
            resp.headers,
            raw,
            scrub=self._scrub,
            base_url=self.base_url,
        )
        return Response(resp.status_code, decoded, elapsed)

    def _bound(self, method: str, body: bytes | None) -> int | None:
        """The most bytes the answer may have: ``max_response_bytes``, and for a write
        also what its page can explain (see ``write_answer_bound``)."""
        limit = self.max_response_bytes
        if method == "GET" or body is None:
            return limit
        bound = write_answer_bound(len(body))
        return bound if limit is None else min(limit, bound)

    async def _read_body(
        self, resp: httpx.Response, method: str, path: str, start: float, limit: int | None
    ) -> bytes | bytearray:
        """The decoded body, read chunk by chunk and stopped past ``limit`` bytes."""
        declared = resp.headers.get("content-length", "")
        if (
            limit is not None
            and declared.isdigit()
            and int(declared) > limit
            and "content-encoding" not in resp.headers
        ):
            raise self._too_large(method, path, resp.status_code, start, limit)
        buf = bytearray()
        try:
            async for chunk in resp.aiter_bytes():
                buf += chunk
                if limit is not None and len(buf) > limit:
                    raise self._too_large(method, path, resp.status_code, start, limit)
        except _HTTPX_ERRORS as exc:
            raise self._failure(exc, method, path, start, resp.status_code) from None
        return buf

    def _failure(
        self, exc: Exception, method: str, path: str, start: float, status: int | None
    ) -> LocktError:
        """The ``LocktError`` for an httpx failure: while sending (``status`` None) or
        while reading the answer's body; logged at DEBUG."""
        error, note, message = map_httpx_error(exc, reading=status is not None)
        self._log(method, path, status if error is MalformedResponseError else None, start, note)
        text = f"{method} {path}: {message.format(status=status)} ({type(exc).__name__})"
        if error is MalformedResponseError and status is not None:
            return MalformedResponseError(text, status_code=status)
        return error(text)

    def _too_large(
        self, method: str, path: str, status: int, start: float, limit: int
    ) -> ResponseTooLargeError:
        self._log(method, path, status, start, f"body over {limit} bytes")
        what = (
            "max_response_bytes"
            if limit == self.max_response_bytes
            else "the bound of a write's answer (16 x the request, at least 1 MiB)"
        )
        return ResponseTooLargeError(
            f"{method} {path}: HTTP {status} body is larger than {what} "
            f"({limit:,} bytes); reading stopped there",
            status_code=status,
            limit=limit,
        )

    async def read(self, path: str, *, params: Mapping[str, str] | None = None) -> Response:
        """GET with retries per the policy (connection errors, timeouts, 429, 5xx)."""
        retries = self.retry.retries(f"GET {path}", attempts=self.retry.max_retries)
        while True:
            try:
                return await self.send("GET", path, params=params)
            except LocktError as exc:
                if not _retryable(exc):
                    raise
                retry_after = exc.retry_after if isinstance(exc, RateLimitError) else None
                if not await retries.wait(retry_after=retry_after, reason=_reason(exc)):
                    raise

    def _log(
        self, method: str, path: str, status: int | None, start: float, failure: str | None
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            ms = (time.perf_counter() - start) * 1000
            logger.debug("%s %s -> %s in %.1f ms", method, path, failure or status, ms)


#: A write's answer is its summary plus, at most, an error and an echo per record:
#: never more than a small multiple of the request. Bounding it by the request keeps a
#: runaway answer to a write from costing the client more than a few MiB.
WRITE_ANSWER_MIN_BYTES = 1024 * 1024
WRITE_ANSWER_PER_REQUEST_BYTE = 16


def write_answer_bound(request_bytes: int) -> int:
    """The most bytes a write's answer may have: 16 x its request, at least 1 MiB."""
    return max(WRITE_ANSWER_MIN_BYTES, WRITE_ANSWER_PER_REQUEST_BYTE * request_bytes)


class _Scrubber:
    """Removes the api key from text the server sent (a server may echo request headers).

    The key is looked for as sent, JSON-escaped, and percent-encoded; what the
    bytes cannot show (``\\u`` escapes of each character) is caught in the decoded
    body of writes and error answers, the ones whose text reaches messages and failures.
    """

    def __init__(self, key: str):
        forms = {
            key,
            json.dumps(key)[1:-1],
            json.dumps(key, ensure_ascii=False)[1:-1],
            json.dumps(key)[1:-1].replace("/", "\\/"),
            quote(key, safe=""),
        }
        self._key = key
        self._forms = tuple(f.encode() for f in sorted(forms, key=len, reverse=True) if f)

    def raw(self, raw: bytes | bytearray) -> bytes | bytearray:
        for form in self._forms:
            if form in raw:
                raw = raw.replace(form, SCRUBBED)
        return raw

    def tree(self, value: Any, raw: bytes | bytearray) -> Any:
        if b"\\u" not in raw:
            return value  # no escapes: the byte scrub saw every string as it decodes
        return self.walk(value)

    def walk(self, value: Any) -> Any:
        """``value`` (decoded JSON) with the key replaced in every string."""
        if isinstance(value, str):
            return value.replace(self._key, SCRUBBED.decode()) if self._key in value else value
        if isinstance(value, dict):
            return {self.walk(k): self.walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.walk(v) for v in value]
        return value


#: What stands in for the api key in any text that came from the server.
SCRUBBED = b"***"


def _looks_like_a_page(headers: Mapping[str, str], raw: bytes | bytearray) -> bool:
    """A web page (HTML) rather than an API answer."""
    if "html" in headers.get("content-type", "").lower():
        return True
    return raw.lstrip()[:1] == b"<"


def _has_summary(data: object) -> bool:
    return isinstance(data, Mapping) and "submitted" in data


def _reason(exc: LocktError) -> str:
    if isinstance(exc, APIError):
        return f"{type(exc).__name__} (HTTP {exc.status_code})"
    return type(exc).__name__
