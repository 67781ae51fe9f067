"""Write-path encoders: a caller's record to the wire dict of one endpoint, fast.

The general route (mapping -> model -> wire dict, then keep the endpoint's
fields) is correct for anything a caller may pass, but it builds a model per
record. A bulk import sends each record once, so ``WireEncoder`` takes two
shortcuts that give the same wire dict:

* a model is written by code generated for exactly the endpoint's fields;
* a mapping whose values already have their wire types (strings, ints,
  booleans, local ``YYYY-MM-DD HH:MM:SS`` or aware datetimes, access levels as
  ``[{"id": n}]``) is copied field by field. Anything else (digit strings for
  ids, UTC dates, bare ids...) takes the general route.

Either way ``None`` and ``""`` mean "not given" and are left out, as on the
general route; ``lockt_async.CLEAR`` in a date field is sent as ``""`` (clear it).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

import attrs

from .._clear import CLEAR
from ..errors import RecordError
from ._gen import WRITE_FIELDS, field_specs
from .dates import DateCodec

Encoder = Callable[[Any], dict[str, Any]]


class Converter(Protocol):
    """What an encoder uses of ``LocktConverter`` (which builds it): no import back."""

    @property
    def dates(self) -> DateCodec: ...

    def get_unstructure_hook(self, cl: Any, cache_result: bool = True) -> Callable[[Any], Any]: ...

    def structure_record(
        self, mapping: Any, cls: type[Any], *, allowed: frozenset[str] | None = None
    ) -> Any: ...


def model_encoder_code(cls: type, fields: frozenset[str]) -> types.CodeType:
    """Compiled source of ``w(o)``: the wire dict of ``fields`` of a ``cls`` instance."""
    lines = ["def w(o):", "    d = {}"]
    for s in field_specs(cls):
        n = s.name
        if n not in fields or s.kind == "extra":
            continue
        lines.append(f"    v = o.{n}")
        if s.kind in ("int", "str", "bool", "float"):
            lines.append(f"    if v is not None and v != '': d[{n!r}] = v")
        elif s.kind == "dt":
            lines.append(f"    if v is _CLEAR: d[{n!r}] = ''")
            lines.append(f"    elif v is not None: d[{n!r}] = _fmt(v, {n!r})")
        elif s.kind == "seq" and s.model is not None and WRITE_FIELDS.get(s.model) == ("id",):
            lines.append(f"    if v is not None: d[{n!r}] = [{{'id': x.id}} for x in v]")
        else:  # nested shapes and times: the model's own unstructure hook
            lines.append(f"    if v is not None: d[{n!r}] = _u(o)[{n!r}]")
    lines.append("    return d")
    return compile("\n".join(lines) + "\n", f"<lockt wire {cls.__name__}>", "exec")


@attrs.frozen(eq=False)  # hashed by identity: a key of the encoder's writers
class PlainRules:
    """Extra tests a fused writer makes, so that what it returns needs no further
    check (the write path's per-record check, ``_validation``): None otherwise.

    ``tests``: per field, a Python expression over ``v`` (the field's value, already
    of its wire type and not blank) that must hold; ``required``: fields that must
    be given; ``after``: expressions over ``d`` (the wire dict) that must hold;
    ``names``: what the expressions use.
    """

    tests: Mapping[str, str] = attrs.field(factory=dict)
    required: frozenset[str] = frozenset()
    after: tuple[str, ...] = ()
    names: Mapping[str, Any] = attrs.field(factory=dict)


def dict_encoder_code(
    cls: type,
    fields: frozenset[str],
    *,
    strict: bool = False,
    defaults: tuple[tuple[str, Any], ...] = (),
    rules: PlainRules | None = None,
) -> types.CodeType:
    """Compiled source of ``w(r)``: the wire dict of a mapping whose values already have
    their wire types, straight-line per field; any other value hands the whole record
    to ``_slow`` (the general per-key loop, which may send it the general way).

    ``strict``: the write path's fused variant: a dict with a key outside ``_fields``
    or any value that is not already in its wire type gives None (the caller takes
    the general way), never an exception; ``defaults`` (the endpoint's wire
    defaults, ``(field, value)``) fill the fields the result lacks; ``rules`` adds
    the endpoint's plain checks (None when one fails)."""
    kinds = {s.name: _fast_kind(s.kind, s.model) for s in field_specs(cls) if s.name in fields}
    rules = rules if rules is not None else PlainRules()
    slow = "None" if strict else "_slow(r)"
    lines = ["def w(r):"]
    if strict:
        lines.append("    if not _fields.issuperset(r): return None")
    lines += ["    d = {}", "    g = r.get"]
    for n, kind in kinds.items():
        lines.append(f"    v = g({n!r})")
        lines += _field_lines(n, kind, rules.tests.get(n), n in rules.required)
        lines.append(f"    elif v is not None: return {slow}")
        if n in rules.required:
            lines.append("    else: return None")
    lines += [f"    if not ({test}): return None" for test in rules.after]
    for i, (name, _) in enumerate(defaults):
        lines.append(f"    if {name!r} not in d: d[{name!r}] = _default{i}")
    lines.append("    return d")
    src = "\n".join(lines).replace("return _slow(r)", f"return {slow}") + "\n"
    return compile(src, f"<lockt wire dict {cls.__name__}>", "exec")


def _field_lines(n: str, kind: str, test: str | None, required: bool) -> list[str]:
    """The generated lines that take field ``n`` of kind ``kind`` when its value
    has its wire type (the caller adds the ``elif`` for any other value)."""
    check = [f"if not ({test}): return None"] if test else []
    take = [*check, f"d[{n!r}] = v"]
    blank = ["        else: return None"] if required else []  # "" for a required field
    if kind == "str":
        return ["    if v.__class__ is str:", "        if v:", *_at(12, take), *blank]
    if kind == "int":
        return ["    if v.__class__ is int:", *_at(8, take)]
    if kind == "bool":
        return ["    if v is True or v is False:", *_at(8, take)]
    if kind == "dt":
        return [
            "    if v.__class__ is str:",
            "        if v:",
            "            if len(v) != 19 or v[10] != ' ': return _slow(r)",
            *_at(12, take),
            *blank,
        ]
    if kind == "ids":
        return [
            "    if v.__class__ is list:",
            "        refs = []",
            "        for x in v:",
            "            if x.__class__ is not dict or len(x) != 1:",
            "                return _slow(r)",
            "            i = x.get('id')",
            "            if i.__class__ is not int: return _slow(r)",
            "            refs.append({'id': i})",
            *_at(8, check),
            f"        d[{n!r}] = refs",
        ]
    return ["    if False: pass"]


def _at(indent: int, lines: list[str]) -> list[str]:
    return [" " * indent + line for line in lines]


class WireEncoder:
    """Encodes records (models or mappings) for one model class and field set."""

    def __init__(self, conv: Converter, cls: type, fields: frozenset[str]):
        self._structure = conv.structure_record
        self._cls = cls
        self._fields = fields
        self._fmt = _cached_format(conv.dates.format)
        namespace: dict[str, Any] = {
            "_fmt": self._fmt,
            "_u": conv.get_unstructure_hook(cls),
            "_CLEAR": CLEAR,
        }
        exec(model_encoder_code(cls, fields), namespace)
        self._model: Encoder = namespace["w"]
        self._kinds = {
            s.name: _fast_kind(s.kind, s.model) for s in field_specs(cls) if s.name in fields
        }
        self._strs = frozenset(k for k, kind in self._kinds.items() if kind == "str")
        self._dts = frozenset(k for k, kind in self._kinds.items() if kind == "dt")
        self._sparse = len(self._kinds) // 2
        namespace = {"_slow": self._from_dict_loop}
        exec(dict_encoder_code(cls, fields), namespace)
        self._from_dict: Callable[[dict[str, Any]], dict[str, Any] | None] = namespace["w"]
        self._writers: dict[Any, Callable[[Any], dict[str, Any] | None]] = {}

    def plain_writer(
        self, defaults: tuple[tuple[str, Any], ...] = (), rules: PlainRules | None = None
    ) -> Callable[[Any], dict[str, Any] | None]:
        """The write path's fused shortcut for a plain dict already in wire types: its
        wire dict with the endpoint's ``defaults`` filled in (and, with ``rules``, its
        plain checks passed), in one generated call; None (never an exception) for
        anything else, which then takes ``__call__``."""
        key = (defaults, rules)
        writer = self._writers.get(key)
        if writer is None:
            namespace: dict[str, Any] = {"_fields": self._fields}
            namespace.update((f"_default{i}", value) for i, (_, value) in enumerate(defaults))
            if rules is not None:
                namespace.update(rules.names)
            code = dict_encoder_code(
                self._cls, self._fields, strict=True, defaults=defaults, rules=rules
            )
            exec(code, namespace)
            writer = self._writers[key] = namespace["w"]
        return writer

    def __call__(self, record: Any) -> dict[str, Any]:
        """The wire dict; raises ``RecordError`` (naming the field) for what cannot be sent."""
        if type(record) is self._cls:
            return self._model(record)
        cleared: list[str] = []
        if type(record) is dict:
            # Straight-line code per field pays off once most fields are given;
            # a sparse record is cheaper key by key.
            if len(record) > self._sparse:
                fast = self._from_dict(record)
            else:
                fast = self._from_dict_loop(record)
            if fast is not None:
                return fast
            cleared = [k for k, v in record.items() if v is CLEAR]
            if cleared:
                record = {k: v for k, v in record.items() if v is not CLEAR}
        model: Any = self._structure(record, self._cls, allowed=self._fields)
        wire = self._model(model)
        for k in cleared:
            wire[k] = ""
        return wire

    def _from_dict_loop(self, record: dict[str, Any]) -> dict[str, Any] | None:  # noqa: C901 - one branch per field kind, on the per-record hot path (a table, kept in one loop)
        """The shortcut for wire-typed mappings, key by key (what the generated
        ``_from_dict`` falls back to); None sends it the general way."""
        out: dict[str, Any] = {}
        strs, dts, kinds = self._strs, self._dts, self._kinds
        for k, v in record.items():
            t = type(v)
            if t is str:
                if not v:
                    continue
                if k in strs:
                    out[k] = v
                elif k in dts and len(v) == 19 and v[10] == " ":
                    out[k] = v  # local wall time already; its format is validated later
                else:
                    return None
                continue
            if v is None or v == "":
                continue
            kind = kinds.get(k)
            if v is CLEAR:
                if kind != "dt":
                    raise RecordError(
                        f"{k}: CLEAR clears a date (access_effective, access_expires) only",
                        field=k,
                    )
                out[k] = ""
            elif kind == "str":
                if t is not int:
                    return None
                try:
                    out[k] = str(v)
                except ValueError:  # past the int str limit: the general route says so
                    return None
            elif kind == "int" or kind == "bool":
                if t is not (int if kind == "int" else bool):
                    return None
                out[k] = v
            elif kind == "dt":
                if t is not datetime:
                    return None
                out[k] = self._fmt(v, k)
            elif kind == "ids":
                if t is not list:
                    return None
                refs = []
                for x in v:
                    if type(x) is not dict or len(x) != 1 or type(x.get("id")) is not int:
                        return None
                    refs.append({"id": x["id"]})
                out[k] = refs
            else:
                return None
        return out


def _cached_format(fmt: Callable[[datetime, str], str]) -> Callable[[datetime, str], str]:
    """``fmt`` with a small cache: an import's records share few distinct dates.

    Keys are the datetimes themselves: equal aware datetimes are the same
    instant, hence the same local wall time; a naive one never equals an aware
    one, so it misses and ``fmt`` refuses it.
    """
    cache: dict[datetime, str] = {}

    def format_cached(value: datetime, field: str) -> str:
        try:
            return cache[value]
        except (KeyError, TypeError):
            text = fmt(value, field)
            if len(cache) >= 4096:
                cache.clear()
            cache[value] = text
            return text

    return format_cached


def _fast_kind(kind: str, model: type | None) -> str:
    if kind in ("str", "int", "bool", "dt"):
        return kind
    if kind == "seq" and model is not None and WRITE_FIELDS.get(model) == ("id",):
        return "ids"
    return "slow"
