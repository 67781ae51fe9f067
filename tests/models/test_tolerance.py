"""Tolerant reads (NOTES.md contradiction table) and errors that name the field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lockt_async.converters import LocktConverter
from lockt_async.errors import NaiveDatetimeError, RecordError
from lockt_async.models import (
    AccessLevelRef,
    Credential,
    CredentialSummary,
    Door,
    Fob,
    User,
    UserRef,
)


def test_numbers_as_strings(conv: LocktConverter) -> None:
    """ "number types" row: ids as strings -> int, card_num/pin/id_num as ints -> str."""
    u = conv.structure({"id": "618395", "card_num": 8769, "pin": 986, "id_num": 329359}, User)
    assert (u.id, u.card_num, u.pin, u.id_num) == (618395, "8769", "986", "329359")


def test_claimed_as_string(conv: LocktConverter) -> None:
    """ "number types" row: credentialsummary `claimed` typed string."""
    s = conv.structure({"credentials": "31", "claimed": "13", "unclaimed": "18"}, CredentialSummary)
    assert (s.credentials, s.claimed, s.unclaimed) == (31, 13, 18)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("false", False),
        ("TRUE", True),
        (1, True),
        (0, False),
        ("1", True),
        ("", None),
    ],
)
def test_booleans(conv: LocktConverter, raw: object, expected: bool | None) -> None:
    """ "booleans" row: `true` and `"true"` (and 1/0) both read as bool."""
    assert conv.structure({"enabled": raw}, Door).enabled is expected


def test_unknown_fields_kept(conv: LocktConverter) -> None:
    """ "unknown fields" row: extra response fields are readable in `extra`, never a crash."""
    d = conv.structure({"id": 1, "name": "x", "firmware": "2.1", "zone": {"a": 1}}, Door)
    assert d.id == 1
    assert d.extra == {"firmware": "2.1", "zone": {"a": 1}}
    assert hash(d) == hash(Door(id=1, name="x"))  # extra is out of the hash
    assert d != Door(id=1, name="x")  # but compared


def test_null_and_empty(conv: LocktConverter) -> None:
    """JSON null anywhere and "" dates -> None; null lists -> the default."""
    u = conv.structure(
        {
            "id": None,
            "access_effective": None,
            "access_expires": "",
            "enabled": None,
            "accesslevels": None,
            "credentials": None,
            "custom1": None,
        },
        User,
    )
    assert u == User()


def test_null_in_list_dropped(conv: LocktConverter) -> None:
    """A null element inside a list is skipped, not a crash."""
    u = conv.structure({"accesslevels": [None, {"id": 5}]}, User)
    assert u.accesslevels == (AccessLevelRef(id=5),)


def test_one_element_list_or_object(conv: LocktConverter) -> None:
    """ "credential user" row: a one-element list and an object both give a UserRef."""
    as_list = conv.structure({"id": 1, "user": [{"id": 300, "name": "User, Test"}]}, Credential)
    as_obj = conv.structure({"id": 1, "user": {"id": 300, "name": "User, Test"}}, Credential)
    empty = conv.structure({"id": 1, "user": []}, Credential)
    assert as_list.user == as_obj.user == UserRef(id=300, name="User, Test")
    assert empty.user is None


def test_object_where_list_documented(conv: LocktConverter) -> None:
    """A lone object where a list is documented is a one-element list."""
    f = conv.structure({"accesslevels": {"unid": 7}}, Fob)
    assert f.accesslevels == (AccessLevelRef(id=7),)


def test_unid_and_id(conv: LocktConverter) -> None:
    """ "user's access levels" row: {"unid", "name"} on read, {"id"} too."""
    u = conv.structure({"accesslevels": [{"unid": 364, "name": "Office Doors"}, {"id": 9}]}, User)
    assert u.accesslevels == (AccessLevelRef(id=364, name="Office Doors"), AccessLevelRef(id=9))


def test_utc_offset_form(conv: LocktConverter) -> None:
    """Dates: `+00:00` is accepted as UTC like `Z`."""
    f = conv.structure({"access_effective": "2022-07-10T09:00:00+00:00"}, Fob)
    assert f.access_effective == datetime(2022, 7, 10, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"id": "abc"}, "id"),
        ({"id": [1]}, "id"),
        ({"enabled": "maybe"}, "enabled"),
        ({"card_num": {"x": 1}}, "card_num"),
        ({"access_effective": "yesterday"}, "access_effective"),
        ({"access_effective": 12}, "access_effective"),
        ({"accesslevels": [{"id": 1}, {"id": "x"}]}, "accesslevels[1].id"),
        ({"accesslevels": ["nope"]}, "accesslevels[0]"),
        ({"credentials": [{"fob": "perhaps"}]}, "credentials[0].fob"),
    ],
)
def test_wrong_types_are_record_errors(
    conv: LocktConverter, record: dict[str, object], field: str
) -> None:
    """Uncoercible values raise RecordError naming the field, never TypeError/KeyError."""
    with pytest.raises(RecordError) as info:
        conv.structure(record, User)
    assert info.value.field is not None and info.value.field.startswith(field)
    assert field in str(info.value)


def test_not_an_object(conv: LocktConverter) -> None:
    """A body that is not an object at all is a RecordError too."""
    with pytest.raises(RecordError):
        conv.structure("hello", User)
    with pytest.raises(RecordError):
        conv.structure([1, 2], list[User])


def test_naive_datetime_refused(conv: LocktConverter) -> None:
    """NOTES.md Dates: a naive datetime is refused with a message naming the field and the fix."""
    with pytest.raises(NaiveDatetimeError) as info:
        conv.structure_record({"id": 1, "access_expires": datetime(2022, 9, 20, 8)}, User)
    assert info.value.field == "access_expires"
    message = str(info.value)
    assert "access_expires" in message
    assert "dt.replace(tzinfo=ZoneInfo(" in message and "datetime.now(UTC)" in message
    with pytest.raises(NaiveDatetimeError, match="access_effective"):
        conv.unstructure(User(id=1, access_effective=datetime(2022, 1, 1)))
    with pytest.raises(NaiveDatetimeError, match="when"):
        conv.format_datetime(datetime(2022, 1, 1), field="when")


def test_unknown_mapping_field(conv: LocktConverter) -> None:
    """structure_record names an unknown field and lists the allowed ones."""
    with pytest.raises(RecordError) as info:
        conv.structure_record({"id": 1, "frist_name": "Toby"}, User)
    assert info.value.field == "frist_name"
    assert "'frist_name'" in str(info.value)
    assert "first_name" in str(info.value) and "access_expires" in str(info.value)
    with pytest.raises(RecordError, match="allowed fields: id, user_id"):
        conv.structure_record({"id": 1, "name": "x"}, Fob, allowed=frozenset({"id", "user_id"}))


def test_structure_record_coerces(conv: LocktConverter) -> None:
    """Caller mappings: digit strings for ids, ints for card numbers, aware datetimes or strings."""
    when = datetime(2022, 9, 20, 12, tzinfo=UTC)
    u = conv.structure_record(
        {
            "id": "618395",
            "card_num": 123456,
            "access_effective": when,
            "access_expires": "2022-09-20 08:00:00",
            "enabled": "true",
            "accesslevels": [{"id": 188}, 189],
        },
        User,
    )
    assert u.id == 618395 and u.card_num == "123456" and u.enabled is True
    assert u.access_effective is when
    assert u.access_expires == when
    assert u.accesslevels == (AccessLevelRef(id=188), AccessLevelRef(id=189))


def test_structure_record_rejects_non_mapping(conv: LocktConverter) -> None:
    """structure_record refuses a non-mapping with a RecordError."""
    with pytest.raises(RecordError):
        conv.structure_record(["id", 1], User)  # type: ignore[arg-type]
