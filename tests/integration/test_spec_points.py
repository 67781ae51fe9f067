"""Issue 14's points, each against the simulator (and the document's row or section named)."""

from __future__ import annotations

import pickle

import anyio
import pytest

from lockt_async import (
    CLEAR,
    ConfigurationError,
    FailureReason,
    LocktClient,
    LocktError,
    RecordError,
    ValidationFailedError,
)
from lockt_async.testing import Simulator
from tests.support import user_record

pytestmark = pytest.mark.anyio


# -- validation table: required rows, and the switch that leaves them to the server -------


async def test_user_insert_without_pin_refused_before_sending(sim: Simulator) -> None:
    """user | POST | INSERT | pin | Missing or blank: refused by the client, nothing sent."""
    async with sim.client() as lockt:
        result = await lockt.users.upsert([user_record(1, pin=None)], validate_fails_batch=False)
    (failure,) = result.failures
    assert failure.reason is FailureReason.INVALID
    assert failure.messages == ("Missing or blank pin",)
    assert sim.journal.writes() == []


async def test_required_fields_server_leaves_the_rows_to_the_instance(sim: Simulator) -> None:
    """LocktClient(required_fields="server"): a user without email/phone/pin is sent; the
    instance's answer is the outcome (here the simulator, which follows the document)."""
    record = user_record(1, email=None, phone=None, pin=None)
    async with sim.client(required_fields="server") as lockt:
        result = await lockt.users.upsert([record], validate_fails_batch=False)
        one = await lockt.users.upsert_one(user_record(2))  # a full record still goes through
    (failure,) = result.failures
    assert failure.reason is FailureReason.REJECTED
    assert set(failure.messages) == {
        "Missing or blank email",
        "Missing or blank phone",
        "Missing or blank pin",
    }
    assert one.inserted == 1


async def test_required_fields_server_still_checks_formats(sim: Simulator) -> None:
    """required_fields="server" skips only "Missing or blank"; a bad email is still refused."""
    async with sim.client(required_fields="server") as lockt:
        result = await lockt.users.upsert(
            [user_record(1, email="x@@y", pin=None)], validate_fails_batch=False
        )
    assert result.failures[0].reason is FailureReason.INVALID
    assert result.failures[0].messages == ("Invalid email address found: x@@y",)


def test_required_fields_argument_checked() -> None:
    """A typo in required_fields is a ConfigurationError naming the argument."""
    with pytest.raises(ConfigurationError, match="required_fields"):
        LocktClient("u", "k", base_url="http://127.0.0.1:9/api/v1", required_fields="srv")  # type: ignore[arg-type]


async def test_long_pin_is_the_instances_limit(sim: Simulator) -> None:
    """user | POST | INSERT | pin | Length versus system limit: the client sends a 9-digit PIN
    (no invented limit); only that record fails, by the instance's own limit."""
    records = [user_record(1, pin="123456789"), user_record(2)]
    async with sim.client() as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
    (failure,) = result.failures
    assert failure.index == 0 and failure.reason is FailureReason.REJECTED
    assert failure.messages == ("pin length exceeds system limit of 8: 123456789",)
    sim.length_limits = {}
    async with sim.client() as lockt:
        again = await lockt.users.upsert([user_record(1, pin="123456789")])
    assert again.failures == [] and again.inserted == 1


async def test_duplicate_emails_in_one_input(sim: Simulator) -> None:
    """user | POST | INSERT | (email) | Already exists: a repeat within one input is caught
    before sending (the first record goes, the second is invalid)."""
    records = [user_record(1, email="Same@Example.com"), user_record(2, email="same@example.com")]
    async with sim.client() as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
    (failure,) = result.failures
    assert failure.index == 1 and failure.reason is FailureReason.INVALID
    assert failure.messages == ("Duplicate email in input: same@example.com",)


async def test_access_level_door_without_schedule(sim: Simulator) -> None:
    """accesslevel | POST | doors | Schedule ID is valid: a door without schedule_id is
    refused before sending."""
    async with sim.client() as lockt:
        result = await lockt.access_levels.create(
            [{"name": "Night", "doors": [{"id": 187}]}], validate_fails_batch=False
        )
    assert result.failures[0].reason is FailureReason.INVALID
    assert result.failures[0].messages == ("Missing or blank schedule_id for door 187",)
    assert sim.journal.writes() == []


