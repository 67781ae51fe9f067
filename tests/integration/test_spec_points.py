"""Issue 14's points, each against the simulator (and the document's row or section named)."""

from __future__ import annotations

import pickle

import pytest

from lockt_async import (
    CLEAR,
    ConfigurationError,
    FailureReason,
    LocktClient,
    ValidationFailedError,
)
from lockt_async.testing import Simulator

from .helpers import client_for, user_record

pytestmark = pytest.mark.anyio


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=True)


# -- validation table: required rows, and the switch that leaves them to the server -------


async def test_user_insert_without_pin_refused_before_sending(sim: Simulator) -> None:
    """user | POST | INSERT | pin | Missing or blank: refused by the client, nothing sent."""
    async with client_for(sim) as lockt:
        result = await lockt.users.upsert([user_record(1, pin=None)], validate_fails_batch=False)
    (failure,) = result.failures
    assert failure.reason is FailureReason.INVALID
    assert failure.messages == ("Missing or blank pin",)
    assert sim.journal.writes() == []


async def test_required_fields_server_leaves_the_rows_to_the_instance(sim: Simulator) -> None:
    """LocktClient(required_fields="server"): a user without email/phone/pin is sent; the
    instance's answer is the outcome (here the simulator, which follows the document)."""
    record = user_record(1, email=None, phone=None, pin=None)
    async with client_for(sim, required_fields="server") as lockt:
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
    async with client_for(sim, required_fields="server") as lockt:
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
    async with client_for(sim) as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
    (failure,) = result.failures
    assert failure.index == 0 and failure.reason is FailureReason.REJECTED
    assert failure.messages == ("pin length exceeds system limit of 8: 123456789",)
    sim.length_limits = {}
    async with client_for(sim) as lockt:
        again = await lockt.users.upsert([user_record(1, pin="123456789")])
    assert again.failures == [] and again.inserted == 1


async def test_duplicate_emails_in_one_input(sim: Simulator) -> None:
    """user | POST | INSERT | (email) | Already exists: a repeat within one input is caught
    before sending (the first record goes, the second is invalid)."""
    records = [user_record(1, email="Same@Example.com"), user_record(2, email="same@example.com")]
    async with client_for(sim) as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
    (failure,) = result.failures
    assert failure.index == 1 and failure.reason is FailureReason.INVALID
    assert failure.messages == ("Duplicate email in input: same@example.com",)


async def test_access_level_door_without_schedule(sim: Simulator) -> None:
    """accesslevel | POST | doors | Schedule ID is valid: a door without schedule_id is
    refused before sending."""
    async with client_for(sim) as lockt:
        result = await lockt.access_levels.create(
            [{"name": "Night", "doors": [{"id": 187}]}], validate_fails_batch=False
        )
    assert result.failures[0].reason is FailureReason.INVALID
    assert result.failures[0].messages == ("Missing or blank schedule_id for door 187",)
    assert sim.journal.writes() == []


# -- PUT /fob rows ------------------------------------------------------------


async def test_fob_put_name_id_num_card_num(sim: Simulator) -> None:
    """fob | PUT | name / id_num / card_num: the client sends them; the instance applies them."""
    async with client_for(sim) as lockt:
        result = await lockt.fobs.reassign(
            [{"id": 232, "name": "Renamed fob", "id_num": "R-1", "card_num": "11001"}]
        )
    assert result.failures == [] and result.updated == 1
    fob = sim.fobs[232]
    assert (fob["name"], fob["id_num"], fob["card_num"]) == ("Renamed fob", "R-1", "11001")


async def test_fob_put_card_num_non_numeric(sim: Simulator) -> None:
    """fob | PUT | card_num | Non-Numeric: refused before sending."""
    async with client_for(sim) as lockt:
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
    async with client_for(sim) as lockt:
        with pytest.raises(ValidationFailedError, match=f"unknown field.*{field}") as info:
            await lockt.credentials.update([{"id": 335, field: value}])
    (failure,) = info.value.failures
    assert failure.reason is FailureReason.INVALID
    assert field in failure.messages[0] and "credentials.update" in failure.messages[0]
    assert sim.journal.writes() == []


async def test_credential_update_dates(sim: Simulator) -> None:
    """credential | PUT: the dates are applied."""
    async with client_for(sim) as lockt:
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
        transport=sim.transport(), base_url="http://lockt.test/api/v1", headers=headers
    ) as http:
        r = await http.put("/credential", json={"credentials": [{"id": 335, "card_num": "5"}]})
    assert r.status_code == 400
    assert r.json()["errors"][0]["error"] == ["Field cannot be updated: card_num"]
    assert sim.credentials[335]["card_num"] == "1003"


# -- clearing a date -------------------------------------------------------------


async def test_clear_sends_a_blank_date(sim: Simulator) -> None:
    """Dates: "" means no date; CLEAR sends it, while None and "" mean "not given"."""
    async with client_for(sim) as lockt:
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
    async with client_for(sim) as lockt:
        result = await lockt.fobs.reassign([{"id": 232, "name": CLEAR}], validate_fails_batch=False)
    (failure,) = result.failures
    assert failure.reason is FailureReason.INVALID and "name" in failure.messages[0]


def test_clear_is_one_value() -> None:
    """CLEAR survives pickling as itself and shows as lockt_async.CLEAR."""
    assert pickle.loads(pickle.dumps(CLEAR)) is CLEAR
    assert repr(CLEAR) == "lockt_async.CLEAR"
