"""The one fake Lockt server of the tests (an ``httpx.MockTransport``) that can misbehave.

``HostileServer`` applies user writes to its own store (counting how often each
``id_num`` was applied) and answers through a ``respond`` hook that a test
replaces to misbehave on purpose; :func:`lying` makes such a hook from a script
that says what to apply and what to answer (a server that lies about what it
applied). ``RefuseNthWrites`` wraps any transport to refuse chosen writes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from lockt_async import LocktClient, RetryPolicy
from lockt_async.testing import Simulator

KEY = "KEY-hostile-5f3a9c"
#: The in-process base URL of every fake (a reserved ``.test`` host).
URL = Simulator.url

Respond = Callable[[httpx.Request, "HostileServer"], httpx.Response | None]


class HostileServer:
    """Applies ``POST /user`` pages like a real instance unless ``respond`` answers first."""

    def __init__(self, respond: Respond | None = None):
        self.respond = respond
        self.applied: Counter[str] = Counter()
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.respond is not None:
            answer = self.respond(request, self)
            if answer is not None:
                return answer
        if request.method == "POST" and request.url.path.endswith("/user"):
            return self.upsert(request)
        return httpx.Response(404, json={"data": {"error": "Not Found"}})

    def apply(self, request: httpx.Request, count: int | None = None) -> dict[str, Any]:
        """Apply the first ``count`` users of the page (all by default); the true summary."""
        users = json.loads(request.content)["users"]
        take = users if count is None else users[:count]
        for u in take:
            self.applied[str(u["id_num"])] += 1  # a JSON number or string: one key
        return {"data": {"submitted": len(users), "inserted": len(take), "errors": 0}}

    def upsert(self, request: httpx.Request) -> httpx.Response:
        """An honest ``POST /user``: an id_num already stored is refused with the
        document's envelope (400 all or nothing, else 200 with the rest applied)."""
        body = json.loads(request.content)
        users = body["users"]
        vfb = body.get("options", {}).get("validate_fails_batch", "true") != "false"
        errors = [
            {"error": [f"id_num Already exists in system: {u['id_num']}"], "input_data": u}
            for u in users
            if str(u["id_num"]) in self.applied
        ]
        if errors and vfb:
            result = ["Validation errors found. Batch has failed. Details provided."]
            return httpx.Response(400, json={"result": result, "errors": errors})
        fresh = [u for u in users if str(u["id_num"]) not in self.applied]
        for u in fresh:
            self.applied[str(u["id_num"])] += 1
        summary = {"submitted": len(users), "inserted": len(fresh), "errors": len(errors)}
        answer: dict[str, Any] = {"data": summary}
        if errors:
            answer["result"] = ["Validation errors found. Valid records processed."]
            answer["errors"] = errors
        return httpx.Response(200, json=answer)

    @property
    def writes(self) -> int:
        """How many write requests (POST, PUT, DELETE) reached the server."""
        return sum(r.method != "GET" for r in self.requests)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def client(self, key: str = KEY, **kw: Any) -> LocktClient:
        """A client of this server (UTC, instant retries unless ``kw`` says otherwise)."""
        kw.setdefault("timezone", "UTC")
        kw.setdefault("retry", RetryPolicy.instant())
        return LocktClient("u", key, base_url=URL, transport=self.transport(), **kw)


#: (records of the page) -> (records the server applies, status, body)
Script = Callable[[list[dict[str, Any]]], tuple[list[dict[str, Any]], int, Any]]


def lying(script: Script) -> Respond:
    """A ``respond`` hook for a server that lies: each ``POST /user`` page applies the
    records ``script`` names and answers what it says; reads answer an empty list."""

    def respond(request: httpx.Request, server: HostileServer) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"data": []})
        apply, status, body = script(json.loads(request.content)["users"])
        for rec in apply:
            server.applied[str(rec["id_num"])] += 1
        return httpx.Response(status, json=body)

    return respond


def roster_server(roster: list[dict[str, Any]], sent: list[tuple[str, Any]]) -> httpx.MockTransport:
    """A server that ignores every filter: each ``GET /user`` answers ``roster``, ``/time``
    says UTC; each write's users are recorded in ``sent`` as ``(method, users)`` and accepted."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/time"):
            data = [{"timezone": "UTC", "datetime_utc": "2024-01-01T00:00:00Z"}]
            return httpx.Response(200, json={"data": data})
        if request.method == "GET":
            return httpx.Response(200, json={"data": roster})
        body = json.loads(request.content)
        sent.append((request.method, body["users"]))
        n = len(body["users"])
        key = "deleted" if request.method == "DELETE" else "updated"
        return httpx.Response(200, json={"data": {"submitted": n, key: n, "errors": 0}})

    return httpx.MockTransport(handle)


class RefuseNthWrites(httpx.AsyncBaseTransport):
    """Wraps a transport; the writes numbered in ``refuse`` raise ``httpx.ConnectError``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, refuse: set[int]):
        self._inner = inner
        self._refuse = refuse
        self.writes = 0
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method in ("POST", "PUT", "DELETE"):
            self.writes += 1
            if self.writes in self._refuse:
                self.refused += 1
                raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
