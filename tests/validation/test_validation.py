"""Client-side, stateless checks of write records (``lockt_async._validation``).

Each test pins one row of the document's table "Endpoint | Method | Submethod |
Field | Validation" (or of a "Context | Element | Behavior" table), named in its
docstring.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockt_async._validation import (
    ACCESS_LEVEL_DUPLICATE_FIELDS,
    DOOR_DUPLICATE_FIELDS,
    FOB_DUPLICATE_FIELDS,
    LOCATION_DUPLICATE_FIELDS,
    USER_DUPLICATE_FIELDS,
    DuplicateTracker,
    check_access_level,
    check_credential_update,
    check_delegate,
    check_door,
    check_fob,
    check_fob_reassign,
    check_id_only,
    check_location,
    check_user,
    check_user_put,
)
from tests.models import fixtures as doc


def rhea(**changes: Any) -> dict[str, Any]:
    """The document's example insert (Rhea Greswell), with a good card number and email."""
    rec: dict[str, Any] = {
        "id": -1,
        "id_num": "qjwi-880329359",
        "first_name": "Rhea",
        "last_name": "Greswell",
        "card_num": "8914",
        "email": "rgreswell0@gravatar.com",
        "phone": "8184365134",
        "access_effective": "2022-01-24 00:00:00",
        "access_expires": "2022-10-29 00:00:00",
        "pin": "0986",
        "enabled": False,
        "accesslevels": [{"id": 574}],
    }
    rec.update(changes)
    return rec


def update(**changes: Any) -> dict[str, Any]:
    return rhea(id=4432, **changes)


def only(messages: list[str], *parts: str) -> str:
    """The single message, asserted to contain every part."""
    assert len(messages) == 1, messages
    for part in parts:
        assert part in messages[0], (part, messages[0])
    return messages[0]


# --------------------------------------------------------------------------- valid records


def test_valid_insert_has_no_messages() -> None:
    """user | POST | INSERT | (all fields) — the document's example insert, corrected."""
    assert check_user(rhea()) == []


def test_valid_update_has_no_messages() -> None:
    """user | POST | UPDATE | (all fields) — the document's Toby Peters update example."""
    rec = {
        "id": 4432,
        "id_num": "ABC123",
        "last_name": "Peters",
        "first_name": "Toby",
        "card_num": "8769",
        "credential_key": "",
        "email": "toby.peters@web.place",
        "pin": "1234",
        "phone": "33344455555",
        "access_effective": "",
        "access_expires": "",
        "enabled": True,
        "accesslevels": [{"id": 123}, {"id": 789}],
    }
    assert check_user(rec) == []


def test_document_error_example_gives_document_messages() -> None:
    """user | POST | INSERT | card_num / email — the document's error example, verbatim."""
    rec = rhea(card_num="A8914", email="rgreswell0@@@@gravatar.com")
    assert sorted(check_user(rec)) == [
        "Invalid email address found: rgreswell0@@@@gravatar.com",
        "Non-Numeric card_num found: A8914",
    ]


def test_update_needs_names_too() -> None:
    """user | POST | UPDATE | id_num / first_name / last_name | Missing or blank."""
    contact = {"email": "a@b.org", "phone": "5551234", "pin": "1234"}
    rec = {"id": 618395, "id_num": "A1", "first_name": "A", "last_name": "B", **contact}
    assert check_user(rec) == []
    assert check_user({"id": "618395", "card_num": "123456"}) == [
        "Missing or blank id_num",
        "Missing or blank first_name",
        "Missing or blank last_name",
        "Missing or blank email",
        "Missing or blank phone",
        "Missing or blank pin",
    ]


def test_ints_accepted_for_number_fields() -> None:
    """user | POST | INSERT | card_num / pin / id_num — ints as in some document examples."""
    assert check_user(rhea(card_num=8914, pin=12345, id_num=880329359, phone=8184365134)) == []


# --------------------------------------------------------------------------- user id


@pytest.mark.parametrize("rid", [-1, "-1", None])
def test_insert_ids(rid: Any) -> None:
    """user | POST | INSERT | id — -1 on insert (a missing id is sent as -1)."""
    assert check_user(rhea(id=rid)) == []


