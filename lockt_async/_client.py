"""``LocktClient``: configuration, lifecycle, and the resource groups hanging off it."""

from __future__ import annotations

import ipaddress
import os
import ssl
import warnings
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from functools import cached_property
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import anyio
import httpx

from . import _telemetry
from ._coalesce import Coalescer
from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_READ_CONCURRENCY,
    DEFAULT_RECORD_LIMIT,
    DEFAULT_SETTLE_CAP,
    DEFAULT_TIMEOUT,
    KEEPALIVE_EXPIRY,
    RetryPolicy,
)
from ._envelope import data_of, one, readonly, require_text, rows, structure
from ._gate import WriteGate, instance_key, process_gate
from ._transport import Transport
from ._warnings import LocktWarning
from ._writes import WriteContext
from .converters import LocktConverter, make_converter
from .errors import ConfigurationError, MalformedResponseError
from .models import About, ObjectProperty, TimeInfo
from .resources.access_levels import AccessLevels
from .resources.credentials import Credentials
from .resources.delegates import Delegates
from .resources.doors import Doors
from .resources.events import Events
from .resources.fobs import Fobs
from .resources.locations import Locations
from .resources.schedules import Schedules
from .resources.users import Users

__all__ = ["LocktClient"]

_RESERVED_TLDS = (".test", ".localhost", ".invalid", ".example")


def _is_loopback_or_reserved(host: str) -> bool:
    if host == "localhost" or host.endswith(_RESERVED_TLDS):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str, allow_insecure_http: bool) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL!r}, got {base_url!r}"
        )
    if (
        parts.scheme == "http"
        and not allow_insecure_http
        and not _is_loopback_or_reserved(parts.hostname)
    ):
        raise ConfigurationError(
            f"base_url {base_url!r} uses plain http to a non-loopback host; the api key "
            "would travel in clear text. Use https, or pass allow_insecure_http=True "
            "(`lockt --allow-insecure-http` on the command line)."
        )
    return base_url.rstrip("/")


def _zone(value: str | ZoneInfo) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"timezone {value!r} is not an IANA zone name (e.g. 'America/New_York')"
        ) from None


