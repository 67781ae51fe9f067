"""A second, small fake Lockt server written from the API document's tables alone.

Not the simulator: a separate judge for ``users.sync`` (issue 22). It follows:

* ``GET /user`` list table: id, id_num, first_name, last_name, card_num,
  credential_key, email, phone, access_effective, access_expires, accesslevels,
  custom1-4, plus ``enabled`` (the list example). No ``pin``.
* ``GET /user?id=`` example: the same plus ``pin`` (and ``credentials``).
* ``POST /user``: ``id`` -1 inserts, a valid id updates (behaviour table); the
  validation table's INSERT and UPDATE "Missing or blank" rows for id_num,
  first_name, last_name, email, phone and pin; ``update_existing=false`` ignores
  updates; a validation error fails the batch (``validate_fails_batch`` true) or
  only its record (false), answered with the document's error envelope.
* ``PUT /user``: one object, ``id`` required, only the supplied properties change.
* ``DELETE /user``: ``users: [{id}]``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

LIST_FIELDS = (
    "id", "id_num", "first_name", "last_name", "card_num", "credential_key", "email",
    "phone", "access_effective", "access_expires", "accesslevels",
    "custom1", "custom2", "custom3", "custom4", "enabled",
)  # fmt: skip
REQUIRED = ("id_num", "first_name", "last_name", "email", "phone", "pin")
PUT_FIELDS = ("card_num", "access_effective", "access_expires", "enabled", "accesslevels",
              "custom1", "custom2", "custom3", "custom4")  # fmt: skip


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


class DocServer:
    """In-memory users behind an ``httpx.MockTransport``; ``writes`` logs each write call."""

    def __init__(self) -> None:
        self.users: dict[int, dict[str, Any]] = {}
        self.writes: list[tuple[str, list[dict[str, Any]]]] = []
        self.next_id = 1000
        #: Ids whose list row is repeated (a paging overlap).
        self.repeat: set[int] = set()

    def add(self, rec: dict[str, Any]) -> int:
        self.next_id += 1
        self.users[self.next_id] = self._blank() | rec | {"id": self.next_id}
        return self.next_id

    @staticmethod
    def _blank() -> dict[str, Any]:
        return {"card_num": "", "credential_key": "", "access_effective": "",
                "access_expires": "", "accesslevels": [], "enabled": True,
                "custom1": "", "custom2": "", "custom3": "", "custom4": ""}  # fmt: skip

    def by_id_num(self) -> dict[str, dict[str, Any]]:
        return {u["id_num"]: u for u in self.users.values()}

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.rsplit("/api/v1", 1)[-1]
        if path == "/time":
            row = {"datetime_utc": "2024-01-01T00:00:00.000Z", "timezone": "UTC",
                   "datetime_local": "2024-01-01 00:00:00", "offset": 0}  # fmt: skip
            return httpx.Response(200, json={"data": [row]})
        if path != "/user":
            return httpx.Response(404, json={"data": {"error": "not found"}})
        if request.method == "GET":
            return self._get(request.url.params)
        body = json.loads(request.content)
        records = body["users"]
        self.writes.append((request.method, records))
        options = {k: _flag(v) for k, v in (body.get("options") or {}).items()}
        if request.method == "DELETE":
            for rec in records:
                self.users.pop(int(rec["id"]), None)
            n = len(records)
            return httpx.Response(200, json={"data": {"submitted": n, "deleted": n, "errors": 0}})
        if request.method == "PUT":
            return self._put(records)
        return self._post(records, options)

    def _get(self, params: httpx.QueryParams) -> httpx.Response:
        if "id" in params:
            user = self.users.get(int(params["id"]))
            return httpx.Response(200, json={"data": [] if user is None else [dict(user)]})
        rows = []
        for uid, user in self.users.items():
            row = {k: user.get(k, "") for k in LIST_FIELDS}
            rows += [row, dict(row)] if uid in self.repeat else [row]
        return httpx.Response(200, json={"data": rows})

    def _post(self, records: list[dict[str, Any]], options: dict[str, bool]) -> httpx.Response:
        errors, todo = [], []
        for rec in records:
            problems = [f"Missing or blank {f}" for f in REQUIRED if not str(rec.get(f) or "")]
            rid = int(rec.get("id", -1))
            if rid != -1 and rid not in self.users:
                problems.append(f"Id is not valid: {rid}")
            if problems:
                errors.append({"error": problems, "input_data": rec})
            else:
                todo.append((rid, rec))
        if errors and options.get("validate_fails_batch", True):
            todo = []
        counts = {"inserted": 0, "updated": 0}
        for rid, rec in todo:
            fields = {k: v for k, v in rec.items() if k != "id"}
            if rid == -1:
                self.add(fields)
                counts["inserted"] += 1
            elif options.get("update_existing", False):
                self.users[rid].update(fields)
                counts["updated"] += 1
        if errors:
            result = ["Validation errors found. Batch has failed. Details provided."]
            return httpx.Response(400, json={"result": result, "errors": errors})
        n = len(records)
        return httpx.Response(200, json={"data": {"submitted": n, **counts, "errors": 0}})

    def _put(self, records: list[dict[str, Any]]) -> httpx.Response:
        assert len(records) == 1, "PUT /user takes one object per call"
        (rec,) = records
        rid = int(rec.get("id") or 0)
        if rid not in self.users:
            errors = [{"error": [f"Id is not valid: {rid}"], "input_data": rec}]
            result = ["Validation errors found. Batch has failed. Details provided."]
            return httpx.Response(400, json={"result": result, "errors": errors})
        self.users[rid].update({k: v for k, v in rec.items() if k in PUT_FIELDS})
        return httpx.Response(
            200, json={"data": {"submitted": 1, "inserted": 0, "updated": 1, "errors": 0}}
        )
