"""A list's whole check before the first page (validate_fails_batch=True: all or nothing).

Issue 24 made it map the fused writer over a list of plain dicts in one pass; these
tests hold it to what checking the records one by one (``prepare_item`` with one
``DuplicateTracker`` for the input) decides: the same wire dicts for a valid list,
and the same refused records, with the same messages, for an invalid one (the
validation table's rows and its "Duplicate ... in input" rows).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockt_async._results import BatchResult, FailureReason
from lockt_async._validation import DuplicateTracker
from lockt_async._writes import prepare_item
from lockt_async._writes._batch import _check_whole
from lockt_async.converters import make_converter
from lockt_async.errors import ClientValidationError
from lockt_async.models import User
from lockt_async.resources._specs import USERS_UPSERT
from tests.validation.test_validation import _FAST_VALUES, USER_FIELDS, rhea

CONV = make_converter("America/New_York")


def _one_by_one(records: list[Any]) -> tuple[list[tuple[int, dict[str, Any]]], list[Any]]:
    """The reference: each record prepared in turn, one tracker for the input."""
    tracker = DuplicateTracker(USERS_UPSERT.duplicate_fields)
    kept, refused = [], []
    for index, record in enumerate(records):
        wire, messages = prepare_item(USERS_UPSERT, CONV, record, tracker)
        if wire is None:
            refused.append((index, tuple(messages)))
        else:
            kept.append((index, wire))
    return kept, refused


def _check(records: Any) -> tuple[list[tuple[int, dict[str, Any]]], list[Any]]:
    tracker = DuplicateTracker(USERS_UPSERT.duplicate_fields)
    try:
        items = _check_whole(USERS_UPSERT, CONV, records, tracker, BatchResult())
    except ClientValidationError as exc:
        failures = exc.failures
    else:
        failures = []
    if failures:
        assert all(f.reason is FailureReason.INVALID for f in failures)
        assert all(f.record is records[f.index] for f in failures)
        return [], [(f.index, f.messages) for f in failures]
    assert [record for _, record, _ in items] == list(records)  # each one, in order, itself
    return [(index, wire) for index, _, wire in items], []


def _person(i: int, changes: dict[str, Any]) -> dict[str, Any]:
    return {**rhea(id_num=f"E{i}", card_num=str(100 + i), email=f"p{i}@example.org"), **changes}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),  # a few people, so values repeat within the list
            st.dictionaries(st.sampled_from(USER_FIELDS), _FAST_VALUES, max_size=3),
        ),
        max_size=8,
    ),
    st.booleans(),
)
def test_list_check_agrees_with_one_by_one(people: list[Any], as_tuple: bool) -> None:
    """A list's whole check accepts exactly the lists that records checked one by one
    accept (same wire dicts), and refuses the same records with the same messages."""
    records: Any = [_person(i, changes) for i, changes in people]
    if as_tuple:
        records = tuple(records)
    kept, refused = _one_by_one(list(records))
    got_kept, got_refused = _check(records)
    if refused:
        assert got_refused == refused
    else:
        assert got_kept == kept


@pytest.mark.parametrize(
    "odd",
    [User(id_num="M1", first_name="Mo", last_name="Del", email="m@x.org", phone="1", pin="2"), 7],
)
def test_list_with_a_record_that_is_not_a_plain_dict(odd: Any) -> None:
    """A model (or anything else) among plain dicts is checked the general way, in place."""
    records = [_person(1, {}), odd, _person(2, {})]
    kept, refused = _one_by_one(records)
    assert _check(records) == ((kept, []) if not refused else ([], refused))


def test_duplicates_across_a_plain_list_are_refused() -> None:
    """user | POST | id_num / card_num / email | Duplicate in input."""
    records = [_person(1, {}), _person(2, {}), _person(1, {"id_num": "other"})]
    _, refused = _one_by_one(records)
    assert [i for i, _ in refused] == [2]
    assert _check(records) == ([], refused)