@pytest.mark.parametrize(("rid", "shown"), [(0, "0"), (-5, "-5"), ("-7", "'-7'"), (True, "True")])
def test_bad_user_id(rid: Any, shown: str) -> None:
    """user | POST | INSERT/UPDATE | id — neither -1 nor a positive id."""
    only(check_user(rhea(id=rid)), "id must be -1 (insert) or a positive integer id", shown)


@pytest.mark.parametrize(("rid", "shown"), [("abc", "abc"), (1.5, "1.5"), ("12a", "12a")])
def test_non_numeric_user_id(rid: Any, shown: str) -> None:
    """user | POST | INSERT/UPDATE | id | Non-Numeric — in the server's wording."""
    assert check_user(rhea(id=rid)) == [f"Non-Numeric id found: {shown}"]


# --------------------------------------------------------------------------- required fields


REQUIRED_USER_FIELDS = ["id_num", "first_name", "last_name", "email", "phone", "pin"]


@pytest.mark.parametrize("field", REQUIRED_USER_FIELDS)
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_insert_required(field: str, blank: Any) -> None:
    """user | POST | INSERT | id_num / names / email / phone / pin | Missing or blank."""
    assert check_user(rhea(**{field: blank})) == [f"Missing or blank {field}"]


@pytest.mark.parametrize("field", REQUIRED_USER_FIELDS)
def test_update_required(field: str) -> None:
    """user | POST | UPDATE | id_num / names / email / phone / pin | Missing or blank."""
    assert check_user(update(**{field: ""})) == [f"Missing or blank {field}"]


@pytest.mark.parametrize("field", REQUIRED_USER_FIELDS)
def test_required_rows_left_to_server(field: str) -> None:
    """required=False (required_fields="server") skips "Missing or blank", keeps formats."""
    assert check_user(rhea(**{field: None}), required=False) == []
    assert check_user(update(**{field: None}), required=False) == []
    assert check_user(rhea(email="x@@y"), required=False) == ["Invalid email address found: x@@y"]


@pytest.mark.parametrize("field", REQUIRED_USER_FIELDS)
def test_insert_required_missing_key(field: str) -> None:
    """user | POST | INSERT | id_num / names / email / phone / pin | Missing or blank (absent)."""
    rec = rhea()
    del rec[field]
    assert check_user(rec) == [f"Missing or blank {field}"]


def test_update_requires_names() -> None:
    """user | POST | UPDATE | first_name | Missing or blank (PUT /user is the partial update)."""
    assert len(check_user(update(first_name="", last_name=None, id_num=""))) == 3


def test_name_of_wrong_type() -> None:
    """user | POST | INSERT | first_name | Missing or blank — a non-text value."""
    only(check_user(rhea(first_name=["Rhea"])), "first_name", "['Rhea']")


# --------------------------------------------------------------------------- card_num


@pytest.mark.parametrize("value", ["A8914", "12 34", "1.5", "-5", -5, 12.0, "８９１４"])
def test_card_num_non_numeric(value: Any) -> None:
    """user | POST | INSERT | card_num | Non-Numeric."""
    only(check_user(rhea(card_num=value)), "Non-Numeric card_num found:", str(value))


def test_card_num_length() -> None:
    """user | POST | INSERT | card_num | Length versus system limit — the instance's, not ours."""
    assert check_user(rhea(card_num="1" * 21)) == []
    assert check_user(rhea(card_num="1" * 40)) == []
    assert check_user(rhea(card_num=10**30)) == []


@pytest.mark.parametrize("value", [-1, "-1"])
def test_card_num_remove_on_update(value: Any) -> None:
    """user | POST | UPDATE | card_num — -1 removes all non-fob credentials."""
    assert check_user(update(card_num=value)) == []
    assert check_user_put({"id": 5, "card_num": value}) == []


@pytest.mark.parametrize("value", [-1, "-1"])
def test_card_num_remove_not_on_insert(value: Any) -> None:
    """user | POST | INSERT | card_num | Non-Numeric — -1 is only an update signal."""
    only(check_user(rhea(card_num=value)), "card_num", "only valid on update", "-1")


@pytest.mark.parametrize("value", [None, ""])
def test_card_num_optional(value: Any) -> None:
    """user | POST | INSERT | card_num — not required."""
    assert check_user(rhea(card_num=value)) == []


# --------------------------------------------------------------------------- pin


@pytest.mark.parametrize("value", ["12a4", "12.4", " 1234", -1234, 12.5])
def test_pin_non_numeric(value: Any) -> None:
    """user | POST | INSERT | pin | Non-Numeric."""
    only(check_user(rhea(pin=value)), "Non-Numeric pin found:", str(value).strip())


