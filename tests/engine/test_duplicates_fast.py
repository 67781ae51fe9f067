"""The list check's duplicate proof (``refuse_duplicates``) refuses exactly the records,
with exactly the messages and in exactly the order, that one ``DuplicateTracker`` fed
record by record refuses (bulk-writes guide: "values repeated within one input")."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lockt_async._duplicates import DuplicateTracker, refuse_duplicates, surely_distinct

FIELDS = ("id_num", "card_num", "email")

_value = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(
        ["", " ", "1", " 1 ", "-1", "A@x.io", "a@X.IO ", "a@x.io", "2", "b", "xΣ", "xσ", "xς", "İ"]
    ),
    st.integers(min_value=-3, max_value=3),
    st.just(-1),
    st.just(2**300),  # an integer the tracker does not compare
    st.floats(allow_nan=False),
    st.text(max_size=3),
)
_wire = st.dictionaries(st.sampled_from(FIELDS), _value, max_size=3)


def _reference(wires: list[dict[str, Any]]) -> tuple[list[int], list[tuple[int, list[str]]]]:
    tracker = DuplicateTracker(FIELDS)
    kept: list[int] = []
    refused: list[tuple[int, list[str]]] = []
    for i, wire in enumerate(wires):
        messages = tracker.check(wire)
        if messages:
            refused.append((i, messages))
        else:
            kept.append(i)
    return kept, refused


@settings(max_examples=400, deadline=None)
@given(st.lists(_wire, max_size=12))
def test_fast_check_matches_tracker(wires: list[dict[str, Any]]) -> None:
    """Refused records, their messages and their order equal the tracker's, record by record."""
    items = list(enumerate(wires))
    kept, refused = refuse_duplicates(FIELDS, items, lambda item: item[1])
    assert ([i for i, _ in kept], [(i, m) for (i, _), m in refused]) == _reference(wires)


@settings(max_examples=400, deadline=None)
@given(st.lists(_wire, max_size=12))
def test_proof_never_misses_a_duplicate(wires: list[dict[str, Any]]) -> None:
    """A list proved distinct has no value the tracker would call a duplicate."""
    if surely_distinct(wires, FIELDS):
        assert _reference(wires)[1] == []


def test_distinct_strings_are_proved_without_the_tracker() -> None:
    """The usual import (distinct ids, cards, addresses; blanks and -1 cards) is proved."""
    wires = [
        {"id_num": str(i), "card_num": "-1" if i % 3 else str(i), "email": f"U{i}@x.io"}
        for i in range(50)
    ] + [{"id_num": "99", "card_num": " ", "email": ""}]
    assert surely_distinct(wires, FIELDS)
    assert not surely_distinct([*wires, {"email": "u1@X.io "}], FIELDS)
