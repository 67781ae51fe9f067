"""Issue 12 point 4 (values no rule foresaw) and point 7 (options): typed errors or
``invalid`` outcomes naming the field, checked at the point of conversion."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import pytest

from lockt_async import (
    BatchResult,
    ClientValidationError,
    ConfigurationError,
    FailureReason,
    User,
    ValidationFailedError,
)
from tests.support import HostileServer, check_invariants, users

pytestmark = pytest.mark.anyio

PLUS5 = dt.timezone(dt.timedelta(hours=5))
MINUS5 = dt.timezone(dt.timedelta(hours=-5))

#: (field, value): each has no wire form in an America/New_York instance.
UNCONVERTIBLE = [
    ("access_effective", dt.datetime(1, 1, 1, 0, 30, tzinfo=PLUS5)),
    ("access_expires", dt.datetime(9999, 12, 31, 23, 59, tzinfo=MINUS5)),
    ("access_effective", dt.datetime(1, 1, 1, 3, 0, tzinfo=dt.UTC)),
    (
        "access_expires",
        dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-10))),
    ),
    ("custom1", 10**5000),
    ("first_name", -(10**4400)),
    ("card_num", 10**5000),
]


@pytest.mark.parametrize(
    ("field", "value"),
    UNCONVERTIBLE,
    ids=lambda v: str(v)[:20] if not isinstance(v, int) else f"int{v.bit_length()}b",
)
@pytest.mark.parametrize("as_model", [False, True])
async def test_unconvertible_value_is_invalid_naming_the_field(
    field: str, value: Any, as_model: bool
) -> None:
    """Point 4: out-of-range aware datetimes (OverflowError) and ints past the 4,300-digit
    str limit (ValueError) are invalid for their record; the others are written."""
    server = HostileServer()
    records: list[Any] = users(3)
    records[1][field] = value
    if as_model:
        records = [User(**r) for r in records]
    async with server.client(timezone="America/New_York") as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
        check_invariants(
            server, result, [r if isinstance(r, dict) else vars_of(r) for r in records]
        )
        others = [
            {**r, "id_num": f"X{i}"} if isinstance(r, dict) else attrs.evolve(r, id_num=f"X{i}")
            for i, r in enumerate(records)
        ]
        all_or_nothing: ClientValidationError | None = None
        try:
            alone = await lockt.users.upsert(others)
        except ClientValidationError as exc:
            all_or_nothing = exc
        else:
            # Only for a model whose text field holds an int no rule refuses: it is sent
            # as is and only the JSON encoder refuses it, when its page is encoded, so
            # even all-or-nothing refuses it alone (README, limits of the promise).
            assert as_model and isinstance(value, int)
            assert [(f.index, f.reason) for f in alone.failures] == [(1, FailureReason.INVALID)]
        with pytest.raises(ClientValidationError) as one:
            await lockt.users.upsert_one(records[1])
    (failure,) = result.failures
    assert failure.index == 1 and failure.reason is FailureReason.INVALID
    text = failure.messages[0]
    assert field in text or "JSON" in text or "card_num" in text
    assert len(text) < 300
    if all_or_nothing is not None:
        assert [f.index for f in all_or_nothing.failures] == [1]
    assert one.value.failures[0].reason is FailureReason.INVALID


def vars_of(user: User) -> dict[str, Any]:
    return {"id_num": user.id_num}


@pytest.mark.parametrize("value", ["false", "true", 0, 1, None, "no"])
async def test_upsert_one_options_must_be_bools(value: Any) -> None:
    """Point 7: upsert_one(update_existing="false") used to send "true"; every non-bool
    option is a ConfigurationError naming it, and nothing is sent."""
    server = HostileServer()
    async with server.client() as lockt:
        for call in (
            lambda: lockt.users.upsert_one(users(1)[0], update_existing=value),
            lambda: lockt.users.upsert_one(users(1)[0], replace_privileges=value),
            lambda: lockt.users.upsert(users(1), update_existing=value),
            lambda: lockt.users.upsert(users(1), validate_fails_batch=value),
            lambda: lockt.fobs.create([{"name": "F"}], validate_fails_batch=value),
        ):
            with pytest.raises(ConfigurationError) as info:
                await call()
            assert "must be True or False" in str(info.value)
            assert any(
                o in str(info.value)
                for o in ("update_existing", "replace_privileges", "validate_fails_batch")
            )
    assert not server.requests


async def test_bool_options_are_sent_as_the_document_spells_them() -> None:
    """Point 7 (control): update_existing=False goes out as "false", coalesced or not."""
    server = HostileServer()
    async with server.client() as lockt:
        await lockt.users.upsert_one(users(1)[0], update_existing=False)
        await lockt.users.upsert(users(1, start=1), update_existing=False)
    sent = [json.loads(r.content)["options"]["update_existing"] for r in server.requests]
    assert sent == ["false", "false"]


async def test_client_checks_are_not_api_errors() -> None:
    """Point 7: a check before sending is a ClientValidationError, no APIError with
    status_code=0; except ValidationFailedError still catches it."""
    from lockt_async import APIError

    server = HostileServer()
    mine = BatchResult()
    async with server.client() as lockt:
        with pytest.raises(ValidationFailedError) as info:
            await lockt.users.upsert([{"id_num": ""}], result=mine)
    assert isinstance(info.value, ClientValidationError)
    assert not isinstance(info.value, APIError) and not hasattr(info.value, "status_code")
    assert not server.requests