@pytest.mark.parametrize("value", ["1", "12", "123456789", "1" * 30, 123])
def test_pin_length(value: Any) -> None:
    """user | POST | INSERT | pin | Length versus system limit — the instance's, not ours."""
    assert check_user(rhea(pin=value)) == []


@pytest.mark.parametrize("value", ["1234", "0986", "12345678"])
def test_pin_valid(value: Any) -> None:
    """user | POST | UPDATE | pin | Non-Numeric — digit strings pass."""
    assert check_user(update(pin=value)) == []


@pytest.mark.parametrize("value", [None, "", "  "])
def test_pin_missing(value: Any) -> None:
    """user | POST | UPDATE | pin | Missing or blank."""
    assert check_user(update(pin=value)) == ["Missing or blank pin"]


# --------------------------------------------------------------------------- email, phone


@pytest.mark.parametrize(
    "value", ["x@@y", "rgreswell0@@@@gravatar.com", "no-at.example", "a@b", "a b@c.de", "a@.com", 5]
)
def test_email_format(value: Any) -> None:
    """user | POST | INSERT | email | Proper email format."""
    only(check_user(rhea(email=value)), "Invalid email address found:", str(value))


@pytest.mark.parametrize("value", ["toby.peters@web.place", "a+b@sub.example.co.uk", " x@y.org "])
def test_email_valid(value: Any) -> None:
    """user | POST | UPDATE | email | Proper email format."""
    assert check_user(update(email=value)) == []


@pytest.mark.parametrize("value", ["", "  ", None])
def test_email_missing(value: Any) -> None:
    """user | POST | UPDATE | (email) | Missing or blank — the row whose element lost its name."""
    assert check_user(update(email=value)) == ["Missing or blank email"]


@pytest.mark.parametrize("value", ["abc", "++1 555 1234", "555-1234x9", "()", "+ -", -12, True])
def test_phone_format(value: Any) -> None:
    """user | POST | INSERT | phone | Proper phone format."""
    only(check_user(rhea(phone=value)), "Invalid phone number found:", str(value))


@pytest.mark.parametrize(
    "value",
    ["33344455555", "+1 (818) 436-5134", "818.436.5134", "5551234", 8184365134, "12", "1" * 20],
)
def test_phone_valid(value: Any) -> None:
    """user | POST | UPDATE | phone | Proper phone format — digits and usual punctuation,
    however many digits (no limit invented)."""
    assert check_user(update(phone=value)) == []


@pytest.mark.parametrize("value", ["", None])
def test_phone_missing(value: Any) -> None:
    """user | POST | UPDATE | phone | Missing or blank."""
    assert check_user(update(phone=value)) == ["Missing or blank phone"]


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("field", ["access_effective", "access_expires"])
@pytest.mark.parametrize(
    "value",
    [
        "2022-13-01 00:00:00",
        "2022-02-30 00:00:00",
        "2022-01-01 24:00:00",
        "2022-01-01T00:00:00",
        "2022-01-01 00:00",
        "2022-1-1 0:00:00",
        "2022-01-01 00:00:00Z",
        " ",
        20220101,
    ],
)
def test_date_format(field: str, value: Any) -> None:
    """user | POST | INSERT | access_effective / access_expires | Valid date format."""
    rec = rhea(**{"access_effective": "", "access_expires": "", field: value})
    only(check_user(rec), f"Invalid {field} date", str(value))


def test_effective_before_expires() -> None:
    """user | PUT | UPDATE | access_effective / access_expires — effective before expires;
    the message quotes the expires value, as the document's POST /delegate example does."""
    rec = rhea(access_effective="2022-09-07 12:00:00", access_expires="2022-09-07 12:00:00")
    assert check_user(rec) == [
        "Invalid access_effective date: 2022-09-07 12:00:00, must be before access_expires"
    ]
    rec = rhea(access_effective="2022-09-08 11:00:00", access_expires="2022-09-07 12:00:00")
    assert check_user(rec) == [
        "Invalid access_effective date: 2022-09-07 12:00:00, must be before access_expires"
    ]


