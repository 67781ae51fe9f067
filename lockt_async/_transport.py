"""The only module that speaks httpx: send a request, retry reads, map errors.

Reads (GET) are retried on connection errors, timeouts, 429, 5xx and the
document's communication errors, with exponential backoff and jitter. Writes are
sent exactly once here: whether a failed write may be resent is the write
path's decision (``_writes.py``), because only it knows whether the server may
have applied it.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import anyio
import attrs
import httpx

from ._config import RetryPolicy
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
    ServerError,
    TransportError,
    error_for_response,
    error_message,
    excerpt,
)

try:  # orjson is optional (the `fast` extra); it halves encode and decode cost.
    import orjson

    def dumps(obj: Any) -> bytes:
        """Encode a request body."""
        return orjson.dumps(obj)

    def _loads(raw: bytes) -> Any:
        return orjson.loads(raw)

    _DECODE_ERRORS: tuple[type[Exception], ...] = (orjson.JSONDecodeError, UnicodeDecodeError)
except ImportError:  # pragma: no cover - exercised when orjson is absent

    def dumps(obj: Any) -> bytes:
        """Encode a request body."""
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()

    def _loads(raw: bytes) -> Any:
        return json.loads(raw)

    _DECODE_ERRORS = (json.JSONDecodeError, UnicodeDecodeError)


logger = logging.getLogger("lockt_async")

_RETRY_AFTER_CAP = 60.0

#: httpx errors raised before any byte of the request left: resending is safe.
_NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
)


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


def decode_body(raw: bytes, *, status_code: int) -> Any:
    """Decode a JSON body, or raise ``MalformedResponseError`` quoting a short excerpt.

    A large body is decoded with the cyclic GC paused (see ``_gcpause``).
    """
    if not raw.strip():
        return None
    try:
        with gc_paused(len(raw) > PAUSE_BODY_BYTES):
            return _loads(raw)
    except _DECODE_ERRORS as exc:
        raise MalformedResponseError(
            f"HTTP {status_code}: response is not valid JSON ({type(exc).__name__}): "
            f"{excerpt(raw)!r}",
            status_code=status_code,
            body_excerpt=excerpt(raw),
        ) from None


def _retry_after(headers: httpx.Headers) -> float | None:
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
        self._http = http_client
        self._owns = owns_client
        #: True once a request went out on the pool this transport owns.
        self.pool_used = False
        self.retry = retry
        self.timeout = timeout
        self._rng = random.Random()

    def __repr__(self) -> str:
        return f"<Transport {self.base_url}>"

    async def aclose(self) -> None:
        if self._owns:
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
        raises too: it is never success.
        """
        url = self.base_url + path
        self.pool_used = True
        start = time.perf_counter()
        limit = timeout if timeout is not None else self.timeout
        try:
            # One deadline for the whole request (connect, send, headers, body):
            # httpx's own timeouts apply per socket operation, so a body that
            # drips in slower than that would otherwise never time out.
            with anyio.fail_after(limit):
                resp = await self._http.request(
                    method,
                    url,
                    content=body,
                    params=params,
                    headers={**self._headers, "apikey": self._key.get()},
                    timeout=limit,
                )
        except TimeoutError:
            self._log(method, path, None, start, "deadline")
            raise RequestTimeout(
                f"{method} {path}: no complete answer within the {limit:g} s request deadline"
            ) from None
        except _NOT_SENT as exc:
            self._log(method, path, None, start, f"not sent: {type(exc).__name__}")
            raise ConnectError(
                f"{method} {path}: request not sent ({type(exc).__name__})"
            ) from None
        except httpx.TimeoutException as exc:
            self._log(method, path, None, start, f"timeout: {type(exc).__name__}")
            raise RequestTimeout(
                f"{method} {path}: no answer in time ({type(exc).__name__})"
            ) from None
        except (httpx.TransportError, httpx.StreamError) as exc:
            self._log(method, path, None, start, f"dropped: {type(exc).__name__}")
            raise ConnectionDropped(
                f"{method} {path}: connection lost after sending ({type(exc).__name__})"
            ) from None
        elapsed = time.perf_counter() - start
        self._log(method, path, resp.status_code, start, None)
        raw = resp.content
        try:
            decoded = decode_body(raw, status_code=resp.status_code)
        except MalformedResponseError:
            # A web page where JSON was expected: a wrong base URL. Not for a 2xx
            # answer to a write, though: a proxy may have swapped the answer of a
            # write the instance applied (the write path calls that ``unknown``).
            if _looks_like_a_page(resp) and (
                resp.status_code in (404, 405) or (resp.status_code < 300 and method == "GET")
            ):
                raise self._not_lockt(method, path, resp.status_code, raw, "an HTML page") from None
            if resp.status_code < 400:
                raise
            decoded = None  # a proxy's HTML error page: the status decides, the page is quoted
        if resp.status_code in (404, 405) and raw.strip() and error_message(decoded)[0] is None:
            what = f"not the Lockt error envelope: {excerpt(raw, 80)!r}"
            raise self._not_lockt(method, path, resp.status_code, raw, what)
        if resp.status_code >= 400:
            raise error_for_response(
                resp.status_code,
                decoded,
                method=method,
                path=path,
                raw=raw,
                retry_after=_retry_after(resp.headers),
            )
        if resp.status_code not in (200, 201, 202, 204):
            raise MalformedResponseError(
                f"{method} {path}: unexpected HTTP {resp.status_code}: {excerpt(raw)!r}",
                status_code=resp.status_code,
                body_excerpt=excerpt(raw),
            )
        if not isinstance(decoded, Mapping):
            raise MalformedResponseError(
                f"{method} {path}: HTTP {resp.status_code} body is not a JSON object: "
                f"{excerpt(raw)!r}",
                status_code=resp.status_code,
                body_excerpt=excerpt(raw),
            )
        message, _ = error_message(decoded)
        if message is not None and not _has_summary(decoded.get("data")):
            # A 200 carrying an error envelope is an error, never success; a write
            # summary beside per-record errors is a partial success, read by the caller.
            raise error_for_response(resp.status_code, decoded, method=method, path=path, raw=raw)
        return Response(resp.status_code, decoded, elapsed)

    def _not_lockt(
        self, method: str, path: str, status: int, raw: bytes, what: str
    ) -> NotALocktAPIError:
        suffix = "" if self.base_url.endswith("/api/v1") else " (this one lacks /api/v1)"
        return NotALocktAPIError(
            f"{method} {path}: HTTP {status}, {what}: base_url {self.base_url!r} does not "
            "look like a Lockt API. base_url is the API root, ending in /api/v1, e.g. "
            f"https://cloudapi.lockt.com/api/v1{suffix}.",
            base_url=self.base_url,
            status_code=status,
            method=method,
            path=path,
            body_excerpt=excerpt(raw),
        )

    async def read(self, path: str, *, params: Mapping[str, str] | None = None) -> Response:
        """GET with retries per the policy (connection errors, timeouts, 429, 5xx)."""
        deadline = time.monotonic() + self.retry.total
        attempt = 0
        while True:
            try:
                return await self.send("GET", path, params=params)
            except LocktError as exc:
                if attempt >= self.retry.max_retries or not _retryable(exc):
                    raise
                wait = self.retry.backoff(attempt, self._rng.random())
                if isinstance(exc, RateLimitError) and exc.retry_after is not None:
                    wait = min(max(wait, exc.retry_after), _RETRY_AFTER_CAP)
                if time.monotonic() + wait > deadline:
                    raise
                attempt += 1
                logger.debug(
                    "retry %d/%d of GET %s in %.3fs: %s",
                    attempt,
                    self.retry.max_retries,
                    path,
                    wait,
                    _reason(exc),
                )
                await anyio.sleep(wait)

    def _log(
        self, method: str, path: str, status: int | None, start: float, failure: str | None
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            ms = (time.perf_counter() - start) * 1000
            logger.debug("%s %s -> %s in %.1f ms", method, path, failure or status, ms)


def _looks_like_a_page(resp: httpx.Response) -> bool:
    """A web page (HTML) rather than an API answer."""
    if "html" in resp.headers.get("content-type", "").lower():
        return True
    return resp.content.lstrip()[:1] == b"<"


def _has_summary(data: object) -> bool:
    return isinstance(data, Mapping) and "submitted" in data


def _reason(exc: LocktError) -> str:
    if isinstance(exc, APIError):
        return f"{type(exc).__name__} (HTTP {exc.status_code})"
    return type(exc).__name__
