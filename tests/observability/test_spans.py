"""Issue 19, points 1 and 2: the span tree and the metrics of an import, a sync and a
coalesced burst, read from the OpenTelemetry SDK's in-memory exporter and reader."""

from __future__ import annotations

import anyio
import pytest
from opentelemetry.trace import SpanKind, StatusCode

from lockt_async import RetryPolicy
from lockt_async.testing import Fault, RateLimit, Simulator, status
from tests.support import user_record, users

from .conftest import Telemetry

pytestmark = pytest.mark.anyio


async def test_import_span_tree(telemetry: Telemetry) -> None:
    """Issue 19 point 1: users.upsert > one page span per page > one HTTP span per request."""
    sim = Simulator()
    async with sim.client(record_limit=10) as lockt:
        result = await lockt.users.upsert(users(25))
    assert result.accepted == 25
    (call,) = telemetry.named("users.upsert")
    assert call.parent is None
    assert call.attributes is not None
    assert call.attributes["server.address"] == "lockt.test"
    assert call.attributes["server.port"] == 80
    assert call.attributes["lockt.records.in"] == 25
    assert call.attributes["lockt.records.accepted"] == 25
    assert call.attributes["lockt.records.inserted"] == 25
    pages = telemetry.children(call)
    assert [p.name for p in pages] == ["users.upsert page"] * 3
    assert [p.attributes["lockt.page.record_count"] for p in pages] == [10, 10, 5]  # type: ignore[index]
    for page in pages:
        assert page.attributes is not None
        assert page.attributes["lockt.page.verdict"] == "accepted"
        assert page.attributes["lockt.page.attempt"] == 1
        assert page.attributes["lockt.page.body.size"] > 0  # type: ignore[operator]
        assert page.attributes["lockt.page.gate_wait"] >= 0  # type: ignore[operator]
        assert "http.request.resend_count" not in page.attributes
        assert page.status.status_code is StatusCode.UNSET
        (http,) = telemetry.children(page)
        assert http.name == "POST /user"
        assert http.kind is SpanKind.CLIENT
        assert http.attributes is not None
        assert http.attributes["http.request.method"] == "POST"
        assert http.attributes["http.response.status_code"] == 200
        assert http.attributes["url.full"] == "http://lockt.test/api/v1/user"


async def test_refused_page_is_an_error_and_a_resend_counts(telemetry: Telemetry) -> None:
    """Issue 19 point 1: a refused page has status ERROR; a resent one http.request.resend_count."""
    sim = Simulator()
    sim.faults.add(Fault(RateLimit(), method="POST", path="/user"))
    async with sim.client(record_limit=2, retry=RetryPolicy.instant()) as lockt:
        ok = await lockt.users.upsert(users(2))
        bad = await lockt.users.upsert(
            [user_record(5), user_record(6, email="not an email")],
            validate_fails_batch=False,
        )
        sim.faults.add(Fault(status(400, "Access denied"), method="POST", path="/user"))
        refused = await lockt.users.upsert([user_record(7)])
    assert ok.accepted == 2 and bad.failure_counts() == {"invalid": 1}
    assert refused.failure_counts() == {"rejected": 1}
    first = telemetry.named("users.upsert")[0]  # the import that was resent
    pages = telemetry.children(first)
    assert [p.attributes["lockt.page.verdict"] for p in pages] == ["resent", "accepted"]  # type: ignore[index]
    assert pages[1].attributes["http.request.resend_count"] == 1  # type: ignore[index]
    assert telemetry.children(pages[0])[0].attributes["http.response.status_code"] == 429  # type: ignore[index]
    assert telemetry.children(pages[0])[0].status.status_code is StatusCode.ERROR
    last = telemetry.named("users.upsert")[-1]
    (page,) = telemetry.children(last)
    assert page.attributes["lockt.page.verdict"] == "rejected"  # type: ignore[index]
    assert page.status.status_code is StatusCode.ERROR
    (http,) = telemetry.children(page)
    assert http.attributes["error.type"] == "400"  # type: ignore[index]
    assert last.attributes["lockt.records.rejected"] == 1  # type: ignore[index]


async def test_sync_span_tree(telemetry: Telemetry) -> None:
    """Issue 19 point 1: sync phases (read, plan, write, removals) are children of users.sync."""
    sim = Simulator()
    async with sim.client() as lockt:
        await lockt.users.upsert(users(5))
        telemetry.exporter.clear()
        source = [user_record(i) for i in range(1, 7)]
        source[0]["last_name"] = "Changed"
        result = await lockt.users.sync(source, on_missing="delete")
    assert (result.inserted, result.updated, result.deleted) == (2, 1, 1)
    (sync,) = telemetry.named("users.sync")
    phases = [s.name for s in telemetry.children(sync)]
    assert phases == ["sync.read", "sync.plan", "sync.write", "sync.removals"]
    assert sync.attributes["lockt.records.inserted"] == 2  # type: ignore[index]
    assert sync.attributes["lockt.records.deleted"] == 1  # type: ignore[index]
    (plan,) = telemetry.named("sync.plan")
    assert "sync.enrich" in [s.name for s in telemetry.children(plan)]
    (read,) = telemetry.named("sync.read")
    assert [s.name for s in telemetry.children(read)] == ["GET /user"]
    (write,) = telemetry.named("sync.write")
    (page,) = telemetry.children(write)
    assert page.name == "users.upsert page"
    assert [s.name for s in telemetry.children(page)] == ["POST /user"]
    (removals,) = telemetry.named("sync.removals")
    (page,) = telemetry.children(removals)
    assert page.name == "users.delete page"
    assert [s.name for s in telemetry.children(page)] == ["DELETE /user"]


