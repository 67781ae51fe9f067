"""Models are plain values: they pickle, copy and deep-copy to equal models (and so
can cross a process pool, a cache or ``copy.deepcopy`` in a test), their ``extra``
(response fields the document does not list) included, and ``extra`` stays read-only.

Before, ``extra`` was a ``types.MappingProxyType``: ``pickle.dumps`` and
``copy.deepcopy`` of every model raised ``TypeError``, with or without extra fields.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lockt_async._envelope import readonly
from lockt_async.converters import make_converter
from lockt_async.converters._gen import ALL_MODELS
from lockt_async.models import User
from lockt_async.models._common import ReadOnlyMap
from tests.converters.test_fast_decode import rows

CONV = make_converter("America/New_York")


def _same(a: Any, b: Any) -> None:
    assert a == b and type(a) is type(b)
    assert hash(a) == hash(b)
    assert repr(a) == repr(b)


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda c: c.__name__)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_model_pickles_and_copies_to_an_equal_model(cls: type, data: st.DataObject) -> None:
    """Any model read from a row (unknown keys in ``extra``) survives pickle and copies."""
    try:
        model = CONV.structure(data.draw(rows(cls, bad=False)), cls)
    except Exception:  # a row the model refuses (the decode tests pin those)
        return
    assume(model == model)  # a float field read as NaN is not equal even to itself
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        _same(pickle.loads(pickle.dumps(model, protocol)), model)
    _same(copy.deepcopy(model), model)
    _same(copy.copy(model), model)


def test_extra_is_read_only_and_compares_as_a_dict() -> None:
    """``extra`` keeps the unknown response fields, read-only, equal to a plain dict."""
    user = CONV.structure({"id": 1, "firmware": "2.1", "zone": None}, User)
    assert user.extra == {"firmware": "2.1", "zone": None}
    assert {"firmware": "2.1", "zone": None} == user.extra  # noqa: SIM300 - the reflected ==
    assert user.extra != {"firmware": "2.2", "zone": None}
    assert repr(user.extra) == "{'firmware': '2.1', 'zone': None}"
    with pytest.raises(TypeError):
        user.extra["firmware"] = "3"  # type: ignore[index]
    with pytest.raises(AttributeError, match="read-only"):
        user.extra._data = {}  # type: ignore[attr-defined]
    restored = pickle.loads(pickle.dumps(user))
    assert restored.extra == user.extra and isinstance(restored.extra, ReadOnlyMap)
    assert CONV.structure({"id": 2}, User).extra == {}


def test_an_undocumented_answer_pickles() -> None:
    """``lockt.ping()`` and its kin hand out a read-only mapping that pickles too."""
    answer = readonly([{"status": "ok", "nested": {"a": [1, 2]}}])
    assert pickle.loads(pickle.dumps(answer)) == {"status": "ok", "nested": {"a": [1, 2]}}
    assert copy.deepcopy(answer) == answer
    assert readonly("up") == {"data": "up"}
