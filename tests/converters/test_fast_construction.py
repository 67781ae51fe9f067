"""Structure hooks build models without ``__init__`` (issue 24, decode speed), and the
models they build are the ones ``__init__`` builds: equal, same hash and repr,
still frozen."""

from __future__ import annotations

import inspect
from typing import Any

import attrs
import pytest

from lockt_async.converters import make_converter
from lockt_async.converters._gen import ALL_MODELS, _init_body, slot_setters
from lockt_async.models import User

CONV = make_converter("America/New_York")

ROW: dict[str, Any] = {
    "id": 1000,
    "id_num": "329359",
    "first_name": "Susan",
    "last_name": "Brown",
    "card_num": "8769",
    "pin": "0042",
    "email": "susan.brown@web.place",
    "access_effective": "2024-03-01T14:00:00.000Z",
    "enabled": True,
    "accesslevels": [{"unid": 364, "name": "Office Doors"}],
    "credentials": [{"id": 613832, "name": "8769", "card_num": "8769", "fob": False}],
    "custom2": "dept-1",
    "surprise": "kept in extra",
}


def _same_as_init(obj: Any) -> None:
    rebuilt = attrs.evolve(obj)  # through the class's own __init__
    assert rebuilt == obj and obj == rebuilt
    assert hash(rebuilt) == hash(obj)
    assert repr(rebuilt) == repr(obj)
    first = attrs.fields(type(obj))[0].name
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(obj, first, None)


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda c: c.__name__)
def test_every_model_is_built_by_slot_setters_as_init_builds_it(cls: type) -> None:
    """Decoding: each model's hook sets its slots directly, and the result equals what
    __init__ gives (the document's rows read as before, only faster)."""
    assert slot_setters(cls) is not None
    _same_as_init(CONV.structure({}, cls))


def test_a_full_user_row_equals_its_init_built_twin() -> None:
    """Decoding: a GET /user?id= row (nested levels, credentials, extra keys) builds
    objects identical to __init__-built ones, at every level."""
    user = CONV.structure(ROW, User)
    _same_as_init(user)
    for nested in (*user.accesslevels, *user.credentials):
        _same_as_init(nested)
    assert user.extra == {"surprise": "kept in extra"}


def test_a_class_whose_init_does_more_keeps_init() -> None:
    """Decoding: a model with a validator (or any hook) is not built by slot setters."""

    @attrs.frozen(kw_only=True)
    class Checked:
        n: int = attrs.field(validator=attrs.validators.instance_of(int))

    assert slot_setters(Checked) is None


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda c: c.__name__)
def test_init_body_reads_what_inspect_reads(cls: type) -> None:
    """Decoding: the cheap reader of attrs' generated ``__init__`` (linecache, no
    tokenizer) gives the body ``inspect.getsource`` gives, the proof slot setters rest on."""
    source = inspect.getsource(cls.__init__)  # type: ignore[misc]
    assert _init_body(cls) == [line.strip() for line in source.splitlines()[1:] if line.strip()]


def test_init_body_of_a_class_without_generated_source_is_none() -> None:
    """Decoding: an ``__init__`` whose source cannot be read keeps ``__init__``."""

    @attrs.frozen(kw_only=True)
    class Plain:
        n: int = 0

    exec_ns: dict[str, Any] = {}
    exec("def __init__(self, n):\n    self.n = n\n", exec_ns)  # no linecache entry
    Plain.__init__ = exec_ns["__init__"]  # type: ignore[misc]
    assert _init_body(Plain) is None
    assert slot_setters(Plain) is None
