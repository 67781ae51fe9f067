"""OpenTelemetry traces and metrics for lockt_async (``pip install "lockt_async[otel]"``).

This is the only module that imports ``opentelemetry``; the core calls the no-op
seams of ``lockt_async._telemetry``, which this module fills in.

How it turns on:

* automatically, when a ``LocktClient`` is created in a process where
  ``opentelemetry`` is already imported and a real tracer or meter provider is
  set (an SDK provider, not the API's default proxy): the check is a
  ``sys.modules`` lookup, so an application without OpenTelemetry pays nothing;
* explicitly, with :func:`instrument` (your own providers, e.g. in tests);
  :func:`uninstrument` turns it off and keeps it off.

What it records (names follow OpenTelemetry's semantic conventions where they fit):

* a span per library call (``users.upsert``, ``users.sync``, ``users.list``...)
  with ``server.address``/``server.port`` and the result's counts
  (``lockt.records.in``, ``lockt.records.accepted``, ``lockt.records.rejected``...);
* a span per page attempt (``users.upsert page``): ``lockt.page.record_count``
  (modelled on ``messaging.batch.message_count``), ``lockt.page.body.size``,
  ``lockt.page.attempt``, ``http.request.resend_count`` on a resend,
  ``lockt.page.verdict`` (accepted, rejected, resent, resplit, unknown),
  ``lockt.page.gate_wait`` (seconds); a refused or unknown page has status ERROR;
* sync phases (``sync.read``, ``sync.enrich``, ``sync.plan``, ``sync.write``,
  ``sync.removals``)
  as children of the sync call's span;
* an HTTP client span per request (``POST /user``): ``http.request.method``,
  ``url.full`` (without user info; the api key travels in a header, never in the
  URL), ``server.address``, ``server.port``, ``http.response.status_code``,
  ``error.type``. With ``instrument(http_spans=False)`` the library leaves HTTP
  spans (and ``http.client.request.duration``) to
  opentelemetry-instrumentation-httpx, whose spans then nest under the page spans;
* coalesced writes (``upsert_one``): the page span is a root span with a link to
  each caller's span, and each caller's span gets a link to the page span;
* metrics: ``http.client.request.duration`` (s, the conventions' buckets),
  ``lockt.records.written`` (by ``lockt.operation`` and ``lockt.outcome``),
  ``lockt.page.size``, ``lockt.gate.wait``, ``lockt.page.resends``,
  ``lockt.page.resplits``, ``lockt.coalescer.queue.depth``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from .. import _telemetry
from .._version import __version__

__all__ = ["instrument", "is_instrumented", "uninstrument"]

#: The HTTP client conventions' advisory buckets for ``http.client.request.duration``.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
PAGE_SIZE_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)
GATE_WAIT_BUCKETS = (0, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

#: Page verdicts whose span has status ERROR.
_FAILED = frozenset({"rejected", "unknown"})


def _server(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "", port


def _without_userinfo(base_url: str) -> str:
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _error_type(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


class _CallSpan:
    """A library call's span, current between ``__enter__`` and ``__exit__``."""

    __slots__ = ("_span", "_token")

    def __init__(self, span: trace.Span):
        self._span = span
        self._token: object = None

    def __enter__(self) -> _CallSpan:
        self._token = otel_context.attach(trace.set_span_in_context(self._span))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        span = self._span
        if exc is not None and span.is_recording():
            span.set_attribute("error.type", _error_type(exc))
            if isinstance(exc, Exception):
                span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        otel_context.detach(self._token)  # type: ignore[arg-type]
        span.end()

    def done(self, counts: Mapping[str, int]) -> None:
        span = self._span
        if span.is_recording():
            span.set_attributes(
                {_COUNT_ATTRIBUTES.get(k) or f"lockt.records.{k}": v for k, v in counts.items()}
            )


_COUNT_ATTRIBUTES = {"records": "lockt.records.in", "rows": "lockt.rows", "pages": "lockt.pages"}


