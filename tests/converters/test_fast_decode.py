"""The read path's fast structure hooks (issue 24, decode speed) give exactly what the
reference hooks give: the same models (same field types, values, tzinfo) or the same
typed error naming the same field, for arbitrary rows of every model.

The reference is ``build_hooks(..., fast=False)``: one ``d.get`` per field, one hook
call per nested item, the codec for every date, and models built by the slot setters
``__init__`` is proved to be equivalent to (``test_fast_construction``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockt_async._envelope import structure, structure_rows
from lockt_async.converters import make_converter
from lockt_async.converters._gen import ALL_MODELS, READ_ALIASES, build_hooks, field_specs
from lockt_async.errors import MalformedResponseError, RecordError
from lockt_async.models import User

CONV = make_converter("America/New_York")
FAST = build_hooks(CONV._namespace(), fast=True)[0]
REFERENCE = build_hooks(CONV._namespace(), fast=False)[0]

_WHEN = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
)
#: NOTES.md "Dates": local ``YYYY-MM-DD HH:MM:SS``, UTC ``...Z`` (with or without
#: milliseconds), ``""`` for no date; and strings of the right shape that are not dates.
DATES = st.one_of(
    _WHEN.map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
    _WHEN.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    _WHEN.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z")),
    _WHEN.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+00:00")),
    st.just(""),
    st.sampled_from(["2026-02-30 08:00:00", "2024-03-10 02:30:00", "2024-11-03 01:30:00"]),
    st.just(datetime(2024, 3, 1, 14, tzinfo=UTC)),
    st.just(datetime(2024, 3, 1, 14)),
)
SCALARS = st.one_of(
    st.none(),
    st.just(""),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.integers(0, 10**6).map(str),
    st.sampled_from(["true", "FALSE", " 12 ", "-3", "1.5", "x", "12:30:00", "nan"]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.just([]),
    st.just({}),
)


_GOOD: dict[str, st.SearchStrategy[Any]] = {
    "int": st.one_of(
        st.none(), st.just(""), st.integers(-(2**40), 2**40), st.integers(0, 999).map(str)
    ),
    "str": st.one_of(st.none(), st.just(""), st.text(max_size=8), st.integers(0, 10**6)),
    "bool": st.one_of(
        st.none(), st.just(""), st.booleans(), st.sampled_from(["true", "FALSE", 0, 1])
    ),
    "float": st.one_of(st.none(), st.floats(), st.sampled_from(["2.5", "nan", 7])),
    "dt": st.one_of(st.none(), DATES),
    "time": st.one_of(st.none(), st.just(""), st.sampled_from(["08:00:00", "23:59:59", "12:30"])),
    "strseq": st.one_of(st.none(), st.text(max_size=4), st.lists(st.text(max_size=4), max_size=3)),
}


def _value(kind: str, model: type | None, depth: int, bad: bool) -> st.SearchStrategy[Any]:
    """A value for a field of ``kind``: its accepted shapes, and with ``bad`` any scalar."""
    if kind in ("seq", "one") and model is not None:
        if depth >= 2:
            return st.none()
        item = st.one_of(
            rows(model, depth + 1, bad),
            st.sampled_from([{}, None, "", 0, 5, "6"]),  # empty items; bare ids for refs
        )
        good = st.one_of(
            st.none(),
            st.sampled_from(["", []]),
            st.lists(item, max_size=3),
            rows(model, depth + 1, bad),  # a lone object where a list is documented
        )
    else:
        good = _GOOD[kind]
    return st.one_of(good, SCALARS) if bad else good


def rows(cls: type, depth: int = 0, bad: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Rows of ``cls``: any subset of its wire keys (aliases too), plus unknown keys."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for s in field_specs(cls):
        if s.kind == "extra":
            continue
        value = _value(s.kind, s.model, depth, bad)
        fields[s.name] = value
        for alt in READ_ALIASES.get(cls, {}).get(s.name, ()):
            fields[alt] = value
    extra = st.dictionaries(st.sampled_from(["zone", "firmware", "extra", "x"]), SCALARS)
    return st.builds(
        lambda known, more: {**more, **known},
        st.fixed_dictionaries({}, optional=fields),
        extra,
    )


def _outcome(hook: Any, row: Any) -> tuple[str, Any]:
    try:
        got = hook(row)
    except Exception as exc:
        return ("error", (type(exc), str(exc), getattr(exc, "field", None)))
    return ("ok", _fields(got))


def _fields(obj: Any) -> Any:
    """A model as its type and field values, each with its type (and tzinfo for dates)."""
    if attrs.has(type(obj)):
        return (
            type(obj),
            tuple((a.name, _fields(getattr(obj, a.name))) for a in attrs.fields(type(obj))),
        )
    if isinstance(obj, tuple):
        return tuple(_fields(x) for x in obj)
    if isinstance(obj, datetime):
        return (obj, obj.tzinfo, obj.utcoffset())
    if isinstance(obj, float):
        return (float, repr(obj))  # nan == nan by its repr
    return (type(obj), obj)


@pytest.mark.parametrize("bad", [False, True], ids=["accepted", "any"])
@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda c: c.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_hook_equals_reference(cls: type, bad: bool, data: st.DataObject) -> None:
    """Reading any row (missing fields, "" dates, both date formats, unknown keys, bad
    values) gives what the reference gives: equal models, or the same error."""
    row = data.draw(rows(cls, bad=bad))
    assert _outcome(FAST[cls], row) == _outcome(REFERENCE[cls], row)


@pytest.mark.parametrize("bad", [False, True], ids=["accepted", "any"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_user_rows_fast_equals_reference(bad: bool, data: st.DataObject) -> None:
    """The document's GET /user?id= row shape (nested accesslevels, credentials), more draws."""
    row = data.draw(rows(User, bad=bad))
    assert _outcome(FAST[User], row) == _outcome(REFERENCE[User], row)