def test_one_date_alone_is_fine() -> None:
    """user | POST | UPDATE | access_effective / access_expires — "" means no date."""
    assert check_user(update(access_effective="", access_expires="2022-09-20 08:00:00")) == []
    assert check_user(update(access_effective="2022-09-20 08:00:00", access_expires="")) == []


# --------------------------------------------------------------------------- access levels, enabled


def test_duplicate_access_levels() -> None:
    """user | POST | INSERT | access_levels | Duplicate Assigned Access Levels."""
    rec = rhea(accesslevels=[{"id": 5}, {"id": 7}, {"id": 5}])
    assert check_user(rec) == ["Duplicate access level id: 5"]
    assert check_user(rhea(accesslevels=[{"id": 5}, {"id": "5"}])) == [
        "Duplicate access level id: 5"
    ]


@pytest.mark.parametrize(
    ("levels", "part"),
    [
        ([{"id": 0}], "Invalid access level id: 0"),
        ([{"id": "x"}], "Invalid access level id: x"),
        ([{}], "Invalid access level id: None"),
        ([5], "Invalid access level entry: 5"),
        ({"id": 5}, "accesslevels must be a list:"),
    ],
)
def test_access_level_ids(levels: Any, part: str) -> None:
    """user | POST | UPDATE | access_levels | Id is valid — the stateless part (positive int)."""
    only(check_user(update(accesslevels=levels)), part)


def test_empty_access_levels_allowed() -> None:
    """user | POST | UPDATE | access_levels — an empty list removes all (replace_privileges)."""
    assert check_user(update(accesslevels=[])) == []


@pytest.mark.parametrize("value", ["true", 1, "yes"])
def test_enabled_is_bool(value: Any) -> None:
    """user | POST | UPDATE | enabled — a bool on the wire."""
    only(check_user(update(enabled=value)), "enabled", str(value))


# --------------------------------------------------------------------------- PUT /user


def test_user_put() -> None:
    """user | PUT | UPDATE | id — Required; all properties but id are optional."""
    assert check_user_put({"id": "618395", "card_num": "123456"}) == []
    assert (
        check_user_put(
            {
                "id": "618395",
                "enabled": True,
                "access_effective": "",
                "access_expires": "2022-09-20 08:00:00",
                "card_num": "123456",
                "accesslevels": [{"id": 188}],
            }
        )
        == []
    )
    assert check_user_put({}) == ["Missing or blank id"]
    assert check_user_put({"id": -1}) == ["id must be a positive integer id: -1"]
    only(check_user_put({"id": 5, "pin": "12a4"}), "Non-Numeric pin found: 12a4")
    only(
        check_user_put(
            {
                "id": 5,
                "access_effective": "2023-01-01 00:00:00",
                "access_expires": "2022-01-01 00:00:00",
            }
        ),
        "must be before access_expires",
    )


# --------------------------------------------------------------------------- ids (deletes, unlock)


@pytest.mark.parametrize(
    ("rec", "message"),
    [
        ({}, "Missing or blank id"),
        ({"id": None}, "Missing or blank id"),
        ({"id": ""}, "Missing or blank id"),
        ({"id": "x"}, "Non-Numeric id found: x"),
        ({"id": "1.5"}, "Non-Numeric id found: 1.5"),
        ({"id": 2.0}, "Non-Numeric id found: 2.0"),
        ({"id": True}, "Non-Numeric id found: True"),
        ({"id": 0}, "id must be a positive integer id: 0"),
        ({"id": "-3"}, "id must be a positive integer id: -3"),
    ],
)
def test_id_only(rec: dict[str, Any], message: str) -> None:
    """user/fob/door/credential | DELETE | id | Missing or blank / Non-Numeric."""
    assert check_id_only(rec) == [message]


@pytest.mark.parametrize("rid", [1, "187", 2**40])
def test_id_only_valid(rid: Any) -> None:
    """door | DELETE | Id is valid — the stateless part (a positive integer)."""
    assert check_id_only({"id": rid}) == []


# --------------------------------------------------------------------------- fobs, credentials


def test_fob() -> None:
    """fob | POST | name / id_num | Missing or blank; card_num | Non-Numeric / Length."""
    good = {
        "name": "Fob 1",
        "id_num": "F-1",
        "card_num": "4455",
        "access_effective": "",
        "access_expires": "",
    }
    assert check_fob(good) == []
    assert check_fob({}) == ["Missing or blank name", "Missing or blank id_num"]
    only(check_fob({**good, "card_num": "-1"}), "Non-Numeric card_num found: -1")
    assert check_fob({**good, "card_num": "9" * 21}) == []  # the instance's limit
    only(check_fob({**good, "access_expires": "tomorrow"}), "access_expires date format: tomorrow")