class _PageSpan:
    """One page attempt's span (current until ``close``) and its metrics."""

    __slots__ = ("_hooks", "_links", "_op", "_records", "_span", "_token")

    def __init__(
        self,
        hooks: OtelHooks,
        span: trace.Span,
        operation: str,
        records: int,
        links: Sequence[object] | None,
    ):
        self._hooks = hooks
        self._span = span
        self._op = operation
        self._records = records
        self._links = links
        self._token = otel_context.attach(trace.set_span_in_context(span))

    def close(
        self,
        verdict: str | None,
        status: int | None,
        gate_wait: float,
        error: BaseException | None,
    ) -> None:
        span = self._span
        otel_context.detach(self._token)
        hooks = self._hooks
        attrs = {"lockt.operation": self._op}
        hooks.page_size.record(self._records, attrs)
        hooks.gate_wait.record(gate_wait, attrs)
        if span.is_recording():
            found: dict[str, Any] = {"lockt.page.gate_wait": gate_wait}
            if status is not None:
                found["http.response.status_code"] = status
            if verdict is not None:
                found["lockt.page.verdict"] = verdict
            if error is not None:
                found["error.type"] = _error_type(error)
            span.set_attributes(found)  # one lock, not one per attribute
            if error is not None:
                span.set_status(Status(StatusCode.ERROR, f"interrupted: {type(error).__name__}"))
            elif verdict in _FAILED:
                span.set_status(Status(StatusCode.ERROR, f"page {verdict} (HTTP {status})"))
            if self._links:
                here = span.get_span_context()
                for caller in self._links:
                    if isinstance(caller, trace.Span) and caller.is_recording():
                        caller.add_link(here, {"lockt.link": "page"})
        span.end()


def _histogram(
    meter: metrics.Meter, name: str, unit: str, description: str, buckets: Sequence[float]
) -> metrics.Histogram:
    """A histogram with the advisory bucket boundaries of its unit."""
    return meter.create_histogram(
        name, unit=unit, description=description, explicit_bucket_boundaries_advisory=buckets
    )


class OtelHooks:
    """The ``_telemetry.Hooks`` implementation: spans from a tracer, metrics from a meter."""

    def __init__(
        self,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        *,
        http_spans: bool = True,
    ):
        self.http_spans = http_spans
        self.tracer = trace.get_tracer("lockt_async", __version__, tracer_provider)
        meter = metrics.get_meter("lockt_async", __version__, meter_provider)
        self.duration = _histogram(
            meter,
            "http.client.request.duration",
            "s",
            "Duration of HTTP client requests.",
            DURATION_BUCKETS,
        )
        self.records_written = meter.create_counter(
            "lockt.records.written",
            unit="{record}",
            description="Records a write resolved, by operation and outcome "
            "(accepted, rejected, not_sent, unknown, invalid).",
        )
        self.page_size = _histogram(
            meter, "lockt.page.size", "{record}", "Records per page attempt.", PAGE_SIZE_BUCKETS
        )
        self.gate_wait = _histogram(
            meter,
            "lockt.gate.wait",
            "s",
            "Time a page attempt waited for the write gate (settle included).",
            GATE_WAIT_BUCKETS,
        )
        self.resends = meter.create_counter(
            "lockt.page.resends", unit="{request}", description="Pages resent."
        )
        self.resplits = meter.create_counter(
            "lockt.page.resplits",
            unit="{page}",
            description="Pages split again to a lower record limit the server reported.",
        )
        self.queue_depth = meter.create_up_down_counter(
            "lockt.coalescer.queue.depth",
            unit="{record}",
            description="Single-record writes waiting in the coalescer.",
        )
        self._servers: dict[str, tuple[str, int, str]] = {}

    def _where(self, base_url: str) -> tuple[str, int, str]:
        found = self._servers.get(base_url)
        if found is None:
            host, port = _server(base_url)
            found = self._servers[base_url] = (host, port, _without_userinfo(base_url))
        return found

    # _telemetry.Hooks -------------------------------------------------------------

    def call(self, name: str, client: object) -> _CallSpan:
        base_url = getattr(client, "base_url", None)
        attributes: dict[str, Any] = {"lockt.operation": name}
        if isinstance(base_url, str):
            host, port, _ = self._where(base_url)
            attributes["server.address"] = host
            attributes["server.port"] = port
        return _CallSpan(self.tracer.start_span(name, attributes=attributes))

    def page(self, page: _telemetry.PageInfo) -> _PageSpan:
        operation, records, attempt, links = page.operation, page.records, page.attempt, page.links
        attributes: dict[str, Any] = {
            "lockt.operation": operation,
            "lockt.page.record_count": records,
            "lockt.page.body.size": page.nbytes,
            "lockt.page.attempt": attempt,
            "http.request.method": page.method,
            "url.template": page.path,
        }
        if attempt > 1:
            attributes["http.request.resend_count"] = attempt - 1
            self.resends.add(1, {"lockt.operation": operation})
        ctx = None
        span_links: list[trace.Link] | None = None
        if links is not None:
            # A coalesced page carries many callers' records: a root span linked to each.
            ctx = otel_context.Context()
            span_links = [
                trace.Link(c.get_span_context(), {"lockt.link": "caller"})
                for c in links
                if isinstance(c, trace.Span) and c.get_span_context().is_valid
            ]
        span = self.tracer.start_span(
            f"{operation} page", context=ctx, attributes=attributes, links=span_links
        )
        return _PageSpan(self, span, operation, records, links)

    def phase(self, name: str) -> Any:
        return self.tracer.start_as_current_span(name)

    async def http(
        self, send: Callable[[], Awaitable[Any]], request: _telemetry.HttpRequest
    ) -> Any:
        method, path, params = request.method, request.path, request.params
        host, port, clean = self._where(request.base_url)
        template, _, _ = path.partition("?")
        url = clean + path
        if params:
            url += ("&" if "?" in path else "?") + urlencode(params)
        span = self.tracer.start_span(
            f"{method} {template}",
            kind=SpanKind.CLIENT,
            attributes={
                "http.request.method": method,
                "url.full": url,
                "url.template": template,
                "server.address": host,
                "server.port": port,
            },
        )
        # Not made current: nothing of the library runs below a request (and when
        # httpx's own instrumentation is in use, http_spans is False).
        metric: dict[str, Any] = {
            "http.request.method": method,
            "server.address": host,
            "server.port": port,
        }
        start = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            response = await send()
            status = response.status_code
            return response
        except BaseException as exc:
            code = getattr(exc, "status_code", None)
            if isinstance(code, int) and code > 0:
                status = code
            error = str(status) if status is not None and status >= 400 else _error_type(exc)
            if isinstance(exc, Exception) and span.is_recording():
                span.record_exception(exc)
            raise
        finally:
            if status is not None:
                metric["http.response.status_code"] = status
            if error is not None:
                metric["error.type"] = error
            self.duration.record(time.perf_counter() - start, metric)
            if span.is_recording():
                if error is not None:
                    span.set_attributes(metric)
                    span.set_status(Status(StatusCode.ERROR, error))
                elif status is not None:
                    span.set_attribute("http.response.status_code", status)
            span.end()

    def capture(self) -> object:
        span = trace.get_current_span()
        return span if span.get_span_context().is_valid else None

    def queued(self, operation: str, delta: int) -> None:
        self.queue_depth.add(delta, {"lockt.operation": operation})

    def records(self, operation: str, counts: Mapping[str, int]) -> None:
        for outcome, n in counts.items():
            self.records_written.add(n, {"lockt.operation": operation, "lockt.outcome": outcome})

    def resplit(self, operation: str) -> None:
        self.resplits.add(1, {"lockt.operation": operation})