def test_fast_hook_is_the_converters_hook() -> None:
    """The converter reads with the fast hooks (so the property above covers reads)."""
    row = {"id": 1, "accesslevels": [{"unid": 2}], "credentials": [{"id": 3}]}
    assert CONV.get_structure_hook(User)(row, User) == FAST[User](row)
    assert FAST[User].__code__ is not REFERENCE[User].__code__


def test_both_date_formats_and_blank() -> None:
    """NOTES.md "Dates": a local wall time reads in the instance zone, ``...Z`` in UTC,
    ``""`` as None."""
    user = FAST[User](
        {"access_effective": "2024-03-01 09:00:00", "access_expires": "2024-03-01T14:00:00Z"}
    )
    assert user.access_effective.tzinfo is CONV.zone
    assert user.access_expires.tzinfo is UTC
    assert user.access_effective == user.access_expires
    assert user.access_effective.utcoffset() == timedelta(hours=-5)
    assert FAST[User]({"access_effective": ""}).access_effective is None


def test_a_bad_nested_value_names_its_index() -> None:
    """An error inside an inlined list item names the item, as the reference does."""
    row = {"credentials": [{"id": 1}, {"id": "x"}]}
    with pytest.raises(RecordError) as fast:
        FAST[User](row)
    assert fast.value.field == "credentials[1].id"
    with pytest.raises(RecordError) as ref:
        REFERENCE[User](row)
    assert str(fast.value) == str(ref.value)


def test_structure_rows_error_is_the_row_by_row_error() -> None:
    """A bad row in a list read raises the endpoint-naming error ``structure`` raises."""
    found = [{"id": 1}, {"id": 2, "enabled": "perhaps"}, {"id": 3}]
    with pytest.raises(MalformedResponseError) as listed:
        structure_rows(CONV, found, User, "/user")
    with pytest.raises(MalformedResponseError) as alone:
        structure(CONV, found[1], User, "/user")
    assert str(listed.value) == str(alone.value)
    assert "enabled" in str(listed.value)
    assert [u.id for u in structure_rows(CONV, found[::2], User, "/user")] == [1, 3]


def _every_hook_made() -> Any:
    conv = make_converter("America/New_York")
    for cls in ALL_MODELS:
        conv.get_structure_hook(cls)
        conv.get_unstructure_hook(cls)
    return conv


FULL = _every_hook_made()


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda c: c.__name__)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hooks_made_on_first_use_equal_the_full_set(cls: type, data: st.DataObject) -> None:
    """A converter makes a model's hooks (and its nested models') on first use: a fresh
    converter whose first call is this model reads and writes it as one that has made
    every model's hooks (nothing nested is missing, whatever comes first)."""
    row = data.draw(rows(cls, bad=False))
    fresh = make_converter("America/New_York")
    outcome = _outcome(lambda d: fresh.structure(d, cls), row)
    assert outcome == _outcome(lambda d: FULL.structure(d, cls), row)
    if outcome[0] == "ok":
        model = FULL.structure(row, cls)
        assert make_converter("America/New_York").unstructure(model) == FULL.unstructure(model)
