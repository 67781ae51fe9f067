"""A small FastAPI service in front of one Lockt instance.

Run it from the checkout's root (credentials from LOCKT_API_USER, LOCKT_API_KEY,
LOCKT_BASE_URL; the README's "FastAPI" section runs it against the simulator)::

    pip install ".[examples]"
    uvicorn --factory examples.fastapi_app:create_app

``POST /employees`` takes ``id_num``, ``first_name``, ``last_name``, ``email``,
``phone`` and ``pin`` (required), ``card_num`` and ``access_level_id`` (optional).

What it shows:

* One ``LocktClient`` for the whole service, opened and closed by the lifespan.
* ``POST /employees`` onboards one person with ``client.users.upsert_one``:
  concurrent requests are merged into pages under the instance's record limit,
  one write in flight, and each request still gets its own outcome.
  201 with the summary; 422 ``{"messages": [...]}`` with that employee's own
  Lockt messages; 503 when the write certainly was not applied (safe to retry);
  202 when it was sent but no answer came (it may have been applied: look the
  employee up by id_num before retrying).
* ``GET /doors/low-battery?below=40``: doors whose battery is below the level.
* A background task, started in the lifespan's task group and cancelled at
  shutdown, follows ``client.events.stream()`` and keeps the last 100 events
  for ``GET /events/recent``. A real service would persist ``stream.last_id``
  and resume from it after a restart.
* Tracing (when OpenTelemetry is installed): a middleware opens a span per request,
  and the library's spans of that request (``users.upsert_one``, linked to the
  page that carried its record) nest under it. opentelemetry-instrumentation-asgi
  would make the request span instead; the library's spans nest the same way.

Several worker processes (``uvicorn --workers N``) write to the same instance:
give every worker the same ``RedisWriteGate`` (``lockt_async.redis_gate``) via
``client_factory`` so their writes never overlap.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
import attrs
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from lockt_async import (
    LocktClient,
    LocktError,
    RecordError,
    UserRecord,
    ValidationFailedError,
    WriteNotAppliedError,
    WriteOutcomeUnknownError,
)

try:  # the `otel` extra: request spans, and the library's spans under them
    from opentelemetry import trace
except ImportError:  # pragma: no cover - runs without OpenTelemetry too
    trace = None  # type: ignore[assignment]

logger = logging.getLogger("lockt_service")

RECENT_EVENTS = 100


class Employee(BaseModel):
    """A new card holder. Lockt checks the formats (email, phone, pin, card)."""

    id_num: str = Field(min_length=1, max_length=64)
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    email: str
    phone: str
    pin: str
    card_num: str | None = None
    access_level_id: int | None = Field(default=None, gt=0)

    def to_record(self) -> UserRecord:
        """The Lockt user record (no ``id``: an insert)."""
        record = UserRecord(
            id_num=self.id_num,
            first_name=self.first_name,
            last_name=self.last_name,
            email=self.email,
            phone=self.phone,
            pin=self.pin,
        )
        if self.card_num:
            record["card_num"] = self.card_num
        if self.access_level_id is not None:
            record["accesslevels"] = [{"id": self.access_level_id}]
        return record


def plain(obj: Any) -> Any:
    """An attrs model as JSON-ready data (``extra`` fields included)."""
    return attrs.asdict(
        obj,
        value_serializer=lambda _inst, _field, v: dict(v) if isinstance(v, Mapping) else v,
    )


async def follow_events(
    client: LocktClient, recent: deque[dict[str, Any]], status: dict[str, Any], poll: float
) -> None:
    """Keep the newest events in ``recent`` until cancelled (transient errors are retried)."""
    stream = client.events.stream(poll_interval=poll)
    try:
        async for event in stream:
            recent.append(plain(event))
            status["last_id"] = stream.last_id
    except LocktError as exc:  # e.g. AuthenticationError: not worth hammering the instance
        logger.error("event follower stopped: %s", exc)
        status["error"] = str(exc)


def create_app(
    client_factory: Callable[[], LocktClient] | None = None,
    *,
    event_poll_interval: float = 2.0,
    tracer_provider: Any = None,
) -> FastAPI:
    """The service; ``client_factory`` builds its ``LocktClient`` (default: from the env);
    ``tracer_provider``: where the request spans go (default: OpenTelemetry's global one)."""
    factory = client_factory or LocktClient

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        recent: deque[dict[str, Any]] = deque(maxlen=RECENT_EVENTS)
        status: dict[str, Any] = {"last_id": None, "error": None}
        async with factory() as client, anyio.create_task_group() as tg:
            app.state.lockt = client
            app.state.recent_events = recent
            app.state.events_status = status
            tg.start_soon(follow_events, client, recent, status, event_poll_interval)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()  # stop following before the client closes

    app = FastAPI(title="Lockt onboarding", lifespan=lifespan)

    if trace is not None:
        tracer = trace.get_tracer("lockt_service", tracer_provider=tracer_provider)

        @app.middleware("http")
        async def request_span(request: Request, call_next: Any) -> Any:
            """One SERVER span per request; what the handler calls nests under it."""
            route = f"{request.method} {request.url.path}"
            with tracer.start_as_current_span(
                route,
                kind=trace.SpanKind.SERVER,
                attributes={"http.request.method": request.method, "url.path": request.url.path},
            ) as span:
                response = await call_next(request)
                span.set_attribute("http.response.status_code", response.status_code)
                return response

    def lockt(request: Request) -> LocktClient:
        client: LocktClient = request.app.state.lockt
        return client

    @app.post("/employees", status_code=201)
    async def onboard(employee: Employee, request: Request) -> Any:
        try:
            summary = await lockt(request).users.upsert_one(employee.to_record())
        except ValidationFailedError as exc:
            messages = list(exc.failures[0].messages) if exc.failures else [str(exc)]
            return JSONResponse({"messages": messages}, status_code=422)
        except RecordError as exc:
            return JSONResponse({"messages": [str(exc)]}, status_code=422)
        except WriteNotAppliedError as exc:
            return JSONResponse(
                {"detail": f"not applied, safe to retry: {exc}"},
                status_code=503,
                headers={"Retry-After": "5"},
            )
        except WriteOutcomeUnknownError as exc:
            return JSONResponse(
                {
                    "detail": "sent, but Lockt did not confirm it; it may have been applied. "
                    f"Look the employee up by id_num before retrying. ({exc})"
                },
                status_code=202,
            )
        return {"id_num": employee.id_num, "summary": plain(summary)}

    @app.get("/doors/low-battery")
    async def low_battery(
        request: Request, below: float = Query(40, ge=0, le=100)
    ) -> list[dict[str, Any]]:
        doors = await lockt(request).doors.state(low_battery=below)
        return [plain(d) for d in doors]

    @app.get("/events/recent")
    async def recent_events(request: Request) -> dict[str, Any]:
        return {
            "events": list(request.app.state.recent_events),
            "last_id": request.app.state.events_status["last_id"],
            "error": request.app.state.events_status["error"],
        }

    @app.exception_handler(LocktError)
    async def lockt_error(_request: Request, exc: LocktError) -> JSONResponse:
        logger.warning("Lockt call failed: %s", exc)
        return JSONResponse({"detail": f"Lockt: {type(exc).__name__}"}, status_code=502)

    return app
