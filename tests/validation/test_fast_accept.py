"""The fast accept paths of the user check against the validation table, on arbitrary input.

``check_user`` first tries ``_user_plainly_valid`` (the usual shape, inline tests)
and the write path's fused writer makes the same tests as it encodes
(``plain_rules``); either may only say "valid" where no row of the document's
validation table (``_check_user_full``, every rule in turn) fails. Issue 24: the
figures may move, the rules may not. These run on arbitrary values (any text,
numbers, floats, containers, unknown keys), near-valid ones mixed in so that the
accept paths are taken often.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lockt_async._validation import (
    _check_user_full,
    _user_plainly_valid,
    check_user,
    plain_rules,
)
from lockt_async._writes import to_wire
from lockt_async._writes._records import plain_wires
from lockt_async.converters import make_converter
from lockt_async.resources._specs import USERS_UPSERT, leave_required_to_server
from tests.validation.test_validation import USER_FIELDS, VALUES, rhea, update

_NEAR = st.one_of(
    st.from_regex(r"[0-9]{1,6}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._%+-]{0,6}@[A-Za-z0-9.-]{0,8}", fullmatch=True),
    st.from_regex(r"20[0-9]{2}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]",
                  fullmatch=True),
    st.sampled_from(["2022-01-24 00:00:00", "2022-10-29 00:00:00", "x@example.org", "-1", ""]),
    st.integers(-3, 2**64),
)  # fmt: skip
_ANY = st.one_of(VALUES, _NEAR)
_KEYS = st.one_of(st.sampled_from(USER_FIELDS), st.text(max_size=4))
CONV = make_converter("America/New_York")
#: Valid records, and one whose dates are valid but out of order (the behaviour
#: table's "access_effective must be before access_expires").
_BASES = st.sampled_from(
    [
        rhea(),
        update(),
        {},
        rhea(access_effective="2022-10-29 00:00:00", access_expires="2022-01-24 00:00:00"),
    ]
)


@settings(max_examples=500, deadline=None)
@given(_BASES, st.dictionaries(_KEYS, _ANY, max_size=8))
def test_fast_accept_agrees_with_the_full_table(base: dict[str, Any], changes: Any) -> None:
    """user | POST | every row: accepted by the fast path only where no row fails;
    otherwise check_user gives exactly the full table's messages, in its order."""
    rec = {**base, **changes}
    for required in (True, False):
        full = _check_user_full(rec, required)
        if _user_plainly_valid(rec, required):
            assert full == []
        assert check_user(rec, required=required) == full


@settings(max_examples=500, deadline=None)
@given(_BASES, st.dictionaries(_KEYS, _ANY, max_size=8))
def test_fused_writer_accepts_only_what_the_table_accepts(
    base: dict[str, Any], changes: Any
) -> None:
    """The write path's fused writer (encode + the table's plain rules) returns a wire
    dict only for a record that encodes to that same dict and that the full table
    accepts (with required fields, and leaving them to the server)."""
    rec = {**base, **changes}
    no_id = {k: v for k, v in rec.items() if k != "id"}  # an insert: the writer adds id -1
    for spec, required in ((USERS_UPSERT, True), (leave_required_to_server(USERS_UPSERT), False)):
        rules = plain_rules(spec.check)
        assert rules is not None and spec.model is not None
        writer = CONV.wire_encoder(spec.model, spec.fields).plain_writer(spec.defaults, rules)
        for record in (rec, no_id):
            # As in an import, the dates and domains may have been seen valid before
            # (the fast tests' caches): the full check first fills them.
            _check_user_full(record, required)
            got = writer(record)
            if got is not None:
                assert got == to_wire(spec, CONV, record)
                assert _check_user_full(got, required) == []


def test_a_list_meets_new_dates_in_the_fused_writer() -> None:
    """users | POST | access_effective, access_expires: a list is checked whole by the
    fused writer before any record takes the slow path, so a valid date it has never
    seen is accepted there (one pass, the same wire dicts), and an impossible one is not
    (the slow path then words the refusal)."""
    recs = [
        rhea(
            id_num=f"n{month}",
            access_effective=f"2091-{month:02d}-11 07:13:29",
            access_expires=f"2092-{month:02d}-11 07:13:29",
        )
        for month in range(1, 13)
    ]
    wires = plain_wires(USERS_UPSERT, CONV, recs)
    assert wires is not None and None not in wires
    assert wires == [to_wire(USERS_UPSERT, CONV, r) for r in recs]
    impossible = rhea(access_effective="2091-02-30 07:13:29", access_expires="")
    assert plain_wires(USERS_UPSERT, CONV, [impossible]) == [None]
    assert check_user(impossible) == _check_user_full(impossible, True) != []