async def test_coalesced_burst_links_callers_and_page(telemetry: Telemetry) -> None:
    """Issue 19 point 1: each upsert_one caller's span and its page span link to each other."""
    sim = Simulator()
    async with sim.client() as lockt, anyio.create_task_group() as tg:
        for i in range(30):
            tg.start_soon(lockt.users.upsert_one, user_record(i))
    callers = telemetry.named("users.upsert_one")
    assert len(callers) == 30
    pages = [s for s in telemetry.spans() if s.name.endswith(" page")]
    assert pages and all(p.parent is None for p in pages)
    linked = {link.context.span_id for p in pages for link in p.links}
    assert linked == {c.context.span_id for c in callers}
    page_ids = {p.context.span_id for p in pages}
    for caller in callers:
        assert [link.context.span_id for link in caller.links] and all(
            link.context.span_id in page_ids for link in caller.links
        )
    assert sum(p.attributes["lockt.page.record_count"] for p in pages) == 30  # type: ignore[misc, index]


async def test_metric_values_of_a_known_run(telemetry: Telemetry) -> None:
    """Issue 19 point 2: durations, records by outcome, page sizes, gate waits, resends, queue."""
    sim = Simulator()
    sim.faults.add(Fault(RateLimit(), method="POST", path="/user"))
    async with sim.client(record_limit=4, retry=RetryPolicy.instant()) as lockt:
        await lockt.users.upsert(
            [*users(9), user_record(99, email="bad")], validate_fails_batch=False
        )
        async with anyio.create_task_group() as tg:
            for i in range(20, 23):
                tg.start_soon(lockt.users.upsert_one, user_record(i))
    m = telemetry.metrics()
    written = {(a["lockt.operation"], a["lockt.outcome"]): v for a, v in m["lockt.records.written"]}
    assert written == {("users.upsert", "accepted"): 12}
    sizes = {a["lockt.operation"]: p for a, p in m["lockt.page.size"]}
    assert sizes["users.upsert"].count == 5  # 3 pages of the import, one resent; 1 coalesced
    assert sizes["users.upsert"].sum == 4 + 4 + 4 + 1 + 3
    resends = sum(v for _, v in m["lockt.page.resends"])  # type: ignore[misc]
    assert resends == 1
    assert all(v == 0 for _, v in m["lockt.coalescer.queue.depth"])
    durations = m["http.client.request.duration"]
    statuses = sorted(
        (a.get("http.request.method"), a.get("http.response.status_code"), p.count)  # type: ignore[attr-defined]
        for a, p in durations
    )
    assert ("POST", 429, 1) in statuses
    assert ("POST", 200, 4) in statuses
    (gate,) = m["lockt.gate.wait"]
    assert gate[1].count == 5  # type: ignore[attr-defined]
    (duration_metric,) = [
        metric
        for rm in telemetry.reader.get_metrics_data().resource_metrics  # type: ignore[union-attr]
        for sm in rm.scope_metrics
        for metric in sm.metrics
        if metric.name == "http.client.request.duration"
    ]
    assert duration_metric.unit == "s"
    assert list(duration_metric.data.data_points[0].explicit_bounds) == [  # type: ignore[union-attr]
        0.005,
        0.01,
        0.025,
        0.05,
        0.075,
        0.1,
        0.25,
        0.5,
        0.75,
        1,
        2.5,
        5,
        7.5,
        10,
    ]


async def test_httpx_instrumentation_spans_nest_under_the_page(telemetry: Telemetry) -> None:
    """Issue 19 point 1: with http_spans=False the library makes no HTTP spans, and an httpx
    instrumentation's span (here a transport that opens one, as it does) is the page's child."""
    import httpx
    from opentelemetry.trace import SpanKind

    from lockt_async.otel import instrument

    instrument(telemetry.tracer_provider, http_spans=False)
    tracer = telemetry.tracer_provider.get_tracer("httpx-instrumentation-stand-in")
    sim = Simulator()
    inner = sim.transport()

    class Traced(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            with tracer.start_as_current_span(request.method, kind=SpanKind.CLIENT):
                return await inner.handle_async_request(request)

    async with sim.client(transport=Traced()) as lockt:
        await lockt.users.upsert(users(3))
    assert not [s for s in telemetry.spans() if s.name.startswith("POST /")]
    (page,) = telemetry.named("users.upsert page")
    assert [(s.name, s.kind) for s in telemetry.children(page)] == [("POST", SpanKind.CLIENT)]
