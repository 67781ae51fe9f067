"""The HTTP face of the simulator: auth, faults, rate limit, envelopes, journal.

One Starlette route catches every path under the base path and dispatches
from two tables (reads in ``_reads``, writes here), so 404s, the journal and
the fault plan live in one place.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import parse_qsl

import anyio
import anyio.lowlevel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from . import _validation as v
from ._faults import Delay, Drop, RateLimit, RequestInfo, Respond, SimulatedDrop
from ._journal import WRITE_METHODS, Entry
from ._reads import READERS
from ._users import prepare_user, prepare_user_put
from ._writes import (
    Batch,
    Options,
    Prepared,
    prepare_credential_put,
    prepare_delegate,
    prepare_delete,
    prepare_door,
    prepare_fob,
    prepare_fob_put,
    prepare_level,
    prepare_location,
)

if TYPE_CHECKING:
    import threading
    from zoneinfo import ZoneInfo

    from ._faults import FaultPlan
    from ._journal import Journal
    from ._state import Instance

ONE_PER_CALL = "This endpoint is limited to 1 object per call."


#: The event loop's timers wake on whole milliseconds, rounded up (epoll): a write
#: would end on average 0.5 ms past its declared latency, 2.5% of 20 ms. The loop
#: sleeps to the last whole millisecond before the deadline, the thread the rest.
_LOOP_TICK = 0.001


async def sleep_until(deadline: float) -> None:
    """Sleep until ``time.monotonic()`` reaches ``deadline``, to within about 0.1 ms."""
    left = deadline - time.monotonic()
    if left > _LOOP_TICK:
        await anyio.sleep(math.floor((left - _LOOP_TICK) / _LOOP_TICK) * _LOOP_TICK)
        left = deadline - time.monotonic()
    if left > 0:
        # At most about a millisecond, holding this write's slot: other requests wait
        # no longer than the loop's own timer rounding would have made them.
        time.sleep(left)  # noqa: ASYNC251 - under a millisecond, on purpose (see above)
    else:
        await anyio.lowlevel.checkpoint()


@dataclass(frozen=True)
class WriteSpec:
    """A write endpoint: body node, per-record rule, summary shape."""

    node: str
    prepare: Callable[[dict[str, Any], Batch], Prepared]
    summary: Literal["write", "delete", "process"] = "write"
    single: bool = False
    has_options: bool = True


_USERS_DELETE = WriteSpec("users", prepare_delete("user"), "delete")
_LEVEL_DELETE = WriteSpec("accesslevels", prepare_delete("accesslevel"), "delete")
_DELEGATE = WriteSpec("delegates", prepare_delegate, "process", single=True, has_options=False)
WRITERS: dict[tuple[str, str], WriteSpec] = {
    ("POST", "/user"): WriteSpec("users", prepare_user),
    ("PUT", "/user"): WriteSpec("users", prepare_user_put, single=True),
    ("DELETE", "/user"): _USERS_DELETE,
    ("POST", "/fob"): WriteSpec("fobs", prepare_fob),
    ("PUT", "/fob"): WriteSpec("fobs", prepare_fob_put),
    ("DELETE", "/fob"): WriteSpec("fobs", prepare_delete("fob"), "delete"),
    ("PUT", "/credential"): WriteSpec("credentials", prepare_credential_put),
    ("DELETE", "/credential"): WriteSpec("credentials", prepare_delete("credential"), "delete"),
    ("POST", "/door"): WriteSpec("doors", prepare_door),
    ("DELETE", "/door"): WriteSpec("doors", prepare_delete("door"), "delete"),
    ("POST", "/accesslevel"): WriteSpec("accesslevels", prepare_level),
    ("DELETE", "/accesslevel"): _LEVEL_DELETE,
    ("DELETE", "/accesslevels"): _LEVEL_DELETE,
    ("POST", "/location"): WriteSpec("locations", prepare_location),
    ("POST", "/delegate"): _DELEGATE,
    ("POST", "/delegates"): _DELEGATE,
}
_SPECIAL_POSTS = frozenset({"/unlock", "/anonymize", "/doorstate"})


class _CutResponse(Response):
    """Start a response, send part of it, then fail: the connection closes mid-body."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"data": {', "more_body": True})
        raise SimulatedDrop("simulated dropped connection")


