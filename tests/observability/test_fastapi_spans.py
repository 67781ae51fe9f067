"""Issue 19: in the FastAPI example the library's spans nest under the request's span
(a middleware of the example makes it; opentelemetry-instrumentation-asgi is not on the
package index this project installs from)."""

from __future__ import annotations

import anyio
import httpx
import pytest

from lockt_async import LocktClient
from lockt_async.testing import Simulator
from tests.integration.test_fastapi_example import example
from tests.support import user_record

from .conftest import Telemetry

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """FastAPI is an asyncio integration."""
    return "asyncio"


async def test_library_spans_nest_under_the_request_span(telemetry: Telemetry) -> None:
    """Issue 19: POST /employees > users.upsert_one, linked to the page that carried it."""
    sim = Simulator(seed=True)

    def factory() -> LocktClient:
        return sim.client()

    app = example.create_app(
        factory, event_poll_interval=3600, tracer_provider=telemetry.tracer_provider
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://service.test"
        ) as http,
    ):

        async def onboard(i: int) -> None:
            record = user_record(900 + i)
            record.pop("card_num")
            resp = await http.post("/employees", json=record)
            assert resp.status_code == 201, resp.text

        async with anyio.create_task_group() as tg:
            for i in range(3):
                tg.start_soon(onboard, i)
    requests = telemetry.named("POST /employees")
    assert len(requests) == 3
    pages = {s.context.span_id for s in telemetry.spans() if s.name == "users.upsert page"}
    for request in requests:
        assert request.attributes["http.response.status_code"] == 201  # type: ignore[index]
        (call,) = telemetry.children(request)
        assert call.name == "users.upsert_one"
        assert call.context.trace_id == request.context.trace_id
        assert {link.context.span_id for link in call.links} <= pages
        assert call.links