def test_fob_reassign() -> None:
    """fob | PUT | access_effective / access_expires | Valid date format; user_id 0 unassigns."""
    assert check_fob_reassign({"id": 9, "user_id": 0}) == []
    assert check_fob_reassign({"id": 9, "user_id": "613950"}) == []
    assert check_fob_reassign({"user_id": 1}) == ["Missing or blank id"]
    only(check_fob_reassign({"id": 9, "user_id": -2}), "user_id", "-2")
    only(check_fob_reassign({"id": 9, "user_id": "bob"}), "Non-Numeric user_id found: bob")
    only(
        check_fob_reassign({"id": 9, "access_effective": "2022-02-29 00:00:00"}),
        "Invalid access_effective date: 2022-02-29 00:00:00: day 29 does not exist",
    )


def test_credential_update() -> None:
    """credential | PUT | (fields undocumented) — id and the two dates."""
    assert check_credential_update({"id": 335, "access_expires": "2030-01-01 00:00:00"}) == []
    assert check_credential_update({"access_expires": ""}) == ["Missing or blank id"]
    only(check_credential_update({"id": 335, "access_expires": "soon"}), "access_expires", "soon")


# --------------------------------------------------------------------------- doors, levels, ...


def test_door() -> None:
    """door | POST | name | Missing or blank."""
    assert check_door({"name": "Front", "location_id": 3}) == []
    assert check_door({"name": "Front"}) == []
    assert check_door({"name": " "}) == ["Missing or blank name"]
    assert check_door({"name": "x" * 500}) == []  # its length is the instance's limit
    only(check_door({"name": "Front", "location_id": "here"}), "location_id", "here")
    only(check_door({"name": "Front", "location_id": 0}), "location_id", "0")


def test_access_level() -> None:
    """accesslevel | POST | doors | Door ID is not duplicate; name | Missing or blank."""
    good = {
        "name": "Staff",
        "doors": [{"id": 187, "schedule_id": 3}, {"id": 446, "schedule_id": 3}],
    }
    assert check_access_level(good) == []
    assert check_access_level({"doors": []}) == ["Missing or blank name"]
    rec = {"name": "Staff", "doors": [{"id": 187, "schedule_id": 2}, {"id": 187, "schedule_id": 2}]}
    assert check_access_level(rec) == ["Duplicate door id: 187"]


def test_access_level_schedule() -> None:
    """accesslevel | POST | doors | Schedule ID is valid — the stateless part."""
    rec = {"name": "Staff", "doors": [{"id": 187, "schedule_id": "night"}]}
    assert check_access_level(rec) == ["Invalid schedule_id for door 187: night"]
    only(
        check_access_level({"name": "S", "doors": [{"id": "x", "schedule_id": 1}]}),
        "Invalid door id: x",
    )


def test_access_level_door_without_schedule() -> None:
    """accesslevel | POST | doors | Schedule ID is valid — a door without schedule_id."""
    rec = {"name": "Staff", "doors": [{"id": 187}, {"id": 446, "schedule_id": ""}]}
    assert check_access_level(rec) == [
        "Missing or blank schedule_id for door 187",
        "Missing or blank schedule_id for door 446",
    ]
    assert check_access_level(rec, required=False) == []


def test_location() -> None:
    """location | POST | locationtype | Missing or blank; name | Missing or blank."""
    assert check_location({"name": "HQ", "locationtype": 1}) == []
    assert check_location({}) == ["Missing or blank name", "Missing or blank locationtype"]
    assert check_location({"name": "HQ", "locationtype": "a"}) == [
        "Non-Numeric locationtype found: a"
    ]


def test_delegate() -> None:
    """delegate | POST | CREATE — user ids, doors and ordered dates (document example)."""
    good = dict(doc.DELEGATE_WRITE)
    assert check_delegate(good) == []
    assert check_delegate({}) == [
        "Missing or blank from_user_id",
        "Missing or blank to_user_id",
        "Missing or blank doors",
        "Missing or blank access_effective",
        "Missing or blank access_expires",
    ]
    assert check_delegate({**good, "doors": []}) == ["Missing or blank doors"]
    bad = {
        **good,
        "access_effective": "2022-09-08 11:00:00",
        "access_expires": "2022-09-07 12:00:00",
    }
    assert check_delegate(bad) == [  # the document's example message, verbatim
        "Invalid access_effective date: 2022-09-07 12:00:00, must be before access_expires"
    ]