# -- PUT /fob rows ------------------------------------------------------------


async def test_fob_put_name_id_num_card_num(sim: Simulator) -> None:
    """fob | PUT | name / id_num / card_num: the client sends them; the instance applies them."""
    async with sim.client() as lockt:
        result = await lockt.fobs.reassign(
            [{"id": 232, "name": "Renamed fob", "id_num": "R-1", "card_num": "11001"}]
        )
    assert result.failures == [] and result.updated == 1
    fob = sim.fobs[232]
    assert (fob["name"], fob["id_num"], fob["card_num"]) == ("Renamed fob", "R-1", "11001")


async def test_fob_put_card_num_non_numeric(sim: Simulator) -> None:
    """fob | PUT | card_num | Non-Numeric: refused before sending."""
    async with sim.client() as lockt:
        result = await lockt.fobs.reassign(
            [{"id": 232, "card_num": "11-000"}], validate_fails_batch=False
        )
    assert result.failures[0].reason is FailureReason.INVALID
    assert result.failures[0].messages == ("Non-Numeric card_num found: 11-000",)


# -- PUT /credential ----------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "card_num", "enabled"])
async def test_credential_update_refuses_undocumented_fields(sim: Simulator, field: str) -> None:
    """credential | PUT: only id and the dates are sent; another field is refused, named."""
    value = {"name": "New", "card_num": "5555", "enabled": False}[field]
    async with sim.client() as lockt:
        with pytest.raises(ValidationFailedError, match=f"unknown field.*{field}") as info:
            await lockt.credentials.update([{"id": 335, field: value}])
    (failure,) = info.value.failures
    assert failure.reason is FailureReason.INVALID
    assert field in failure.messages[0] and "credentials.update" in failure.messages[0]
    assert sim.journal.writes() == []


async def test_credential_update_dates(sim: Simulator) -> None:
    """credential | PUT: the dates are applied."""
    async with sim.client() as lockt:
        result = await lockt.credentials.update(
            [{"id": 335, "access_expires": "2031-01-01 00:00:00"}]
        )
    assert result.failures == [] and result.updated == 1
    assert sim.credentials[335]["access_expires"].year == 2031


async def test_simulator_put_credential_never_ignores_a_field(sim: Simulator) -> None:
    """The simulator refuses a PUT /credential field it does not apply, not a silent success."""
    import httpx

    headers = {"apiuser": sim.api_user, "apikey": sim.api_key}
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=sim.url, headers=headers
    ) as http:
        r = await http.put("/credential", json={"credentials": [{"id": 335, "card_num": "5"}]})
    assert r.status_code == 400
    assert r.json()["errors"][0]["error"] == ["Field cannot be updated: card_num"]
    assert sim.credentials[335]["card_num"] == "1003"


# -- clearing a date -------------------------------------------------------------


async def test_clear_sends_a_blank_date(sim: Simulator) -> None:
    """Dates: "" means no date; CLEAR sends it, while None and "" mean "not given"."""
    async with sim.client() as lockt:
        await lockt.users.update({"id": 1693, "access_expires": "2031-01-01 00:00:00"})
        assert sim.users[1693]["access_expires"] is not None
        await lockt.users.update({"id": 1693, "access_expires": None, "enabled": True})
        assert sim.users[1693]["access_expires"] is not None  # None: not given
        await lockt.users.update({"id": 1693, "access_expires": CLEAR})
        assert sim.users[1693]["access_expires"] is None
        await lockt.credentials.update([{"id": 335, "access_expires": "2031-01-01 00:00:00"}])
        await lockt.credentials.update([{"id": "335", "access_expires": CLEAR}])  # slow route
        assert sim.credentials[335]["access_expires"] is None


async def test_clear_only_for_dates(sim: Simulator) -> None:
    """CLEAR in a field that is not a date is refused, naming the field."""
    async with sim.client() as lockt:
        result = await lockt.fobs.reassign([{"id": 232, "name": CLEAR}], validate_fails_batch=False)
    (failure,) = result.failures
    assert failure.reason is FailureReason.INVALID and "name" in failure.messages[0]


def test_clear_is_one_value() -> None:
    """CLEAR survives pickling as itself and shows as lockt_async.CLEAR."""
    assert pickle.loads(pickle.dumps(CLEAR)) is CLEAR
    assert repr(CLEAR) == "lockt_async.CLEAR"


