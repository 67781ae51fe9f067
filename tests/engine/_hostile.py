"""A hostile Lockt server of our own (an ``httpx.MockTransport``) and the invariant check.

``HostileServer`` applies user writes to its own store (counting how often each
``id_num`` was applied) and answers through a ``respond`` hook that a test
replaces to misbehave on purpose.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from lockt_async import BatchResult, FailureReason, LocktClient, RetryPolicy

KEY = "KEY-hostile-5f3a9c"


def contact(i: int | str) -> dict[str, str]:
    """The fields the document's validation table requires beside the names (a unique email)."""
    return {"email": f"ada{i}@example.com", "phone": "5551234567", "pin": "1234"}


URL = "http://lockt.test/api/v1"

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

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def client(self, **kw: Any) -> LocktClient:
        kw.setdefault("timezone", "UTC")
        kw.setdefault("retry", RetryPolicy.instant())
        return LocktClient("u", KEY, base_url=URL, transport=self.transport(), **kw)


def check_invariants(server: HostileServer, result: BatchResult, records: Sequence[Any]) -> None:
    """Each input index exactly once; nothing accepted the server did not apply; nothing
    applied twice; whatever was applied is accepted or ``unknown``."""
    n = len(records)
    indexes = [f.index for f in result.failures]
    assert len(indexes) == len(set(indexes)), "a record has two outcomes"
    assert all(0 <= i < n for i in indexes), "a failure points outside the input"
    assert result.total == n, f"total {result.total} != {n}"
    failed = {f.index: f for f in result.failures}
    key = [r.get("id_num") if isinstance(r, dict) else getattr(r, "id_num", None) for r in records]
    accepted = {key[i] for i in range(n) if i not in failed}
    unknown = {key[i] for i, f in failed.items() if f.reason is FailureReason.UNKNOWN}
    assert not accepted - set(server.applied), "accepted but never applied"
    assert not set(server.applied) - accepted - unknown, "applied but reported not applied"
    assert all(c == 1 for c in server.applied.values()), "applied twice"
    assert result.accepted <= sum(server.applied.values())


def users(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"id_num": f"E{i}", "first_name": "Ada", "last_name": f"L{i}", **contact(i)}
        for i in range(start, start + n)
    ]