# --------------------------------------------------------------------------- messages


def test_messages_are_short_and_printable() -> None:
    """Messages quote the value truncated and printable, and nothing but the record's data."""
    (message,) = check_user(rhea(card_num="A" * 5000))
    assert len(message) < 120
    assert message.startswith("Non-Numeric card_num found: AAAA")
    (message,) = check_user(rhea(email="bad\nline\x00@x"))
    assert "\n" not in message
    assert "\x00" not in message
    assert message.isprintable()
    (message,) = check_user(rhea(pin=[1] * 10_000))
    assert len(message) < 120


# --------------------------------------------------------------------------- duplicates


def test_duplicate_tracker() -> None:
    """door | POST | names are not checked for duplication within the batch (known issue)."""
    tracker = DuplicateTracker(USER_DUPLICATE_FIELDS)
    assert tracker.check({"id_num": "ABC123", "card_num": "8769"}) == []
    assert tracker.check({"id_num": "ABC123 ", "card_num": 8769}) == [
        "Duplicate id_num in input: ABC123",
        "Duplicate card_num in input: 8769",
    ]
    assert tracker.check({"id_num": "abc123", "card_num": "1"}) == []  # case-sensitive
    tracker.reset()
    assert tracker.check({"id_num": "ABC123", "card_num": "8769"}) == []


def test_duplicate_emails_within_one_input() -> None:
    """user | POST | INSERT | (email) | Already exists — repeated within one input, any case."""
    tracker = DuplicateTracker(USER_DUPLICATE_FIELDS)
    assert tracker.check({"id_num": "1", "email": "Ann@Example.org"}) == []
    assert tracker.check({"id_num": "2", "email": "ann@example.org "}) == [
        "Duplicate email in input: ann@example.org"
    ]


def test_duplicate_tracker_skips_blank_and_remove() -> None:
    """user | POST | UPDATE | card_num — -1 (remove credentials) and blanks never duplicate."""
    tracker = DuplicateTracker(USER_DUPLICATE_FIELDS)
    for _ in range(3):
        assert tracker.check({"id_num": "", "card_num": "-1"}) == []
        assert tracker.check({"id_num": None, "card_num": -1}) == []
        assert tracker.check({"card_num": [1]}) == []


def test_duplicate_tracker_new_field_recorded_when_other_duplicates() -> None:
    """fob | POST | name | Already exists — each field is judged on its own."""
    tracker = DuplicateTracker(FOB_DUPLICATE_FIELDS)
    assert tracker.check({"name": "A", "card_num": "1"}) == []
    assert tracker.check({"name": "A", "card_num": "2"}) == ["Duplicate name in input: A"]
    assert tracker.check({"name": "B", "card_num": "2"}) == ["Duplicate card_num in input: 2"]


def test_duplicate_field_sets() -> None:
    """The per-endpoint fields that must be unique within one input."""
    assert USER_DUPLICATE_FIELDS == ("id_num", "card_num", "email")
    assert DOOR_DUPLICATE_FIELDS == ("name",)
    assert FOB_DUPLICATE_FIELDS == ("name", "card_num")
    assert ACCESS_LEVEL_DUPLICATE_FIELDS == ("name",)
    assert LOCATION_DUPLICATE_FIELDS == ("name",)


# --------------------------------------------------------------------------- hostile input

USER_FIELDS = [
    "id",
    "id_num",
    "first_name",
    "last_name",
    "card_num",
    "email",
    "phone",
    "pin",
    "access_effective",
    "access_expires",
    "enabled",
    "accesslevels",
    "credential_key",
]
SCALARS = st.one_of(
    st.none(),
    st.text(),
    st.integers(),
    st.just(10**5000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=5),
    st.lists(st.dictionaries(st.sampled_from(["id", "schedule_id"]), SCALARS), max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(USER_FIELDS), VALUES))
