"""The write path's encoders give the same wire dict as the general route, only faster."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockt_async._writes import to_wire
from lockt_async.converters import LocktConverter, make_converter
from lockt_async.errors import NaiveDatetimeError, RecordError
from lockt_async.models import Door, Fob, User
from lockt_async.resources import _specs

CONV = make_converter("America/New_York")  # stateless for these tests: shared across examples
SPECS = [_specs.USERS_UPSERT, _specs.USERS_UPDATE, _specs.FOBS_CREATE, _specs.DOORS_CREATE]
F = TypeVar("F", bound=Callable[..., Any])


def over_specs(max_examples: int) -> Callable[[F], F]:
    """Run a hypothesis test once per write spec in ``SPECS``, ``max_examples`` each."""

    def apply(test: F) -> F:
        ran = settings(max_examples=max_examples, deadline=None)(test)
        return pytest.mark.parametrize("spec", SPECS, ids=[s.operation for s in SPECS])(ran)

    return apply


def outcome(encode: Callable[[], dict[str, Any]]) -> dict[str, Any] | type[Exception]:
    """What an encoding gives: its wire dict, or the type of the ``RecordError`` it raises."""
    try:
        return encode()
    except RecordError as exc:
        return type(exc)


text = st.text(alphabet="abcXYZ019 -@.", max_size=12)
local_date = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%d %H:%M:%S")
)
aware = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)
value_for = {
    "id": st.one_of(st.none(), st.integers(-1, 10**6), st.just("-1"), st.just("42")),
    "enabled": st.one_of(st.none(), st.booleans(), st.just("true")),
    "accesslevels": st.one_of(
        st.none(),
        st.lists(st.builds(lambda i: {"id": i}, st.integers(1, 999)), max_size=3),
        st.lists(st.integers(1, 999), max_size=2),
    ),
    "access_effective": st.one_of(st.none(), st.just(""), local_date, aware),
    "access_expires": st.one_of(st.none(), local_date, aware, st.just("2022-07-10T09:00:00.000Z")),
    "location_id": st.one_of(st.none(), st.integers(1, 999)),
}


def general(conv: LocktConverter, spec: Any, record: Any) -> dict[str, Any]:
    """The reference route: mapping -> model -> wire dict, then the endpoint's fields."""
    model = (
        record
        if isinstance(record, spec.model)
        else conv.structure_record(record, spec.model, allowed=spec.fields)
    )
    wire = conv.unstructure(model)
    return {k: v for k, v in wire.items() if k in spec.fields}


@st.composite
def records(draw: st.DrawFn, spec: Any) -> dict[str, Any]:
    names = draw(st.sets(st.sampled_from(sorted(spec.fields))))
    rec: dict[str, Any] = {}
    for name in sorted(names):
        strat = value_for.get(name, st.one_of(st.none(), st.just(""), text, st.integers(0, 99999)))
        rec[name] = draw(strat)
    return rec


@over_specs(max_examples=150)
@given(data=st.data())
def test_mapping_fast_path_matches_general_route(spec: Any, data: st.DataObject) -> None:
    """A mapping encodes exactly as mapping -> model -> wire (or fails the same way)."""
    rec = data.draw(records(spec))
    expected = outcome(lambda: general(CONV, spec, rec))
    assert outcome(lambda: CONV.wire_encoder(spec.model, spec.fields)(rec)) == expected


@over_specs(max_examples=100)
@given(data=st.data())
def test_model_encoder_matches_general_route(spec: Any, data: st.DataObject) -> None:
    """A model encodes exactly as its unstructure hook, narrowed to the endpoint's fields."""
    rec = data.draw(records(spec))
    try:
        model = CONV.structure_record(rec, spec.model, allowed=spec.fields)
    except RecordError:
        return
    assert CONV.wire_encoder(spec.model, spec.fields)(model) == general(CONV, spec, model)


def test_encoder_writes_local_wall_time_and_refuses_naive(conv: LocktConverter) -> None:
    """NOTES.md Dates: aware datetimes go out as local wall time; naive ones are refused."""
    enc = conv.wire_encoder(Fob, _specs.FOBS_CREATE.fields)
    wire = enc(
        {"name": "F", "id_num": "1", "access_effective": datetime(2022, 7, 10, 9, tzinfo=UTC)}
    )
    assert wire["access_effective"] == "2022-07-10 05:00:00"
    with pytest.raises(NaiveDatetimeError, match="access_expires"):
        enc({"name": "F", "id_num": "1", "access_expires": datetime(2022, 7, 10, 9)})


def test_encoder_keeps_only_endpoint_fields(conv: LocktConverter) -> None:
    """Read-only fields of a model (credentials, name) never reach a write body."""
    user = conv.structure_record(
        {"id": 5, "first_name": "A", "name": "B, A", "credential_key": "K"}, User
    )
    wire = conv.wire_encoder(User, _specs.USERS_UPDATE.fields)(user)
    assert wire == {"id": 5}
    door = Door(name="Lab", type="Access Controlled Door", location_id=3)
    assert conv.wire_encoder(Door, _specs.DOORS_CREATE.fields)(door) == {
        "name": "Lab",
        "location_id": 3,
    }


@over_specs(max_examples=150)
@given(data=st.data())
def test_generated_mapping_shortcut_matches_the_key_loop(spec: Any, data: st.DataObject) -> None:
    """Wire encoding: the per-field generated shortcut gives what the per-key loop gives."""
    enc = CONV.wire_encoder(spec.model, spec.fields)
    rec = data.draw(records(spec))
    assert outcome(lambda: enc._from_dict(rec)) == outcome(lambda: enc._from_dict_loop(rec))


@over_specs(max_examples=150)
@given(data=st.data(), unknown=st.booleans())
def test_fused_plain_writer_matches_the_encoder(
    spec: Any, data: st.DataObject, unknown: bool
) -> None:
    """Wire encoding: the write path's fused shortcut (encode + the endpoint's wire
    defaults) gives what the encoder then the defaults give, or None; it never raises."""
    enc = CONV.wire_encoder(spec.model, spec.fields)
    rec = data.draw(records(spec))
    if unknown:
        rec["not_a_field"] = "x"
    got = enc.plain_writer(spec.defaults)(rec)
    if got is None:
        return
    expected = enc(rec)
    for field, value in spec.defaults:
        expected.setdefault(field, value)
    assert got == expected
    assert to_wire(spec, CONV, rec) == expected


def test_fused_plain_writer_takes_the_usual_import_record() -> None:
    """Wire encoding: a plain text record (a CSV row) takes the fused shortcut, ``id: -1`` added."""
    rec = {"id_num": "E1", "first_name": "A", "last_name": "B", "pin": "1234", "custom1": ""}
    writer = CONV.wire_encoder(User, _specs.USERS_UPSERT.fields).plain_writer(
        _specs.USERS_UPSERT.defaults
    )
    assert writer(rec) == {
        "id": -1,
        "id_num": "E1",
        "first_name": "A",
        "last_name": "B",
        "pin": "1234",
    }
    assert writer({**rec, "pin": 1234}) is None  # an int where text goes: the general way