# -- known server defects ("Endpoint | Method | Issue") ----------------------------


def _levels_sharing_a_door() -> list[dict[str, object]]:
    """The document's POST /accesslevel example: two levels share a door (here 187)."""
    return [
        {"name": "Access Level 1", "doors": [{"id": 187, "schedule_id": 543}]},
        {
            "name": "Access Level 2",
            "doors": [{"id": 446, "schedule_id": 1404}, {"id": 187, "schedule_id": 543}],
        },
    ]


async def test_accesslevel_defect_on_by_default_in_the_simulator(sim: Simulator) -> None:
    """accesslevel | POST | "Duplication check is spanning all supplied objects": the
    simulator reproduces it by default (one page, two levels sharing a door)."""
    import httpx

    headers = {"apiuser": sim.api_user, "apikey": sim.api_key}
    body = {"accesslevels": _levels_sharing_a_door()}
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=sim.url, headers=headers
    ) as http:
        r = await http.post("/accesslevel", json=body)
        assert r.status_code == 400
        assert r.json()["errors"][0]["error"] == ["Duplicate door id: 187"]
        sim.defects = sim.defects - {"accesslevel_duplicates_span_batch"}
        r = await http.post("/accesslevel", json=body)
    assert r.json()["data"]["inserted"] == 2


async def test_accesslevel_levels_sharing_doors_go_in_separate_pages(sim: Simulator) -> None:
    """accesslevel | POST known issue: the client keeps levels that share a door in
    separate pages, so the document's own example imports under validate_fails_batch=True."""
    async with sim.client() as lockt:
        result = await lockt.access_levels.create(_levels_sharing_a_door())
    assert result.failures == [] and result.inserted == 2
    assert [p.records for p in result.pages] == [1, 1]
    assert {"Access Level 1", "Access Level 2"} <= {lv["name"] for lv in sim.access_levels.values()}


async def test_accesslevel_levels_without_shared_doors_share_a_page(sim: Simulator) -> None:
    """The page cut is only for levels that share a door: others still go together."""
    levels = [
        {"name": "A", "doors": [{"id": 187, "schedule_id": 543}]},
        {"name": "B", "doors": [{"id": 446, "schedule_id": 543}]},
        {"name": "C", "doors": [{"id": 187, "schedule_id": 1404}]},
    ]
    async with sim.client() as lockt:
        result = await lockt.access_levels.create(levels)
    assert result.inserted == 3 and [p.records for p in result.pages] == [2, 1]


async def test_door_create_one_twins_make_one_door(sim: Simulator) -> None:
    """door | POST | "names are not checked for duplication within the batch": two
    concurrent create_one with one name (one coalesced page) make one door."""
    outcomes: list[object] = []

    async def create(lockt: LocktClient) -> None:
        try:
            outcomes.append(await lockt.doors.create_one({"name": "Twin"}))
        except ValidationFailedError as exc:
            outcomes.append(exc)

    async with sim.client(coalesce_window=0.05) as lockt, anyio.create_task_group() as tg:
        tg.start_soon(create, lockt)
        tg.start_soon(create, lockt)
    assert [d["name"] for d in sim.doors.values()].count("Twin") == 1
    errors = [o for o in outcomes if isinstance(o, ValidationFailedError)]
    assert len(errors) == 1 and "Duplicate name in input: Twin" in str(errors[0])
    assert errors[0].failures[0].reason is FailureReason.INVALID


async def test_door_delete_defect_and_retry(sim: Simulator) -> None:
    """door | DELETE | "valid door id's are sometimes considered to be invald": with
    validate_fails_batch=True the page's valid ids are in records_to_retry(); the
    rejected ones can be resent on their own."""
    async with sim.client() as lockt:
        first = await lockt.doors.delete([603], validate_fails_batch=False)
        assert first.failures[0].reason is FailureReason.REJECTED  # the defect, first time
        assert first.failures[0].messages == ("Id is not valid: 603",)
        page = await lockt.doors.delete([603, 983])  # 983 named for the first time
        assert page.deleted == 0
        assert page.records_to_retry() == [603]
        rejected = [f.record for f in page.failures if f.reason is FailureReason.REJECTED]
        assert rejected == [983]
        again = await lockt.doors.delete(page.records_to_retry() + rejected)
    assert again.deleted == 2 and 603 not in sim.doors and 983 not in sim.doors