def instrument(
    tracer_provider: trace.TracerProvider | None = None,
    meter_provider: metrics.MeterProvider | None = None,
    *,
    http_spans: bool = True,
) -> None:
    """Turn on the library's spans and metrics, from these providers (default: the global ones).

    ``http_spans=False`` leaves HTTP spans and ``http.client.request.duration`` to
    opentelemetry-instrumentation-httpx (its spans nest under the page spans).
    Calling it again replaces the providers.

    Without providers, while the application has set no global one either, nothing
    would record: the hooks stay off (no cost) and the first ``LocktClient`` created
    after a global provider is set turns them on.
    """
    global _http_spans
    _http_spans = http_spans
    if tracer_provider is None and meter_provider is None and not _real_provider_set():
        _telemetry.hooks = None
        _telemetry.auto = True
        return
    _telemetry.auto = False
    _telemetry.hooks = OtelHooks(tracer_provider, meter_provider, http_spans=http_spans)


#: ``instrument(http_spans=...)``, kept for hooks turned on later by a new client.
_http_spans = True


def uninstrument() -> None:
    """Turn the library's spans and metrics off (and keep automatic instrumenting off)."""
    _telemetry.auto = False
    _telemetry.hooks = None


def is_instrumented() -> bool:
    """Whether the library's spans and metrics are on."""
    return _telemetry.hooks is not None


def _real_provider_set() -> bool:
    """Whether the application set a tracer or meter provider (not the API's defaults)."""
    tracer_provider = trace.get_tracer_provider()
    if not isinstance(tracer_provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider):
        return True
    meter_provider = metrics.get_meter_provider()
    return type(meter_provider).__name__ not in ("_ProxyMeterProvider", "NoOpMeterProvider")


def autodetect() -> None:
    """Instrument with the global providers when the application set a real one."""
    if _real_provider_set():
        _telemetry.hooks = OtelHooks(http_spans=_http_spans)