def test_check_user_never_raises(rec: dict[str, Any]) -> None:
    """Any dict of user fields gives a list of str messages, never an exception."""
    for check in (check_user, check_user_put, check_fob, check_id_only, check_delegate):
        messages = check(rec)
        assert isinstance(messages, list)
        assert all(isinstance(m, str) and m.isprintable() for m in messages)
    assert isinstance(DuplicateTracker(USER_DUPLICATE_FIELDS).check(rec), list)


def test_nan_and_inf_are_rejected() -> None:
    """user | POST | INSERT | pin / card_num | Non-Numeric — floats are not numbers here."""
    for value in (math.nan, math.inf):
        assert len(check_user(rhea(pin=value, card_num=value))) == 2


# --------------------------------------------------------------------------- the fast path

_FAST_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "-1", "0", "1234", "１２", "x@y.org", "a b@c.de", "ab@c", "é@x.org",
                     "2022-01-24 00:00:00", "2023-01-24 00:00:00", "2022-02-30 00:00:00",
                     "Ada", " Ada ", "555-1234", ".a@x.org", "a..b@x.org", "a@-x.org"]),
    st.text(max_size=8),
    st.integers(min_value=-2, max_value=3),
    st.booleans(),
    st.lists(st.fixed_dictionaries({"id": st.one_of(st.integers(-1, 3), st.just("2"))}),
             max_size=3),
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(USER_FIELDS), _FAST_VALUES, max_size=6))
def test_fast_path_agrees_with_every_rule(changes: dict[str, Any]) -> None:
    """check_user's fast path for plainly valid records never accepts a record the full
    rule-by-rule check refuses (issue 14: validation speed without a lost rule)."""
    from lockt_async._validation import _check_user_full

    for base in (rhea(), update()):
        rec = {**base, **changes}
        assert check_user(rec) == _check_user_full(rec, True)
        # A sync's source (required=False) may leave required fields out.
        for required in (True, False):
            lean = {k: v for k, v in rec.items() if k not in ("email", "phone", "pin")}
            assert check_user(lean, required=required) == _check_user_full(lean, required)
            assert check_user(rec, required=False) == _check_user_full(rec, False)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(USER_FIELDS), _FAST_VALUES, max_size=6))
def test_fused_writer_agrees_with_encode_then_check(changes: dict[str, Any]) -> None:
    """The write path's fused writer (encode + check_user's plain rules in one call)
    gives a record only where encoding then check_user accept it, and the same wire
    dict (issue 24: a fused per-record path without a lost rule)."""
    from lockt_async._validation import plain_rules
    from lockt_async._writes import to_wire
    from lockt_async.converters import make_converter
    from lockt_async.resources._specs import USERS_UPSERT, leave_required_to_server

    conv = make_converter("America/New_York")
    for spec, required in ((USERS_UPSERT, True), (leave_required_to_server(USERS_UPSERT), False)):
        rules = plain_rules(spec.check)
        assert rules is not None
        writer = conv.wire_encoder(spec.model, spec.fields).plain_writer(spec.defaults, rules)
        for base in (rhea(), update(), {}):
            rec = {**base, **changes}
            got = writer(rec)
            if got is not None:
                assert got == to_wire(spec, conv, rec)
                assert check_user(got, required=required) == []


def test_prepare_item_takes_the_fused_path_and_tracks_duplicates() -> None:
    """A plain import record is prepared in one generated call; duplicates within the
    input are still reported (the validation table's duplicate rows)."""
    from lockt_async._writes import prepare_item
    from lockt_async.converters import make_converter
    from lockt_async.resources._specs import USERS_UPSERT

    conv = make_converter("America/New_York")
    tracker = DuplicateTracker(USER_DUPLICATE_FIELDS)
    rec = {k: v for k, v in rhea().items() if k != "id"}
    wire, messages = prepare_item(USERS_UPSERT, conv, rec, tracker)
    assert messages == [] and wire == {**rec, "id": -1}
    assert conv.write_cache[id(USERS_UPSERT)][2] is not None  # the fused writer was built
    wire, messages = prepare_item(USERS_UPSERT, conv, dict(rec), tracker)
    assert wire is None
    assert [m.split(":")[0] for m in messages] == [
        "Duplicate id_num in input",
        "Duplicate card_num in input",
        "Duplicate email in input",
    ]
    # an invalid record takes the general way and is worded by the full check
    wire, messages = prepare_item(USERS_UPSERT, conv, {**rec, "phone": "12ab"}, None)
    assert wire is None and messages == ["Invalid phone number found: 12ab"]