def test_defects_switch_parsing() -> None:
    """`serve --defects`: all (default), none, or a list of known names; typos refused."""
    from lockt_async.testing import DEFAULT_DEFECTS
    from lockt_async.testing._sim import parse_defects

    assert parse_defects("all") == DEFAULT_DEFECTS
    assert parse_defects("none") == frozenset()
    assert parse_defects("door_batch_duplicates") == {"door_batch_duplicates"}
    with pytest.raises(ValueError, match="unknown defect"):
        parse_defects("door_batch_dupes")


# -- /unlock, /doorstate?lowbattery, /anonymize ----------------------------------------


def _mock_client(handler: object, **kw: object) -> LocktClient:
    import httpx

    return LocktClient(
        "u",
        "k",
        base_url="https://lockt.test/api/v1",
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        timezone="America/New_York",
        **kw,  # type: ignore[arg-type]
    )


def _door(ident: int) -> dict[str, object]:
    return {"id": ident, "name": f"Door {ident}", "unlocked": True, "status": "unlocked",
            "errors": []}  # fmt: skip


async def test_unlock_resends_429() -> None:
    """/unlock | POST: a 429 is resent (the write path's resend rule); one result per door."""
    import httpx

    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, json={"data": {"error": "Rate limit exceeded"}})
        return httpx.Response(200, json={"data": [_door(187)]})

    async with _mock_client(handler) as lockt:
        results = await lockt.doors.unlock([187])
    assert len(calls) == 2 and [r.id for r in results] == [187]


async def test_unlock_keeps_earlier_pages_results() -> None:
    """/unlock | POST: when a later page fails, results=[] holds the earlier pages' doors."""
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        import json

        ids = [d["id"] for d in json.loads(request.content)["doors"]]
        if 3 in ids:
            return httpx.Response(500, json={"data": {"error": "boom"}})
        return httpx.Response(200, json={"data": [_door(i) for i in ids]})

    kept: list[object] = []
    async with _mock_client(handler, record_limit=2) as lockt:
        with pytest.raises(LocktError):
            await lockt.doors.unlock([1, 2, 3, 4], results=kept)  # type: ignore[arg-type]
    assert [r.id for r in kept] == [1, 2]  # type: ignore[attr-defined]


async def test_unlock_validate_fails_batch_is_sent(sim: Simulator) -> None:
    """/unlock | POST | options.validate_fails_batch: False (default here) gives a result per
    door; True lets the instance refuse the page for an unknown door."""
    async with sim.client() as lockt:
        per_door = await lockt.doors.unlock([166, 99999999])
        assert [r.unlocked for r in per_door] == [True, False]
        with pytest.raises(ValidationFailedError):
            await lockt.doors.unlock([166, 99999999], validate_fails_batch=True)
        with pytest.raises(RecordError, match="validate_fails_batch"):
            await lockt.doors.unlock([166], validate_fails_batch="yes")  # type: ignore[arg-type]


async def test_notify_low_battery(sim: Simulator) -> None:
    """/doorstate?lowbattery | POST (change log): the threshold reaches the instance."""
    async with sim.client() as lockt:
        answer = await lockt.doors.notify_low_battery(25)
        with pytest.raises(RecordError, match="threshold"):
            await lockt.doors.notify_low_battery(250)
    assert sim.instance.low_battery_threshold == 25
    assert answer["lowbattery"] == "25"
    (entry,) = sim.journal.writes()
    assert (entry.method, entry.path, entry.query) == ("POST", "/doorstate", "lowbattery=25")


@pytest.mark.parametrize(
    "data",
    [{"submitted": 1, "processed": 1, "errors": 0}, {"status": "queued"}, [{"id": 5}], "done"],
)
async def test_anonymize_returns_the_answer_as_is(data: object) -> None:
    """/anonymize | POST (pending release, answer undocumented): whatever the answer's
    shape, the applied write returns it (read-only) instead of raising."""
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": data})

    async with _mock_client(handler) as lockt:
        answer = await lockt.users.anonymize(1693)
    expected = data[0] if isinstance(data, list) else data
    if isinstance(expected, dict):
        assert dict(answer) == expected
    else:
        assert dict(answer) == {"data": expected}