class LocktClient:
    """An async client for one Lockt SecureAccess instance.

    Use it as an async context manager (``async with LocktClient(...) as lockt:``),
    or call ``await lockt.aclose()`` when done; it owns one pooled
    ``httpx.AsyncClient`` unless you pass ``http_client``. A client that sent
    requests on its own pool and is garbage-collected unclosed emits a
    ``LocktWarning`` (its connections leaked).

    Credentials come from the arguments or from ``LOCKT_API_USER``,
    ``LOCKT_API_KEY`` and ``LOCKT_BASE_URL``. ``timezone`` is the instance's IANA
    zone; when None it is read once from ``GET /time``. ``record_limit`` is the
    instance's maximum records per write (default 100; learned from the server's
    "Batch size exceeds maximum of X objects." when lower). ``write_gate`` is the
    gate every write passes (default: one per instance in this process), or a
    callable that builds it from ``instance_key`` (e.g. ``RedisWriteGate.factory(r)``).
    ``retry`` is the one ``RetryPolicy`` of reads, write resends and the event
    stream (``RetryPolicy.instant()`` in tests); ``max_retries=N`` is shorthand
    for ``retry=RetryPolicy(max_retries=N)`` (reads only; pass one or the other).
    ``max_response_bytes`` bounds each response body (default 256 MiB, ``None``
    for no bound); past it a read raises ``ResponseTooLargeError`` and a write's
    records are ``unknown``.
    ``required_fields`` says who checks the document's "Missing or blank" rows of
    record content (a user's ``email``, ``phone``, ``pin``, names, ``id_num``; a
    fob's, door's, level's or location's name; an access level door's
    ``schedule_id``): ``"client"`` (default) refuses such a record before
    sending, ``"server"`` sends it and lets the instance decide, for instances
    known to accept records without them. Formats and ids are always checked.

    ``timeout`` (seconds, default 30) is the deadline of each request as a whole:
    connect, send, headers and body (httpx's own timeouts are per socket
    operation). ``settle`` is how long the next write to the instance waits after
    a write that timed out or lost its connection, which the server may still be
    applying (default: ``timeout``, at most 5 s; 0 with an injected ``transport``
    or ``http_client``, which are in-process test doubles as a rule; 0 turns it off).
    ``ssl_context`` verifies the server's certificate (default: a new one with the
    system's CA bundle; building one costs ~75 ms of CPU, so many clients, as in
    ``lockt_async.fleet.run``, share one).

    Raises:
        ConfigurationError: a credential is missing, the base URL is unusable, the
            timezone is unknown, or the write gate cannot work under the running
            event loop (``RedisWriteGate`` under trio; checked again on ``async with``).
    """

    def __init__(
        self,
        api_user: str | None = None,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timezone: str | ZoneInfo | None = None,
        record_limit: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        read_concurrency: int = DEFAULT_READ_CONCURRENCY,
        write_gate: WriteGate | Callable[[str], WriteGate] | None = None,
        coalesce_window: float = 0.005,
        coalesce_max_pending: int = 10_000,
        required_fields: Literal["client", "server"] = "client",
        settle: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ):
        api_user, api_key = _credentials(api_user, api_key)
        base = base_url or os.environ.get("LOCKT_BASE_URL") or DEFAULT_BASE_URL
        self.base_url = _check_base_url(base, allow_insecure_http)
        _check_settings(
            record_limit=record_limit,
            timeout=timeout,
            max_response_bytes=max_response_bytes,
            settle=settle,
            read_concurrency=read_concurrency,
            coalesce_window=coalesce_window,
            coalesce_max_pending=coalesce_max_pending,
            required_fields=required_fields,
        )
        retry = _retry_policy(retry, max_retries)
        if transport is not None and http_client is not None:
            raise ConfigurationError("pass either transport or http_client, not both")
        if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
            raise ConfigurationError(
                f"ssl_context must be an ssl.SSLContext, got {type(ssl_context).__name__}"
            )
        self.api_user = api_user
        self.timeout = float(timeout)
        #: Seconds the next write waits after an ambiguous one (timed out, connection lost).
        if settle is None:
            # An injected transport (the simulator's, a mock) is in-process: once it
            # has answered or failed, nothing of the request is still running.
            injected = transport is not None or http_client is not None
            settle = 0.0 if injected else min(self.timeout, DEFAULT_SETTLE_CAP)
        self.settle = float(settle)
        self.record_limit = record_limit or DEFAULT_RECORD_LIMIT
        #: The limit learned from the server's own error, if it was ever lower.
        self.learned_record_limit: int | None = None
        #: Who checks the "Missing or blank" rows of record content: see the class docstring.
        self.required_fields: Literal["client", "server"] = required_fields
        self._zone = _zone(timezone) if timezone is not None else None
        owns = http_client is None
        if http_client is None:
            http_client = httpx.AsyncClient(
                transport=transport,
                timeout=timeout,
                verify=ssl_context if ssl_context is not None else True,
                # Idle connections are dropped a second before a server with the
                # common 5 s keep-alive (uvicorn, nginx's default is longer) closes
                # them: a POST sent on a connection the server is just closing
                # fails mid-send, and its outcome is then unknown.
                limits=httpx.Limits(
                    max_connections=max(read_concurrency + 2, 10),
                    keepalive_expiry=KEEPALIVE_EXPIRY,
                ),
            )
        self._transport = Transport(
            base_url=self.base_url,
            api_user=api_user,
            api_key=api_key,
            http_client=http_client,
            owns_client=owns,
            retry=retry,
            timeout=float(timeout),
            max_response_bytes=max_response_bytes,
        )
        self._read_limiter = anyio.Semaphore(read_concurrency)
        #: Reads in flight at most (the sync planner's route estimate uses it).
        self.read_concurrency = read_concurrency
        self._converter: LocktConverter | None = None
        self._zone_lock = anyio.Lock()
        self._write_gate = _resolve_gate(write_gate, self.instance_key)
        _check_gate_runtime(self._write_gate)
        self._coalesce_window = coalesce_window
        self._coalesce_max_pending = coalesce_max_pending
        self._coalescer: Coalescer | None = None
        self._exit_stack: AsyncExitStack | None = None
        _telemetry.autodetect()  # spans and metrics when the application set up OpenTelemetry
        self._closed = False

    def __repr__(self) -> str:
        return f"<LocktClient {self.base_url} user={self.api_user!r}>"

    def __del__(self) -> None:
        # Like an unclosed file: a client that sent requests on its own pool and was
        # never closed leaks the pool's connections. Say so once, in words a user
        # can act on (asyncio's own "unclosed transport" is a ResourceWarning,
        # hidden by default). An injected http_client is the caller's to close.
        transport = getattr(self, "_transport", None)  # None when __init__ raised early
        if transport is None or not transport.pool_used or not transport.owns_client:
            return
        if getattr(self, "_closed", True):
            return
        warnings.warn(
            f"{self!r} was used but never closed, so its connection pool leaks: use "
            "`async with LocktClient(...) as lockt:` or call `await lockt.aclose()`",
            LocktWarning,
            stacklevel=2,
            source=self,
        )

    # lifecycle -------------------------------------------------------------

    async def __aenter__(self) -> LocktClient:
        _check_gate_runtime(self._write_gate)
        # The coalescer's flushes run in a task group owned by the client, entered
        # here and left in __aexit__ after the queues are flushed: no untracked tasks.
        self._exit_stack = AsyncExitStack()
        tg = await self._exit_stack.enter_async_context(anyio.create_task_group())
        self._coalescer = Coalescer(
            self.write_context,
            self.remember_limit,
            tg,
            window=self._coalesce_window,
            max_pending=self._coalesce_max_pending,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Flush coalesced writes still queued, then close the HTTP pool. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._coalescer is not None:
                await self._coalescer.aclose()
            if self._exit_stack is not None:
                await self._exit_stack.aclose()  # waits for the last flushes
        finally:
            await self._transport.aclose()

    # the ResourceClient protocol: what the resources use ----------------------

    @property
    def coalescer(self) -> Coalescer:
        """Merges concurrent ``*_one`` writes into pages; needs ``async with`` on the client."""
        if self._coalescer is None or self._closed:
            raise ConfigurationError(
                "single-record coalesced writes (upsert_one, create_one) need the client "
                "to be open: use `async with LocktClient(...) as lockt:`"
            )
        return self._coalescer

    @property
    def retry(self) -> RetryPolicy:
        """The client's retry policy (reads, write resends, the event stream)."""
        return self._transport.retry

    @property
    def instance_key(self) -> str:
        """Names the instance for the write gates: the base URL in its normal form
        (scheme and host lower-cased, IDNA, no default port or trailing slash) and
        the api user, never the key. Every spelling of one instance shares one gate."""
        return instance_key(self.base_url, self.api_user)

    @property
    def write_gate(self) -> WriteGate:
        """The gate every write passes: one write in flight per instance."""
        return self._write_gate

    def write_context(self) -> WriteContext:
        """What the write path needs of this client, with the record limit known now."""
        return WriteContext(
            send=self._transport.send,
            converter=self.converter,
            gate=self._write_gate,
            record_limit=self.record_limit,
            retry=self._transport.retry,
            instance_key=self.instance_key,
            settle=self.settle,
            timeout=self.timeout,
        )

    def remember_limit(self, limit: int | None) -> None:
        """Keep a lower record limit a write learned from the server, for later writes."""
        if limit is not None and limit < self.record_limit:
            self.record_limit = limit
            self.learned_record_limit = limit

    async def timezone(self) -> ZoneInfo:
        """The instance's zone: the configured one, or ``GET /time`` once, cached."""
        if self._zone is None:
            async with self._zone_lock:
                if self._zone is None:
                    info = await self._transport.read("/time")
                    self._zone = _zone_from_time_body(info.body)
        return self._zone

    async def converter(self) -> LocktConverter:
        """The client's cattrs converter, built once from the instance's zone."""
        if self._converter is None:
            self._converter = make_converter(await self.timezone())
        return self._converter

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET under the read-concurrency bound; returns the decoded body."""
        async with self._read_limiter:
            return (await self._transport.read(path, params=params)).body

    # utility endpoints -------------------------------------------------------

    async def ping(self) -> Mapping[str, Any]:
        """``GET /ping``: connectivity and authorization check (undocumented shape)."""
        return readonly(data_of(await self.get("/ping"), "/ping"))

    async def about(self) -> About:
        """``GET /about``: the current release notes."""
        conv = await self.converter()
        return structure(
            conv, one(data_of(await self.get("/about"), "/about"), "/about"), About, "/about"
        )

    async def maintenance(self) -> Mapping[str, Any]:
        """``GET /maintenance``: scheduled maintenance details (undocumented shape)."""
        return readonly(data_of(await self.get("/maintenance"), "/maintenance"))

    async def settings(self) -> Mapping[str, Any]:
        """``GET /settings``: api settings (undocumented shape)."""
        return readonly(data_of(await self.get("/settings"), "/settings"))

    async def site(self) -> Mapping[str, Any]:
        """``GET /site``: basic site information (undocumented shape)."""
        return readonly(data_of(await self.get("/site"), "/site"))

    async def time(self) -> TimeInfo:
        """``GET /time``: the instance's clock, zone and offset."""
        body = await self.get("/time")
        conv = await self.converter()
        return structure(conv, one(data_of(body, "/time"), "/time"), TimeInfo, "/time")

    async def object_types(self) -> list[str]:
        """``GET /object?listtypes``: the names of the object types."""
        found = rows(await self.get("/object?listtypes"), "/object?listtypes")
        return [str(r["object"]) for r in found if isinstance(r, Mapping) and "object" in r]

    async def object_schema(self, type: str) -> list[ObjectProperty]:
        """``GET /object?type=T``: the properties of one object type."""
        require_text("type", type)
        found = rows(await self.get("/object", {"type": type}), "/object")
        conv = await self.converter()
        return [structure(conv, r, ObjectProperty, "/object") for r in found]

    # resource groups ----------------------------------------------------------

    @cached_property
    def users(self) -> Users:
        return Users(self)

    @cached_property
    def fobs(self) -> Fobs:
        return Fobs(self)

    @cached_property
    def doors(self) -> Doors:
        return Doors(self)

    @cached_property
    def access_levels(self) -> AccessLevels:
        return AccessLevels(self)

    @cached_property
    def credentials(self) -> Credentials:
        return Credentials(self)

    @cached_property
    def delegates(self) -> Delegates:
        return Delegates(self)

    @cached_property
    def events(self) -> Events:
        return Events(self)

    @cached_property
    def locations(self) -> Locations:
        return Locations(self)

    @cached_property
    def schedules(self) -> Schedules:
        return Schedules(self)


def _credentials(api_user: str | None, api_key: str | None) -> tuple[str, str]:
    """The api user and key from the arguments or the environment; both non-blank."""
    api_user = api_user if api_user is not None else os.environ.get("LOCKT_API_USER")
    api_key = api_key if api_key is not None else os.environ.get("LOCKT_API_KEY")
    if not api_user or not api_user.strip():
        raise ConfigurationError("api_user is missing: pass api_user=... or set LOCKT_API_USER")
    if not api_key or not api_key.strip():
        raise ConfigurationError("api_key is missing: pass api_key=... or set LOCKT_API_KEY")
    return api_user, api_key


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


#: The client's settings checked at construction: what each must be, and the test.
_SETTINGS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "record_limit": ("a positive int", lambda v: v is None or (isinstance(v, int) and v >= 1)),
    "timeout": ("a positive number", lambda v: isinstance(v, int | float) and not v <= 0),
    "max_response_bytes": (
        "a positive int or None",
        lambda v: v is None or (_number(v) and isinstance(v, int) and v >= 1),
    ),
    "settle": ("a number of seconds >= 0", lambda v: v is None or (_number(v) and v >= 0)),
    "read_concurrency": ("a positive int", lambda v: isinstance(v, int) and v >= 1),
    "coalesce_window": (
        "a number of seconds >= 0",
        lambda v: isinstance(v, int | float) and v >= 0,
    ),
    "coalesce_max_pending": ("a positive int", lambda v: isinstance(v, int) and v >= 1),
    "required_fields": ("'client' or 'server'", lambda v: v in ("client", "server")),
}