def _json(status: int, payload: Any) -> Response:
    return Response(json.dumps(payload).encode(), status, media_type="application/json")


class Served(Protocol):
    """What the app reads of the ``Simulator`` it serves (which builds it: no import back)."""

    base_path: str
    api_user: str
    api_key: str
    timezone: ZoneInfo
    record_limit: int
    latency: float
    read_latency: float
    defects: frozenset[str]
    length_limits: dict[str, int]
    faults: FaultPlan
    journal: Journal
    write_lock: threading.Lock
    instance: Instance


#: The counts each kind of write summary shows (beside ``submitted`` and ``errors``).
_SUMMARY_COUNTS: dict[str, tuple[str, ...]] = {
    "write": ("inserted", "updated"),
    "delete": ("deleted",),
    "process": ("processed",),
}


def _parse_json(raw: bytes) -> Any:
    """The request body as JSON, or None (empty or not JSON)."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _error(status: int, message: str) -> Response:
    return _json(status, {"data": {"error": message}})


class _Handler:
    """Request processing bound to one simulator."""

    def __init__(self, sim: Served) -> None:
        self.sim = sim

    async def handle(self, request: Request) -> Response:
        sim = self.sim
        method = request.method
        full = request.url.path
        base = sim.base_path
        # Outside the base path nothing matches: "" is in neither dispatch table.
        path = (full[len(base) :].rstrip("/") or "/") if full.startswith(base + "/") else ""
        query = request.url.query
        entry = sim.journal.open(Entry(method, path, query, time.monotonic()))
        try:
            return await self._process(request, entry)
        finally:
            entry.ended = time.monotonic()
            if not entry.outcome:  # the client went away (timeout, cancel) mid-request
                entry.outcome = "cancelled"

    async def _process(self, request: Request, entry: Entry) -> Response:
        sim, method, path = self.sim, entry.method, entry.path
        if not path:
            # Outside the API's base path a real deployment's web server answers,
            # not the API: a plain "Not Found" without the Lockt envelope.
            return self._done(entry, 404, "not_found", PlainTextResponse("Not Found", 404))
        parsed = _parse_json(await request.body())
        if isinstance(parsed, dict):
            entry.records = sum(len(x) for x in parsed.values() if isinstance(x, list))
        headers = request.headers
        if headers.get("apiuser") != sim.api_user or headers.get("apikey") != sim.api_key:
            return self._done(entry, 401, "denied", _error(401, v.ACCESS_DENIED))
        action = sim.faults.pick(RequestInfo(method, path, entry.query, entry.records))
        early = self._fault_before(entry, action)
        if early is not None:
            return early
        query = dict(parse_qsl(entry.query, keep_blank_values=True))
        answer: tuple[int, Any, str] | Response | None = None
        if method == "GET":
            answer = await self._read(path, query)
        elif method in WRITE_METHODS:
            answer = await self._write_request(entry, query, parsed)
        if answer is None:
            return self._done(entry, 404, "not_found", _error(404, f"Not Found: {path}"))
        if isinstance(answer, Response):
            return answer
        return await self._fault_after(entry, action, *answer)

    async def _fault_after(
        self, entry: Entry, action: object, status: int, payload: Any, outcome: str
    ) -> Response:
        """The answer, unless a fault cuts it off (applied) or delays it."""
        if isinstance(action, Drop):
            return self._done(entry, 0, "fault:drop_after", _CutResponse())
        delay = action.seconds if isinstance(action, Delay) else 0.0
        if delay:
            await anyio.sleep(delay)
            outcome = f"fault:delay:{outcome}"
        return self._done(entry, status, outcome, _json(status, payload))

    def _fault_before(self, entry: Entry, action: object) -> Response | None:
        """The reply of a fault that answers instead of processing (nothing applied)."""
        if isinstance(action, Respond):
            reply = Response(action.body, action.status, media_type=action.content_type)
            return self._done(entry, action.status, "fault:respond", reply)
        if isinstance(action, RateLimit):
            return self._done(entry, 429, "fault:rate_limit", _error(429, v.RATE_LIMITED))
        if isinstance(action, Drop) and not action.after_apply:
            return self._done(entry, 0, "fault:drop_before", _CutResponse())
        return None

    async def _read(self, path: str, query: dict[str, str]) -> tuple[int, Any, str] | None:
        """A GET: (status, payload, outcome), or None for an unknown path."""
        sim = self.sim
        if path == "/settings":
            return 200, {"data": self._settings()}, "ok"
        reader = READERS.get(path)
        if reader is None:
            return None
        if sim.read_latency:
            await anyio.sleep(sim.read_latency)
        status, payload = reader(sim.instance, query, sim.defects)
        return status, payload, "ok" if status == 200 else "rejected"

    async def _write_request(
        self, entry: Entry, query: dict[str, str], parsed: Any
    ) -> tuple[int, Any, str] | Response | None:
        """A write, one at a time: (status, payload, outcome); a 429 reply while another
        write holds the slot; None for an unknown path."""
        sim, method, path = self.sim, entry.method, entry.path
        spec = WRITERS.get((method, path))
        special = method == "POST" and (
            path in _SPECIAL_POSTS or (path in ("/delegate", "/delegates") and "purge" in query)
        )
        if spec is None and not special:
            return None
        if not sim.write_lock.acquire(blocking=False):
            return self._done(entry, 429, "rate_limited", _error(429, v.RATE_LIMITED))
        try:
            if spec is None or "purge" in query:
                status, payload, applied = self._special(path, query, parsed)
            else:
                status, payload, applied = self._write(spec, parsed)
            # ``latency`` is the server's whole time per write, its own work
            # included, as a remote instance that takes that long would be.
            if sim.latency:
                await sleep_until(entry.started + sim.latency)
        finally:
            sim.write_lock.release()
        entry.applied = applied
        if status != 200:
            return status, payload, "rejected"
        return status, payload, "partial" if "errors" in payload else "ok"

    @staticmethod
    def _done(entry: Entry, status: int, outcome: str, reply: Response) -> Response:
        entry.status, entry.outcome = status, outcome
        return reply

    def _settings(self) -> dict[str, Any]:
        sim = self.sim
        return {"record_limit": sim.record_limit, "timezone": sim.timezone.key, "version": "1.1.0"}

    def _write(self, spec: WriteSpec, parsed: Any) -> tuple[int, Any, bool]:
        """Validate a whole page, then apply it (or nothing)."""
        sim = self.sim
        records = parsed.get(spec.node) if isinstance(parsed, dict) else None
        if not isinstance(records, list) or not records:
            return 400, {"data": {"error": v.NO_DATA}}, False
        if spec.single and len(records) != 1:
            return 400, {"data": {"error": ONE_PER_CALL}}, False
        if len(records) > sim.record_limit:
            return 400, {"data": {"error": v.batch_limit_message(sim.record_limit)}}, False
        options = Options.parse(parsed.get("options")) if spec.has_options else Options()
        batch = Batch(sim.instance, options, sim.defects, limits=sim.length_limits)
        errors: list[dict[str, Any]] = []
        ops = []
        for rec in records:
            res = spec.prepare(rec, batch) if isinstance(rec, dict) else ["Invalid record"]
            if isinstance(res, list):
                errors.append({"error": res, "input_data": rec})
            else:
                ops.append(res)
        if errors and options.validate_fails_batch:
            return 400, {"result": [v.BATCH_FAILED], "errors": errors}, False
        counts = {"inserted": 0, "updated": 0, "deleted": 0, "processed": 0, "ignored": 0}
        for op in ops:
            counts[op()] += 1
        summary: dict[str, int] = {"submitted": len(records)}
        summary.update({name: counts[name] for name in _SUMMARY_COUNTS[spec.summary]})
        summary["errors"] = len(errors)
        payload: dict[str, Any] = {"data": summary}
        if errors:
            payload.update(result=[v.BATCH_PARTIAL], errors=errors)
        return 200, payload, len(ops) > counts["ignored"]

    def _special(self, path: str, query: dict[str, str], parsed: Any) -> tuple[int, Any, bool]:
        """POST /unlock, /doorstate?lowbattery=, /anonymize?user_id=, /delegate?purge."""
        if path == "/unlock":
            return self._unlock_doors(parsed)
        if path == "/doorstate":
            return self._low_battery(query)
        if path == "/anonymize":
            return self._anonymize(query)
        return self._purge_delegates()

    def _unlock_doors(self, parsed: Any) -> tuple[int, Any, bool]:
        doors = parsed.get("doors") if isinstance(parsed, dict) else None
        if not isinstance(doors, list) or not doors:
            return 400, {"data": {"error": v.NO_DATA}}, False
        if len(doors) > self.sim.record_limit:
            return 400, {"data": {"error": v.batch_limit_message(self.sim.record_limit)}}, False
        options = Options.parse(parsed.get("options"))
        if options.validate_fails_batch:
            unknown = [
                {"error": [f"Door id is not valid: {v.text(_door_ref(d))}"], "input_data": d}
                for d in doors
                if self._door_of(d) is None
            ]
            if unknown:
                return 400, {"result": [v.BATCH_FAILED], "errors": unknown}, False
        return 200, {"data": [self._unlock(d) for d in doors]}, False

    def _low_battery(self, query: dict[str, str]) -> tuple[int, Any, bool]:
        raw = query.get("lowbattery")
        if raw is None:
            return 404, {"data": {"error": "Not Found: /doorstate"}}, False
        try:
            threshold = float(raw)
        except ValueError:
            threshold = -1.0
        if not 0 <= threshold <= 100:
            return 400, {"data": {"error": f"Invalid lowbattery threshold: {raw}"}}, False
        self.sim.instance.low_battery_threshold = threshold
        return 200, {"data": {"lowbattery": raw, "notifications": "enabled"}}, True

    def _anonymize(self, query: dict[str, str]) -> tuple[int, Any, bool]:
        uid = query.get("user_id", "")
        user = self.sim.instance.users.get(int(uid)) if uid.isdigit() else None
        if user is None:
            return 400, {"data": {"error": f"user_id is not valid: {uid}"}}, False
        user.update(first_name="Anonymized", last_name="Anonymized", name="Anonymized",
                    email="", phone="")  # fmt: skip
        return 200, {"data": {"submitted": 1, "processed": 1, "errors": 0}}, True

    def _purge_delegates(self) -> tuple[int, Any, bool]:
        inst = self.sim.instance
        now = inst.now()
        expired = [g for g, rec in inst.delegates.items() if rec["access_expires"] < now]
        submitted = len(inst.delegates)
        for gid in expired:
            del inst.delegates[gid]
        summary = {"submitted": submitted, "deleted": len(expired), "errors": 0}
        return 200, {"data": summary}, bool(expired)

    def _door_of(self, item: Any) -> dict[str, Any] | None:
        ident = v.text(_door_ref(item))
        return self.sim.instance.doors.get(int(ident)) if ident.isdigit() else None

    def _unlock(self, item: Any) -> dict[str, Any]:
        raw = _door_ref(item)
        door = self._door_of(item)
        if door is None:
            return {"id": raw, "name": "", "unlocked": False, "status": "error",
                    "errors": [f"Door id is not valid: {v.text(raw)}"]}  # fmt: skip
        if not door.get("online", True):
            message = "Unexpected error unlocking door. Door or Controller may be offline."
            return {"id": door["id"], "name": door["name"], "unlocked": False,
                    "status": "error", "errors": [message]}  # fmt: skip
        self.sim.instance.record_event(
            "unlock", device=door["name"], location=door.get("location", "")
        )
        return {"id": door["id"], "name": door["name"], "unlocked": True, "status": "unlocked",
                "errors": []}  # fmt: skip


def _door_ref(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else item


def build_app(sim: Served) -> Starlette:
    """The ASGI app serving every endpoint under ``sim.base_path``."""
    methods = ["GET", "POST", "PUT", "DELETE"]
    handler = _Handler(sim)
    return Starlette(routes=[Route("/{path:path}", handler.handle, methods=methods)])
