"""The document's validation table, row by row: the client's checks beside the simulator's.

One table over "Endpoint | Method | Submethod | Field | Validation". For each
row a record that breaks it is given to the client (``validate_fails_batch=False``)
and, as raw JSON, to the simulator:

* ``STATELESS`` rows: the client refuses the record before sending (``invalid``,
  nothing sent) with the document's message, and the simulator refuses the same
  record with the same message. A record refused by one is refused by the other.
* ``STATEFUL`` rows (already exists, id is valid, the instance's length limit):
  the client sends the record and reports the simulator's refusal (``rejected``)
  with that message.
* ``FILLED``: the client fills the field (``id: -1`` of an insert), so it never
  sends the record the row refuses; the simulator refuses the raw record.
* ``NOT_GIVEN``: on a selective update a blank means "not given", so the client
  sends the record without the field; the simulator refuses a blank that is sent.
* ``CONVERTED``: stateless rows whose bad value the client's converter refuses
  first (it reads more date and id forms than the wire carries): ``invalid``,
  nothing sent, the message names the field and quotes the value.

Rows that are not refusals ("Used for update determination") are pinned in
``tests/testing/test_users.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from lockt_async import FailureReason, LocktClient
from lockt_async.testing import Simulator
from tests.support import URL
from tests.support.records import toby_peters

pytestmark = pytest.mark.anyio

STATELESS, STATEFUL, FILLED, NOT_GIVEN = "stateless", "stateful", "filled", "not_given"
# Stateless rows the client words its own way: its converter reads more than the
# wire carries (UTC and offset dates, digit-string ids) and refuses the rest naming
# the field and quoting the value; a date it refuses says what is wrong with it.
# (The document shows no message for "Valid date format".)
CONVERTED = "converted"


def user(**changes: Any) -> dict[str, Any]:
    """A valid insert (the document's Toby Peters example, a free id_num/email/card)."""
    fields: dict[str, Any] = {
        "id_num": "T-100",
        "card_num": "8770",
        "access_effective": "2030-01-01 00:00:00",
        "access_expires": "2030-06-01 00:00:00",
        "enabled": True,
        "accesslevels": [{"id": 208}],
    }
    return toby_peters(**{**fields, **changes})


def susan(**changes: Any) -> dict[str, Any]:
    """A valid update of the seeded user 1693 (Susan Brown)."""
    base: dict[str, Any] = {"id": 1693, "id_num": "329359", "email": "susan.brown@web.place"}
    return user(**{**base, "card_num": ..., **changes})


def fob(**changes: Any) -> dict[str, Any]:
    rec = {"name": "Fob T", "id_num": "FT-1", "card_num": "77001", "access_effective": "",
           "access_expires": ""}  # fmt: skip
    rec.update(changes)
    return {k: v for k, v in rec.items() if v is not ...}


def level(**changes: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {"name": "Night", "doors": [{"id": 187, "schedule_id": 543}]}
    rec.update(changes)
    return {k: v for k, v in rec.items() if v is not ...}


# (row, operation, record, message, kind)
TABLE: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("accesslevel | POST | doors | Door ID is not duplicate", "accesslevel.post",
     level(doors=[{"id": 187, "schedule_id": 543}, {"id": 187, "schedule_id": 543}]),
     "Duplicate door id: 187", STATELESS),
    ("accesslevel | POST | doors | Schedule ID is valid (missing)", "accesslevel.post",
     level(doors=[{"id": 187}]), "Missing or blank schedule_id for door 187", STATELESS),
    ("accesslevel | POST | doors | Schedule ID is valid", "accesslevel.post",
     level(doors=[{"id": 187, "schedule_id": 99}]), "Schedule id is not valid: 99", STATEFUL),
    ("accesslevel | POST | name | Already exists in system", "accesslevel.post",
     level(name="Security"), "Access Level Name Already Exists: Security", STATEFUL),
    ("accesslevel | POST | name | Missing or blank", "accesslevel.post", level(name=" "),
     "Missing or blank name", STATELESS),
    ("accesslevel | POST | id | doors | Door ID is valid", "accesslevel.post",
     level(doors=[{"id": 99999, "schedule_id": 543}]), "Door id is not valid: 99999", STATEFUL),
    ("credential | DELETE | id | Id is not a Fob", "credential.delete", {"id": 443},
     "Id is a Fob: 443", STATEFUL),
    ("credential | DELETE | id | Id is valid", "credential.delete", {"id": 99999},
     "Id is not valid: 99999", STATEFUL),
    ("credential | DELETE | id | Missing or blank", "credential.delete", {"id": ""},
     "Missing or blank id", STATELESS),
    ("credential | DELETE | id | Non-Numeric", "credential.delete", {"id": "x1"},
     "Non-Numeric id found: x1", STATELESS),
    ("door | DELETE | Id is valid", "door.delete", {"id": 99999}, "Id is not valid: 99999",
     STATEFUL),
    ("door | DELETE | id | Missing or blank", "door.delete", {"id": None},
     "Missing or blank id", STATELESS),
    ("door | POST | name | Already exists in system", "door.post", {"name": "Room 1"},
     "Door Name Already Exists: Room 1", STATEFUL),
    ("door | POST | name | Missing or blank", "door.post", {"name": ""},
     "Missing or blank name", STATELESS),
    ("fob | DELETE | id | Id is a Fob", "fob.delete", {"id": 335}, "Id is not a Fob: 335",
     STATEFUL),
    ("fob | DELETE | id | Missing or blank", "fob.delete", {"id": " "}, "Missing or blank id",
     STATELESS),
    ("fob | DELETE | id | Non-Numeric", "fob.delete", {"id": "abc"},
     "Non-Numeric id found: abc", STATELESS),
    ("fob | POST | access_effective | Valid date format", "fob.post",
     fob(access_effective="2022-07-10 9:00"),
     "Invalid access_effective date format: 2022-07-10 9:00", CONVERTED),
    ("fob | POST | access_expires | Valid date format", "fob.post",
     fob(access_expires="10/07/2022"), "Invalid access_expires date format: 10/07/2022",
     CONVERTED),
    ("fob | POST | card_num | Already exists in system", "fob.post", fob(card_num="10000"),
     "card_num Already Exists: 10000", STATEFUL),
    ("fob | POST | card_num | Length versus system limit", "fob.post", fob(card_num="9" * 21),
     "card_num length exceeds system limit of 20: " + "9" * 21, STATEFUL),
    ("fob | POST | card_num | Non-Numeric", "fob.post", fob(card_num="77A"),
     "Non-Numeric card_num found: 77A", STATELESS),
    ("fob | POST | id_num | Missing or blank", "fob.post", fob(id_num=...),
     "Missing or blank id_num", STATELESS),
    ("fob | POST | name | Already exists in system", "fob.post",
     fob(name="Office Floor 1 FOB 1"), "Fob Name Already Exists: Office Floor 1 FOB 1", STATEFUL),
    ("fob | POST | name | Missing or blank", "fob.post", fob(name=" "),
     "Missing or blank name", STATELESS),
    ("fob | PUT | access_effective | Valid date format", "fob.put",
     {"id": 232, "access_effective": "tomorrow"},
     "Invalid access_effective date format: tomorrow", CONVERTED),
    ("fob | PUT | access_expires | Valid date format", "fob.put",
     {"id": 232, "access_expires": "2022-02-30 00:00:00"},
     "Invalid access_expires date format: 2022-02-30 00:00:00", CONVERTED),
    ("fob | PUT | card_num | Already exists in system", "fob.put", {"id": 232, "card_num": "1003"},
     "card_num Already Exists: 1003", STATEFUL),
    ("fob | PUT | card_num | Length versus system limit", "fob.put",
     {"id": 232, "card_num": "8" * 25}, "card_num length exceeds system limit of 20: " + "8" * 25,
     STATEFUL),
    ("fob | PUT | card_num | Non-Numeric", "fob.put", {"id": 232, "card_num": "11-000"},
     "Non-Numeric card_num found: 11-000", STATELESS),
    ("fob | PUT | id_num | Missing or blank", "fob.put", {"id": 232, "id_num": ""},
     "Missing or blank id_num", NOT_GIVEN),
    ("fob | PUT | name | Already exists in system", "fob.put",
     {"id": 232, "name": "Office Floor 1 FOB 1"}, "Fob Name Already Exists: Office Floor 1 FOB 1",
     STATEFUL),
    ("fob | PUT | name | Missing or blank", "fob.put", {"id": 232, "name": " "},
     "Missing or blank name", STATELESS),
    ("location | POST | locationtype | Id is valid", "location.post",
     {"name": "Annex", "locationtype": 424242}, "Location type is not valid: 424242", STATEFUL),
    ("location | POST | locationtype | Missing or blank", "location.post", {"name": "Annex"},
     "Missing or blank locationtype", STATELESS),
    ("location | POST | name | Already exists in system", "location.post",
     {"name": "Headquarters", "locationtype": 23981}, "Location Name Already Exists: Headquarters",
     STATEFUL),
    ("location | POST | name | Missing or blank", "location.post", {"locationtype": 23981},
     "Missing or blank name", STATELESS),
    ("user | DELETE | id | Id is valid", "user.delete", {"id": 99999}, "Id is not valid: 99999",
     STATEFUL),
    ("user | DELETE | id | Missing or blank", "user.delete", {"id": ""}, "Missing or blank id",
     STATELESS),
    ("user | DELETE | id | Non-Numeric", "user.delete", {"id": "u1"}, "Non-Numeric id found: u1",
     STATELESS),
]  # fmt: skip

# The user rows: the same checks on INSERT (id -1) and UPDATE (a valid id).
_USER_ROWS: list[tuple[str, dict[str, Any], str, str]] = [
    ("access_effective | Valid date format", {"access_effective": "01/01/2030"},
     "Invalid access_effective date format: 01/01/2030", CONVERTED),
    ("access_expires | Valid date format", {"access_expires": "2030-13-01 00:00:00"},
     "Invalid access_expires date format: 2030-13-01 00:00:00", CONVERTED),
    ("access_levels | Duplicate Assigned Access Levels", {"accesslevels": [{"id": 208}] * 2},
     "Duplicate access level id: 208", STATELESS),
    ("access_levels | Id is valid", {"accesslevels": [{"id": 99999}]},
     "Access level id is not valid: 99999", STATEFUL),
    ("card_num | Length versus system limit", {"card_num": "5" * 21},
     "card_num length exceeds system limit of 20: " + "5" * 21, STATEFUL),
    ("card_num | Non-Numeric", {"card_num": "A8914"}, "Non-Numeric card_num found: A8914",
     STATELESS),
    ("(email) | Missing or blank", {"email": ""}, "Missing or blank email", STATELESS),
    ("(email) | Proper email format", {"email": "rgreswell0@@@@gravatar.com"},
     "Invalid email address found: rgreswell0@@@@gravatar.com", STATELESS),
    ("first_name | Missing or blank", {"first_name": ...}, "Missing or blank first_name",
     STATELESS),
    ("id | Non-Numeric", {"id": "abc"}, "Non-Numeric id found: abc", CONVERTED),
    ("id_num | Missing or blank", {"id_num": " "}, "Missing or blank id_num", STATELESS),
    ("last_name | Missing or blank", {"last_name": ""}, "Missing or blank last_name", STATELESS),
    ("phone | Missing or blank", {"phone": ...}, "Missing or blank phone", STATELESS),
    ("phone | Proper phone format", {"phone": "555-CALL"},
     "Invalid phone number found: 555-CALL", STATELESS),
    ("pin | Length versus system limit", {"pin": "123456789"},
     "pin length exceeds system limit of 8: 123456789", STATEFUL),
    ("pin | Missing or blank", {"pin": ""}, "Missing or blank pin", STATELESS),
    ("pin | Non-Numeric", {"pin": "12a4"}, "Non-Numeric pin found: 12a4", STATELESS),
    ("(effective before expires)",
     {"access_effective": "2030-09-08 11:00:00", "access_expires": "2030-09-07 12:00:00"},
     "Invalid access_effective date: 2030-09-07 12:00:00, must be before access_expires",
     STATELESS),
]  # fmt: skip
for _row, _changes, _message, _kind in _USER_ROWS:
    TABLE.append((f"user | POST | INSERT | {_row}", "user.insert", user(**_changes), _message,
                  _kind))  # fmt: skip
    TABLE.append((f"user | POST | UPDATE | {_row}", "user.update", susan(**_changes), _message,
                  _kind))  # fmt: skip
TABLE += [
    ("user | POST | INSERT | id_num | Already exists in system", "user.insert",
     user(id_num="329359"), "id_num Already Exists: 329359", STATEFUL),
    ("user | POST | INSERT | (email) | Already exists in system", "user.insert",
     user(email="Susan.Brown@web.place"), "Email Already Exists: Susan.Brown@web.place", STATEFUL),
    ("user | POST | INSERT | card_num | Already exists in system", "user.insert",
     user(card_num="8769"), "card_num Already Exists: 8769", STATEFUL),
    # The seeded user 300 has no email; an update giving it Susan's is the "already exists" row.
    ("user | POST | UPDATE | (email) | Already exists in system", "user.update",
     user(id=300, id_num="T-300", email="susan.brown@web.place", card_num=...),
     "Email Already Exists: susan.brown@web.place", STATEFUL),
    ("user | POST | INSERT | id | Missing or blank", "user.insert", user(id=...),
     "Missing or blank id", FILLED),
]  # fmt: skip

# operation -> (path, method, body node, options)
RAW = {
    "accesslevel.post": ("/accesslevel", "POST", "accesslevels", {}),
    "credential.delete": ("/credential", "DELETE", "credentials", {}),
    "door.delete": ("/door", "DELETE", "doors", {}),
    "door.post": ("/door", "POST", "doors", {}),
    "fob.delete": ("/fob", "DELETE", "fobs", {}),
    "fob.post": ("/fob", "POST", "fobs", {}),
    "fob.put": ("/fob", "PUT", "fobs", {}),
    "location.post": ("/location", "POST", "locations", {}),
    "user.delete": ("/user", "DELETE", "users", {}),
    "user.insert": ("/user", "POST", "users", {}),
    "user.update": ("/user", "POST", "users", {"update_existing": "true"}),
}


async def client_write(lockt: LocktClient, op: str, rec: dict[str, Any]) -> Any:
    """The client's call for ``op``, reporting per record."""
    calls = {
        "accesslevel.post": lockt.access_levels.create,
        "credential.delete": lockt.credentials.delete,
        "door.delete": lockt.doors.delete,
        "door.post": lockt.doors.create,
        "fob.delete": lockt.fobs.delete,
        "fob.post": lockt.fobs.create,
        "fob.put": lockt.fobs.reassign,
        "location.post": lockt.locations.create,
        "user.delete": lockt.users.delete,
    }
    if op == "user.insert":
        return await lockt.users.upsert([rec], validate_fails_batch=False)
    if op == "user.update":
        return await lockt.users.upsert([rec], update_existing=True, validate_fails_batch=False)
    return await calls[op]([rec], validate_fails_batch=False)


async def simulator_errors(sim: Simulator, op: str, rec: dict[str, Any]) -> list[str]:
    """The simulator's messages for ``rec`` sent as raw JSON ([] when it accepts it)."""
    path, method, node, options = RAW[op]
    body: dict[str, Any] = {node: [rec], "options": {**options, "validate_fails_batch": "true"}}
    headers = {"apiuser": sim.api_user, "apikey": sim.api_key}
    async with httpx.AsyncClient(transport=sim.transport(), base_url=URL) as http:
        r = await http.request(method, path, json=body, headers=headers)
    if r.status_code == 200:
        return []
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert error["input_data"] == rec
    return list(error["error"])


@pytest.mark.parametrize(("row", "op", "rec", "message", "kind"), TABLE, ids=[t[0] for t in TABLE])
async def test_validation_table_row(
    row: str, op: str, rec: dict[str, Any], message: str, kind: str
) -> None:
    """<row>: the client and the simulator agree (see the module docstring for the kinds)."""
    assert message in await simulator_errors(Simulator(seed=True), op, rec)
    sim = Simulator(seed=True)
    async with sim.client() as lockt:
        result = await client_write(lockt, op, rec)
    sent = [e for e in sim.journal.writes() if e.path != "/time"]
    if kind in (STATELESS, CONVERTED):
        (failure,) = result.failures
        assert failure.reason is FailureReason.INVALID
        assert sent == []
        if kind == STATELESS:
            assert message in failure.messages
        else:
            head, _, value = message.partition(": ")
            field = head.split()[1]  # "Invalid <field> date format", "Non-Numeric <field> found"
            (text,) = failure.messages
            assert field in text and value in text
    elif kind == STATEFUL:
        (failure,) = result.failures
        assert failure.reason is FailureReason.REJECTED
        assert message in failure.messages
        assert len(sent) == 1
    else:  # FILLED, NOT_GIVEN: the client sends a record the row does not refuse
        assert result.failures == [] and len(sent) == 1


def test_table_covers_every_refusal_row_of_the_document() -> None:
    """Every refusal row of the document's validation table has a row here."""
    text = _DOC.read_text(encoding="utf-8")
    start = text.index("Endpoint | Method | Submethod | Field | Validation |")
    end = text.index("Endpoint | Method | Issue | Correction Plan |")
    rows = {line.rstrip(" |") for line in text[start:end].splitlines()[2:] if line.strip()}
    rows = {r for r in rows if "Used for update determination" not in r}
    rows -= {"door | GET | user_id | user_id is valid, numeric and not blank"}  # a read
    ours = {t[0] for t in TABLE}

    def covered(doc_row: str) -> bool:
        parts = [p.strip() for p in doc_row.split("|") if p.strip()]
        endpoint, method, rule = parts[0], parts[1], parts[-1]
        field = parts[-2] if len(parts) > 3 else ""
        return any(
            o.startswith(f"{endpoint} | {method}")
            and o.split(" (")[0].endswith(rule)
            and (not field or field in o or field in ("INSERT", "UPDATE"))
            for o in ours
        ) or any(o.startswith(f"{endpoint} | {method}") and rule in o for o in ours)

    missing = sorted(r for r in rows if not covered(r))
    assert missing == []


_DOC = Path(__file__).parents[1] / "spec" / "lockt-cloud-api-v1.txt"