def _check_settings(**settings: object) -> None:
    """Each setting as ``_SETTINGS`` says, or a ``ConfigurationError`` naming it."""
    for name, value in settings.items():
        what, ok = _SETTINGS[name]
        if not ok(value):
            raise ConfigurationError(f"{name} must be {what}, got {value!r}")


def _retry_policy(retry: RetryPolicy | None, max_retries: int | None) -> RetryPolicy:
    """``retry=`` or its ``max_retries=`` shorthand (not both), checked."""
    if retry is not None and max_retries is not None:
        raise ConfigurationError(
            "pass retry=RetryPolicy(...) or max_retries=, not both "
            "(max_retries is shorthand for retry=RetryPolicy(max_retries=N))"
        )
    if retry is not None:
        if not isinstance(retry, RetryPolicy):
            raise ConfigurationError(
                f"retry must be a lockt_async.RetryPolicy, got {type(retry).__name__}"
            )
        return retry
    if max_retries is None:
        return RetryPolicy()
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigurationError(f"max_retries must be an int >= 0, got {max_retries!r}")
    return RetryPolicy(max_retries=max_retries)


def _resolve_gate(gate: WriteGate | Callable[[str], WriteGate] | None, key: str) -> WriteGate:
    """The gate given, the one a factory builds for ``key``, or the process-wide one."""
    if gate is None:
        return process_gate(key)
    if isinstance(gate, WriteGate):
        return gate
    if not callable(gate):
        raise ConfigurationError(
            "write_gate must be a WriteGate or a callable taking the instance key"
        )
    built = gate(key)
    if not isinstance(built, WriteGate):
        raise ConfigurationError(
            f"the write_gate factory returned {type(built).__name__}, not a WriteGate"
        )
    return built


def _check_gate_runtime(gate: WriteGate) -> None:
    """A gate that cannot work under the running event loop fails here, before any write."""
    check = getattr(gate, "check_runtime", None)
    if callable(check):
        check()


def _zone_from_time_body(body: Any) -> ZoneInfo:
    row = one(data_of(body, "/time"), "/time")
    name = row.get("timezone")
    if not isinstance(name, str):
        raise MalformedResponseError("GET /time: no 'timezone' name", status_code=200)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MalformedResponseError(
            f"GET /time: unknown timezone {name[:64]!r}", status_code=200
        ) from None
